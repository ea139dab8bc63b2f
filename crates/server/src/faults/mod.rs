//! Fault rules: a tenant's requests made to fail on demand, in the vendor's own error shape or
//! on the connection itself, before the request is handled or after its effects committed.
//!
//! Each tenant keeps its own rules, tried in the order they were made; the first that fires
//! decides, so a request suffers at most one fault. A server with no rule anywhere checks one
//! counter per request and nothing else. The edge (`service.rs`) asks [`TenantFaults::decide`]
//! before and after handling, and carries the fault out (`transport.rs`).

mod matcher;
pub mod rule;
mod schedule;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};
use ledger::Timestamp;
use serde_json::{Value, json};

pub use matcher::Seen;
pub use rule::{Known, Phase, Rule, Transport};
use schedule::Counts;

/// The header a request names a rule with, to have it fire on that request alone.
pub const FAULT_HEADER: http::HeaderName = http::HeaderName::from_static("x-sandbank-fault");

/// A rule that exists, with its id and counts.
#[derive(Debug)]
struct Armed {
    id: String,
    rule: Rule,
    counts: Mutex<Counts>,
    /// Draws latencies from ranges, apart from the probability's draws.
    latency_rng: Mutex<fastrand::Rng>,
}

impl Armed {
    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A tenant's rules: read by every request of the tenant from every serving thread (hence a
/// sharded lock; a rule that matches locks only its own counts), changed by the admin API.
#[derive(Debug)]
pub struct TenantFaults {
    rules: ShardedLock<Vec<Armed>>,
    /// Numbers the next rule's id (`flt_N`): ids are never reused within a tenant.
    next: AtomicU64,
    /// Rules in every tenant: zero lets a request skip the rules.
    live: Arc<AtomicUsize>,
}

/// A fault to carry out on one request.
#[derive(Debug, Clone)]
pub struct Fired {
    /// The rule's id.
    pub id: String,
    /// The rule's name.
    pub name: String,
    /// Before or after the request's effects.
    pub phase: Phase,
    /// How long to wait before answering.
    pub latency: Option<Duration>,
    /// The catalogue error to answer with.
    pub error: Option<String>,
    /// What goes wrong on the connection.
    pub transport: Option<Transport>,
    /// How long a hang holds the request.
    pub hang: Duration,
}

impl Fired {
    /// What the fault did, in one line: the journal's and `X-Sandbank-Reason`'s words.
    pub fn describe(&self) -> String {
        let mut actions = Vec::new();
        if let Some(latency) = self.latency {
            actions.push(format!("latency {} ms", latency.as_millis()));
        }
        if let Some(error) = &self.error {
            actions.push(format!("error {error}"));
        }
        if let Some(transport) = self.transport {
            actions.push(format!("transport {}", transport.name()));
        }
        format!(
            "fault: rule {} ({}) fired {} the request was handled: {}",
            self.name,
            self.id,
            self.phase.name(),
            actions.join(", ")
        )
    }

    /// The action alone, for the journal (`"latency 200 ms, error unavailable"`).
    pub fn action(&self) -> String {
        self.describe().rsplit_once(": ").map_or_else(String::new, |(_, a)| a.to_string())
    }
}

// Rules are only ever added and removed whole: a poisoned lock still holds valid rules.
fn read(rules: &ShardedLock<Vec<Armed>>) -> ShardedLockReadGuard<'_, Vec<Armed>> {
    rules.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(rules: &ShardedLock<Vec<Armed>>) -> ShardedLockWriteGuard<'_, Vec<Armed>> {
    rules.write().unwrap_or_else(PoisonError::into_inner)
}

/// A rule as the admin API shows it: as given, with its id and counts.
fn shown(armed: &Armed) -> Value {
    let (matched, fired) = {
        let counts = armed.counts();
        (counts.matched, counts.fired)
    };
    let mut out = json!({ "id": armed.id, "matched": matched, "fired": fired });
    if let (Value::Object(out), Value::Object(spec)) = (&mut out, &armed.rule.spec) {
        for (key, value) in spec {
            out.insert(key.clone(), value.clone());
        }
        out.entry("phase").or_insert_with(|| json!(armed.rule.phase.name()));
    }
    out
}

impl TenantFaults {
    /// No rules yet; `live` counts every tenant's.
    pub fn new(live: Arc<AtomicUsize>) -> TenantFaults {
        TenantFaults { rules: ShardedLock::new(Vec::new()), next: AtomicU64::new(1), live }
    }

