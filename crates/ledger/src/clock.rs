//! Time as a value: the ledger never reads a clock; every operation is told `now`.

use std::time::Duration;

/// Microseconds since the Unix epoch, UTC.
///
/// A plain value so a virtual clock (frozen, set, advanced) can drive the ledger and every test
/// is replayable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// From microseconds since the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_unix_micros(self) -> i64 {
        self.0
    }

    /// The UTC calendar day this instant falls on, counted from 1970-01-01 (day 0).
    ///
    /// Daily limits reset when this number changes.
    pub const fn utc_day(self) -> i64 {
        self.0.div_euclid(MICROS_PER_DAY)
    }

    /// The first instant of the next UTC day: when "next-day" funds become available.
    pub const fn next_utc_midnight(self) -> Timestamp {
        Timestamp(
            self.0.div_euclid(MICROS_PER_DAY).saturating_add(1).saturating_mul(MICROS_PER_DAY),
        )
    }

    /// `self + duration`, saturating at the end of representable time.
    pub fn saturating_add(self, duration: Duration) -> Timestamp {
        let micros = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_day_boundaries_are_exact() {
        let midnight = Timestamp::from_unix_micros(MICROS_PER_DAY);
        let before = Timestamp::from_unix_micros(MICROS_PER_DAY - 1);
        assert_eq!((before.utc_day(), midnight.utc_day()), (0, 1));
        assert_eq!(before.next_utc_midnight(), midnight);
        assert_eq!(midnight.next_utc_midnight().utc_day(), 2);
        assert_eq!(Timestamp::from_unix_micros(-1).utc_day(), -1);
    }
}
