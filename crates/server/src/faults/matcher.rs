//! Which requests a rule applies to: every condition it names must hold (vendor, operation,
//! method, path, account, a header's value, a value in the JSON body); a rule that names none
//! applies to every vendor request of its tenant.

use std::cell::OnceCell;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use vendors::Request;

use super::rule::only;

/// A rule's conditions.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// The vendor's name.
    pub vendor: Option<String>,
    /// The operation, as the vendor's route table names it.
    pub operation: Option<String>,
    /// The HTTP method.
    pub method: Option<http::Method>,
    /// The path (without the query).
    pub path: Option<PathPattern>,
    /// Every identifier of one account: the request names one of them in its path, query or
    /// body.
    pub account: Option<Vec<String>>,
    /// A header with a value.
    pub header: Option<HeaderEquals>,
    /// A value in the JSON body.
    pub body: Option<BodyEquals>,
}

/// A request as the rules see it: what the router found, and the body parsed at most once,
/// only if a rule asks.
pub struct Seen<'r> {
    /// The vendor's name.
    pub vendor: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The request.
    pub req: &'r Request,
    json: OnceCell<Option<Value>>,
}

impl<'r> Seen<'r> {
    /// `req`, routed to `vendor`'s `operation`.
    pub fn new(vendor: &'static str, operation: &'static str, req: &'r Request) -> Seen<'r> {
        Seen { vendor, operation, req, json: OnceCell::new() }
    }

    fn json(&self) -> Option<&Value> {
        self.json.get_or_init(|| serde_json::from_slice(&self.req.body).ok()).as_ref()
    }

    /// Whether the request names `id` anywhere a client puts an account: a path segment, a
    /// query value, or a string or number anywhere in the JSON body.
    fn names(&self, ids: &[String]) -> bool {
        let hit = |text: &str| ids.iter().any(|id| id == text);
        if self.req.path.split('/').any(hit) {
            return true;
        }
        if let Some(query) = &self.req.query
            && form_urlencoded::parse(query.as_bytes()).any(|(_, value)| hit(&value))
        {
            return true;
        }
        self.json().is_some_and(|json| any_scalar(json, &hit))
    }
}

fn any_scalar(value: &Value, hit: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(text) => hit(text),
        Value::Number(number) => hit(&number.to_string()),
        Value::Array(items) => items.iter().any(|item| any_scalar(item, hit)),
        Value::Object(members) => members.values().any(|item| any_scalar(item, hit)),
        Value::Null | Value::Bool(_) => false,
    }
}

impl Matcher {
    /// Whether every condition holds for `seen`.
    pub fn matches(&self, seen: &Seen<'_>) -> bool {
        self.vendor.as_deref().is_none_or(|v| v == seen.vendor)
            && self.operation.as_deref().is_none_or(|op| op == seen.operation)
            && self.method.as_ref().is_none_or(|m| *m == seen.req.method)
            && self.path.as_ref().is_none_or(|p| p.matches(&seen.req.path))
            && self.header.as_ref().is_none_or(|h| h.matches(seen.req))
            && self.body.as_ref().is_none_or(|b| seen.json().is_some_and(|json| b.matches(json)))
            && self.account.as_deref().is_none_or(|ids| seen.names(ids))
    }
}

/// A path, where `*` stands for any run of characters (`/v1/accounts/*/balance`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    parts: Vec<String>,
}

impl PathPattern {
    /// `pattern`, which must start with `/`.
    pub fn parse(pattern: &str) -> Result<PathPattern, String> {
        if !pattern.starts_with('/') {
            return Err(format!("{pattern:?} does not start with '/'"));
        }
        if pattern.contains('?') {
            return Err("the path without its query string".into());
        }
        Ok(PathPattern { parts: pattern.split('*').map(str::to_owned).collect() })
    }

    /// Whether `path` fits the pattern: each literal part in order, the first at the start
    /// and the last at the end.
    pub fn matches(&self, path: &str) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return false;
        };
        let Some(mut tail) = path.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return tail.is_empty();
        };
        for part in middle {
            match tail.find(part.as_str()) {
                Some(at) => tail = &tail[at + part.len()..],
                None => return false,
            }
        }
        tail.len() >= last.len() && tail.ends_with(last.as_str())
    }
}

