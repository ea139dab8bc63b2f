//! A walk over JSON text reading an object's members into a wire struct's `Field`s without
//! serde's visitor and raw-value capture per member: for the bodies of the hottest writes. A
//! walk that meets something it does not expect (a key with an escape, a shape it does not
//! read) gives up, and the caller hands the body to serde, so both read every body alike; each
//! caller pins that with a property test against its serde derive.
//!
//! Two kinds of walk. [`Scan::new`] walks text that already passed the strict check
//! ([`super::check`]). [`Scan::unchecked`] walks a body nobody checked yet, and is itself as
//! strict as the check on what it accepts: grammar, UTF-8, no repeated member (the caller names
//! each member it reads, see [`Scan::members`]); it gives up on anything it cannot prove in one
//! pass (an escape, a member the caller does not read, a nested value it is not asked to read),
//! so a common body is read once instead of checked and then read, and any other body takes
//! the checked path with its exact errors.

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

/// A position in JSON text.
pub struct Scan<'a> {
    text: &'a str,
    at: usize,
    /// Whether the text passed the strict check; if not, the walk proves what it reads.
    checked: bool,
}

impl<'a> Scan<'a> {
    /// A walk from the start of `text`, which passed the strict check.
    pub fn new(text: &'a str) -> Scan<'a> {
        Scan { text, at: 0, checked: true }
    }

    /// A walk from the start of a body nobody checked; `None` when it is not UTF-8.
    pub fn unchecked(body: &'a [u8]) -> Option<Scan<'a>> {
        let text = std::str::from_utf8(body).ok()?;
        Some(Scan { text, at: 0, checked: false })
    }

    /// Whether only whitespace is left.
    pub fn finished(&mut self) -> bool {
        self.whitespace();
        self.at == self.text.len()
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn whitespace(&mut self) {
        let bytes = self.text.as_bytes();
        while bytes.get(self.at).is_some_and(|&byte| is_whitespace(byte)) {
            self.at += 1;
        }
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
        self.members(|scan, key| member(scan, key).map(|()| 0))
    }

    /// Walks an object's members as [`Scan::object`] does; `member` answers which of the
    /// members it reads this one was, as a flag of one bit (0 for a member it only skipped,
    /// which only checked text allows). A flag seen twice is a repeated key: the walk gives up.
    pub fn members(
        &mut self,
        mut member: impl FnMut(&mut Scan<'a>, &'a str) -> Option<u64>,
    ) -> Option<()> {
        let mut seen = 0_u64;
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
            let flag = member(self, key)?;
            if seen & flag != 0 || (flag == 0 && !self.checked) {
                return None;
            }
            seen |= flag;
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
            // Unchecked text: a control character, or an escape the walk does not prove.
            if !self.checked {
                return None;
            }
            escaped = true;
            at += 2;
        }
        self.at = at + 1;
        Some((self.text.get(start..at)?, escaped))
    }

    /// Moves past the value starting here (after whitespace); checked text only.
    pub fn value(&mut self) -> Option<()> {
        if !self.checked {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => self.nested(),
            _ => self.scalar().map(|_| ()),
        }
    }

    /// The number or literal starting here, as its text: a JSON number or `true`, `false`,
    /// `null`, ended by a delimiter, whitespace or the end of the text.
    pub fn scalar(&mut self) -> Option<&'a str> {
        let start = self.at;
        let rest = self.text.as_bytes().get(start..)?;
        let len = match rest.first()? {
            b't' => literal_len(rest, b"true"),
            b'f' => literal_len(rest, b"false"),
            b'n' => literal_len(rest, b"null"),
            _ => number_len(rest),
        };
        match rest.get(len) {
            _ if len == 0 => None,
            None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') => {
                self.at += len;
                self.text.get(start..self.at)
            }
            Some(_) => None,
        }
    }

    /// Moves past the object or array starting here; checked text only.
    pub fn nested(&mut self) -> Option<()> {
        if !self.checked {
            return None;
        }
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
            b'{' | b'[' if self.checked => {
                let array = self.byte()? == b'[';
                self.nested()?;
                if array { Field::Array } else { Field::Object }
            }
            b'{' | b'[' => return None,
            // In unchecked text too: a scalar is a number or exactly one of the literals.
            b'n' => self.scalar().map(|_| Field::Null)?,
            b't' => self.scalar().map(|_| Field::Bool(true))?,
            b'f' => self.scalar().map(|_| Field::Bool(false))?,
            _ => Field::Number(self.scalar()?),
        })
    }
}

