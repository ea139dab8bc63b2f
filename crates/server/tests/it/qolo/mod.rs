//! Qolo end to end over real HTTP: login and AdjustBalance with the account after the change
//! (checked against the admin API and Qolo's own reads), the seed's request as written, every
//! read route, bearer tokens on the tenant's clock, tenant isolation, unsupported versions,
//! every ProblemDetails the mock can be driven to (with its content type, an
//! `X-Sandbank-Reason`, moving nothing), the ledger's limits, the `IdempotencyKey` header,
//! suspense clearing on the tenant's clock, the request journal and concurrent debits.
//!
//! This file holds the shared constants and helpers; the tests are in the topic files.

mod auth;
mod errors;
mod limits;
mod reads;
mod writes;

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::{Reply, Sandbox};

/// The default tenant's well-known Qolo credentials and program.
const LOGIN_ID: &str = "sandbank-qolo-login";
const API_KEY: &str = "sandbank-qolo-key";
const PROGRAM_GUID: &str = "5a4db0c1-7e57-4a00-9f00-000000000001";
const LOGIN: &str = "/api/v1/auth/login";
pub(crate) const ADJUST: &str = "/api/v1/accounts/AdjustBalance";
/// What requests send.
const APPLICATION_JSON: &str = "application/json";
/// What Qolo answers a success with (ASP.NET's default).
const JSON: &str = "application/json; charset=utf-8";
/// What Qolo answers an error with.
const PROBLEM_JSON: &str = "application/problem+json; charset=utf-8";
const VALIDATION_TITLE: &str = "One or more validation errors occurred.";
/// A well-formed guid nobody was ever issued.
const NEVER_ISSUED: &str = "00000000-0000-4000-8000-000000000000";
/// The seed's own account and wallet guids.
const SEED_ACCOUNT_GUID: &str = "d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76";
const SEED_WALLET_GUID: &str = "17eaeda9-c0ab-4ac3-8ef9-27ac9b388a03";
/// The seed's request sample (`adjust_balance_seed_example.http`), byte for byte: a valid
/// request_code, a real amount and USD in place of the sample's placeholders.
const SEED_BODY: &str = r#"{
  "client_reference_id": "string",
  "request_code": "AT-WIRE_IN",
  "amount": 1250.50,
  "currency": "USD",
  "description": "string",
  "memo_code": "string",
  "account_guid": "d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76",
  "wire_date": "2019-08-24T14:15:22Z",
  "card_proxy": "string",
  "account": {
    "account_guid": "d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76",
    "wallet_guid": "17eaeda9-c0ab-4ac3-8ef9-27ac9b388a03",
    "account_type": "string",
    "account_name": "string",
    "account_currency": "str",
    "available_balance": 0,
    "ledger_balance": 0,
    "suspense_balance": 0,
    "starting_balance_date": "2019-08-24T14:15:22Z",
    "starting_balance_amount": 0,
    "last_credit_date": "2019-08-24T14:15:22Z",
    "last_credit_amount": 0,
    "first_debit_date": "2019-08-24T14:15:22Z",
    "first_debit_amount": 0,
    "last_debit_date": "2019-08-24T14:15:22Z",
    "last_debit_amount": 0,
    "account_status": "string",
    "account_status_date": "2019-08-24T14:15:22Z",
    "holder_account_status": "string",
    "holder_account_status_date": "2019-08-24T14:15:22Z",
    "sys_utcinserted": "2019-08-24T14:15:22Z",
    "sys_utcupdated": "2019-08-24T14:15:22Z",
    "last_txn_guid": "100ead98-12b5-4d05-9c0c-900006fc8694",
    "interest_rate_strategy": "string"
  },
  "user_guid": "2c9a19c5-ac85-4da0-8708-2b80265927da",
  "source_code": "string"
}"#;
/// A Monday morning the tests freeze the tenant's clock at.
const MONDAY_10AM: &str = "2026-03-02T10:00:00Z";
/// Bound on waiting for a batch of parallel answers.
const ANSWERS_WAIT_MAX: Duration = Duration::from_secs(60);

