//! Strict JSON (RFC 8259, UTF-8): one pass over a request body that refuses what serde lets
//! through when a vendor reads the body into its wire struct — a key repeated in an object
//! (a `Value` keeps the last; a wire struct refuses only a repeat of one of its own fields),
//! invalid UTF-8 or a lone surrogate escape in a field nobody reads (serde skips unknown fields
//! without checking their strings) — as well as anything else that is not one JSON text.
//!
//! Hand-written rather than a second serde pass: it only needs to decode the keys that have
//! escapes, so it costs a fraction of reading the body into a `Value`.

use std::borrow::Cow;
use std::fmt;

use smallvec::SmallVec;

/// The deepest nesting of arrays and objects accepted: serde_json's recursion limit, so a body
/// this check accepts never fails serde for its depth.
pub const DEPTH_MAX: usize = 127;

/// How many characters of a repeated key a [`JsonProblem`] shows.
const KEY_CHARS_SHOWN_MAX: usize = 64;

/// Room on the stack for the keys of the open objects of any documented body, so a check of one
/// allocates nothing; a larger body spills to the heap.
const KEYS_PREALLOCATED: usize = 32;

/// Objects up to this many keys are searched for a repeat pair by pair; larger ones are sorted,
/// so a body of thousands of keys costs `n log n`, not `n²`.
const KEYS_PAIRWISE_MAX: usize = 16;

/// Why a body is not one strict JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// The bytes from here are not UTF-8.
    NotUtf8 {
        /// Byte offset of the first byte that is not.
        at: usize,
    },
    /// A UTF-8 byte order mark before the value (RFC 8259 §8.1: senders must not add one).
    ByteOrderMark,
    /// Not JSON grammar.
    Syntax {
        /// Byte offset of the first byte that does not fit.
        at: usize,
        /// What would have fit there ("a value", "',' or '}'").
        expected: &'static str,
    },
    /// A backslash escape that JSON does not have (`\x`, `\u12G4`).
    InvalidEscape {
        /// Byte offset of its backslash.
        at: usize,
    },
    /// A `\uD800`–`\uDFFF` escape that is not half of a surrogate pair.
    LoneSurrogate {
        /// Byte offset of its backslash.
        at: usize,
    },
    /// A byte below 0x20 inside a string, where JSON requires an escape.
    ControlCharacter {
        /// Byte offset of the byte.
        at: usize,
    },
    /// A key that one object holds twice.
    DuplicateKey {
        /// The key as decoded (`"a"` and `"\u0061"` are the same key).
        key: String,
    },
    /// An array or object nested deeper than [`DEPTH_MAX`].
    TooDeep {
        /// Byte offset of the bracket or brace one level too deep.
        at: usize,
    },
    /// Something other than whitespace after the value.
    TrailingCharacters {
        /// Byte offset of the first such byte.
        at: usize,
    },
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonProblem::NotUtf8 { at } => write!(f, "invalid UTF-8 at byte {at}"),
            JsonProblem::ByteOrderMark => f.write_str("a byte order mark before the value"),
            JsonProblem::Syntax { at, expected } => write!(f, "expected {expected} at byte {at}"),
            JsonProblem::InvalidEscape { at } => write!(f, "invalid escape at byte {at}"),
            JsonProblem::LoneSurrogate { at } => {
                write!(f, "lone surrogate escape (unpaired \\uD800-\\uDFFF) at byte {at}")
            }
            JsonProblem::ControlCharacter { at } => {
                write!(f, "unescaped control character in a string at byte {at}")
            }
            // Escaped to ASCII: the text becomes the reason header, which allows nothing else.
            JsonProblem::DuplicateKey { key } => {
                let shown: String =
                    key.chars().take(KEY_CHARS_SHOWN_MAX).flat_map(char::escape_default).collect();
                let more = if key.chars().count() > KEY_CHARS_SHOWN_MAX { "..." } else { "" };
                write!(f, "duplicate key \"{shown}{more}\"")
            }
            JsonProblem::TooDeep { at } => {
                write!(f, "nested deeper than {DEPTH_MAX} levels at byte {at}")
            }
            JsonProblem::TrailingCharacters { at } => {
                write!(f, "trailing characters after the value at byte {at}")
            }
        }
    }
}

