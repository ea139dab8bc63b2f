//! FirstVision's pure tests: `.http` fixtures from `test_data/firstvision/` (the seed's own
//! example first) snapshotted as wire text, and explicit checks of the behaviours that matter
//! most (money really moves, refusals change nothing, signatures, replays, isolation).
//!
//! Fixtures may contain `#! advance <seconds>` lines: the tenant clock moves on, the access
//! token in `{{token}}` is renewed (the old one stays in `{{previous_token}}`), and the fixture
//! goes on.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ledger::{Currency, Limits, Status, TenantId};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::vendor;
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{AccountSpec, Refusal, Response};

mod catalogue;
mod restart;

/// A second tenant, provisioned with random credentials.
const OTHER_TENANT: TenantId = TenantId(uuid::Uuid::from_u128(2));

const API_KEY: &str = "sandbank-firstvision-key";
const SECRET: &str = "sandbank-firstvision-secret";

/// 10:30:15.3 on the harness's first day, so history times are not all zeros.
const MORNING: Duration = Duration::from_millis(37_815_300);

fn mxn() -> Currency {
    Currency::from_code("MXN").unwrap()
}

fn dec(text: &str) -> Decimal {
    ledger::parse_decimal(text).unwrap()
}

fn open(h: &Harness, tenant: TenantId, ids: Value, opening: &str, limits: Limits) -> String {
    let spec = AccountSpec {
        currency: mxn(),
        opening_balance: dec(opening),
        limits,
        vendor_ids: ids.as_object().unwrap().clone(),
    };
    let opened = h.with_ctx(|ctx| h.vendor.open_account(ctx, tenant, &spec)).unwrap();
    opened.account.id.to_string()
}

fn basic(api_key: &str, secret: &str) -> String {
    STANDARD.encode(format!("{api_key}:{secret}"))
}

fn token(h: &Harness, api_key: &str, secret: &str) -> String {
    let req = parse_request(&format!(
        "POST /firstvision/token\nContent-Type: application/x-www-form-urlencoded\n\
         Authorization: Basic {}\n\ngrant_type=client_credentials",
        basic(api_key, secret)
    ));
    let resp = h.send(req);
    assert_eq!(resp.status, 200, "{}", render(&resp));
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// The standard world of every fixture: the default tenant with accounts in organizations 970
/// and 807, and a second tenant with its own accounts.
fn world() -> Harness {
    let mut h = Harness::new(vendor());
    h.advance(MORNING);
    let seed = json!({
        "organizationNumber": 970, "logo": 401, "accountNumber": "9704010000000001467",
        "cardNumber": "0004444440000000558", "cardSequence": 123,
    });
    open(&h, TENANT, seed, "0", Limits::default());
    let funded =
        json!({"accountNumber": "9704010000000002002", "cardNumber": "0004444440000002002"});
    open(&h, TENANT, funded, "1000.00", Limits::default());
    let limited =
        json!({"accountNumber": "9704010000000003003", "cardNumber": "0004444440000003003"});
    let limits = Limits {
        transfer_amount_max: Some(dec("600.00")),
        daily_credit_amount_max: Some(dec("900.00")),
        daily_debit_count_max: Some(1),
        ..Limits::default()
    };
    open(&h, TENANT, limited, "0", limits);
    let capped =
        json!({"accountNumber": "9704010000000004004", "cardNumber": "0004444440000004004"});
    open(
        &h,
        TENANT,
        capped,
        "0",
        Limits { balance_max: Some(dec("1000.00")), ..Limits::default() },
    );
    let credit =
        json!({"accountNumber": "9704010000000005005", "cardNumber": "0004444440000005005"});
    open(&h, TENANT, credit, "0", Limits { balance_min: dec("-5000.00"), ..Limits::default() });
    for (number, status) in [("6006", Status::Frozen), ("7007", Status::Closed)] {
        let ids = json!({
            "accountNumber": format!("970401000000000{number}"),
            "cardNumber": format!("000444444000000{number}"),
        });
        let id = open(&h, TENANT, ids, "50.00", Limits::default());
        let id = ledger::AccountId(id.parse().unwrap());
        h.ledger.set_status(h.now(), TENANT, id, status).unwrap();
    }
    let other_org = json!({
        "organizationNumber": 807, "accountNumber": "8074010000000008008",
        "cardNumber": "0004513070406598974", "actionCodes": {"LOAD": "credit", "UNLD": "debit"},
    });
    open(&h, TENANT, other_org, "0", Limits::default());

    let other =
        h.vendor.provision_tenant(OTHER_TENANT, false, &crate::common::ids::IdGen::random());
    let other_key = other["apikey"].as_str().unwrap().to_string();
    let other_secret = other["clientSecret"].as_str().unwrap().to_string();
    let theirs =
        json!({"accountNumber": "9704010000000009009", "cardNumber": "0004444440000009009"});
    open(&h, OTHER_TENANT, theirs, "300.00", Limits::default());
    let their_org = json!({"organizationNumber": 950, "accountNumber": "9504010000000009500"});
    open(&h, OTHER_TENANT, their_org, "0", Limits::default());

    let vars = [
        ("token", token(&h, API_KEY, SECRET)),
        ("basic", basic(API_KEY, SECRET)),
        ("other_apikey", other_key.clone()),
        ("other_token", token(&h, &other_key, &other_secret)),
        ("other_basic", basic(&other_key, &other_secret)),
    ];
    for (name, value) in vars {
        h.vars.insert(name.to_string(), value);
    }
    h
}

const ADVANCED_END: &str = " s\n\n";

/// Runs a fixture, honouring `#! advance <seconds>` lines.
fn run(h: &mut Harness, text: &str) -> String {
    let mut out = String::new();
    let mut segment = String::new();
    let flush = |h: &mut Harness, segment: &mut String, out: &mut String| {
        if segment.trim().is_empty() {
            segment.clear();
            return;
        }
        if !out.is_empty() && !out.ends_with(ADVANCED_END) {
            out.push_str("\n###\n\n");
        }
        out.push_str(&h.run_fixture(segment));
        segment.clear();
    };
    for line in text.lines() {
        if let Some(seconds) = line.strip_prefix("#! advance ") {
            flush(h, &mut segment, &mut out);
            h.advance(Duration::from_secs(seconds.trim().parse().unwrap()));
            out.push_str(&format!("\n###\n\n#! advanced {}{ADVANCED_END}", seconds.trim()));
            let fresh = token(h, API_KEY, SECRET);
            let old = h.vars.insert("token".to_string(), fresh).unwrap();
            h.vars.insert("previous_token".to_string(), old);
        } else {
            segment.push_str(line);
            segment.push('\n');
        }
    }
    flush(h, &mut segment, &mut out);
    out
}

#[test]
fn fixtures() {
    insta::glob!("../../test_data/firstvision", "*.http", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut h = world();
        insta::assert_snapshot!(run(&mut h, &text));
    });
}

