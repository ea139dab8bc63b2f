//! Admin request bodies, read strictly: the whole body is valid JSON (UTF-8, no lone surrogate
//! escape, nothing after the value), one object, no key twice in any object at any depth, and
//! only the fields the call knows. serde_json's `Value` keeps the last of two equal keys, so the
//! body first passes the one strict check every vendor's body passes too
//! (`vendors::common::json::check`).

use http::StatusCode;
use serde_json::{Map, Value};
use vendors::{Request, Response};

use super::error;

/// The body as a JSON object with only `known` fields (an empty body is an empty object), or
/// the admin error to answer.
pub(super) fn object(req: &Request, known: &[&str]) -> Result<Map<String, Value>, Box<Response>> {
    if req.body.is_empty() {
        return Ok(Map::new());
    }
    vendors::common::json::check(&req.body).map_err(|e| invalid_json(&e))?;
    let value: Value = serde_json::from_slice(&req.body).map_err(|e| invalid_json(&e))?;
    let Value::Object(map) = value else {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "body must be a JSON object",
        )));
    };
    if let Some(unknown) = map.keys().find(|key| !known.contains(&key.as_str())) {
        let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("field {unknown}: unknown (known: {known})"),
        )));
    }
    Ok(map)
}

fn invalid_json(e: &dyn std::fmt::Display) -> Box<Response> {
    Box::new(error(StatusCode::BAD_REQUEST, "invalid_json", format!("malformed JSON: {e}")))
}

#[cfg(test)]
mod tests {

    fn check(body: &str) -> Result<(), String> {
        vendors::common::json::check(body.as_bytes()).map(drop).map_err(|e| e.to_string())
    }

    #[test]
    fn a_key_repeated_at_any_depth_is_refused_and_distinct_keys_pass() {
        for ok in [
            r#"{"a":1,"b":{"a":1,"b":[{"a":1},{"a":2}]},"c":1.50}"#,
            r#"[{"a":1},{"a":1}]"#,
            r#"{"n":-0.000000000000000000000000000001e5}"#,
            r#""text""#,
            "null",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for (bad, key) in [
            (r#"{"amount":1,"x":2,"amount":7777}"#, "amount"),
            (r#"{"a":{"b":{"c":1,"c":1}}}"#, "c"),
            (r#"[1,{"d":1,"d":2}]"#, "d"),
            (r#"{"a":1,"\u0061":2}"#, "a"),
        ] {
            let message = check(bad).unwrap_err();
            assert!(message.contains(&format!("duplicate key \"{key}\"")), "{bad}: {message}");
        }
    }

    #[test]
    fn invalid_text_anywhere_is_refused() {
        for bad in [
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00"}"#,
            r#"{"a":"\ud800\u0041"}"#,
            r#"{"a":1} {"a":2}"#,
            r#"{"a":NaN}"#,
            r#"{"a":01}"#,
            "\u{feff}{}",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        assert!(vendors::common::json::check(b"{\"a\":\"\xff\"}").is_err());
        assert_eq!(check(r#"{"a":"\ud83d\ude00"}"#), Ok(()), "a surrogate pair is fine");
    }
}
