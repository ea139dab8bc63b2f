//! Qolo's behaviour, driven through the vendor interface: `.http` fixtures in
//! `test_data/qolo/` snapshotted as wire text, and plain tests for the rules that matter most
//! (money really moves, a refused request changes nothing, replays move money once, tokens
//! expire, tenants are isolated).

mod catalogue;
mod restart;

use std::time::Duration;

use ledger::{Limits, Mode, Status, TenantId, Transfer};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::vendor;
use crate::testing::{Harness, TENANT, parse_request};
use crate::{AccountSpec, Response};

/// The seed's own guids, so the seed's example names a real account.
const SEED_ACCOUNT_GUID: &str = "d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76";
const SEED_WALLET_GUID: &str = "17eaeda9-c0ab-4ac3-8ef9-27ac9b388a03";
const CARD_PROXY: &str = "1234567890123";
const OTHER_TENANT: TenantId = TenantId(uuid::Uuid::from_u128(2));

fn usd() -> ledger::Currency {
    ledger::Currency::from_code("USD").unwrap()
}

fn dec(text: &str) -> Decimal {
    ledger::parse_decimal(text).unwrap()
}

/// Opens an account for `tenant` and returns its vendor ids.
fn open(
    harness: &Harness,
    tenant: TenantId,
    currency: &str,
    opening: &str,
    limits: Limits,
    ids: Value,
) -> Map<String, Value> {
    let Value::Object(vendor_ids) = ids else { panic!("ids must be an object") };
    let spec = AccountSpec {
        currency: ledger::Currency::from_code(currency).unwrap(),
        opening_balance: dec(opening),
        limits,
        vendor_ids,
    };
    harness.with_ctx(|ctx| harness.vendor.open_account(ctx, tenant, &spec)).unwrap().vendor_ids
}

fn id(ids: &Map<String, Value>, name: &str) -> String {
    ids[name].as_str().unwrap().to_string()
}

/// Sends one request written like a fixture.
fn send(harness: &Harness, text: &str) -> Response {
    let mut text = text.to_string();
    for (name, value) in &harness.vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    harness.send(parse_request(&text))
}

/// The ledger id of the tenant's account with this `account_guid` label.
fn ledger_id(harness: &Harness, account_guid: &str) -> ledger::AccountId {
    let accounts = harness.ledger.accounts(harness.now(), TENANT);
    accounts.iter().find(|a| a.labels["account_guid"] == account_guid).unwrap().id
}

fn body(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap()
}

fn login(harness: &Harness, login_id: &str, api_key: &str) -> String {
    let resp = send(
        harness,
        &format!(
            "POST /api/v1/auth/login\ncontent-type: application/json\n\n\
             {{\"login_id\": \"{login_id}\", \"api_key\": \"{api_key}\"}}"
        ),
    );
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    body(&resp)["access_token"].as_str().unwrap().to_string()
}

