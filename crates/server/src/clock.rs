//! Per-tenant virtual clocks: real time, or real time shifted, or frozen at an instant.
//!
//! This is the only place sandbank reads the system clock; everything downstream (vendors,
//! ledger) gets `now` from here, so next-day funds and daily limits follow a tenant's clock.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ledger::Timestamp;

/// How a tenant's clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Real time plus an offset in microseconds (0 for plain real time).
    Running { offset_micros: i64 },
    /// Stopped at an instant until set, advanced or released.
    Frozen { at: Timestamp },
}

/// One tenant's clock.
#[derive(Debug)]
pub struct Clock {
    mode: Mutex<Mode>,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock { mode: Mutex::new(Mode::Running { offset_micros: 0 }) }
    }
}

/// The system clock, in microseconds since the Unix epoch.
pub fn system_now() -> Timestamp {
    #[expect(clippy::disallowed_methods, reason = "the one place the server reads real time")]
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    Timestamp::from_unix_micros(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX))
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl Clock {
    fn mode(&self) -> std::sync::MutexGuard<'_, Mode> {
        // A clock's mode is a single value; a poisoned lock still holds a valid one.
        self.mode.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tenant's current time.
    pub fn now(&self) -> Timestamp {
        match *self.mode() {
            Mode::Running { offset_micros } => Timestamp::from_unix_micros(
                system_now().as_unix_micros().saturating_add(offset_micros),
            ),
            Mode::Frozen { at } => at,
        }
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        matches!(*self.mode(), Mode::Frozen { .. })
    }

    /// Stops the clock at its current time.
    pub fn freeze(&self) {
        let now = self.now();
        *self.mode() = Mode::Frozen { at: now };
    }

    /// Lets a frozen clock run again from where it stands (real time plus the offset that
    /// keeps it continuous).
    pub fn unfreeze(&self) {
        let now = self.now();
        *self.mode() =
            Mode::Running { offset_micros: now.as_unix_micros() - system_now().as_unix_micros() };
    }

    /// Sets the time; a frozen clock stays frozen there, a running one runs on from there.
    pub fn set(&self, at: Timestamp) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::Frozen { .. } => Mode::Frozen { at },
            Mode::Running { .. } => {
                Mode::Running { offset_micros: at.as_unix_micros() - system_now().as_unix_micros() }
            }
        };
    }

    /// Moves the clock forward by `duration`.
    pub fn advance(&self, duration: Duration) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::Frozen { at } => Mode::Frozen { at: at.saturating_add(duration) },
            Mode::Running { offset_micros } => {
                Mode::Running { offset_micros: offset_micros.saturating_add(micros(duration)) }
            }
        };
    }

    /// Back to plain real time.
    pub fn reset(&self) {
        *self.mode() = Mode::Running { offset_micros: 0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let clock = Clock::default();
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
        let clock = Clock::default();
        clock.advance(Duration::from_secs(3600));
        let ahead = clock.now().as_unix_micros() - system_now().as_unix_micros();
        assert!((3_599_000_000..=3_600_000_000).contains(&ahead), "{ahead}");
        clock.reset();
        assert!(clock.now().as_unix_micros() - system_now().as_unix_micros() <= 0);
    }
}
