//! The admin API and the server's own behaviour: auth, tenants, the clock, the journal,
//! reasons, limits, unknown routes, shutdown.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Sandbox;

#[tokio::test]
async fn health_needs_no_token_and_everything_else_does() {
    let sb = Sandbox::start().await;
    let health = sb.client.get(sb.url("/__admin/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await.unwrap(), json!({ "status": "ok" }));

    let anonymous = sb.client.get(sb.url("/__admin/accounts")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["x-sandbank-reason"], "admin: missing admin bearer token");
    let wrong = sb.admin_as("nope", Method::GET, "/__admin/accounts", None).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_the_operator_creates_tenants_and_each_tenant_has_its_own_token() {
    let sb = Sandbox::start().await;
    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let tenant: Value = resp.json().await.unwrap();
    let token = tenant["admin_token"].as_str().unwrap().to_string();
    assert_ne!(token, sb.server.admin_token);
    assert!(tenant["credentials"].is_object());

    let own = sb.admin_as(&token, Method::GET, "/__admin/clock", None).await;
    assert_eq!(own.status(), StatusCode::OK);
    let forbidden = sb.admin_as(&token, Method::POST, "/__admin/tenants", None).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_clock_can_be_set_frozen_and_advanced_per_tenant() {
    let sb = Sandbox::start().await;
    let set = json!({ "set": "2026-03-01T23:59:00Z", "freeze": true });
    let resp = sb.admin(Method::POST, "/__admin/clock", Some(set)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({ "now": "2026-03-01T23:59:00Z", "frozen": true })
    );

    let resp = sb.admin(Method::POST, "/__admin/clock", Some(json!({ "advance": "P1DT1M" }))).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["now"], "2026-03-03T00:00:00Z");

    // Another tenant's clock is untouched.
    let other: Value = sb.admin(Method::POST, "/__admin/tenants", None).await.json().await.unwrap();
    let other_clock: Value = sb
        .admin_as(other["admin_token"].as_str().unwrap(), Method::GET, "/__admin/clock", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other_clock["frozen"], false);
    assert!(other_clock["now"].as_str().unwrap() > "2026-11-01");

    for bad in [
        json!({ "advance": "-P1D" }),
        json!({ "advance": "P1M" }),
        json!({ "set": "yesterday" }),
        json!({ "tick": 1 }),
        json!({}),
    ] {
        let resp = sb.admin(Method::POST, "/__admin/clock", Some(bad.clone())).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(resp.headers().contains_key("x-sandbank-reason"));
    }
    let after: Value = sb.admin(Method::GET, "/__admin/clock", None).await.json().await.unwrap();
    assert_eq!(after["now"], "2026-03-03T00:00:00Z", "rejected clock changes change nothing");
}

#[tokio::test]
async fn unknown_paths_get_a_json_404_with_a_reason_and_are_journaled() {
    let sb = Sandbox::start().await;
    let resp = sb.client.post(sb.url("/no/such/path")).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()["x-sandbank-reason"], "route: no vendor serves POST /no/such/path");
    let trace_id = resp.headers()["x-sandbank-trace-id"].to_str().unwrap().to_string();
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_found");

    let journal = sb.journal().await;
    let entry = journal.iter().find(|e| e["trace_id"] == trace_id.as_str()).expect("journaled");
    assert_eq!(entry["status"], 404);
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["reason"], "route: no vendor serves POST /no/such/path");
}

#[tokio::test]
async fn the_journal_is_newest_first_and_bounded() {
    let sb = Sandbox::start().await;
    for idx in 0..(server::journal::JOURNAL_ENTRIES_MAX + 20) {
        sb.client.get(sb.url(&format!("/missing/{idx}"))).send().await.unwrap();
    }
    let journal = sb.journal().await;
    assert_eq!(journal.len(), server::journal::JOURNAL_ENTRIES_MAX);
    let newest = server::journal::JOURNAL_ENTRIES_MAX + 19;
    assert_eq!(journal[0]["path"], format!("/missing/{newest}"));
}

#[tokio::test]
async fn oversized_and_malformed_admin_bodies_are_refused() {
    let sb = Sandbox::start().await;
    let huge = "x".repeat(vendors::REQUEST_BODY_BYTES_MAX + 1);
    let resp = sb
        .client
        .post(sb.url("/__admin/accounts"))
        .bearer_auth(&sb.server.admin_token)
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let resp = sb
        .client
        .post(sb.url("/__admin/accounts"))
        .bearer_auth(&sb.server.admin_token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "invalid_json");
    for (body, field) in [
        (json!({ "currency": "USD" }), "vendor"),
        (json!({ "vendor": "nobody", "currency": "USD" }), "vendor"),
        (json!({ "vendor": "clowd9", "currency": "XYZ" }), "currency"),
        (
            json!({ "vendor": "clowd9", "currency": "USD", "opening_balance": "1.001" }),
            "opening_balance",
        ),
        (
            json!({ "vendor": "clowd9", "currency": "USD", "limits": { "balance_max": "abc" } }),
            "balance_max",
        ),
        (json!({ "vendor": "clowd9", "currency": "USD", "limits": { "speed": 1 } }), "speed"),
    ] {
        let resp = sb.admin(Method::POST, "/__admin/accounts", Some(body.clone())).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        let reason = resp.headers()["x-sandbank-reason"].to_str().unwrap().to_string();
        assert!(reason.contains(field), "{reason} should name {field}");
    }
    let accounts: Value =
        sb.admin(Method::GET, "/__admin/accounts", None).await.json().await.unwrap();
    assert_eq!(accounts["accounts"], json!([]), "refused requests open nothing");
}

#[tokio::test]
async fn shutdown_waits_for_in_flight_requests_and_then_refuses_connections() {
    let sb = Sandbox::start().await;
    let url = sb.url("/__admin/health");
    assert_eq!(sb.client.get(&url).send().await.unwrap().status(), StatusCode::OK);
    sb.server.shutdown().await.unwrap();
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err(), "the port is closed after shutdown");
}