    /// The id the next rule gets.
    pub fn next_id(&self) -> String {
        format!("flt_{}", self.next.load(Ordering::Relaxed))
    }

    /// Adds `rule` under `id` (from [`TenantFaults::next_id`], or a stored rule's); `Err` when
    /// its name is taken.
    pub fn add(&self, id: String, rule: Rule) -> Result<Value, String> {
        let mut rules = write(&self.rules);
        if rules.iter().any(|armed| armed.rule.name == rule.name) {
            return Err(format!("name: a rule named {:?} exists (delete it first)", rule.name));
        }
        if let Some(n) = id.strip_prefix("flt_").and_then(|n| n.parse::<u64>().ok()) {
            self.next.fetch_max(n + 1, Ordering::Relaxed);
        }
        let latency_rng = Mutex::new(fastrand::Rng::with_seed(fnv(id.as_bytes())));
        let counts = Mutex::new(Counts::new(&rule.schedule));
        rules.push(Armed { id, rule, counts, latency_rng });
        self.live.fetch_add(1, Ordering::Relaxed);
        Ok(rules.last().map(shown).unwrap_or_default())
    }

    /// Every rule, in the order they are tried.
    pub fn list(&self) -> Vec<Value> {
        read(&self.rules).iter().map(shown).collect()
    }

    /// The rule with this id or name.
    pub fn get(&self, id_or_name: &str) -> Option<Value> {
        read(&self.rules)
            .iter()
            .find(|a| a.id == id_or_name || a.rule.name == id_or_name)
            .map(shown)
    }

    /// The rule named `name` as it was given.
    pub fn spec_of(&self, name: &str) -> Option<Value> {
        read(&self.rules).iter().find(|a| a.rule.name == name).map(|a| a.rule.spec.clone())
    }

    /// The id of the rule with this id or name.
    pub fn id_of(&self, id_or_name: &str) -> Option<String> {
        let rules = read(&self.rules);
        rules.iter().find(|a| a.id == id_or_name || a.rule.name == id_or_name).map(|a| a.id.clone())
    }

    /// Removes the rule with this id; whether there was one.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = write(&self.rules);
        let before = rules.len();
        rules.retain(|armed| armed.id != id);
        let removed = before - rules.len();
        self.live.fetch_sub(removed, Ordering::Relaxed);
        removed > 0
    }

    /// Removes every rule; how many there were.
    pub fn clear(&self) -> usize {
        let mut rules = write(&self.rules);
        let removed = rules.len();
        rules.clear();
        self.live.fetch_sub(removed, Ordering::Relaxed);
        removed
    }

    /// The phase of the rule named `name`, if the tenant has one.
    pub fn phase_of(&self, name: &str) -> Option<Phase> {
        read(&self.rules).iter().find(|a| a.rule.name == name).map(|a| a.rule.phase)
    }

    /// The fault `seen` suffers in `phase` at `now` on the tenant's clock: the rule its
    /// `X-Sandbank-Fault` names (`named`), or else the first of the phase's rules that
    /// matches and fires.
    pub fn decide(
        &self,
        phase: Phase,
        seen: &Seen<'_>,
        now: Timestamp,
        named: Option<&str>,
    ) -> Option<Fired> {
        let rules = read(&self.rules);
        if let Some(name) = named {
            let armed = rules.iter().find(|a| a.rule.name == name && a.rule.phase == phase)?;
            armed.counts().fire_named();
            return Some(fired(armed));
        }
        for armed in rules.iter() {
            let rule = &armed.rule;
            if rule.phase != phase
                || rule.schedule.only_when_named
                || !rule.schedule.open_at(now)
                || !rule.matcher.matches(seen)
            {
                continue;
            }
            if rule.schedule.decide(&mut armed.counts()) {
                return Some(fired(armed));
            }
        }
        None
    }
}

impl Drop for TenantFaults {
    fn drop(&mut self) {
        self.clear();
    }
}

fn fired(armed: &Armed) -> Fired {
    let rule = &armed.rule;
    let latency = rule.latency.map(|range| {
        let mut rng = armed.latency_rng.lock().unwrap_or_else(PoisonError::into_inner);
        Duration::from_millis(rng.u64(range.min_ms..=range.max_ms))
    });
    Fired {
        id: armed.id.clone(),
        name: rule.name.clone(),
        phase: rule.phase,
        latency,
        error: rule.error.clone(),
        transport: rule.transport,
        hang: rule.hang,
    }
}

/// FNV-1a: a stable seed from text (a rule's id or name).
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
