//! PCaaSA's behaviour through its wire: `.http` fixtures in `test_data/pcaasa/` snapshotted
//! against one shared setup, and plain tests for what matters most (balances move, refusals
//! change nothing, sessions expire, replays answer the same bytes).

mod catalogue;
mod restart;

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use ledger::{Currency, Limits, Status, TenantId};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::testing::{Harness, TENANT, parse_request};
use crate::{AccountSpec, Refusal, Request, Response};

const OTHER_TENANT: TenantId = TenantId(uuid::Uuid::from_u128(2));

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn cents(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

/// Opens a USD account for `tenant` and returns its vendor ids.
fn open(
    harness: &Harness,
    tenant: TenantId,
    opening: Decimal,
    limits: Limits,
    vendor_ids: Value,
) -> Map<String, Value> {
    let Value::Object(vendor_ids) = vendor_ids else { panic!("vendor ids must be an object") };
    let spec = AccountSpec { currency: usd(), opening_balance: opening, limits, vendor_ids };
    let opened = harness.with_ctx(|ctx| harness.vendor.open_account(ctx, tenant, &spec)).unwrap();
    opened.vendor_ids
}

fn body_json(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap()
}

/// Sends a form-encoded call.
fn call(harness: &Harness, name: &str, form: &str) -> Response {
    let text =
        format!("POST /?call={name}\nContent-Type: application/x-www-form-urlencoded\n\n{form}");
    harness.send(parse_request(&text))
}

/// The shared setup of every fixture: accounts of every kind, sessions (standing, fresh,
/// expired, another tenant's), each in `harness.vars`.
fn harness() -> Harness {
    let mut harness = Harness::new(super::vendor());
    let other =
        harness.vendor.provision_tenant(OTHER_TENANT, false, &crate::common::ids::IdGen::random());
    let api_key = "5a4db4a4-0000-4000-8000-000000000001";
    let mut vars: Vec<(String, String)> = vec![
        ("session".into(), "5a4db4a4-0000-4000-8000-000000000002".into()),
        ("api_key".into(), api_key.into()),
        ("other_session".into(), other["sessionUuid"].as_str().unwrap().into()),
        ("other_api_key".into(), other["apiKey"].as_str().unwrap().into()),
    ];

    let mut add = |name: &str, ids: Map<String, Value>| {
        vars.push((name.into(), ids["accountUuid"].as_str().unwrap().into()));
        let reference = ids["paymentInstrumentReferenceNumber"].as_str().unwrap();
        vars.push((format!("{name}_reference"), reference.into()));
    };
    add(
        "account",
        open(
            &harness,
            TENANT,
            cents(50_000),
            Limits::default(),
            json!({"accountUuid": "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17",
                   "paymentInstrumentReferenceNumber": "PI4000123412341234"}),
        ),
    );
    add("empty", open(&harness, TENANT, Decimal::ZERO, Limits::default(), json!({})));
    let limits = Limits {
        balance_max: Some(cents(100_000)),
        transfer_amount_max: Some(cents(50_000)),
        daily_debit_amount_max: Some(cents(5_000)),
        daily_credit_count_max: Some(3),
        ..Limits::default()
    };
    add("limited", open(&harness, TENANT, cents(10_000), limits, json!({})));
    let overdraft = Limits { balance_min: cents(-10_000), ..Limits::default() };
    add("overdraft", open(&harness, TENANT, cents(2_500), overdraft, json!({})));
    let closed = open(&harness, TENANT, cents(1_000), Limits::default(), json!({}));
    let blocked = open(&harness, TENANT, cents(1_000), Limits::default(), json!({}));
    for (ids, status) in [(&closed, Status::Closed), (&blocked, Status::Frozen)] {
        let id = account_id(&harness, TENANT, ids);
        harness.ledger.set_status(harness.now(), TENANT, id, status).unwrap();
    }
    add("closed", closed);
    add("blocked", blocked);
    add("other_account", open(&harness, OTHER_TENANT, cents(7_700), Limits::default(), json!({})));

    // A session created, then left idle past its lifetime; then a fresh one.
    let created = call(&harness, "session-create-v1", &format!("apiKey={api_key}"));
    let expired = body_json(&created)["data"]["sessionUuid"].as_str().unwrap().to_string();
    harness.advance(Duration::from_secs(31 * 60));
    let created = call(&harness, "session-create-v1", &format!("apiKey={api_key}"));
    let login = body_json(&created)["data"]["sessionUuid"].as_str().unwrap().to_string();
    vars.push(("expired_session".into(), expired));
    vars.push(("login".into(), login));
    harness.vars.extend(vars);
    harness
}

/// The ledger account behind a vendor-ids map, found by its label.
fn account_id(harness: &Harness, tenant: TenantId, ids: &Map<String, Value>) -> ledger::AccountId {
    let wanted = ids["accountUuid"].as_str().unwrap();
    harness
        .ledger
        .accounts(harness.now(), tenant)
        .into_iter()
        .find(|view| view.labels.get("accountUuid").map(String::as_str) == Some(wanted))
        .unwrap()
        .id
}

fn balances(harness: &Harness, account_uuid: &str) -> (String, String) {
    let resp = call(
        harness,
        "account-balance-get-v1",
        &format!("sessionUuid={}&accountUuid={account_uuid}", harness.vars["session"]),
    );
    let data = &body_json(&resp)["data"];
    (
        data["availableBalance"].as_str().unwrap().to_string(),
        data["currentBalance"].as_str().unwrap().to_string(),
    )
}

#[test]
fn pcaasa_fixtures_match_their_snapshots() {
    insta::glob!("../../test_data/pcaasa", "*.http", |path| {
        let harness = harness();
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(harness.run_fixture(&text));
    });
}

#[test]
fn a_debit_adjustment_lowers_both_balances_by_exactly_the_amount() {
    let harness = harness();
    let account = harness.vars["account"].clone();
    let form = format!(
        "sessionUuid={}&accountUuid={account}&amount=-10.00&tranCode=DOBKLVAD",
        harness.vars["session"]
    );
    let resp = call(&harness, "account-balance-adjust-v1", &form);
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(body_json(&resp)["status"], "success");
    assert_eq!(resp.tenant, Some(TENANT));
    assert_eq!(balances(&harness, &account), ("490.00".into(), "490.00".into()));
}

#[test]
fn a_credit_adjustment_raises_the_balance() {
    let harness = harness();
    let account = harness.vars["account"].clone();
    let form = format!(
        "sessionUuid={}&accountUuid={account}&amount=0.01&tranCode=CIBKLVAC",
        harness.vars["session"]
    );
    let resp = call(&harness, "account-balance-adjust-v1", &form);
    assert_eq!(body_json(&resp)["data"]["availableBalance"], "500.01");
    assert_eq!(balances(&harness, &account), ("500.01".into(), "500.01".into()));
}

#[test]
fn refused_adjustments_change_nothing_in_the_ledger() {
    let harness = harness();
    let before = harness.ledger.snapshot(harness.now());
    let account = harness.vars["account"].clone();
    let session = harness.vars["session"].clone();
    for form in [
        format!("sessionUuid={session}&accountUuid={account}&amount=1.00&tranCode=DOBKLVAD"),
        format!("sessionUuid={session}&accountUuid={account}&amount=-1.00&tranCode=CIVSCCAP"),
        format!("sessionUuid={session}&accountUuid={account}&amount=-500.01"),
        format!("sessionUuid={session}&accountUuid={account}&amount=1.001"),
        format!(
            "sessionUuid={}&accountUuid={account}&amount=1.00",
            harness.vars["expired_session"]
        ),
        format!("sessionUuid={}&accountUuid={account}&amount=1.00", harness.vars["other_session"]),
    ] {
        let resp = call(&harness, "account-balance-adjust-v1", &form);
        assert_eq!(body_json(&resp)["status"], "error", "{form}");
        assert!(resp.reason.is_some(), "{form}");
    }
    assert_eq!(harness.ledger.snapshot(harness.now()), before);
    assert_eq!(balances(&harness, &account), ("500.00".into(), "500.00".into()));
}

#[test]
fn a_replayed_external_tran_uuid_answers_the_same_bytes_and_moves_money_once() {
    let harness = harness();
    let account = harness.vars["account"].clone();
    let form = format!(
        "sessionUuid={}&externalTranUuid=0b7c2f8e-1d4a-4e6b-9a3c-5f2e8d1b7a90&\
         accountUuid={account}&amount=25.00&tranCode=CIVSCCMP",
        harness.vars["session"]
    );
    let first = call(&harness, "account-balance-adjust-v1", &form);
    let second = call(&harness, "account-balance-adjust-v1", &form);
    assert_eq!(first.body, second.body);
    assert_eq!(balances(&harness, &account), ("525.00".into(), "525.00".into()));
}

#[test]
fn a_session_expires_after_thirty_idle_minutes_and_each_call_restarts_the_clock() {
    let harness = harness();
    let created =
        call(&harness, "session-create-v1", &format!("apiKey={}", harness.vars["api_key"]));
    let data = &body_json(&created)["data"];
    assert_eq!(data["sessionTimeoutSeconds"], 1800);
    let session = data["sessionUuid"].as_str().unwrap().to_string();
    let read = |harness: &Harness| {
        let form = format!("sessionUuid={session}&accountUuid={}", harness.vars["account"]);
        body_json(&call(harness, "account-balance-get-v1", &form))
    };
    harness.advance(Duration::from_secs(29 * 60));
    assert_eq!(read(&harness)["status"], "success");
    harness.advance(Duration::from_secs(29 * 60));
    assert_eq!(read(&harness)["status"], "success");
    harness.advance(Duration::from_secs(30 * 60));
    let expired = read(&harness);
    assert_eq!(expired["errors"][0]["code"], "SESSION_EXPIRED");
    // The standing session of the well-known credentials never expires.
    harness.advance(Duration::from_secs(365 * 24 * 60 * 60));
    let form =
        format!("sessionUuid={}&accountUuid={}", harness.vars["session"], harness.vars["account"]);
    assert_eq!(body_json(&call(&harness, "account-balance-get-v1", &form))["status"], "success");
}

#[test]
fn a_tenant_cannot_read_or_adjust_another_tenants_account() {
    let harness = harness();
    let other_account = harness.vars["other_account"].clone();
    for name in ["account-balance-get-v1", "account-balance-adjust-v1"] {
        let form = format!(
            "sessionUuid={}&accountUuid={other_account}&amount=1.00",
            harness.vars["session"]
        );
        let resp = call(&harness, name, &form);
        assert_eq!(body_json(&resp)["errors"][0]["code"], "ACCOUNT_NOT_FOUND");
        assert_eq!(resp.tenant, Some(TENANT));
    }
    let form = format!("sessionUuid={}&accountUuid={other_account}", harness.vars["other_session"]);
    let resp = call(&harness, "account-balance-get-v1", &form);
    assert_eq!(body_json(&resp)["data"]["availableBalance"], "77.00");
    assert_eq!(resp.tenant, Some(OTHER_TENANT));
}

#[test]
fn form_values_that_json_must_escape_arrive_as_sent() {
    let harness = harness();
    // A quote, a backslash, a slash and a non-ASCII letter: a form's fields are written as JSON
    // text before the call's wire struct reads them, so each must be escaped there exactly.
    let description = r#"a"b\c/é"#;
    let form = format!(
        "sessionUuid={}&accountUuid={}&amount=1.00&description={}&x%22y=%5C",
        harness.vars["session"],
        harness.vars["account"],
        form_urlencoded::byte_serialize(description.as_bytes()).collect::<String>()
    );
    let resp = call(&harness, "account-balance-adjust-v1", &form);
    let body = body_json(&resp);
    assert_eq!(body["status"], "success", "{resp:?}");
    assert_eq!(body["data"]["description"], description);
    assert_eq!(balances(&harness, harness.vars["account"].as_str()).1, "501.00");
}

#[test]
fn multipart_bodies_with_crlf_line_endings_are_read() {
    let harness = harness();
    let boundary = "----formdata-sandbank-7f3a";
    let mut body = String::new();
    for (name, value) in [
        ("sessionUuid", harness.vars["session"].as_str()),
        ("accountUuid", harness.vars["account"].as_str()),
        ("amount", "-10.00"),
        ("tranCode", "DOBKLVAD"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let mut headers = HeaderMap::new();
    let content_type = format!("multipart/form-data; boundary={boundary}");
    headers.insert("content-type", content_type.parse().unwrap());
    let req = Request {
        method: Method::POST,
        path: "/".into(),
        query: Some("call=account-balance-adjust-v1".into()),
        headers,
        body: Bytes::from(body),
        params: Vec::new(),
    };
    let resp = harness.send(req);
    assert_eq!(body_json(&resp)["data"]["availableBalance"], "490.00", "{resp:?}");
}

#[test]
fn refusals_use_the_error_envelope_with_the_closest_status() {
    let harness = harness();
    let req = parse_request("GET /?call=account-balance-get-v1");
    for (refusal, status, code) in [
        (Refusal::MethodNotAllowed, 405, "METHOD_NOT_ALLOWED"),
        (Refusal::PayloadTooLarge { limit_bytes: 65536 }, 413, "PAYLOAD_TOO_LARGE"),
        (Refusal::BodyTimeout, 408, "REQUEST_TIMEOUT"),
        (Refusal::Internal, 500, "SYSTEM_ERROR"),
    ] {
        let resp = harness.vendor.refuse(refusal, &req, uuid::Uuid::new_v4());
        assert_eq!(resp.status.as_u16(), status);
        let body = body_json(&resp);
        assert_eq!(body["status"], "error");
        assert_eq!(body["call"], "account-balance-get-v1");
        assert_eq!(body["errors"][0]["code"], code);
        assert!(resp.reason.is_some());
    }
}

#[test]
fn a_route_index_outside_the_table_is_a_system_error_and_moves_nothing() {
    let harness = harness();
    let before = balances(&harness, "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17");
    let session = "5a4db4a4-0000-4000-8000-000000000002";
    let form = format!(
        "sessionUuid={session}&accountUuid=7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17&amount=-10.00"
    );
    let req = parse_request(&format!(
        "POST /?call=account-balance-adjust-v1\nContent-Type: application/x-www-form-urlencoded\n\n\
         {form}"
    ));
    let n_routes = harness.vendor.routes().len();
    let resp = harness.with_ctx(|ctx| harness.vendor.handle(ctx, n_routes, &req));
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = body_json(&resp);
    assert_eq!(body["call"], "account-balance-adjust-v1");
    assert_eq!(body["errors"][0]["code"], "SYSTEM_ERROR");
    assert_eq!(resp.reason.as_deref(), Some(format!("internal: no route {n_routes}").as_str()));
    assert_eq!(balances(&harness, "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17"), before);
    // The one route in the table is the adjustment itself.
    let resp = harness.with_ctx(|ctx| harness.vendor.handle(ctx, 0, &req));
    assert_eq!(body_json(&resp)["status"], "success", "{:?}", resp.reason);
}

#[test]
fn a_form_body_that_is_not_utf8_is_a_malformed_body() {
    let harness = harness();
    let mut req = parse_request(
        "POST /?call=account-balance-get-v1\nContent-Type: application/x-www-form-urlencoded\n\nx",
    );
    req.body = Bytes::from_static(b"sessionUuid=\xff\xfe");
    let resp = harness.send(req);
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&resp)["errors"][0]["code"], "BODY_MALFORMED");
}

#[test]
fn well_known_credentials_are_fixed_and_others_are_random() {
    let vendor = super::vendor();
    let known = vendor.provision_tenant(TENANT, true, &crate::common::ids::IdGen::random());
    assert_eq!(
        known,
        json!({"apiKey": "5a4db4a4-0000-4000-8000-000000000001",
               "sessionUuid": "5a4db4a4-0000-4000-8000-000000000002",
               "sessionTimeoutSeconds": 1800})
    );
    let a = vendor.provision_tenant(OTHER_TENANT, false, &crate::common::ids::IdGen::random());
    let b = vendor.provision_tenant(
        TenantId(uuid::Uuid::from_u128(3)),
        false,
        &crate::common::ids::IdGen::random(),
    );
    assert_ne!(a["apiKey"], b["apiKey"]);
    assert_ne!(a["sessionUuid"], known["sessionUuid"]);
}

#[test]
fn reprovisioning_a_tenant_retires_its_old_key_and_standing_session() {
    let harness = harness();
    let old_key = harness.vars["other_api_key"].clone();
    let old_session = harness.vars["other_session"].clone();
    let fresh =
        harness.vendor.provision_tenant(OTHER_TENANT, false, &crate::common::ids::IdGen::random());
    let resp = call(&harness, "session-create-v1", &format!("apiKey={old_key}"));
    assert_eq!(body_json(&resp)["errors"][0]["code"], "API_KEY_INVALID");
    let form = format!("sessionUuid={old_session}&accountUuid={}", harness.vars["other_account"]);
    let resp = call(&harness, "account-balance-get-v1", &form);
    assert_eq!(body_json(&resp)["errors"][0]["code"], "SESSION_INVALID");
    let form = format!("apiKey={}", fresh["apiKey"].as_str().unwrap());
    assert_eq!(body_json(&call(&harness, "session-create-v1", &form))["status"], "success");
}

#[test]
fn opening_accounts_checks_currency_and_identifiers() {
    let harness = harness();
    let try_open = |currency: &str, vendor_ids: Value| {
        let Value::Object(vendor_ids) = vendor_ids else { unreachable!() };
        let spec = AccountSpec {
            currency: Currency::from_code(currency).unwrap(),
            opening_balance: Decimal::ZERO,
            limits: Limits::default(),
            vendor_ids,
        };
        harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec))
    };
    assert!(try_open("MXN", json!({})).unwrap_err().contains("USD"));
    assert!(try_open("USD", json!({"accountNumber": "1"})).unwrap_err().contains("unknown"));
    assert!(try_open("USD", json!({"accountUuid": "nope"})).is_err());
    assert!(try_open("USD", json!({"cardReferenceNumber": "short"})).is_err());
    let taken = json!({"accountUuid": harness.vars["account"]});
    assert!(try_open("USD", taken).unwrap_err().contains("already in use"));
    let taken = json!({"cardReferenceNumber": "PI4000123412341234"});
    assert!(try_open("USD", taken).unwrap_err().contains("already in use"));
    let ids = try_open("USD", json!({"cardReferenceNumber": "CARD-REF-0001"})).unwrap().vendor_ids;
    assert_eq!(ids["paymentInstrumentReferenceNumber"], "CARD-REF-0001");
    let generated = try_open("USD", json!({})).unwrap().vendor_ids;
    let reference = generated["paymentInstrumentReferenceNumber"].as_str().unwrap();
    assert!(reference.len() == 16 && reference.bytes().all(|b| b.is_ascii_digit()));
    let account_uuid = generated["accountUuid"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(account_uuid).unwrap().get_version_num(), 4);
}

