//! Exact JSON numbers: amounts are read from the number's own text (serde_json's
//! `arbitrary_precision`) and written back as exact text, never through `f64`; [`Field`],
//! one body field as sent, borrowed from the body; [`Object`], a nested struct read only from a
//! JSON object; and [`check`], the strict validation every vendor applies to a JSON body before
//! it is used; [`writer`], the hand-laid answers of the hot paths.

pub mod scan;
mod strict;
pub mod writer;

use std::borrow::Cow;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Number;
use serde_json::value::RawValue;

pub use strict::{DEPTH_MAX, JsonProblem, check};

/// A struct nested in a body, read only from a JSON object. serde's derived `Deserialize` also
/// reads a struct from an array of its fields in order, which no vendor accepts (Jackson, Spring
/// and ASP.NET refuse an array where an object is declared): a body with such an array would
/// otherwise move money.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<T> std::ops::Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Object<T>, D::Error> {
        struct OnlyMap<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for OnlyMap<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(OnlyMap(std::marker::PhantomData)).map(Object)
    }
}

/// Why a body could not be read into its wire struct: serde's reading (its words, which come
/// first when both fail), or the strict check.
#[derive(Debug)]
pub enum Unread {
    /// serde could not read the body into the struct.
    Serde(serde_json::Error),
    /// serde could, but the body is not strict JSON (a repeated key, a lone surrogate...).
    Strict(JsonProblem),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unread::Serde(err) => err.fmt(f),
            Unread::Strict(problem) => problem.fmt(f),
        }
    }
}

/// Reads a body into its wire struct `T` after the strict check: serde's error when serde
/// cannot read it, else the check's problem when it is not strict JSON. The check runs first,
/// so an accepted body is parsed as text proven UTF-8; serde reads a refused one only to give
/// its own words precedence.
pub fn read<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Unread> {
    match check(body) {
        Ok(text) => serde_json::from_str(text).map_err(Unread::Serde),
        Err(problem) => match serde_json::from_slice::<T>(body) {
            Ok(_) => Err(Unread::Strict(problem)),
            Err(err) => Err(Unread::Serde(err)),
        },
    }
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
    integer_text(&number.to_string())
}

/// [`integer`] of a JSON number's text.
pub fn integer_text(text: &str) -> Option<i64> {
    if text.contains(['.', 'e', 'E']) {
        return None;
    }
    text.parse().ok()
}

/// One field of a JSON body as sent: its type, and for a string or a number its text,
/// borrowed from the body unless the string has escapes.
///
/// A body struct of `Option<Field>` fields lets a parser name exactly which field is missing or
/// has the wrong type (serde's own messages do not) without building a `Value` per field: the
/// field is read as raw JSON text and classified by its first byte. `null` reads as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<'a> {
    /// `null` (only seen outside an `Option`).
    Null,
    /// `true` or `false`, and which.
    Bool(bool),
    /// A number, as written (exact: `arbitrary_precision` semantics).
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array,
    /// An object.
    Object,
}

