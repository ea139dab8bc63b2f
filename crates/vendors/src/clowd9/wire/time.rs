//! The ledger-entries query's `from_date` (`YYYY-MM-DD`) and `from_time` (`HH:MM:SS`) and its
//! `date_time` field (`2022-08-03T16:55:51.123456789Z`), read and written through the common
//! calendar.

use std::fmt;

use jiff::civil;
use ledger::Timestamp;

use crate::common::calendar;

/// The first instant of a `YYYY-MM-DD` date, in microseconds since the epoch.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let date = calendar::parse_date(bytes).filter(|_| bytes.len() == 10)?;
    Some(calendar::timestamp(date.to_datetime(civil::Time::midnight())).as_unix_micros())
}

/// A `HH:MM:SS` time of day, in microseconds since midnight.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let (time, end) = calendar::parse_time(text.as_bytes(), 0, 0)?;
    // Eight bytes exactly: the seconds are required and nothing may follow them.
    if end != 8 || text.len() != 8 {
        return None;
    }
    i64::try_from(time.duration_since(civil::Time::midnight()).as_micros()).ok()
}

/// An instant shown as RFC 3339 UTC with nanoseconds, the spec's `date_time` example format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateTime(pub(crate) Timestamp);

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = calendar::DateTime::of(self.0);
        write!(f, "{dt}.{:09}Z", dt.microsecond * 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MICROS_PER_DAY: i64 = 86_400_000_000;

    proptest::proptest! {
        /// A `date_time`'s date and time read back through the query's parsers to the same
        /// instant, for every instant of years 0000..=9999.
        #[test]
        fn written_date_times_read_back(
            micros in -62_167_219_200_000_000_i64..253_402_300_800_000_000,
        ) {
            let shown = DateTime(Timestamp::from_unix_micros(micros)).to_string();
            let date = parse_date(&shown[..10]).unwrap();
            let time = parse_time(&shown[11..19]).unwrap();
            let nanos: i64 = shown[20..29].parse().unwrap();
            proptest::prop_assert_eq!(date + time + nanos / 1000, micros, "{}", shown);
            proptest::prop_assert_eq!(nanos % 1000, 0);
        }
    }

    /// The query's `from_date`/`to_date`: pinned before the calendar moved to `common`.
    #[test]
    fn query_dates_accept_exactly_what_they_did() {
        for (text, unix_day) in [
            ("1970-01-01", 0),
            ("1969-12-31", -1),
            ("2024-02-29", 19_782),
            ("2000-02-29", 11_016),
            ("1900-02-28", -25_509),
            ("0000-01-01", -719_528),
            ("0000-02-29", -719_469),
            ("0001-01-01", -719_162),
            ("9999-12-31", 2_932_896),
        ] {
            assert_eq!(parse_date(text), Some(unix_day * MICROS_PER_DAY), "{text:?}");
        }
        for refused in [
            "",
            "1900-02-29",
            "2025-02-29",
            "2025-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-01-32",
            "2026-1-01",
            "2026-01-1",
            "26-01-01",
            "2026/01/01",
            "2026-01-01 ",
            " 2026-01-01",
            "2026-01-01T00:00:00",
            "2026-01-01Z",
            "+026-01-01",
            "2026-+1-01",
            "2026-01-+1",
            "2026-01-1 ",
            "\u{ff12}026-01-01",
        ] {
            assert_eq!(parse_date(refused), None, "{refused:?}");
        }
    }

    /// The query's `from_time`/`to_time`: pinned before the calendar moved to `common`.
    #[test]
    fn query_times_accept_exactly_what_they_did() {
        for (text, second_of_day) in
            [("00:00:00", 0), ("23:59:59", 86_399), ("12:24:46", 44_686), ("09:05:01", 32_701)]
        {
            assert_eq!(parse_time(text), Some(second_of_day * 1_000_000), "{text:?}");
        }
        for refused in [
            "",
            "24:00:00",
            "23:60:00",
            "23:59:60",
            "99:99:99",
            "1:00:00",
            "12:00",
            "12:00:0",
            "+1:00:00",
            "12:+1:00",
            "12:00:00Z",
            "12:00:00.5",
            "12-00-00",
            "12:00:00 ",
            " 12:00:00",
            "T12:00:00",
        ] {
            assert_eq!(parse_time(refused), None, "{refused:?}");
        }
    }

    /// The `date_time` writer at the edges of the calendar, pinned before the calendar moved to
    /// `common`.
    #[test]
    fn date_times_show_exactly_at_the_calendar_edges() {
        for (micros, shown) in [
            (951_827_696_789_012, "2000-02-29T12:34:56.789012000Z"),
            (-2_203_891_200_000_001, "1900-02-28T23:59:59.999999000Z"),
            (-62_167_219_200_000_000, "0000-01-01T00:00:00.000000000Z"),
            (253_402_300_799_999_999, "9999-12-31T23:59:59.999999000Z"),
            (253_402_300_800_000_000, "10000-01-01T00:00:00.000000000Z"),
            (-62_167_219_200_000_001, "-001-12-31T23:59:59.999999000Z"),
            (i64::MAX, "294247-01-10T04:00:54.775807000Z"),
            (i64::MIN, "-290308-12-21T19:59:05.224192000Z"),
        ] {
            assert_eq!(
                DateTime(Timestamp::from_unix_micros(micros)).to_string(),
                shown,
                "{micros}"
            );
        }
    }

    #[test]
    fn dates_and_times_round_trip_through_the_epoch_count() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        let start = parse_date("2026-01-01").unwrap();
        assert_eq!(start, 1_767_225_600_000_000);
        assert_eq!(parse_date("2024-02-29").map(|m| m / 86_400_000_000), Some(19_782));
        for bad in ["2025-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "2026/01/01", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_time("12:24:46"), Some((12 * 3600 + 24 * 60 + 46) * 1_000_000));
        for bad in ["24:00:00", "12:60:00", "1:00:00", "12:00", "+1:00:00"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        let shown = DateTime(Timestamp::from_unix_micros(start + 61_500_000)).to_string();
        assert_eq!(shown, "2026-01-01T00:01:01.500000000Z");
        let leap = DateTime(Timestamp::from_unix_micros(parse_date("2024-02-29").unwrap()));
        assert_eq!(leap.to_string(), "2024-02-29T00:00:00.000000000Z");
        let before = DateTime(Timestamp::from_unix_micros(-1));
        assert_eq!(before.to_string(), "1969-12-31T23:59:59.999999000Z");
    }
}
