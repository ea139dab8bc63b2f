//! When a matching rule fires: always, the first N matches, every Nth, with a seeded
//! probability, within a budget of firings, inside a window of the tenant's virtual clock, or
//! only when a request names it. Conditions combine: each must allow the firing.

use std::str::FromStr;

use ledger::Timestamp;
use serde_json::{Map, Value};

use super::rule::only;

const FIELDS: [&str; 8] =
    ["probability", "seed", "first", "every", "times", "from", "until", "only_when_named"];

/// A rule's firing conditions.
#[derive(Debug, Clone)]
pub struct Schedule {
    probability: Option<f64>,
    first: Option<u64>,
    every: Option<u64>,
    times: Option<u64>,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
    /// Fires only for a request whose `X-Sandbank-Fault` names the rule.
    pub only_when_named: bool,
    /// Seeds the probability's draws.
    seed: u64,
}

/// A rule's counts so far: apart from its conditions, so requests match rules under a shared
/// lock and lock only the rule that matched.
#[derive(Debug)]
pub struct Counts {
    /// The probability's generator: the same seed draws the same sequence.
    rng: fastrand::Rng,
    /// Requests that matched inside the window.
    pub matched: u64,
    /// Times it fired.
    pub fired: u64,
}

impl Counts {
    /// None yet, for a rule of `schedule`.
    pub fn new(schedule: &Schedule) -> Counts {
        Counts { rng: fastrand::Rng::with_seed(schedule.seed), matched: 0, fired: 0 }
    }
}

impl Schedule {
    /// Fires on every match.
    pub fn always() -> Schedule {
        Schedule {
            probability: None,
            first: None,
            every: None,
            times: None,
            from: None,
            until: None,
            only_when_named: false,
            seed: 0,
        }
    }

    /// The `when` object; `default_seed` seeds a probability that names no seed. An error
    /// names the field (`probability: …`).
    pub fn parse(map: &Map<String, Value>, default_seed: u64) -> Result<Schedule, String> {
        only(map, &FIELDS, "")?;
        let count = |key: &str| match map.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .filter(|n| *n >= 1)
                .map(Some)
                .ok_or_else(|| format!("{key}: a whole number from 1")),
        };
        let instant = |key: &str| match map.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => jiff::Timestamp::from_str(text)
                .map(|at| Some(Timestamp::from_unix_micros(at.as_microsecond())))
                .map_err(|e| format!("{key}: not an RFC 3339 instant: {e}")),
            Some(_) => Err(format!("{key}: an RFC 3339 instant on the tenant's clock")),
        };
        let probability = match map.get("probability") {
            None => None,
            Some(value) => Some(
                value
                    .as_f64()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or("probability: a number from 0 to 1")?,
            ),
        };
        let seed = match map.get("seed") {
            None => default_seed,
            Some(_) if probability.is_none() => return Err("seed: only with probability".into()),
            Some(value) => value.as_u64().ok_or("seed: a whole number from 0")?,
        };
        let (from, until) = (instant("from")?, instant("until")?);
        if let (Some(from), Some(until)) = (from, until)
            && from >= until
        {
            return Err("until: after from".into());
        }
        let only_when_named = match map.get("only_when_named") {
            None => false,
            Some(Value::Bool(on)) => *on,
            Some(_) => return Err("only_when_named: true or false".into()),
        };
        Ok(Schedule {
            probability,
            first: count("first")?,
            every: count("every")?,
            times: count("times")?,
            from,
            until,
            only_when_named,
            seed,
        })
    }

    /// Whether `now` is inside the window (a rule outside it neither counts nor fires).
    pub fn open_at(&self, now: Timestamp) -> bool {
        self.from.is_none_or(|from| now >= from) && self.until.is_none_or(|until| now < until)
    }

    /// Counts one more matching request inside the window and says whether the rule fires on
    /// it (counting the firing).
    pub fn decide(&self, counts: &mut Counts) -> bool {
        counts.matched += 1;
        let n = counts.matched;
        let allowed = self.first.is_none_or(|first| n <= first)
            && self.every.is_none_or(|every| n.is_multiple_of(every))
            && self.times.is_none_or(|times| counts.fired < times);
        // Drawn only for a match the other conditions allow, so the sequence a seed gives is
        // that of the rule's candidate requests.
        let fires = allowed && self.probability.is_none_or(|p| counts.rng.f64() < p);
        if fires {
            counts.fired += 1;
        }
        fires
    }
}

impl Counts {
    /// Counts a firing a request asked for by name (`X-Sandbank-Fault`), which bypasses the
    /// conditions.
    pub fn fire_named(&mut self) {
        self.matched += 1;
        self.fired += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(when: Value) -> Schedule {
        Schedule::parse(when.as_object().unwrap(), 99).unwrap()
    }

    fn firings(s: Schedule, n: usize) -> Vec<usize> {
        let mut counts = Counts::new(&s);
        (1..=n).filter(|_| s.decide(&mut counts)).collect()
    }

    #[test]
    fn counts_combine_first_every_and_times() {
        use serde_json::json;
        assert_eq!(firings(Schedule::always(), 4), [1, 2, 3, 4]);
        assert_eq!(firings(schedule(json!({"first": 2})), 6), [1, 2]);
        assert_eq!(firings(schedule(json!({"every": 3})), 10), [3, 6, 9]);
        assert_eq!(firings(schedule(json!({"times": 2})), 6), [1, 2]);
        assert_eq!(firings(schedule(json!({"every": 2, "times": 2})), 10), [2, 4]);
        assert_eq!(firings(schedule(json!({"first": 5, "every": 2})), 10), [2, 4]);
    }

    #[test]
    fn a_seeded_probability_fires_the_same_requests_every_time_and_about_as_often_as_asked() {
        use serde_json::json;
        let run = |seed: u64| firings(schedule(json!({"probability": 0.3, "seed": seed})), 1000);
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!((230..370).contains(&run(7).len()), "{}", run(7).len());
        assert_eq!(firings(schedule(json!({"probability": 0})), 50), Vec::<usize>::new());
        assert_eq!(firings(schedule(json!({"probability": 1})), 3), [1, 2, 3]);
        let budget = firings(schedule(json!({"probability": 0.5, "seed": 1, "times": 3})), 100);
        assert_eq!(budget.len(), 3);
    }

    #[test]
    fn the_window_is_on_the_given_instants_and_bad_fields_are_named() {
        use serde_json::json;
        let s = schedule(json!({"from": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"}));
        let at = |text: &str| {
            Timestamp::from_unix_micros(jiff::Timestamp::from_str(text).unwrap().as_microsecond())
        };
        assert!(!s.open_at(at("2025-12-31T23:59:59Z")));
        assert!(s.open_at(at("2026-01-01T00:00:00Z")));
        assert!(!s.open_at(at("2026-01-02T00:00:00Z")));
        for (bad, field) in [
            (json!({"probability": 1.5}), "probability:"),
            (json!({"probability": "half"}), "probability:"),
            (json!({"first": 0}), "first:"),
            (json!({"every": -1}), "every:"),
            (json!({"seed": 3}), "seed:"),
            (json!({"from": "tomorrow"}), "from:"),
            (json!({"from": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}), "until:"),
            (json!({"sometimes": true}), "sometimes:"),
        ] {
            let err = Schedule::parse(bad.as_object().unwrap(), 0).unwrap_err();
            assert!(err.starts_with(field), "{bad}: {err}");
        }
    }
}