/// A header the request carries with exactly this value (any value when none is given).
#[derive(Debug, Clone)]
pub struct HeaderEquals {
    name: http::HeaderName,
    value: Option<String>,
}

impl HeaderEquals {
    pub(super) fn parse(map: &Map<String, Value>) -> Result<HeaderEquals, String> {
        only(map, &["name", "value"], "")?;
        let name = match map.get("name") {
            Some(Value::String(name)) => http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("name: {name:?} is not a header name"))?,
            _ => return Err("name: the header's name".into()),
        };
        let value = match map.get("value") {
            None => None,
            Some(Value::String(value)) => Some(value.clone()),
            Some(_) => return Err("value: a string".into()),
        };
        Ok(HeaderEquals { name, value })
    }

    fn matches(&self, req: &Request) -> bool {
        let mut values = req.headers.get_all(&self.name).iter();
        match &self.value {
            None => values.next().is_some(),
            Some(wanted) => values.any(|value| value.as_bytes() == wanted.as_bytes()),
        }
    }
}

/// The value at a JSON pointer of the body equals this one; numbers compare by value
/// (`1.0` equals `1`), exactly, as decimals.
#[derive(Debug, Clone)]
pub struct BodyEquals {
    /// The pointer's reference tokens, unescaped once here: `Value::pointer` splits and
    /// unescapes the text (allocating) on every call, for every rule, on every request.
    tokens: Vec<String>,
    equals: Value,
}

/// What `tokens` (RFC 6901, already unescaped) point at in `value`.
fn at<'v>(value: &'v Value, tokens: &[String]) -> Option<&'v Value> {
    tokens.iter().try_fold(value, |value, token| match value {
        Value::Object(members) => members.get(token),
        Value::Array(items) => {
            let canonical = token == "0" || (!token.starts_with('0') && !token.starts_with('+'));
            items.get(token.parse::<usize>().ok().filter(|_| canonical)?)
        }
        _ => None,
    })
}

impl BodyEquals {
    pub(super) fn parse(map: &Map<String, Value>) -> Result<BodyEquals, String> {
        only(map, &["pointer", "equals"], "")?;
        let tokens = match map.get("pointer") {
            Some(Value::String(p)) if p.is_empty() || p.starts_with('/') => p
                .split('/')
                .skip(1)
                .map(|token| token.replace("~1", "/").replace("~0", "~"))
                .collect(),
            _ => {
                return Err(
                    "pointer: a JSON pointer such as \"/transactionData/actionCode\"".into()
                );
            }
        };
        let equals = map.get("equals").cloned().ok_or("equals: the value to compare with")?;
        Ok(BodyEquals { tokens, equals })
    }

    fn matches(&self, json: &Value) -> bool {
        at(json, &self.tokens).is_some_and(|found| same(found, &self.equals))
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let exact = |n: &serde_json::Number| {
                let text = n.to_string();
                Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
            };
            match (exact(x), exact(y)) {
                (Some(x), Some(y)) => x == y,
                _ => x == y,
            }
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, query: Option<&str>, body: &str) -> Request {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-case", http::HeaderValue::from_static("42"));
        Request {
            method: http::Method::POST,
            path: path.into(),
            query: query.map(str::to_owned),
            headers,
            body: bytes::Bytes::from(body.to_owned()),
            params: Vec::new(),
        }
    }

    #[test]
    fn a_path_pattern_takes_any_run_for_a_star_and_nothing_else() {
        let pattern = |p: &str| PathPattern::parse(p).unwrap();
        assert!(pattern("/v1/accounts/balance").matches("/v1/accounts/balance"));
        assert!(!pattern("/v1/accounts/balance").matches("/v1/accounts/balance/x"));
        assert!(pattern("/v1/accounts/*").matches("/v1/accounts/abc/entries"));
        assert!(pattern("/v1/*/entries").matches("/v1/accounts/abc/entries"));
        assert!(!pattern("/v1/*/entries").matches("/v1/accounts/abc/entries/2"));
        assert!(pattern("/*").matches("/anything") && pattern("/*").matches("/"));
        assert!(pattern("/a*a").matches("/aa") && !pattern("/a*a").matches("/a"));
        assert!(PathPattern::parse("v1").is_err() && PathPattern::parse("/a?b=1").is_err());
    }

