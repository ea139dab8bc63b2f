//! Date-times as Qolo's ASP.NET backend writes them (`2026-01-01T00:00:00Z`, a fraction only
//! when it is non-zero) and a strict check of the date-times a request may carry (`wire_date`).

use std::cell::Cell;
use std::fmt;

use ledger::Timestamp;

use crate::common::calendar;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// `ts` in UTC as ISO 8601 with a `Z`: `2026-01-01T00:00:00Z`, `2026-01-01T00:00:00.25Z`.
#[cfg(test)]
pub(crate) fn format(ts: Timestamp) -> String {
    let mut out = String::new();
    let _ = write(ts, &mut out);
    out
}

/// Writes `ts` as [`format`] spells it, into any writer, so a response can put its date-times
/// straight into the body without a `String` each. The date comes from [`date_text`]'s cache
/// of the day; out of .NET's years it goes the general way.
pub(crate) fn write(ts: Timestamp, out: &mut impl fmt::Write) -> fmt::Result {
    let micros = ts.as_unix_micros();
    let Some(date) = date_text(micros.div_euclid(MICROS_PER_DAY)) else {
        return write_general(ts, out);
    };
    let of_day = micros.rem_euclid(MICROS_PER_DAY);
    let (seconds, fraction) = (of_day / MICROS_PER_SECOND, of_day % MICROS_PER_SECOND);
    // `YYYY-MM-DDThh:mm:ss.ffffffZ` at its longest.
    let mut text = [0; 27];
    let mut len = 0;
    let mut put = |byte: u8| {
        if let Some(slot) = text.get_mut(len) {
            *slot = byte;
        }
        len += 1;
    };
    date.into_iter().for_each(&mut put);
    for (separator, value) in
        [(b'T', seconds / 3600), (b':', seconds / 60 % 60), (b':', seconds % 60)]
    {
        put(separator);
        put(digit(value / 10));
        put(digit(value));
    }
    if fraction != 0 {
        let mut digits = fraction;
        let mut width = 6;
        while digits % 10 == 0 {
            digits /= 10;
            width -= 1;
        }
        put(b'.');
        for place in (0..width).rev() {
            put(digit(digits / 10_i64.pow(place)));
        }
    }
    put(b'Z');
    out.write_str(std::str::from_utf8(text.get(..len).unwrap_or_default()).unwrap_or_default())
}

/// The ASCII digit of `value`'s last decimal place.
fn digit(value: i64) -> u8 {
    // A remainder below 10: the cast keeps every bit.
    b'0' + value.rem_euclid(10) as u8
}

thread_local! {
    /// The day last written on this thread, and its `YYYY-MM-DD`: nearly every date-time an
    /// answer shows falls on the clock's day, and finding the civil date of an instant costs
    /// more than the rest of its text.
    static DAY: Cell<Option<(i64, [u8; 10])>> = const { Cell::new(None) };
}