impl std::error::Error for JsonProblem {}

/// Checks that `body` is exactly one JSON text: UTF-8 throughout, RFC 8259 grammar (no
/// comments, `NaN`, leading zeros, trailing commas or byte order mark), every escape valid and
/// every surrogate escape paired, no object with a key twice, nesting at most [`DEPTH_MAX`].
/// Any value is accepted at the top; vendors refuse non-objects in their own words.
///
/// Returns the body as text: proven UTF-8, it is read by `serde_json::from_str`, which then
/// spares checking each string again.
pub fn check(body: &[u8]) -> Result<&str, JsonProblem> {
    if body.starts_with(b"\xEF\xBB\xBF") {
        return Err(JsonProblem::ByteOrderMark);
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(err) => return Err(JsonProblem::NotUtf8 { at: err.valid_up_to() }),
    };
    let mut scanner = Scanner { bytes: body, at: 0, keys: SmallVec::new() };
    scanner.value(0)?;
    scanner.skip_whitespace();
    if scanner.at < body.len() {
        return Err(JsonProblem::TrailingCharacters { at: scanner.at });
    }
    Ok(text)
}

/// A cursor over a body already known to be UTF-8.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The keys of every object still open, innermost last, as decoded UTF-8; each object
    /// truncates back to where its own began when it closes, so one vector serves the body.
    keys: SmallVec<[Cow<'a, [u8]>; KEYS_PREALLOCATED]>,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn syntax(&self, expected: &'static str) -> JsonProblem {
        JsonProblem::Syntax { at: self.at, expected }
    }

    /// One value after optional whitespace; `depth` is how many arrays and objects enclose it.
    fn value(&mut self, depth: usize) -> Result<(), JsonProblem> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(drop),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.syntax("a value")),
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<(), JsonProblem> {
        if self.bytes.get(self.at..).unwrap_or_default().starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.syntax(word))
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), JsonProblem> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                    return Err(self.syntax("no leading zero"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.required_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.required_digits()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), JsonProblem> {
        if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            return Err(self.syntax("a digit"));
        }
        self.digits();
        Ok(())
    }

    /// A string starting at its opening quote; whether it has any escape. The cursor ends
    /// past the closing quote.
    fn string(&mut self) -> Result<bool, JsonProblem> {
        self.at += 1;
        let mut escaped = false;
        loop {
            self.skip_plain();
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(_) => return Err(JsonProblem::ControlCharacter { at: self.at }),
                None => return Err(self.syntax("a closing quote")),
            }
        }
        self.at += 1;
        Ok(escaped)
    }

    /// Moves past bytes that stand for themselves in a string (not `"`, `\\` or a control),
    /// eight at a time while it can: string bytes are most of a body.
    fn skip_plain(&mut self) {
        self.at += plain_len(self.bytes.get(self.at..).unwrap_or_default());
    }

    /// One escape starting at its backslash; a high surrogate must be followed by a low one.
    fn escape(&mut self) -> Result<(), JsonProblem> {
        let start = self.at;
        self.at += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.at += 1;
                Ok(())
            }
            Some(b'u') => {
                self.at += 1;
                let unit = self.hex4(start)?;
                match unit {
                    0xD800..=0xDBFF => {
                        let low_start = self.at;
                        if !self.bytes.get(self.at..).unwrap_or_default().starts_with(b"\\u") {
                            return Err(JsonProblem::LoneSurrogate { at: start });
                        }
                        self.at += 2;
                        match self.hex4(low_start)? {
                            0xDC00..=0xDFFF => Ok(()),
                            _ => Err(JsonProblem::LoneSurrogate { at: start }),
                        }
                    }
                    0xDC00..=0xDFFF => Err(JsonProblem::LoneSurrogate { at: start }),
                    _ => Ok(()),
                }
            }
            _ => Err(JsonProblem::InvalidEscape { at: start }),
        }
    }

    /// Four hex digits of a `\u` escape that began at `start`.
    fn hex4(&mut self, start: usize) -> Result<u16, JsonProblem> {
        let invalid = JsonProblem::InvalidEscape { at: start };
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(invalid.clone())?;
        let mut unit: u16 = 0;
        for &byte in digits {
            let digit = char::from(byte).to_digit(16).ok_or(invalid.clone())?;
            unit = unit << 4 | digit as u16;
        }
        self.at += 4;
        Ok(unit)
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonProblem> {
        if depth > DEPTH_MAX {
            return Err(JsonProblem::TooDeep { at: self.at });
        }
        self.at += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonProblem> {
        if depth > DEPTH_MAX {
            return Err(JsonProblem::TooDeep { at: self.at });
        }
        self.at += 1;
        let first_key = self.keys.len();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.syntax("a string key"));
            }
            let key = self.key()?;
            self.keys.push(key);
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.syntax("':'"));
            }
            self.at += 1;
            self.value(depth)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(self.syntax("',' or '}'")),
            }
        }
        let res = match first_duplicate(&mut self.keys[first_key..]) {
            Some(key) => {
                Err(JsonProblem::DuplicateKey { key: String::from_utf8_lossy(&key).into_owned() })
            }
            None => Ok(()),
        };
        self.keys.truncate(first_key);
        res
    }

    /// A key, decoded: borrowed unless it has escapes.
    fn key(&mut self) -> Result<Cow<'a, [u8]>, JsonProblem> {
        let start = self.at;
        let escaped = self.string()?;
        if !escaped {
            // `string` moved the cursor past two quotes at least.
            return Ok(Cow::Borrowed(self.bytes.get(start + 1..self.at - 1).unwrap_or_default()));
        }
        // The escapes were just checked, so serde decodes them without error.
        let quoted = self.bytes.get(start..self.at).unwrap_or_default();
        serde_json::from_slice::<String>(quoted)
            .map(|key| Cow::Owned(key.into_bytes()))
            .map_err(|_| JsonProblem::InvalidEscape { at: start })
    }
}

