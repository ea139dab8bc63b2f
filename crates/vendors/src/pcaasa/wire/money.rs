//! Amounts on PCaaSA's wire: a string with exactly the currency's decimals, written digit by
//! digit on the write's hot path.

use ledger::Currency;
use rust_decimal::Decimal;

use crate::common::json::writer::Writer;

/// An amount written as a string with exactly its currency's decimals (`"490.00"`,
/// `"-10.00"`), as `Currency::format` spells it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Money(Decimal);

impl Money {
    /// `amount` of `currency`.
    pub(crate) fn new(currency: Currency, amount: Decimal) -> Money {
        let mut shown = amount;
        shown.rescale(currency.exponent());
        Money(shown)
    }

    /// Appends the amount as a JSON string.
    pub(crate) fn write(self, out: &mut Writer) {
        // Digits written by hand into a stack buffer: `Decimal`'s `Display` costs more than the
        // rest of the amount's handling.
        let mut buffer = [0; 64];
        match self.text(&mut buffer) {
            Some(shown) => out.raw("\"").raw(shown).raw("\""),
            None => out.decimal_string(self.0),
        };
    }

    /// The text as `Decimal`'s `Display` spells it: sign, integer digits (at least one) and
    /// exactly `scale` fractional digits, written backwards from the end of `buffer`.
    fn text(self, buffer: &mut [u8; 64]) -> Option<&str> {
        let scale = self.0.scale();
        // Amounts past `u64` (over 10^17 cents) are left to `Display`: `u128` division is a
        // library call per digit.
        let mut magnitude = u64::try_from(self.0.mantissa().unsigned_abs()).ok()?;
        let mut at = buffer.len();
        let mut put = |at: &mut usize, byte: u8| -> Option<()> {
            *at = at.checked_sub(1)?;
            *buffer.get_mut(*at)? = byte;
            Some(())
        };
        for _ in 0..scale {
            put(&mut at, b'0' + u8::try_from(magnitude % 10).ok()?)?;
            magnitude /= 10;
        }
        if scale > 0 {
            put(&mut at, b'.')?;
        }
        // At least one integer digit: `0.05`.
        loop {
            put(&mut at, b'0' + u8::try_from(magnitude % 10).ok()?)?;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        if self.0.is_sign_negative() {
            put(&mut at, b'-')?;
        }
        std::str::from_utf8(buffer.get(at..)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(money: Money) -> String {
        let mut out = Writer::default();
        money.write(&mut out);
        String::from_utf8(out.finish()).unwrap()
    }

    #[test]
    fn money_is_written_as_decimal_display_writes_it() {
        let usd = Currency::from_code("USD").unwrap();
        let texts = ["0", "-0.00", "0.05", "-10", "490.5", "1000000000000000", "-0.01", "123.45"];
        let texts = texts.into_iter().chain(["184467440737095516.15", "-184467440737095516.16"]);
        for text in texts {
            let amount: Decimal = text.parse().unwrap();
            let written = written(Money::new(usd, amount));
            assert_eq!(written, format!("\"{}\"", usd.format(amount)), "{text}");
        }
        let fine = Decimal::from_i128_with_scale(-79_228_162_514_264_337_593_543_950_335, 28);
        let whole = Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_335, 0);
        for amount in [fine, whole, Decimal::ZERO] {
            let written = written(Money(amount));
            assert_eq!(written, format!("\"{amount}\""));
        }
    }
}
