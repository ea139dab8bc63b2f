//! AMLYZE's behaviour, pure: `.http` fixtures in `test_data/amlyze/` snapshotted as wire text,
//! and explicit checks that balances are stored as snapshots (never as postings), that
//! rejected requests change nothing, and that tenants stay apart.

use std::str::FromStr;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use ledger::{AccountId, Currency, Limits, Status, TenantId};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Amlyze;
use super::auth::WELL_KNOWN_TOKEN;
use super::state::BalanceType;
use crate::testing::{Harness, TENANT};
use crate::{AccountSpec, Refusal, Request, Response};

mod catalogue;
mod restart;

/// A second tenant, provisioned with a random token.
const OTHER: TenantId = TenantId(uuid::Uuid::from_u128(2));

/// The seed example's account.
const SEED_ACCOUNT: &str = "ORG20231117550";

struct Setup {
    harness: Harness,
    amlyze: Amlyze,
    /// The ledger id of the seed example's account.
    seed_account: AccountId,
}

fn eur() -> Currency {
    Currency::from_code("EUR").unwrap()
}

fn spec(opening_balance: &str, vendor_ids: Value) -> AccountSpec {
    let Value::Object(vendor_ids) = vendor_ids else { panic!("vendor ids must be an object") };
    AccountSpec {
        currency: eur(),
        opening_balance: Decimal::from_str(opening_balance).unwrap(),
        limits: Limits::default(),
        vendor_ids,
    }
}

/// The default tenant with the seed's account (opening balance 500.00), a second tenant with
/// its own account, and both tokens in `vars`.
fn setup() -> Setup {
    let amlyze = Amlyze::new();
    let mut harness = Harness::new(Box::new(amlyze.clone()));
    let other = harness.vendor.provision_tenant(OTHER, false, &crate::common::ids::IdGen::random());
    harness.vars.insert("token".into(), WELL_KNOWN_TOKEN.into());
    harness.vars.insert("other_token".into(), other["token"].as_str().unwrap().into());
    let seed = harness
        .with_ctx(|ctx| {
            harness.vendor.open_account(
                ctx,
                TENANT,
                &spec(
                    "500.00",
                    json!({"accountExtId": SEED_ACCOUNT, "businessEntityExtId": "ORG2023111755"}),
                ),
            )
        })
        .unwrap();
    harness
        .with_ctx(|ctx| {
            harness.vendor.open_account(
                ctx,
                OTHER,
                &spec("0", json!({"accountExtId": "OTHER-ACC-1"})),
            )
        })
        .unwrap();
    Setup { harness, amlyze, seed_account: seed.account.id }
}

fn request(method: Method, path: &str, token: Option<&str>, body: &str) -> Request {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(token) = token {
        headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
    }
    Request {
        method,
        path: path.into(),
        query: None,
        headers,
        body: Bytes::from(body.to_string()),
        params: Vec::new(),
    }
}

fn put_balance(harness: &Harness, body: Value) -> Response {
    harness.send(request(
        Method::PUT,
        "/amlyze-ws-rest/account-balance",
        Some(WELL_KNOWN_TOKEN),
        &body.to_string(),
    ))
}

fn post(harness: &Harness, path: &str, body: Value) -> Response {
    harness.send(request(Method::POST, path, Some(WELL_KNOWN_TOKEN), &body.to_string()))
}

fn body(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap()
}

fn seed_body() -> Value {
    json!({
        "communicationNumber": "COM217",
        "requester": "financial_institution",
        "balanceType": "STATEMENT_BALANCE",
        "accountExtId": SEED_ACCOUNT,
        "businessUnit": "sandbox",
        "balanceAt": "2023-09-05T08:07:34.605Z",
        "value": 11111111111_u64,
        "equivalentValue": 33333
    })
}

fn balance(communication_number: &str, balance_at: &str, value: &str) -> Value {
    json!({
        "communicationNumber": communication_number,
        "requester": "core",
        "balanceType": "DAILY_BALANCE",
        "accountExtId": SEED_ACCOUNT,
        "balanceAt": balance_at,
        "value": serde_json::Number::from_str(value).unwrap(),
    })
}

fn history(setup: &Setup) -> Value {
    setup.amlyze.balance_history(TENANT, setup.seed_account).unwrap()
}

