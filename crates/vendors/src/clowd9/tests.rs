//! Clowd9's pure tests: the `.http` fixtures of `test_data/clowd9/` run against a standard world
//! (accounts with limits, fresh and stale tokens, a second tenant) and snapshotted, plus explicit
//! checks of the behaviours that matter most (money moves once, rejections change nothing,
//! tokens and daily limits follow the clock).

mod catalogue;
mod restart;

use std::time::Duration;

use ledger::{Currency, Limits, Mode, Status, TenantId, Transfer};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::testing::{Harness, TENANT, parse_request};
use crate::{AccountSpec, Refusal, Request, Response};

/// The second tenant, provisioned with random credentials.
const OTHER: TenantId = TenantId(uuid::Uuid::from_u128(2));

/// The seed's sample `account_id`.
const SEED_ACCOUNT_ID: &str = "fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4";

fn gbp() -> Currency {
    Currency::from_code("GBP").unwrap()
}

fn major(text: &str) -> Decimal {
    ledger::parse_decimal(text).unwrap()
}

fn spec(currency: &str, opening: &str, limits: Limits, ids: Value) -> AccountSpec {
    let vendor_ids: Map<String, Value> = match ids {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    AccountSpec {
        currency: Currency::from_code(currency).unwrap(),
        opening_balance: major(opening),
        limits,
        vendor_ids,
    }
}

/// Opens an account and records its Clowd9 `account_id` as `{{var}}`.
fn open(harness: &mut Harness, var: &str, tenant: TenantId, spec: AccountSpec) -> String {
    let opened = harness.with_ctx(|ctx| harness.vendor.open_account(ctx, tenant, &spec)).unwrap();
    let account_id = opened.vendor_ids["account_id"].as_str().unwrap().to_string();
    harness.vars.insert(var.to_string(), account_id.clone());
    account_id
}

fn ledger_id(harness: &Harness, tenant: TenantId, account_id: &str) -> ledger::AccountId {
    let now = harness.now();
    harness
        .ledger
        .accounts(now, tenant)
        .into_iter()
        .find(|view| view.labels.get("account_id").map(String::as_str) == Some(account_id))
        .unwrap()
        .id
}

fn body_json(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap()
}

fn send(harness: &Harness, raw: &str) -> Response {
    let mut text = raw.to_string();
    for (name, value) in &harness.vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    harness.send(parse_request(&text))
}

/// Logs in with `key`/`secret`; returns (access, refresh).
fn login(harness: &Harness, key: &str, secret: &str) -> (String, String) {
    let resp = send(
        harness,
        &format!(
            "POST /v1/auth\ncontent-type: application/json\n\n{{\"key\":\"{key}\",\"secret\":\"{secret}\"}}"
        ),
    );
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let body = body_json(&resp);
    (
        body["access_token"].as_str().unwrap().to_string(),
        body["refresh_token"].as_str().unwrap().to_string(),
    )
}

fn login_well_known(harness: &Harness) -> (String, String) {
    login(harness, "sandbank-clowd9-key", "sandbank-clowd9-secret")
}

/// The world every fixture runs in. Accounts open at 2026-01-01T00:00Z; `stale_*` tokens are
/// issued then; the clock moves on 721 minutes (past the 720-minute session); `token`,
/// `refresh_token` and `other_token` are issued at 12:01.
fn world() -> Harness {
    let mut harness = Harness::new(super::vendor());
    let other = harness.vendor.provision_tenant(OTHER, false, &crate::common::ids::IdGen::random());
    let named = json!({
        "account_id": SEED_ACCOUNT_ID,
        "account_name": "CLOWD9 Expenses",
        "external_id": "018794671",
    });
    open(&mut harness, "account", TENANT, spec("GBP", "1.00", Limits::default(), named));
    open(&mut harness, "second", TENANT, spec("GBP", "0", Limits::default(), json!({})));
    let capped = Limits { balance_max: Some(major("200.00")), ..Limits::default() };
    open(&mut harness, "capped", TENANT, spec("GBP", "150.00", capped, json!({})));
    let daily = Limits { daily_credit_amount_max: Some(major("100.00")), ..Limits::default() };
    open(&mut harness, "daily", TENANT, spec("GBP", "0", daily, json!({})));
    let one_debit = Limits { daily_debit_count_max: Some(1), ..Limits::default() };
    open(&mut harness, "one_debit", TENANT, spec("GBP", "50.00", one_debit, json!({})));
    let overdraft = Limits { balance_min: major("-50.00"), ..Limits::default() };
    open(&mut harness, "overdraft", TENANT, spec("GBP", "0", overdraft, json!({})));
    let per_transfer = Limits { transfer_amount_max: Some(major("10.00")), ..Limits::default() };
    open(&mut harness, "per_transfer", TENANT, spec("GBP", "10.00", per_transfer, json!({})));
    let frozen =
        open(&mut harness, "frozen", TENANT, spec("GBP", "10.00", Limits::default(), json!({})));
    let frozen_id = ledger_id(&harness, TENANT, &frozen);
    harness.ledger.set_status(harness.now(), TENANT, frozen_id, Status::Frozen).unwrap();
    let held =
        open(&mut harness, "held", TENANT, spec("GBP", "100.00", Limits::default(), json!({})));
    let held_id = ledger_id(&harness, TENANT, &held);
    let hold = Transfer::debit(TENANT, held_id, major("25.00"), gbp())
        .with_mode(Mode::Pending { expires_at: None });
    harness.ledger.transfer(harness.now(), hold).unwrap();
    open(&mut harness, "jpy", TENANT, spec("JPY", "1000", Limits::default(), json!({})));
    open(&mut harness, "kwd", TENANT, spec("KWD", "1.000", Limits::default(), json!({})));
    open(&mut harness, "eur", TENANT, spec("EUR", "10.00", Limits::default(), json!({})));
    open(&mut harness, "other_account", OTHER, spec("GBP", "10.00", Limits::default(), json!({})));

    let (stale, stale_refresh) = login_well_known(&harness);
    harness.advance(Duration::from_secs(721 * 60));
    let (token, refresh) = login_well_known(&harness);
    let (other_token, _) =
        login(&harness, other["key"].as_str().unwrap(), other["secret"].as_str().unwrap());
    for (name, value) in [
        ("stale_token", stale),
        ("stale_refresh_token", stale_refresh),
        ("token", token),
        ("refresh_token", refresh),
        ("other_token", other_token),
    ] {
        harness.vars.insert(name.to_string(), value);
    }
    harness
}

#[test]
fn fixtures_match_their_snapshots() {
    insta::glob!("../../test_data/clowd9", "*.http", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let harness = world();
        insta::assert_snapshot!(harness.run_fixture(&text));
    });
}