/// A harness with the accounts every fixture may use, a token, and their ids in `vars`:
///
/// - `account_guid` (USD, 100.00, the seed's guid) and `eur_guid` (EUR, 0) share the seed's
///   wallet `wallet_guid`, holder `person_guid`, card `card_proxy`;
/// - `limited_guid` (USD 0; per-transfer 300, daily credits 500, two debits a day),
///   `capped_guid` (USD 900.00, maximum balance 1000), `frozen_guid` (USD 10.00, frozen),
///   `overdraft_guid` (USD −50.00, minimum −100), `progfund_guid` (PROGFUND, USD 5000.00),
///   `suspense_guid` (USD, 75.00 deferred until tomorrow), each in its own wallet with a fixed
///   wallet id and card proxy (so snapshots are stable);
/// - `other_guid`: another tenant's USD account, `other_token` that tenant's token;
/// - `program_guid`: the tenant's program; `token`: a fresh bearer token.
fn harness() -> Harness {
    let mut harness = Harness::new(vendor());
    let main = open(
        &harness,
        TENANT,
        "USD",
        "100.00",
        Limits::default(),
        json!({"account_guid": SEED_ACCOUNT_GUID, "wallet_guid": SEED_WALLET_GUID,
               "wallet_id": "100000000001", "card_proxy": CARD_PROXY}),
    );
    let eur = open(
        &harness,
        TENANT,
        "EUR",
        "0",
        Limits::default(),
        json!({"wallet_guid": SEED_WALLET_GUID, "account_name": "Euro savings"}),
    );
    let limited = open(
        &harness,
        TENANT,
        "USD",
        "0",
        Limits {
            transfer_amount_max: Some(dec("300")),
            daily_credit_amount_max: Some(dec("500")),
            daily_debit_count_max: Some(2),
            ..Limits::default()
        },
        json!({"wallet_id": "100000000002", "card_proxy": "2000000000002"}),
    );
    let capped = open(
        &harness,
        TENANT,
        "USD",
        "900.00",
        Limits { balance_max: Some(dec("1000")), ..Limits::default() },
        json!({"wallet_id": "100000000003", "card_proxy": "2000000000003"}),
    );
    let frozen = open(
        &harness,
        TENANT,
        "USD",
        "10.00",
        Limits::default(),
        json!({"wallet_id": "100000000004", "card_proxy": "2000000000004"}),
    );
    let overdraft = open(
        &harness,
        TENANT,
        "USD",
        "-50.00",
        Limits { balance_min: dec("-100"), ..Limits::default() },
        json!({"account_name": "Overdraft", "wallet_id": "100000000005", "card_proxy": "2000000000005"}),
    );
    let progfund = open(
        &harness,
        TENANT,
        "USD",
        "5000.00",
        Limits::default(),
        json!({"account_type": "PROGFUND", "wallet_id": "100000000006", "card_proxy": "2000000000006"}),
    );
    let suspense = open(
        &harness,
        TENANT,
        "USD",
        "0",
        Limits::default(),
        json!({"wallet_id": "100000000007", "card_proxy": "2000000000007"}),
    );
    let other_credentials =
        harness.vendor.provision_tenant(OTHER_TENANT, false, &crate::common::ids::IdGen::random());
    let other = open(
        &harness,
        OTHER_TENANT,
        "USD",
        "100.00",
        Limits::default(),
        json!({"wallet_id": "100000000008", "card_proxy": "2000000000008"}),
    );

    let frozen_id = ledger_id(&harness, &id(&frozen, "account_guid"));
    harness.ledger.set_status(harness.now(), TENANT, frozen_id, Status::Frozen).unwrap();
    let suspense_id = ledger_id(&harness, &id(&suspense, "account_guid"));
    let tomorrow = harness.now().next_utc_midnight();
    harness
        .ledger
        .transfer(
            harness.now(),
            Transfer::credit(TENANT, suspense_id, dec("75.00"), usd())
                .with_mode(Mode::Deferred { available_at: tomorrow }),
        )
        .unwrap();

    let token = login(&harness, "sandbank-qolo-login", "sandbank-qolo-key");
    let other_token = login(
        &harness,
        other_credentials["login_id"].as_str().unwrap(),
        other_credentials["api_key"].as_str().unwrap(),
    );
    let vars = [
        ("token", token),
        ("other_token", other_token),
        ("account_guid", id(&main, "account_guid")),
        ("wallet_guid", id(&main, "wallet_guid")),
        ("person_guid", id(&main, "person_guid")),
        ("program_guid", id(&main, "program_guid")),
        ("card_proxy", id(&main, "card_proxy")),
        ("eur_guid", id(&eur, "account_guid")),
        ("limited_guid", id(&limited, "account_guid")),
        ("limited_wallet_guid", id(&limited, "wallet_guid")),
        ("capped_guid", id(&capped, "account_guid")),
        ("frozen_guid", id(&frozen, "account_guid")),
        ("overdraft_guid", id(&overdraft, "account_guid")),
        ("progfund_guid", id(&progfund, "account_guid")),
        ("suspense_guid", id(&suspense, "account_guid")),
        ("other_guid", id(&other, "account_guid")),
        ("other_wallet_guid", id(&other, "wallet_guid")),
    ];
    for (name, value) in vars {
        harness.vars.insert(name.to_string(), value);
    }
    harness
}

