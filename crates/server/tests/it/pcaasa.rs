//! PCaaSA end to end over real HTTP: the seed example as written, every call's happy path,
//! sessions on the tenant's virtual clock, every error code the mock can be driven to (in the
//! vendor's envelope, with its status and an `X-Sandbank-Reason`, moving nothing), the ledger's
//! limits, idempotent replays, the request journal, tenant isolation and concurrent debits.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Sandbox;

pub(crate) const ADJUST: &str = "account-balance-adjust-v1";
const BALANCE_GET: &str = "account-balance-get-v1";
const SESSION_CREATE: &str = "session-create-v1";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
/// A well-formed uuid nobody was ever issued.
const NEVER_ISSUED: &str = "00000000-0000-4000-8000-000000000000";
/// A well-formed reference number nobody holds.
const NO_SUCH_REFERENCE: &str = "NO-SUCH-REFERENCE-0001";
/// The seed's tracking id.
const SEED_EXTERNAL_TRAN_UUID: &str = "3f2b8c1e-6a4d-4f0e-9b7a-1c5d8e2f4a60";
/// The six crediting tranCodes (the seventh, `DOBKLVAD`, debits).
const CREDIT_CODES: [&str; 6] =
    ["CIBKLVAC", "CIVSCCAP", "CIVSCCMP", "CIVSCCTP", "CIVSCCBP", "CIVSCCCP"];

/// One answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    content_type: Option<String>,
    reason: Option<String>,
    allow: Option<String>,
    trace_id: Option<String>,
    pub(crate) text: String,
    pub(crate) body: Value,
}

impl Reply {
    async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let header =
            |name: &str| resp.headers().get(name).map(|value| value.to_str().unwrap().to_string());
        let content_type = header("content-type");
        let reason = header("x-sandbank-reason");
        let allow = header("allow");
        let trace_id = header("x-sandbank-trace-id");
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, content_type, reason, allow, trace_id, text, body }
    }

    /// A raw HTTP/1.1 response (headers and a `Content-Length` body).
    fn parse_raw(raw: &str) -> Reply {
        let (head, text) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let mut lines = head.lines();
        let status_line = lines.next().unwrap_or_default();
        let code: u16 = status_line.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        Reply {
            status: StatusCode::from_u16(code).unwrap(),
            content_type: header("content-type"),
            reason: header("x-sandbank-reason"),
            allow: header("allow"),
            trace_id: header("x-sandbank-trace-id"),
            text: text.to_string(),
            body: serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }

    /// `data` of a success envelope, after checking the envelope.
    #[track_caller]
    fn data(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{self:#?}");
        assert_eq!(self.body["status"], "success", "{self:#?}");
        assert!(self.body["errors"].is_null(), "{self:#?}");
        assert_eq!(self.reason, None, "a success carries no reason: {self:#?}");
        &self.body["data"]
    }

    fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
}

/// Asserts the vendor's error envelope: `status`, JSON, exactly the envelope's four keys, one
/// error with `code` about `field`, a message, and a reason header.
#[track_caller]
fn assert_refused(reply: &Reply, status: u16, code: &str, field: Option<&str>) {
    assert_eq!(reply.status.as_u16(), status, "{reply:#?}");
    assert_eq!(reply.content_type.as_deref(), Some(JSON), "{reply:#?}");
    let keys: HashSet<&str> =
        reply.body.as_object().expect("a JSON object").keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["status", "call", "externalTranUuid", "errors"]), "{reply:#?}");
    assert_eq!(reply.body["status"], "error", "{reply:#?}");
    let errors = reply.body["errors"].as_array().expect("errors is an array");
    assert_eq!(errors.len(), 1, "{reply:#?}");
    assert_eq!(errors[0]["code"], code, "{reply:#?}");
    assert_eq!(errors[0]["field"], field.map_or(Value::Null, Value::from), "{reply:#?}");
    let message = errors[0]["message"].as_str().expect("message is a string");
    assert!(!message.is_empty(), "{reply:#?}");
    let reason = reply.reason.as_deref().expect("an X-Sandbank-Reason header");
    assert!(!reason.is_empty(), "{reply:#?}");
}

/// Sends one request with an optional `Content-Type`.
async fn send(
    sb: &Sandbox,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut req = sb.client.request(method, sb.url(path)).body(body);
    if let Some(content_type) = content_type {
        req = req.header(CONTENT_TYPE, content_type);
    }
    Reply::read(req.send().await.unwrap()).await
}

/// `POST /?call=<call>` with a form body.
pub(crate) async fn form(sb: &Sandbox, call: &str, body: &str) -> Reply {
    send(sb, Method::POST, &format!("/?call={call}"), Some(FORM), body.to_string()).await
}

/// `POST /?call=<call>` with a JSON body.
async fn json_call(sb: &Sandbox, call: &str, body: Value) -> Reply {
    send(sb, Method::POST, &format!("/?call={call}"), Some(JSON), body.to_string()).await
}

/// The default tenant's standing pcaasa session.
fn standing_session(sb: &Sandbox) -> String {
    let tenant = sb.server.app.default_tenant().unwrap();
    tenant.credentials["pcaasa"]["sessionUuid"].as_str().unwrap().to_string()
}

/// The default tenant's pcaasa API key.
fn api_key(sb: &Sandbox) -> String {
    let tenant = sb.server.app.default_tenant().unwrap();
    tenant.credentials["pcaasa"]["apiKey"].as_str().unwrap().to_string()
}

/// A PCaaSA account as the admin API opened it.
#[derive(Debug, Clone)]
struct Account {
    /// The ledger id (`/__admin/accounts/{id}`).
    id: String,
    /// `accountUuid`.
    uuid: String,
    /// `paymentInstrumentReferenceNumber`.
    reference: String,
}

/// Opens a USD pcaasa account for the tenant of `token`.
async fn open_as(sb: &Sandbox, token: &str, opening: &str, extra: Value) -> Account {
    let mut body = json!({ "vendor": "pcaasa", "currency": "USD", "opening_balance": opening });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let resp = sb.admin_as(token, Method::POST, "/__admin/accounts", Some(body)).await;
    let status = resp.status();
    let json: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{json}");
    Account {
        id: json["id"].as_str().unwrap().to_string(),
        uuid: json["vendor_ids"]["accountUuid"].as_str().unwrap().to_string(),
        reference: json["vendor_ids"]["paymentInstrumentReferenceNumber"]
            .as_str()
            .unwrap()
            .to_string(),
    }
}

/// Opens a USD pcaasa account for the default tenant.
async fn open(sb: &Sandbox, opening: &str, extra: Value) -> Account {
    let json = sb.open_account("pcaasa", "USD", opening, extra).await;
    Account {
        id: json["id"].as_str().unwrap().to_string(),
        uuid: json["vendor_ids"]["accountUuid"].as_str().unwrap().to_string(),
        reference: json["vendor_ids"]["paymentInstrumentReferenceNumber"]
            .as_str()
            .unwrap()
            .to_string(),
    }
}

/// `(availableBalance, currentBalance)` read with `account-balance-get-v1`.
async fn vendor_balances(sb: &Sandbox, session: &str, account: &Account) -> (String, String) {
    let reply =
        form(sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid)).await;
    let data = reply.data();
    (
        data["availableBalance"].as_str().unwrap().to_string(),
        data["currentBalance"].as_str().unwrap().to_string(),
    )
}

