//! Reading a JSON body into its wire struct, and the validation problems found in it, collected
//! and reported all at once in ASP.NET's words (`ValidationProblemDetails`).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use uuid::Uuid;

use super::guid;
use crate::common::json::{self, Field};
use crate::qolo::errors::{self, Failure, QoloError};
use crate::qolo::wire::time;

/// Reads a body that must be one JSON object into its wire struct `T` (`type_name` in Qolo's
/// schema), or says why not in ASP.NET's words.
pub(crate) fn read<'a, T: Deserialize<'a>>(body: &'a [u8], type_name: &str) -> Result<T, Failure> {
    read_with(body, type_name, |_| None)
}

/// [`read`], trying `flat` on the checked text first: it reads the common bodies without serde,
/// and answers `None` for any it leaves to serde.
pub(crate) fn read_with<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    type_name: &str,
    flat: impl FnOnce(&'a str) -> Option<T>,
) -> Result<T, Failure> {
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    let Some(first) = first else {
        return Err(errors::field("", "A non-empty request body is required."));
    };
    // A struct also reads from a JSON array of its fields; Qolo's bodies are objects only.
    let is_object = *first == b'{';
    let mut unread = None;
    if let (true, Ok(text)) = (is_object, json::check(body)) {
        if let Some(read) = flat(text) {
            return Ok(read);
        }
        match serde_json::from_str(text) {
            Ok(read) => return Ok(read),
            Err(err) => unread = Some(err),
        }
    }
    Err(refused(body, type_name, is_object, unread))
}

/// Why a body is not one strict JSON object, in the order ASP.NET finds it: the parser's
/// message for invalid JSON, then a value that is not an object, then a repeated key.
#[cold]
fn refused(
    body: &[u8],
    type_name: &str,
    is_object: bool,
    unread: Option<serde_json::Error>,
) -> Failure {
    let not_valid = |why: &dyn std::fmt::Display| {
        errors::field("$", format!("The JSON value is not valid: {why}."))
    };
    if let Err(err) = serde_json::from_slice::<Syntax>(body) {
        return not_valid(&err);
    }
    if !is_object {
        return errors::field(
            "$",
            format!("The JSON value could not be converted to {type_name}. Path: $."),
        );
    }
    match (json::check(body), unread) {
        (Err(problem), _) => not_valid(&problem),
        (Ok(_), Some(err)) => not_valid(&err),
        (Ok(_), None) => errors::internal("body: refused without a reason"),
    }
}

/// Any JSON text, walked value by value as `serde_json::Value` walks it (every string decoded
/// and checked), so a syntax error gets the parser's own words, without building a tree.
struct Syntax;

impl<'de> Deserialize<'de> for Syntax {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Syntax, D::Error> {
        deserializer.deserialize_any(SyntaxVisitor)
    }
}

struct SyntaxVisitor;

impl<'de> Visitor<'de> for SyntaxVisitor {
    type Value = Syntax;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_str<E>(self, _: &str) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_unit<E>(self) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_none<E>(self) -> Result<Syntax, E> {
        Ok(Syntax)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Syntax, A::Error> {
        while seq.next_element::<Syntax>()?.is_some() {}
        Ok(Syntax)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Syntax, A::Error> {
        while map.next_key::<Syntax>()?.is_some() {
            map.next_value::<Syntax>()?;
        }
        Ok(Syntax)
    }
}

/// Validation errors found so far, in field order; ASP.NET reports them all at once.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub(crate) Vec<(String, String)>);

impl Problems {
    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    pub(crate) fn not_convertible(&mut self, path: &str, dotnet_type: &str) {
        self.add(
            format!("$.{path}"),
            format!("The JSON value could not be converted to {dotnet_type}. Path: $.{path}."),
        );
    }

    /// Whether a problem names a field whose name contains `name`.
    pub(crate) fn names(&self, name: &str) -> bool {
        self.0.iter().any(|(field, _)| field.contains(name))
    }

    /// Every problem as one validation failure, the first one's field and message as reason.
    pub(crate) fn into_result(self) -> Result<(), Failure> {
        let Some((field, message)) = self.0.first() else { return Ok(()) };
        let reason = errors::field_reason(field, message);
        Err(Failure::new(QoloError::Validation(self.0), reason))
    }

    /// Members of `type_name` (at `path`) that it does not have, in name order as ASP.NET
    /// lists them.
    pub(crate) fn unknown(&mut self, names: &[String], path: &str, type_name: &str) {
        let mut names: Vec<&String> = names.iter().collect();
        names.sort();
        for name in names {
            self.add(
                format!("$.{path}{name}"),
                format!(
                    "The JSON property '{name}' could not be mapped to any .NET member contained \
                     in type '{type_name}'."
                ),
            );
        }
    }

    /// A nullable string of at most `max` characters.
    pub(crate) fn string<'a>(
        &mut self,
        field: Option<Field<'a>>,
        path: &str,
        name: &str,
        max: usize,
    ) -> Option<Cow<'a, str>> {
        match field {
            None | Some(Field::Null) => None,
            Some(Field::String(text)) if text.chars().count() > max => {
                self.add(
                    name,
                    format!("The field {name} must be a string with a maximum length of {max}."),
                );
                None
            }
            Some(Field::String(text)) => Some(text),
            Some(_) => {
                self.not_convertible(&format!("{path}{name}"), "System.String");
                None
            }
        }
    }

    /// A guid in .NET's `D` format (`d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76`), `null` allowed
    /// when `nullable`.
    pub(crate) fn guid(
        &mut self,
        field: Option<&Field<'_>>,
        path: &str,
        name: &str,
        nullable: bool,
    ) -> Option<Uuid> {
        let dotnet_type = if nullable { "System.Nullable`1[System.Guid]" } else { "System.Guid" };
        match field {
            None => None,
            Some(Field::Null) if nullable => None,
            Some(Field::String(text)) if guid(text).is_some() => guid(text),
            Some(_) => {
                self.not_convertible(&format!("{path}{name}"), dotnet_type);
                None
            }
        }
    }

    /// A nullable date-time.
    pub(crate) fn date_time<'a>(
        &mut self,
        field: Option<Field<'a>>,
        path: &str,
        name: &str,
    ) -> Option<Cow<'a, str>> {
        match field {
            None | Some(Field::Null) => None,
            Some(Field::String(text)) if time::is_date_time(&text) => Some(text),
            Some(_) => {
                self.not_convertible(
                    &format!("{path}{name}"),
                    "System.Nullable`1[System.DateTime]",
                );
                None
            }
        }
    }

    /// A number (a `double` in Qolo's schema); only its JSON type is checked.
    pub(crate) fn number(&mut self, field: Option<&Field<'_>>, path: &str, name: &str) {
        match field {
            None | Some(Field::Number(_)) => {}
            Some(_) => self.not_convertible(&format!("{path}{name}"), "System.Double"),
        }
    }
}
