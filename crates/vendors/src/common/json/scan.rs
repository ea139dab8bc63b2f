//! A walk over JSON text that already passed the strict check ([`super::check`]), reading an
//! object's members into a wire struct's `Field`s without serde's visitor and raw-value capture
//! per member: for the bodies of the hottest writes. A walk that meets something it does not
//! expect (a key with an escape, a shape it does not read) gives up, and the caller hands the
//! body to serde, so both read every body alike; each caller pins that with a property test
//! against its serde derive.

use std::borrow::Cow;

use super::Field;

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Where the first `"` or `\\` is in `bytes`, a string's rest in checked text (which has no
/// control character inside a string, so the strict check's own search finds it).
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let len = super::strict::plain_len(bytes);
    (len < bytes.len()).then_some(len)
}

/// A position in checked JSON text.
pub struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    /// A walk from the start of `text`.
    pub fn new(text: &'a str) -> Scan<'a> {
        Scan { text, at: 0 }
    }

    /// Whether only whitespace is left.
    pub fn finished(&mut self) -> bool {
        self.whitespace();
        self.at == self.text.len()
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Moves on while `keep` holds, to the end of the text at most.
    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = self.text.as_bytes().get(self.at..).unwrap_or_default();
        self.at += rest.iter().position(|&byte| !keep(byte)).unwrap_or(rest.len());
    }

    fn whitespace(&mut self) {
        self.skip_while(is_whitespace);
    }

    /// The next byte after whitespace, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        self.whitespace();
        self.byte()
    }

    /// Consumes `byte` after whitespace, or gives up.
    pub fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Walks an object's members, handing each key (with no escape in it) to `member`, which
    /// reads its value.
    pub fn object(
        &mut self,
        mut member: impl FnMut(&mut Scan<'a>, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let (key, escaped) = self.string()?;
            if escaped {
                return None;
            }
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The string starting here: its text between the quotes, and whether it has an escape.
    pub fn string(&mut self) -> Option<(&'a str, bool)> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            at += quote_or_backslash(bytes.get(at..)?)?;
            if bytes.get(at)? == &b'"' {
                break;
            }
            escaped = true;
            at += 2;
        }
        self.at = at + 1;
        Some((self.text.get(start..at)?, escaped))
    }

    /// Moves past the value starting here (after whitespace).
    pub fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => self.nested(),
            _ => self.scalar().map(|_| ()),
        }
    }

    /// The number or literal starting here, as its text.
    pub fn scalar(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.skip_while(|byte| !matches!(byte, b',' | b'}' | b']') && !is_whitespace(byte));
        self.text.get(start..self.at)
    }

    /// Moves past the object or array starting here.
    pub fn nested(&mut self) -> Option<()> {
        let mut depth = 0_usize;
        loop {
            match self.byte()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
    }

    /// The value starting here as a [`Field`] (`null` is [`Field::Null`]); a string's escapes
    /// decoded as serde decodes them.
    pub fn field(&mut self) -> Option<Field<'a>> {
        let start = self.at;
        Some(match self.peek()? {
            b'"' => match self.string()? {
                (text, false) => Field::String(Cow::Borrowed(text)),
                (_, true) => Field::String(Cow::Owned(
                    serde_json::from_str(self.text.get(start..self.at)?.trim_start()).ok()?,
                )),
            },
            b'{' | b'[' => {
                let array = self.byte()? == b'[';
                self.nested()?;
                if array { Field::Array } else { Field::Object }
            }
            b'n' => self.scalar().map(|_| Field::Null)?,
            b't' => self.scalar().map(|_| Field::Bool(true))?,
            b'f' => self.scalar().map(|_| Field::Bool(false))?,
            _ => Field::Number(self.scalar()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The word-at-a-time search finds what a byte-by-byte search finds: the first byte a
        /// string cannot hold as itself (a quote, a backslash, a control character).
        #[test]
        fn the_word_search_finds_the_first_byte_a_string_does_not_hold_as_itself(
            bytes in prop::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(0_u8), Just(0x1f_u8), Just(0x20_u8),
                    Just(0x80_u8), any::<u8>()],
                0..40,
            ),
            start in 0_usize..8,
        ) {
            let bytes = bytes.get(start..).unwrap_or_default();
            let expected =
                bytes.iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20);
            prop_assert_eq!(quote_or_backslash(bytes), expected);
        }
    }

    #[test]
    fn fields_read_as_serde_reads_them() {
        let text = r#"{"a": "x\"y", "b": [1, {"c": "]"}], "c": null, "d": -1.50e3, "e": true}"#;
        let mut read = Vec::new();
        let mut scan = Scan::new(text);
        scan.object(|scan, key| {
            read.push((key, scan.field()?));
            Some(())
        })
        .unwrap();
        assert!(scan.finished());
        assert_eq!(read[0], ("a", Field::String(Cow::Owned("x\"y".into()))));
        assert_eq!(read[1].1, Field::Array);
        assert_eq!(read[2].1, Field::Null);
        assert_eq!(read[3].1, Field::Number("-1.50e3"));
        assert_eq!(read[4].1, Field::Bool(true));
        assert!(Scan::new(r#"{"k\u0041": 1}"#).object(|scan, _| scan.value()).is_none());
    }
}
