//! The one calendar the vendors compute dates through, built on `jiff`: a ledger instant's UTC
//! date and time of day and back, days in a month, and the strict pieces (`YYYY-MM-DD`,
//! `HH:MM[:SS[.fraction]]`, `±HH:MM[:SS]`) that each vendor assembles its own date grammar from.
//! The vendors' wire formats stay in their own folders.

use std::fmt;

use jiff::civil;
use ledger::Timestamp;

const MICROS_PER_DAY: i64 = 86_400_000_000;
const MICROS_PER_SECOND: i64 = 1_000_000;

/// Days in 400 Gregorian years, after which the calendar repeats exactly. jiff knows the years
/// -9999..=9999 while a ledger instant reaches ±292,000 years (a virtual clock can be advanced
/// there), so an instant is shown by moving it whole cycles into jiff's range and adding the
/// years back.
const DAYS_PER_CYCLE: i64 = 146_097;
const YEARS_PER_CYCLE: i64 = 400;

const UNIX_EPOCH: civil::DateTime = civil::DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// The UTC date and time of day of a ledger instant (proleptic Gregorian calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// The year: 0 is 1 BC. It can lie outside jiff's ±9999, as a ledger instant can.
    pub year: i64,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59: the ledger's UTC has no leap seconds.
    pub second: u8,
    /// 0..=999_999: a ledger instant's resolution.
    pub microsecond: u32,
}

impl DateTime {
    /// The UTC date and time of `at`.
    pub fn of(at: Timestamp) -> DateTime {
        let micros = at.as_unix_micros();
        DateTime::at_day(micros.div_euclid(MICROS_PER_DAY), micros.rem_euclid(MICROS_PER_DAY))
    }

    /// The start of day `unix_day`, counted from 1970-01-01 (day 0) like
    /// [`Timestamp::utc_day`].
    pub fn of_unix_day(unix_day: i64) -> DateTime {
        DateTime::at_day(unix_day, 0)
    }

