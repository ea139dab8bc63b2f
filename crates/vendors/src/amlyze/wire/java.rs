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

use super::datetime::{self, DateTime};
use crate::amlyze::parse::decimal::{DecimalProblem, big_decimal};
use crate::common::json::Field;

/// One property as sent ([`Field`], which keeps a boolean's value).
fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Field<'de>, D::Error> {
    Field::deserialize(deserializer)
}

/// What serde's messages call a field of this type.
fn unexpected<'a>(field: &'a Field<'_>) -> Unexpected<'a> {
    match field {
        Field::Null => Unexpected::Unit,
        Field::Bool(flag) => Unexpected::Bool(*flag),
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
        let field = read(deserializer)?;
        match field {
            Field::String(text) => Ok(JavaString(text)),
            Field::Number(text) => Ok(JavaString(Cow::Borrowed(text))),
            Field::Bool(flag) => Ok(JavaString(Cow::Borrowed(if flag { "true" } else { "false" }))),
            Field::Null => Ok(JavaString(Cow::Borrowed(""))),
            Field::Array | Field::Object => {
                Err(D::Error::invalid_type(unexpected(&field), &"a string"))
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
        let field = read(deserializer)?;
        let (text, trimmed) = match &field {
            Field::Number(text) => (*text, *text),
            Field::String(text) => (&**text, text.trim()),
            Field::Null => return Ok(JavaDecimal::Blank),
            Field::Bool(_) | Field::Array | Field::Object => {
                return Err(D::Error::invalid_type(unexpected(&field), expected));
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
        let field = read(deserializer)?;
        let text = match field {
            Field::String(text) => text,
            Field::Null => return Ok(JavaDateTime::Blank),
            Field::Number(_) | Field::Bool(_) | Field::Array | Field::Object => {
                return Err(D::Error::invalid_type(unexpected(&field), expected));
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
        let field = read(deserializer)?;
        match &field {
            Field::Bool(flag) => Ok(JavaBoolean(Some(*flag))),
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
                Err(D::Error::invalid_type(unexpected(&field), expected))
            }
        }
    }
}