/// The W3C span id in `traceId` is random per request and not a shape the shared normalizer
/// knows; replace it so snapshots are stable (the trace id itself is already redacted).
fn redact_spans(text: &str) -> String {
    const MARK: &str = "\"traceId\":\"00-<hex32:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(MARK) {
        let after_mark = start + MARK.len();
        let Some(close) = rest[after_mark..].find(">-") else { break };
        let span_start = after_mark + close + 2;
        out.push_str(&rest[..span_start]);
        out.push_str("<span>");
        rest = &rest[span_start + 16..];
    }
    out.push_str(rest);
    out
}

fn run(harness: &Harness, fixture: &str) -> String {
    redact_spans(&harness.run_fixture(fixture))
}

#[test]
fn fixtures() {
    insta::glob!("../../test_data/qolo", "*.http", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let harness = harness();
        insta::assert_snapshot!(run(&harness, &text));
    });
}

#[test]
fn an_expired_token_is_refused_and_a_new_login_works() {
    let mut harness = harness();
    let read = "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n";
    assert_eq!(send(&harness, read).status, 200);
    harness.advance(Duration::from_secs(12 * 60 * 60 - 1));
    assert_eq!(send(&harness, read).status, 200, "still valid one second before 12 hours");
    harness.advance(Duration::from_secs(1));
    insta::assert_snapshot!("expired_token", run(&harness, read));
    let token = login(&harness, "sandbank-qolo-login", "sandbank-qolo-key");
    harness.vars.insert("token".into(), token);
    assert_eq!(send(&harness, read).status, 200);
}

fn adjust(harness: &Harness, code: &str, amount: &str, extra: &str) -> Response {
    send(
        harness,
        &format!(
            "POST /api/v1/accounts/AdjustBalance\nauthorization: Bearer {{{{token}}}}\n\
             content-type: application/json\n{extra}\n\
             {{\"account_guid\": \"{{{{account_guid}}}}\", \"request_code\": \"{code}\", \
             \"amount\": {amount}, \"currency\": \"USD\"}}"
        ),
    )
}

fn main_balances(harness: &Harness) -> ledger::Balances {
    let id = ledger_id(harness, SEED_ACCOUNT_GUID);
    harness.ledger.account(harness.now(), TENANT, id).unwrap().balances
}

#[test]
fn a_credit_raises_both_balances_and_a_debit_lowers_them() {
    let harness = harness();
    let resp = adjust(&harness, "AT-WIRE_IN", "25.75", "");
    assert_eq!(resp.status, 201);
    let account = &body(&resp)["account"];
    assert_eq!(account["ledger_balance"].to_string(), "125.75");
    assert_eq!(account["available_balance"].to_string(), "125.75");
    assert_eq!(account["last_credit_amount"].to_string(), "25.75");
    assert_eq!(main_balances(&harness).posted, dec("125.75"));

    let resp = adjust(&harness, "UT-ACH_OUT", "0.75", "");
    assert_eq!(resp.status, 201);
    let account = &body(&resp)["account"];
    assert_eq!(account["ledger_balance"].to_string(), "125");
    assert_eq!(account["first_debit_amount"].to_string(), "0.75");
    assert_eq!(account["last_debit_amount"].to_string(), "0.75");
    assert_eq!(main_balances(&harness).available, dec("125.00"));
}

#[test]
fn first_debit_stays_while_last_debit_and_last_txn_follow_each_change() {
    let harness = harness();
    let first = body(&adjust(&harness, "UT-ACH_OUT", "1", ""));
    harness.advance(Duration::from_secs(60));
    let second = body(&adjust(&harness, "FT-ACH_OUT", "2", ""));
    let (first, second) = (&first["account"], &second["account"]);
    assert_eq!(second["first_debit_amount"], first["first_debit_amount"]);
    assert_eq!(second["first_debit_date"], first["first_debit_date"]);
    assert_eq!(second["last_debit_amount"].to_string(), "2");
    assert_ne!(second["last_debit_date"], first["last_debit_date"]);
    assert_ne!(second["last_txn_guid"], first["last_txn_guid"]);
    assert_eq!(second["sys_utcupdated"], second["last_debit_date"]);
    // The read shows the same last transaction.
    let read = body(&send(
        &harness,
        "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n",
    ));
    assert_eq!(read["last_txn_guid"], second["last_txn_guid"]);
    assert_eq!(read["amount"].to_string(), "2");
}

