//! A JSON writer for the answers on a write's hot path: the caller lays out the document with
//! literal fragments (keys, punctuation) in the vendor's field order and the writer adds the
//! values, escaped. It does what serde's derive does for a fixed shape without walking a
//! serializer per field or formatting values through `String`s.
//!
//! Structure is the caller's responsibility; [`Writer::finish`] only returns the bytes. Every
//! hand-written answer must be pinned by a test that parses it and compares it with the
//! documented shape (the snapshot and spec tests do this for every vendor).

use std::io::Write as _;

use rust_decimal::Decimal;

/// A growing JSON document.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty document with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Writer {
        Writer { buf: Vec::with_capacity(capacity) }
    }

    /// Appends `fragment` as is: keys, colons, commas, braces (`{"hasError":false,"data":{`).
    pub fn raw(&mut self, fragment: &str) -> &mut Writer {
        self.buf.extend_from_slice(fragment.as_bytes());
        self
    }

    /// Appends `fragment`, the bytes of a text built on the stack (a date-time and its quotes),
    /// as [`Writer::raw`] does, without proving them UTF-8 again.
    pub fn text(&mut self, fragment: &[u8]) -> &mut Writer {
        self.buf.extend_from_slice(fragment);
        self
    }

    /// Appends `text` as a JSON string, quoted and escaped.
    pub fn string(&mut self, text: &str) -> &mut Writer {
        self.buf.push(b'"');
        let bytes = text.as_bytes();
        // Most texts need no escape (codes, references, names): copied whole.
        if bytes.iter().all(|&byte| byte >= 0x20 && byte != b'"' && byte != b'\\') {
            self.buf.extend_from_slice(bytes);
            self.buf.push(b'"');
            return self;
        }
        let mut start = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            let escaped: &[u8] = match byte {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0x00..=0x1f => b"",
                _ => continue,
            };
            self.buf.extend_from_slice(&bytes[start..at]);
            if escaped.is_empty() {
                let _ = write!(self.buf, "\\u{byte:04x}");
            } else {
                self.buf.extend_from_slice(escaped);
            }
            start = at + 1;
        }
        self.buf.extend_from_slice(&bytes[start..]);
        self.buf.push(b'"');
        self
    }

    /// Appends `text` as a JSON string, or `null` when absent.
    pub fn string_or_null(&mut self, text: Option<&str>) -> &mut Writer {
        match text {
            Some(text) => self.string(text),
            None => self.raw("null"),
        }
    }

    /// Appends `value`'s decimal digits, zero-padded to at least `width`, without a formatter.
    pub fn uint(&mut self, value: u64, width: usize) -> &mut Writer {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(value);
        self.buf.resize(self.buf.len() + width.saturating_sub(digits.len()), b'0');
        self.raw(digits)
    }

    /// Appends the number of `mantissa` × 10^−`scale`, negated when `negative` and not zero,
    /// as `Decimal`'s `Display` writes it (`0.05`, `-12.50`, `7`), without a formatter.
    pub fn fixed(&mut self, negative: bool, mantissa: u64, scale: u32) -> &mut Writer {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(mantissa).as_bytes();
        if negative && mantissa != 0 {
            self.buf.push(b'-');
        }
        let scale = usize::try_from(scale).unwrap_or(usize::MAX);
        if scale == 0 {
            self.buf.extend_from_slice(digits);
        } else if digits.len() > scale {
            let (int, fraction) = digits.split_at(digits.len() - scale);
            self.buf.extend_from_slice(int);
            self.buf.push(b'.');
            self.buf.extend_from_slice(fraction);
        } else {
            self.buf.extend_from_slice(b"0.");
            self.buf.resize(self.buf.len() + scale - digits.len(), b'0');
            self.buf.extend_from_slice(digits);
        }
        self
    }

    /// Appends `amount` as a JSON number with exactly its digits (`100.00` stays `100.00`).
    pub fn decimal(&mut self, amount: Decimal) -> &mut Writer {
        let _ = write!(self.buf, "{amount}");
        self
    }

    /// Appends `amount` as a JSON string with exactly its digits (`"100.00"`).
    pub fn decimal_string(&mut self, amount: Decimal) -> &mut Writer {
        let _ = write!(self.buf, "\"{amount}\"");
        self
    }

    /// Appends an integer (or any value whose `Display` is a JSON number or literal).
    pub fn display(&mut self, value: impl std::fmt::Display) -> &mut Writer {
        let _ = write!(self.buf, "{value}");
        self
    }

    /// Appends `value`'s `Display` as a JSON string, for text that needs no escaping (dates,
    /// UUIDs, codes we generate).
    pub fn display_string(&mut self, value: impl std::fmt::Display) -> &mut Writer {
        let _ = write!(self.buf, "\"{value}\"");
        self
    }

    /// Appends `true` or `false`.
    pub fn bool(&mut self, value: bool) -> &mut Writer {
        self.raw(if value { "true" } else { "false" })
    }

    /// The document's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let mut w = Writer::with_capacity(64);
        w.raw(r#"{"a":"#)
            .string("x\"\\\n\u{1}\u{8}\u{c}é")
            .raw(r#","b":"#)
            .decimal(Decimal::new(10000, 2));
        w.raw(r#","c":"#).decimal_string(Decimal::new(-5, 1)).raw(r#","d":"#).display(42);
        w.raw(r#","e":"#).bool(true).raw(r#","f":"#).string_or_null(None).raw("}");
        let text = String::from_utf8(w.finish()).unwrap();
        assert_eq!(
            text,
            r#"{"a":"x\"\\\n\u0001\b\fé","b":100.00,"c":"-0.5","d":42,"e":true,"f":null}"#
        );
    }

    proptest! {
        /// Integers and fixed-point amounts written without a formatter are what `format!`
        /// and `Decimal`'s `Display` write.
        #[test]
        fn digits_are_written_as_the_formatters_write_them(
            value in any::<u64>(),
            width in 0_usize..24,
            mantissa in prop_oneof![any::<u64>(), 0_u64..1000],
            scale in 0_u32..=28,
            negative in any::<bool>(),
        ) {
            let written = |write: &dyn Fn(&mut Writer)| {
                let mut w = Writer::default();
                write(&mut w);
                String::from_utf8(w.finish()).unwrap()
            };
            prop_assert_eq!(written(&|w| { w.uint(value, width); }), format!("{value:0width$}"));
            let mut amount = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
            amount.set_sign_negative(negative);
            prop_assert_eq!(written(&|w| { w.fixed(negative, mantissa, scale); }), amount.to_string());
        }

        #[test]
        fn any_string_is_written_byte_for_byte_as_serde_json_writes_it(text in any::<String>()) {
            let mut w = Writer::default();
            w.string(&text);
            prop_assert_eq!(String::from_utf8(w.finish()).unwrap(), serde_json::to_string(&text).unwrap());
        }
    }
}