fn balances(harness: &Harness, var: &str) -> Value {
    let resp = send(
        harness,
        &format!("GET /v1/accounts/{{{{{var}}}}}/balances\nAuthorization: Bearer {{{{token}}}}"),
    );
    assert_eq!(resp.status, 200);
    body_json(&resp)
}

fn update(harness: &Harness, var: &str, amount: &str, direction: &str) -> Response {
    send(
        harness,
        &format!(
            "POST /v1/accounts/balance\nAuthorization: Bearer {{{{token}}}}\n\
             Content-Type: application/json\n\n\
             {{\"account_id\":\"{{{{{var}}}}}\",\"amount\":{amount},\"direction\":\"{direction}\"}}"
        ),
    )
}

#[test]
fn credit_raises_the_balance_and_a_debit_past_available_is_refused_without_change() {
    let harness = world();
    assert_eq!(balances(&harness, "second")["actual_balance"], "0");

    let credited = update(&harness, "second", "2500", "Credit");
    assert_eq!(credited.status, 200);
    assert_eq!(body_json(&credited)["new_account_balance"], "2500");
    assert_eq!(balances(&harness, "second")["actual_balance"], "2500");
    assert_eq!(balances(&harness, "second")["available_balance"], "2500");

    let refused = update(&harness, "second", "2501", "Debit");
    assert_eq!(refused.status, 400);
    assert_eq!(body_json(&refused)["reason"], "insufficient balance");
    assert_eq!(
        refused.reason.as_deref(),
        Some("ledger: insufficient funds (available 2500, minimum 0, debit 2501 minor units)")
    );
    assert_eq!(balances(&harness, "second")["actual_balance"], "2500");

    let debited = update(&harness, "second", "2500", "debit");
    assert_eq!(debited.status, 200);
    let body = body_json(&debited);
    assert_eq!(body["previous_account_balance"], "2500");
    assert_eq!(body["new_account_balance"], "0");
    assert_eq!(body["new_account_balance_direction"], "credit");
}

