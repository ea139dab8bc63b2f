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
        // Every answer of a write carries dates: the four-digit years of real clocks are
        // written digit by digit, as `format!` costs several times more.
        let Ok(year @ 0..=9999) = u32::try_from(self.year) else {
            return format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        };
        let mut text = String::with_capacity(10);
        push_digits(&mut text, year, 4);
        text.push('-');
        push_digits(&mut text, self.month, 2);
        text.push('-');
        push_digits(&mut text, self.day, 2);
        text
    }
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from_digit(digit, 10).unwrap_or('0'));
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
    let mut text = String::with_capacity(7);
    // Each part is below 100 (`rem_euclid` made them non-negative): the fallback never runs.
    for (value, width) in [(hours, 2), (minutes, 2), (seconds, 2), (tenth, 1)] {
        push_digits(&mut text, u32::try_from(value).unwrap_or(0), width);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

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
