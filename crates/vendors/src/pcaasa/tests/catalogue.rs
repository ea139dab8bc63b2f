//! PCaaSA's error catalogue as a fault rule uses it: every entry drawn by name in the error
//! envelope of the call it answers, byte for byte what the handler answers, and the tenant a
//! request's session or API key names, read without renewing or creating anything.

use std::time::Duration;

use http::{HeaderValue, StatusCode};
use serde_json::Value;

use super::restart::call_refused;
use super::{OTHER_TENANT, body_json, call, harness};
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{Refusal, Request, Response, outage};

const TRACKING: &str = "4a8c2e6f-1b3d-4f5a-8e7c-9d0b2a4c6e81";

/// A debit of 5.00 from the empty account, tracked, as JSON: the main balance write.
fn adjust_request(h: &Harness) -> Request {
    let body = format!(
        r#"{{"sessionUuid": "{}", "externalTranUuid": "{TRACKING}", "accountUuid": "{}", "#,
        h.vars["session"], h.vars["empty"]
    ) + r#""amount": "-5.00"}"#;
    parse_request(&format!(
        "POST /?call=account-balance-adjust-v1\nContent-Type: application/json\n\n{body}"
    ))
}

/// A balance read, form-encoded, untracked: another call.
fn balance_request(h: &Harness, session: &str) -> Request {
    parse_request(&format!(
        "POST /?call=account-balance-get-v1\nContent-Type: application/x-www-form-urlencoded\n\n\
         sessionUuid={session}&accountUuid={}",
        h.vars["account"]
    ))
}

fn render_error(h: &Harness, name: &str, req: &Request) -> Option<Response> {
    h.with_ctx(|ctx| h.vendor.render_error(ctx, name, req, Some(TENANT)))
}

/// Status, every header and the body (exactly: JSON is UTF-8): what a client receives.
fn wire(resp: &Response) -> (StatusCode, Vec<(String, String)>, String) {
    let headers = resp
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    (resp.status, headers, String::from_utf8(resp.body.to_vec()).unwrap())
}

/// The `code` an entry's body carries: its name, but for the outages.
fn expected_code(name: &str) -> &str {
    match name {
        outage::RATE_LIMITED => "RATE_LIMITED",
        outage::INTERNAL => "SYSTEM_ERROR",
        outage::UNAVAILABLE => "SYSTEM_UNAVAILABLE",
        code => code,
    }
}

/// The codes drawn before the call's parameters are read: they echo no tracking id.
const UNREAD: [&str; 6] = [
    "CALL_UNKNOWN",
    "CONTENT_TYPE_UNSUPPORTED",
    "BODY_MALFORMED",
    "METHOD_NOT_ALLOWED",
    "REQUEST_TIMEOUT",
    "PAYLOAD_TOO_LARGE",
];

#[test]
fn pcaasa_every_catalogue_entry_renders_by_name_in_the_error_envelope_of_its_call() {
    let h = harness();
    let entries = h.vendor.errors();
    let requests = [
        (adjust_request(&h), "account-balance-adjust-v1", Some(TRACKING)),
        (balance_request(&h, &h.vars["session"]), "account-balance-get-v1", None),
    ];
    for (req, call, tracked) in requests {
        for entry in entries {
            let resp = render_error(&h, entry.name, &req).unwrap();
            assert_eq!(resp.status.as_u16(), entry.status, "{}: {}", entry.name, render(&resp));
            let body = body_json(&resp);
            assert_eq!(body["status"], "error", "{}", entry.name);
            assert_eq!(body["errors"].as_array().unwrap().len(), 1);
            assert_eq!(body["errors"][0]["code"], expected_code(entry.name), "{}", entry.name);
            assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty());
            if entry.name == "CALL_UNKNOWN" {
                // The request's own call is named unknown, as the fault asked.
                assert_eq!(body["errors"][0]["message"], format!("Unknown call: {call}"));
            }
            assert_eq!(body["call"], call, "{}", entry.name);
            let unread = UNREAD.contains(&entry.name);
            let echoed =
                if unread { Value::Null } else { tracked.map_or(Value::Null, Value::from) };
            assert_eq!(body["externalTranUuid"], echoed, "{}", entry.name);
            let retry_after = resp.headers.get("retry-after").map(|v| v.to_str().unwrap());
            assert_eq!(
                retry_after,
                matches!(entry.status, 429 | 503).then_some("1"),
                "{}",
                entry.name
            );
            assert_eq!(resp.headers["content-type"], "application/json");
            assert!(resp.reason.as_deref().unwrap().contains(entry.name));
            assert_eq!(resp.tenant, Some(TENANT));
            assert!(!entry.meaning.is_empty() && entry.meaning.ends_with('.'), "{}", entry.name);
        }
    }
}