/// `GET /__admin/accounts/{id}` for the tenant of `token`.
async fn admin_account_as(sb: &Sandbox, token: &str, account: &Account) -> Value {
    let resp =
        sb.admin_as(token, Method::GET, &format!("/__admin/accounts/{}", account.id), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// `(available, posted)` from `GET /__admin/accounts/{id}` (default tenant).
async fn admin_balances(sb: &Sandbox, account: &Account) -> (String, String) {
    let json = admin_account_as(sb, &sb.server.admin_token, account).await;
    (
        json["balances"]["available"].as_str().unwrap().to_string(),
        json["balances"]["posted"].as_str().unwrap().to_string(),
    )
}

/// Asserts both reads agree on an account's balance (available = current = `expected`).
async fn assert_balance(sb: &Sandbox, account: &Account, expected: &str) {
    let session = standing_session(sb);
    let want = (expected.to_string(), expected.to_string());
    assert_eq!(vendor_balances(sb, &session, account).await, want, "account-balance-get-v1");
    assert_eq!(admin_balances(sb, account).await, want, "GET /__admin/accounts/{{id}}");
}

/// Every account of the tenant of `token`: id, balances and number of entries.
async fn ledger_state_as(sb: &Sandbox, token: &str) -> Vec<Value> {
    let resp = sb.admin_as(token, Method::GET, "/__admin/accounts", None).await;
    let json: Value = resp.json().await.unwrap();
    json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!({ "id": a["id"], "balances": a["balances"], "n_entries": a["n_entries"] }))
        .collect()
}

async fn ledger_state(sb: &Sandbox) -> Vec<Value> {
    ledger_state_as(sb, &sb.server.admin_token).await
}

/// Moves the default tenant's clock through the admin API.
async fn clock(sb: &Sandbox, body: Value) {
    let resp = sb.admin(Method::POST, "/__admin/clock", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// A new tenant: its admin token and its pcaasa credentials.
async fn new_tenant(sb: &Sandbox) -> (String, Value) {
    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let json: Value = resp.json().await.unwrap();
    (json["admin_token"].as_str().unwrap().to_string(), json["credentials"]["pcaasa"].clone())
}

/// Writes `request` on a fresh loopback connection and reads until the server closes it.
/// Write errors are ignored: the server may answer and close before the whole body is sent.
async fn raw_exchange(sb: &Sandbox, request: &[u8]) -> Reply {
    Reply::parse_raw(&crate::common::raw_exchange(sb, request).await)
}

/// The seed's call, every documented parameter in the page's order.
fn seed_form(session: &str, account: &Account) -> String {
    format!(
        "app=customer-account&object=account-balance&action=adjust&version=1&\
         sessionUuid={session}&externalTranUuid={SEED_EXTERNAL_TRAN_UUID}&\
         accountUuid={}&amount=-10.00&description=Verification%20debit&tranCode=DOBKLVAD&debug=0",
        account.uuid
    )
}

#[tokio::test]
async fn the_seed_example_sent_form_encoded_takes_ten_dollars_from_five_hundred() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "500.00", json!({})).await;

    let reply = form(&sb, ADJUST, &seed_form(&session, &account)).await;
    assert_eq!(reply.content_type.as_deref(), Some(JSON));
    let data = reply.data();
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(reply.body["externalTranUuid"], SEED_EXTERNAL_TRAN_UUID);
    assert_eq!(data["accountUuid"], account.uuid.as_str());
    assert_eq!(data["tranCode"], "DOBKLVAD");
    assert_eq!(data["description"], "Verification debit");
    assert_eq!(data["amount"], "-10.00");
    assert_eq!(data["availableBalance"], "490.00");
    assert_eq!(data["currentBalance"], "490.00");
    let transaction = uuid::Uuid::parse_str(data["transactionUuid"].as_str().unwrap()).unwrap();
    assert_eq!(transaction.get_version_num(), 4);

    assert_balance(&sb, &account, "490.00").await;
    // The ledger's history shows the debit with the call's metadata.
    let resp = sb
        .admin(Method::GET, &format!("/__admin/accounts/{}/entries?order=newest", account.id), None)
        .await;
    let entries: Value = resp.json().await.unwrap();
    let newest = &entries["entries"][0];
    assert_eq!(newest["direction"], "debit");
    assert_eq!(newest["amount"], "10.00");
    assert_eq!(newest["posted_after"], "490.00");
    assert_eq!(newest["metadata"]["tranCode"], "DOBKLVAD");
    assert_eq!(newest["metadata"]["description"], "Verification debit");
    assert_eq!(newest["metadata"]["externalTranUuid"], SEED_EXTERNAL_TRAN_UUID);
}

#[tokio::test]
async fn the_seed_example_sent_as_json_takes_ten_dollars_from_five_hundred() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "500.00", json!({})).await;
    let seed = json!({
        "app": "customer-account",
        "object": "account-balance",
        "action": "adjust",
        "version": 1,
        "sessionUuid": session,
        "externalTranUuid": SEED_EXTERNAL_TRAN_UUID,
        "accountUuid": account.uuid,
        "amount": "-10.00",
        "description": "Verification debit",
        "tranCode": "DOBKLVAD",
        "debug": false,
    });
    let reply = json_call(&sb, ADJUST, seed).await;
    let data = reply.data();
    assert_eq!(reply.body["externalTranUuid"], SEED_EXTERNAL_TRAN_UUID);
    assert_eq!(data["amount"], "-10.00");
    assert_eq!(data["availableBalance"], "490.00");
    assert_eq!(data["currentBalance"], "490.00");
    assert_balance(&sb, &account, "490.00").await;

    // The page types the amount as a float: a JSON number is read from its own digits.
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": -10.00,
                "tranCode": "DOBKLVAD" }),
    )
    .await;
    assert_eq!(reply.data()["amount"], "-10.00");
    assert_balance(&sb, &account, "480.00").await;
}

#[tokio::test]
async fn the_seed_counter_example_a_positive_verification_ach_debit_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "500.00", json!({})).await;
    let body = format!(
        "app=customer-account&object=account-balance&action=adjust&version=1&\
         sessionUuid={session}&accountUuid={}&amount=1.00&tranCode=DOBKLVAD",
        account.uuid
    );
    let reply = form(&sb, ADJUST, &body).await;
    assert_refused(&reply, 200, "AMOUNT_SIGN_MISMATCH", Some("amount"));
    assert_eq!(
        reply.body["errors"][0]["message"],
        "amount must be negative for debiting tranCode DOBKLVAD"
    );
    assert_eq!(
        reply.reason.as_deref(),
        Some("field amount: tranCode DOBKLVAD needs a negative amount")
    );
    assert_balance(&sb, &account, "500.00").await;
}

#[tokio::test]
async fn every_tran_code_refuses_an_amount_of_the_wrong_sign_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    for code in CREDIT_CODES {
        let body = format!(
            "sessionUuid={session}&accountUuid={}&amount=-1.00&tranCode={code}",
            account.uuid
        );
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, "AMOUNT_SIGN_MISMATCH", Some("amount"));
        assert_eq!(
            reply.body["errors"][0]["message"],
            format!("amount must be positive for crediting tranCode {code}")
        );
        let expected = format!("field amount: tranCode {code} needs a positive amount");
        assert_eq!(reply.reason.as_deref(), Some(expected.as_str()));
    }
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "1.00",
                "tranCode": "DOBKLVAD" }),
    )
    .await;
    assert_refused(&reply, 200, "AMOUNT_SIGN_MISMATCH", Some("amount"));
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;
}

#[tokio::test]
async fn every_tran_code_moves_money_in_its_own_direction_and_without_one_the_sign_decides() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let meanings = [
        "Verification ACH Credit",
        "Credit ACH Payment",
        "Credit Mobile Payment",
        "Credit Telephone Payment",
        "Credit Branch Payment",
        "Credit Check Payment",
    ];
    let mut cents = 10_000;
    for (code, meaning) in CREDIT_CODES.into_iter().zip(meanings) {
        let body = format!(
            "sessionUuid={session}&accountUuid={}&amount=1.25&tranCode={code}",
            account.uuid
        );
        let reply = form(&sb, ADJUST, &body).await;
        cents += 125;
        let data = reply.data();
        assert_eq!(data["tranCode"], code);
        assert_eq!(data["description"], meaning, "the default description is the code's meaning");
        assert_eq!(data["amount"], "1.25");
        let expected = format!("{}.{:02}", cents / 100, cents % 100);
        assert_eq!(data["availableBalance"], expected.as_str());
        assert_eq!(data["currentBalance"], expected.as_str());
    }
    assert_balance(&sb, &account, "107.50").await;

    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-7.50&tranCode=DOBKLVAD",
        account.uuid
    );
    let data = form(&sb, ADJUST, &body).await.data().clone();
    assert_eq!(data["description"], "Verification ACH Debit");
    assert_eq!(data["availableBalance"], "100.00");

    // No tranCode: the sign alone decides, with the generic description; an empty tranCode is
    // no tranCode.
    for (amount, after) in [("-0.50", "99.50"), ("0.75", "100.25")] {
        let body = format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=&description=",
            account.uuid
        );
        let data = form(&sb, ADJUST, &body).await.data().clone();
        assert_eq!(data["tranCode"], Value::Null);
        assert_eq!(data["description"], "Balance Adjustment");
        assert_eq!(data["availableBalance"], after);
    }
    assert_balance(&sb, &account, "100.25").await;
}