impl Reply {
    /// The body of a 2xx answer in Qolo's JSON, after checking status and headers.
    #[track_caller]
    fn ok(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "{self:#?}");
        assert_eq!(self.content_type.as_deref(), Some(JSON), "{self:#?}");
        assert_eq!(self.reason, None, "a success carries no reason: {self:#?}");
        &self.body
    }

    /// Whether the body's W3C `traceId` carries the server's `X-Sandbank-Trace-Id`.
    fn trace_matches(&self) -> bool {
        let (Some(header), Some(trace)) = (&self.trace_id, self.body["traceId"].as_str()) else {
            return false;
        };
        trace.get(3..35) == Some(header.replace('-', "").as_str())
    }
}

/// Asserts an RFC 7807 answer as ASP.NET writes it: the status, `application/problem+json`,
/// `type`/`title`/`status`/`instance`/`traceId`, and an `X-Sandbank-Reason`.
#[track_caller]
fn assert_problem(reply: &Reply, status: u16, instance: &str) {
    assert_eq!(reply.status.as_u16(), status, "{reply:#?}");
    assert_eq!(reply.content_type.as_deref(), Some(PROBLEM_JSON), "{reply:#?}");
    let body = &reply.body;
    assert_eq!(body["status"], status, "{reply:#?}");
    let kind = body["type"].as_str().expect("type is a string");
    assert!(kind.starts_with("https://tools.ietf.org/html/rfc72"), "{reply:#?}");
    assert!(!body["title"].as_str().expect("title is a string").is_empty(), "{reply:#?}");
    assert_eq!(body["instance"], instance, "{reply:#?}");
    let trace = body["traceId"].as_str().expect("traceId is a string");
    let parts: Vec<&str> = trace.split('-').collect();
    assert_eq!(parts.len(), 4, "{trace}");
    assert_eq!(
        (parts[0], parts[1].len(), parts[2].len(), parts[3]),
        ("00", 32, 16, "00"),
        "{trace}"
    );
    let reason = reply.reason.as_deref().expect("an X-Sandbank-Reason header");
    assert!(!reason.is_empty(), "{reply:#?}");
    // Answers Qolo's code gives carry the server's trace id; refusals made before it ran (405,
    // 413) do not (see `a_refusal_before_the_handler_carries_a_trace_id_the_server_never_used`).
    if !matches!(status, 405 | 408 | 413) {
        assert!(reply.trace_matches(), "traceId carries the server's trace id: {reply:#?}");
    }
}

/// Asserts a `ProblemDetails` with this `detail`.
#[track_caller]
fn assert_detail(reply: &Reply, status: u16, instance: &str, detail: &str) {
    assert_problem(reply, status, instance);
    assert_eq!(reply.body["detail"], detail, "{reply:#?}");
    assert!(reply.body.get("errors").is_none(), "{reply:#?}");
}

/// Asserts a `ValidationProblemDetails` on AdjustBalance whose `errors` name exactly `fields`.
#[track_caller]
fn assert_invalid(reply: &Reply, fields: &[&str]) {
    assert_invalid_at(reply, ADJUST, fields);
}

#[track_caller]
fn assert_invalid_at(reply: &Reply, instance: &str, fields: &[&str]) {
    assert_problem(reply, 400, instance);
    assert_eq!(reply.body["title"], VALIDATION_TITLE, "{reply:#?}");
    assert!(reply.body.get("detail").is_none(), "{reply:#?}");
    let errors = reply.body["errors"].as_object().expect("errors is an object");
    let named: HashSet<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(named, fields.iter().copied().collect(), "{reply:#?}");
    for messages in errors.values() {
        let messages = messages.as_array().expect("each field has a list of messages");
        assert!(!messages.is_empty());
        assert!(messages.iter().all(|m| !m.as_str().unwrap_or_default().is_empty()));
    }
    let reason = reply.reason.as_deref().unwrap();
    assert!(reason.starts_with("field ") || reason.starts_with("body: "), "{reason}");
}

