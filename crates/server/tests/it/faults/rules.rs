//! The rules' admin API and what decides whether a rule fires: refusals that name the field
//! and change nothing, listing and deleting, matching on account, header, body, path and
//! operation, a seeded probability that fires on the same requests every run, a window on the
//! tenant's virtual clock, and tenants that never see each other's rules.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::target::Target;
use super::{last_vendor_entry, raw, rule, shown};
use crate::common::{Reply, Sandbox};

const PATIENCE: Duration = Duration::from_secs(10);

async fn post_rule(sb: &Sandbox, spec: Value) -> Reply {
    Reply::read(sb.admin(Method::POST, "/__admin/faults", Some(spec)).await).await
}

async fn listed(sb: &Sandbox) -> Vec<Value> {
    let reply = Reply::read(sb.admin(Method::GET, "/__admin/faults", None).await).await;
    reply.body["faults"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_bad_rule_is_refused_naming_its_field_and_nothing_is_made() {
    let sb = Sandbox::start().await;
    let account = sb.open_account("clowd9", "GBP", "1", json!({})).await;
    let ok = json!({"name": "x", "error": "unavailable"});
    let with = |patch: Value| {
        let mut spec = ok.clone();
        spec.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        spec
    };
    for (spec, field) in [
        (json!({"error": "unavailable"}), "name:"),
        (with(json!({"name": "has space"})), "name:"),
        (json!({"name": "x"}), "a rule does something"),
        (with(json!({"match": {"vendor": "stripe"}})), "match.vendor:"),
        (with(json!({"match": {"vendor": "clowd9", "operation": "Nope"}})), "match.operation:"),
        (with(json!({"match": {"method": "G ET"}})), "match.method:"),
        (with(json!({"match": {"path": "v1"}})), "match.path:"),
        (with(json!({"match": {"account": "no-such-account"}})), "match.account:"),
        (with(json!({"match": {"header": {"value": "1"}}})), "match.header.name:"),
        (
            with(json!({"match": {"body": {"pointer": "direction", "equals": 1}}})),
            "match.body.pointer:",
        ),
        (with(json!({"match": {"colour": "red"}})), "match.colour:"),
        (with(json!({"when": {"probability": 1.01}})), "when.probability:"),
        (with(json!({"when": {"probability": -0.1}})), "when.probability:"),
        (with(json!({"when": {"first": 0}})), "when.first:"),
        (
            with(
                json!({"when": {"from": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}}),
            ),
            "when.until:",
        ),
        (with(json!({"phase": "during"})), "phase:"),
        (with(json!({"latency_ms": -1})), "latency_ms:"),
        (with(json!({"latency_ms": [300, 100]})), "latency_ms:"),
        (with(json!({"latency_ms": 600_001})), "latency_ms:"),
        (with(json!({"error": "VPL9999", "match": {"vendor": "firstvision"}})), "error:"),
        (with(json!({"error": "insufficient_balance"})), "error:"),
        (with(json!({"transport": "explode"})), "transport:"),
        (json!({"name": "x", "transport": "truncate"}), "transport:"),
        (with(json!({"hang_ms": 10})), "hang_ms:"),
        (with(json!({"severity": 3})), "severity:"),
    ] {
        let reply = post_rule(&sb, spec.clone()).await;
        assert_eq!(reply.status, 400, "{spec}: {reply:#?}");
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{spec}: {message}");
    }
    for (bad, why) in
        [("", "empty"), ("[1]", "not an object"), ("{\"name\":\"a\",\"name\":\"b\"}", "duplicate")]
    {
        let resp = sb
            .client
            .post(sb.url("/__admin/faults"))
            .bearer_auth(&sb.server.admin_token)
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{why}");
    }
    assert!(listed(&sb).await.is_empty(), "no refused rule was made");
    // A good one for the account, by a vendor identifier; a second of the same name conflicts.
    let account_id = account["vendor_ids"]["account_id"].as_str().unwrap();
    let made =
        rule(&sb, json!({"name": "x", "match": {"account": account_id}, "error": "unavailable"}))
            .await;
    assert_eq!((made["id"].as_str(), made["fired"].as_u64()), (Some("flt_1"), Some(0)));
    let again = post_rule(&sb, json!({"name": "x", "error": "internal"})).await;
    assert_eq!(again.status, 409, "{again:#?}");
    assert_eq!(listed(&sb).await.len(), 1);
}

#[tokio::test]
async fn rules_are_listed_in_order_read_by_id_or_name_and_deleted_one_or_all() {
    let sb = Sandbox::start().await;
    for name in ["one", "two", "three"] {
        rule(&sb, json!({"name": name, "latency_ms": 1, "note": format!("the {name}")})).await;
    }
    let names: Vec<Value> = listed(&sb).await.iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("one"), json!("two"), json!("three")]);
    assert_eq!(shown(&sb, "two").await["id"], json!("flt_2"));
    assert_eq!(shown(&sb, "flt_3").await["note"], json!("the three"));
    assert_eq!(sb.admin(Method::DELETE, "/__admin/faults/two", None).await.status(), 204);
    assert_eq!(sb.admin(Method::DELETE, "/__admin/faults/two", None).await.status(), 404);
    assert_eq!(sb.admin(Method::GET, "/__admin/faults/flt_2", None).await.status(), 404);
    let cleared = Reply::read(sb.admin(Method::DELETE, "/__admin/faults", None).await).await;
    assert_eq!(cleared.body, json!({"deleted": 2}));
    assert!(listed(&sb).await.is_empty());
    // Ids are not reused.
    assert_eq!(rule(&sb, json!({"name": "one", "latency_ms": 1})).await["id"], json!("flt_4"));
    // A reset of the tenant forgets its rules.
    assert_eq!(sb.admin(Method::POST, "/__admin/reset", None).await.status(), 200);
    assert!(listed(&sb).await.is_empty());
}