#[test]
fn a_negative_balance_is_shown_as_a_magnitude_with_debit_direction() {
    let harness = world();
    let resp = update(&harness, "overdraft", "1234", "Debit");
    assert_eq!(resp.status, 200);
    let body = body_json(&resp);
    assert_eq!(body["previous_account_balance_direction"], "credit");
    assert_eq!(body["new_account_balance"], "1234");
    assert_eq!(body["new_account_balance_direction"], "debit");
    assert_eq!(balances(&harness, "overdraft")["actual_balance"], "-1234");
}

#[test]
fn rejected_requests_change_nothing_in_the_ledger() {
    let harness = world();
    let before = harness.ledger.snapshot(harness.now());
    let bad_bodies = [
        r#"{"account_id":"{{account}}","amount":10.5,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":"1000","direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":1e3,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":0,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":-5,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":99999999999999999999,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":9223372036854775807,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":100,"direction":"Sideways"}"#,
        r#"{"account_id":"{{other_account}}","amount":100,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":100000,"direction":"Debit"}"#,
        r#"{"account_id":"{{capped}}","amount":5001,"direction":"Credit"}"#,
        r#"{"account_id":"{{frozen}}","amount":1,"direction":"Credit"}"#,
        r#"{"account_id":"{{account}}","amount":100,"direction":"Credit","reference":7}"#,
        r#"{"account_id": "#,
        r#"[1, 2, 3]"#,
        "",
    ];
    for body in bad_bodies {
        let resp = send(
            &harness,
            &format!(
                "POST /v1/accounts/balance\nAuthorization: Bearer {{{{token}}}}\n\
                 Content-Type: application/json\n\n{body}"
            ),
        );
        assert_eq!(resp.status, 400, "{body}: {}", String::from_utf8_lossy(&resp.body));
        assert!(resp.reason.is_some(), "{body}");
        assert_eq!(resp.tenant, Some(TENANT));
    }
    let unauthenticated = send(
        &harness,
        "POST /v1/accounts/{{account}}/increase\nContent-Type: application/json\n\n{\"amount\":1}",
    );
    assert_eq!(unauthenticated.status, 401);
    assert_eq!(unauthenticated.tenant, None);
    assert_eq!(harness.ledger.snapshot(harness.now()), before);
}

#[test]
fn replay_with_the_same_reference_id_moves_money_once() {
    let harness = world();
    let request = "POST /v1/accounts/{{second}}/increase\nAuthorization: Bearer {{token}}\n\
                   Content-Type: application/json\n\n\
                   {\"amount\":700,\"reference_id\":\"Transfer 20250705\"}";
    let first = send(&harness, request);
    let replay = send(&harness, request);
    assert_eq!((first.status.as_u16(), replay.status.as_u16()), (200, 200));
    let strip_trace = |resp: &Response| {
        let mut body = body_json(resp);
        body.as_object_mut().unwrap().remove("trace_id");
        body
    };
    assert_eq!(strip_trace(&first), strip_trace(&replay));
    assert_eq!(balances(&harness, "second")["actual_balance"], "700");

    let conflict = send(
        &harness,
        "POST /v1/accounts/{{second}}/increase\nAuthorization: Bearer {{token}}\n\
         Content-Type: application/json\n\n{\"amount\":701,\"reference_id\":\"Transfer 20250705\"}",
    );
    assert_eq!(conflict.status, 400);
    assert_eq!(body_json(&conflict)["message"], "duplicate reference_id");
    assert_eq!(balances(&harness, "second")["actual_balance"], "700");
}