// ---------------------------------------------------------------------------------------------
// Plain checks

const SEED_BODY: &str = r#"{
  "asmOrganizationNumber": 970,
  "accountNumber": "9704010000000001467",
  "representativeId": "A",
  "transactionData": {
    "actionCode": "FUND",
    "cardNumber": "0004444440000000558",
    "cardSequence": 123,
    "description": "CASH_IN_VIA_CARD",
    "effectiveDate": "2021-11-20",
    "otbUpdateIndicator": 1,
    "planNumber": 1,
    "planSequence": 1,
    "referenceNumber": 123,
    "resolutionReferenceNumber": 123,
    "storeNumber": 1,
    "transactionAmount": 200
  }
}"#;

fn put(h: &Harness, path: &str, body: &str, extra_headers: &[(&str, &str)]) -> Response {
    let mut text = format!(
        "PUT {path}\nContent-Type: application/json\napikey: {API_KEY}\nX-ClientID: 00970\n\
         Authorization: Bearer {}\n",
        h.vars["token"]
    );
    for (name, value) in extra_headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    let mut req = parse_request(&text);
    req.body = body.to_string().into();
    h.send(req)
}

fn seed_account(h: &Harness) -> ledger::AccountView {
    h.ledger
        .accounts(h.now(), TENANT)
        .into_iter()
        .find(|a| a.labels.get("accountNumber").map(String::as_str) == Some("9704010000000001467"))
        .unwrap()
}

fn error_code(resp: &Response) -> String {
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    body["errors"][0]["code"].as_str().unwrap_or_default().to_string()
}

fn with_seed(field: &str, value: Value) -> String {
    let mut body: Value = serde_json::from_str(SEED_BODY).unwrap();
    body["transactionData"][field] = value;
    body.to_string()
}