/// The values of one balance type's series, earliest `balanceAt` first.
fn series(setup: &Setup, balance_type: BalanceType) -> Vec<String> {
    history(setup)["balances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["balanceType"] == balance_type.as_str())
        .flat_map(|s| s["snapshots"].as_array().unwrap().clone())
        .map(|s| s["value"].to_string())
        .collect()
}

fn ledger_posted(setup: &Setup) -> Decimal {
    let harness = &setup.harness;
    harness.ledger.account(harness.now(), TENANT, setup.seed_account).unwrap().balances.posted
}

#[test]
fn amlyze_fixtures() {
    insta::glob!("../../test_data/amlyze", "*.http", |path| {
        let setup = setup();
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(setup.harness.run_fixture(&text));
    });
}

#[test]
fn amlyze_seed_example_is_stored_as_a_snapshot_and_moves_no_money() {
    let setup = setup();
    let resp = put_balance(&setup.harness, seed_body());
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(&resp.body[..], br#"{"resultType":"REQUEST_ACCEPTED"}"#);
    assert_eq!(resp.tenant, Some(TENANT));
    assert_eq!(ledger_posted(&setup), Decimal::new(50000, 2), "a snapshot is not a posting");
    assert_eq!(
        history(&setup),
        json!({
            "businessUnit": "sandbox",
            "accountExtId": SEED_ACCOUNT,
            "accountNumber": history(&setup)["accountNumber"],
            "businessEntityExtId": "ORG2023111755",
            "currencyCode": "EUR",
            "balances": [{
                "balanceType": "STATEMENT_BALANCE",
                "snapshots": [{
                    "balanceAt": "2023-09-05T08:07:34.605Z",
                    "value": 11111111111_u64,
                    "equivalentValue": 33333,
                    "communicationNumber": "COM217",
                    "requester": "financial_institution",
                    "registeredAt": "2026-01-01T00:00:00.000000Z",
                }],
            }],
        })
    );
}

#[test]
fn amlyze_balance_values_keep_their_exact_digits() {
    let setup = setup();
    let resp = put_balance(&setup.harness, balance("C1", "2024-05-26T16:49:50.237", "100000.5665"));
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(series(&setup, BalanceType::DailyBalance), ["100000.5665"]);
    let text = history(&setup).to_string();
    assert!(text.contains(r#""value":100000.5665"#), "{text}");
}

#[test]
fn amlyze_rejected_balance_changes_nothing_and_frees_its_communication_number() {
    let setup = setup();
    let mut bad = balance("C-RETRY", "2024-01-01T00:00:00Z", "10");
    bad["balanceType"] = json!("AVAILABLE_BALANCE");
    let resp = put_balance(&setup.harness, bad);
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(body(&resp)["errorCode"], "O001");
    assert_eq!(history(&setup)["balances"], json!([]));
    let resp = put_balance(&setup.harness, balance("C-RETRY", "2024-01-01T00:00:00Z", "10"));
    assert_eq!(resp.status, StatusCode::OK, "a corrected retry may reuse the number");
    assert_eq!(series(&setup, BalanceType::DailyBalance), ["10"]);
}

#[test]
fn amlyze_duplicate_communication_number_is_rejected_and_keeps_the_first_snapshot() {
    let setup = setup();
    assert_eq!(
        put_balance(&setup.harness, balance("DUP", "2024-01-01T00:00:00Z", "1")).status,
        StatusCode::OK
    );
    let resp = put_balance(&setup.harness, balance("DUP", "2024-01-02T00:00:00Z", "2"));
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body(&resp),
        json!({"resultType": "REQUEST_REJECTED", "errorCode": "O005",
               "errorDescription": "CommunicationNumber already used in amlyze"})
    );
    assert_eq!(series(&setup, BalanceType::DailyBalance), ["1"]);
}

#[test]
fn amlyze_history_is_ordered_by_balance_at_and_the_same_instant_replaces() {
    let setup = setup();
    for (number, at, value) in [
        ("H1", "2024-03-01T00:00:00Z", "300"),
        ("H2", "2024-01-01T00:00:00Z", "100"),
        ("H3", "2024-02-01T02:00:00+02:00", "200"),
        // 2024-02-01T00:00:00Z again, written differently: replaces H3.
        ("H4", "2024-02-01T00:00:00", "250"),
    ] {
        assert_eq!(put_balance(&setup.harness, balance(number, at, value)).status, StatusCode::OK);
    }
    let mut statement = balance("H5", "2024-01-01T00:00:00Z", "-5");
    statement["balanceType"] = json!("STATEMENT_BALANCE");
    assert_eq!(put_balance(&setup.harness, statement).status, StatusCode::OK);
    let mut untyped = balance("H6", "2024-01-01T00:00:00Z", "7");
    untyped.as_object_mut().unwrap().remove("balanceType");
    assert_eq!(put_balance(&setup.harness, untyped).status, StatusCode::OK);

    assert_eq!(series(&setup, BalanceType::DailyBalance), ["100", "250", "300"]);
    assert_eq!(series(&setup, BalanceType::StatementBalance), ["-5"]);
    let untyped_series = &history(&setup)["balances"][0];
    assert_eq!(untyped_series["balanceType"], Value::Null);
    assert_eq!(untyped_series["snapshots"][0]["value"], json!(7));
}

#[test]
fn amlyze_validate_only_batch_stores_nothing() {
    let setup = setup();
    let batch = json!({"accountBalances": [balance("V1", "2024-01-01T00:00:00Z", "1")]});
    let resp =
        post(&setup.harness, "/amlyze-ws-rest/validate-batch-account-balances", batch.clone());
    assert_eq!(body(&resp)["results"][0]["resultType"], "REQUEST_ACCEPTED");
    assert_eq!(history(&setup)["balances"], json!([]));
    let resp = post(&setup.harness, "/amlyze-ws-rest/batch-account-balances", batch);
    assert_eq!(body(&resp)["results"][0]["resultType"], "REQUEST_ACCEPTED");
    assert_eq!(series(&setup, BalanceType::DailyBalance), ["1"]);
}

#[test]
fn amlyze_batch_over_the_item_limit_is_rejected_whole() {
    let setup = setup();
    let items: Vec<Value> = (0..=super::handlers::batch::BATCH_ITEMS_MAX)
        .map(|i| json!({"communicationNumber": format!("B{i}")}))
        .collect();
    let resp = post(
        &setup.harness,
        "/amlyze-ws-rest/batch-account-balances",
        json!({"accountBalances": items}),
    );
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(body(&resp)["errorCode"], "O001");
}

#[test]
fn amlyze_account_registration_opens_a_ledger_account_that_mirrors_its_status() {
    let setup = setup();
    let harness = &setup.harness;
    let customer = json!({
        "communicationNumber": "CUS-1", "requester": "core", "customerExtId": "IND-1",
        "entityType": "INDIVIDUAL", "customerStatus": "ACTIVE", "sourceOfRiskLevel": "IMPORT",
        "riskLevel": "LOW", "applicationDate": "2024-01-01T00:00:00Z",
        "firstName": "Ona", "lastName": "Jonaitė", "riskManagementCategory": "IND"
    });
    assert_eq!(post(harness, "/amlyze-ws-rest/customer", customer).status, StatusCode::OK);
    let mut account = json!({
        "communicationNumber": "ACC-1", "requester": "core", "businessEntityExtId": "IND-1",
        "accountExtId": "IND-1-GBP", "accountNumber": "GB33BUKB20201555555555",
        "accountStatus": "SUSPENDED", "currencyCode": "GBP",
        "openingDate": "2024-01-01T00:00:00Z"
    });
    assert_eq!(post(harness, "/amlyze-ws-rest/account", account.clone()).status, StatusCode::OK);

    let views = harness.ledger.accounts(harness.now(), TENANT);
    let view = views
        .iter()
        .find(|v| v.labels.get("accountExtId").map(String::as_str) == Some("IND-1-GBP"))
        .unwrap();
    assert_eq!(view.currency.code(), "GBP");
    assert_eq!(view.status, Status::Frozen);
    assert_eq!(view.balances.posted, Decimal::ZERO);
    assert_eq!(view.labels.get("vendor").map(String::as_str), Some("amlyze"));
    assert_eq!(view.labels.get("businessEntityExtId").map(String::as_str), Some("IND-1"));
    assert_eq!(view.labels.get("businessUnit").map(String::as_str), Some("sandbox"));

    account["communicationNumber"] = json!("ACC-2");
    account["accountStatus"] = json!("CLOSED");
    account["closingDate"] = json!("2024-06-01T00:00:00Z");
    account["action"] = json!("UPDATE");
    assert_eq!(post(harness, "/amlyze-ws-rest/account", account).status, StatusCode::OK);
    assert_eq!(
        harness.ledger.account(harness.now(), TENANT, view.id).unwrap().status,
        Status::Closed
    );
    assert_eq!(harness.ledger.accounts(harness.now(), TENANT).len(), 2, "an update opens nothing");
}

#[test]
fn amlyze_account_status_is_the_ledger_accounts_so_an_admin_change_counts() {
    let setup = setup();
    let harness = &setup.harness;
    let account = |number: &str, status: &str| {
        json!({
            "communicationNumber": number, "requester": "core", "action": "UPDATE",
            "businessEntityExtId": "ORG2023111755", "accountExtId": SEED_ACCOUNT,
            "accountNumber": "LT601010012345678901", "accountStatus": status,
            "currencyCode": "EUR", "openingDate": "2024-01-01T00:00:00Z"
        })
    };
    let set = |status: Status| {
        harness.ledger.set_status(harness.now(), TENANT, setup.seed_account, status).unwrap();
    };
    let ledger_status = || harness.ledger.account(harness.now(), TENANT, setup.seed_account);
    // Frozen by the admin is SUSPENDED to AMLYZE: registering ACTIVE unfreezes it.
    set(Status::Frozen);
    assert_eq!(post(harness, "/amlyze-ws-rest/account", account("ST-1", "ACTIVE")).status, 200);
    assert_eq!(ledger_status().unwrap().status, Status::Active);
    // Closed by the admin is CLOSED to AMLYZE: final, and the refusal says so.
    set(Status::Closed);
    let resp = post(harness, "/amlyze-ws-rest/account", account("ST-2", "SUSPENDED"));
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body(&resp),
        json!({"resultType": "REQUEST_REJECTED", "errorCode": "O001",
               "errorDescription": "CLOSED account cannot be reopened"})
    );
    assert_eq!(
        resp.reason.as_deref(),
        Some("ledger: account status CLOSED -> SUSPENDED: account is closed")
    );
    // Registering it CLOSED agrees with the ledger: accepted, nothing to change.
    let mut closed = account("ST-3", "CLOSED");
    closed["closingDate"] = json!("2024-06-01T00:00:00Z");
    assert_eq!(post(harness, "/amlyze-ws-rest/account", closed).status, 200);
    assert_eq!(ledger_status().unwrap().status, Status::Closed);
    assert_eq!(history(&setup).get("accountStatus"), None, "AMLYZE keeps no copy");
}

#[test]
fn amlyze_tenants_never_see_each_others_accounts() {
    let setup = setup();
    let other_token = setup.harness.vars["other_token"].clone();
    let resp = setup.harness.send(request(
        Method::PUT,
        "/amlyze-ws-rest/account-balance",
        Some(&other_token),
        &seed_body().to_string(),
    ));
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.tenant, Some(OTHER));
    assert_eq!(body(&resp)["errorCode"], "404");
    assert_eq!(history(&setup)["balances"], json!([]));
    assert_eq!(setup.amlyze.balance_history(OTHER, setup.seed_account), None);
}

#[test]
fn amlyze_open_account_generates_realistic_ids_and_refuses_taken_or_unknown_ones() {
    let setup = setup();
    let harness = &setup.harness;
    let open = |vendor_ids: Value| {
        harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec("0", vendor_ids)))
    };
    let opened = open(json!({})).unwrap();
    let ids = &opened.vendor_ids;
    let ext_id = ids["accountExtId"].as_str().unwrap();
    assert!(ext_id.starts_with("ACC20260101") && ext_id.len() == 17, "{ext_id}");
    let iban = ids["accountNumber"].as_str().unwrap();
    assert!(iban.starts_with("LT") && iban.len() == 20, "{iban}");
    assert!(ids["businessEntityExtId"].as_str().unwrap().starts_with("CUS20260101"));
    assert_eq!(ids["businessUnit"], "sandbox");
    assert_eq!(opened.account.labels.get("accountExtId").map(String::as_str), Some(ext_id));

    let taken = open(json!({"accountExtId": SEED_ACCOUNT})).unwrap_err();
    assert!(taken.contains("already registered"), "{taken}");
    let unknown = open(json!({"iban": "LT121000011101001000"})).unwrap_err();
    assert!(unknown.contains("unknown vendor id"), "{unknown}");
    let blank = open(json!({"accountExtId": " "})).unwrap_err();
    assert!(blank.contains("non-blank"), "{blank}");
    // The same id in another business unit is another account.
    assert!(open(json!({"accountExtId": SEED_ACCOUNT, "businessUnit": "lt-branch"})).is_ok());

    // The generated owner is a registered customer: the account call accepts it.
    let account = json!({
        "communicationNumber": "ACC-OWNED", "requester": "core",
        "businessEntityExtId": ids["businessEntityExtId"], "accountExtId": "SECOND",
        "accountNumber": "LT601010012345678901", "accountStatus": "ACTIVE",
        "currencyCode": "EUR", "openingDate": "2024-01-01T00:00:00Z"
    });
    assert_eq!(post(harness, "/amlyze-ws-rest/account", account).status, StatusCode::OK);
}