/// `GET /__admin/accounts/{id}` as JSON.
async fn account(sb: &Sandbox, id: &str) -> Value {
    let resp = sb.admin(Method::GET, &format!("/__admin/accounts/{id}"), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// An admin request with a body sent exactly as these bytes.
async fn admin_raw(sb: &Sandbox, method: Method, path: &str, body: &[u8]) -> reqwest::Response {
    sb.client
        .request(method, sb.url(path))
        .bearer_auth(&sb.server.admin_token)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// Asserts an admin refusal: `status`, the admin error shape with `code`, and a reason that
/// mentions `mention`.
async fn assert_refused(resp: reqwest::Response, status: StatusCode, code: &str, mention: &str) {
    assert_eq!(resp.status(), status);
    let reason = resp.headers()["x-sandbank-reason"].to_str().unwrap().to_string();
    assert!(reason.contains(mention), "{reason:?} should mention {mention:?}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 2, "error and message only: {body}");
}

// See: issue item 2 (a refused admin PATCH changes state).
#[tokio::test]
async fn a_refused_patch_changes_neither_limits_nor_status() {
    let sb = Sandbox::start().await;
    let opened = sb.open_account("clowd9", "USD", "1.00", json!({})).await;
    let id = opened["id"].as_str().unwrap();
    let path = format!("/__admin/accounts/{id}");
    let before = account(&sb, id).await;
    for (body, status, code, mention) in [
        (
            json!({ "limits": { "balance_max": "5.00" }, "status": "bogus" }),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "status",
        ),
        (
            json!({ "status": "frozen", "limits": { "balance_max": "5.001" } }),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "limits",
        ),
        (
            json!({ "status": "frozen", "limits": { "balance_min": "-1.00", "balance_max": "-5.00" } }),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "limits",
        ),
        (
            json!({ "status": "frozen", "limits": { "balance_max": "5.00" }, "colour": "red" }),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "colour",
        ),
    ] {
        let resp = sb.admin(Method::PATCH, &path, Some(body.clone())).await;
        assert_refused(resp, status, code, mention).await;
        assert_eq!(account(&sb, id).await, before, "{body} changed the account");
    }

    // Both parts apply together when both are valid, closing included.
    let both = json!({ "limits": { "balance_max": "5.00" }, "status": "closed" });
    let resp = sb.admin(Method::PATCH, &path, Some(both)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let closed = account(&sb, id).await;
    assert_eq!(
        (&closed["status"], &closed["limits"]["balance_max"]),
        (&json!("closed"), &json!("5.00"))
    );

    // A closed account refuses any change, and none of it sticks.
    let reopen = json!({ "limits": { "balance_max": "9.00" }, "status": "active" });
    let resp = sb.admin(Method::PATCH, &path, Some(reopen)).await;
    assert_refused(resp, StatusCode::CONFLICT, "conflict", "closed").await;
    assert_eq!(account(&sb, id).await, closed);
}

// See: issue item 3 (duplicate JSON keys; invalid JSON anywhere in the body).
#[tokio::test]
async fn admin_bodies_with_a_repeated_key_or_invalid_text_anywhere_are_refused() {
    let sb = Sandbox::start().await;
    let opened = sb.open_account("clowd9", "USD", "1.00", json!({})).await;
    let id = opened["id"].as_str().unwrap().to_string();
    let patch_path = format!("/__admin/accounts/{id}");
    let before = account(&sb, &id).await;
    let frozen = json!({ "set": "2030-01-01T00:00:00Z", "freeze": true });
    let clock_before: Value =
        sb.admin(Method::POST, "/__admin/clock", Some(frozen)).await.json().await.unwrap();
    let open = |rest: &str| {
        format!(r#"{{"vendor":"clowd9","currency":"USD","opening_balance":"1.00"{rest}}}"#)
            .into_bytes()
    };
    let cases: Vec<(Method, &str, Vec<u8>, &str)> = vec![
        (
            Method::POST,
            "/__admin/accounts",
            open(r#","opening_balance":"7777.00""#),
            "opening_balance",
        ),
        (
            Method::POST,
            "/__admin/accounts",
            open(r#","limits":{"balance_max":"1","balance_max":"9"}"#),
            "balance_max",
        ),
        (
            Method::POST,
            "/__admin/accounts",
            open(r#","vendor_ids":{"external_id":"a","external_id":"b"}"#),
            "external_id",
        ),
        (
            Method::POST,
            "/__admin/accounts",
            open(r#","vendor_ids":{"external_id":"\ud800"}"#),
            "escape",
        ),
        (
            Method::POST,
            "/__admin/accounts",
            open(r#","vendor_ids":{"external_id":"\udc00\ud800"}"#),
            "escape",
        ),
        (
            Method::POST,
            "/__admin/accounts",
            [open("").as_slice()[..60].to_vec(), b"\xff\xfe\"}".to_vec()].concat(),
            "JSON",
        ),
        (
            Method::PATCH,
            &patch_path,
            br#"{"status":"frozen","status":"closed"}"#.to_vec(),
            "status",
        ),
        (
            Method::PATCH,
            &patch_path,
            br#"{"limits":{"balance_max":"5.00","balance_max":null}}"#.to_vec(),
            "balance_max",
        ),
        (
            Method::POST,
            "/__admin/clock",
            br#"{"advance":"P1D","advance":"P9D"}"#.to_vec(),
            "advance",
        ),
        (
            Method::POST,
            "/__admin/clock",
            b"{\"set\":\"2026-01-01T00:00:00Z\",\"x\":\"\\ud800\"}".to_vec(),
            "escape",
        ),
        (Method::POST, "/__admin/tenants", br#"{"a":1,"a":2}"#.to_vec(), "\"a\""),
        (Method::POST, "/__admin/reset", br#"{"a":{"b":1,"b":1}}"#.to_vec(), "\"b\""),
    ];
    for (method, path, body, mention) in cases {
        let text = String::from_utf8_lossy(&body).into_owned();
        let resp = admin_raw(&sb, method.clone(), path, &body).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{method} {path} {text}");
        assert_refused(resp, StatusCode::BAD_REQUEST, "invalid_json", mention).await;
    }
    let accounts: Value =
        sb.admin(Method::GET, "/__admin/accounts", None).await.json().await.unwrap();
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1, "nothing opened");
    assert_eq!(account(&sb, &id).await, before, "nothing patched or reset");
    let clock: Value = sb.admin(Method::GET, "/__admin/clock", None).await.json().await.unwrap();
    assert_eq!(clock, clock_before, "the clock did not move");
    assert_eq!(tenant_ids(&sb).await.len(), 1, "no tenant created");
}

/// The ids of every tenant, as `GET /__admin/tenants` lists them.
pub(crate) async fn tenant_ids(sb: &Sandbox) -> Vec<String> {
    let resp = sb.admin(Method::GET, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenant_id"].as_str().unwrap().to_string())
        .collect()
}

// See: issue item 9 (unknown fields ignored; `additionalProperties: false` in the spec).
#[tokio::test]
async fn every_admin_body_refuses_unknown_fields_by_name_and_changes_nothing() {
    let sb = Sandbox::start().await;
    let opened = sb.open_account("clowd9", "USD", "1.00", json!({})).await;
    let id = opened["id"].as_str().unwrap().to_string();
    let frozen = json!({ "set": "2030-01-01T00:00:00Z", "freeze": true });
    let clock_before: Value =
        sb.admin(Method::POST, "/__admin/clock", Some(frozen)).await.json().await.unwrap();
    let before = account(&sb, &id).await;
    let patch_path = format!("/__admin/accounts/{id}");
    let cases = [
        (
            Method::POST,
            "/__admin/accounts",
            json!({ "vendor": "clowd9", "currency": "USD", "opening_balanse": "5.00" }),
            "opening_balanse",
        ),
        (Method::PATCH, patch_path.as_str(), json!({ "status": "frozen", "state": 1 }), "state"),
        (Method::POST, "/__admin/clock", json!({ "advance": "P1D", "tick": true }), "tick"),
        (Method::POST, "/__admin/clock", json!({ "freeze": "yes" }), "freeze"),
        (Method::POST, "/__admin/clock", json!({ "reset": 1 }), "reset"),
        (Method::POST, "/__admin/tenants", json!({ "name": "ci" }), "name"),
        (Method::POST, "/__admin/reset", json!({ "everything": true }), "everything"),
    ];
    for (method, path, body, field) in cases {
        let resp = sb.admin(method.clone(), path, Some(body.clone())).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{method} {path} {body}");
        assert_refused(resp, StatusCode::BAD_REQUEST, "invalid_field", field).await;
    }
    let accounts: Value =
        sb.admin(Method::GET, "/__admin/accounts", None).await.json().await.unwrap();
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1, "nothing opened, nothing reset");
    assert_eq!(account(&sb, &id).await, before, "nothing patched");
    let clock: Value = sb.admin(Method::GET, "/__admin/clock", None).await.json().await.unwrap();
    assert_eq!(clock, clock_before, "the clock did not move");
    assert_eq!(tenant_ids(&sb).await.len(), 1, "no tenant created");

    // The known fields still work, and an empty body is still fine where nothing is required.
    let resp = sb.admin(Method::POST, "/__admin/reset", Some(json!({}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

// See: issue item 15 (one account, two types of FirstVision ids).
#[tokio::test]
async fn an_account_shows_the_same_vendor_ids_on_opening_reading_and_listing() {
    let sb = Sandbox::start().await;
    let currency = |vendor: &str| match vendor {
        "clowd9" => "GBP",
        "amlyze" => "EUR",
        _ => "USD",
    };
    for vendor in ["firstvision", "clowd9", "amlyze", "qolo", "pcaasa"] {
        let opened = sb.open_account(vendor, currency(vendor), "1.00", json!({})).await;
        let id = opened["id"].as_str().unwrap();
        let read = account(&sb, id).await;
        assert_eq!(read["vendor_ids"], opened["vendor_ids"], "{vendor}: GET differs from POST");
        let path = format!("/__admin/accounts?vendor={vendor}");
        let listed: Value = sb.admin(Method::GET, &path, None).await.json().await.unwrap();
        assert_eq!(listed["accounts"][0]["vendor_ids"], opened["vendor_ids"], "{vendor}: list");
    }
    let fv: Value = sb
        .admin(Method::GET, "/__admin/accounts?vendor=firstvision", None)
        .await
        .json()
        .await
        .unwrap();
    let ids = &fv["accounts"][0]["vendor_ids"];
    for key in ["organizationNumber", "logo", "cardSequence"] {
        assert!(ids[key].is_u64(), "{key} is a number, as FirstVision sends it: {ids}");
    }
    assert!(ids["accountNumber"].is_string() && ids["actionCodes"].is_object(), "{ids}");
}

#[tokio::test]
async fn an_opening_the_ledger_refuses_leaves_nothing_behind_in_any_vendor() {
    let sb = Sandbox::start().await;
    let cases = [
        (
            "firstvision",
            "USD",
            json!({ "accountNumber": "9704010000000001467", "cardNumber": "0004444440000000558" }),
        ),
        (
            "clowd9",
            "GBP",
            json!({ "account_id": "8f0c1a52-3b7e-4d29-9a61-0c5e2f7b4d13", "external_id": "ext-1" }),
        ),
        ("amlyze", "EUR", json!({ "accountExtId": "ACC-1", "businessEntityExtId": "CUS-1" })),
        (
            "qolo",
            "USD",
            json!({ "account_guid": "2b1e6c0a-7d4f-4e8b-9c3a-5f1d0e2a7b66", "wallet_id": "W-1",
                    "card_proxy": "PROXY-1" }),
        ),
        ("pcaasa", "USD", json!({ "accountUuid": "6d0f9a3e-1b2c-4d5e-8f70-9a1b2c3d4e5f" })),
    ];
    for (vendor, currency, ids) in cases {
        // Over its own maximum balance: the ledger refuses the opening, after the vendor read
        // and checked the identifiers.
        let refused = json!({ "vendor": vendor, "currency": currency, "opening_balance": "50.00",
                              "limits": { "balance_max": "10.00" }, "vendor_ids": ids });
        let resp = sb.admin(Method::POST, "/__admin/accounts", Some(refused)).await;
        assert_refused(resp, StatusCode::CONFLICT, "account_not_opened", "opening balance").await;
        let accounts: Value =
            sb.admin(Method::GET, "/__admin/accounts", None).await.json().await.unwrap();
        assert_eq!(accounts["accounts"], json!([]), "{vendor}: no account");
        // The identifiers were not taken: the same opening within limits succeeds.
        let opened =
            sb.open_account(vendor, currency, "5.00", json!({ "vendor_ids": ids.clone() })).await;
        for (key, value) in ids.as_object().unwrap() {
            assert_eq!(&opened["vendor_ids"][key], value, "{vendor}: {key}");
        }
        let resp = sb.admin(Method::POST, "/__admin/reset", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
}