#[test]
fn a_refused_adjustment_changes_nothing() {
    let harness = harness();
    let before = harness.ledger.snapshot(harness.now());
    for (code, amount) in [("UT-ACH_OUT", "100.01"), ("string", "1"), ("LT-ACH_IN", "0.001")] {
        let resp = adjust(&harness, code, amount, "");
        assert_eq!(resp.status, 400, "{code} {amount}");
        assert!(resp.reason.is_some());
    }
    assert_eq!(harness.ledger.snapshot(harness.now()), before);
}

#[test]
fn a_replay_with_the_same_key_moves_money_once_and_answers_the_same() {
    let harness = harness();
    let first = adjust(&harness, "LT-ACH_IN", "10", "idempotencykey: k-1\n");
    // A later change must not leak into the replayed answer.
    assert_eq!(adjust(&harness, "LT-ACH_IN", "1", "").status, 201);
    let replay = adjust(&harness, "LT-ACH_IN", "10", "idempotencykey: k-1\n");
    assert_eq!((first.status.as_u16(), replay.status.as_u16()), (201, 201));
    assert_eq!(first.body, replay.body);
    assert_eq!(main_balances(&harness).posted, dec("111.00"));
    let conflict = adjust(&harness, "LT-ACH_IN", "11", "idempotencykey: k-1\n");
    assert_eq!(conflict.status, 400);
    assert_eq!(main_balances(&harness).posted, dec("111.00"));
}

#[test]
fn suspense_clears_into_ledger_and_available_when_it_falls_due() {
    let mut harness = harness();
    let read = "GET /api/v1/accounts/{{suspense_guid}}\nauthorization: Bearer {{token}}\n";
    let before = body(&send(&harness, read));
    assert_eq!(
        (before["ledger_balance"].to_string(), before["available_balance"].to_string()),
        ("0".into(), "0".into())
    );
    assert_eq!(before["suspense_balance"].to_string(), "75");
    harness.advance(Duration::from_secs(24 * 60 * 60));
    let token = login(&harness, "sandbank-qolo-login", "sandbank-qolo-key");
    harness.vars.insert("token".into(), token);
    let after = body(&send(&harness, read));
    assert_eq!(after["ledger_balance"].to_string(), "75");
    assert_eq!(after["available_balance"].to_string(), "75");
    assert_eq!(after["suspense_balance"].to_string(), "0");
}

#[test]
fn a_daily_limit_resets_on_the_next_utc_day() {
    let mut harness = harness();
    let credit = "POST /api/v1/accounts/AdjustBalance\nauthorization: Bearer {{token}}\n\
                  content-type: application/json\n\n{\"account_guid\": \"{{limited_guid}}\", \
                  \"request_code\": \"LT-ACH_IN\", \"amount\": 300, \"currency\": \"USD\"}";
    assert_eq!(send(&harness, credit).status, 201);
    let refused = send(&harness, credit);
    assert_eq!(refused.status, 400);
    assert!(refused.reason.unwrap().contains("daily credit amount"));
    harness.advance(Duration::from_secs(24 * 60 * 60));
    let token = login(&harness, "sandbank-qolo-login", "sandbank-qolo-key");
    harness.vars.insert("token".into(), token);
    assert_eq!(send(&harness, credit).status, 201);
}