#[test]
fn access_tokens_expire_after_120_minutes_and_the_refresh_token_renews_them() {
    let harness = world();
    let (access, refresh) = login_well_known(&harness);
    let read = |token: &str| {
        send(&harness, &format!("GET /v1/accounts/{{{{account}}}}\nAuthorization: Bearer {token}"))
    };
    harness.advance(Duration::from_secs(119 * 60));
    assert_eq!(read(&access).status, 200);
    harness.advance(Duration::from_secs(60));
    let expired = read(&access);
    assert_eq!(expired.status, 401);
    assert_eq!(body_json(&expired), json!({"code": 401, "message": "unauthorized", "details": []}));

    let refreshed = send(
        &harness,
        &format!(
            "POST /v1/auth/refresh\nAuthorization: Bearer {refresh}\n\
             Content-Type: application/json\n\n{{}}"
        ),
    );
    assert_eq!(refreshed.status, 200);
    let body = body_json(&refreshed);
    assert_eq!(body["refresh_token"], refresh.as_str());
    let renewed = body["access_token"].as_str().unwrap().to_string();
    assert_ne!(renewed, access);
    assert_eq!(read(&renewed).status, 200);
}

#[test]
fn the_session_ends_720_minutes_after_login_and_a_new_login_starts_another() {
    let harness = world();
    let (_, refresh) = login_well_known(&harness);
    let refresh_call = |token: &str| {
        send(&harness, &format!("POST /v1/auth/refresh\nAuthorization: Bearer {token}\n\n"))
    };
    harness.advance(Duration::from_secs(650 * 60));
    let late = body_json(&refresh_call(&refresh));
    let late_access = late["access_token"].as_str().unwrap().to_string();
    // An access token issued 70 minutes before the session ends lives only until it ends.
    harness.advance(Duration::from_secs(70 * 60));
    let read = send(
        &harness,
        &format!("GET /v1/accounts/{{{{account}}}}/balances\nAuthorization: Bearer {late_access}"),
    );
    assert_eq!(read.status, 401);
    assert_eq!(refresh_call(&refresh).status, 401);
    let (fresh, _) = login_well_known(&harness);
    let read = send(
        &harness,
        &format!("GET /v1/accounts/{{{{account}}}}/balances\nAuthorization: Bearer {fresh}"),
    );
    assert_eq!(read.status, 200);
}

#[test]
fn the_daily_credit_limit_resets_at_utc_midnight() {
    let harness = world();
    assert_eq!(update(&harness, "daily", "10000", "Credit").status, 200);
    let over = update(&harness, "daily", "1", "Credit");
    assert_eq!(body_json(&over)["reason"], "exceeds daily limit");
    // 12:01 now; 11:59 more is 00:00 of the next UTC day.
    harness.advance(Duration::from_secs((11 * 60 + 59) * 60));
    let (token, _) = login_well_known(&harness);
    let mut harness = harness;
    harness.vars.insert("token".into(), token);
    let next_day = update(&harness, "daily", "10000", "Credit");
    assert_eq!(next_day.status, 200, "{}", String::from_utf8_lossy(&next_day.body));
    assert_eq!(balances(&harness, "daily")["actual_balance"], "20000");
}

#[test]
fn amounts_are_minor_units_of_the_account_currency() {
    let harness = world();
    let jpy = update(&harness, "jpy", "500", "Credit");
    assert_eq!(body_json(&jpy)["new_account_balance"], "1500");
    let kwd = update(&harness, "kwd", "1", "Credit");
    assert_eq!(body_json(&kwd)["new_account_balance"], "1001");
    let now = harness.now();
    let kwd_id = ledger_id(&harness, TENANT, harness.vars["kwd"].as_str());
    let view = harness.ledger.account(now, TENANT, kwd_id).unwrap();
    assert_eq!(view.balances.posted, major("1.001"));
}

#[test]
fn another_tenants_token_sees_only_its_own_accounts() {
    let harness = world();
    let own = send(
        &harness,
        "GET /v1/accounts/{{other_account}}/balances\nAuthorization: Bearer {{other_token}}",
    );
    assert_eq!(own.status, 200);
    assert_eq!(own.tenant, Some(OTHER));
    let ours = send(
        &harness,
        "GET /v1/accounts/{{account}}/balances\nAuthorization: Bearer {{other_token}}",
    );
    assert_eq!(ours.status, 400);
    assert_eq!(body_json(&ours)["message"], "account not found");
    let unknown = send(
        &harness,
        "GET /v1/accounts/00000000-0000-4000-8000-000000000000/balances\nAuthorization: Bearer {{other_token}}",
    );
    assert_eq!(body_json(&ours), body_json(&unknown));
}