/// The length of `word` when `text` starts with it, else 0.
fn literal_len(text: &[u8], word: &[u8]) -> usize {
    if text.starts_with(word) { word.len() } else { 0 }
}

/// The length of the JSON number `text` starts with,
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, or 0 when it starts with none.
fn number_len(text: &[u8]) -> usize {
    let digits = |from: usize| {
        let mut end = from;
        while text.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        end - from
    };
    let mut at = usize::from(text.first() == Some(&b'-'));
    let int = match text.get(at) {
        Some(b'0') => 1,
        Some(b'1'..=b'9') => digits(at),
        _ => return 0,
    };
    at += int;
    if text.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 {
            return 0;
        }
        at += 1 + fraction;
    }
    if let Some(b'e' | b'E') = text.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = text.get(at) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return 0;
        }
        at += exponent;
    }
    at
}

/// Bodies for the property tests that pin an unchecked walk against the checked path: values
/// of every shape, valid or nearly so, and bodies edited byte by byte.
#[cfg(test)]
pub(crate) mod testing {
    use proptest::prelude::*;

    /// A member's value: plain strings (some not ASCII), numbers in every shape (some not JSON),
    /// literals (some misspelt), escapes, control characters and nesting (some too deep).
    pub(crate) fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z0-9 ,:{}\\[\\]é€]{0,10}".prop_map(|text| format!("\"{text}\"")),
            4 => "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
            1 => "[-+]?[0-9]{0,3}\\.?[0-9]{0,2}[eE]?[-+]?[0-9]{0,2}",
            1 => prop::sample::select(vec!["true", "false", "null", "tru", "nul", "nulll", "True",
                "NaN", "-", "01", "1.", ".5", "1e", "-0", "0e0"]).prop_map(str::to_string),
            1 => prop::sample::select(vec![r#""a\"b""#, r#""\u00e9""#, r#""\ud800""#, r#""\x""#,
                "\"tab\there\"", "\"a\u{1}\"", r#""\\""#]).prop_map(str::to_string),
            1 => prop::sample::select(vec!["{}", "[]", r#"{"a": 1, "a": 2}"#, r#"[1, {"b": "]"}]"#])
                .prop_map(str::to_string),
            1 => (1_usize..140).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        ]
    }

    /// One edit of a body's bytes.
    #[derive(Debug, Clone)]
    pub(crate) enum Edit {
        Delete(usize),
        Insert(usize, u8),
        Replace(usize, u8),
        /// The bytes from one place to another written again there (a member twice...).
        Repeat(usize, usize),
    }

    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            prop::sample::select(b"\"\\,:{}[] \t\n\r0-.eE+tfnu/\x00\x1f\x7f".to_vec()),
            Just(0xC3_u8),
            Just(0xFF_u8),
            Just(0xEF_u8),
            any::<u8>(),
        ]
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            any::<usize>().prop_map(Edit::Delete),
            (any::<usize>(), byte()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
            (any::<usize>(), byte()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
            (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Edit::Repeat(from, to)),
        ]
    }

    /// `body` after each of `edits` in turn (positions taken modulo the length).
    pub(crate) fn edited(body: &str, edits: &[Edit]) -> Vec<u8> {
        let mut bytes = body.as_bytes().to_vec();
        for edit in edits {
            let len = bytes.len();
            match *edit {
                Edit::Delete(at) if len > 0 => {
                    bytes.remove(at % len);
                }
                Edit::Insert(at, byte) => bytes.insert(at % (len + 1), byte),
                Edit::Replace(at, byte) if len > 0 => bytes[at % len] = byte,
                Edit::Repeat(from, to) if len > 0 => {
                    let (from, to) = (from % len, to % len);
                    let (from, to) = (from.min(to), from.max(to));
                    let again = bytes[from..to].to_vec();
                    bytes.splice(to..to, again);
                }
                _ => {}
            }
        }
        bytes
    }

    /// Up to three edits, or none (the body as generated) a third of the time.
    pub(crate) fn edits() -> impl Strategy<Value = Vec<Edit>> {
        prop_oneof![1 => Just(Vec::new()), 2 => prop::collection::vec(edit(), 1..4)]
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
