//! Civil dates for FirstVision's `format: date` fields (`2021-11-20`) and its 7-digit
//! `HHMMSST` history times, computed from ledger timestamps (UTC) without a date library.

use ledger::Timestamp;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A validated calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` and checks the day exists (leap years included).
    pub(crate) fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let date = Date { year: i64::from(year), month, day };
        (year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= date.days_in_month())
            .then_some(date)
    }

    fn days_in_month(self) -> u32 {
        match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if is_leap(self.year) => 29,
            _ => 28,
        }
    }

    /// The date `days` days after the Unix epoch (Howard Hinnant's `civil_from_days`).
    pub(crate) fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // `day` is 1..=31 and `month` 1..=12 by construction.
        Date {
            year,
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    /// The UTC date of `at`.
    pub(crate) fn of(at: Timestamp) -> Date {
        Date::from_unix_days(at.as_unix_micros().div_euclid(MICROS_PER_DAY))
    }

    /// `YYYY-MM-DD`.
    pub(crate) fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// `at`'s UTC date, `days` days later, as `YYYY-MM-DD`.
pub(crate) fn iso_date_plus(at: Timestamp, days: i64) -> String {
    Date::from_unix_days(at.as_unix_micros().div_euclid(MICROS_PER_DAY) + days).to_iso()
}

/// The last day of `at`'s UTC month, `years` years later, as `YYYY-MM-DD` (a card's expiry).
pub(crate) fn iso_month_end_years_later(at: Timestamp, years: i64) -> String {
    let date = Date::of(at);
    let later = Date { year: date.year + years, month: date.month, day: 1 };
    Date { day: later.days_in_month(), ..later }.to_iso()
}

/// `at`'s UTC time of day as VisionPLUS writes history times: `HHMMSS` and tenths (`1030150`).
pub(crate) fn history_time(at: Timestamp) -> String {
    let micros = at.as_unix_micros().rem_euclid(MICROS_PER_DAY);
    let tenths = micros / 100_000;
    let (hours, rest) = (tenths / 36_000, tenths % 36_000);
    let (minutes, rest) = (rest / 600, rest % 600);
    let (seconds, tenth) = (rest / 10, rest % 10);
    format!("{hours:02}{minutes:02}{seconds:02}{tenth}")
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A written date reads back to itself, and counting days agrees with the instant's
        /// date, for every instant of years 0001..=9999.
        #[test]
        fn written_dates_read_back(
            micros in -62_135_596_800_000_000_i64..253_402_300_800_000_000,
            days in -1000_i64..1000,
        ) {
            let at = Timestamp::from_unix_micros(micros);
            let date = Date::of(at);
            proptest::prop_assert_eq!(Date::parse(&date.to_iso()), Some(date));
            let later = Timestamp::from_unix_micros(micros + days * MICROS_PER_DAY);
            proptest::prop_assert_eq!(iso_date_plus(at, days), Date::of(later).to_iso());
        }
    }

    /// `effectiveDate`: pinned before the calendar moved to `common`.
    #[test]
    fn effective_dates_accept_exactly_what_they_did() {
        for (text, year, month, day) in [
            ("2021-11-20", 2021, 11, 20),
            ("2024-02-29", 2024, 2, 29),
            ("2000-02-29", 2000, 2, 29),
            ("1900-02-28", 1900, 2, 28),
            ("0001-01-01", 1, 1, 1),
            ("0004-02-29", 4, 2, 29),
            ("9999-12-31", 9999, 12, 31),
        ] {
            assert_eq!(Date::parse(text), Some(Date { year, month, day }), "{text:?}");
            assert_eq!(Date::parse(text).map(Date::to_iso).as_deref(), Some(text));
        }
        for refused in [
            "",
            "0000-01-01",
            "0000-02-29",
            "1900-02-29",
            "2023-02-29",
            "2021-04-31",
            "2021-13-01",
            "2021-00-10",
            "2021-11-00",
            "2021-11-31",
            "2021-12-32",
            "2021-1-01",
            "2021-11-1",
            "21-11-20",
            "2021/11/20",
            "2021-11-20T00:00:00",
            "2021-11-20Z",
            "2021-11-20 ",
            " 2021-11-20",
            "+021-11-20",
            "2021-+1-20",
            "2021-11-+1",
            "\u{ff12}021-11-20",
        ] {
            assert_eq!(Date::parse(refused), None, "{refused:?}");
        }
    }

    /// The writers at the edges of the calendar, pinned before the calendar moved to `common`.
    #[test]
    fn writers_are_exact_at_the_calendar_edges() {
        // (instant, its date, a year later, month end 5 years later, history time)
        for (micros, date, plus_365, month_end, time) in [
            (951_827_696_789_012, "2000-02-29", "2001-02-28", "2005-02-28", "1234567"),
            (-2_203_891_200_000_001, "1900-02-28", "1901-02-28", "1905-02-28", "2359599"),
            (-62_167_219_200_000_000, "0000-01-01", "0000-12-31", "0005-01-31", "0000000"),
            (253_402_300_799_999_999, "9999-12-31", "10000-12-30", "10004-12-31", "2359599"),
            (-62_167_219_200_000_001, "-001-12-31", "0000-12-30", "0004-12-31", "2359599"),
            (i64::MAX, "294247-01-10", "294248-01-10", "294252-01-31", "0400547"),
            (i64::MIN, "-290308-12-21", "-290307-12-21", "-290303-12-31", "1959052"),
        ] {
            let at = Timestamp::from_unix_micros(micros);
            assert_eq!(Date::of(at).to_iso(), date, "{micros}");
            assert_eq!(iso_date_plus(at, 365), plus_365, "{micros}");
            assert_eq!(iso_month_end_years_later(at, 5), month_end, "{micros}");
            assert_eq!(history_time(at), time, "{micros}");
        }
        let leap = Timestamp::from_unix_micros(951_827_696_789_012);
        assert_eq!(iso_month_end_years_later(leap, 4), "2004-02-29");
        assert_eq!(iso_month_end_years_later(leap, 100), "2100-02-28");
        assert_eq!(iso_month_end_years_later(leap, 400), "2400-02-29");
        assert_eq!(iso_date_plus(leap, -1), "2000-02-28");
    }

    #[test]
    fn dates_parse_strictly_and_round_trip_through_days() {
        assert_eq!(Date::parse("2021-11-20"), Some(Date { year: 2021, month: 11, day: 20 }));
        assert_eq!(Date::parse("2024-02-29").map(Date::to_iso).as_deref(), Some("2024-02-29"));
        for bad in ["2023-02-29", "2021-13-01", "2021-00-10", "2021-1-01", "21-11-20", "2021/11/20"]
        {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::from_unix_days(0).to_iso(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_454).to_iso(), "2026-01-01");
        assert_eq!(Date::from_unix_days(-1).to_iso(), "1969-12-31");
        let start = Timestamp::from_unix_micros(1_767_225_600_000_000 + 37_815_300_000);
        assert_eq!(history_time(start), "1030153");
        assert_eq!(iso_date_plus(start, 365), "2027-01-01");
        assert_eq!(iso_month_end_years_later(start, 5), "2031-01-31");
        let february = Timestamp::from_unix_micros(1_706_745_600_000_000);
        assert_eq!(iso_month_end_years_later(february, 4), "2028-02-29");
        assert_eq!(iso_month_end_years_later(february, 5), "2029-02-28");
    }
}