/// A refresh refused for its body issues no access token: the refused call changes nothing.
#[test]
fn a_refresh_refused_for_its_body_issues_no_token() {
    use crate::Vendor as _;
    let harness = world();
    let clowd9 = super::Clowd9::default();
    clowd9.auth.provision(TENANT, true, &crate::common::ids::IdGen::random());
    let send = |route: usize, raw: &str| {
        harness.with_ctx(|ctx| clowd9.handle(ctx, route, &parse_request(raw)))
    };
    let login = send(
        0,
        "POST /v1/auth\ncontent-type: application/json\n\n\
         {\"key\":\"sandbank-clowd9-key\",\"secret\":\"sandbank-clowd9-secret\"}",
    );
    assert_eq!(login.status, 200);
    let refresh = body_json(&login)["refresh_token"].as_str().unwrap().to_string();
    let n_tokens = clowd9.auth.n_tokens();

    let refused =
        send(1, &format!("POST /v1/auth/refresh\nAuthorization: Bearer {refresh}\n\n[1]"));
    assert_eq!(refused.status, 400);
    assert_eq!(body_json(&refused)["message"], "invalid request body");
    assert_eq!(clowd9.auth.n_tokens(), n_tokens);
    let renewed =
        send(1, &format!("POST /v1/auth/refresh\nAuthorization: Bearer {refresh}\n\n{{}}"));
    assert_eq!(renewed.status, 200);
    assert_eq!(clowd9.auth.n_tokens(), n_tokens + 1);
}