#[test]
fn a_tenant_never_sees_or_moves_another_tenants_account() {
    let harness = harness();
    let before = harness.ledger.snapshot(harness.now());
    let requests = [
        "GET /api/v1/accounts/{{other_guid}}\nauthorization: Bearer {{token}}\n",
        "GET /api/v1/wallets/{{other_wallet_guid}}\nauthorization: Bearer {{token}}\n",
        "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{other_token}}\n",
        "POST /api/v1/accounts/AdjustBalance\nauthorization: Bearer {{token}}\n\
         content-type: application/json\n\n{\"account_guid\": \"{{other_guid}}\", \
         \"request_code\": \"UT-ACH_OUT\", \"amount\": 1, \"currency\": \"USD\"}",
    ];
    for request in requests {
        assert_eq!(send(&harness, request).status, 404, "{request}");
    }
    assert_eq!(harness.ledger.snapshot(harness.now()), before);
    let own = send(
        &harness,
        "GET /api/v1/accounts/{{other_guid}}\nauthorization: Bearer {{other_token}}\n",
    );
    assert_eq!(own.status, 200);
    assert_eq!(own.tenant, Some(OTHER_TENANT));
}

#[test]
fn opening_accounts_checks_the_qolo_identifiers() {
    let harness = harness();
    let spec = |ids: Value| AccountSpec {
        currency: usd(),
        opening_balance: Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids: ids.as_object().unwrap().clone(),
    };
    let try_open =
        |ids: Value| harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec(ids)));
    let errors = [
        (json!({"account_guid": SEED_ACCOUNT_GUID}), "already in use"),
        (json!({"account_guid": "not-a-guid"}), "hyphenated guid"),
        (json!({"card_proxy": CARD_PROXY}), "another wallet"),
        (json!({"account_type": "SAVINGS"}), "account_type must be one of"),
        (json!({"account_name": "a name much longer than twenty-four"}), "account_name"),
        (
            json!({"wallet_guid": SEED_WALLET_GUID, "person_guid": SEED_ACCOUNT_GUID}),
            "does not match",
        ),
        (json!({"iban": "DE00"}), "not a Qolo identifier"),
        (json!({"wallet_id": 12}), "must be a string"),
    ];
    for (ids, expected) in errors {
        let err = try_open(ids.clone()).unwrap_err();
        assert!(err.contains(expected), "{ids}: {err}");
    }
    let opened =
        try_open(json!({"wallet_guid": SEED_WALLET_GUID, "account_type": "SECURE"})).unwrap();
    assert_eq!(opened.vendor_ids["card_proxy"], CARD_PROXY);
    assert_eq!(opened.vendor_ids["account_name"], "SECURE USD");
    let fresh = try_open(json!({})).unwrap();
    assert_eq!(fresh.vendor_ids["wallet_id"].as_str().unwrap().len(), 12);
    assert_eq!(fresh.vendor_ids["card_proxy"].as_str().unwrap().len(), 13);
    assert_eq!(fresh.account.labels["vendor"], "qolo");
}

#[test]
fn reset_forgets_accounts_but_keeps_credentials() {
    let harness = harness();
    harness.vendor.reset_tenant(TENANT);
    let read =
        send(&harness, "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n");
    assert_eq!(read.status, 404);
    login(&harness, "sandbank-qolo-login", "sandbank-qolo-key");
}

#[test]
fn refusals_use_the_problem_details_shape() {
    let harness = harness();
    let req = parse_request("DELETE /api/v1/accounts/AdjustBalance\n");
    for (refusal, status) in [
        (crate::Refusal::MethodNotAllowed, 405),
        (crate::Refusal::PayloadTooLarge { limit_bytes: 65536 }, 413),
        (crate::Refusal::BodyTimeout, 408),
        (crate::Refusal::Internal, 500),
    ] {
        let resp = harness.vendor.refuse(refusal, &req, uuid::Uuid::new_v4());
        assert_eq!(resp.status, status);
        assert_eq!(resp.headers["content-type"], "application/problem+json; charset=utf-8");
        assert_eq!(body(&resp)["status"], status);
        assert!(resp.reason.is_some());
    }
}

#[test]
fn every_route_is_under_api_and_answers() {
    let harness = harness();
    for route in harness.vendor.routes() {
        assert!(route.path.starts_with("/api/{version}/"), "{}", route.path);
    }
    let resp =
        send(&harness, "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n");
    assert_eq!(resp.headers["content-type"], "application/json; charset=utf-8");
    assert_eq!(resp.tenant, Some(TENANT));
}

