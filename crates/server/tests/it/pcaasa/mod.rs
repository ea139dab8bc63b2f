//! PCaaSA end to end over real HTTP: the seed example as written, every call's happy path,
//! sessions on the tenant's virtual clock, every error code the mock can be driven to (in the
//! vendor's envelope, with its status and an `X-Sandbank-Reason`, moving nothing), the ledger's
//! limits, idempotent replays, the request journal, tenant isolation and concurrent debits.
//!
//! This file holds the helpers every topic shares; the tests are in `writes.rs` (adjustments,
//! limits, idempotency, concurrency), `reads.rs` (balance reads), `auth.rs` (sessions and
//! tenants) and `errors.rs` (every refusal of a request the mock cannot process).

mod auth;
mod errors;
mod reads;
mod writes;

use std::collections::HashSet;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Reply, Sandbox};

pub(crate) const ADJUST: &str = "account-balance-adjust-v1";
pub(crate) const BALANCE_GET: &str = "account-balance-get-v1";
pub(crate) const SESSION_CREATE: &str = "session-create-v1";
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

impl Reply {
    /// `data` of a success envelope, after checking the envelope.
    #[track_caller]
    fn pcaasa_data(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{self:#?}");
        assert_eq!(self.body["status"], "success", "{self:#?}");
        assert!(self.body["errors"].is_null(), "{self:#?}");
        assert_eq!(self.reason, None, "a success carries no reason: {self:#?}");
        &self.body["data"]
    }

    fn pcaasa_code(&self) -> &str {
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
pub(crate) fn standing_session(sb: &Sandbox) -> String {
    let tenant = sb.server.app.default_tenant().unwrap();
    tenant.credentials["pcaasa"]["sessionUuid"].as_str().unwrap().to_string()
}

/// The default tenant's pcaasa API key.
pub(crate) fn api_key(sb: &Sandbox) -> String {
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
    let data = reply.pcaasa_data();
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