#[tokio::test]
async fn multipart_and_content_type_less_bodies_adjust_like_forms() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "50.00", json!({})).await;
    let boundary = "----sandbank-http-7f3a";
    let mut body = String::new();
    for (name, value) in [
        ("sessionUuid", session.as_str()),
        ("accountUuid", account.uuid.as_str()),
        ("amount", "-10.00"),
        ("tranCode", "DOBKLVAD"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(&content_type), body).await;
    assert_eq!(reply.data()["availableBalance"], "40.00");

    // Without a Content-Type, a body starting with `{` is JSON and anything else a form.
    let json_body =
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-1.00" });
    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), None, json_body.to_string()).await;
    assert_eq!(reply.data()["availableBalance"], "39.00");
    let form_body = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);
    let reply = send(&sb, Method::POST, &format!("/?call={ADJUST}"), None, form_body).await;
    assert_eq!(reply.data()["availableBalance"], "38.00");
    assert_balance(&sb, &account, "38.00").await;
}

#[tokio::test]
async fn a_balance_read_answers_every_balance_by_uuid_or_either_reference_name() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(
        &sb,
        "25.00",
        json!({ "limits": { "balance_min": "-100.00" },
                "vendor_ids": { "accountUuid": "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17",
                                "paymentInstrumentReferenceNumber": "PI4000123412341234" } }),
    )
    .await;
    assert_eq!(account.uuid, "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17");
    assert_eq!(account.reference, "PI4000123412341234");
    let before = ledger_state(&sb).await;
    let expected = json!({
        "accountUuid": account.uuid,
        "accountStatus": "Open",
        "availableBalance": "25.00",
        "currentBalance": "25.00",
        "pendingBalance": "0.00",
        "creditLine": "100.00",
    });

    let tracking = "e2a4c6e8-0b1d-4f3a-9c5e-7a9b1d3f5e60";
    let by_uuid = json_call(
        &sb,
        BALANCE_GET,
        json!({ "app": "customer-account", "object": "account-balance", "action": "get",
                "version": 1, "sessionUuid": session, "externalTranUuid": tracking,
                "accountUuid": account.uuid }),
    )
    .await;
    assert_eq!(by_uuid.data(), &expected);
    assert_eq!(by_uuid.body["call"], BALANCE_GET);
    assert_eq!(by_uuid.body["externalTranUuid"], tracking);
    for name in ["paymentInstrumentReferenceNumber", "cardReferenceNumber"] {
        let reply = form(
            &sb,
            BALANCE_GET,
            &format!("sessionUuid={session}&{name}={}&debug=1", account.reference),
        )
        .await;
        assert_eq!(reply.data(), &expected, "{name}");
        assert_eq!(reply.body["externalTranUuid"], Value::Null);
    }
    // An upper-case uuid names the same account.
    let upper = account.uuid.to_ascii_uppercase();
    let reply = form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={upper}")).await;
    assert_eq!(reply.data(), &expected);
    assert_eq!(ledger_state(&sb).await, before, "reading a balance changes nothing");

    // Blocked and Closed accounts still answer their balance, with their status.
    for (status, shown) in [("frozen", "Blocked"), ("closed", "Closed")] {
        let patch = json!({ "status": status });
        let resp = sb
            .admin(Method::PATCH, &format!("/__admin/accounts/{}", account.id), Some(patch))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let reply =
            form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid))
                .await;
        assert_eq!(reply.data()["accountStatus"], shown);
        assert_eq!(reply.data()["availableBalance"], "25.00");
    }
}

#[tokio::test]
async fn an_adjustment_by_reference_number_moves_only_the_named_account() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let first = open(&sb, "100.00", json!({})).await;
    let second =
        open(&sb, "100.00", json!({ "vendor_ids": { "cardReferenceNumber": "CARD-REF-0001" } }))
            .await;
    assert_eq!(second.reference, "CARD-REF-0001");

    let body = format!(
        "sessionUuid={session}&paymentInstrumentReferenceNumber={}&amount=-5.00&tranCode=DOBKLVAD",
        second.reference
    );
    let reply = form(&sb, ADJUST, &body).await;
    assert_eq!(reply.data()["accountUuid"], second.uuid.as_str(), "answers the accountUuid");
    let body = format!(
        "sessionUuid={session}&cardReferenceNumber={}&amount=2.00&tranCode=CIVSCCAP",
        second.reference
    );
    assert_eq!(form(&sb, ADJUST, &body).await.data()["availableBalance"], "97.00");
    // Both identifiers naming the same account.
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": second.uuid.to_ascii_uppercase(),
                "paymentInstrumentReferenceNumber": second.reference, "amount": "-1.00" }),
    )
    .await;
    assert_eq!(reply.data()["availableBalance"], "96.00");
    assert_balance(&sb, &second, "96.00").await;
    assert_balance(&sb, &first, "100.00").await;
}

#[tokio::test]
async fn a_session_created_with_the_api_key_reads_and_adjusts() {
    let sb = Sandbox::start().await;
    let key = api_key(&sb);
    let standing = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let tracking = "9e1f4c2a-7b3d-4a8e-8c6f-2d5b1e9a3c70";

    let created = [
        form(
            &sb,
            SESSION_CREATE,
            &format!("app=core-session&object=session&action=create&version=1&apiKey={key}"),
        )
        .await,
        json_call(&sb, SESSION_CREATE, json!({ "apiKey": key, "externalTranUuid": tracking }))
            .await,
        // The key in the query string, as PCaaSA's Card Info API sends it.
        send(&sb, Method::POST, &format!("/?call={SESSION_CREATE}&apiKey={key}"), Some(FORM), "")
            .await,
    ];
    assert_eq!(created[1].body["externalTranUuid"], tracking);
    let mut sessions = HashSet::new();
    for reply in &created {
        let data = reply.data();
        assert_eq!(reply.body["call"], SESSION_CREATE);
        assert_eq!(data["sessionTimeoutSeconds"], 1800);
        let session = data["sessionUuid"].as_str().unwrap().to_string();
        assert_eq!(uuid::Uuid::parse_str(&session).unwrap().get_version_num(), 4);
        assert_ne!(session, standing);
        sessions.insert(session);
    }
    assert_eq!(sessions.len(), 3, "each call creates a new session");

    let mut cents = 10_000;
    for session in &sessions {
        let body = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);
        cents -= 100;
        let expected = format!("{}.{:02}", cents / 100, cents % 100);
        assert_eq!(form(&sb, ADJUST, &body).await.data()["availableBalance"], expected.as_str());
        let read =
            form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid))
                .await;
        assert_eq!(read.data()["currentBalance"], expected.as_str());
    }
    assert_balance(&sb, &account, "97.00").await;
}

#[tokio::test]
async fn a_session_idle_for_thirty_minutes_of_tenant_time_expires_and_moves_nothing() {
    let sb = Sandbox::start().await;
    clock(&sb, json!({ "freeze": true })).await;
    let account = open(&sb, "100.00", json!({})).await;
    let created = form(&sb, SESSION_CREATE, &format!("apiKey={}", api_key(&sb))).await;
    let session = created.data()["sessionUuid"].as_str().unwrap().to_string();
    let debit = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);

    // Each accepted call restarts the 30 idle minutes.
    clock(&sb, json!({ "advance": "PT29M" })).await;
    assert_eq!(form(&sb, ADJUST, &debit).await.data()["availableBalance"], "99.00");
    clock(&sb, json!({ "advance": "PT29M" })).await;
    assert_eq!(form(&sb, ADJUST, &debit).await.data()["availableBalance"], "98.00");

    clock(&sb, json!({ "advance": "PT30M" })).await;
    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &debit).await;
    assert_refused(&reply, 200, "SESSION_EXPIRED", Some("sessionUuid"));
    assert_eq!(reply.body["errors"][0]["message"], "Session expired");
    assert_eq!(reply.reason.as_deref(), Some("auth: session idle past its lifetime"));
    let read =
        form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid))
            .await;
    assert_refused(&read, 200, "SESSION_EXPIRED", Some("sessionUuid"));
    assert_eq!(ledger_state(&sb).await, before);

    // The standing session never expires, even a year later; a new session works again.
    clock(&sb, json!({ "advance": "P365D" })).await;
    assert_balance(&sb, &account, "98.00").await;
    let created = form(&sb, SESSION_CREATE, &format!("apiKey={}", api_key(&sb))).await;
    let fresh = created.data()["sessionUuid"].as_str().unwrap().to_string();
    let debit = format!("sessionUuid={fresh}&accountUuid={}&amount=-1.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &debit).await.data()["availableBalance"], "97.00");
}