/// The server passes the matched route's index; the table runs that route's operation, and an
/// index past the table is Qolo's 500 problem, never a panic.
#[test]
fn each_route_index_runs_its_own_operation_and_one_past_the_table_is_a_500_problem() {
    let harness = harness();
    let text =
        "GET /api/v1/accounts?wallet_guid={{wallet_guid}}\nauthorization: Bearer {{token}}\n";
    let mut text = text.to_string();
    for (name, value) in &harness.vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    // As the server's router captures it.
    let req =
        crate::Request { params: vec![("version".into(), "v1".into())], ..parse_request(&text) };
    let routes = harness.vendor.routes();
    let index_of = |operation: &str| routes.iter().position(|r| r.operation == operation).unwrap();
    let at = |idx: usize| harness.with_ctx(|ctx| harness.vendor.handle(ctx, idx, &req));

    let found = at(index_of("SearchAccount"));
    assert_eq!(found.status, 200, "{}", String::from_utf8_lossy(&found.body));
    assert_eq!(body(&found)["count"], 2);
    // The same request at the login's index is the login's: no JSON body, so a 415.
    assert_eq!(at(index_of("Login")).status, 415);

    let past = at(routes.len());
    assert_eq!(past.status, 500);
    assert_eq!(past.headers["content-type"], "application/problem+json; charset=utf-8");
    assert_eq!(body(&past)["instance"], "/api/v1/accounts");
    assert_eq!(
        past.reason.as_deref(),
        Some(&*format!("route: no operation at index {}", routes.len()))
    );
}

#[test]
fn transaction_guids_are_distinct_stable_version_4_uuids() {
    let qolo = super::Qolo::new();
    let guids: std::collections::HashSet<_> =
        (1..=10_000).map(|n| qolo.txn_guid(ledger::TransferId(n))).collect();
    assert_eq!(guids.len(), 10_000);
    assert!(guids.iter().all(|g| g.get_version_num() == 4));
    assert_eq!(qolo.txn_guid(ledger::TransferId(7)), qolo.txn_guid(ledger::TransferId(7)));
}

#[test]
fn mangled_bodies_never_panic_and_a_refusal_changes_nothing() {
    let harness = harness();
    let token = harness.vars["token"].clone();
    let valid = format!(
        "{{\"account_guid\": \"{SEED_ACCOUNT_GUID}\", \"request_code\": \"UT-ACH_OUT\", \
         \"amount\": 0.01, \"currency\": \"USD\", \"wire_date\": \"2026-01-01T00:00:00.5Z\", \
         \"account\": {{\"ledger_balance\": 1.5, \"last_txn_guid\": null}}}}"
    );
    // A fixed linear congruential generator: the same mangled bodies on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap() % bound
    };
    let alphabet = b"{}[]\":,.-0123456789eE nulltruefalse\\\xff";
    for _ in 0..3000 {
        let mut body = valid.clone().into_bytes();
        for _ in 0..=next(4) {
            let at = next(body.len());
            match next(3) {
                0 => body[at] = alphabet[next(alphabet.len())],
                1 => {
                    body.remove(at);
                }
                _ => body.insert(at, alphabet[next(alphabet.len())]),
            }
        }
        let before = harness.ledger.snapshot(harness.now());
        let mut req = parse_request(&format!(
            "POST /api/v1/accounts/AdjustBalance\nauthorization: Bearer {token}\n\
             content-type: application/json\n"
        ));
        req.body = bytes::Bytes::from(body);
        let resp = harness.send(req);
        if resp.status != 201 {
            assert!(resp.status.is_client_error(), "{}", resp.status);
            assert!(resp.reason.is_some());
            assert_eq!(harness.ledger.snapshot(harness.now()), before);
        }
    }
}

