//! Java `BigDecimal` text read exactly, as Jackson reads `value` and `equivalentValue`.

use rust_decimal::Decimal;

/// Why text is not an exact decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalProblem {
    /// Not Java `BigDecimal` syntax.
    NotANumber,
    /// Valid syntax, but more than the 28 significant digits an exact decimal holds.
    OutOfRange,
}

/// Reads Java `BigDecimal` text exactly: optional sign, digits with an optional point, optional
/// exponent (`11111111111`, `100000.5665`, `-5`, `.5`, `1.5E-2`). Never rounds.
pub(crate) fn big_decimal(text: &str) -> Result<Decimal, DecimalProblem> {
    match plain(text) {
        // At most 18 digits always fit an `i64`: no text to scan digit by digit twice.
        Some(Plain::Integer) if text.len() <= 18 => {
            text.parse::<i64>().map(Decimal::from).map_err(|_| DecimalProblem::OutOfRange)
        }
        Some(Plain::Integer | Plain::Fraction) => {
            ledger::parse_decimal(text).map_err(|_| DecimalProblem::OutOfRange)
        }
        None => general(text),
    }
}

/// [`big_decimal`] of any spelling: the digits and scale rewritten as plain text, then read.
fn general(text: &str) -> Result<Decimal, DecimalProblem> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err(DecimalProblem::NotANumber);
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(exponent) => {
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !all_digits(digits) {
                return Err(DecimalProblem::NotANumber);
            }
            // Any exponent this long puts the value far outside 28 digits (or is zero).
            let magnitude: i64 = digits.parse().map_err(|_| DecimalProblem::OutOfRange)?;
            if magnitude > 1_000 {
                return Err(DecimalProblem::OutOfRange);
            }
            if exponent.starts_with('-') { -magnitude } else { magnitude }
        }
    };
    let mut digits = format!("{int}{frac}");
    let leading_zeros = digits.bytes().take_while(|b| *b == b'0').count();
    digits.drain(..leading_zeros);
    let mut scale = i64::try_from(frac.len()).map_err(|_| DecimalProblem::OutOfRange)? - exponent;
    if scale < 0 {
        if digits.len() + usize::try_from(-scale).unwrap_or(usize::MAX) > 40 && !digits.is_empty() {
            return Err(DecimalProblem::OutOfRange);
        }
        if !digits.is_empty() {
            digits.extend(std::iter::repeat_n('0', usize::try_from(-scale).unwrap_or(0)));
        }
        scale = 0;
    }
    while scale > 28 && digits.ends_with('0') {
        digits.pop();
        scale -= 1;
    }
    if digits.is_empty() {
        // Zero keeps its written scale (`0.00`), within the 28 digits a decimal allows.
        return Ok(Decimal::new(0, u32::try_from(scale.clamp(0, 28)).unwrap_or(0)));
    }
    if scale > 28 || digits.len() > 29 {
        return Err(DecimalProblem::OutOfRange);
    }
    let scale = usize::try_from(scale).map_err(|_| DecimalProblem::OutOfRange)?;
    if digits.len() <= scale {
        let pad = scale + 1 - digits.len();
        digits.insert_str(0, &"0".repeat(pad));
    }
    let point = digits.len() - scale;
    let mut plain = String::with_capacity(digits.len() + 2);
    if negative {
        plain.push('-');
    }
    plain.push_str(digits.get(..point).unwrap_or("0"));
    if scale > 0 {
        plain.push('.');
        plain.push_str(digits.get(point..).unwrap_or(""));
    }
    ledger::parse_decimal(&plain).map_err(|_| DecimalProblem::OutOfRange)
}

/// Text already in the form the general path rewrites every number into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plain {
    /// Digits only: `-5`, `11111111111`.
    Integer,
    /// Digits on both sides of a point: `12.50`.
    Fraction,
}

/// Whether `text` needs no rewriting (no `+`, no exponent, no leading zero, digits on both sides
/// of a point, at most 28 digits), so that its value is the value as written.
fn plain(text: &str) -> Option<Plain> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let point = unsigned.bytes().position(|b| b == b'.');
    let (int, frac) = match point {
        Some(at) => (unsigned.get(..at)?, unsigned.get(at + 1..)?),
        None => (unsigned, "1"),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain =
        int.len() + frac.len() <= 28 && digits(int) && digits(frac) && !int.starts_with('0');
    match point {
        _ if !plain => None,
        Some(_) => Some(Plain::Fraction),
        None => Some(Plain::Integer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_decimals_are_read_exactly_in_every_java_spelling() {
        let read = |text: &str| big_decimal(text).map(|d| d.to_string());
        assert_eq!(read("11111111111"), Ok("11111111111".into()));
        assert_eq!(read("100000.5665"), Ok("100000.5665".into()));
        assert_eq!(read("-5"), Ok("-5".into()));
        assert_eq!(read("+5.10"), Ok("5.10".into()));
        assert_eq!(read(".5"), Ok("0.5".into()));
        assert_eq!(read("5."), Ok("5".into()));
        assert_eq!(read("1e3"), Ok("1000".into()));
        assert_eq!(read("1.5E-2"), Ok("0.015".into()));
        assert_eq!(read("0.00"), Ok("0.00".into()));
        assert_eq!(big_decimal("0e-40"), Ok(Decimal::ZERO));
        assert_eq!(read("-0"), Ok("0".into()));
        assert_eq!(read("000123.40"), Ok("123.40".into()));
        assert_eq!(read("1234567890123456789012345678"), Ok("1234567890123456789012345678".into()));
        for bad in ["", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "abc", "0x10", "1 2", "--1"] {
            assert_eq!(big_decimal(bad), Err(DecimalProblem::NotANumber), "{bad:?}");
        }
        for huge in ["123456789012345678901234567890", "1e100", "1e-29", "1e99999999999"] {
            assert_eq!(big_decimal(huge), Err(DecimalProblem::OutOfRange), "{huge:?}");
        }
    }

    proptest::proptest! {
        /// The shortcut for plain text reads exactly what the general path reads, digits and all.
        #[test]
        fn plain_text_reads_as_the_general_path_reads_it(
            text in "-?[0-9]{1,30}(\\.[0-9]{1,30})?"
        ) {
            let shown = |read: Result<Decimal, DecimalProblem>| read.map(|d| d.to_string());
            proptest::prop_assert_eq!(shown(big_decimal(&text)), shown(general(&text)));
        }
    }
}
