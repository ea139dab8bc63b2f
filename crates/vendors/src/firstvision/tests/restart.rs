//! FirstVision across a restart: state built through the API, the harness restarted as the
//! server does it (ledger replayed, tenant provisioned again, records restored), and every read
//! a client can make answers byte for byte as before; tokens, request ids, identifiers and
//! `referenceNumber` replays carry over. And a store that refuses a record changes nothing.

use std::time::Duration;

use ledger::{AccountId, Limits, TenantId, Timestamp};
use serde_json::{Value, json};

use super::{API_KEY, MORNING, SECRET, SEED_BODY, dec, mxn, open, signed, token};
use crate::common::ids::{IdGen, Ids, Trace};
use crate::common::persist::{Recorder, UNSTORED, Unstored};
use crate::firstvision::{ROUTES, vendor};
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{AccountSpec, Ctx, Request, Response};

/// The organization-807 account, with its organization's own action codes.
const OTHER_ORG_ACCOUNT: &str = "8074010000000008008";
const OTHER_ORG_CARD: &str = "0004513070406598974";

/// A request of the default tenant with its token in `{{token}}`, as `X-ClientID` `client`.
fn request(
    h: &Harness,
    head: &str,
    client: &str,
    extra: &[(String, String)],
    body: &str,
) -> Request {
    let mut text = format!(
        "{head}\nContent-Type: application/json\napikey: {API_KEY}\nX-ClientID: {client}\n\
         Authorization: Bearer {}\n",
        h.vars["token"]
    );
    for (name, value) in extra {
        text.push_str(&format!("{name}: {value}\n"));
    }
    let mut req = parse_request(&text);
    req.body = body.to_string().into();
    req
}

fn cash(h: &Harness, body: &str) -> Response {
    h.send(request(h, "PUT /account/balance", "00970", &[], body))
}

/// The seed's L8V2 body with some `transactionData` fields changed.
fn seed_with(fields: &[(&str, Value)]) -> String {
    let mut body: Value = serde_json::from_str(SEED_BODY).unwrap();
    for (field, value) in fields {
        body["transactionData"][*field] = value.clone();
    }
    body.to_string()
}

/// A load on the organization-807 account, by its own action code.
fn other_org_load() -> String {
    let mut body: Value = serde_json::from_str(&seed_with(&[
        ("actionCode", json!("LOAD")),
        ("cardNumber", json!(OTHER_ORG_CARD)),
        ("referenceNumber", json!(807)),
    ]))
    .unwrap();
    body["asmOrganizationNumber"] = json!(807);
    body["accountNumber"] = json!(OTHER_ORG_ACCOUNT);
    body.to_string()
}

