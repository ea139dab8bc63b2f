//! Per-tenant virtual clocks: real time, or real time shifted, or frozen at an instant.
//!
//! This is the only place sandbank reads the system clock; everything downstream (vendors,
//! ledger) gets `now` from here, so next-day funds and daily limits follow a tenant's clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ledger::Timestamp;

/// One tenant's clock: real time plus an offset, or frozen at an instant.
///
/// Read on every request, so it is two atomics rather than a lock; a change stores the offset
/// (or the instant) before the mode, and readers tolerate seeing either state of a change that
/// races with them.
#[derive(Debug)]
pub struct Clock {
    /// Microseconds added to real time while running.
    offset_micros: AtomicI64,
    /// The instant the clock is frozen at, or `RUNNING`.
    frozen_at: AtomicI64,
}

/// `frozen_at` value meaning "not frozen"; no real instant is this early.
const RUNNING: i64 = i64::MIN;

/// The system clock, in microseconds since the Unix epoch.
pub fn system_now() -> Timestamp {
    #[expect(clippy::disallowed_methods, reason = "the one place the server reads real time")]
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    Timestamp::from_unix_micros(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX))
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

impl Clock {
    /// A running clock with no offset.
    pub fn new() -> Clock {
        Clock { offset_micros: AtomicI64::new(0), frozen_at: AtomicI64::new(RUNNING) }
    }

    /// The tenant's current time.
    pub fn now(&self) -> Timestamp {
        self.at_real(system_now())
    }

    /// The tenant's time when real time is `real`: a request reads the system clock once, on
    /// arrival, and every later "now" in it is that instant in its tenant's clock.
    pub fn at_real(&self, real: Timestamp) -> Timestamp {
        match self.frozen_at.load(Ordering::Acquire) {
            RUNNING => Timestamp::from_unix_micros(
                real.as_unix_micros().saturating_add(self.offset_micros.load(Ordering::Acquire)),
            ),
            at => Timestamp::from_unix_micros(at),
        }
    }

    /// What a store keeps of the clock: its offset from real time, and the instant it is
    /// frozen at, if frozen.
    pub fn state(&self) -> (i64, Option<i64>) {
        let frozen = self.frozen_at.load(Ordering::Acquire);
        (self.offset_micros.load(Ordering::Acquire), (frozen != RUNNING).then_some(frozen))
    }

    /// Puts the clock back in a state [`Clock::state`] gave.
    pub fn restore(&self, offset_micros: i64, frozen_at_micros: Option<i64>) {
        self.offset_micros.store(offset_micros, Ordering::Release);
        let frozen = frozen_at_micros.map_or(RUNNING, |at| at.max(RUNNING + 1));
        self.frozen_at.store(frozen, Ordering::Release);
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen_at.load(Ordering::Acquire) != RUNNING
    }

    /// Stops the clock at its current time.
    pub fn freeze(&self) {
        let now = self.now().as_unix_micros();
        self.frozen_at.store(now.max(RUNNING + 1), Ordering::Release);
    }

    /// Lets a frozen clock run again from where it stands.
    pub fn unfreeze(&self) {
        let now = self.now().as_unix_micros();
        self.offset_micros.store(now - system_now().as_unix_micros(), Ordering::Release);
        self.frozen_at.store(RUNNING, Ordering::Release);
    }

    /// Sets the time; a frozen clock stays frozen there, a running one runs on from there.
    pub fn set(&self, at: Timestamp) {
        if self.is_frozen() {
            self.frozen_at.store(at.as_unix_micros().max(RUNNING + 1), Ordering::Release);
        } else {
            self.offset_micros
                .store(at.as_unix_micros() - system_now().as_unix_micros(), Ordering::Release);
        }
    }

    /// Moves the clock forward by `duration`.
    pub fn advance(&self, duration: Duration) {
        let step = micros(duration);
        if self.is_frozen() {
            let at = self.frozen_at.load(Ordering::Acquire).saturating_add(step);
            self.frozen_at.store(at, Ordering::Release);
        } else {
            self.offset_micros.fetch_add(step, Ordering::AcqRel);
        }
    }

    /// Back to plain real time.
    pub fn reset(&self) {
        self.offset_micros.store(0, Ordering::Release);
        self.frozen_at.store(RUNNING, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let clock = Clock::new();
        clock.set(Timestamp::from_unix_micros(1_000_000));
        clock.freeze();
        let frozen = clock.now();
        assert_eq!(clock.now(), frozen);
        clock.advance(Duration::from_secs(86_400));
        assert_eq!(clock.now().as_unix_micros() - frozen.as_unix_micros(), 86_400_000_000);
        clock.set(Timestamp::from_unix_micros(5));
        assert_eq!(clock.now(), Timestamp::from_unix_micros(5));
        assert!(clock.is_frozen());
    }

    #[test]
    fn a_running_clock_keeps_its_offset() {
        let clock = Clock::new();
        clock.advance(Duration::from_secs(3600));
        let ahead = clock.now().as_unix_micros() - system_now().as_unix_micros();
        assert!((3_599_000_000..=3_600_000_000).contains(&ahead), "{ahead}");
        clock.reset();
        assert!(clock.now().as_unix_micros() - system_now().as_unix_micros() <= 0);
    }
}
