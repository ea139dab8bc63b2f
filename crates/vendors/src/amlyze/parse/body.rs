//! How Spring's `@RequestBody` reads a body: the media type, the presence of a body, and its JSON
//! into the wire type; each failure is Spring's default error body.

use http::StatusCode;
use serde::Deserialize;

use crate::Request;
use crate::amlyze::errors::{self, Failure};

/// Reads a JSON body the way Spring's `@RequestBody` does: the media type must be JSON (else
/// 415), the body must be there (else 400), and it must deserialize into `T` (else 400). Each
/// failure is Spring's default error body.
pub(crate) fn read<'a, T: Deserialize<'a>>(req: &'a Request, schema: &str) -> Result<T, Failure> {
    let content_type = req.header(http::header::CONTENT_TYPE.as_str());
    if !content_type.is_some_and(is_json) {
        return Err(errors::spring(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "content type: expected application/json, got {}",
                content_type.unwrap_or("none")
            ),
        ));
    }
    match req.body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => {
            return Err(errors::spring(
                StatusCode::BAD_REQUEST,
                "body: required request body is missing",
            ));
        }
        // serde would read an array as the struct's fields in order; Jackson refuses it.
        Some(b'{') => {}
        Some(_) => {
            return Err(errors::spring(
                StatusCode::BAD_REQUEST,
                format!("body: not readable as {schema}: not a JSON object"),
            ));
        }
    }
    // Text checked as UTF-8 once is read without serde checking every string again; a body
    // that is not UTF-8 is read as bytes, so serde refuses it in its own words.
    let res = match std::str::from_utf8(&req.body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(&req.body),
    };
    let res = res.map_err(|err| {
        errors::spring(StatusCode::BAD_REQUEST, format!("body: not readable as {schema}: {err}"))
    })?;
    // serde skips unknown fields unchecked and refuses only a known field twice.
    crate::common::json::check(&req.body).map_err(|problem| {
        errors::spring(
            StatusCode::BAD_REQUEST,
            format!("body: not readable as {schema}: {problem}"),
        )
    })?;
    Ok(res)
}

/// `application/json` or `application/*+json`, with any parameters, in any case.
fn is_json(content_type: &str) -> bool {
    // What nearly every client sends, decided without splitting.
    if content_type == "application/json" {
        return true;
    }
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5
                && subtype
                    .get(subtype.len() - 5..)
                    .is_some_and(|s| s.eq_ignore_ascii_case("+json")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_follow_spring() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=UTF-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("+json"));
    }
}
