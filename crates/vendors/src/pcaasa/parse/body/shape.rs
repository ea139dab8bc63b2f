//! What a refused JSON body is, as serde reads it: an object, another value, or serde's own
//! words for why it is no JSON at all. It walks the body exactly as reading it into a
//! `serde_json::Value` would (every value through `deserialize_any`, so the same errors and the
//! same depth limit) without building the tree.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The kind of JSON document a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `{…}`.
    Object,
    /// Any other value.
    Other,
}

/// `body`'s shape, or serde's error reading it.
pub(super) fn of(body: &[u8]) -> Result<Shape, serde_json::Error> {
    serde_json::from_slice::<Walked>(body).map(|walked| walked.0)
}

/// A value walked to its end; what it was at the top.
struct Walked(Shape);

impl<'de> Deserialize<'de> for Walked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Walked, D::Error> {
        deserializer.deserialize_any(Walk).map(Walked)
    }
}

struct Walk;

impl<'de> Visitor<'de> for Walk {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<Walked>()?.is_some() {}
        Ok(Shape::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        // A number read exactly (`arbitrary_precision`) arrives as a one-entry map; it is no
        // object, but only an object has a first key that is not serde_json's number token.
        let mut shape = Shape::Object;
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            if first && key == NUMBER_TOKEN {
                shape = Shape::Other;
            }
            first = false;
            map.next_value::<Walked>()?;
        }
        Ok(shape)
    }
}

/// The key serde_json's `arbitrary_precision` gives a number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn a_body_walks_as_a_value_reads_with_the_same_errors() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let bodies = [
            r#"{"a": 1}"#,
            r#"{"a": [1, {"b": null}], "c": 1.5e400}"#,
            "[1, 2]",
            "12.50",
            "\"text\"",
            "null",
            "",
            "{",
            r#"{"a": 1,}"#,
            r#"{"a" 1}"#,
            r#"{1: 2}"#,
            "[1] x",
            r#"{"a": "\x"}"#,
            "tru",
            deep.as_str(),
        ];
        for body in bodies {
            let walked = of(body.as_bytes()).map_err(|e| e.to_string());
            let read = serde_json::from_str::<Value>(body).map_err(|e| e.to_string());
            let read = read.map(|value| match value {
                Value::Object(_) => Shape::Object,
                _ => Shape::Other,
            });
            assert_eq!(walked, read, "{body}");
        }
    }
}