/// `YYYY-MM-DD` of day `unix_day` (from 1970-01-01), or `None` outside years 0000..=9999.
fn date_text(unix_day: i64) -> Option<[u8; 10]> {
    if let Some((day, text)) = DAY.get()
        && day == unix_day
    {
        return Some(text);
    }
    let dt = calendar::DateTime::of_unix_day(unix_day);
    if !(0..=9999).contains(&dt.year) {
        return None;
    }
    let (month, day) = (i64::from(dt.month), i64::from(dt.day));
    let text = [
        digit(dt.year / 1000),
        digit(dt.year / 100),
        digit(dt.year / 10),
        digit(dt.year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    DAY.set(Some((unix_day, text)));
    Some(text)
}

/// [`write`] the long way, from the whole civil date-time: the reference the fast way must
/// match, and the way for years .NET cannot show.
fn write_general(ts: Timestamp, out: &mut impl fmt::Write) -> fmt::Result {
    let dt = calendar::DateTime::of(ts);
    if !(0..=9999).contains(&dt.year) {
        // Outside .NET's DateTime range; never produced by a sane clock.
        return write!(out, "{:04}-{:02}-{:02}T00:00:00Z", dt.year, dt.month, dt.day);
    }
    calendar::write_digits(out, dt.year, 4)?;
    out.write_char('-')?;
    calendar::write_digits(out, dt.month.into(), 2)?;
    out.write_char('-')?;
    calendar::write_digits(out, dt.day.into(), 2)?;
    out.write_char('T')?;
    calendar::write_digits(out, dt.hour.into(), 2)?;
    out.write_char(':')?;
    calendar::write_digits(out, dt.minute.into(), 2)?;
    out.write_char(':')?;
    calendar::write_digits(out, dt.second.into(), 2)?;
    if dt.microsecond != 0 {
        out.write_char('.')?;
        let mut fraction = i64::from(dt.microsecond);
        let mut width = 6;
        while fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
        calendar::write_digits(out, fraction, width)?;
    }
    out.write_char('Z')
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
    let Some(date) = calendar::parse_date(bytes) else { return false };
    // .NET's `DateTime` starts at 0001-01-01.
    if date.year() == 0 {
        return false;
    }
    if bytes.len() == 10 {
        return true;
    }
    if bytes.get(10) != Some(&b'T') {
        return false;
    }
    let Some((_, end)) = calendar::parse_time(bytes, 11, 7) else { return false };
    match bytes.get(end..).unwrap_or_default() {
        [] | [b'Z'] => true,
        _ => calendar::parse_offset(bytes, end).is_some_and(|(offset, after)| {
            after == end + 6 && after == bytes.len() && offset.unsigned_abs() / 3600 <= 14
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Everything Qolo writes, Qolo would read back, for every instant of years 0001..=9999.
        #[test]
        fn written_date_times_read_back(
            micros in -62_135_596_800_000_000_i64..253_402_300_800_000_000,
        ) {
            let shown = format(Timestamp::from_unix_micros(micros));
            proptest::prop_assert!(is_date_time(&shown), "{}", shown);
        }
    }

    fn general(ts: Timestamp) -> String {
        let mut out = String::new();
        write_general(ts, &mut out).unwrap();
        out
    }

    proptest::proptest! {
        /// The fast way (a day's date cached per thread) writes what the whole civil
        /// date-time does, for any instant, the first time its day is seen and again after.
        #[test]
        fn the_cached_day_writes_what_the_whole_date_time_does(
            micros in proptest::prop_oneof![
                proptest::prelude::any::<i64>(),
                -62_167_219_200_000_001_i64..253_402_300_800_000_000,
                1_700_000_000_000_000_i64..1_900_000_000_000_000,
            ],
            later_micros in 0_i64..86_400_000_000,
        ) {
            let ts = Timestamp::from_unix_micros(micros);
            proptest::prop_assert_eq!(format(ts), general(ts));
            // Another instant of the same day, now answered from the cache.
            let day_start = micros.div_euclid(86_400_000_000).saturating_mul(86_400_000_000);
            let same_day = Timestamp::from_unix_micros(day_start.saturating_add(later_micros));
            proptest::prop_assert_eq!(format(same_day), general(same_day));
        }
    }

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

    /// What .NET's JSON reader accepts for a `DateTime`: pinned before the calendar moved to
    /// `common`.
    #[test]
    fn request_date_times_accept_exactly_what_they_did() {
        for accepted in [
            "2019-08-24",
            "2019-08-24T14:15",
            "2019-08-24T14:15Z",
            "2019-08-24T14:15+05:30",
            "2019-08-24T14:15:22",
            "2019-08-24T14:15:22Z",
            "2019-08-24T14:15:22.1Z",
            "2019-08-24T14:15:22.12",
            "2019-08-24T14:15:22.123Z",
            "2019-08-24T14:15:22.1234-01:00",
            "2019-08-24T14:15:22.12345Z",
            "2019-08-24T14:15:22.123456Z",
            "2019-08-24T14:15:22.1234567Z",
            "2019-08-24T14:15:22+14:00",
            "2019-08-24T14:15:22-14:59",
            "2019-08-24T14:15:22+00:00",
            "2019-08-24T00:00:00Z",
            "2019-08-24T23:59:59Z",
            "2000-02-29",
            "2024-02-29T00:00:00Z",
            "0001-01-01",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z",
        ] {
            assert!(is_date_time(accepted), "{accepted:?}");
        }
        for refused in [
            "",
            "yesterday",
            "0000-01-01",
            "0000-02-29T00:00:00Z",
            "1900-02-29",
            "2023-02-29",
            "2019-04-31",
            "2019-13-01",
            "2019-00-01",
            "2019-01-00",
            "2019-01-32",
            "2019-8-24",
            "19-08-24",
            "+2019-08-24",
            " 2019-08-24",
            "2019-08-24 ",
            "2019/08/24",
            "2019-08-24x",
            "2019-08-24Z",
            "2019-08-24T",
            "2019-08-24T14",
            "2019-08-24T14:",
            "2019-08-24T14:1",
            "2019-08-24T4:15",
            "2019-08-24t14:15",
            "2019-08-24 14:15:22",
            "2019-08-24T24:00",
            "2019-08-24T24:00:00Z",
            "2019-08-24T23:60",
            "2019-08-24T23:59:60",
            "2019-08-24T23:59:60Z",
            "2019-08-24T14:15.5",
            "2019-08-24T14:15:2",
            "2019-08-24T14:15:",
            "2019-08-24T14:15:22.",
            "2019-08-24T14:15:22.Z",
            "2019-08-24T14:15:22.12345678Z",
            "2019-08-24T14:15:22.123456789",
            "2019-08-24T14:15:22,5Z",
            "2019-08-24T14:15:22z",
            "2019-08-24T14:15:22ZZ",
            "2019-08-24T14:15:22Z ",
            "2019-08-24T14:15:22Zjunk",
            "2019-08-24T14:15:22 ",
            "2019-08-24T14:15:22+15:00",
            "2019-08-24T14:15:22+14:60",
            "2019-08-24T14:15:22+0530",
            "2019-08-24T14:15:22+05",
            "2019-08-24T14:15:22+05:3",
            "2019-08-24T14:15:22+05:30:00",
            "2019-08-24T14:15:22+05:30Z",
            "2019-08-24T14:15:22[UTC]",
            "\u{ff12}019-08-24",
        ] {
            assert!(!is_date_time(refused), "{refused:?}");
        }
    }

    /// The writer at the edges of the calendar, pinned before the calendar moved to `common`.
    #[test]
    fn timestamps_format_exactly_at_the_calendar_edges() {
        for (micros, shown) in [
            (951_827_696_789_012, "2000-02-29T12:34:56.789012Z"),
            (951_827_696_000_001, "2000-02-29T12:34:56.000001Z"),
            (951_827_696_100_000, "2000-02-29T12:34:56.1Z"),
            (-2_203_891_200_000_001, "1900-02-28T23:59:59.999999Z"),
            (-62_167_219_200_000_000, "0000-01-01T00:00:00Z"),
            (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
            (253_402_300_800_000_000, "10000-01-01T00:00:00Z"),
            (253_402_387_199_999_999, "10000-01-01T00:00:00Z"),
            (-62_167_219_200_000_001, "-001-12-31T00:00:00Z"),
            (i64::MAX, "294247-01-10T00:00:00Z"),
            (i64::MIN, "-290308-12-21T00:00:00Z"),
        ] {
            assert_eq!(format(Timestamp::from_unix_micros(micros)), shown, "{micros}");
        }
        assert_eq!(unix_seconds(Timestamp::from_unix_micros(-1)), -1);
        assert_eq!(unix_seconds(Timestamp::from_unix_micros(1_999_999)), 1);
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