/// How many bytes at the start of `bytes` stand for themselves in a JSON string (not `"`, `\\`
/// or a control character), looked for eight bytes at a time: string bytes are most of a body.
pub(super) fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `word` below `bound` (at most 0x80) is set in the result:
    // the classic "has a zero byte" trick on the word minus `bound` in every byte. A borrow can
    // also mark a byte after a true one, so only the lowest mark is exact.
    let below = |word: u64, bound: u8| word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGHS;
    let equal = |word: u64, byte: u8| below(word ^ (ONES * u64::from(byte)), 1);
    let mut chunks = bytes.chunks_exact(8);
    let mut len = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let marks = below(word, 0x20) | equal(word, b'"') | equal(word, b'\\');
        if marks != 0 {
            // Little-endian: the lowest mark is the first such byte.
            return len + (marks.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    let rest = chunks.remainder();
    len + rest.iter().take_while(|&&byte| byte != b'"' && byte != b'\\' && byte >= 0x20).count()
}

/// A key that `keys` holds twice, if any (reorders `keys`).
fn first_duplicate<'a>(keys: &mut [Cow<'a, [u8]>]) -> Option<Cow<'a, [u8]>> {
    if keys.len() <= KEYS_PAIRWISE_MAX {
        for (idx, key) in keys.iter().enumerate() {
            if keys[idx + 1..].contains(key) {
                return Some(key.clone());
            }
        }
        return None;
    }
    keys.sort_unstable();
    keys.windows(2).find(|pair| pair[0] == pair[1]).map(|pair| pair[0].clone())
}

#[cfg(test)]
mod tests;