impl<'a> Field<'a> {
    /// Classifies valid JSON text.
    fn of(raw: &'a RawValue) -> Result<Field<'a>, serde_json::Error> {
        let text = raw.get();
        Ok(match text.as_bytes().first() {
            Some(b'"') => match text.get(1..text.len() - 1) {
                Some(inner) if memchr::memchr(b'\\', inner.as_bytes()).is_none() => {
                    Field::String(Cow::Borrowed(inner))
                }
                _ => Field::String(Cow::Owned(serde_json::from_str(text)?)),
            },
            Some(b't') => Field::Bool(true),
            Some(b'f') => Field::Bool(false),
            Some(b'n') => Field::Null,
            Some(b'[') => Field::Array,
            Some(b'{') => Field::Object,
            _ => Field::Number(text),
        })
    }

    /// The JSON type, as an error message names it ("a string", "an object"…).
    pub fn type_name(&self) -> &'static str {
        match self {
            Field::Null => "null",
            Field::Bool(_) => "a boolean",
            Field::Number(_) => "a number",
            Field::String(_) => "a string",
            Field::Array => "an array",
            Field::Object => "an object",
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field<'a>, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        Field::of(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_their_exact_digits_both_ways() {
        let value = serde_json::from_slice::<serde_json::Value>(
            br#"{"a": 0.1, "b": 12345678901234567890.12, "c": 200.00, "d": 1e2}"#,
        )
        .unwrap();
        let read = |key: &str| decimal(value[key].as_number().unwrap());
        assert_eq!(read("a").unwrap().to_string(), "0.1");
        assert_eq!(read("b").unwrap().to_string(), "12345678901234567890.12");
        assert_eq!(read("c").unwrap().to_string(), "200.00");
        assert!(read("d").is_err());
        assert_eq!(serde_json::to_string(&number(Decimal::new(10000, 2))).unwrap(), "100.00");
        assert_eq!(integer(value["c"].as_number().unwrap()), None);
        assert_eq!(integer(&Number::from(1000)), Some(1000));
    }

    #[derive(Debug, Deserialize)]
    struct Body<'a> {
        #[serde(borrow)]
        a: Option<Field<'a>>,
        #[serde(borrow)]
        b: Option<Field<'a>>,
        #[serde(borrow)]
        c: Option<Field<'a>>,
        #[serde(borrow)]
        d: Option<Field<'a>>,
        #[serde(borrow)]
        e: Option<Field<'a>>,
        #[serde(borrow)]
        f: Option<Field<'a>>,
    }

    #[test]
    fn fields_keep_their_type_and_exact_text() {
        let text = br#"{"a": "plain", "b": "tab\there \u00e9", "c": 12345678901234567890.10,
            "d": null, "e": {"x": [1]}, "f": [true]}"#;
        let body: Body<'_> = serde_json::from_slice(text).unwrap();
        assert!(matches!(body.a, Some(Field::String(Cow::Borrowed("plain")))));
        assert_eq!(body.b, Some(Field::String(Cow::Owned("tab\there é".into()))));
        assert_eq!(body.c, Some(Field::Number("12345678901234567890.10")));
        assert_eq!(body.d, None, "null reads as absent");
        assert_eq!(body.e.map(|f| f.type_name()), Some("an object"));
        assert_eq!(body.f.map(|f| f.type_name()), Some("an array"));
        let missing: Body<'_> = serde_json::from_slice(b"{}").unwrap();
        assert_eq!(missing.a, None);
        assert_eq!(integer_text("1.0"), None);
        assert_eq!(integer_text("-42"), Some(-42));
    }

    #[test]
    fn read_gives_serdes_words_first_then_the_strict_checks() {
        let read = |text: &[u8]| {
            read::<Inner>(text).map_err(|unread| match unread {
                Unread::Serde(_) => "serde",
                Unread::Strict(_) => "strict",
            })
        };
        assert_eq!(read(br#"{"x": 1, "y": "z"}"#).unwrap(), Inner { x: 1, y: Some("z".into()) });
        assert_eq!(read(br#"{"x": 1, "x": 2}"#), Err("serde"), "serde names its own field twice");
        assert_eq!(read(br#"{"x": 1, "u": 1, "u": 2}"#), Err("strict"));
        assert_eq!(read(b"{\"x\": 1, \"u\": \"\xff\"}"), Err("strict"));
        assert_eq!(read(br#"{"x": "1", "u": 1, "u": 2}"#), Err("serde"), "both: serde's first");
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        x: i64,
        y: Option<String>,
    }

    #[test]
    fn a_nested_object_reads_from_an_object_only() {
        let read = |text: &str| serde_json::from_str::<Object<Inner>>(text);
        assert_eq!(read(r#"{"x": 1, "y": "z"}"#).unwrap().0, Inner { x: 1, y: Some("z".into()) });
        assert_eq!(read(r#"{"x": 1}"#).unwrap().y, None);
        // The plain derive takes an array of the fields in order; `Object` does not.
        assert!(serde_json::from_str::<Inner>(r#"[1, "z"]"#).is_ok());
        let refused = read(r#"[1, "z"]"#).unwrap_err().to_string();
        assert!(refused.contains("expected a JSON object"), "{refused}");
        assert!(read(r#"{"x": "1"}"#).is_err(), "field types still checked");
    }
}
