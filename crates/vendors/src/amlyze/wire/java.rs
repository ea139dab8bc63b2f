//! Jackson's default coercions for AMLYZE's scalar properties, each read from one body field as
//! sent ([`Field`], borrowed from the body): a `String` takes a JSON string, number or boolean
//! (as its text); a `BigDecimal` takes a JSON number or a numeric string; a date-time takes ISO
//! 8601 text; a blank string is `null` for numbers and date-times.
//!
//! Anything else fails while the body is read, not later in `parse`: Jackson refuses the whole
//! body (Spring's default `400 Bad Request`) before any property is validated, so a wrong type
//! in the last property, or in the last item of a batch, wins over every business rejection.
//! Failing inside deserialization also keeps serde's message with its line and column, which is
//! the reason these answers have always carried.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, Unexpected};
use serde_json::value::RawValue;

use super::datetime::{self, DateTime};
use crate::amlyze::parse::decimal::{DecimalProblem, big_decimal};
use crate::common::json::Field;

/// One property as sent, with a boolean's value (which [`Field`] does not keep). This is
/// `Field`'s own classification of the property's raw text, done here so that a boolean keeps
/// its value and the text is not parsed a second time.
fn read<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<(Field<'de>, Option<bool>), D::Error> {
    let raw = <&'de RawValue>::deserialize(deserializer)?;
    let text = raw.get();
    let field = match text.as_bytes().first() {
        Some(b'"') => match text.get(1..text.len() - 1) {
            // A byte loop: most properties are a few bytes long, shorter than `memchr` pays off.
            Some(inner) if !inner.bytes().any(|b| b == b'\\') => Field::String(Cow::Borrowed(inner)),
            _ => Field::String(Cow::Owned(serde_json::from_str(text).map_err(D::Error::custom)?)),
        },
        Some(b't') => return Ok((Field::Bool, Some(true))),
        Some(b'f') => return Ok((Field::Bool, Some(false))),
        Some(b'n') => Field::Null,
        Some(b'[') => Field::Array,
        Some(b'{') => Field::Object,
        _ => Field::Number(text),
    };
    Ok((field, None))
}

/// What serde's messages call a field of this type.
fn unexpected<'a>(field: &'a Field<'_>, flag: Option<bool>) -> Unexpected<'a> {
    match field {
        Field::Null => Unexpected::Unit,
        Field::Bool => Unexpected::Bool(flag.unwrap_or_default()),
        Field::Number(_) => Unexpected::Other("number"),
        Field::String(text) => Unexpected::Str(text),
        Field::Array => Unexpected::Seq,
        Field::Object => Unexpected::Map,
    }
}

/// `text` without surrounding whitespace, still borrowed from the body when it was.
fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
        Cow::Owned(text) => Cow::Owned(text.trim().to_string()),
    }
}

/// A Java `String` property: a JSON string, or a number or boolean taken as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JavaString<'a>(pub(crate) Cow<'a, str>);

impl JavaString<'_> {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JavaString<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JavaString<'a>, D::Error> {
        let (field, flag) = read(deserializer)?;
        match field {
            Field::String(text) => Ok(JavaString(text)),
            Field::Number(text) => Ok(JavaString(Cow::Borrowed(text))),
            Field::Bool => Ok(JavaString(Cow::Borrowed(if flag == Some(true) {
                "true"
            } else {
                "false"
            }))),
            Field::Null => Ok(JavaString(Cow::Borrowed(""))),
            Field::Array | Field::Object => {
                Err(D::Error::invalid_type(unexpected(&field, flag), &"a string"))
            }
        }
    }
}

/// A Java `BigDecimal` property, read exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JavaDecimal {
    /// A blank string: Jackson reads it as `null`.
    Blank,
    /// The exact value.
    Exact(Decimal),
    /// A valid number that no exact 28-digit decimal holds.
    OutOfRange,
}

impl<'de> Deserialize<'de> for JavaDecimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JavaDecimal, D::Error> {
        let expected = &"a decimal number";
        let (field, flag) = read(deserializer)?;
        let (text, trimmed) = match &field {
            Field::Number(text) => (*text, *text),
            Field::String(text) => (&**text, text.trim()),
            Field::Null => return Ok(JavaDecimal::Blank),
            Field::Bool | Field::Array | Field::Object => {
                return Err(D::Error::invalid_type(unexpected(&field, flag), expected));
            }
        };
        if trimmed.is_empty() {
            return Ok(JavaDecimal::Blank);
        }
        match big_decimal(trimmed) {
            Ok(value) => Ok(JavaDecimal::Exact(value)),
            Err(DecimalProblem::OutOfRange) => Ok(JavaDecimal::OutOfRange),
            Err(DecimalProblem::NotANumber) => {
                Err(D::Error::invalid_value(Unexpected::Str(text), expected))
            }
        }
    }
}

/// A Java date-time property (`balanceAt`, `openingDate`…), parsed and kept with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JavaDateTime<'a> {
    /// A blank string: Jackson reads it as `null`.
    Blank,
    /// The instant and the text it was read from.
    At {
        /// The instant.
        at: DateTime,
        /// The text as sent (trimmed).
        text: Cow<'a, str>,
    },
}

impl<'de: 'a, 'a> Deserialize<'de> for JavaDateTime<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JavaDateTime<'a>, D::Error> {
        let expected = &"an ISO 8601 date-time (yyyy-MM-ddTHH:mm[:ss[.SSS]][Z|+hh:mm])";
        let (field, flag) = read(deserializer)?;
        let text = match field {
            Field::String(text) => text,
            Field::Null => return Ok(JavaDateTime::Blank),
            Field::Number(_) | Field::Bool | Field::Array | Field::Object => {
                return Err(D::Error::invalid_type(unexpected(&field, flag), expected));
            }
        };
        if text.trim().is_empty() {
            return Ok(JavaDateTime::Blank);
        }
        match datetime::parse(text.trim()) {
            Some(at) => Ok(JavaDateTime::At { at, text: trimmed(text) }),
            None => Err(D::Error::invalid_value(Unexpected::Str(&text), expected)),
        }
    }
}

/// A Java `Boolean` property: a JSON boolean, `"true"`/`"false"` in any case, or 0/1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JavaBoolean(pub(crate) Option<bool>);

impl<'de> Deserialize<'de> for JavaBoolean {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JavaBoolean, D::Error> {
        let expected = &"a boolean";
        let (field, flag) = read(deserializer)?;
        match &field {
            Field::Bool => Ok(JavaBoolean(flag)),
            Field::Null => Ok(JavaBoolean(None)),
            Field::String(text) => match text.trim() {
                "" => Ok(JavaBoolean(None)),
                t if t.eq_ignore_ascii_case("true") => Ok(JavaBoolean(Some(true))),
                t if t.eq_ignore_ascii_case("false") => Ok(JavaBoolean(Some(false))),
                _ => Err(D::Error::invalid_value(Unexpected::Str(text), expected)),
            },
            Field::Number("0") => Ok(JavaBoolean(Some(false))),
            Field::Number("1") => Ok(JavaBoolean(Some(true))),
            Field::Number(_) | Field::Array | Field::Object => {
                Err(D::Error::invalid_type(unexpected(&field, flag), expected))
            }
        }
    }
}
