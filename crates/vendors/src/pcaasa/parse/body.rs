//! Request bodies in the three encodings a PCaaSA client may use — JSON,
//! `application/x-www-form-urlencoded` and `multipart/form-data` — as the text of one JSON
//! object of parameters, then a call's wire struct borrowed from that text. A form's fields are
//! written as JSON text, so every encoding reaches the call's wire struct through one serde
//! derive, and no body is ever read into a `serde_json::Value`.

mod shape;

use std::borrow::Cow;

use serde::Deserialize;

use crate::Request;
use crate::common::HashSet;
use crate::common::json::writer::Writer;
use crate::pcaasa::errors::PcaasaError;

/// A form or multipart body's text fields, in the order sent.
type Fields<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// The body's parameters as the text of one JSON object: a JSON body as sent, a form or
/// multipart body re-encoded (its values all strings). A parameter given twice is refused in
/// every encoding, as a JSON key twice is: keeping either one would move money the client did
/// not mean.
pub(crate) fn decode(req: &Request) -> Result<Cow<'_, [u8]>, PcaasaError> {
    let body = req.body.as_ref();
    let content_type = req.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let (media_type, params) = match content_type {
        Some(value) => value.split_once(';').unwrap_or((value, "")),
        // No content type: sniff, as a lenient PHP-style endpoint would.
        None if body.trim_ascii_start().starts_with(b"{") => ("application/json", ""),
        None => ("application/x-www-form-urlencoded", ""),
    };
    let media_type = media_type.trim();
    if media_type.eq_ignore_ascii_case("application/json")
        || media_type.to_ascii_lowercase().ends_with("+json")
    {
        return json(body).map(Cow::Borrowed);
    }
    let fields = if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        form(body)?
    } else if media_type.eq_ignore_ascii_case("multipart/form-data") {
        let boundary = parameter(params, "boundary").ok_or_else(|| malformed("no boundary"))?;
        multipart(body, boundary)?
    } else {
        return Err(PcaasaError::ContentTypeUnsupported);
    };
    Ok(Cow::Owned(encode(&fields)))
}

/// `fields` as the text of one JSON object of strings.
fn encode(fields: &Fields<'_>) -> Vec<u8> {
    let capacity: usize = fields.iter().map(|(name, value)| name.len() + value.len() + 6).sum();
    let mut out = Writer::with_capacity(capacity + 2);
    out.raw("{");
    for (idx, (name, value)) in fields.iter().enumerate() {
        if idx > 0 {
            out.raw(",");
        }
        out.string(name).raw(":").string(value);
    }
    out.raw("}");
    out.finish()
}

/// The parameters as `T`, borrowing from `params` (a wire struct whose fields are all optional
/// raw fields, so this only fails on a bug).
pub(crate) fn into_wire<'a, T: Deserialize<'a>>(params: &'a [u8]) -> Result<T, PcaasaError> {
    serde_json::from_slice(params).map_err(parameters)
}

fn parameters(e: serde_json::Error) -> PcaasaError {
    PcaasaError::BodyMalformed { detail: format!("parameters: {e}") }
}

fn malformed(detail: &str) -> PcaasaError {
    PcaasaError::BodyMalformed { detail: format!("multipart/form-data: {detail}") }
}

/// A JSON body that is one strict JSON object, as sent. The strict check accepts only what
/// serde reads too, so an accepted body needs no `Value` built to know it is an object.
fn json(body: &[u8]) -> Result<&[u8], PcaasaError> {
    let checked = crate::common::json::check(body);
    if checked.is_ok() && body.trim_ascii_start().starts_with(b"{") {
        return Ok(body);
    }
    // Refused: serde's reading is reported first, so each refusal keeps the words it had when
    // the body was read into a `Value` before the check.
    let detail = match (shape::of(body), checked) {
        (Err(e), _) => format!("invalid JSON: {e}"),
        (Ok(shape::Shape::Object), Err(e)) => format!("invalid JSON: {e}"),
        (Ok(_), _) => "JSON body is not an object".into(),
    };
    Err(PcaasaError::BodyMalformed { detail })
}

fn form(body: &[u8]) -> Result<Fields<'_>, PcaasaError> {
    if std::str::from_utf8(body).is_err() {
        return Err(PcaasaError::BodyMalformed { detail: "form body is not UTF-8".into() });
    }
    let fields: Fields<'_> = form_urlencoded::parse(body).collect();
    let mut names = HashSet::default();
    for (name, _) in &fields {
        first_time(&mut names, name, "form")?;
    }
    Ok(fields)
}

/// Records a parameter's `name`, refusing one already in `names`.
fn first_time<'a>(
    names: &mut HashSet<&'a str>,
    name: &'a str,
    encoding: &str,
) -> Result<(), PcaasaError> {
    if names.insert(name) {
        return Ok(());
    }
    let shown = crate::common::json::JsonProblem::DuplicateKey { key: name.into() }.to_string();
    Err(PcaasaError::BodyMalformed { detail: format!("{encoding} body: {shown}") })
}

/// A `key=value` parameter of a header value (`boundary=…`, `name="…"`), unquoted.
fn parameter<'a>(params: &'a str, name: &str) -> Option<&'a str> {
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| {
            let value = value.trim();
            value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
        })
    })
}

/// RFC 7578 text fields. Lines may end in CRLF (as clients send) or bare LF (hand-written
/// requests); file parts are read as text like any other field.
fn multipart<'a>(body: &'a [u8], boundary: &str) -> Result<Fields<'a>, PcaasaError> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(malformed("boundary must be 1 to 70 characters"));
    }
    let text = std::str::from_utf8(body).map_err(|_| malformed("body is not UTF-8"))?;
    let delimiter = format!("--{boundary}");
    let start = text.find(&delimiter).ok_or_else(|| malformed("no boundary line"))?;
    let mut rest = &text[start + delimiter.len()..];
    let (mut fields, mut names) = (Fields::new(), HashSet::default());
    loop {
        if rest.starts_with("--") {
            return Ok(fields);
        }
        rest =
            strip_line_end_start(rest).ok_or_else(|| malformed("no line break after boundary"))?;
        let end = rest.find(&delimiter).ok_or_else(|| malformed("no closing boundary"))?;
        let part = strip_line_end(&rest[..end]).ok_or_else(|| malformed("no line break"))?;
        rest = &rest[end + delimiter.len()..];
        let (headers, value) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
            .ok_or_else(|| malformed("part without headers"))?;
        let name = headers
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(header, _)| header.trim().eq_ignore_ascii_case("content-disposition"))
            .and_then(|(_, value)| parameter(value, "name"))
            .ok_or_else(|| malformed("part without a Content-Disposition name"))?;
        first_time(&mut names, name, "multipart/form-data")?;
        fields.push((Cow::Borrowed(name), Cow::Borrowed(value)));
    }
}

fn strip_line_end_start(text: &str) -> Option<&str> {
    text.strip_prefix("\r\n").or_else(|| text.strip_prefix('\n'))
}

fn strip_line_end(text: &str) -> Option<&str> {
    text.strip_suffix("\r\n").or_else(|| text.strip_suffix('\n'))
}