#[test]
fn seed_example_as_written_credits_funds_available_the_next_day() {
    let h = world();
    let resp = put(&h, "/account/balance", SEED_BODY, &[]);
    assert_eq!(resp.status, 200, "{}", render(&resp));
    let balances = seed_account(&h).balances;
    assert_eq!(balances.posted, dec("200"));
    assert_eq!(balances.available, dec("0"), "otbUpdateIndicator 1 waits for the batch");
    h.advance(Duration::from_secs(14 * 3600));
    assert_eq!(seed_account(&h).balances.available, dec("200"));
    h.ledger.verify(h.now()).unwrap();
}

#[test]
fn memo_post_cash_in_raises_open_to_buy_at_once() {
    let h = world();
    let resp = put(&h, "/account/balance", &with_seed("otbUpdateIndicator", json!(0)), &[]);
    assert_eq!(resp.status, 200, "{}", render(&resp));
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(body["data"]["transactionData"]["openToBuy"].to_string(), "200.00");
    assert_eq!(body["data"]["transactionData"]["currentBalance"].to_string(), "-200.00");
    assert_eq!(seed_account(&h).balances.available, dec("200"));
}

#[test]
fn an_amount_of_seventeen_digits_is_taken_and_eighteen_are_refused() {
    let h = world();
    // 17 digits with the currency's two decimals: the longest amount the service reads.
    let longest = with_seed("transactionAmount", json!(0))
        .replace("\"transactionAmount\":0", "\"transactionAmount\":999999999999999.99");
    let resp = put(&h, "/account/balance", &longest, &[]);
    assert_ne!(error_code(&resp), "VPL8SMA07E", "{}", render(&resp));
    let too_long = longest.replace("999999999999999.99", "9999999999999999.99");
    let before = seed_account(&h).balances;
    let resp = put(&h, "/account/balance", &too_long, &[]);
    assert_eq!(resp.status, 422, "{}", render(&resp));
    assert_eq!(error_code(&resp), "VPL8SMA07E");
    assert_eq!(seed_account(&h).balances, before);
}

#[test]
fn refused_requests_change_nothing() {
    let h = world();
    let before = h.ledger.snapshot(h.now());
    let cash_out = with_seed("actionCode", json!("FREV"));
    let refusals = [
        (cash_out.clone(), "VPL8SMA71E"),
        (with_seed("transactionAmount", json!(200.001)), "VPL8SMA07E"),
        (with_seed("transactionAmount", json!(0)), "VPL8SMA17E"),
        (with_seed("actionCode", json!("ZZZZ")), "VPL8SMA20S"),
        (with_seed("cardSequence", json!("x")), "400"),
        ("{not json".to_string(), "400"),
    ];
    for (body, code) in refusals {
        let resp = put(&h, "/account/balance", &body, &[]);
        assert_eq!(error_code(&resp), code, "{}", render(&resp));
        assert!(resp.reason.is_some());
        assert_eq!(resp.tenant, Some(TENANT));
    }
    assert_eq!(h.ledger.snapshot(h.now()), before);
}

#[test]
fn same_reference_the_same_day_moves_money_once_and_answers_the_same() {
    let h = world();
    let body = with_seed("otbUpdateIndicator", json!(0));
    let first = put(&h, "/account/balance", &body, &[]);
    let again = put(&h, "/account/balance", &body, &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.body, again.body);
    assert_eq!(seed_account(&h).balances.posted, dec("200"));
    let conflict = put(&h, "/account/balance", &with_seed("transactionAmount", json!(300)), &[]);
    assert_eq!(error_code(&conflict), "VPL8SMA34E");
    assert_eq!(seed_account(&h).balances.posted, dec("200"));
}

#[test]
fn a_repeat_answers_the_first_answer_after_a_limit_change_and_echoed_values_conflict() {
    let h = world();
    let body = with_seed("otbUpdateIndicator", json!(0));
    let first = put(&h, "/account/balance", &body, &[]);
    assert_eq!(first.status, 200);
    let first_body: Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(first_body["data"]["transactionData"]["creditLimit"].to_string(), "0.00");
    let limits = Limits { balance_min: dec("-1000"), ..Limits::default() };
    h.ledger.set_limits(h.now(), TENANT, seed_account(&h).id, limits).unwrap();
    assert_eq!(put(&h, "/account/balance", &body, &[]).body, first.body, "the figures of the time");
    let echoed = [
        ("storeNumber", json!(2)),
        ("planNumber", json!(7)),
        ("planSequence", json!(2)),
        ("cardSequence", json!(124)),
        ("authorizationCode", json!("281014")),
        ("departmentCode", json!("PPLD")),
    ];
    for (field, value) in echoed {
        let mut variant: Value = serde_json::from_str(&body).unwrap();
        variant["transactionData"][field] = value;
        let resp = put(&h, "/account/balance", &variant.to_string(), &[]);
        assert_eq!(error_code(&resp), "VPL8SMA34E", "{field}");
    }
    assert_eq!(seed_account(&h).balances.posted, dec("200"));
}