proptest::proptest! {
    /// The metadata an adjustment keeps is built in key order; it is the same `Metadata` as
    /// one built member by member in the request's order, whichever members were sent.
    #[test]
    fn adjustment_metadata_is_the_same_in_key_order_as_in_request_order(
        sent in proptest::collection::vec(proptest::option::of("[a-zA-Z0-9 \"\\\\é]{0,12}"), 6),
        user_guid in proptest::option::of(proptest::prelude::any::<u128>()),
    ) {
        let names = ["client_reference_id", "description", "memo_code", "card_proxy", "source_code", "wire_date"];
        let mut body = Map::new();
        for (name, value) in names.iter().zip(&sent) {
            if let Some(value) = value {
                let value = if *name == "wire_date" { "2026-01-02T03:04:05Z".to_string() } else { value.clone() };
                body.insert((*name).to_string(), json!(value));
            }
        }
        let user_guid = user_guid.map(|bits| uuid::Uuid::from_u128(bits).to_string());
        if let Some(guid) = &user_guid {
            body.insert("user_guid".into(), json!(guid));
        }
        body.insert("account_guid".into(), json!("00000000-0000-4000-8000-000000000001"));
        body.insert("request_code".into(), json!("LT-ACH_IN"));
        body.insert("amount".into(), json!(1.5));
        body.insert("currency".into(), json!("USD"));
        let text = serde_json::to_vec(&Value::Object(body.clone())).unwrap();
        let adjustment = super::parse::adjust_balance(&text).unwrap();

        let mut expected = ledger::Metadata::new();
        expected.insert("operation", "AdjustBalance");
        expected.insert("request_code", "LT-ACH_IN");
        for name in ["client_reference_id", "description", "memo_code", "card_proxy", "user_guid", "source_code", "wire_date"] {
            if let Some(value) = body.get(name).and_then(Value::as_str) {
                expected.insert(name, value);
            }
        }
        proptest::prop_assert_eq!(super::handlers::metadata(&adjustment), expected);
    }
}

proptest::proptest! {
    /// The currency of a request, looked up through the last one seen, is the ISO table's
    /// answer for any text, after any other code was looked up.
    #[test]
    fn a_currency_code_reads_as_the_iso_table_says_whatever_came_before(
        codes in proptest::collection::vec(
            proptest::prop_oneof!["USD|EUR|GBP|JPY|XXX|usd|US|USDD", "[A-Z]{3}", ".{0,4}"],
            1..8,
        ),
    ) {
        for code in &codes {
            proptest::prop_assert_eq!(
                super::parse::currency_of(code),
                ledger::Currency::from_code(code),
                "{:?}", code
            );
        }
    }
}

/// A JSON value of any kind AdjustBalance may be sent, spelled a few ways.
fn any_member_value() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::prop_oneof![
        "\"[a-zA-Z0-9 _:./é-]{0,10}\"",
        "\"[a-z]{0,3}(\\\\\"|\\\\\\\\|\\\\n|\\\\u00e9)[a-z]{0,3}\"",
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?",
        proptest::strategy::Just("true".to_string()),
        proptest::strategy::Just("false".to_string()),
        proptest::strategy::Just("null".to_string()),
        proptest::strategy::Just("{\"account_guid\": \"x\"}".to_string()),
        proptest::strategy::Just("[1, \"a\"]".to_string()),
    ]
}