#[tokio::test]
async fn a_missing_never_issued_or_malformed_session_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "100.00", json!({})).await;
    let (_, other_credentials) = new_tenant(&sb).await;
    let other_key = other_credentials["apiKey"].as_str().unwrap();
    let before = ledger_state(&sb).await;
    let target = format!("accountUuid={}&amount=-10.00", account.uuid);

    for call in [ADJUST, BALANCE_GET] {
        let cases = [
            (target.clone(), "REQUIRED_FIELD_MISSING", "field sessionUuid: required"),
            (
                format!("sessionUuid=&{target}"),
                "REQUIRED_FIELD_MISSING",
                "field sessionUuid: required",
            ),
            (
                format!("sessionUuid={NEVER_ISSUED}&{target}"),
                "SESSION_INVALID",
                "auth: sessionUuid was never issued",
            ),
            // An API key is not a session.
            (
                format!("sessionUuid={other_key}&{target}"),
                "SESSION_INVALID",
                "auth: sessionUuid was never issued",
            ),
            (
                format!("sessionUuid=abc&{target}"),
                "INVALID_FORMAT",
                "field sessionUuid: must be a 36-character UUID",
            ),
        ];
        for (body, code, reason) in cases {
            let reply = form(&sb, call, &body).await;
            assert_refused(&reply, 200, code, Some("sessionUuid"));
            assert_eq!(reply.reason.as_deref(), Some(reason), "{call} {body}");
            assert_eq!(reply.body["call"], call);
        }
        let reply = json_call(
            &sb,
            call,
            json!({ "sessionUuid": 42, "accountUuid": account.uuid, "amount": "-10.00" }),
        )
        .await;
        assert_refused(&reply, 200, "INVALID_FORMAT", Some("sessionUuid"));
    }

    // Trading a key for a session needs a key that was issued.
    let key_cases = [
        ("app=core-session".to_string(), "REQUIRED_FIELD_MISSING"),
        ("apiKey=sandbank-pcaasa-key".to_string(), "INVALID_FORMAT"),
        (format!("apiKey={NEVER_ISSUED}"), "API_KEY_INVALID"),
        (format!("apiKey={}", standing_session(&sb)), "API_KEY_INVALID"),
    ];
    for (body, code) in key_cases {
        let reply = form(&sb, SESSION_CREATE, &body).await;
        assert_refused(&reply, 200, code, Some("apiKey"));
    }
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn bad_amount_formats_are_refused_with_their_codes_and_move_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let cases = [
        // Too many decimal places, as written.
        ("1.005", "AMOUNT_INVALID", "field amount: must have at most 2 decimal places"),
        (
            "-1.005&tranCode=DOBKLVAD",
            "AMOUNT_INVALID",
            "field amount: must have at most 2 decimal places",
        ),
        ("1.000", "AMOUNT_INVALID", "field amount: must have at most 2 decimal places"),
        // Shorter than the page's 4 characters.
        ("1.5", "INVALID_FORMAT", "field amount: must be 4 to 25 characters long, such as 1.00"),
        ("-1", "INVALID_FORMAT", "field amount: must be 4 to 25 characters long, such as 1.00"),
        // Longer than 25 characters.
        (
            "12345678901234567890.12345",
            "INVALID_FORMAT",
            "field amount: must be 4 to 25 characters long, such as 1.00",
        ),
        // Huge.
        (
            "10000000000000000.00",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        (
            "1000000000000000.01",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        (
            "-999999999999999999999.99",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        (
            "99999999999999999999999999999999999",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        // Zero.
        ("0.00", "AMOUNT_INVALID", "field amount: must not be zero"),
        ("-0.00", "AMOUNT_INVALID", "field amount: must not be zero"),
        // Not money.
        ("ten%20dollars", "INVALID_FORMAT", "field amount: must be a money amount such as -10.00"),
        ("%2B1.00", "INVALID_FORMAT", "field amount: must be a money amount such as -10.00"),
        ("1e3", "INVALID_FORMAT", "field amount: must be a money amount such as -10.00"),
        // Missing.
        ("", "REQUIRED_FIELD_MISSING", "field amount: required"),
    ];
    for (amount, code, reason) in cases {
        let body = format!("sessionUuid={session}&accountUuid={}&amount={amount}", account.uuid);
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, code, Some("amount"));
        assert_eq!(reply.reason.as_deref(), Some(reason), "amount={amount}");
    }
    for (amount, code) in [
        (json!(true), "INVALID_FORMAT"),
        (json!(null), "REQUIRED_FIELD_MISSING"),
        (serde_json::from_str::<Value>("1e3").unwrap(), "INVALID_FORMAT"),
        (serde_json::from_str::<Value>("1.005").unwrap(), "AMOUNT_INVALID"),
    ] {
        let body = json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": amount });
        let reply = json_call(&sb, ADJUST, body).await;
        assert_refused(&reply, 200, code, Some("amount"));
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;
}

#[tokio::test]
async fn the_smallest_and_largest_amounts_move_exactly() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let adjust = |amount: &str| {
        format!("sessionUuid={session}&accountUuid={}&amount={amount}", account.uuid)
    };
    let data = form(&sb, ADJUST, &adjust("0.01")).await.data().clone();
    assert_eq!(data["availableBalance"], "100.01");
    let data = form(&sb, ADJUST, &adjust("1000000000000000.00")).await.data().clone();
    assert_eq!(data["amount"], "1000000000000000.00");
    assert_eq!(data["availableBalance"], "1000000000000100.01");
    let data = form(&sb, ADJUST, &adjust("-1000000000000000.00")).await.data().clone();
    assert_eq!(data["availableBalance"], "100.01");
    // Whole dollars are money too, from 4 characters on ("-100", not "100").
    let reply = form(&sb, ADJUST, &adjust("100")).await;
    assert_refused(&reply, 200, "INVALID_FORMAT", Some("amount"));
    let data = form(&sb, ADJUST, &adjust("-100")).await.data().clone();
    assert_eq!(data["amount"], "-100.00");
    assert_eq!(data["availableBalance"], "0.01");
    let data = form(&sb, ADJUST, &adjust("-0.01")).await.data().clone();
    assert_eq!(data["amount"], "-0.01");
    assert_balance(&sb, &account, "0.00").await;
}

#[tokio::test]
async fn each_invalid_parameter_is_refused_with_its_code_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let other = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let base = format!("sessionUuid={session}&accountUuid={}&amount=-5.00", account.uuid);
    let cases: Vec<(String, &str, Option<&str>)> = vec![
        (format!("{base}&tranCode=CIVSCCXX"), "TRANCODE_INVALID", Some("tranCode")),
        (format!("{base}&tranCode=dobklvad"), "TRANCODE_INVALID", Some("tranCode")),
        (format!("app=customer-accountuser&{base}"), "ROUTING_MISMATCH", Some("app")),
        (format!("object=account&{base}"), "ROUTING_MISMATCH", Some("object")),
        (format!("action=get&{base}"), "ROUTING_MISMATCH", Some("action")),
        (format!("version=2&{base}"), "ROUTING_MISMATCH", Some("version")),
        (
            format!("{base}&description=Twenty-one%20characters"),
            "INVALID_FORMAT",
            Some("description"),
        ),
        (format!("{base}&externalTranUuid=order-1"), "INVALID_FORMAT", Some("externalTranUuid")),
        (format!("{base}&debug=yes"), "INVALID_FORMAT", Some("debug")),
        (
            format!("sessionUuid={session}&accountUuid=12345&amount=-5.00"),
            "INVALID_FORMAT",
            Some("accountUuid"),
        ),
        (
            format!("sessionUuid={session}&paymentInstrumentReferenceNumber=PI123&amount=-5.00"),
            "INVALID_FORMAT",
            Some("paymentInstrumentReferenceNumber"),
        ),
        (
            format!("sessionUuid={session}&amount=-5.00"),
            "REQUIRED_FIELD_MISSING",
            Some("accountUuid"),
        ),
        (
            format!("{base}&paymentInstrumentReferenceNumber={}", other.reference),
            "ACCOUNT_IDENTIFIER_MISMATCH",
            Some("paymentInstrumentReferenceNumber"),
        ),
        (
            format!(
                "sessionUuid={session}&paymentInstrumentReferenceNumber={}&cardReferenceNumber={}&amount=-5.00",
                account.reference, other.reference
            ),
            "ACCOUNT_IDENTIFIER_MISMATCH",
            Some("cardReferenceNumber"),
        ),
    ];
    for (body, code, field) in cases {
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, code, field);
        assert!(reply.reason.as_deref().unwrap().contains(field.unwrap()), "{reply:#?}");
    }
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-5.00",
                "description": "line\nbreak" }),
    )
    .await;
    assert_refused(&reply, 200, "INVALID_FORMAT", Some("description"));
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-5.00",
                "tranCode": 7 }),
    )
    .await;
    assert_refused(&reply, 200, "INVALID_FORMAT", Some("tranCode"));
    let reply = form(
        &sb,
        BALANCE_GET,
        &format!("action=adjust&sessionUuid={session}&accountUuid={}", account.uuid),
    )
    .await;
    assert_refused(&reply, 200, "ROUTING_MISMATCH", Some("action"));
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn an_unknown_account_is_not_found_by_uuid_or_by_either_reference_name() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    for call in [ADJUST, BALANCE_GET] {
        for (target, field) in [
            (format!("accountUuid={NEVER_ISSUED}"), "accountUuid"),
            (
                format!("paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}"),
                "paymentInstrumentReferenceNumber",
            ),
            (format!("cardReferenceNumber={NO_SUCH_REFERENCE}"), "cardReferenceNumber"),
            // A known uuid with an unknown reference.
            (
                format!(
                    "accountUuid={}&paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}",
                    account.uuid
                ),
                "paymentInstrumentReferenceNumber",
            ),
        ] {
            let body = format!("sessionUuid={session}&{target}&amount=-1.00");
            let reply = form(&sb, call, &body).await;
            assert_refused(&reply, 200, "ACCOUNT_NOT_FOUND", Some(field));
            assert_eq!(reply.body["errors"][0]["message"], "Account not found");
            let reason = format!("field {field}: no such account for this client");
            assert_eq!(reply.reason.as_deref(), Some(reason.as_str()));
        }
    }
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn another_tenants_account_is_not_found_exactly_like_an_unknown_one() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let mine = open(&sb, "100.00", json!({})).await;
    let (other_token, other_credentials) = new_tenant(&sb).await;
    let other_session = other_credentials["sessionUuid"].as_str().unwrap().to_string();
    assert_ne!(other_session, session);
    let theirs = open_as(&sb, &other_token, "77.00", json!({})).await;
    let before = (ledger_state(&sb).await, ledger_state_as(&sb, &other_token).await);

    // Each pair: the other tenant's identifier, and an identifier nobody holds, in the same
    // parameter. The answers must be identical, reason included.
    let pairs = [
        (format!("accountUuid={}", theirs.uuid), format!("accountUuid={NEVER_ISSUED}")),
        (
            format!("paymentInstrumentReferenceNumber={}", theirs.reference),
            format!("paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}"),
        ),
        (
            format!("cardReferenceNumber={}", theirs.reference),
            format!("cardReferenceNumber={NO_SUCH_REFERENCE}"),
        ),
        // My uuid with their reference is "not found", not a mismatch that would confirm it.
        (
            format!(
                "accountUuid={}&paymentInstrumentReferenceNumber={}",
                mine.uuid, theirs.reference
            ),
            format!(
                "accountUuid={}&paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}",
                mine.uuid
            ),
        ),
    ];
    let mut probes = Vec::new();
    for call in [ADJUST, BALANCE_GET] {
        for (theirs_target, unknown_target) in &pairs {
            let probe =
                form(&sb, call, &format!("sessionUuid={session}&{theirs_target}&amount=-1.00"))
                    .await;
            let unknown =
                form(&sb, call, &format!("sessionUuid={session}&{unknown_target}&amount=-1.00"))
                    .await;
            assert_eq!(probe.code(), "ACCOUNT_NOT_FOUND", "{probe:#?}");
            assert_refused(
                &probe,
                200,
                "ACCOUNT_NOT_FOUND",
                unknown.body["errors"][0]["field"].as_str(),
            );
            assert_eq!(probe.status, unknown.status);
            assert_eq!(probe.text, unknown.text, "{call} {theirs_target}");
            assert_eq!(probe.reason, unknown.reason);
            probes.push(probe.trace_id.clone().unwrap());
        }
    }
    // The other way round: their session does not see my account.
    let reply =
        form(&sb, BALANCE_GET, &format!("sessionUuid={other_session}&accountUuid={}", mine.uuid))
            .await;
    assert_refused(&reply, 200, "ACCOUNT_NOT_FOUND", Some("accountUuid"));

    assert_eq!((ledger_state(&sb).await, ledger_state_as(&sb, &other_token).await), before);
    // The probes are in my journal, not theirs.
    let resp = sb.admin_as(&other_token, Method::GET, "/__admin/requests?limit=1000", None).await;
    let their_journal: Value = resp.json().await.unwrap();
    let their_traces: HashSet<&str> = their_journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["trace_id"].as_str())
        .collect();
    let my_journal = sb.journal().await;
    for trace in &probes {
        assert!(!their_traces.contains(trace.as_str()), "probe {trace} leaked to the owner");
        assert!(my_journal.iter().any(|e| e["trace_id"] == trace.as_str()));
    }
    // Their own session still sees their untouched account.
    let reply =
        form(&sb, BALANCE_GET, &format!("sessionUuid={other_session}&accountUuid={}", theirs.uuid))
            .await;
    assert_eq!(reply.data()["availableBalance"], "77.00");
}