#[test]
fn amlyze_reset_forgets_registrations_but_keeps_the_token() {
    let setup = setup();
    assert_eq!(put_balance(&setup.harness, seed_body()).status, StatusCode::OK);
    setup.harness.vendor.reset_tenant(TENANT);
    let resp = put_balance(&setup.harness, seed_body());
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "authenticated, but the account is gone");
    assert_eq!(body(&resp)["errorCode"], "404");
    assert_eq!(setup.amlyze.balance_history(TENANT, setup.seed_account), None);
}

#[test]
fn amlyze_refusals_use_springs_shapes_after_authentication() {
    let setup = setup();
    let vendor = &setup.harness.vendor;
    let path = "/amlyze-ws-rest/batch-account-balances";
    // Seen once so the refusal has a clock to show.
    let _ = put_balance(&setup.harness, json!({}));
    let authed = request(Method::GET, path, Some(WELL_KNOWN_TOKEN), "");
    let resp = vendor.refuse(Refusal::MethodNotAllowed, &authed, uuid::Uuid::new_v4());
    assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers["allow"], "POST");
    assert_eq!(
        body(&resp),
        json!({"timestamp": "2026-01-01T00:00:00.000+00:00", "status": 405,
               "error": "Method Not Allowed", "path": path})
    );
    assert_eq!(resp.tenant, Some(TENANT));

    let anonymous = request(Method::GET, path, None, "");
    let resp = vendor.refuse(Refusal::MethodNotAllowed, &anonymous, uuid::Uuid::new_v4());
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(&resp.body[..], br#"{"error":{"code":"unauthorized"}}"#);

    let resp = vendor.refuse(
        Refusal::PayloadTooLarge { limit_bytes: 65536 },
        &anonymous,
        uuid::Uuid::new_v4(),
    );
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(&resp)["error"], "Payload Too Large");
    assert_eq!(resp.reason.as_deref(), Some("body: larger than 65536 bytes"));

    let resp = vendor.refuse(Refusal::BodyTimeout, &authed, uuid::Uuid::new_v4());
    assert_eq!(resp.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(body(&resp)["status"], 408);

    let resp = vendor.refuse(Refusal::Internal, &authed, uuid::Uuid::new_v4());
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        &resp.body[..],
        br#"{"resultType":"REQUEST_REJECTED","status":500,"error":"Internal Server Error"}"#
    );
}