#[test]
fn pcaasa_catalogue_has_the_outages_unique_names_and_nothing_else_renders() {
    let h = harness();
    let entries = h.vendor.errors();
    let status_of = |name: &str| entries.iter().find(|entry| entry.name == name).map(|e| e.status);
    assert_eq!(status_of(outage::UNAVAILABLE), Some(503));
    assert_eq!(status_of(outage::RATE_LIMITED), Some(429));
    assert_eq!(status_of(outage::INTERNAL), Some(500));
    assert_eq!(status_of("INSUFFICIENT_FUNDS"), Some(200), "business failures are RPC answers");
    assert_eq!(status_of("CALL_UNKNOWN"), Some(400));
    for (idx, entry) in entries.iter().enumerate() {
        assert!(!entries[..idx].iter().any(|e| e.name == entry.name), "{} twice", entry.name);
    }
    let req = adjust_request(&h);
    // The outages go by their outage names only.
    for unknown in ["", "SYSTEM_ERROR", "SYSTEM_UNAVAILABLE", "RATE_LIMITED", "insufficient_funds"]
    {
        assert!(render_error(&h, unknown, &req).is_none(), "{unknown:?}");
    }
}

#[test]
fn pcaasa_a_rendered_entry_is_the_handlers_own_answer_byte_for_byte() {
    let h = harness();
    let before = h.ledger.snapshot(h.now());
    let cases = [
        // A tracked debit from an empty account.
        (adjust_request(&h), "INSUFFICIENT_FUNDS"),
        // A balance read with a session idle past its lifetime.
        (balance_request(&h, &h.vars["expired_session"]), "SESSION_EXPIRED"),
        (parse_request("POST /?call=account-balance-adjust-v9\n\nx=1"), "CALL_UNKNOWN"),
        (parse_request("POST /\n\nx=1"), "CALL_UNKNOWN"),
        (
            parse_request("POST /?call=account-balance-get-v1\nContent-Type: text/plain\n\nhi"),
            "CONTENT_TYPE_UNSUPPORTED",
        ),
    ];
    for (req, name) in cases {
        let answered = h.send(req.clone());
        assert_eq!(body_json(&answered)["errors"][0]["code"], name, "{}", render(&answered));
        assert_eq!(wire(&render_error(&h, name, &req).unwrap()), wire(&answered), "{name}");
    }
    assert_eq!(h.ledger.snapshot(h.now()), before);

    // A session the store refuses to create: 503, with the tracking id echoed.
    let form = format!("apiKey={}&externalTranUuid={TRACKING}", h.vars["api_key"]);
    let refused = call_refused(&h, "session-create-v1", &form);
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    let req = parse_request(&format!(
        "POST /?call=session-create-v1\nContent-Type: application/x-www-form-urlencoded\n\n{form}"
    ));
    assert_eq!(wire(&render_error(&h, outage::UNAVAILABLE, &req).unwrap()), wire(&refused));
    // The server's own refusals echo no tracking id; without one, `internal` is the same answer.
    let untracked = balance_request(&h, &h.vars["session"]);
    let internal = h.vendor.refuse(Refusal::Internal, &untracked, uuid::Uuid::nil());
    assert_eq!(wire(&render_error(&h, outage::INTERNAL, &untracked).unwrap()), wire(&internal));
}