#[tokio::test]
async fn two_tenants_may_hold_the_same_identifiers_and_each_moves_only_its_own_account() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let ids = json!({ "vendor_ids": { "accountUuid": "4b3f0c36-2a8e-4f39-9d0b-2f8e8f0b6c11",
                                      "paymentInstrumentReferenceNumber": "PI4000999900001111" } });
    let mine = open(&sb, "100.00", ids.clone()).await;
    let (other_token, other_credentials) = new_tenant(&sb).await;
    let other_session = other_credentials["sessionUuid"].as_str().unwrap().to_string();
    let theirs = open_as(&sb, &other_token, "50.00", ids).await;
    assert_eq!(mine.uuid, theirs.uuid);
    assert_ne!(mine.id, theirs.id);

    let body =
        |session: &str| format!("sessionUuid={session}&accountUuid={}&amount=-10.00", mine.uuid);
    assert_eq!(form(&sb, ADJUST, &body(&session)).await.data()["availableBalance"], "90.00");
    assert_eq!(form(&sb, ADJUST, &body(&other_session)).await.data()["availableBalance"], "40.00");
    let by_reference = format!(
        "sessionUuid={other_session}&paymentInstrumentReferenceNumber={}&amount=-1.00",
        theirs.reference
    );
    assert_eq!(form(&sb, ADJUST, &by_reference).await.data()["availableBalance"], "39.00");
    assert_balance(&sb, &mine, "90.00").await;
    let theirs_admin = admin_account_as(&sb, &other_token, &theirs).await;
    assert_eq!(theirs_admin["balances"]["available"], "39.00");
}

