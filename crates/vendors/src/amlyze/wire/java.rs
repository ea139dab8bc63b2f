//! Jackson's default coercions for AMLYZE's scalar properties: a `String` takes a JSON string,
//! number or boolean (as its text); a `BigDecimal` takes a JSON number or a numeric string; a
//! date-time takes ISO 8601 text; a blank string is `null` for numbers and date-times. Anything
//! else fails deserialization, which Spring answers with its default `400 Bad Request` body.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, Unexpected};
use serde_json::Value;

use super::datetime::{self, DateTime};
use crate::amlyze::parse::decimal::{DecimalProblem, big_decimal};

/// A Java `String` property: a JSON string, or a number or boolean taken as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JavaString(pub(crate) String);

impl<'de> Deserialize<'de> for JavaString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JavaString, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(JavaString(text)),
            Value::Number(number) => Ok(JavaString(number.to_string())),
            Value::Bool(flag) => Ok(JavaString(flag.to_string())),
            Value::Null => Ok(JavaString(String::new())),
            Value::Array(_) => Err(D::Error::invalid_type(Unexpected::Seq, &"a string")),
            Value::Object(_) => Err(D::Error::invalid_type(Unexpected::Map, &"a string")),
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
        let (text, from_string) = match Value::deserialize(deserializer)? {
            Value::Number(number) => (number.to_string(), false),
            Value::String(text) => (text, true),
            Value::Null => return Ok(JavaDecimal::Blank),
            Value::Bool(flag) => {
                return Err(D::Error::invalid_type(Unexpected::Bool(flag), expected));
            }
            Value::Array(_) => return Err(D::Error::invalid_type(Unexpected::Seq, expected)),
            Value::Object(_) => return Err(D::Error::invalid_type(Unexpected::Map, expected)),
        };
        let trimmed = if from_string { text.trim() } else { text.as_str() };
        if trimmed.is_empty() {
            return Ok(JavaDecimal::Blank);
        }
        match big_decimal(trimmed) {
            Ok(value) => Ok(JavaDecimal::Exact(value)),
            Err(DecimalProblem::OutOfRange) => Ok(JavaDecimal::OutOfRange),
            Err(DecimalProblem::NotANumber) => {
                Err(D::Error::invalid_value(Unexpected::Str(&text), expected))
            }
        }
    }
}

/// A Java date-time property (`balanceAt`, `openingDate`…), parsed and kept with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JavaDateTime {
    /// A blank string: Jackson reads it as `null`.
    Blank,
    /// The instant and the text it was read from.
    At {
        /// The instant.
        at: DateTime,
        /// The text as sent (trimmed).
        text: String,
    },
}

impl<'de> Deserialize<'de> for JavaDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JavaDateTime, D::Error> {
        let expected = &"an ISO 8601 date-time (yyyy-MM-ddTHH:mm[:ss[.SSS]][Z|+hh:mm])";
        let text = match Value::deserialize(deserializer)? {
            Value::String(text) => text,
            Value::Null => return Ok(JavaDateTime::Blank),
            Value::Number(_) => {
                return Err(D::Error::invalid_type(Unexpected::Other("number"), expected));
            }
            Value::Bool(flag) => {
                return Err(D::Error::invalid_type(Unexpected::Bool(flag), expected));
            }
            Value::Array(_) => return Err(D::Error::invalid_type(Unexpected::Seq, expected)),
            Value::Object(_) => return Err(D::Error::invalid_type(Unexpected::Map, expected)),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(JavaDateTime::Blank);
        }
        match datetime::parse(trimmed) {
            Some(at) => Ok(JavaDateTime::At { at, text: trimmed.to_string() }),
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
        match Value::deserialize(deserializer)? {
            Value::Bool(flag) => Ok(JavaBoolean(Some(flag))),
            Value::Null => Ok(JavaBoolean(None)),
            Value::String(text) => match text.trim() {
                "" => Ok(JavaBoolean(None)),
                t if t.eq_ignore_ascii_case("true") => Ok(JavaBoolean(Some(true))),
                t if t.eq_ignore_ascii_case("false") => Ok(JavaBoolean(Some(false))),
                _ => Err(D::Error::invalid_value(Unexpected::Str(&text), expected)),
            },
            Value::Number(number) => match number.to_string().as_str() {
                "0" => Ok(JavaBoolean(Some(false))),
                "1" => Ok(JavaBoolean(Some(true))),
                _ => Err(D::Error::invalid_type(Unexpected::Other("number"), expected)),
            },
            Value::Array(_) => Err(D::Error::invalid_type(Unexpected::Seq, expected)),
            Value::Object(_) => Err(D::Error::invalid_type(Unexpected::Map, expected)),
        }
    }
}