/// A JSON number with exactly this text (serde_json keeps it: `arbitrary_precision`).
fn num(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A JSON value's wire text (a number's exact digits).
fn text(value: &Value) -> String {
    value.to_string()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// A money value of either API: a JSON number (Qolo) or a decimal string (admin).
fn money(value: &Value) -> Decimal {
    match value {
        Value::String(text) => dec(text),
        Value::Number(number) => dec(&number.to_string()),
        other => panic!("not money: {other}"),
    }
}

/// Sends one request.
async fn send(
    sb: &Sandbox,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut req = sb.client.request(method, sb.url(path)).body(body);
    if let Some(token) = token {
        req = req.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    Reply::read(req.send().await.unwrap()).await
}

/// `GET path` with a bearer token.
pub(crate) async fn get(sb: &Sandbox, token: &str, path: &str) -> Reply {
    send(sb, Method::GET, path, Some(token), &[], "").await
}

/// AdjustBalance with a JSON body.
pub(crate) async fn adjust(sb: &Sandbox, token: &str, body: &Value) -> Reply {
    send(
        sb,
        Method::POST,
        ADJUST,
        Some(token),
        &[("content-type", APPLICATION_JSON)],
        body.to_string(),
    )
    .await
}

/// AdjustBalance with an `IdempotencyKey`.
pub(crate) async fn adjust_keyed(sb: &Sandbox, token: &str, key: &str, body: &Value) -> Reply {
    let headers = [("content-type", APPLICATION_JSON), ("IdempotencyKey", key)];
    send(sb, Method::POST, ADJUST, Some(token), &headers, body.to_string()).await
}

/// AdjustBalance with raw bytes and an optional content type.
async fn adjust_raw(
    sb: &Sandbox,
    token: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let headers: Vec<(&str, &str)> =
        content_type.map(|ct| ("content-type", ct)).into_iter().collect();
    send(sb, Method::POST, ADJUST, Some(token), &headers, body).await
}

/// A USD adjustment of `amount` (exact text) by `code` on `guid`.
pub(crate) fn adjustment(guid: &str, code: &str, amount: &str) -> Value {
    json!({ "account_guid": guid, "request_code": code, "amount": num(amount), "currency": "USD" })
}

/// `POST /api/v1/auth/login` with these credentials.
async fn login_reply(sb: &Sandbox, login_id: &str, api_key: &str) -> Reply {
    let body = json!({ "login_id": login_id, "api_key": api_key });
    send(sb, Method::POST, LOGIN, None, &[("content-type", APPLICATION_JSON)], body.to_string())
        .await
}

/// A fresh bearer token for these credentials.
pub(crate) async fn login_as(sb: &Sandbox, login_id: &str, api_key: &str) -> String {
    let reply = login_reply(sb, login_id, api_key).await;
    reply.ok(StatusCode::OK)["access_token"].as_str().unwrap().to_string()
}

/// A fresh bearer token of the default tenant.
pub(crate) async fn login(sb: &Sandbox) -> String {
    login_as(sb, LOGIN_ID, API_KEY).await
}

/// A Qolo account as the admin API opened it.
#[derive(Debug, Clone)]
struct Account {
    /// The ledger id (`/__admin/accounts/{id}`).
    id: String,
    guid: String,
    wallet_guid: String,
    wallet_id: String,
    person_guid: String,
    program_guid: String,
    card_proxy: String,
}

impl Account {
    fn of(json: &Value) -> Account {
        let id = |name: &str| json["vendor_ids"][name].as_str().unwrap().to_string();
        Account {
            id: json["id"].as_str().unwrap().to_string(),
            guid: id("account_guid"),
            wallet_guid: id("wallet_guid"),
            wallet_id: id("wallet_id"),
            person_guid: id("person_guid"),
            program_guid: id("program_guid"),
            card_proxy: id("card_proxy"),
        }
    }

    fn path(&self) -> String {
        format!("/api/v1/accounts/{}", self.guid)
    }
}

/// Opens a Qolo account for the default tenant; `extra` adds `limits` or `vendor_ids`.
async fn open(sb: &Sandbox, currency: &str, opening: &str, extra: Value) -> Account {
    Account::of(&sb.open_account("qolo", currency, opening, extra).await)
}

/// Opens a USD Qolo account for the tenant of `admin_token`.
async fn open_as(sb: &Sandbox, admin_token: &str, opening: &str) -> Account {
    let body = json!({ "vendor": "qolo", "currency": "USD", "opening_balance": opening });
    let resp = sb.admin_as(admin_token, Method::POST, "/__admin/accounts", Some(body)).await;
    let status = resp.status();
    let json: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{json}");
    Account::of(&json)
}

/// `GET /__admin/accounts/{id}` (default tenant).
async fn admin_account(sb: &Sandbox, account: &Account) -> Value {
    let resp = sb.admin(Method::GET, &format!("/__admin/accounts/{}", account.id), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// The account's ledger history, newest first.
async fn entries_newest_first(sb: &Sandbox, account: &Account) -> Vec<Value> {
    let path = format!("/__admin/accounts/{}/entries?order=newest", account.id);
    let json: Value = sb.admin(Method::GET, &path, None).await.json().await.unwrap();
    json["entries"].as_array().unwrap().clone()
}

/// Asserts that Qolo's read shows ledger = available = `expected` with nothing in suspense,
/// and that the admin API shows posted = available = `expected`.
async fn assert_balance(sb: &Sandbox, token: &str, account: &Account, expected: &str) {
    let want = dec(expected);
    let read = get(sb, token, &account.path()).await;
    let body = read.ok(StatusCode::OK);
    let seen = (
        money(&body["ledger_balance"]),
        money(&body["available_balance"]),
        money(&body["suspense_balance"]),
    );
    assert_eq!(seen, (want, want, Decimal::ZERO), "GET /api/v1/accounts/{{guid}}");
    let admin = admin_account(sb, account).await;
    let seen = (money(&admin["balances"]["posted"]), money(&admin["balances"]["available"]));
    assert_eq!(seen, (want, want), "GET /__admin/accounts/{{id}}");
}

/// Every account of the default tenant: id, balances, daily usage and number of entries.
async fn ledger_state(sb: &Sandbox) -> Vec<Value> {
    let resp = sb.admin(Method::GET, "/__admin/accounts", None).await;
    let json: Value = resp.json().await.unwrap();
    json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            json!({ "id": a["id"], "balances": a["balances"], "daily_usage": a["daily_usage"],
                    "n_entries": a["n_entries"] })
        })
        .collect()
}

/// Sets an account's status through the admin API.
async fn set_status(sb: &Sandbox, account: &Account, status: &str) {
    let path = format!("/__admin/accounts/{}", account.id);
    let resp = sb.admin(Method::PATCH, &path, Some(json!({ "status": status }))).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Changes the default tenant's clock through the admin API.
async fn clock(sb: &Sandbox, body: Value) {
    let resp = sb.admin(Method::POST, "/__admin/clock", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn freeze_at(sb: &Sandbox, at: &str) {
    clock(sb, json!({ "set": at, "freeze": true })).await;
}

async fn advance(sb: &Sandbox, by: &str) {
    clock(sb, json!({ "advance": by })).await;
}

/// Writes `request` on a fresh loopback connection and reads until the server closes it.
/// Write errors are ignored: the server may answer and close before the whole body is sent.
async fn raw_exchange(sb: &Sandbox, request: &[u8]) -> Reply {
    Reply::parse_raw(&crate::common::raw_exchange(sb, request).await)
}

/// Sends `n` copies of one AdjustBalance at once (released together by a barrier) and
/// collects every answer within [`ANSWERS_WAIT_MAX`].
async fn parallel_adjustments(
    sb: &Sandbox,
    token: &str,
    key: Option<&str>,
    body: &Value,
    n: usize,
) -> Vec<Reply> {
    let start = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let client = sb.client.clone();
        let (url, body, start) = (sb.url(ADJUST), body.to_string(), start.clone());
        let (token, key) = (token.to_string(), key.map(str::to_string));
        tasks.spawn(async move {
            start.wait().await;
            let mut req = client
                .post(url)
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .header(CONTENT_TYPE, APPLICATION_JSON)
                .body(body);
            if let Some(key) = key {
                req = req.header("IdempotencyKey", key);
            }
            Reply::read(req.send().await.unwrap()).await
        });
    }
    let mut replies = Vec::with_capacity(n);
    let collect = async {
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.unwrap());
        }
    };
    tokio::time::timeout(ANSWERS_WAIT_MAX, collect).await.expect("all answered");
    assert_eq!(replies.len(), n);
    replies
}