#[tokio::test]
async fn an_unknown_or_missing_call_is_a_400_in_the_vendor_envelope() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    for (path, echoed, reason) in [
        (
            "/?call=account-balance-adjust-v2",
            json!("account-balance-adjust-v2"),
            "call: unknown call \"account-balance-adjust-v2\"",
        ),
        (
            "/?call=Account-Balance-Adjust-V1",
            json!("Account-Balance-Adjust-V1"),
            "call: unknown call \"Account-Balance-Adjust-V1\"",
        ),
        ("/?call=", json!(""), "call: unknown call \"\""),
        ("/", Value::Null, "call: no call query parameter"),
        ("/?apiKey=x", Value::Null, "call: no call query parameter"),
    ] {
        let reply = send(&sb, Method::POST, path, Some(FORM), body.clone()).await;
        assert_refused(&reply, 400, "CALL_UNKNOWN", Some("call"));
        assert_eq!(reply.body["call"], echoed, "{path}");
        assert_eq!(reply.reason.as_deref(), Some(reason), "{path}");
    }
    // A very long call name is echoed cut to 64 characters.
    let long = "x".repeat(500);
    let reply = send(&sb, Method::POST, &format!("/?call={long}"), Some(FORM), body.clone()).await;
    assert_refused(&reply, 400, "CALL_UNKNOWN", Some("call"));
    assert_eq!(reply.body["call"], "x".repeat(64));
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn an_unsupported_content_type_is_a_400_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    // Bodies that would debit if they were read.
    let form_body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    let json_body =
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-10.00" })
            .to_string();
    for (content_type, body) in [
        ("text/plain", form_body.clone()),
        ("application/xml", form_body.clone()),
        ("application/octet-stream", form_body.clone()),
        ("text/json", json_body.clone()),
    ] {
        let reply =
            send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(content_type), body).await;
        assert_refused(&reply, 400, "CONTENT_TYPE_UNSUPPORTED", None);
        assert_eq!(reply.body["call"], ADJUST);
        assert_eq!(reply.reason.as_deref(), Some("body: unsupported content type"));
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;
}

#[tokio::test]
async fn a_malformed_body_is_a_400_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            ADJUST,
            JSON,
            format!(r#"{{"sessionUuid": "{session}", "accountUuid": "{}", "amount": "#, account.uuid)
                .into_bytes(),
            "body: invalid JSON",
        ),
        (
            ADJUST,
            JSON,
            format!(r#"["{session}", "{}", "-10.00"]"#, account.uuid).into_bytes(),
            "body: JSON body is not an object",
        ),
        (BALANCE_GET, JSON, Vec::new(), "body: invalid JSON"),
        (
            ADJUST,
            "multipart/form-data",
            format!("--x\r\nContent-Disposition: form-data; name=\"sessionUuid\"\r\n\r\n{session}\r\n--x--\r\n")
                .into_bytes(),
            "body: multipart/form-data: no boundary",
        ),
        (
            BALANCE_GET,
            "multipart/form-data; boundary=x",
            format!("--x\r\nContent-Disposition: form-data; name=\"sessionUuid\"\r\n\r\n{session}\r\n")
                .into_bytes(),
            "body: multipart/form-data: no closing boundary",
        ),
        (
            ADJUST,
            FORM,
            [
                format!("sessionUuid={session}&accountUuid={}&amount=-10.00&description=", account.uuid)
                    .into_bytes(),
                vec![0xff, 0xfe],
            ]
            .concat(),
            "body: form body is not UTF-8",
        ),
    ];
    for (call, content_type, body, reason) in cases {
        let reply =
            send(&sb, Method::POST, &format!("/?call={call}"), Some(content_type), body).await;
        assert_refused(&reply, 400, "BODY_MALFORMED", None);
        assert_eq!(reply.body["call"], call);
        let got = reply.reason.as_deref().unwrap();
        assert!(got.starts_with(reason), "{got:?} should start with {reason:?}");
    }
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413_in_the_vendor_envelope_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 65_536);
    // A valid debit padded with an ignored parameter to `len` bytes.
    let padded = |len: usize| {
        let head = format!("sessionUuid={session}&accountUuid={}&amount=-10.00&pad=", account.uuid);
        let mut body = head.clone();
        body.push_str(&"p".repeat(len - head.len()));
        body
    };
    let before = ledger_state(&sb).await;

    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(FORM), padded(limit + 1)).await;
    assert_refused(&reply, 413, "PAYLOAD_TOO_LARGE", None);
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(reply.body["errors"][0]["message"], "The request body exceeds 65536 bytes");
    assert_eq!(reply.reason.as_deref(), Some("body: larger than 65536 bytes"));

    // Without a Content-Length (chunked), the limit still holds while reading.
    let body = padded(limit + 1);
    let request = format!(
        "POST /?call={ADJUST} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    assert_refused(&reply, 413, "PAYLOAD_TOO_LARGE", None);
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;

    // Exactly 64 KiB is read and served.
    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(FORM), padded(limit)).await;
    assert_eq!(reply.data()["availableBalance"], "90.00");
}

#[tokio::test]
async fn a_method_other_than_post_on_the_root_is_a_405_in_the_vendor_envelope() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
        let reply =
            send(&sb, method.clone(), &format!("/?call={ADJUST}"), Some(FORM), body.clone()).await;
        assert_refused(&reply, 405, "METHOD_NOT_ALLOWED", None);
        assert_eq!(reply.body["call"], ADJUST, "{method}");
        assert_eq!(reply.body["errors"][0]["message"], "Every call must be sent with POST");
        assert_eq!(reply.reason.as_deref(), Some("method: only POST is served on /"));
        // RFC 9110 §15.5.6: a 405 names the methods the path serves.
        assert_eq!(reply.allow.as_deref(), Some("POST"), "{method}");
    }
    // Without a call, a query string still makes `GET /` PCaaSA's (bare `GET /` is the
    // server's index: see edge.rs).
    let reply = send(&sb, Method::GET, &format!("/?sessionUuid={session}"), None, "").await;
    assert_refused(&reply, 405, "METHOD_NOT_ALLOWED", None);
    assert_eq!(reply.body["call"], Value::Null);
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_body_not_sent_in_time_is_a_408_in_the_vendor_envelope() {
    let config = server::Config {
        body_read_timeout: Duration::from_millis(200),
        ..server::Config::default()
    };
    let server = server::testing::spawn_with(config).await.unwrap();
    let sb = Sandbox::with_server(server);
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    // Announce one byte more than is sent, and keep the connection open.
    let request = format!(
        "POST /?call={ADJUST} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len() + 1
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    assert_refused(&reply, 408, "REQUEST_TIMEOUT", None);
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(reply.reason.as_deref(), Some("body: not received in time"));
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_debit_past_the_available_balance_is_insufficient_funds_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let overdraft = open(&sb, "100.00", json!({ "limits": { "balance_min": "-50.00" } })).await;
    let debit = |account: &Account, amount: &str| {
        format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=DOBKLVAD",
            account.uuid
        )
    };

    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &debit(&account, "-100.01")).await;
    assert_refused(&reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    assert_eq!(reply.body["errors"][0]["message"], "Insufficient available funds");
    assert_eq!(
        reply.reason.as_deref(),
        Some("ledger: insufficient funds (available 100.00, adjustment -100.01)")
    );
    assert_eq!(ledger_state(&sb).await, before);

    assert_eq!(
        form(&sb, ADJUST, &debit(&account, "-100.00")).await.data()["availableBalance"],
        "0.00"
    );
    let reply = form(&sb, ADJUST, &debit(&account, "-0.01")).await;
    assert_refused(&reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    assert_balance(&sb, &account, "0.00").await;

    // A credit line lets the balance go below zero, to the line and no further.
    let data = form(&sb, ADJUST, &debit(&overdraft, "-150.00")).await.data().clone();
    assert_eq!(data["availableBalance"], "-50.00");
    let reply = form(&sb, ADJUST, &debit(&overdraft, "-0.01")).await;
    assert_refused(&reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    assert_balance(&sb, &overdraft, "-50.00").await;
}

#[tokio::test]
async fn a_credit_past_the_maximum_balance_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "900.00", json!({ "limits": { "balance_max": "1000.00" } })).await;
    let credit = |amount: &str| {
        format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=CIVSCCAP",
            account.uuid
        )
    };
    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &credit("100.01")).await;
    assert_refused(&reply, 200, "BALANCE_LIMIT_EXCEEDED", Some("amount"));
    assert_eq!(
        reply.reason.as_deref(),
        Some(
            "ledger: maximum balance exceeded (current 900.00, maximum 1000.00, adjustment 100.01)"
        )
    );
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(form(&sb, ADJUST, &credit("100.00")).await.data()["availableBalance"], "1000.00");
    let reply = form(&sb, ADJUST, &credit("0.01")).await;
    assert_refused(&reply, 200, "BALANCE_LIMIT_EXCEEDED", Some("amount"));
    assert_balance(&sb, &account, "1000.00").await;
}