#[test]
fn resetting_a_tenant_forgets_its_accounts_but_keeps_its_sessions() {
    let harness = harness();
    harness.vendor.reset_tenant(TENANT);
    let form =
        format!("sessionUuid={}&accountUuid={}", harness.vars["login"], harness.vars["account"]);
    let resp = call(&harness, "account-balance-get-v1", &form);
    assert_eq!(body_json(&resp)["errors"][0]["code"], "ACCOUNT_NOT_FOUND");
    // The other tenant is untouched.
    let form = format!(
        "sessionUuid={}&accountUuid={}",
        harness.vars["other_session"], harness.vars["other_account"]
    );
    assert_eq!(body_json(&call(&harness, "account-balance-get-v1", &form))["status"], "success");
}

#[test]
fn transaction_uuids_are_version_4_and_differ_per_adjustment() {
    let harness = harness();
    let form = format!(
        "sessionUuid={}&accountUuid={}&amount=1.00",
        harness.vars["session"], harness.vars["account"]
    );
    let first = body_json(&call(&harness, "account-balance-adjust-v1", &form));
    let second = body_json(&call(&harness, "account-balance-adjust-v1", &form));
    let id = |body: &Value| body["data"]["transactionUuid"].as_str().unwrap().to_string();
    assert_ne!(id(&first), id(&second));
    assert_eq!(uuid::Uuid::parse_str(&id(&first)).unwrap().get_version_num(), 4);
}