#[test]
fn same_reference_on_a_new_day_is_a_new_transaction() {
    let mut h = world();
    let body = with_seed("otbUpdateIndicator", json!(0));
    assert_eq!(put(&h, "/account/balance", &body, &[]).status, 200);
    h.advance(Duration::from_secs(86_400));
    let fresh = token(&h, API_KEY, SECRET);
    h.vars.insert("token".into(), fresh);
    assert_eq!(put(&h, "/account/balance", &body, &[]).status, 200);
    assert_eq!(seed_account(&h).balances.posted, dec("400"));
}

fn signed(body: &str, request_id: &str, timestamp_ms: i64) -> Vec<(String, String)> {
    let message = format!("{API_KEY}{request_id}{timestamp_ms}{body}");
    let signature = crate::common::auth::hmac_sha256_base64(SECRET.as_bytes(), message.as_bytes());
    vec![
        ("Signature".into(), signature),
        ("X-Client-Request-Id".into(), request_id.into()),
        ("Timestamp".into(), timestamp_ms.to_string()),
    ]
}

fn put_signed(h: &Harness, body: &str, headers: &[(String, String)]) -> Response {
    let headers: Vec<(&str, &str)> =
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    put(h, "/account/balance", body, &headers)
}

#[test]
fn a_valid_signature_is_accepted_and_its_request_id_cannot_be_replayed() {
    let h = world();
    let now_ms = h.now().as_unix_micros() / 1000;
    let headers = signed(SEED_BODY, "3f1c9a52-request-0001", now_ms);
    let resp = put_signed(&h, SEED_BODY, &headers);
    assert_eq!(resp.status, 200, "{}", render(&resp));
    let replay = put_signed(&h, SEED_BODY, &headers);
    assert_eq!(replay.status, 401);
    assert!(replay.reason.unwrap().contains("already used"));
}

#[test]
fn a_request_id_may_be_reused_after_five_minutes() {
    let h = world();
    let now_ms = h.now().as_unix_micros() / 1000;
    let body = with_seed("otbUpdateIndicator", json!(0));
    assert_eq!(put_signed(&h, &body, &signed(&body, "rid-1", now_ms)).status, 200);
    h.advance(Duration::from_secs(301));
    let later_ms = h.now().as_unix_micros() / 1000;
    let resp = put_signed(&h, &body, &signed(&body, "rid-1", later_ms));
    assert_eq!(resp.status, 200, "{}", render(&resp));
}

#[test]
fn bad_signatures_are_refused_with_401_and_change_nothing() {
    let h = world();
    let before = h.ledger.snapshot(h.now());
    let now_ms = h.now().as_unix_micros() / 1000;
    let good = signed(SEED_BODY, "rid-2", now_ms);
    let mut wrong = good.clone();
    wrong[0].1 = "qsLUH5gnBB5GBpbe9VX+byaTu7LR98pv4H/3g+6h2uk=".into();
    let stale = signed(SEED_BODY, "rid-3", now_ms - 300_001);
    let future = signed(SEED_BODY, "rid-4", now_ms + 300_001);
    let no_timestamp = good[..2].to_vec();
    let no_request_id = vec![good[0].clone(), good[2].clone()];
    let mut text_timestamp = good.clone();
    text_timestamp[2].1 = "yesterday".into();
    let long_id = signed(SEED_BODY, &"x".repeat(41), now_ms);
    let cases = [
        (wrong, "does not match"),
        (stale, "from the tenant clock"),
        (future, "from the tenant clock"),
        (no_timestamp, "without Timestamp"),
        (no_request_id, "without X-Client-Request-Id"),
        (text_timestamp, "epoch milliseconds"),
        (long_id, "longer than 40"),
    ];
    for (headers, reason) in cases {
        let resp = put_signed(&h, SEED_BODY, &headers);
        assert_eq!(resp.status, 401, "{}", render(&resp));
        assert_eq!(error_code(&resp), "401");
        let why = resp.reason.unwrap();
        assert!(why.contains(reason), "{why}");
    }
    // The body signed is not the body sent.
    let tampered = put_signed(&h, &SEED_BODY.replace("200", "900"), &good);
    assert_eq!(tampered.status, 401);
    assert_eq!(h.ledger.snapshot(h.now()), before);
}

