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