#[test]
fn amlyze_refusals_show_the_time_last_seen_on_the_tokens_tenant_else_on_any() {
    // No account opened: AMLYZE has seen no clock yet.
    let harness = Harness::new(Box::new(Amlyze::new()));
    let other_token = harness.vendor.provision_tenant(
        OTHER,
        false,
        &crate::common::ids::IdGen::random(),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    let path = "/amlyze-ws-rest/account-balance";
    let refused_at = |token: Option<&str>| {
        let resp = harness.vendor.refuse(
            Refusal::BodyTimeout,
            &request(Method::PUT, path, token, ""),
            uuid::Uuid::new_v4(),
        );
        body(&resp)["timestamp"].as_str().unwrap().to_string()
    };
    // At `at` on the default tenant's clock, a handled request (Spring's 404).
    let handle_at = |at: &str| {
        let at = super::wire::datetime::parse(at).unwrap();
        let now = ledger::Timestamp::from_unix_micros(
            at.unix_seconds * 1_000_000 + i64::from(at.nanos / 1_000),
        );
        let clock = |_tenant: TenantId| now;
        let (server, ids) =
            (crate::common::ids::IdGen::random(), crate::common::ids::Ids::default());
        let trace = crate::common::ids::Trace::new(&server, &ids);
        let ctx = crate::Ctx {
            ledger: &harness.ledger,
            clock: &clock,
            trace: &trace,
            ids: &ids,
            recorder: &crate::common::persist::Memory,
        };
        let req = request(Method::GET, "/amlyze-ws-rest/x", Some(WELL_KNOWN_TOKEN), "");
        let not_found = super::ROUTES.iter().position(|r| r.operation == "notFound").unwrap();
        let resp = harness.vendor.handle(&ctx, not_found, &req);
        body(&resp)["timestamp"].as_str().unwrap().to_string()
    };
    assert_eq!(
        refused_at(Some(WELL_KNOWN_TOKEN)),
        "1970-01-01T00:00:00.000+00:00",
        "no clock seen"
    );

    assert_eq!(handle_at("2030-01-01T00:00:00Z"), "2030-01-01T00:00:00.000+00:00");
    assert_eq!(refused_at(Some(WELL_KNOWN_TOKEN)), "2030-01-01T00:00:00.000+00:00");
    // The clock set back: the refusal shows the time last seen, not the latest.
    assert_eq!(handle_at("2026-03-01T12:34:56.789Z"), "2026-03-01T12:34:56.789+00:00");
    assert_eq!(refused_at(Some(WELL_KNOWN_TOKEN)), "2026-03-01T12:34:56.789+00:00");
    // A tenant AMLYZE never saw, and no tenant at all: the time last seen on any clock.
    assert_eq!(refused_at(Some(&other_token)), "2026-03-01T12:34:56.789+00:00");
    assert_eq!(refused_at(None), "2026-03-01T12:34:56.789+00:00");
    // An admin account opening shows the tenant's clock too.
    harness.with_ctx(|ctx| harness.vendor.open_account(ctx, OTHER, &spec("0", json!({})))).unwrap();
    assert_eq!(refused_at(Some(&other_token)), "2026-01-01T00:00:00.000+00:00");
    assert_eq!(refused_at(Some(WELL_KNOWN_TOKEN)), "2026-03-01T12:34:56.789+00:00");
}

#[test]
fn amlyze_spring_timestamps_follow_the_tenant_clock() {
    let setup = setup();
    setup.harness.advance(std::time::Duration::from_millis(86_400_000 + 1_234));
    let resp = setup.harness.send(request(
        Method::GET,
        "/amlyze-ws-rest/balances",
        Some(WELL_KNOWN_TOKEN),
        "",
    ));
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(body(&resp)["timestamp"], "2026-01-02T00:00:01.234+00:00");
}

#[test]
fn amlyze_provisioning_returns_the_documented_well_known_token_once() {
    let vendor = super::vendor();
    let first = vendor.provision_tenant(TENANT, true, &crate::common::ids::IdGen::random());
    assert_eq!(
        first,
        json!({"token": "sandbank-amlyze-token", "authorization": "Bearer sandbank-amlyze-token",
               "businessUnit": "sandbox", "balanceTypes": ["DAILY_BALANCE", "STATEMENT_BALANCE"]})
    );
    assert_eq!(
        vendor.provision_tenant(TENANT, true, &crate::common::ids::IdGen::random())["token"],
        "sandbank-amlyze-token"
    );
    let second = vendor.provision_tenant(OTHER, true, &crate::common::ids::IdGen::random());
    let token = second["token"].as_str().unwrap();
    assert!(token.starts_with("amlyze_") && token.len() == 39, "{token}");
    assert_eq!(vendor.name(), "amlyze");
}

#[test]
fn amlyze_routes_stay_under_the_vendors_prefix() {
    let vendor = super::vendor();
    assert!(vendor.routes().iter().all(|r| r.path.starts_with("/amlyze-ws-rest/")));
}

#[test]
fn amlyze_a_route_index_outside_the_table_is_the_internal_error_not_a_panic() {
    let setup = setup();
    let harness = &setup.harness;
    let before = history(&setup);
    let req = request(Method::PUT, "/amlyze-ws-rest/account-balance", Some(WELL_KNOWN_TOKEN), "");
    let resp = harness.with_ctx(|ctx| harness.vendor.handle(ctx, super::ROUTES.len(), &req));
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body(&resp),
        json!({"resultType": "REQUEST_REJECTED", "status": 500, "error": "Internal Server Error"})
    );
    assert_eq!(resp.reason.as_deref(), Some("route: amlyze has no route 10"));
    assert_eq!(resp.tenant, Some(TENANT));
    assert_eq!(history(&setup), before, "nothing changed");
    // Without a token the 401 still comes first, as for every route.
    let anonymous = request(Method::PUT, "/amlyze-ws-rest/account-balance", None, "");
    let resp = harness.with_ctx(|ctx| harness.vendor.handle(ctx, usize::MAX, &anonymous));
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

/// Jackson's coercions as a client sees them: a number or boolean where a string is declared is
/// taken as its text (echoed back as such), a numeric string where a decimal is declared is read
/// exactly, escapes are undone, `"1"`/`"TRUE"` are booleans; a boolean where a decimal is
/// declared refuses the whole batch, even behind a valid item.
#[test]
fn amlyze_properties_follow_jacksons_coercions() {
    let setup = setup();
    let path = "/amlyze-ws-rest/validate-batch-account-balances";
    let item = |number: &str, value: &str| {
        format!(
            r#"{{"communicationNumber": {number}, "requester": "core", "accountExtId": "{SEED_ACCOUNT}",
                "balanceAt": " 2024-01-01T00:00:00Z ", "value": {value}}}"#
        )
    };
    let batch = format!(
        r#"{{"accountBalances": [{}, {}, {}, {}]}}"#,
        item("17", "1"),
        item("true", r#"" 12.50 ""#),
        item(r#""C\u0031\t""#, "1e2"),
        item("false", r#""""#),
    );
    let resp = harness_send(&setup, path, &batch);
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.reason);
    let results = &body(&resp)["results"];
    let numbers: Vec<&str> =
        (0..4).map(|i| results[i]["communicationNumber"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["17", "true", "C1\t", "false"]);
    let outcomes: Vec<&str> = (0..4).map(|i| results[i]["resultType"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        ["REQUEST_ACCEPTED"; 3].into_iter().chain(["REQUEST_REJECTED"]).collect::<Vec<_>>()
    );
    assert_eq!(results[3]["errorDescription"], "Value is mandatory", "a blank decimal is null");

    let refused = format!(r#"{{"accountBalances": [{}, {}]}}"#, item("1", "1"), item("2", "true"));
    let resp = harness_send(&setup, path, &refused);
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(body(&resp)["error"], "Bad Request", "Spring's body");
    let reason = resp.reason.unwrap();
    assert!(reason.contains("invalid type: boolean `true`, expected a decimal number"), "{reason}");

    let account = |flag: &str| {
        json!({"communicationNumber": format!("A-{flag}"), "requester": "core",
               "businessEntityExtId": "ORG2023111755", "accountExtId": format!("ACC-{flag}"),
               "accountNumber": "LT601010012345678901", "accountStatus": "ACTIVE",
               "currencyCode": "EUR", "openingDate": "2023-11-17T10:00:00Z",
               "isOtherFinInstAccount": serde_json::from_str::<Value>(flag).unwrap()})
    };
    for (flag, bic_needed) in [("true", true), ("1", true), (r#""TRUE""#, true), ("false", false)] {
        let resp = post(&setup.harness, "/amlyze-ws-rest/account", account(flag));
        let code = body(&resp)["errorCode"].clone();
        assert_eq!(code == "005", bic_needed, "isOtherFinInstAccount {flag}: {code}");
    }
}

fn harness_send(setup: &Setup, path: &str, body: &str) -> Response {
    setup.harness.send(request(Method::POST, path, Some(WELL_KNOWN_TOKEN), body))
}
