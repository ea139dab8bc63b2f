//! Money: ISO 4217 currencies with their minor-unit exponent, and exact amounts in them.
//!
//! Amounts are `rust_decimal::Decimal` parsed from text or built from integer minor units; no
//! float ever becomes an amount. An amount with more fractional digits than its currency allows
//! is rejected, never rounded.

mod table;

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// An active ISO 4217 currency.
///
/// A `Currency` is always one of the table's entries, so its exponent is known.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    /// Index into the table; the table is sorted by code, so ordering follows the code.
    idx: u16,
}

impl Currency {
    /// Looks up an alphabetic code such as `USD` (exact, upper case).
    pub fn from_code(code: &str) -> Option<Currency> {
        let idx = table::CURRENCIES.binary_search_by(|(c, _, _)| (*c).cmp(code)).ok()?;
        Some(Currency { idx: u16::try_from(idx).ok()? })
    }

    /// Looks up a numeric code such as `840` (USD) or `484` (MXN).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        let idx = table::CURRENCIES.iter().position(|(_, n, _)| *n == numeric)?;
        Some(Currency { idx: u16::try_from(idx).ok()? })
    }

    /// Every active currency, in code order.
    pub fn all() -> impl Iterator<Item = Currency> {
        (0..table::CURRENCIES.len()).filter_map(|idx| Some(Currency { idx: idx.try_into().ok()? }))
    }

    fn entry(self) -> (&'static str, u16, u8) {
        table::CURRENCIES[usize::from(self.idx)]
    }

    /// The alphabetic code, e.g. `"USD"`.
    pub fn code(self) -> &'static str {
        self.entry().0
    }

    /// The numeric code, e.g. `840`.
    pub fn numeric(self) -> u16 {
        self.entry().1
    }

    /// Number of fractional digits of the minor unit: USD 2, JPY 0, KWD 3.
    pub fn exponent(self) -> u32 {
        u32::from(self.entry().2)
    }

    /// Whether `amount` has no more fractional digits than this currency allows.
    ///
    /// Trailing zeros do not count: `12.300` is a valid USD amount, `12.305` is not.
    pub fn fits_scale(self, amount: Decimal) -> bool {
        amount.normalize().scale() <= self.exponent()
    }

    /// Converts an integer count of minor units (Clowd9's `1000` for 10.00) to a major amount.
    pub fn from_minor(self, minor: i64) -> Decimal {
        Decimal::new(minor, self.exponent())
    }

    /// Converts a major amount (Qolo's `12.34`) to integer minor units (`1234`).
    ///
    /// Fails when the amount has more fractional digits than the currency allows or does not
    /// fit an `i64`.
    pub fn to_minor(self, amount: Decimal) -> Result<i64, MoneyError> {
        if !self.fits_scale(amount) {
            return Err(MoneyError::TooManyDecimals);
        }
        let mut scaled = amount;
        scaled.rescale(self.exponent());
        // After rescaling to the exponent the mantissa is exactly the count of minor units.
        i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::OutOfRange)
    }

    /// Parses a major-unit amount from its decimal text (`"12.34"`, `"-5"`, `"1e2"` is refused),
    /// rejecting more fractional digits than the currency allows.
    pub fn parse_major(self, text: &str) -> Result<Decimal, MoneyError> {
        let amount = parse_decimal(text)?;
        if !self.fits_scale(amount) {
            return Err(MoneyError::TooManyDecimals);
        }
        Ok(amount)
    }

    /// Renders `amount` with exactly this currency's number of fractional digits (`100.00`).
    pub fn format(self, amount: Decimal) -> String {
        let mut shown = amount;
        shown.rescale(self.exponent());
        shown.to_string()
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(code: &str) -> Result<Currency, MoneyError> {
        Currency::from_code(code).ok_or(MoneyError::UnknownCurrency)
    }
}

/// Why text or a number could not become an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number (`12.34`, `-5`, `0.5`).
    #[error("not a decimal number")]
    NotANumber,
    /// More significant digits than an exact decimal can hold (28).
    #[error("number has too many digits")]
    OutOfRange,
    /// More fractional digits than the currency's minor unit.
    #[error("amount has more decimal places than the currency allows")]
    TooManyDecimals,
    /// Not an active ISO 4217 code.
    #[error("unknown currency")]
    UnknownCurrency,
}

/// Parses plain decimal text exactly: optional sign, digits, optional fraction.
///
/// Exponents (`1e2`), spaces, `+`, and empty parts (`.5`, `5.`) are refused, because no vendor
/// documents them and accepting them would hide client bugs.
pub fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(MoneyError::NotANumber);
    }
    Decimal::from_str_exact(text).map_err(|_| MoneyError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    #[test]
    fn exponents_follow_iso_4217() {
        let exp = |c: &str| Currency::from_code(c).unwrap().exponent();
        assert_eq!((exp("USD"), exp("JPY"), exp("KWD"), exp("CLF")), (2, 0, 3, 4));
        assert_eq!(Currency::from_numeric(484).unwrap().code(), "MXN");
        assert_eq!(Currency::from_numeric(826).unwrap().code(), "GBP");
        assert!(Currency::from_code("usd").is_none());
        assert!(Currency::from_code("XAU").is_none(), "metals have no minor unit");
        assert!(Currency::all().count() > 150);
    }

    #[test]
    fn table_is_sorted_and_unique() {
        let codes: Vec<_> = Currency::all().map(Currency::code).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        let mut numerics: Vec<_> = Currency::all().map(Currency::numeric).collect();
        numerics.sort_unstable();
        numerics.dedup();
        assert_eq!(numerics.len(), codes.len());
    }

    #[test]
    fn minor_units_convert_both_ways_exactly() {
        let jpy = Currency::from_code("JPY").unwrap();
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(usd().from_minor(1000).to_string(), "10.00");
        assert_eq!(usd().to_minor(Decimal::new(1234, 2)), Ok(1234));
        assert_eq!(usd().to_minor(Decimal::new(12, 0)), Ok(1200));
        assert_eq!(jpy.to_minor(Decimal::new(500, 0)), Ok(500));
        assert_eq!(kwd.to_minor(Decimal::new(1, 3)), Ok(1));
        assert_eq!(usd().to_minor(Decimal::new(1, 3)), Err(MoneyError::TooManyDecimals));
        assert_eq!(jpy.to_minor(Decimal::new(5, 1)), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn parsing_is_exact_and_refuses_extra_decimals() {
        assert_eq!(usd().parse_major("12.34").unwrap().to_string(), "12.34");
        assert_eq!(usd().parse_major("12.300").unwrap(), Decimal::new(123, 1));
        assert_eq!(
            usd().parse_major("0.1").unwrap() + usd().parse_major("0.2").unwrap(),
            usd().parse_major("0.3").unwrap()
        );
        assert_eq!(usd().parse_major("12.345"), Err(MoneyError::TooManyDecimals));
        for bad in ["", "-", "1e2", "+1", ".5", "5.", "1,00", " 1", "NaN", "0x10"] {
            assert_eq!(usd().parse_major(bad), Err(MoneyError::NotANumber), "{bad:?}");
        }
        assert_eq!(parse_decimal("123456789012345678901234567890"), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn formatting_pads_to_the_currency_exponent() {
        assert_eq!(usd().format(Decimal::new(200, 0)), "200.00");
        assert_eq!(Currency::from_code("JPY").unwrap().format(Decimal::new(7, 0)), "7");
    }
}