proptest::proptest! {
    /// A flat AdjustBalance body read without serde (`common::json::scan`) reads as serde reads
    /// it, whatever its members, values, escapes and spacing; any other body is left to serde.
    #[test]
    fn a_flat_adjust_balance_body_reads_as_serde_reads_it(
        members in proptest::collection::vec(
            (
                proptest::prop_oneof![
                    "(client_reference_id|request_code|amount|currency|description|memo_code)",
                    "(account_guid|wire_date|card_proxy|account|user_guid|source_code)",
                    "[a-z_]{1,8}",
                    proptest::strategy::Just("na\\\\u006de".to_string()),
                ],
                any_member_value(),
            ),
            0..8,
        ),
        space in "[ \t\r\n]{0,2}",
    ) {
        let mut seen = std::collections::HashSet::new();
        let members: Vec<_> = members.into_iter().filter(|(name, _)| seen.insert(name.clone())).collect();
        let text = format!(
            "{space}{{{space}{}{space}}}{space}",
            members
                .iter()
                .map(|(name, value)| format!("\"{name}\"{space}:{space}{value}"))
                .collect::<Vec<_>>()
                .join(&format!("{space},{space}"))
        );
        let checked = crate::common::json::check(text.as_bytes()).unwrap();
        let by_serde: super::wire::request::AdjustBalanceRequest<'_> =
            serde_json::from_str(checked).unwrap();
        // Escaped strings are read too; an escaped name or a nested value is serde's.
        let flat = members
            .iter()
            .all(|(name, value)| !name.contains('\\') && !value.starts_with(['{', '[']));
        match super::parse::flat(checked) {
            Some(read) => {
                proptest::prop_assert!(flat, "{}", text);
                proptest::prop_assert_eq!(format!("{read:?}"), format!("{by_serde:?}"));
            }
            None => proptest::prop_assert!(!flat, "{}", text),
        }
    }
}

proptest::proptest! {
    /// The unchecked walk of an AdjustBalance body reads it only when the strict check passes
    /// it and serde reads it the same; any other body (a member twice, bad escapes, invalid
    /// UTF-8, trailing commas, deep nesting, numbers of every shape...) takes the checked path,
    /// which refuses or reads it as it always did.
    #[test]
    fn the_unchecked_adjust_balance_walk_reads_only_what_the_check_and_serde_read_alike(
        members in proptest::collection::vec(
            (
                proptest::prop_oneof![
                    4 => "(client_reference_id|request_code|amount|currency|account_guid)",
                    1 => "(description|memo_code|wire_date|card_proxy|account|user_guid|source_code)",
                    1 => "[a-z_]{1,8}",
                ],
                crate::common::json::scan::testing::value(),
            ),
            0..8,
        ),
        space in "[ \t\r\n]{0,2}",
        edits in crate::common::json::scan::testing::edits(),
    ) {
        let text = format!(
            "{space}{{{}}}{space}",
            members
                .iter()
                .map(|(name, value)| format!("\"{name}\"{space}:{space}{value}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let bytes = crate::common::json::scan::testing::edited(&text, &edits);
        if let Some(walked) = super::parse::flat_unchecked(&bytes) {
            let checked = crate::common::json::check(&bytes);
            proptest::prop_assert!(checked.is_ok(), "{:?}", String::from_utf8_lossy(&bytes));
            let by_serde = checked.ok().map(serde_json::from_str::<super::wire::request::AdjustBalanceRequest<'_>>);
            proptest::prop_assert_eq!(
                format!("{:?}", Some(walked)),
                format!("{:?}", by_serde.and_then(Result::ok)),
                "{:?}", String::from_utf8_lossy(&bytes)
            );
        }
    }

    /// A flat body of AdjustBalance's own members, each once, with plain values, is read by the
    /// unchecked walk (the fast path is the common one).
    #[test]
    fn a_plain_adjust_balance_body_takes_the_unchecked_walk(
        names in proptest::strategy::Strategy::prop_shuffle(proptest::sample::subsequence(
            &["client_reference_id", "request_code", "amount", "currency", "description",
              "memo_code", "account_guid", "wire_date", "card_proxy", "user_guid", "source_code"][..],
            0..=11,
        )),
        text in "[a-zA-Z0-9 é-]{0,8}",
        number in "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
    ) {
        let body = format!(
            "{{{}}}",
            names
                .iter()
                .enumerate()
                .map(|(idx, name)| match idx % 3 {
                    0 => format!("\"{name}\": \"{text}\""),
                    1 => format!("\"{name}\": {number}"),
                    _ => format!("\"{name}\": null"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        let walked = super::parse::flat_unchecked(body.as_bytes());
        proptest::prop_assert!(walked.is_some(), "{}", body);
        let by_serde: super::wire::request::AdjustBalanceRequest<'_> = serde_json::from_str(&body).unwrap();
        proptest::prop_assert_eq!(format!("{walked:?}"), format!("{:?}", Some(by_serde)));
    }
}
