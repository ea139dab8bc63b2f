//! Date-times as Qolo's ASP.NET backend writes them (`2026-01-01T00:00:00Z`, a fraction only
//! when it is non-zero) and a strict check of the date-times a request may carry (`wire_date`).

use std::fmt;

use ledger::Timestamp;

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// `ts` in UTC as ISO 8601 with a `Z`: `2026-01-01T00:00:00Z`, `2026-01-01T00:00:00.25Z`.
#[cfg(test)]
pub(crate) fn format(ts: Timestamp) -> String {
    let mut out = String::new();
    let _ = write(ts, &mut out);
    out
}

/// Writes `ts` as [`format`] spells it. Digit by digit into any writer, so a response can put
/// its eight date-times straight into the body without a `String` each.
pub(crate) fn write(ts: Timestamp, out: &mut impl fmt::Write) -> fmt::Result {
    let micros = ts.as_unix_micros();
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let fraction = micros.rem_euclid(MICROS_PER_SECOND);
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        // Outside .NET's DateTime range; never produced by a sane clock.
        return write!(out, "{year:04}-{month:02}-{day:02}T00:00:00Z");
    }
    push_digits(out, year, 4)?;
    out.write_char('-')?;
    push_digits(out, month, 2)?;
    out.write_char('-')?;
    push_digits(out, day, 2)?;
    out.write_char('T')?;
    push_digits(out, second_of_day / 3600, 2)?;
    out.write_char(':')?;
    push_digits(out, (second_of_day % 3600) / 60, 2)?;
    out.write_char(':')?;
    push_digits(out, second_of_day % 60, 2)?;
    if fraction != 0 {
        out.write_char('.')?;
        let mut fraction = fraction;
        let mut width = 6;
        while fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
        push_digits(out, fraction, width)?;
    }
    out.write_char('Z')
}

/// Appends the last `width` decimal digits of a non-negative `value`, zero-padded.
fn push_digits(out: &mut impl fmt::Write, value: i64, width: u32) -> fmt::Result {
    for place in (0..width).rev() {
        let digit = (value / 10_i64.pow(place)) % 10;
        out.write_char(char::from(b'0' + u8::try_from(digit).unwrap_or(0)))?;
    }
    Ok(())
}

/// Unix seconds of `ts` (JWT `iat`/`exp`).
pub(crate) fn unix_seconds(ts: Timestamp) -> i64 {
    ts.as_unix_micros().div_euclid(MICROS_PER_SECOND)
}

/// Whether `text` is a date-time .NET's JSON reader accepts for a `DateTime`: `2019-08-24`,
/// `2019-08-24T14:15`, `2019-08-24T14:15:22`, with an optional fraction of up to 7 digits and
/// an optional `Z` or `±hh:mm` offset.
pub(crate) fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = bytes.get(from..from + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
    };
    let (Some(year), Some(month), Some(day)) = (digits(0, 4), digits(5, 2), digits(8, 2)) else {
        return false;
    };
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return false;
    }
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    if bytes.len() == 10 {
        return true;
    }
    if bytes.get(10) != Some(&b'T') || bytes.get(13) != Some(&b':') {
        return false;
    }
    let (Some(hour), Some(minute)) = (digits(11, 2), digits(14, 2)) else { return false };
    if hour > 23 || minute > 59 {
        return false;
    }
    let mut idx = 16;
    if bytes.get(idx) == Some(&b':') {
        match digits(idx + 1, 2) {
            Some(second) if second <= 59 => idx += 3,
            _ => return false,
        }
        if bytes.get(idx) == Some(&b'.') {
            let rest = bytes.get(idx + 1..).unwrap_or_default();
            let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if !(1..=7).contains(&n) {
                return false;
            }
            idx += 1 + n;
        }
    }
    match bytes.get(idx..).unwrap_or_default() {
        [] | [b'Z'] => true,
        [sign, ..] if *sign == b'+' || *sign == b'-' => {
            bytes.len() == idx + 6
                && bytes.get(idx + 3) == Some(&b':')
                && digits(idx + 1, 2).is_some_and(|h| h <= 14)
                && digits(idx + 4, 2).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_like_asp_net() {
        assert_eq!(format(Timestamp::EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            format(Timestamp::from_unix_micros(1_767_225_600_000_000)),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(
            format(Timestamp::from_unix_micros(951_782_400_250_000)),
            "2000-02-29T00:00:00.25Z"
        );
        assert_eq!(format(Timestamp::from_unix_micros(-1)), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn request_date_times_are_checked_strictly() {
        for good in [
            "2019-08-24T14:15:22Z",
            "2019-08-24T14:15:22.1234567Z",
            "2019-08-24T14:15:22+05:30",
            "2019-08-24T14:15",
            "2019-08-24",
            "2024-02-29T00:00:00Z",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "",
            "2019-8-24",
            "2019-08-24 14:15:22",
            "2019-13-01",
            "2023-02-29",
            "2019-08-24T24:00:00Z",
            "2019-08-24T14:15:22.Z",
            "2019-08-24T14:15:22.12345678Z",
            "2019-08-24T14:15:22+0530",
            "yesterday",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