#[test]
fn pcaasa_rendering_survives_any_request() {
    let h = harness();
    let mut requests = vec![
        parse_request("POST /"),
        parse_request("GET /?call=%ff%fe"),
        parse_request(
            "POST /?call=account-balance-adjust-v1\nContent-Type: multipart/form-data\n\n--x",
        ),
        parse_request(&format!("POST /?call={}\n\n{{", "x".repeat(300))),
    ];
    let mut garbage = parse_request("POST /?call=account-balance-adjust-v1");
    garbage.body = vec![0xff, b'{', 0x00].into();
    garbage.headers.insert("content-type", HeaderValue::from_bytes(b"\xff/json").unwrap());
    requests.push(garbage);
    for req in &requests {
        for entry in h.vendor.errors() {
            let resp = h.with_ctx(|ctx| h.vendor.render_error(ctx, entry.name, req, None));
            let resp = resp.unwrap();
            assert_eq!(resp.status.as_u16(), entry.status, "{}", entry.name);
            assert_eq!(resp.tenant, None);
            let body = body_json(&resp);
            assert!(body["call"].as_str().is_none_or(|call| call.chars().count() <= 64));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// tenant_of

#[test]
fn pcaasa_tenant_of_reads_sessions_and_api_keys_in_every_encoding() {
    let h = harness();
    let v = &h.vars;
    let cases = [
        (format!("POST /?call=account-balance-get-v1\n\nsessionUuid={}", v["session"]), TENANT),
        (format!("POST /?call=account-balance-get-v1\n\nsessionUuid={}", v["login"]), TENANT),
        (
            format!(
                "POST /?call=account-balance-adjust-v1\n\n{{\"sessionUuid\": \"{}\"}}",
                v["other_session"]
            ),
            OTHER_TENANT,
        ),
        (
            format!(
                "POST /?call=account-balance-adjust-v1\n\
                 Content-Type: multipart/form-data; boundary=b\n\n\
                 --b\nContent-Disposition: form-data; name=\"sessionUuid\"\n\n{}\n--b--",
                v["session"]
            ),
            TENANT,
        ),
        // An expired session still names its tenant.
        (
            format!("POST /?call=account-balance-get-v1\n\nsessionUuid={}", v["expired_session"]),
            TENANT,
        ),
        (format!("POST /?call=session-create-v1\n\napiKey={}", v["api_key"]), TENANT),
        (
            format!("POST /?call=session-create-v1\n\n{{\"apiKey\": \"{}\"}}", v["other_api_key"]),
            OTHER_TENANT,
        ),
        (format!("POST /?call=session-create-v1&apiKey={}", v["api_key"]), TENANT),
        // session-create authenticates with the key first, every other call with the session.
        (
            format!(
                "POST /?call=session-create-v1\n\napiKey={}&sessionUuid={}",
                v["api_key"], v["other_session"]
            ),
            TENANT,
        ),
        (
            format!(
                "POST /?call=account-balance-get-v1\n\napiKey={}&sessionUuid={}",
                v["api_key"], v["other_session"]
            ),
            OTHER_TENANT,
        ),
    ];
    for (text, tenant) in cases {
        assert_eq!(h.vendor.tenant_of(&parse_request(&text)), Some(tenant), "{text}");
    }
}

#[test]
fn pcaasa_tenant_of_is_none_for_unknown_missing_or_garbage_credentials() {
    let h = harness();
    let texts = [
        "POST /?call=account-balance-get-v1".to_string(),
        "POST /?call=account-balance-get-v1\n\nsessionUuid=5a4db4a4-0000-4000-8000-00000000dead"
            .to_string(),
        "POST /?call=account-balance-get-v1\n\nsessionUuid=not-a-uuid".to_string(),
        "POST /?call=account-balance-get-v1\n\n{\"sessionUuid\": 12}".to_string(),
        "POST /?call=session-create-v1\n\napiKey=5a4db4a4-0000-4000-8000-00000000dead".to_string(),
        "POST /?call=account-balance-get-v1\nContent-Type: text/plain\n\nsessionUuid=x".to_string(),
        "POST /\n\n{\"sessionUuid\": ".to_string(),
        // An API key never issued, in the query string.
        format!(
            "POST /?call=session-create-v1&apiKey={}",
            h.vars["api_key"].replace("0001", "0003")
        ),
    ];
    for text in texts {
        assert_eq!(h.vendor.tenant_of(&parse_request(&text)), None, "{text}");
    }
    let mut garbage = parse_request("POST /?call=account-balance-get-v1");
    garbage.body = vec![0xff; 64].into();
    assert_eq!(h.vendor.tenant_of(&garbage), None);
}

#[test]
fn pcaasa_tenant_of_renews_no_session_and_creates_none() {
    let h = harness();
    let n_records = h.records();
    let login = h.vars["login"].clone();
    let read = balance_request(&h, &login);
    let create =
        parse_request(&format!("POST /?call=session-create-v1\n\napiKey={}", h.vars["api_key"]));
    // The login session was created 30 idle minutes before it lapses; ask whose it is as it ages.
    for _ in 0..20 {
        h.advance(Duration::from_secs(60));
        assert_eq!(h.vendor.tenant_of(&read), Some(TENANT));
        assert_eq!(h.vendor.tenant_of(&create), Some(TENANT));
    }
    assert_eq!(h.records(), n_records, "no session created, no renewal recorded");
    h.advance(Duration::from_secs(10 * 60));
    let resp = h.send(read.clone());
    assert_eq!(body_json(&resp)["errors"][0]["code"], "SESSION_EXPIRED", "{}", render(&resp));
    assert_eq!(
        h.vendor.tenant_of(&read),
        Some(TENANT),
        "an expired session still names its tenant"
    );
    assert_eq!(call(&h, "session-create-v1", &format!("apiKey={}", h.vars["api_key"])).status, 200);
}