#[tokio::test]
async fn the_daily_debit_limit_refuses_past_its_amount_and_resets_the_next_day() {
    let sb = Sandbox::start().await;
    // A frozen clock: no real midnight may pass between the calls.
    clock(&sb, json!({ "freeze": true })).await;
    let session = standing_session(&sb);
    let account =
        open(&sb, "500.00", json!({ "limits": { "daily_debit_amount_max": "50.00" } })).await;
    let debit = |amount: &str| {
        format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=DOBKLVAD",
            account.uuid
        )
    };
    assert_eq!(form(&sb, ADJUST, &debit("-30.00")).await.data()["availableBalance"], "470.00");
    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &debit("-20.01")).await;
    assert_refused(&reply, 200, "DAILY_LIMIT_EXCEEDED", Some("amount"));
    assert!(reply.reason.as_deref().unwrap().contains("limit exceeded"), "{reply:#?}");
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(form(&sb, ADJUST, &debit("-20.00")).await.data()["availableBalance"], "450.00");
    let reply = form(&sb, ADJUST, &debit("-0.01")).await;
    assert_refused(&reply, 200, "DAILY_LIMIT_EXCEEDED", Some("amount"));
    // Credits are not debits.
    let credit = format!("sessionUuid={session}&accountUuid={}&amount=5.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &credit).await.data()["availableBalance"], "455.00");
    let usage = admin_account_as(&sb, &sb.server.admin_token, &account).await;
    assert_eq!(usage["daily_usage"]["debit_amount"], "50.00");

    clock(&sb, json!({ "advance": "P1D" })).await;
    assert_eq!(form(&sb, ADJUST, &debit("-50.00")).await.data()["availableBalance"], "405.00");
    let reply = form(&sb, ADJUST, &debit("-0.01")).await;
    assert_refused(&reply, 200, "DAILY_LIMIT_EXCEEDED", Some("amount"));
    assert_balance(&sb, &account, "405.00").await;
}

#[tokio::test]
async fn closed_and_blocked_accounts_and_the_per_adjustment_maximum_refuse_and_move_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    // The opening balance is itself a transfer, held to the per-transfer maximum.
    let capped = open(&sb, "20.00", json!({ "limits": { "transfer_amount_max": "20.00" } })).await;
    let blocked = open(&sb, "100.00", json!({})).await;
    let closed = open(&sb, "0.00", json!({})).await;
    for (account, status) in [(&blocked, "frozen"), (&closed, "closed")] {
        let patch = json!({ "status": status });
        let resp = sb
            .admin(Method::PATCH, &format!("/__admin/accounts/{}", account.id), Some(patch))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let before = ledger_state(&sb).await;
    let adjust = |account: &Account, amount: &str| {
        format!("sessionUuid={session}&accountUuid={}&amount={amount}", account.uuid)
    };
    let cases = [
        (adjust(&capped, "-20.01"), "AMOUNT_LIMIT_EXCEEDED", Some("amount")),
        (adjust(&capped, "20.01"), "AMOUNT_LIMIT_EXCEEDED", Some("amount")),
        (adjust(&blocked, "5.00"), "ACCOUNT_BLOCKED", None),
        (adjust(&blocked, "-5.00"), "ACCOUNT_BLOCKED", None),
        (adjust(&closed, "5.00"), "ACCOUNT_CLOSED", None),
    ];
    for (body, code, field) in cases {
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, code, field);
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(
        form(&sb, ADJUST, &adjust(&capped, "-20.00")).await.data()["availableBalance"],
        "0.00"
    );
}

#[tokio::test]
async fn replaying_an_external_tran_uuid_answers_the_same_body_and_moves_money_once() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let key = "4a8c2e6f-1b3d-4f5a-8e7c-9d0b2a4c6e81";
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD&externalTranUuid={key}",
        account.uuid
    );
    let first = form(&sb, ADJUST, &body).await;
    assert_eq!(first.data()["availableBalance"], "90.00");
    // Another adjustment in between: a replay still answers the original.
    let other = format!("sessionUuid={session}&accountUuid={}&amount=-5.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &other).await.data()["availableBalance"], "85.00");
    let entries_before = ledger_state(&sb).await;

    let again = form(&sb, ADJUST, &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.text, first.text, "the same bytes");
    assert_ne!(again.trace_id, first.trace_id);
    // The same request as JSON, by reference number, is the same request.
    let as_json = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "externalTranUuid": key,
                "paymentInstrumentReferenceNumber": account.reference, "amount": "-10.00",
                "tranCode": "DOBKLVAD" }),
    )
    .await;
    assert_eq!(as_json.text, first.text);
    assert_eq!(ledger_state(&sb).await, entries_before, "a replay moves nothing");
    assert_balance(&sb, &account, "85.00").await;

    // Keys are per tenant: another tenant may use the same one.
    let (other_token, other_credentials) = new_tenant(&sb).await;
    let theirs = open_as(&sb, &other_token, "100.00", json!({})).await;
    let their_body = format!(
        "sessionUuid={}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD&externalTranUuid={key}",
        other_credentials["sessionUuid"].as_str().unwrap(),
        theirs.uuid
    );
    let reply = form(&sb, ADJUST, &their_body).await;
    assert_eq!(reply.data()["availableBalance"], "90.00");
    assert_ne!(reply.data()["transactionUuid"], first.data()["transactionUuid"]);
}

#[tokio::test]
async fn reusing_an_external_tran_uuid_for_a_different_request_is_a_conflict_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let second = open(&sb, "100.00", json!({})).await;
    let key = "0b7c2f8e-1d4a-4e6b-9a3c-5f2e8d1b7a90";
    let request = |account: &Account, amount: &str, extra: &str| {
        format!(
            "sessionUuid={session}&externalTranUuid={key}&accountUuid={}&amount={amount}{extra}",
            account.uuid
        )
    };
    let first = form(&sb, ADJUST, &request(&account, "25.00", "&tranCode=CIVSCCAP")).await;
    assert_eq!(first.data()["availableBalance"], "125.00");
    let before = ledger_state(&sb).await;
    for body in [
        request(&account, "26.00", "&tranCode=CIVSCCAP"),
        request(&account, "25.00", "&tranCode=CIVSCCMP"),
        request(&account, "25.00", "&tranCode=CIVSCCAP&description=Other"),
        request(&account, "25.00", ""),
        request(&account, "-25.00", "&tranCode=DOBKLVAD"),
        request(&second, "25.00", "&tranCode=CIVSCCAP"),
    ] {
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, "DUPLICATE_EXTERNAL_TRAN_UUID", Some("externalTranUuid"));
        assert_eq!(reply.body["externalTranUuid"], key, "the tracking id is echoed");
        assert_eq!(
            reply.reason.as_deref(),
            Some("idempotency: externalTranUuid reused with a different request")
        );
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "125.00").await;
    assert_balance(&sb, &second, "100.00").await;
}

