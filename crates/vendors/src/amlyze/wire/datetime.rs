//! AMLYZE's date-times: reading `balanceAt`, `openingDate` and friends the way the Java service
//! does (ISO 8601 local or offset date-times), and writing Spring's error-body `timestamp`.

use ledger::Timestamp;

use crate::common::calendar;

/// An instant read from the wire, to the nanosecond. Zone-less text is taken as UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct DateTime {
    /// Seconds since the Unix epoch.
    pub(crate) unix_seconds: i64,
    /// Nanoseconds within the second.
    pub(crate) nanos: u32,
}

/// Java's `ZoneOffset` bound: ±18:00.
const OFFSET_SECONDS_MAX: u32 = 18 * 3600;

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|±HH:MM[:SS]]`: what Java's `ISO_LOCAL_DATE_TIME`
/// and `ISO_OFFSET_DATE_TIME` accept. AMLYZE's own examples use both
/// `2023-09-05T08:07:34.605Z` and the zone-less `2024-05-26T16:49:50.237`.
pub(crate) fn parse(text: &str) -> Option<DateTime> {
    let b = text.as_bytes();
    let date = calendar::parse_date(b)?;
    if !matches!(b.get(10), Some(b'T' | b't')) {
        return None;
    }
    let (time, end) = calendar::parse_time(b, 11, 9)?;
    let offset_seconds = match b.get(end..)? {
        [] | [b'Z' | b'z'] => 0,
        _ => match calendar::parse_offset(b, end)? {
            (offset, after) if after == b.len() && offset.unsigned_abs() <= OFFSET_SECONDS_MAX => {
                offset
            }
            _ => return None,
        },
    };
    let unix_seconds = calendar::unix_seconds(date.to_datetime(time)) - i64::from(offset_seconds);
    Some(DateTime { unix_seconds, nanos: time.subsec_nanosecond().unsigned_abs() })
}

/// Spring Boot's error-body timestamp: `2024-05-26T16:49:50.237+00:00` (milliseconds, UTC).
pub(crate) fn format_spring(at: Timestamp) -> String {
    let dt = calendar::DateTime::of(at);
    format!("{dt}.{:03}+00:00", dt.microsecond / 1000)
}

/// RFC 3339 in UTC with microseconds, for sandbank's own views of the state.
pub(crate) fn format_rfc3339(at: Timestamp) -> String {
    let dt = calendar::DateTime::of(at);
    format!("{dt}.{:06}Z", dt.microsecond)
}

/// The UTC calendar date of `at` as `YYYYMMDD`, for generated identifiers.
pub(crate) fn compact_date(at: Timestamp) -> String {
    let dt = calendar::DateTime::of(at);
    format!("{:04}{:02}{:02}", dt.year, dt.month, dt.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amlyze_date_times_parse_with_and_without_a_zone() {
        let zulu = parse("2023-09-05T08:07:34.605Z").unwrap();
        assert_eq!(zulu, DateTime { unix_seconds: 1_693_901_254, nanos: 605_000_000 });
        assert_eq!(parse("2023-09-05T08:07:34.605"), Some(zulu));
        assert_eq!(parse("2023-09-05T10:07:34.605+02:00"), Some(zulu));
        assert_eq!(parse("2023-09-05T08:07").unwrap().unix_seconds, 1_693_901_220);
        assert_eq!(parse("2024-02-29T00:00:00Z").unwrap().unix_seconds, 1_709_164_800);
        for bad in [
            "",
            "2023-09-05",
            "2023-09-05 08:07:34",
            "2023-02-29T00:00:00",
            "2023-13-01T00:00:00",
            "2023-09-05T24:00:00",
            "2023-09-05T08:07:34.",
            "2023-09-05T08:07:34.1234567891",
            "2023-09-05T08:07:34+2",
            "2023-09-05T08:07:34+19:00",
            "2023-09-05T08:07:34Zjunk",
            "yesterday",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    /// Year 0000 (1 BC, a leap year) starts this many seconds before the epoch.
    const YEAR_ZERO: i64 = -62_167_219_200;
    /// 9999-12-31T23:59:59Z.
    const LAST_SECOND: i64 = 253_402_300_799;

    proptest::proptest! {
        /// Both writers read back through AMLYZE's parser, for every instant of years
        /// 0000..=9999 (Spring's timestamp to the millisecond).
        #[test]
        fn written_date_times_read_back(
            micros in YEAR_ZERO * 1_000_000..(LAST_SECOND + 1) * 1_000_000,
        ) {
            let at = Timestamp::from_unix_micros(micros);
            let unix_seconds = micros.div_euclid(1_000_000);
            let sub_micros = u32::try_from(micros.rem_euclid(1_000_000)).unwrap();
            let exact = DateTime { unix_seconds, nanos: sub_micros * 1000 };
            let millis = DateTime { unix_seconds, nanos: sub_micros / 1000 * 1_000_000 };
            proptest::prop_assert_eq!(parse(&format_rfc3339(at)), Some(exact));
            proptest::prop_assert_eq!(parse(&format_spring(at)), Some(millis));
            proptest::prop_assert_eq!(&compact_date(at), &format_rfc3339(at)[..10].replace('-', ""));
        }
    }

    /// What Java's ISO parsers accept: pinned before the calendar moved to `common`.
    #[test]
    fn java_iso_date_times_accept_exactly_what_they_did() {
        let accepted: &[(&str, i64, u32)] = &[
            ("2023-09-05T08:07:34.605Z", 1_693_901_254, 605_000_000),
            ("2023-09-05t08:07:34.605z", 1_693_901_254, 605_000_000),
            ("2023-09-05T08:07", 1_693_901_220, 0),
            ("2023-09-05T08:07Z", 1_693_901_220, 0),
            ("2023-09-05T10:07+02:00", 1_693_901_220, 0),
            ("2023-09-05T08:07:34", 1_693_901_254, 0),
            ("2023-09-05T08:07:34.1", 1_693_901_254, 100_000_000),
            ("2023-09-05T08:07:34.12", 1_693_901_254, 120_000_000),
            ("2023-09-05T08:07:34.123", 1_693_901_254, 123_000_000),
            ("2023-09-05T08:07:34.1234", 1_693_901_254, 123_400_000),
            ("2023-09-05T08:07:34.12345", 1_693_901_254, 123_450_000),
            ("2023-09-05T08:07:34.123456", 1_693_901_254, 123_456_000),
            ("2023-09-05T08:07:34.1234567", 1_693_901_254, 123_456_700),
            ("2023-09-05T08:07:34.12345678", 1_693_901_254, 123_456_780),
            ("2023-09-05T08:07:34.123456789", 1_693_901_254, 123_456_789),
            ("2023-09-05T08:07:34.000000001Z", 1_693_901_254, 1),
            ("2023-09-05T08:07:34-00:00", 1_693_901_254, 0),
            ("2023-09-05T13:37:49+05:30:15", 1_693_901_254, 0),
            ("2023-09-05T08:07:34+18:00", 1_693_836_454, 0),
            ("2023-09-05T08:07:34-18:00", 1_693_966_054, 0),
            ("2023-09-05T08:07:34+17:59:59", 1_693_836_455, 0),
            ("2024-02-29T00:00:00Z", 1_709_164_800, 0),
            ("2000-02-29T12:00:00", 951_825_600, 0),
            ("1970-01-01T00:00:00Z", 0, 0),
            ("1969-12-31T23:59:59.999999999Z", -1, 999_999_999),
            ("0000-01-01T00:00", YEAR_ZERO, 0),
            ("0000-02-29T00:00", YEAR_ZERO + 59 * 86_400, 0),
            ("0000-01-01T00:00+18:00", YEAR_ZERO - 64_800, 0),
            ("9999-12-31T23:59:59.999999999Z", LAST_SECOND, 999_999_999),
            ("9999-12-31T23:59:59-18:00", LAST_SECOND + 64_800, 0),
        ];
        for &(text, unix_seconds, nanos) in accepted {
            assert_eq!(parse(text), Some(DateTime { unix_seconds, nanos }), "{text:?}");
        }
        for refused in [
            "",
            "yesterday",
            "2023-09-05",
            "2023-09-05T",
            "2023-09-05T08",
            "2023-09-05T08:",
            "2023-09-05T08:7",
            "2023-09-05T8:07",
            "2023-09-05T08:07:3",
            "2023-09-05T08:07:",
            "2023-09-05 08:07:34",
            "2023-09-05_08:07:34",
            "23-09-05T08:07",
            "2023-9-05T08:07",
            "2023-09-5T08:07",
            "+2023-09-05T08:07",
            " 2023-09-05T08:07",
            "2023/09/05T08:07",
            "1900-02-29T00:00:00",
            "2023-02-29T00:00:00",
            "2023-04-31T00:00",
            "2023-13-01T00:00:00",
            "2023-00-01T00:00",
            "2023-01-00T00:00",
            "2023-01-32T00:00",
            "2023-09-05T24:00:00",
            "2023-09-05T24:00",
            "2023-09-05T23:60",
            "2023-09-05T23:59:60",
            "2023-09-05T23:59:60Z",
            "2023-09-05T08:07.5",
            "2023-09-05T08:07:34.",
            "2023-09-05T08:07:34.Z",
            "2023-09-05T08:07:34.1234567891",
            "2023-09-05T08:07:34.5x",
            "2023-09-05T08:07:34,5",
            "2023-09-05T08:07:34+2",
            "2023-09-05T08:07:34+02",
            "2023-09-05T08:07:34+0200",
            "2023-09-05T08:07:34+02:0",
            "2023-09-05T08:07:34+02:00:0",
            "2023-09-05T08:07:34+02:60",
            "2023-09-05T08:07:34+02:00:60",
            "2023-09-05T08:07:34+18:00:01",
            "2023-09-05T08:07:34-18:01",
            "2023-09-05T08:07:34+19:00",
            "2023-09-05T08:07:34+99:00",
            "2023-09-05T08:07:34+02:00Z",
            "2023-09-05T08:07:34Zjunk",
            "2023-09-05T08:07:34ZZ",
            "2023-09-05T08:07:34Z ",
            "2023-09-05T08:07:34 ",
            "2023-09-05T08:07:34[UTC]",
            "2023-09-05T08:07:34Z[UTC]",
            "2023-09-05T08:07:34 UTC",
            "\u{ff12}023-09-05T08:07",
        ] {
            assert_eq!(parse(refused), None, "{refused:?}");
        }
    }

    /// The writers at the edges of the calendar, pinned before the calendar moved to `common`.
    #[test]
    fn writers_are_exact_at_the_calendar_edges() {
        let cases: &[(i64, &str, &str, &str)] = &[
            (0, "1970-01-01T00:00:00.000+00:00", "1970-01-01T00:00:00.000000Z", "19700101"),
            (-1, "1969-12-31T23:59:59.999+00:00", "1969-12-31T23:59:59.999999Z", "19691231"),
            (
                951_827_696_789_012,
                "2000-02-29T12:34:56.789+00:00",
                "2000-02-29T12:34:56.789012Z",
                "20000229",
            ),
            (
                -2_203_891_200_000_001,
                "1900-02-28T23:59:59.999+00:00",
                "1900-02-28T23:59:59.999999Z",
                "19000228",
            ),
            (
                YEAR_ZERO * 1_000_000,
                "0000-01-01T00:00:00.000+00:00",
                "0000-01-01T00:00:00.000000Z",
                "00000101",
            ),
            (
                (LAST_SECOND + 1) * 1_000_000 - 1,
                "9999-12-31T23:59:59.999+00:00",
                "9999-12-31T23:59:59.999999Z",
                "99991231",
            ),
            (
                (LAST_SECOND + 1) * 1_000_000,
                "10000-01-01T00:00:00.000+00:00",
                "10000-01-01T00:00:00.000000Z",
                "100000101",
            ),
            (
                YEAR_ZERO * 1_000_000 - 1,
                "-001-12-31T23:59:59.999+00:00",
                "-001-12-31T23:59:59.999999Z",
                "-0011231",
            ),
            (
                i64::MAX,
                "294247-01-10T04:00:54.775+00:00",
                "294247-01-10T04:00:54.775807Z",
                "2942470110",
            ),
            (
                i64::MIN,
                "-290308-12-21T19:59:05.224+00:00",
                "-290308-12-21T19:59:05.224192Z",
                "-2903081221",
            ),
        ];
        for &(micros, spring, rfc3339, compact) in cases {
            let at = Timestamp::from_unix_micros(micros);
            assert_eq!(format_spring(at), spring, "{micros}");
            assert_eq!(format_rfc3339(at), rfc3339, "{micros}");
            assert_eq!(compact_date(at), compact, "{micros}");
        }
    }

    #[test]
    fn spring_timestamps_have_milliseconds_and_a_numeric_offset() {
        let at = Timestamp::from_unix_micros(1_716_742_190_237_999);
        assert_eq!(format_spring(at), "2024-05-26T16:49:50.237+00:00");
        assert_eq!(format_rfc3339(at), "2024-05-26T16:49:50.237999Z");
        assert_eq!(compact_date(at), "20240526");
        assert_eq!(format_spring(Timestamp::EPOCH), "1970-01-01T00:00:00.000+00:00");
    }
}