    fn at_day(unix_day: i64, micros_of_day: i64) -> DateTime {
        let cycles = unix_day.div_euclid(DAYS_PER_CYCLE);
        // Within one cycle of the epoch: 1970-01-01 to 2369-12-31, well inside jiff's range, so
        // the fallback is never taken.
        let micros_in_cycle = unix_day.rem_euclid(DAYS_PER_CYCLE) * MICROS_PER_DAY + micros_of_day;
        let instant = jiff::Timestamp::from_microsecond(micros_in_cycle)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let civil = jiff::tz::Offset::UTC.to_datetime(instant);
        DateTime {
            year: i64::from(civil.year()) + cycles * YEARS_PER_CYCLE,
            month: civil.month().unsigned_abs(),
            day: civil.day().unsigned_abs(),
            hour: civil.hour().unsigned_abs(),
            minute: civil.minute().unsigned_abs(),
            second: civil.second().unsigned_abs(),
            microsecond: civil.subsec_nanosecond().unsigned_abs() / 1000,
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS`: the head every vendor's ISO 8601 date-time starts with; each vendor
/// writes its own fraction and zone after it.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DateTime { year, month, day, hour, minute, second, .. } = *self;
        write!(f, "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
    }
}

/// Writes the last `width` decimal digits of a non-negative `value`, zero-padded: the parts of a
/// date or time on a write's answer, digit by digit, where `format!` costs several times more.
pub fn write_digits(out: &mut impl fmt::Write, value: i64, width: u32) -> fmt::Result {
    for place in (0..width).rev() {
        let digit = (value / 10_i64.pow(place)) % 10;
        out.write_char(char::from(b'0' + u8::try_from(digit).unwrap_or(0)))?;
    }
    Ok(())
}

/// The number of days in `month` (1..=12) of `year`, or `None` for a month that does not exist.
pub fn days_in_month(year: i64, month: u8) -> Option<u8> {
    // Leap years repeat with the calendar: any year answers as its counterpart in 2000..2400.
    let counterpart = i16::try_from(2000 + year.rem_euclid(YEARS_PER_CYCLE)).ok()?;
    let first = civil::Date::new(counterpart, i8::try_from(month).ok()?, 1).ok()?;
    Some(first.days_in_month().unsigned_abs())
}

/// `at` (a civil date and time read as UTC) as a ledger instant, truncated to the microsecond.
/// Every civil date-time fits: jiff's ±9999 years lie well inside a ledger instant's range.
pub fn timestamp(at: civil::DateTime) -> Timestamp {
    let micros_of_second = i64::from(at.subsec_nanosecond() / 1000);
    Timestamp::from_unix_micros(unix_seconds(at) * MICROS_PER_SECOND + micros_of_second)
}

/// Whole seconds from 1970-01-01T00:00:00 to `at` (both read on the same clock), rounded down,
/// so the fraction is `at`'s own. Exact for every civil date-time, including those that an
/// offset of up to a day moves past jiff's `Timestamp` range.
pub fn unix_seconds(at: civil::DateTime) -> i64 {
    let since = at.duration_since(UNIX_EPOCH);
    since.as_secs() - i64::from(since.subsec_nanos() < 0)
}

/// `YYYY-MM-DD` in the first ten bytes of `text`: a day that exists in years 0000..=9999
/// (2000-02-29 does, 1900-02-29 does not). What follows the ten bytes is the caller's to judge.
pub fn parse_date(text: &[u8]) -> Option<civil::Date> {
    let year = i16::try_from(digits(text, 0, 4)?).ok()?;
    let month = i8::try_from(digits(text, 5, 2)?).ok()?;
    let day = i8::try_from(digits(text, 8, 2)?).ok()?;
    if text.get(4) != Some(&b'-') || text.get(7) != Some(&b'-') {
        return None;
    }
    civil::Date::new(year, month, day).ok()
}

/// From `start`: `HH:MM`, then `:SS` if a colon follows, then, after seconds only, `.` and one
/// to `fraction_digits_max` (at most 9) digits if a dot follows. 00:00 to 23:59:59.999999999:
/// no 24:00, no leap second. Returns the time and the index after it; what follows is the
/// caller's to judge.
pub fn parse_time(
    text: &[u8],
    start: usize,
    fraction_digits_max: usize,
) -> Option<(civil::Time, usize)> {
    let hour = digits(text, start, 2)?;
    let minute = digits(text, start + 3, 2)?;
    if text.get(start + 2) != Some(&b':') {
        return None;
    }
    let mut end = start + 5;
    let (mut second, mut nanos) = (0, 0);
    if text.get(end) == Some(&b':') {
        second = digits(text, end + 1, 2)?;
        end += 3;
        if text.get(end) == Some(&b'.') {
            let n_digits = text.get(end + 1..)?.iter().take_while(|b| b.is_ascii_digit()).count();
            if n_digits == 0 || n_digits > fraction_digits_max.min(9) {
                return None;
            }
            let scale = 10_u32.pow(9 - u32::try_from(n_digits).ok()?);
            nanos = digits(text, end + 1, n_digits)? * scale;
            end += 1 + n_digits;
        }
    }
    let time = civil::Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    Some((time, end))
}

/// From `start`: a UTC offset `+HH:MM` or `-HH:MM`, then `:SS` if a colon follows, as signed
/// seconds east of UTC, and the index after it. Minutes and seconds are 00..=59; the bound on
/// hours is the caller's (Java's is 18, .NET's 14), as is what follows.
pub fn parse_offset(text: &[u8], start: usize) -> Option<(i32, usize)> {
    let sign = match text.get(start) {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    let hours = digits(text, start + 1, 2)?;
    let minutes = digits(text, start + 4, 2)?;
    if text.get(start + 3) != Some(&b':') || minutes > 59 {
        return None;
    }
    let mut end = start + 6;
    let mut seconds = 0;
    if text.get(end) == Some(&b':') {
        seconds = digits(text, end + 1, 2)?;
        end += 3;
    }
    if seconds > 59 {
        return None;
    }
    let total = i32::try_from(hours * 3600 + minutes * 60 + seconds).ok()?;
    Some((sign * total, end))
}

/// The value of exactly `len` (at most 9) ASCII digits at `start`: no sign, no spaces.
fn digits(text: &[u8], start: usize, len: usize) -> Option<u32> {
    text.get(start..start.checked_add(len)?)?
        .iter()
        .try_fold(0_u32, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Year 0000 (1 BC, a leap year) starts this many days before the epoch.
    const YEAR_ZERO_DAY: i64 = -719_528;

    fn at(micros: i64) -> DateTime {
        DateTime::of(Timestamp::from_unix_micros(micros))
    }

    fn date_time(year: i64, month: u8, day: u8, hms: (u8, u8, u8), microsecond: u32) -> DateTime {
        let (hour, minute, second) = hms;
        DateTime { year, month, day, hour, minute, second, microsecond }
    }

    #[test]
    fn instants_break_down_into_utc_dates_and_times() {
        assert_eq!(at(0), date_time(1970, 1, 1, (0, 0, 0), 0));
        assert_eq!(at(-1), date_time(1969, 12, 31, (23, 59, 59), 999_999));
        assert_eq!(at(951_827_696_789_012), date_time(2000, 2, 29, (12, 34, 56), 789_012));
        assert_eq!(at(YEAR_ZERO_DAY * MICROS_PER_DAY), date_time(0, 1, 1, (0, 0, 0), 0));
        assert_eq!(at(253_402_300_799_999_999), date_time(9999, 12, 31, (23, 59, 59), 999_999));
        assert_eq!(DateTime::of_unix_day(2_932_897), date_time(10_000, 1, 1, (0, 0, 0), 0));
        assert_eq!(at(i64::MAX), date_time(294_247, 1, 10, (4, 0, 54), 775_807));
        assert_eq!(at(i64::MIN), date_time(-290_308, 12, 21, (19, 59, 5), 224_192));
        assert_eq!(DateTime::of_unix_day(-1), date_time(1969, 12, 31, (0, 0, 0), 0));
    }

    #[test]
    fn date_times_show_as_iso_8601_without_fraction_or_zone() {
        assert_eq!(at(951_827_696_789_012).to_string(), "2000-02-29T12:34:56");
        assert_eq!(at(YEAR_ZERO_DAY * MICROS_PER_DAY).to_string(), "0000-01-01T00:00:00");
        assert_eq!(DateTime::of_unix_day(2_932_897).to_string(), "10000-01-01T00:00:00");
        assert_eq!(at(i64::MIN).to_string(), "-290308-12-21T19:59:05");
    }

    #[test]
    fn months_have_their_days_in_every_year() {
        for (year, month, days) in [
            (2023, 2, Some(28)),
            (2024, 2, Some(29)),
            (1900, 2, Some(28)),
            (2000, 2, Some(29)),
            (0, 2, Some(29)),
            (-1, 2, Some(28)),
            (-4, 2, Some(29)),
            (-100, 2, Some(28)),
            (10_000, 2, Some(29)),
            (10_100, 2, Some(28)),
            (2023, 1, Some(31)),
            (2023, 4, Some(30)),
            (2023, 12, Some(31)),
            (2023, 0, None),
            (2023, 13, None),
            (i64::MAX, 2, Some(28)),
            (i64::MIN, 2, Some(29)),
        ] {
            assert_eq!(days_in_month(year, month), days, "{year}-{month}");
        }
    }

    #[test]
    fn civil_date_times_count_seconds_from_the_epoch_rounded_down() {
        let civil = |y, m, d, h, mi, s, n| civil::DateTime::new(y, m, d, h, mi, s, n).unwrap();
        assert_eq!(unix_seconds(civil(1970, 1, 1, 0, 0, 0, 0)), 0);
        assert_eq!(unix_seconds(civil(1969, 12, 31, 23, 59, 59, 999_999_999)), -1);
        assert_eq!(unix_seconds(civil(1970, 1, 1, 0, 0, 1, 1)), 1);
        assert_eq!(unix_seconds(civil(-9999, 1, 1, 0, 0, 0, 0)), -377_705_116_800);
        assert_eq!(unix_seconds(civil(9999, 12, 31, 23, 59, 59, 0)), 253_402_300_799);
        let before = civil(1969, 12, 31, 23, 59, 59, 999_999_999);
        assert_eq!(timestamp(before), Timestamp::from_unix_micros(-1));
    }

    #[test]
    fn strict_pieces_accept_only_what_they_name() {
        let date = |text: &str| parse_date(text.as_bytes()).map(|d| d.to_string());
        assert_eq!(date("2000-02-29"), Some("2000-02-29".into()));
        assert_eq!(date("0000-02-29T"), Some("0000-02-29".into()));
        assert_eq!(date("9999-12-31"), Some("9999-12-31".into()));
        for refused in ["1900-02-29", "2023-13-01", "2023-01-00", "2023-1-01", "2023/01/01", ""] {
            assert_eq!(date(refused), None, "{refused:?}");
        }

        let time = |text: &str, max| {
            parse_time(text.as_bytes(), 1, max).map(|(t, end)| (t.to_string(), end))
        };
        assert_eq!(time("T23:59", 0), Some(("23:59:00".into(), 6)));
        assert_eq!(time("T23:59:59Z", 0), Some(("23:59:59".into(), 9)));
        assert_eq!(time("T23:59.5", 9), Some(("23:59:00".into(), 6)));
        assert_eq!(time("T00:00:00.1x", 1), Some(("00:00:00.1".into(), 11)));
        assert_eq!(time("T00:00:00.000000001", 9), Some(("00:00:00.000000001".into(), 19)));
        for (refused, max) in [
            ("T24:00", 9),
            ("T23:60", 9),
            ("T23:59:60", 9),
            ("T23:59:", 9),
            ("T23:59:59.", 9),
            ("T23:59:59.12", 1),
            ("T23:59:59.1234567891", 12),
            ("T2:00", 9),
            ("T23-59", 9),
        ] {
            assert_eq!(time(refused, max), None, "{refused:?}");
        }

        let offset = |text: &str| parse_offset(text.as_bytes(), 0);
        assert_eq!(offset("+05:30"), Some((19_800, 6)));
        assert_eq!(offset("-00:00:01Z"), Some((-1, 9)));
        assert_eq!(offset("+99:59:59"), Some((359_999, 9)));
        assert_eq!(offset("-14:00:"), None);
        for refused in ["Z", "+0530", "+05:60", "+05:30:60", "+5:30", "05:30", ""] {
            assert_eq!(offset(refused), None, "{refused:?}");
        }
    }

    proptest::proptest! {
        /// Within jiff's range the calendar is jiff's, and a civil date-time reads back to the
        /// instant it came from.
        #[test]
        fn instants_agree_with_jiff_and_read_back(
            micros in jiff::Timestamp::MIN.as_microsecond()..=jiff::Timestamp::MAX.as_microsecond(),
        ) {
            let ours = at(micros);
            let theirs = jiff::tz::Offset::UTC
                .to_datetime(jiff::Timestamp::from_microsecond(micros).unwrap());
            let civil = civil::DateTime::new(
                i16::try_from(ours.year).unwrap(),
                i8::try_from(ours.month).unwrap(),
                i8::try_from(ours.day).unwrap(),
                i8::try_from(ours.hour).unwrap(),
                i8::try_from(ours.minute).unwrap(),
                i8::try_from(ours.second).unwrap(),
                i32::try_from(ours.microsecond * 1000).unwrap(),
            )
            .unwrap();
            proptest::prop_assert_eq!(civil, theirs);
            proptest::prop_assert_eq!(timestamp(civil), Timestamp::from_unix_micros(micros));
            proptest::prop_assert_eq!(days_in_month(ours.year, ours.month), Some(
                theirs.days_in_month().unsigned_abs()));
        }

        /// Beyond jiff's range the calendar repeats every 400 years.
        #[test]
        fn instants_repeat_every_four_hundred_years(micros: i64) {
            let cycle = DAYS_PER_CYCLE * MICROS_PER_DAY;
            let (earlier, later) = match micros.checked_add(cycle) {
                Some(later) => (at(micros), at(later)),
                None => (at(micros - cycle), at(micros)),
            };
            proptest::prop_assert_eq!(DateTime { year: earlier.year + 400, ..earlier }, later);
        }
    }
}
