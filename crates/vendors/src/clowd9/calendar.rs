//! UTC calendar arithmetic for the ledger-entries query (`from_date` `YYYY-MM-DD`, `from_time`
//! `HH:MM:SS`) and its `date_time` field (`2022-08-03T16:55:51.123456789Z`), without a date
//! crate: the `days_from_civil` / `civil_from_days` algorithms of Howard Hinnant's public-domain
//! date notes (proleptic Gregorian, exact for every `i64` day we can meet).

use std::fmt;

use ledger::Timestamp;

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day counted from 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // `day` is 1..=31 and `month` 1..=12 by construction.
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Parses a run of ASCII digits (no sign, no spaces).
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The first instant of a `YYYY-MM-DD` date, in microseconds since the epoch.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year = i64::from(digits(text.get(0..4)?)?);
    let month = digits(text.get(5..7)?)?;
    let day = digits(text.get(8..10)?)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * SECONDS_PER_DAY * MICROS_PER_SECOND)
}

/// A `HH:MM:SS` time of day, in microseconds since midnight.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 8 || bytes.get(2) != Some(&b':') || bytes.get(5) != Some(&b':') {
        return None;
    }
    let hours = digits(text.get(0..2)?)?;
    let minutes = digits(text.get(3..5)?)?;
    let seconds = digits(text.get(6..8)?)?;
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(i64::from(hours * 3600 + minutes * 60 + seconds) * MICROS_PER_SECOND)
}

/// An instant shown as RFC 3339 UTC with nanoseconds, the spec's `date_time` example format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateTime(pub(crate) Timestamp);

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.as_unix_micros();
        let seconds = micros.div_euclid(MICROS_PER_SECOND);
        let sub_micros = micros.rem_euclid(MICROS_PER_SECOND);
        let days = seconds.div_euclid(SECONDS_PER_DAY);
        let of_day = seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60,
            sub_micros * 1000
        )
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