    #[test]
    fn every_condition_must_hold_and_an_account_is_found_wherever_the_request_names_it() {
        let req = request(
            "/v1/accounts/acc-9",
            Some("currency=GBP&ref=r%201"),
            r#"{"transactionData":{"actionCode":"FUND","transactionAmount":1.00},"n":[7,"acc-7"],"a/b":{"~c":true}}"#,
        );
        let seen = Seen::new("clowd9", "UpdateBalance", &req);
        let ids = |ids: &[&str]| Some(ids.iter().map(|s| (*s).to_string()).collect());
        let body = |pointer: &str, equals: Value| {
            let map = serde_json::json!({ "pointer": pointer, "equals": equals });
            BodyEquals::parse(map.as_object().unwrap()).unwrap()
        };
        let header = |value: Option<&str>| {
            let map = serde_json::json!({ "name": "X-Case", "value": value });
            let mut map = map.as_object().unwrap().clone();
            if value.is_none() {
                map.remove("value");
            }
            HeaderEquals::parse(&map).unwrap()
        };
        let cases: Vec<(Matcher, bool)> = vec![
            (Matcher::default(), true),
            (Matcher { vendor: Some("clowd9".into()), ..Matcher::default() }, true),
            (Matcher { vendor: Some("qolo".into()), ..Matcher::default() }, false),
            (Matcher { operation: Some("Other".into()), ..Matcher::default() }, false),
            (Matcher { method: Some(http::Method::PUT), ..Matcher::default() }, false),
            (Matcher { account: ids(&["acc-9"]), ..Matcher::default() }, true),
            (Matcher { account: ids(&["nope", "acc-7"]), ..Matcher::default() }, true),
            (Matcher { account: ids(&["7"]), ..Matcher::default() }, true),
            (Matcher { account: ids(&["r 1"]), ..Matcher::default() }, true),
            (Matcher { account: ids(&["acc"]), ..Matcher::default() }, false),
            (Matcher { header: Some(header(Some("42"))), ..Matcher::default() }, true),
            (Matcher { header: Some(header(Some("4"))), ..Matcher::default() }, false),
            (Matcher { header: Some(header(None)), ..Matcher::default() }, true),
            (
                Matcher {
                    body: Some(body("/transactionData/actionCode", "FUND".into())),
                    ..Matcher::default()
                },
                true,
            ),
            (
                Matcher {
                    body: Some(body("/transactionData/transactionAmount", serde_json::json!(1))),
                    ..Matcher::default()
                },
                true,
            ),
            (
                Matcher {
                    body: Some(body("/transactionData/transactionAmount", serde_json::json!(1.01))),
                    ..Matcher::default()
                },
                false,
            ),
            (Matcher { body: Some(body("/missing", Value::Null)), ..Matcher::default() }, false),
            (Matcher { body: Some(body("/n/1", "acc-7".into())), ..Matcher::default() }, true),
            (Matcher { body: Some(body("/n/01", "acc-7".into())), ..Matcher::default() }, false),
            (
                Matcher { body: Some(body("/a~1b/~0c", Value::Bool(true))), ..Matcher::default() },
                true,
            ),
            (Matcher { body: Some(body("", Value::Bool(true))), ..Matcher::default() }, false),
            (
                Matcher {
                    vendor: Some("clowd9".into()),
                    account: ids(&["acc-9"]),
                    body: Some(body("/transactionData/actionCode", "DEBIT".into())),
                    ..Matcher::default()
                },
                false,
            ),
        ];
        for (n, (matcher, expected)) in cases.iter().enumerate() {
            assert_eq!(matcher.matches(&seen), *expected, "case {n}: {matcher:?}");
        }
    }
}