/// The route index comes from the server's router; one past the table (a routing bug) is
/// Clowd9's 500 in `rpcStatus`, never a panic, and moves nothing.
#[test]
fn a_route_index_past_the_table_is_an_internal_error_and_changes_nothing() {
    let harness = world();
    let (token, _) = login_well_known(&harness);
    let body = format!(r#"{{"account_id":"{SEED_ACCOUNT_ID}","amount":100,"direction":"Credit"}}"#);
    let mut req = parse_request(&format!(
        "POST /v1/accounts/balance\nAuthorization: Bearer {token}\ncontent-type: application/json\n\n{body}"
    ));
    let before = harness.ledger.snapshot(harness.now());
    for route in [harness.vendor.routes().len(), usize::MAX] {
        req.params.clear();
        let resp = harness.with_ctx(|ctx| harness.vendor.handle(ctx, route, &req));
        assert_eq!(resp.status, 500);
        assert_eq!(
            body_json(&resp),
            json!({"code": 500, "message": "internal error", "details": []})
        );
        assert!(resp.reason.as_deref().unwrap().starts_with("internal: no route"), "{resp:?}");
    }
    assert_eq!(harness.ledger.snapshot(harness.now()), before);
}

#[test]
fn refusals_use_the_rpc_status_body() {
    let harness = world();
    let req = parse_request("PUT /v1/accounts/balance");
    let cases = [
        (Refusal::MethodNotAllowed, 405, "Method Not Allowed"),
        (Refusal::PayloadTooLarge { limit_bytes: 65536 }, 400, "request body too large"),
        (Refusal::BodyTimeout, 400, "request body timeout"),
        (Refusal::Internal, 500, "internal error"),
    ];
    for (refusal, status, message) in cases {
        let resp = harness.vendor.refuse(refusal, &req, uuid::Uuid::new_v4());
        assert_eq!(resp.status, status);
        assert_eq!(body_json(&resp), json!({"code": status, "message": message, "details": []}));
        assert!(resp.reason.is_some());
    }
}

#[test]
fn every_ledger_error_maps_to_a_documented_status() {
    use super::errors::{Failure, Scene};
    use ledger::{DailyLimit, Error};
    let all = [
        Error::IdempotencyConflict,
        Error::AmountNotPositive,
        Error::AmountScaleExceeded,
        Error::AmountTooLarge,
        Error::AccountNotFound,
        Error::SameAccount,
        Error::CurrencyMismatch,
        Error::AccountNotActive { status: Status::Closed },
        Error::TransferMaximumExceeded,
        Error::DailyLimitExceeded { limit: DailyLimit::DebitCount },
        Error::InsufficientFunds,
        Error::BalanceMaximumExceeded,
        Error::PendingNotFound,
        Error::PendingAlreadyPosted,
        Error::PendingAlreadyVoided,
        Error::PendingExpired,
        Error::PendingAmountExceeded,
        Error::JournalUnavailable,
    ];
    for err in all {
        let resp = Failure::ledger(&err, format!("ledger: {err}")).into_response(Scene::Rpc);
        assert!([400, 500].contains(&resp.status.as_u16()), "{err}");
        let body = body_json(&resp);
        assert_eq!(body["code"], resp.status.as_u16());
        assert_eq!(resp.reason.as_deref(), Some(format!("ledger: {err}").as_str()));
    }
    let published = [
        (Error::DailyLimitExceeded { limit: DailyLimit::CreditAmount }, "exceeds daily limit"),
        (Error::BalanceMaximumExceeded, "exceeds maximum balance"),
        (Error::InsufficientFunds, "insufficient balance"),
    ];
    for (err, reason) in published {
        let seed = Scene::Seed { account_id: SEED_ACCOUNT_ID, trace_id: uuid::Uuid::nil() };
        let resp = Failure::ledger(&err, "").into_response(seed);
        let body = body_json(&resp);
        assert_eq!(
            body,
            json!({
                "account_id": SEED_ACCOUNT_ID,
                "reason": reason,
                "trace_id": "00000000-0000-0000-0000-000000000000"
            })
        );
    }
}

#[test]
fn open_account_checks_identifiers_and_generates_missing_ones() {
    let mut harness = world();
    let open_with = |harness: &Harness, ids: Value| {
        let spec = spec("GBP", "0", Limits::default(), ids);
        harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec))
    };
    let taken = open_with(&harness, json!({ "account_id": SEED_ACCOUNT_ID })).unwrap_err();
    assert!(taken.contains("already in use"), "{taken}");
    let taken = open_with(&harness, json!({ "external_id": "018794671" })).unwrap_err();
    assert!(taken.contains("external_id"), "{taken}");
    assert!(open_with(&harness, json!({ "account_id": "not-a-uuid" })).is_err());
    assert!(open_with(&harness, json!({ "account_id": 7 })).is_err());
    assert!(open_with(&harness, json!({ "accountNumber": "1" })).is_err());

    let opened = open_with(&harness, json!({})).unwrap();
    let ids = &opened.vendor_ids;
    assert_eq!(ids.keys().collect::<Vec<_>>(), ["account_id", "account_profile_id"]);
    let generated = ids["account_id"].as_str().unwrap().to_string();
    harness.vars.insert("generated".into(), generated);
    assert_eq!(balances(&harness, "generated")["actual_balance"], "0");

    // The same identifiers are free in another tenant.
    let spec = spec("GBP", "0", Limits::default(), json!({ "account_id": SEED_ACCOUNT_ID }));
    assert!(harness.with_ctx(|ctx| harness.vendor.open_account(ctx, OTHER, &spec)).is_ok());
}

#[test]
fn reset_tenant_forgets_accounts_but_keeps_credentials_and_tokens() {
    let harness = world();
    harness.vendor.reset_tenant(TENANT);
    let gone =
        send(&harness, "GET /v1/accounts/{{account}}/balances\nAuthorization: Bearer {{token}}");
    assert_eq!(gone.status, 400);
    assert_eq!(body_json(&gone)["message"], "account not found");
    let other =
        send(&harness, "GET /v1/accounts/{{other_account}}\nAuthorization: Bearer {{other_token}}");
    assert_eq!(other.status, 200);
    login_well_known(&harness);
}