/// Sends the target's write with `extra` headers; whether the rule fired on it.
async fn fired(sb: &Sandbox, target: &Target, extra: &[(&str, &str)]) -> bool {
    let seen = raw(sb, &target.request(&target.key(), extra), PATIENCE).await;
    let fault = seen.header("x-sandbank-reason").is_some_and(|r| r.starts_with("fault: rule"));
    assert_eq!(fault, seen.status() == Some(503), "{seen:?}");
    fault
}

#[tokio::test]
async fn a_rule_fires_only_where_every_condition_it_names_holds() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "clowd9").await;
    let other = Target::open(&sb, "clowd9").await;
    let fv = Target::open(&sb, "firstvision").await;
    let cases = [
        (json!({"vendor": "clowd9"}), [true, true, false]),
        (json!({"vendor": "firstvision"}), [false, false, true]),
        (json!({"account": target.account}), [true, false, false]),
        (json!({"account": other.vendor_id}), [false, true, false]),
        (json!({"account": fv.vendor_id}), [false, false, true]),
        (json!({"operation": "UpdateAccountBalance"}), [true, true, false]),
        (json!({"method": "put"}), [false, false, true]),
        (json!({"path": "/v1/accounts/*"}), [true, true, false]),
        (json!({"path": "/v1/accounts"}), [false, false, false]),
        (json!({"body": {"pointer": "/direction", "equals": "Credit"}}), [true, true, false]),
        (json!({"body": {"pointer": "/amount", "equals": 100.0}}), [true, true, false]),
        (
            json!({"body": {"pointer": "/transactionData/actionCode", "equals": "FUND"}}),
            [false, false, true],
        ),
        (
            json!({"vendor": "clowd9", "body": {"pointer": "/direction", "equals": "Debit"}}),
            [false, false, false],
        ),
    ];
    for (n, (matching, expected)) in cases.iter().enumerate() {
        let made =
            rule(&sb, json!({"name": format!("m{n}"), "match": matching, "error": "unavailable"}))
                .await;
        let mut got = Vec::new();
        for t in [&target, &other, &fv] {
            got.push(fired(&sb, t, &[]).await);
        }
        assert_eq!(got, expected, "{matching}");
        sb.admin(
            Method::DELETE,
            &format!("/__admin/faults/{}", made["id"].as_str().unwrap()),
            None,
        )
        .await;
    }
    // A header, with a value or present at all.
    rule(&sb, json!({"name": "h", "match": {"header": {"name": "X-Test-Case", "value": "42"}}, "error": "unavailable"})).await;
    assert!(fired(&sb, &target, &[("X-Test-Case", "42")]).await);
    assert!(!fired(&sb, &target, &[("X-Test-Case", "41")]).await);
    assert!(!fired(&sb, &target, &[]).await);
}

/// Which of `n` writes a probability rule seeded `seed` fires on, on a fresh server.
async fn firings(seed: u64, n: usize) -> Vec<usize> {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "clowd9").await;
    rule(
        &sb,
        json!({"name": "coin", "when": {"probability": 0.5, "seed": seed}, "error": "unavailable"}),
    )
    .await;
    let mut out = Vec::new();
    for i in 0..n {
        if fired(&sb, &target, &[]).await {
            out.push(i);
        }
    }
    out
}

#[tokio::test]
async fn a_seeded_probability_fires_on_the_same_requests_in_two_runs() {
    let first = firings(11, 40).await;
    assert_eq!(first, firings(11, 40).await, "same seed, same requests");
    assert!((8..=32).contains(&first.len()), "about half: {first:?}");
    assert_ne!(first, firings(12, 40).await, "another seed, other requests");
}