#[test]
fn refusals_from_the_server_use_the_vendor_envelope() {
    let h = world();
    let req = parse_request("PATCH /account/balance");
    let cases = [
        (Refusal::MethodNotAllowed, 405, "405"),
        (Refusal::PayloadTooLarge { limit_bytes: 65_536 }, 413, "413"),
        (Refusal::BodyTimeout, 408, "408"),
        (Refusal::Internal, 500, "500"),
    ];
    for (refusal, status, code) in cases {
        let resp = h.vendor.refuse(refusal, &req, uuid::Uuid::new_v4());
        assert_eq!(resp.status, status);
        assert_eq!(error_code(&resp), code);
        let body: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(body["hasError"], json!(true));
        assert_eq!(body["data"], Value::Null);
        assert!(resp.reason.is_some());
    }
}

/// The server passes the matched route's index; one past the table (a bug) is the vendor's
/// internal error in its envelope, never a panic, and moves nothing.
#[test]
fn a_route_index_past_the_table_is_an_internal_error_and_moves_nothing() {
    let h = world();
    let before = h.ledger.snapshot(h.now());
    let req = parse_request(&format!(
        "PUT /account/balance\nContent-Type: application/json\napikey: {API_KEY}\n\
         X-ClientID: 00970\nAuthorization: Bearer {}\n\n{SEED_BODY}",
        h.vars["token"]
    ));
    let past = h.vendor.routes().len();
    let resp = h.with_ctx(|ctx| h.vendor.handle(ctx, past, &req));
    assert_eq!(resp.status, 500, "{}", render(&resp));
    assert_eq!(error_code(&resp), "500");
    assert!(resp.reason.unwrap().contains("no route"));
    assert_eq!(h.ledger.snapshot(h.now()), before);
}

/// VisionPLUS's Java service reads a JSON boolean where it takes text as its text: a cash-in
/// described `true` shows `"true"`, and a representative `false` is five characters (400).
#[test]
fn a_boolean_where_text_is_expected_reads_as_true_or_false() {
    let h = world();
    for flag in [true, false] {
        let mut body: Value = serde_json::from_str(&with_seed("description", json!(flag))).unwrap();
        body["transactionData"]["referenceNumber"] = json!(format!("{flag}"));
        let resp = put(&h, "/account/balance", &body.to_string(), &[]);
        assert_eq!(resp.status, 200, "{}", render(&resp));
        let answer: Value = serde_json::from_slice(&resp.body).unwrap();
        let shown = &answer["data"]["transactionData"];
        assert_eq!(shown["transactionDescription"], json!(flag.to_string()));
        assert_eq!(shown["referenceNumber"], json!(flag.to_string()));
    }
    let mut body: Value = serde_json::from_str(SEED_BODY).unwrap();
    body["representativeId"] = json!(false);
    let resp = put(&h, "/account/balance", &body.to_string(), &[]);
    assert_eq!(resp.status, 400, "{}", render(&resp));
    assert_eq!(resp.reason.as_deref(), Some("field representativeId: longer than 3 characters"));
}

#[test]
fn reset_forgets_accounts_but_keeps_credentials_and_tokens() {
    let h = world();
    h.vendor.reset_tenant(TENANT);
    let resp = put(&h, "/account/balance", SEED_BODY, &[]);
    // The organization is gone with the accounts, so X-ClientID 00970 is no longer entitled.
    assert_eq!(resp.status, 403, "{}", render(&resp));
    token(&h, API_KEY, SECRET);
    open(
        &h,
        TENANT,
        json!({"accountNumber": "9704010000000001467", "cardNumber": "0004444440000000558"}),
        "0",
        Limits::default(),
    );
    let resp = put(&h, "/account/balance", SEED_BODY, &[]);
    assert_eq!(resp.status, 200, "{}", render(&resp));
}

