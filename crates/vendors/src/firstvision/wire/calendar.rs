//! FirstVision's `format: date` fields (`2021-11-20`) and its 7-digit `HHMMSST` history times,
//! computed from ledger timestamps (UTC) through the common calendar.

use std::borrow::Cow;

use ledger::Timestamp;

use crate::common::calendar;

/// A validated calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub(crate) year: i64,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` and checks the day exists (leap years included), from year 1.
    pub(crate) fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let date = calendar::parse_date(bytes).filter(|d| bytes.len() == 10 && d.year() >= 1)?;
        Some(Date {
            year: i64::from(date.year()),
            month: date.month().unsigned_abs(),
            day: date.day().unsigned_abs(),
        })
    }

    /// The date `days` days after the Unix epoch.
    pub(crate) fn from_unix_days(days: i64) -> Date {
        Date::from(calendar::DateTime::of_unix_day(days))
    }

    /// The UTC date of `at`.
    pub(crate) fn of(at: Timestamp) -> Date {
        Date::from(calendar::DateTime::of(at))
    }

    /// `YYYY-MM-DD`.
    pub(crate) fn to_iso(self) -> String {
        // Every answer of a write carries dates: the four-digit years of real clocks are
        // written digit by digit, as `format!` costs several times more.
        let Ok(year @ 0..=9999) = u32::try_from(self.year) else {
            return format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        };
        let mut text = String::with_capacity(10);
        digits(&mut text, year, 4);
        text.push('-');
        digits(&mut text, u32::from(self.month), 2);
        text.push('-');
        digits(&mut text, u32::from(self.day), 2);
        text
    }
}

impl From<calendar::DateTime> for Date {
    fn from(dt: calendar::DateTime) -> Date {
        Date { year: dt.year, month: dt.month, day: dt.day }
    }
}

/// `at`'s UTC date, `days` days later, as `YYYY-MM-DD` (the general path the answers' buffer
/// writers are checked against).
#[cfg(test)]
pub(crate) fn iso_date_plus(at: Timestamp, days: i64) -> String {
    Date::from_unix_days(at.utc_day() + days).to_iso()
}

/// The last day of `at`'s UTC month, `years` years later, as `YYYY-MM-DD` (a card's expiry).
pub(crate) fn iso_month_end_years_later(at: Timestamp, years: i64) -> String {
    let date = Date::of(at);
    let year = date.year + years;
    // The month comes from the calendar, so the fallback is never taken.
    let day = calendar::days_in_month(year, date.month).unwrap_or(date.day);
    Date { year, month: date.month, day }.to_iso()
}

/// `at`'s UTC time of day as VisionPLUS writes history times: `HHMMSS` and tenths (`1030150`).
#[cfg(test)]
pub(crate) fn history_time(at: Timestamp) -> String {
    history_time_of(&calendar::DateTime::of(at))
}

fn history_time_of(dt: &calendar::DateTime) -> String {
    let mut text = String::with_capacity(7);
    let parts = [dt.hour, dt.minute, dt.second].map(u32::from);
    for (value, width) in
        [(parts[0], 2), (parts[1], 2), (parts[2], 2), (dt.microsecond / 100_000, 1)]
    {
        digits(&mut text, value, width);
    }
    text
}

/// `date` as `YYYY-MM-DD` in `buf`, without a `String`: the cash answers write three dates on
/// every write. A year outside 0..=9999 comes from [`Date::to_iso`].
pub(crate) fn iso_date_in(buf: &mut [u8; 10], date: Date) -> Cow<'_, str> {
    let Ok(year @ 0..=9999) = u32::try_from(date.year) else {
        return Cow::Owned(date.to_iso());
    };
    put_digits(&mut buf[0..4], year);
    buf[4] = b'-';
    put_digits(&mut buf[5..7], u32::from(date.month));
    buf[7] = b'-';
    put_digits(&mut buf[8..10], u32::from(date.day));
    match std::str::from_utf8(buf) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(date.to_iso()),
    }
}

/// [`history_time`] of `dt` in `buf`, without a `String`.
pub(crate) fn history_time_in<'b>(buf: &'b mut [u8; 7], dt: &calendar::DateTime) -> Cow<'b, str> {
    put_digits(&mut buf[0..2], u32::from(dt.hour));
    put_digits(&mut buf[2..4], u32::from(dt.minute));
    put_digits(&mut buf[4..6], u32::from(dt.second));
    put_digits(&mut buf[6..7], dt.microsecond / 100_000);
    match std::str::from_utf8(buf) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(history_time_of(dt)),
    }
}

/// `value`'s last `out.len()` decimal digits, zero-padded, into `out`.
fn put_digits(out: &mut [u8], value: u32) {
    let mut rest = value;
    for slot in out.iter_mut().rev() {
        // `rest % 10` is below 10, so the conversion never falls back.
        *slot = b'0' + u8::try_from(rest % 10).unwrap_or(0);
        rest /= 10;
    }
}

/// [`calendar::write_digits`] into a `String`, which cannot fail to take them.
fn digits(text: &mut String, value: u32, width: u32) {
    let _ = calendar::write_digits(text, i64::from(value), width);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MICROS_PER_DAY: i64 = 86_400_000_000;

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

        /// The buffer writers of the cash answers write what the `String` writers write, for
        /// every instant a ledger holds (years past 9999 and before 0 included).
        #[test]
        fn buffer_writers_write_what_the_string_writers_write(
            any in proptest::num::i64::ANY,
            near in -62_167_219_200_000_000_i64..253_402_300_800_000_000,
        ) {
            for micros in [any, near] {
                let at = Timestamp::from_unix_micros(micros);
                let date = Date::of(at);
                let (mut date_buf, mut time_buf) = ([0; 10], [0; 7]);
                proptest::prop_assert_eq!(iso_date_in(&mut date_buf, date), date.to_iso());
                let dt = calendar::DateTime::of(at);
                proptest::prop_assert_eq!(history_time_in(&mut time_buf, &dt), history_time(at));
            }
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
        // Years past the digit-by-digit writer's four digits read as `format!` writes them.
        assert_eq!(Date { year: 5, month: 1, day: 2 }.to_iso(), "0005-01-02");
        assert_eq!(Date { year: 12_345, month: 10, day: 31 }.to_iso(), "12345-10-31");
        assert_eq!(Date { year: -1, month: 12, day: 9 }.to_iso(), "-001-12-09");
        assert_eq!(history_time(Timestamp::from_unix_micros(86_399_999_999)), "2359599");
        let start = Timestamp::from_unix_micros(1_767_225_600_000_000 + 37_815_300_000);
        assert_eq!(history_time(start), "1030153");
        assert_eq!(iso_date_plus(start, 365), "2027-01-01");
        assert_eq!(iso_month_end_years_later(start, 5), "2031-01-31");
        let february = Timestamp::from_unix_micros(1_706_745_600_000_000);
        assert_eq!(iso_month_end_years_later(february, 4), "2028-02-29");
        assert_eq!(iso_month_end_years_later(february, 5), "2029-02-28");
    }
}