#[tokio::test]
async fn first_every_and_times_count_matching_requests() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "clowd9").await;
    let made = rule(
        &sb,
        json!({"name": "third", "when": {"every": 3, "times": 2}, "error": "unavailable"}),
    )
    .await;
    let mut got = Vec::new();
    for _ in 0..9 {
        got.push(fired(&sb, &target, &[]).await);
    }
    let expected = [false, false, true, false, false, true, false, false, false];
    assert_eq!(got, expected);
    let counts = shown(&sb, made["id"].as_str().unwrap()).await;
    assert_eq!((counts["matched"].as_u64(), counts["fired"].as_u64()), (Some(9), Some(2)));
}

#[tokio::test]
async fn a_window_on_the_tenants_clock_bounds_a_rule() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "clowd9").await;
    let clock = |body: Value| sb.admin(Method::POST, "/__admin/clock", Some(body));
    assert_eq!(clock(json!({"set": "2026-05-01T09:00:00Z", "freeze": true})).await.status(), 200);
    rule(&sb, json!({"name": "outage", "when": {"from": "2026-05-01T10:00:00Z", "until": "2026-05-01T11:00:00Z"}, "error": "unavailable"})).await;
    assert!(!fired(&sb, &target, &[]).await, "before the window");
    clock(json!({"advance": "PT1H"})).await;
    assert!(fired(&sb, &target, &[]).await, "inside");
    clock(json!({"advance": "PT1H"})).await;
    assert!(!fired(&sb, &target, &[]).await, "at its end");
}

#[tokio::test]
async fn a_tenants_rules_touch_only_its_own_requests_and_only_it_sees_them() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "amlyze").await;
    let made = Reply::read(sb.admin(Method::POST, "/__admin/tenants", Some(json!({}))).await).await;
    let other_token = made.body["admin_token"].as_str().unwrap().to_string();
    let amlyze_auth =
        made.body["credentials"]["amlyze"]["authorization"].as_str().unwrap().to_string();
    let opened = Reply::read(
        sb.admin_as(
            &other_token,
            Method::POST,
            "/__admin/accounts",
            Some(json!({"vendor": "amlyze", "currency": "EUR", "opening_balance": "0"})),
        )
        .await,
    )
    .await;
    let other_ext = opened.body["vendor_ids"]["accountExtId"].as_str().unwrap().to_string();
    // The default tenant's rule fails every AMLYZE call of the default tenant...
    rule(&sb, json!({"name": "all", "error": "unavailable"})).await;
    assert!(fired(&sb, &target, &[]).await);
    // ...and none of the other tenant's, which sees no rule and cannot name it.
    let body = json!({"communicationNumber": "77", "requester": "financial_institution", "balanceType": "STATEMENT_BALANCE", "accountExtId": other_ext, "businessUnit": "sandbox", "balanceAt": "2023-09-05T08:07:34.605Z", "value": 5, "equivalentValue": 5}).to_string();
    let send = |extra: &'static str| {
        let request = format!(
            "PUT /amlyze-ws-rest/account-balance HTTP/1.1\r\nHost: s\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: {amlyze_auth}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let sb = &sb;
        async move { raw(sb, request.as_bytes(), PATIENCE).await }
    };
    let theirs = send("").await;
    assert!(theirs.status().is_some_and(|s| s < 300), "{theirs:?}");
    let named = send("X-Sandbank-Fault: all\r\n").await;
    assert_eq!(named.status(), Some(400), "another tenant's rule is unknown here: {named:?}");
    let listed_there =
        Reply::read(sb.admin_as(&other_token, Method::GET, "/__admin/faults", None).await).await;
    assert_eq!(listed_there.body, json!({"faults": []}));
    assert_eq!(
        sb.admin_as(&other_token, Method::GET, "/__admin/faults/all", None).await.status(),
        404
    );
    assert_eq!(
        sb.admin_as(&other_token, Method::DELETE, "/__admin/faults/flt_1", None).await.status(),
        404
    );
    let entry = last_vendor_entry(&sb).await;
    assert_eq!(entry["fault"]["name"], json!("all"), "the default tenant's journal: {entry}");
}

#[tokio::test]
async fn the_vendor_catalogue_is_served_for_each_vendor_and_unknown_vendors_are_404() {
    let sb = Sandbox::start().await;
    for vendor in vendors::NAMES {
        let reply = Reply::read(
            sb.admin(Method::GET, &format!("/__admin/vendors/{vendor}/errors"), None).await,
        )
        .await;
        assert_eq!(reply.status, 200, "{vendor}");
        let names: Vec<&str> = reply.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        for outage in vendors::outage::ALL {
            assert!(names.contains(&outage), "{vendor} has {outage}");
        }
    }
    assert_eq!(sb.admin(Method::GET, "/__admin/vendors/stripe/errors", None).await.status(), 404);
    let anonymous = sb.client.get(sb.url("/__admin/vendors/clowd9/errors")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
