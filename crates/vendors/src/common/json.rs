//! Exact JSON numbers: amounts are read from the number's own text (serde_json's
//! `arbitrary_precision`) and written back as exact text, never through `f64`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Number, Value};

/// Parses a body as JSON, or says why not in serde's words.
pub fn parse(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

/// The exact decimal a JSON number spells (`200`, `12.34`, `-5`). Exponent forms (`1e2`) are
/// refused, as no vendor documents them.
pub fn decimal(number: &Number) -> Result<Decimal, ledger::MoneyError> {
    ledger::parse_decimal(&number.to_string())
}

/// A JSON number with exactly `amount`'s digits (`100.00` stays `100.00`).
pub fn number(amount: Decimal) -> Number {
    // A Decimal's text is always a valid JSON number; fall back to zero rather than panic.
    Number::from_str(&amount.to_string()).unwrap_or_else(|_| Number::from(0))
}

/// An integer JSON number that fits `i64`, exactly (no `1.0`, no `1e3`).
pub fn integer(number: &Number) -> Option<i64> {
    let text = number.to_string();
    if text.contains(['.', 'e', 'E']) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_their_exact_digits_both_ways() {
        let value =
            parse(br#"{"a": 0.1, "b": 12345678901234567890.12, "c": 200.00, "d": 1e2}"#).unwrap();
        let read = |key: &str| decimal(value[key].as_number().unwrap());
        assert_eq!(read("a").unwrap().to_string(), "0.1");
        assert_eq!(read("b").unwrap().to_string(), "12345678901234567890.12");
        assert_eq!(read("c").unwrap().to_string(), "200.00");
        assert!(read("d").is_err());
        assert_eq!(serde_json::to_string(&number(Decimal::new(10000, 2))).unwrap(), "100.00");
        assert_eq!(integer(value["c"].as_number().unwrap()), None);
        assert_eq!(integer(&Number::from(1000)), Some(1000));
    }
}