#[test]
fn daily_limits_reset_at_the_next_utc_day() {
    let harness = harness();
    let form = format!(
        "sessionUuid={}&accountUuid={}&amount=-50.00&tranCode=DOBKLVAD",
        harness.vars["session"], harness.vars["limited"]
    );
    assert_eq!(body_json(&call(&harness, "account-balance-adjust-v1", &form))["status"], "success");
    let refused = body_json(&call(&harness, "account-balance-adjust-v1", &form));
    assert_eq!(refused["errors"][0]["code"], "DAILY_LIMIT_EXCEEDED");
    harness.advance(Duration::from_secs(24 * 60 * 60));
    assert_eq!(body_json(&call(&harness, "account-balance-adjust-v1", &form))["status"], "success");
    assert_eq!(balances(&harness, &harness.vars["limited"]), ("0.00".into(), "0.00".into()));
}

#[test]
fn an_external_tran_uuid_is_remembered_for_24_hours_of_tenant_time() {
    let harness = harness();
    let account = harness.vars["account"].clone();
    let form = format!(
        "sessionUuid={}&externalTranUuid=6c1e3a5f-7b9d-4e2a-8c4f-0a2b4c6d8e13&\
         accountUuid={account}&amount=10.00",
        harness.vars["session"]
    );
    call(&harness, "account-balance-adjust-v1", &form);
    harness.advance(Duration::from_secs(24 * 60 * 60 - 1));
    call(&harness, "account-balance-adjust-v1", &form);
    assert_eq!(balances(&harness, &account), ("510.00".into(), "510.00".into()));
    harness.advance(Duration::from_secs(1));
    call(&harness, "account-balance-adjust-v1", &form);
    assert_eq!(balances(&harness, &account), ("520.00".into(), "520.00".into()));
}

#[test]
fn reading_a_balance_changes_nothing() {
    let harness = harness();
    let before = harness.ledger.snapshot(harness.now());
    balances(&harness, &harness.vars["account"]);
    assert_eq!(harness.ledger.snapshot(harness.now()), before);
}
