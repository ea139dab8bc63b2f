//! FirstVision's error catalogue as a fault rule uses it: every entry drawn by name in the
//! vendor's envelope on any route, byte for byte what the handlers answer, and the tenant a
//! request's credentials name, read without using anything up.

use std::time::Duration;

use http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::{
    API_KEY, OTHER_TENANT, SECRET, SEED_BODY, basic, put, seed_account, signed, token, with_seed,
    world,
};
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{Refusal, Request, Response, outage};

/// A cash-in on the L8V2 route (the main balance write), with the default tenant's credentials.
fn cash_request(h: &Harness, body: &str) -> Request {
    let mut req = parse_request(&format!(
        "PUT /account/balance\nContent-Type: application/json\napikey: {API_KEY}\n\
         X-ClientID: 00970\nAuthorization: Bearer {}\n",
        h.vars["token"]
    ));
    req.body = body.to_string().into();
    req
}

/// A balance inquiry, another route.
fn inquiry_request(h: &Harness) -> Request {
    let mut req = parse_request(&format!(
        "POST /account/balance/details\nContent-Type: application/json\napikey: {API_KEY}\n\
         X-ClientID: 00970\nAuthorization: Bearer {}\n",
        h.vars["token"]
    ));
    req.body = r#"{"accountNumber": "9704010000000001467", "organizationNumber": 970}"#.into();
    req
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

/// The code FirstVision's body shows for an entry: the VisionPLUS code, else the status number.
fn expected_code(name: &str, status: u16) -> String {
    if name.starts_with("VP") { name.to_string() } else { status.to_string() }
}

#[test]
fn firstvision_every_catalogue_entry_renders_by_name_in_the_vendor_envelope_on_any_route() {
    let h = world();
    let entries = h.vendor.errors();
    assert!(entries.len() > 40, "the VisionPLUS codes are all there: {}", entries.len());
    for req in [cash_request(&h, SEED_BODY), inquiry_request(&h)] {
        for entry in entries {
            let resp = render_error(&h, entry.name, &req).unwrap();
            assert_eq!(resp.status.as_u16(), entry.status, "{}: {}", entry.name, render(&resp));
            let body: Value = serde_json::from_slice(&resp.body).unwrap();
            assert_eq!(body["hasError"], json!(true), "{}", entry.name);
            assert_eq!(body["data"], Value::Null, "{}", entry.name);
            assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{}", entry.name);
            let code = body["errors"][0]["code"].as_str().unwrap();
            assert_eq!(code, expected_code(entry.name, entry.status), "{}", entry.name);
            assert!(!body["errors"][0]["description"].as_str().unwrap().is_empty());
            assert_eq!(resp.headers["content-type"], "application/json");
            let retry_after = resp.headers.get("retry-after").map(|v| v.to_str().unwrap());
            let asks_to_wait = matches!(entry.status, 429 | 503);
            assert_eq!(retry_after, asks_to_wait.then_some("1"), "{}", entry.name);
            assert_eq!(resp.tenant, Some(TENANT));
            assert!(resp.reason.unwrap().contains(entry.name));
            assert!(!entry.meaning.is_empty() && entry.meaning.ends_with('.'), "{}", entry.name);
        }
    }
}

#[test]
fn firstvision_catalogue_has_the_outages_unique_names_and_nothing_else_renders() {
    let h = world();
    let entries = h.vendor.errors();
    let status_of = |name: &str| entries.iter().find(|entry| entry.name == name).map(|e| e.status);
    assert_eq!(status_of(outage::UNAVAILABLE), Some(503));
    assert_eq!(status_of(outage::RATE_LIMITED), Some(429));
    assert_eq!(status_of(outage::INTERNAL), Some(500));
    assert_eq!(status_of("VPL8SMA71E"), Some(422));
    assert_eq!(status_of("unauthorized"), Some(401));
    // 413 is sandbank's own limit, in none of the vendor's status tables.
    assert_eq!(status_of("payload_too_large"), None);
    for (idx, entry) in entries.iter().enumerate() {
        assert!(!entries[..idx].iter().any(|e| e.name == entry.name), "{} twice", entry.name);
    }
    let req = cash_request(&h, SEED_BODY);
    for unknown in ["", "VPL8SMA99E", "vpl8sma71e", "422", "payload_too_large", "Unavailable"] {
        assert!(render_error(&h, unknown, &req).is_none(), "{unknown:?}");
    }
}

#[test]
fn firstvision_a_rendered_entry_is_the_handlers_own_answer_byte_for_byte() {
    let h = world();
    // A cash-out of 200.00 from the seed account, which holds nothing: VPL8SMA71E.
    let before = seed_account(&h).balances;
    let req = cash_request(&h, &with_seed("actionCode", json!("FREV")));
    let declined = h.send(req.clone());
    assert_eq!(declined.status, 422, "{}", render(&declined));
    assert_eq!(wire(&render_error(&h, "VPL8SMA71E", &req).unwrap()), wire(&declined));
    assert_eq!(seed_account(&h).balances, before);

    // A token that was never issued: 401.
    let mut req = cash_request(&h, SEED_BODY);
    req.headers.insert("authorization", HeaderValue::from_static("Bearer 0123456789abcdef"));
    let refused = h.send(req.clone());
    assert_eq!(refused.status, 401, "{}", render(&refused));
    assert_eq!(wire(&render_error(&h, "unauthorized", &req).unwrap()), wire(&refused));

    // The handler's own internal error (a route index past the table) is `internal`.
    let req = cash_request(&h, SEED_BODY);
    let past = h.vendor.routes().len();
    let failed = h.with_ctx(|ctx| h.vendor.handle(ctx, past, &req));
    assert_eq!(failed.status, 500);
    assert_eq!(wire(&render_error(&h, outage::INTERNAL, &req).unwrap()), wire(&failed));
    let refused = h.vendor.refuse(Refusal::Internal, &req, uuid::Uuid::nil());
    assert_eq!(wire(&render_error(&h, outage::INTERNAL, &req).unwrap()), wire(&refused));
}

#[test]
fn firstvision_rendering_needs_no_credentials_and_survives_garbage() {
    let h = world();
    let mut garbage = parse_request("PUT /account/balance");
    garbage.body = vec![0xff, 0x00, b'{'].into();
    garbage.headers.insert("apikey", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    for entry in h.vendor.errors() {
        let resp = h.with_ctx(|ctx| h.vendor.render_error(ctx, entry.name, &garbage, None));
        let resp = resp.unwrap();
        assert_eq!(resp.status.as_u16(), entry.status);
        assert_eq!(resp.tenant, None);
    }
}

// ---------------------------------------------------------------------------------------------
// tenant_of

fn with_headers(text: &str) -> Request {
    parse_request(text)
}

#[test]
fn firstvision_tenant_of_reads_each_kind_of_credential() {
    let h = world();
    let other_key = h.vars["other_apikey"].clone();
    let cases = [
        (format!("PUT /account/balance\napikey: {API_KEY}"), TENANT),
        (format!("PUT /account/balance\napikey: {other_key}"), OTHER_TENANT),
        (format!("POST /token\nAuthorization: Basic {}", basic(API_KEY, SECRET)), TENANT),
        (
            format!("POST /firstvision/token\nAuthorization: Basic {}", h.vars["other_basic"]),
            OTHER_TENANT,
        ),
        // A wrong secret still names the apikey's tenant, as the token call's refusal does.
        (format!("POST /token\nAuthorization: Basic {}", basic(API_KEY, "wrong")), TENANT),
        (format!("GET /account/v2/accounts\nAuthorization: Bearer {}", h.vars["token"]), TENANT),
        (
            format!("GET /account/v2/accounts\nAuthorization: Bearer {}", h.vars["other_token"]),
            OTHER_TENANT,
        ),
    ];
    for (text, tenant) in cases {
        assert_eq!(h.vendor.tenant_of(&with_headers(&text)), Some(tenant), "{text}");
    }
}

#[test]
fn firstvision_an_expired_access_token_still_names_its_tenant() {
    let h = world();
    let req =
        with_headers(&format!("PUT /account/balance\nAuthorization: Bearer {}", h.vars["token"]));
    h.advance(Duration::from_secs(901));
    let refused = put(&h, "/account/balance", SEED_BODY, &[]);
    assert!(refused.reason.unwrap().contains("expired"), "the token did expire");
    assert_eq!(h.vendor.tenant_of(&req), Some(TENANT));
}

#[test]
fn firstvision_tenant_of_is_none_for_unknown_missing_or_garbage_credentials() {
    let h = world();
    let texts = [
        "PUT /account/balance".to_string(),
        "PUT /account/balance\napikey: not-a-key".to_string(),
        "PUT /account/balance\nAuthorization: Bearer 0123456789abcdef0123456789abcdef".to_string(),
        format!("POST /token\nAuthorization: Basic {}", basic("nobody", SECRET)),
        "POST /token\nAuthorization: Basic !!!not-base64".to_string(),
        "POST /token\nAuthorization: Digest username=\"x\"".to_string(),
        // The secret alone names no one.
        format!("PUT /account/balance\nAuthorization: Bearer {SECRET}"),
    ];
    for text in texts {
        assert_eq!(h.vendor.tenant_of(&with_headers(&text)), None, "{text}");
    }
    let mut garbage = with_headers("PUT /account/balance");
    garbage.headers.insert("apikey", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    garbage.headers.insert("authorization", HeaderValue::from_bytes(b"Bearer \xff").unwrap());
    garbage.body = vec![0xff; 64].into();
    assert_eq!(h.vendor.tenant_of(&garbage), None);
}

#[test]
fn firstvision_tenant_of_uses_nothing_up() {
    let h = world();
    let n_records = h.records();
    let ledger_before = h.ledger.snapshot(h.now());
    // A signed cash-in: its request id must still be fresh for the real call.
    let now_ms = h.now().as_unix_micros() / 1000;
    let body = with_seed("otbUpdateIndicator", json!(0));
    let headers = signed(&body, "catalogue-rid-1", now_ms);
    let mut req = cash_request(&h, &body);
    for (name, value) in &headers {
        req.headers.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let token_call = with_headers(&format!(
        "POST /token\nContent-Type: application/x-www-form-urlencoded\nAuthorization: Basic {}\n\n\
         grant_type=client_credentials",
        basic(API_KEY, SECRET)
    ));
    for _ in 0..3 {
        assert_eq!(h.vendor.tenant_of(&req), Some(TENANT));
        assert_eq!(h.vendor.tenant_of(&token_call), Some(TENANT));
    }
    assert_eq!(h.records(), n_records, "no token issued, no request id recorded");
    assert_eq!(h.ledger.snapshot(h.now()), ledger_before);
    let resp = h.send(req);
    assert_eq!(resp.status, 200, "the request id is still fresh: {}", render(&resp));
    // And a token is still issued normally afterwards.
    token(&h, API_KEY, SECRET);
}