#[tokio::test]
async fn a_refused_adjustment_does_not_use_up_its_external_tran_uuid() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "0.00", json!({})).await;
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-5.00&tranCode=DOBKLVAD&\
         externalTranUuid=c5e7a9b1-3d2f-4e6a-b8c0-1f3e5a7c9d24",
        account.uuid
    );
    assert_refused(&form(&sb, ADJUST, &body).await, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    let fund = format!("sessionUuid={session}&accountUuid={}&amount=10.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &fund).await.data()["availableBalance"], "10.00");
    assert_eq!(form(&sb, ADJUST, &body).await.data()["availableBalance"], "5.00");
    assert_balance(&sb, &account, "5.00").await;
}

#[tokio::test]
async fn the_request_journal_shows_a_failed_pcaasa_call_with_its_reason() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "10.00", json!({})).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.01", account.uuid);
    let failed = form(&sb, ADJUST, &body).await;
    assert_refused(&failed, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    let ok_body = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);
    let succeeded = form(&sb, ADJUST, &ok_body).await;
    succeeded.data();
    let too_large = send(
        &sb,
        Method::POST,
        &format!("/?call={BALANCE_GET}"),
        Some(FORM),
        "x".repeat(vendors::REQUEST_BODY_BYTES_MAX + 1),
    )
    .await;
    assert_refused(&too_large, 413, "PAYLOAD_TOO_LARGE", None);

    let journal = sb.journal().await;
    let find = |reply: &Reply| {
        let trace = reply.trace_id.as_deref().unwrap();
        journal.iter().find(|e| e["trace_id"] == trace).cloned().expect("journaled")
    };
    let entry = find(&failed);
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], format!("/?call={ADJUST}"));
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["vendor"], "pcaasa");
    assert_eq!(entry["operation"], "processorApiCall");
    assert_eq!(entry["reason"], "ledger: insufficient funds (available 10.00, adjustment -10.01)");
    assert_eq!(entry["reason"].as_str(), failed.reason.as_deref());
    assert_eq!(entry["request_body"], body.as_str());
    assert_eq!(entry["response_body"], failed.text.as_str());

    let entry = find(&succeeded);
    assert_eq!(entry["reason"], Value::Null);
    assert_eq!(entry["response_body"], succeeded.text.as_str());

    let entry = find(&too_large);
    assert_eq!(entry["status"], 413);
    assert_eq!(entry["vendor"], "pcaasa");
    assert_eq!(entry["reason"], "body: larger than 65536 bytes");
    // Newest first.
    let position = |reply: &Reply| {
        let trace = reply.trace_id.as_deref().unwrap();
        journal.iter().position(|e| e["trace_id"] == trace).unwrap()
    };
    assert!(position(&too_large) < position(&succeeded));
    assert!(position(&succeeded) < position(&failed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_parallel_debits_of_ten_against_one_hundred_let_exactly_ten_through() {
    const N_DEBITS: usize = 32;
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let url = sb.url(&format!("/?call={ADJUST}"));
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD",
        account.uuid
    );
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(N_DEBITS));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..N_DEBITS {
        let client = sb.client.clone();
        let (url, body, start) = (url.clone(), body.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            let resp = client.post(url).header(CONTENT_TYPE, FORM).body(body).send().await;
            Reply::read(resp.unwrap()).await
        });
    }
    let mut replies = Vec::with_capacity(N_DEBITS);
    let collect = async {
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect).await.expect("all answered");
    assert_eq!(replies.len(), N_DEBITS);

    let (succeeded, refused): (Vec<&Reply>, Vec<&Reply>) =
        replies.iter().partition(|r| r.body["status"] == "success");
    assert_eq!(succeeded.len(), 10);
    assert_eq!(refused.len(), N_DEBITS - 10);
    for reply in &refused {
        assert_refused(reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    }
    // The ten answers saw the ten balances 90.00 … 0.00, each once: no lost update.
    let mut afters: Vec<String> = succeeded
        .iter()
        .map(|r| r.data()["availableBalance"].as_str().unwrap().to_string())
        .collect();
    afters.sort_by_key(|text| text.replace('.', "").parse::<i64>().unwrap());
    let expected: Vec<String> = (0..10).map(|n| format!("{}.00", n * 10)).collect();
    assert_eq!(afters, expected);
    let transactions: HashSet<&str> =
        succeeded.iter().map(|r| r.data()["transactionUuid"].as_str().unwrap()).collect();
    assert_eq!(transactions.len(), 10);
    assert_balance(&sb, &account, "0.00").await;
    let admin = admin_account_as(&sb, &sb.server.admin_token, &account).await;
    assert_eq!(admin["n_entries"], 11, "the opening credit and ten debits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_sends_of_one_external_tran_uuid_move_money_once_and_answer_alike() {
    const N_SENDS: usize = 16;
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let url = sb.url(&format!("/?call={ADJUST}"));
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD&\
         externalTranUuid=5d9e1c3a-8b7f-4a26-9e0d-3c1b5a7f9e42",
        account.uuid
    );
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(N_SENDS));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..N_SENDS {
        let client = sb.client.clone();
        let (url, body, start) = (url.clone(), body.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            let resp = client.post(url).header(CONTENT_TYPE, FORM).body(body).send().await;
            Reply::read(resp.unwrap()).await
        });
    }
    let mut replies = Vec::with_capacity(N_SENDS);
    let collect = async {
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect).await.expect("all answered");
    assert_eq!(replies.len(), N_SENDS);
    for reply in &replies {
        assert_eq!(reply.data()["availableBalance"], "90.00");
        assert_eq!(reply.text, replies[0].text);
    }
    assert_balance(&sb, &account, "90.00").await;
    let admin = admin_account_as(&sb, &sb.server.admin_token, &account).await;
    assert_eq!(admin["n_entries"], 2, "the opening credit and one debit");
}

#[tokio::test]
async fn a_tenant_reset_forgets_accounts_and_tracking_ids_but_keeps_sessions() {
    let sb = Sandbox::start().await;
    let created = form(&sb, SESSION_CREATE, &format!("apiKey={}", api_key(&sb))).await;
    let session = created.data()["sessionUuid"].as_str().unwrap().to_string();
    let ids = json!({ "vendor_ids": { "accountUuid": "8e2d4f6a-1c3b-4d5e-9f70-a1b2c3d4e5f6" } });
    let account = open(&sb, "100.00", ids.clone()).await;
    let debit = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&\
         externalTranUuid=1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
        account.uuid
    );
    assert_eq!(form(&sb, ADJUST, &debit).await.data()["availableBalance"], "90.00");

    let resp = sb.admin(Method::POST, "/__admin/reset", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let read = format!("sessionUuid={session}&accountUuid={}", account.uuid);
    assert_refused(
        &form(&sb, BALANCE_GET, &read).await,
        200,
        "ACCOUNT_NOT_FOUND",
        Some("accountUuid"),
    );

    // The same identifiers may be opened again, and the tracking id posts afresh.
    let reopened = open(&sb, "50.00", ids).await;
    assert_eq!(reopened.uuid, account.uuid);
    assert_eq!(form(&sb, ADJUST, &debit).await.data()["availableBalance"], "40.00");
    assert_balance(&sb, &reopened, "40.00").await;
}

#[tokio::test]
async fn an_opening_balance_outside_the_limits_is_a_409_and_leaves_no_account() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account_uuid = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
    let body = json!({ "vendor": "pcaasa", "currency": "USD", "opening_balance": "100.00",
                       "limits": { "balance_max": "50.00" },
                       "vendor_ids": { "accountUuid": account_uuid } });
    let resp = sb.admin(Method::POST, "/__admin/accounts", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let json: Value = resp.json().await.unwrap();
    assert_eq!(json["error"], "account_not_opened");
    // The vendor never learnt the account's identifiers, and the ledger holds no account.
    let read = format!("sessionUuid={session}&accountUuid={account_uuid}");
    assert_refused(
        &form(&sb, BALANCE_GET, &read).await,
        200,
        "ACCOUNT_NOT_FOUND",
        Some("accountUuid"),
    );
    assert!(ledger_state(&sb).await.is_empty(), "a refused opening leaves nothing behind");

    // An opening balance is not a transfer: the per-transfer maximum does not apply to it.
    let body = json!({ "vendor": "pcaasa", "currency": "USD", "opening_balance": "100.00",
                       "limits": { "transfer_amount_max": "20.00" },
                       "vendor_ids": { "accountUuid": account_uuid } });
    let resp = sb.admin(Method::POST, "/__admin/accounts", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let accounts = ledger_state(&sb).await;
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["balances"]["available"], "100.00");
}