#[test]
fn provisioning_returns_the_well_known_or_random_credentials() {
    let harness = world();
    let well_known =
        harness.vendor.provision_tenant(TENANT, true, &crate::common::ids::IdGen::random());
    assert_eq!(well_known["key"], "sandbank-clowd9-key");
    assert_eq!(well_known["secret"], "sandbank-clowd9-secret");
    let third = TenantId(uuid::Uuid::from_u128(3));
    let random =
        harness.vendor.provision_tenant(third, false, &crate::common::ids::IdGen::random());
    let key = random["key"].as_str().unwrap();
    assert!(key.starts_with("c9k_") && key.len() == 36, "{key}");
    // Re-provisioning replaces the tenant's key.
    let again = harness.vendor.provision_tenant(third, false, &crate::common::ids::IdGen::random());
    let body = format!(r#"{{"key":"{key}","secret":"{}"}}"#, random["secret"].as_str().unwrap());
    let resp = send(&harness, &format!("POST /v1/auth\ncontent-type: application/json\n\n{body}"));
    assert_eq!(resp.status, 500);
    login(&harness, again["key"].as_str().unwrap(), again["secret"].as_str().unwrap());
}

#[test]
fn ledger_entries_page_through_a_long_history_in_both_orders() {
    let harness = world();
    for idx in 0..250 {
        let resp = send(
            &harness,
            &format!(
                "POST /v1/accounts/{{{{second}}}}/increase\nAuthorization: Bearer {{{{token}}}}\n\n\
                 {{\"amount\":1,\"reference\":\"n{idx}\"}}"
            ),
        );
        assert_eq!(resp.status, 200);
    }
    for (sort, first_reference) in [("asc", "n0"), ("desc", "n249")] {
        let mut token = String::new();
        let mut references = Vec::new();
        let mut n_pages = 0;
        loop {
            let query = format!(
                "from_date=2026-01-01&to_date=2026-01-01&sort={sort}&next_page_token={token}"
            );
            let resp = send(
                &harness,
                &format!(
                    "GET /v1/accounts/{{{{second}}}}/ledger-entries?{query}\n\
                     Authorization: Bearer {{{{token}}}}"
                ),
            );
            assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
            let body = body_json(&resp);
            let rows = body["accounts"].as_array().unwrap();
            assert_eq!(body["count"], rows.len().to_string());
            references
                .extend(rows.iter().map(|row| row["reference"].as_str().unwrap().to_string()));
            n_pages += 1;
            token = body["next_page_token"].as_str().unwrap().to_string();
            if token.is_empty() {
                break;
            }
        }
        assert_eq!(n_pages, 3, "{sort}");
        assert_eq!(references.len(), 250);
        assert_eq!(references[0], first_reference);
        let mut unique = references.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 250, "{sort}: no entry twice");
    }
    let empty = send(
        &harness,
        "GET /v1/accounts/{{second}}/ledger-entries?from_date=2026-01-02&to_date=2026-01-31\n\
         Authorization: Bearer {{token}}",
    );
    let body = body_json(&empty);
    assert_eq!(body["count"], "0");
    assert_eq!(body["next_page_token"], "");
}

#[test]
fn requests_without_a_route_are_internal_errors_not_panics() {
    let harness = world();
    let req: Request = parse_request("GET /v1/nothing");
    let resp = harness.with_ctx(|ctx| harness.vendor.handle(ctx, usize::MAX, &req));
    assert_eq!(resp.status, 500);
}

#[test]
fn a_narrow_time_window_over_a_long_history_is_read_in_bounded_steps() {
    let harness = world();
    let second = ledger_id(&harness, TENANT, harness.vars["second"].as_str());
    for _ in 0..10_050 {
        let credit = Transfer::credit(TENANT, second, major("0.01"), gbp());
        harness.ledger.transfer(harness.now(), credit).unwrap();
    }
    harness.advance(Duration::from_secs(60 * 60));
    let resp = send(
        &harness,
        "POST /v1/accounts/{{second}}/increase\nAuthorization: Bearer {{token}}\n\n\
         {\"amount\":5,\"reference\":\"late\"}",
    );
    assert_eq!(resp.status, 200);
    let page = |token: &str| {
        let resp = send(
            &harness,
            &format!(
                "GET /v1/accounts/{{{{second}}}}/ledger-entries?from_date=2026-01-01\
                 &from_time=13:00:00&to_date=2026-01-01&next_page_token={token}\n\
                 Authorization: Bearer {{{{token}}}}"
            ),
        );
        assert_eq!(resp.status, 200);
        body_json(&resp)
    };
    // The first 10 000 entries are outside the window: an empty page that says where to go on.
    let first = page("");
    assert_eq!(first["count"], "0");
    let token = first["next_page_token"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let second_page = page(&token);
    assert_eq!(second_page["count"], "1");
    assert_eq!(second_page["accounts"][0]["reference"], "late");
    assert_eq!(second_page["accounts"][0]["amount"], "5");
    assert_eq!(second_page["next_page_token"], "");
}