#[test]
fn opened_accounts_get_realistic_identifiers() {
    let h = Harness::new(vendor());
    let spec = AccountSpec {
        currency: mxn(),
        opening_balance: Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids: serde_json::Map::new(),
    };
    let opened = h.with_ctx(|ctx| h.vendor.open_account(ctx, TENANT, &spec)).unwrap();
    let ids = &opened.vendor_ids;
    let account = ids["accountNumber"].as_str().unwrap();
    assert_eq!(account.len(), 19);
    assert!(account.starts_with("970401") && account.bytes().all(|b| b.is_ascii_digit()));
    let card = ids["cardNumber"].as_str().unwrap();
    assert_eq!(card.len(), 19);
    assert!(card.starts_with("0004"));
    let pan = &card[3..];
    let body = &pan[..15];
    let check = super::state::luhn_check_digit(body);
    assert_eq!(pan[15..].parse::<u32>().unwrap(), check);
    assert_eq!(ids["X-ClientID"], json!("00970"));
    assert_eq!(ids["cardSequence"], json!(1));
    assert_eq!(ids["actionCodes"]["FUND"], json!("credit"));
    assert_eq!(ids["actionCodes"]["FREV"], json!("debit"));
    assert_eq!(opened.account.labels["accountNumber"], account);
}

#[test]
fn open_account_refuses_bad_or_taken_identifiers() {
    let h = world();
    let try_open = |ids: Value| {
        let spec = AccountSpec {
            currency: mxn(),
            opening_balance: Decimal::ZERO,
            limits: Limits::default(),
            vendor_ids: ids.as_object().unwrap().clone(),
        };
        h.with_ctx(|ctx| h.vendor.open_account(ctx, TENANT, &spec)).unwrap_err()
    };
    let n_before = h.ledger.accounts(h.now(), TENANT).len();
    assert!(try_open(json!({"acountNumber": "1"})).contains("unknown vendor id"));
    assert!(try_open(json!({"accountNumber": "123"})).contains("19 digits"));
    assert!(try_open(json!({"accountNumber": "9704010000000001467"})).contains("in use"));
    assert!(try_open(json!({"cardNumber": "0004444440000000558"})).contains("in use"));
    assert!(try_open(json!({"cardNumber": "12-34"})).contains("12-19"));
    assert!(try_open(json!({"organizationNumber": 999})).contains("organizationNumber"));
    assert!(try_open(json!({"organizationNumber": 0})).contains("1-998"));
    assert!(try_open(json!({"actionCodes": {"LOAD": "sideways"}})).contains("direction"));
    assert!(try_open(json!({"actionCodes": {"TOOLONG": "credit"}})).contains("4 letters"));
    assert_eq!(h.ledger.accounts(h.now(), TENANT).len(), n_before);
}

#[test]
fn provisioning_again_replaces_the_credentials() {
    let h = world();
    let old_key = h.vars["other_apikey"].clone();
    let fresh =
        h.vendor.provision_tenant(OTHER_TENANT, false, &crate::common::ids::IdGen::random());
    assert_ne!(fresh["apikey"].as_str().unwrap(), old_key);
    let req = parse_request(&format!(
        "POST /token\nContent-Type: application/x-www-form-urlencoded\nAuthorization: Basic {}\n\n\
         grant_type=client_credentials",
        h.vars["other_basic"]
    ));
    assert_eq!(h.send(req).status, 401);
}

#[test]
fn every_route_is_unique_and_belongs_to_firstvision() {
    let routes = vendor().routes();
    for (idx, route) in routes.iter().enumerate() {
        assert!(
            route.path.starts_with("/account/")
                || route.path.starts_with("/latam-gfs-apis/portal/")
                || route.path.ends_with("/token"),
            "{}",
            route.path
        );
        assert!(
            !routes[..idx].iter().any(|r| r.path == route.path && r.method == route.method),
            "{} {}",
            route.method,
            route.path
        );
    }
}

#[test]
fn requests_carry_no_panics_on_odd_input() {
    let h = world();
    let bodies = [
        "",
        "null",
        "[]",
        "1",
        "\"x\"",
        "{}",
        "{\"transactionData\": []}",
        "{\"transactionData\": null}",
        "{\"asmOrganizationNumber\": 1e3}",
        "{\"asmOrganizationNumber\": -1}",
        "{\"asmOrganizationNumber\": 99999999999999999999999}",
        "{\"transactionData\": {\"transactionAmount\": 1e400}}",
        "{\"transactionData\": {\"transactionAmount\": \"\u{00e9}\"}}",
    ];
    for body in bodies {
        for path in ["/account/balance", "/account/v2/balance"] {
            let resp = put(&h, path, body, &[]);
            assert!(resp.status.is_client_error(), "{path} {body}: {}", render(&resp));
        }
    }
}