/// Every read a client makes of the world's accounts: balance and account inquiries by
/// account and card number, in both organizations.
fn reads(h: &Harness, numbers: &[(String, String)]) -> Vec<Request> {
    let mut reads = Vec::new();
    for (number, card) in numbers {
        let (org, client) =
            if number.starts_with("807") { ("807", "00807") } else { ("970", "00970") };
        for key in [number, card] {
            let body = format!(r#"{{"accountNumber": "{key}", "organizationNumber": {org}}}"#);
            reads.push(request(h, "POST /account/balance/details", client, &[], &body));
        }
        let mut by_account = request(h, "GET /account/v2/accounts", client, &[], "");
        by_account.query = Some("foreignUse=0".into());
        by_account.headers.insert("organization-number", org.parse().unwrap());
        by_account.headers.insert("account-number", number.parse().unwrap());
        let mut by_card = by_account.clone();
        by_card.headers.remove("account-number");
        by_card.headers.insert("card-number", card.parse().unwrap());
        reads.extend([by_account, by_card]);
    }
    reads
}

/// The default tenant with a given-identifier account, a generated one with a credit line, an
/// account in organization 807 with its own action codes, a token, and money moved every way
/// the API moves it (next-day and memo cash-in, cash-out, a custom action code, v2, a signed
/// call). Returns the harness, each account's (number, card), and the first answer of the
/// seed's cash-in.
fn busy_world() -> (Harness, Vec<(String, String)>, Response) {
    let mut h = Harness::new(vendor());
    h.advance(MORNING);
    let given = json!({
        "accountNumber": "9704010000000001467", "cardNumber": "0004444440000000558",
        "cardSequence": 123,
    });
    open(&h, TENANT, given, "0", Limits::default());
    let credit = Limits { balance_min: dec("-5000.00"), ..Limits::default() };
    let generated = h.with_ctx(|ctx| {
        let spec = AccountSpec {
            currency: mxn(),
            opening_balance: dec("1000.00"),
            limits: credit,
            vendor_ids: serde_json::Map::new(),
        };
        h.vendor.open_account(ctx, TENANT, &spec).unwrap()
    });
    let other_org = json!({
        "organizationNumber": 807, "accountNumber": OTHER_ORG_ACCOUNT,
        "cardNumber": OTHER_ORG_CARD, "actionCodes": {"LOAD": "credit", "UNLD": "debit"},
    });
    open(&h, TENANT, other_org, "0", Limits::default());
    let number = |key: &str| generated.vendor_ids[key].as_str().unwrap().to_string();
    let numbers = vec![
        ("9704010000000001467".to_string(), "0004444440000000558".to_string()),
        (number("accountNumber"), number("cardNumber")),
        (OTHER_ORG_ACCOUNT.to_string(), OTHER_ORG_CARD.to_string()),
    ];
    h.vars.insert("token".into(), token(&h, API_KEY, SECRET));

    let first = cash(&h, SEED_BODY);
    assert_eq!(first.status, 200, "{}", render(&first));
    let memo = seed_with(&[("otbUpdateIndicator", json!(0)), ("referenceNumber", json!(124))]);
    assert_eq!(cash(&h, &memo).status, 200);
    let out = seed_with(&[
        ("actionCode", json!("FREV")),
        ("transactionAmount", json!(50.25)),
        ("referenceNumber", json!(125)),
    ]);
    assert_eq!(cash(&h, &out).status, 200);
    let load = other_org_load();
    let resp = h.send(request(&h, "PUT /account/balance", "00807", &[], &load));
    assert_eq!(resp.status, 200, "{}", render(&resp));
    let v2 = include_str!("../../../test_data/firstvision/04-v2-balance.http");
    let v2_body = v2.lines().find(|line| line.starts_with('{')).unwrap();
    let resp = h.send(request(&h, "PUT /account/v2/balance", "00970", &[], v2_body));
    assert_eq!(resp.status, 200, "{}", render(&resp));
    let body = seed_with(&[("referenceNumber", json!(126))]);
    let headers = signed(&body, "restart-request-0001", h.now().as_unix_micros() / 1000);
    let resp = h.send(request(&h, "PUT /account/balance", "00970", &headers, &body));
    assert_eq!(resp.status, 200, "{}", render(&resp));
    (h, numbers, first)
}

fn account_id(h: &Harness, number: &str) -> AccountId {
    let accounts = h.ledger.accounts(h.now(), TENANT);
    let found =
        accounts.iter().find(|a| a.labels.get("accountNumber").map(String::as_str) == Some(number));
    found.unwrap().id
}

#[test]
fn every_read_answers_the_same_after_a_restart_and_reads_record_nothing() {
    let (h, numbers, _) = busy_world();
    let records = h.records();
    // Three openings, one token, six new transfers' credit limits, one signed request id.
    assert_eq!(records, 3 + 1 + 6 + 1);
    let before: Vec<String> =
        reads(&h, &numbers).into_iter().map(|req| render(&h.send(req))).collect();
    assert!(before.iter().all(|answer| answer.starts_with("HTTP 200")), "{before:#?}");
    assert_eq!(h.records(), records, "a read records nothing");

    let after = h.restarted(vendor());
    let again: Vec<String> =
        reads(&after, &numbers).into_iter().map(|req| render(&after.send(req))).collect();
    assert_eq!(again, before);
    assert_eq!(after.records(), records, "restoring records nothing new");
    // What the admin API shows of each account: its identifiers and its organization's codes.
    for (number, _) in &numbers {
        let view = after.ledger.account(after.now(), TENANT, account_id(&after, number)).unwrap();
        assert_eq!(after.vendor.vendor_ids(TENANT, &view), h.vendor.vendor_ids(TENANT, &view));
    }
    // The organization-807 codes still credit.
    let load = seed_with(&[
        ("actionCode", json!("LOAD")),
        ("cardNumber", json!(OTHER_ORG_CARD)),
        ("referenceNumber", json!(808)),
    ])
    .replace("\"asmOrganizationNumber\":970", "\"asmOrganizationNumber\":807")
    .replace("9704010000000001467", OTHER_ORG_ACCOUNT);
    let resp = after.send(request(&after, "PUT /account/balance", "00807", &[], &load));
    assert_eq!(resp.status, 200, "{}", render(&resp));
}

#[test]
fn a_replay_after_a_restart_answers_the_first_answer_even_after_a_limit_change() {
    let (h, _, first) = busy_world();
    let seed = account_id(&h, "9704010000000001467");
    let limits = Limits { balance_min: dec("-750.00"), ..Limits::default() };
    h.ledger.set_limits(h.now(), TENANT, seed, limits).unwrap();
    let after = h.restarted(vendor());
    let records = after.records();
    let replay = cash(&after, SEED_BODY);
    assert_eq!(render(&replay), render(&first), "the figures of the time, credit limit too");
    let posted = |h: &Harness| h.ledger.account(h.now(), TENANT, seed).unwrap().balances.posted;
    assert_eq!(posted(&after), posted(&h), "the replay moved nothing");
    assert_eq!(after.records(), records, "a replay records nothing");
    let conflict = cash(&after, &seed_with(&[("transactionAmount", json!(300))]));
    assert_eq!(super::error_code(&conflict), "VPL8SMA34E", "{}", render(&conflict));
}

#[test]
fn tokens_request_ids_and_identifiers_carry_over_a_restart() {
    let (h, numbers, _) = busy_world();
    let after = h.restarted(vendor());
    // The token issued before works, until the instant it would have expired anyway.
    let read = || reads(&after, &numbers).remove(0);
    assert_eq!(after.send(read()).status, 200);
    // A signed request replayed inside its five minutes is still refused.
    let body = seed_with(&[("referenceNumber", json!(126))]);
    let headers = signed(&body, "restart-request-0001", after.now().as_unix_micros() / 1000);
    let replay = after.send(request(&after, "PUT /account/balance", "00970", &headers, &body));
    assert_eq!(replay.status, 401, "{}", render(&replay));
    assert!(replay.reason.unwrap().contains("already used"));
    // Every identifier taken before is taken still; a new account gets fresh ones.
    for (number, card) in &numbers {
        for ids in [json!({"accountNumber": number}), json!({"cardNumber": card})] {
            let spec = AccountSpec {
                currency: mxn(),
                opening_balance: dec("0"),
                limits: Limits::default(),
                vendor_ids: ids.as_object().unwrap().clone(),
            };
            let refused = after.with_ctx(|ctx| after.vendor.open_account(ctx, TENANT, &spec));
            assert!(refused.unwrap_err().contains("already in use"));
        }
    }
    open(&after, TENANT, json!({}), "0", Limits::default());
    after.advance(Duration::from_secs(900));
    let expired = after.send(read());
    assert_eq!(expired.status, 401);
    assert_eq!(expired.reason.as_deref(), Some("auth: access token expired"));
    // A token issued after the restart is a new one and works.
    let fresh = token(&after, API_KEY, SECRET);
    assert_ne!(&fresh, &h.vars["token"]);
}

#[test]
fn restoring_a_bad_record_is_an_error_not_a_panic() {
    let after = Harness::new(vendor()).restarted(vendor());
    let unknown_account = json!({
        "record": "credit_limit", "account": "00000000-0000-0000-0000-000000000009",
        "transfer": 1, "credit_limit": "0", "at": 0, "expires_at": 1,
    });
    let bad_code = json!({
        "record": "opened", "account": "00000000-0000-0000-0000-000000000009", "org": 970,
        "logo": 401, "account_number": "9704010000000001467", "card_number": "0004444440000000558",
        "card_sequence": 1, "currency": "MXN", "action_codes": [["LOAD", "sideways"]],
    });
    let records = [
        b"garbage".to_vec(),
        Vec::new(),
        br#"{"record":"token"}"#.to_vec(),
        br#"{"record":"nonce","request_id":"x","at":"soon"}"#.to_vec(),
        br#"{"record":"token","token":"t","issued_at":0,"expires_at":1,"extra":1}"#.to_vec(),
        unknown_account.to_string().into_bytes(),
        bad_code.to_string().into_bytes(),
        bad_code.to_string().replace("MXN", "XXX").into_bytes(),
        vec![0xff; 64],
    ];
    for record in records {
        let err = after.vendor.restore(TENANT, &record).unwrap_err();
        assert!(err.starts_with("firstvision"), "{err}");
    }
}

/// A store that takes nothing: the disk is full.
struct Refusing;

impl Recorder for Refusing {
    fn enabled(&self) -> bool {
        true
    }

    fn record(&self, _: TenantId, _: &'static str, _: Vec<u8>) -> Result<(), Unstored> {
        Err(Unstored("disk full".into()))
    }
}

/// Runs `f` with a context whose store refuses every record.
fn refusing<T>(h: &Harness, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
    let now = h.now();
    let clock = move |_: TenantId| -> Timestamp { now };
    let ids = Ids::default();
    ids.insert(TENANT, IdGen::new(9, b"refusing", b""));
    let server = IdGen::random();
    let trace = Trace::new(&server, &ids);
    f(&Ctx { ledger: &h.ledger, clock: &clock, trace: &trace, ids: &ids, recorder: &Refusing })
}

fn send_refusing(h: &Harness, req: &Request) -> Response {
    let route = ROUTES.iter().position(|r| r.method == req.method && r.path == req.path).unwrap();
    refusing(h, |ctx| h.vendor.handle(ctx, route, req))
}

#[test]
fn a_store_that_cannot_write_refuses_the_change_and_nothing_is_kept() {
    let (h, numbers, _) = busy_world();
    // The token call: a 500 in the vendor's envelope, and no token to use.
    let token_req = parse_request(&format!(
        "POST /firstvision/token\nContent-Type: application/x-www-form-urlencoded\n\
         Authorization: Basic {}\n\ngrant_type=client_credentials",
        super::basic(API_KEY, SECRET)
    ));
    let refused = send_refusing(&h, &token_req);
    assert_eq!(refused.status, 500, "{}", render(&refused));
    assert_eq!(super::error_code(&refused), "500");
    assert!(refused.reason.as_deref().unwrap().starts_with(UNSTORED));
    let tokens = h.records();
    let body: Value = serde_json::from_slice(&h.send(token_req.clone()).body).unwrap();
    assert!(body["access_token"].is_string(), "the store works again");
    assert_eq!(h.records(), tokens + 1);
    // A signed request: refused, and its request id is not used up.
    let body = seed_with(&[("referenceNumber", json!(127))]);
    let headers = signed(&body, "restart-request-0002", h.now().as_unix_micros() / 1000);
    let signed_req = request(&h, "PUT /account/balance", "00970", &headers, &body);
    let snapshot = h.ledger.snapshot(h.now());
    let refused = send_refusing(&h, &signed_req);
    assert_eq!(refused.status, 500, "{}", render(&refused));
    assert_eq!(h.ledger.snapshot(h.now()), snapshot, "no money moved");
    assert_eq!(h.send(signed_req).status, 200, "the request id was not used up");
    // An opening: refused with the store's sentence (the server answers it as unavailable),
    // and its identifiers stay free.
    let spec = AccountSpec {
        currency: mxn(),
        opening_balance: dec("0"),
        limits: Limits::default(),
        vendor_ids: json!({"accountNumber": "9704010000000009999"}).as_object().unwrap().clone(),
    };
    let refused = refusing(&h, |ctx| h.vendor.open_account(ctx, TENANT, &spec));
    assert_eq!(refused.unwrap_err(), UNSTORED);
    h.with_ctx(|ctx| h.vendor.open_account(ctx, TENANT, &spec)).unwrap();
    // A cash write whose credit-limit note cannot be kept: the money moved and its event is
    // stored, so the answer is the success it is, and a later read agrees.
    let body = seed_with(&[("referenceNumber", json!(128)), ("otbUpdateIndicator", json!(0))]);
    let seed = account_id(&h, &numbers[0].0);
    let posted = h.ledger.account(h.now(), TENANT, seed).unwrap().balances.posted;
    let moved = send_refusing(&h, &request(&h, "PUT /account/balance", "00970", &[], &body));
    assert_eq!(moved.status, 200, "{}", render(&moved));
    let now_posted = h.ledger.account(h.now(), TENANT, seed).unwrap().balances.posted;
    assert_eq!(now_posted, posted + dec("200"));
}

#[test]
fn records_restore_in_order_around_a_reset_the_server_replays() {
    let after = Harness::new(vendor()).restarted(vendor());
    let opened = |account: u128| {
        json!({
            "record": "opened", "account": uuid::Uuid::from_u128(account).to_string(), "org": 970,
            "logo": 401, "account_number": "9704010000000001467",
            "card_number": "0004444440000000558", "card_sequence": 1, "currency": "MXN",
            "action_codes": [["LOAD", "credit"]],
        })
        .to_string()
    };
    after.vendor.restore(TENANT, opened(1).as_bytes()).unwrap();
    after.vendor.restore(TENANT, opened(1).as_bytes()).unwrap();
    let taken = after.vendor.restore(TENANT, opened(2).as_bytes()).unwrap_err();
    assert!(taken.contains("already in use"), "{taken}");
    // The tenant was reset here; the same numbers then went to another account.
    after.vendor.reset_tenant(TENANT);
    after.vendor.restore(TENANT, opened(2).as_bytes()).unwrap();
    let spec = AccountSpec {
        currency: mxn(),
        opening_balance: dec("0"),
        limits: Limits::default(),
        vendor_ids: json!({"accountNumber": "9704010000000001467"}).as_object().unwrap().clone(),
    };
    let refused = after.with_ctx(|ctx| after.vendor.open_account(ctx, TENANT, &spec));
    assert!(refused.unwrap_err().contains("already in use"));
}
