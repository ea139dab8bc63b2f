//! AMLYZE end to end over real HTTP: the seed example as written, the customer → account →
//! balance flow, batches (saving and validate-only), duplicate `communicationNumber`s, every
//! error shape the server can be driven to (AMLYZE's rejections, Spring's 400/404/405/408/413/415
//! bodies, the 401), each with its status and an `X-Sandbank-Reason`; tenant isolation, snapshot
//! history, reset, and concurrent registrations.
//!
//! AMLYZE balances are snapshots, not postings: every test that registers one also checks the
//! ledger did not move. AMLYZE itself has no balance read; the snapshots are read through the
//! server's own handle on the vendor ([`history`]), which is what the admin account read shows
//! as `vendor_state`.

use std::collections::HashSet;
use std::time::Duration;

use ledger::{AccountId, TenantId};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::tenants::DEFAULT_TENANT;

use crate::common::Sandbox;

/// The default tenant's documented AMLYZE token.
const TOKEN: &str = "sandbank-amlyze-token";
pub(crate) const BALANCE: &str = "/amlyze-ws-rest/account-balance";
const BATCH: &str = "/amlyze-ws-rest/batch-account-balances";
const VALIDATE: &str = "/amlyze-ws-rest/validate-batch-account-balances";
const ACCOUNT: &str = "/amlyze-ws-rest/account";
const CUSTOMER: &str = "/amlyze-ws-rest/customer";
const JSON: &str = "application/json";
/// The seed example's account and (our choice of) its owner.
const SEED_ACCOUNT: &str = "ORG20231117550";
const SEED_OWNER: &str = "ORG2023111755";
/// The seed's `mandatory_fields` example, exactly as the OpenAPI page shows it (as JSON).
const SEED: &str = r#"{
  "communicationNumber": "COM217",
  "requester": "financial_institution",
  "balanceType": "STATEMENT_BALANCE",
  "accountExtId": "ORG20231117550",
  "businessUnit": "sandbox",
  "balanceAt": "2023-09-05T08:07:34.605Z",
  "value": 11111111111,
  "equivalentValue": 33333
}"#;
/// The whole body of every accepted single call.
const ACCEPTED: &str = r#"{"resultType":"REQUEST_ACCEPTED"}"#;
/// The 401 body.
const UNAUTHORIZED: &str = r#"{"error":{"code":"unauthorized"}}"#;
/// Where the tests freeze the default tenant's clock, and how Spring and the snapshots show it.
const FROZEN_AT: &str = "2026-03-01T12:34:56.789Z";
const SPRING_AT: &str = "2026-03-01T12:34:56.789+00:00";
const REGISTERED_AT: &str = "2026-03-01T12:34:56.789000Z";
/// Bound on any raw-socket exchange and on any group of parallel requests.
const EXCHANGE_MAX: Duration = Duration::from_secs(60);

/// One answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    reason: Option<String>,
    allow: Option<String>,
    trace_id: Option<String>,
    text: String,
    body: Value,
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
}

/// Asserts `{"resultType":"REQUEST_ACCEPTED"}` with 200 and no reason.
#[track_caller]
pub(crate) fn assert_accepted(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "{reply:#?}");
    assert_eq!(reply.text, ACCEPTED, "{reply:#?}");
    assert_eq!(reply.content_type.as_deref(), Some(JSON), "{reply:#?}");
    assert_eq!(reply.reason, None, "a success carries no reason: {reply:#?}");
}

/// Asserts AMLYZE's business rejection: 400, exactly the three documented keys, and `reason`.
#[track_caller]
pub(crate) fn assert_rejected(reply: &Reply, code: &str, description: &str, reason: &str) {
    let expected = format!(
        r#"{{"resultType":"REQUEST_REJECTED","errorCode":{},"errorDescription":{}}}"#,
        json!(code),
        json!(description)
    );
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:#?}");
    assert_eq!(reply.text, expected, "{reply:#?}");
    assert_eq!(reply.content_type.as_deref(), Some(JSON), "{reply:#?}");
    assert_eq!(reply.reason.as_deref(), Some(reason), "{reply:#?}");
}

/// Asserts Spring Boot's default error body for `status` on `path`, stamped `timestamp`, with
/// some reason.
#[track_caller]
fn assert_spring_at(reply: &Reply, status: StatusCode, path: &str, timestamp: &str) {
    let expected = format!(
        r#"{{"timestamp":"{timestamp}","status":{},"error":"{}","path":"{path}"}}"#,
        status.as_u16(),
        status.canonical_reason().unwrap()
    );
    assert_eq!(reply.status, status, "{reply:#?}");
    assert_eq!(reply.text, expected, "{reply:#?}");
    assert_eq!(reply.content_type.as_deref(), Some(JSON), "{reply:#?}");
    assert!(reply.reason.as_deref().is_some_and(|r| !r.is_empty()), "{reply:#?}");
}

/// [`assert_spring_at`] at the frozen clock.
#[track_caller]
fn assert_spring(reply: &Reply, status: StatusCode, path: &str) {
    assert_spring_at(reply, status, path, SPRING_AT);
}

/// Asserts the 401 with `reason`.
#[track_caller]
fn assert_unauthorized(reply: &Reply, reason: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:#?}");
    assert_eq!(reply.text, UNAUTHORIZED, "{reply:#?}");
    assert_eq!(reply.content_type.as_deref(), Some(JSON), "{reply:#?}");
    assert_eq!(reply.reason.as_deref(), Some(reason), "{reply:#?}");
}

/// One batch item's result as AMLYZE writes it (keys in its order).
#[derive(Debug, Clone, Default)]
struct Item {
    number: Option<String>,
    ext_id: Option<String>,
    unit: Option<String>,
    error: Option<(String, String)>,
}

impl Item {
    /// An item that names its number and account (accepted unless given an error).
    fn accepted(number: &str, ext_id: &str) -> Item {
        Item { number: Some(number.into()), ext_id: Some(ext_id.into()), ..Item::default() }
    }

    /// The item echoes the `businessUnit` it was sent with.
    fn unit(self, unit: &str) -> Item {
        Item { unit: Some(unit.into()), ..self }
    }

    /// The item was rejected with `code` and `description`.
    fn error(self, code: &str, description: &str) -> Item {
        Item { error: Some((code.into(), description.into())), ..self }
    }

    fn text(&self) -> String {
        let result = if self.error.is_some() { "REQUEST_REJECTED" } else { "REQUEST_ACCEPTED" };
        let mut out = format!(r#"{{"resultType":"{result}""#);
        for (key, value) in [
            ("communicationNumber", &self.number),
            ("accountExtId", &self.ext_id),
            ("businessUnit", &self.unit),
        ] {
            if let Some(value) = value {
                out.push_str(&format!(r#","{key}":{}"#, json!(value)));
            }
        }
        if let Some((code, description)) = &self.error {
            out.push_str(&format!(
                r#","errorCode":{},"errorDescription":{}"#,
                json!(code),
                json!(description)
            ));
        }
        out.push_str(r#","timeElapsedMs":0}"#);
        out
    }
}

/// A whole batch answer, exactly.
fn batch_text(items: &[Item]) -> String {
    let items: Vec<String> = items.iter().map(Item::text).collect();
    format!(r#"{{"results":[{}],"timeElapsedMs":0}}"#, items.join(","))
}

/// Sends one request with an optional `Authorization` value and `Content-Type`.
async fn send(
    sb: &Sandbox,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut req = sb.client.request(method, sb.url(path)).body(body);
    if let Some(authorization) = authorization {
        req = req.header(AUTHORIZATION, authorization);
    }
    if let Some(content_type) = content_type {
        req = req.header(CONTENT_TYPE, content_type);
    }
    Reply::read(req.send().await.unwrap()).await
}

/// A JSON call with the bearer `token`.
pub(crate) async fn call_as(
    sb: &Sandbox,
    token: &str,
    method: Method,
    path: &str,
    body: &str,
) -> Reply {
    send(sb, method, path, Some(&format!("Bearer {token}")), Some(JSON), body.to_string()).await
}

/// `PUT account-balance` with the default tenant's token and a raw JSON body.
async fn put_text(sb: &Sandbox, body: &str) -> Reply {
    call_as(sb, TOKEN, Method::PUT, BALANCE, body).await
}

/// `PUT account-balance` with the default tenant's token.
async fn put_balance(sb: &Sandbox, body: &Value) -> Reply {
    put_text(sb, &body.to_string()).await
}

/// A `POST` with the default tenant's token.
async fn post(sb: &Sandbox, path: &str, body: &Value) -> Reply {
    call_as(sb, TOKEN, Method::POST, path, &body.to_string()).await
}

/// A balance for the seed's account: `value` is JSON number text, kept exactly.
fn balance(number: &str, balance_type: Option<&str>, at: &str, value: &str) -> Value {
    let mut body = json!({
        "communicationNumber": number,
        "requester": "core",
        "accountExtId": SEED_ACCOUNT,
        "balanceAt": at,
        "value": number_text(value),
    });
    if let Some(balance_type) = balance_type {
        body["balanceType"] = json!(balance_type);
    }
    body
}

/// A JSON number from its text, digits as written.
fn number_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// `POST customer` body: an organisation.
fn customer(number: &str, ext_id: &str) -> Value {
    json!({
        "communicationNumber": number, "requester": "core", "customerExtId": ext_id,
        "entityType": "ORGANIZATION", "customerStatus": "ACTIVE", "sourceOfRiskLevel": "EVALUATE",
        "applicationDate": "2023-11-17T09:00:00Z", "title": "UAB Pavyzdys",
    })
}

/// `POST account` body, EUR.
fn account(number: &str, owner: &str, ext_id: &str, status: &str) -> Value {
    json!({
        "communicationNumber": number, "requester": "core", "businessEntityExtId": owner,
        "accountExtId": ext_id, "accountNumber": "LT601010012345678901",
        "accountStatus": status, "currencyCode": "EUR", "openingDate": "2023-11-17T10:00:00Z",
    })
}

/// Freezes the clock of the tenant of `admin_token` at [`FROZEN_AT`].
async fn freeze_as(sb: &Sandbox, admin_token: &str) {
    let body = json!({ "set": FROZEN_AT, "freeze": true });
    let resp = sb.admin_as(admin_token, Method::POST, "/__admin/clock", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn freeze(sb: &Sandbox) {
    freeze_as(sb, &sb.server.admin_token.clone()).await;
}

/// Opens the seed's account (EUR, 500.00) through the admin API; returns its ledger id.
async fn open_seed_account(sb: &Sandbox) -> String {
    let ids = json!({ "vendor_ids": { "accountExtId": SEED_ACCOUNT,
                                      "businessEntityExtId": SEED_OWNER } });
    let json = sb.open_account("amlyze", "EUR", "500.00", ids).await;
    assert_eq!(json["vendor"], "amlyze");
    assert_eq!(json["vendor_ids"]["accountExtId"], SEED_ACCOUNT);
    assert_eq!(json["vendor_ids"]["businessUnit"], "sandbox");
    json["id"].as_str().unwrap().to_string()
}

/// A frozen clock and the seed's account: the usual start.
async fn seeded() -> (Sandbox, String) {
    let sb = Sandbox::start().await;
    freeze(&sb).await;
    let id = open_seed_account(&sb).await;
    (sb, id)
}

/// `GET /__admin/accounts/{id}` as the tenant of `admin_token`: status and body.
async fn admin_account_as(sb: &Sandbox, admin_token: &str, id: &str) -> (StatusCode, Value) {
    let resp =
        sb.admin_as(admin_token, Method::GET, &format!("/__admin/accounts/{id}"), None).await;
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn admin_account(sb: &Sandbox, id: &str) -> Value {
    let (status, json) = admin_account_as(sb, &sb.server.admin_token.clone(), id).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    json
}

/// Every account of the tenant of `admin_token`, with what a posting would change.
async fn ledger_state_as(sb: &Sandbox, admin_token: &str) -> Vec<Value> {
    let resp = sb.admin_as(admin_token, Method::GET, "/__admin/accounts", None).await;
    let json: Value = resp.json().await.unwrap();
    json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            json!({ "id": a["id"], "status": a["status"], "balances": a["balances"],
                    "daily_usage": a["daily_usage"], "n_entries": a["n_entries"] })
        })
        .collect()
}

async fn ledger_state(sb: &Sandbox) -> Vec<Value> {
    ledger_state_as(sb, &sb.server.admin_token.clone()).await
}

/// The AMLYZE snapshots of ledger account `id` of `tenant`, read through the server's handle on
/// the vendor (`Vendor::inspect_account`, what the admin read is documented to show as
/// `vendor_state`); `None` when AMLYZE does not know the account.
pub(crate) fn history_of(sb: &Sandbox, tenant: TenantId, id: &str) -> Option<Value> {
    let amlyze = sb.server.app.vendors.iter().find(|v| v.name() == "amlyze").unwrap();
    amlyze.inspect_account(tenant, AccountId(uuid::Uuid::parse_str(id).unwrap()))
}

/// [`history_of`] for the default tenant, which must know the account.
fn history(sb: &Sandbox, id: &str) -> Value {
    history_of(sb, DEFAULT_TENANT, id).expect("amlyze knows the account")
}

/// One balance type's series (`None`: the untyped one) as `balanceAt=value` lines, in order.
fn series(history: &Value, balance_type: Option<&str>) -> Vec<String> {
    let wanted = balance_type.map_or(Value::Null, Value::from);
    history["balances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["balanceType"] == wanted)
        .flat_map(|s| s["snapshots"].as_array().unwrap().clone())
        .map(|s| format!("{}={}", s["balanceAt"].as_str().unwrap(), s["value"]))
        .collect()
}

/// How many snapshots the account holds over all balance types.
pub(crate) fn n_snapshots(history: &Value) -> usize {
    history["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshots"].as_array().unwrap().len())
        .sum()
}

/// A new tenant: its admin token, id and AMLYZE token.
async fn new_tenant(sb: &Sandbox) -> (String, TenantId, String) {
    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let json: Value = resp.json().await.unwrap();
    let id = TenantId(uuid::Uuid::parse_str(json["tenant_id"].as_str().unwrap()).unwrap());
    let token = json["credentials"]["amlyze"]["token"].as_str().unwrap().to_string();
    assert_eq!(json["credentials"]["amlyze"]["authorization"], format!("Bearer {token}"));
    (json["admin_token"].as_str().unwrap().to_string(), id, token)
}

/// The journal entry of `reply` in the journal of the tenant of `admin_token`, if any.
async fn journal_entry_as(sb: &Sandbox, admin_token: &str, reply: &Reply) -> Option<Value> {
    let resp = sb.admin_as(admin_token, Method::GET, "/__admin/requests?limit=1000", None).await;
    let json: Value = resp.json().await.unwrap();
    let trace = reply.trace_id.as_deref().expect("every answer has a trace id");
    json["requests"].as_array().unwrap().iter().find(|e| e["trace_id"] == trace).cloned()
}

/// Writes `request` on a fresh loopback connection and reads until the server closes it.
/// Write errors are ignored: the server may answer and close before the whole body is sent.
async fn raw_exchange(sb: &Sandbox, request: &[u8]) -> Reply {
    Reply::parse_raw(&crate::common::raw_exchange(sb, request).await)
}

/// Sends every body to `method path` at once (released together by a barrier) with the
/// default tenant's token, and returns the replies in completion order.
async fn in_parallel(sb: &Sandbox, method: Method, path: &str, bodies: Vec<String>) -> Vec<Reply> {
    let n = bodies.len();
    let url = sb.url(path);
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let (client, url, start) = (sb.client.clone(), url.clone(), start.clone());
        let method = method.clone();
        tasks.spawn(async move {
            start.wait().await;
            let resp = client
                .request(method, url)
                .bearer_auth(TOKEN)
                .header(CONTENT_TYPE, JSON)
                .body(body)
                .send()
                .await;
            Reply::read(resp.unwrap()).await
        });
    }
    let mut replies = Vec::with_capacity(n);
    let collect = async {
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.unwrap());
        }
    };
    tokio::time::timeout(EXCHANGE_MAX, collect).await.expect("all answered");
    assert_eq!(replies.len(), n);
    replies
}

#[tokio::test]
async fn the_seed_example_is_accepted_as_written_and_kept_as_a_snapshot_without_a_ledger_posting() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let entries_path = format!("/__admin/accounts/{id}/entries");
    let entries_before: Value =
        sb.admin(Method::GET, &entries_path, None).await.json().await.unwrap();
    assert_eq!(entries_before["entries"].as_array().unwrap().len(), 1, "the opening credit");

    let reply = put_text(&sb, SEED).await;
    assert_accepted(&reply);

    // No posting: the balance, the entries and the daily usage are as they were.
    assert_eq!(ledger_state(&sb).await, before);
    let entries_after: Value =
        sb.admin(Method::GET, &entries_path, None).await.json().await.unwrap();
    assert_eq!(entries_after, entries_before);
    let admin = admin_account(&sb, &id).await;
    assert_eq!(admin["balances"]["posted"], "500.00");
    assert_eq!(admin["balances"]["available"], "500.00");
    assert_eq!(admin["n_entries"], 1);

    let expected = json!({
        "businessUnit": "sandbox",
        "accountExtId": SEED_ACCOUNT,
        "accountNumber": admin["vendor_ids"]["accountNumber"],
        "businessEntityExtId": SEED_OWNER,
        "currencyCode": "EUR",
        "balances": [{
            "balanceType": "STATEMENT_BALANCE",
            "snapshots": [{
                "balanceAt": "2023-09-05T08:07:34.605Z",
                "value": number_text("11111111111"),
                "equivalentValue": number_text("33333"),
                "communicationNumber": "COM217",
                "requester": "financial_institution",
                "registeredAt": REGISTERED_AT,
            }],
        }],
    });
    assert_eq!(history(&sb, &id), expected);
    // The admin API's account read shows the same snapshots.
    let admin = admin_account(&sb, &id).await;
    assert_eq!(admin["vendor_state"], expected, "{admin}");

    // The journal shows the call as sent and answered.
    let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
    assert_eq!(entry["method"], "PUT");
    assert_eq!(entry["path"], BALANCE);
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["vendor"], "amlyze");
    assert_eq!(entry["operation"], "registerAccountBalance");
    assert_eq!(entry["reason"], Value::Null);
    assert_eq!(entry["request_body"], SEED);
    assert_eq!(entry["response_body"], ACCEPTED);
}

#[tokio::test]
async fn customer_then_account_then_balance_through_the_vendor_api_shows_in_the_admin_list() {
    let sb = Sandbox::start().await;
    freeze(&sb).await;
    assert_accepted(&post(&sb, CUSTOMER, &customer("FLOW-C1", SEED_OWNER)).await);
    assert_accepted(
        &post(&sb, ACCOUNT, &account("FLOW-A1", SEED_OWNER, SEED_ACCOUNT, "ACTIVE")).await,
    );
    assert_accepted(&put_text(&sb, SEED).await);
    let batch = json!({ "accountBalances": [
        balance("FLOW-B1", Some("DAILY_BALANCE"), "2023-09-06T00:00:00Z", "20.00"),
        balance("FLOW-B2", Some("DAILY_BALANCE"), "2023-09-07T00:00:00Z", "0"),
    ]});
    let reply = post(&sb, BATCH, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:#?}");
    let results = reply.body["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["resultType"] == "REQUEST_ACCEPTED"), "{reply:#?}");

    // The registered account is a zero-balance EUR ledger account labelled with its AMLYZE ids.
    let resp = sb.admin(Method::GET, "/__admin/accounts?vendor=amlyze", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let listed: Value = resp.json().await.unwrap();
    let accounts = listed["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{listed}");
    let listed = &accounts[0];
    assert_eq!(listed["vendor"], "amlyze");
    assert_eq!(listed["currency"], "EUR");
    assert_eq!(listed["status"], "active");
    assert_eq!(listed["balances"]["posted"], "0.00", "snapshots post nothing");
    assert_eq!(listed["n_entries"], 0);
    assert_eq!(
        listed["vendor_ids"],
        json!({ "accountExtId": SEED_ACCOUNT, "accountNumber": "LT601010012345678901",
                "businessEntityExtId": SEED_OWNER, "businessUnit": "sandbox" })
    );
    let other: Value =
        sb.admin(Method::GET, "/__admin/accounts?vendor=pcaasa", None).await.json().await.unwrap();
    assert_eq!(other["accounts"], json!([]), "the filter keeps other vendors' accounts out");

    let id = listed["id"].as_str().unwrap();
    let stored = history(&sb, id);
    assert_eq!(stored["accountNumber"], "LT601010012345678901");
    assert_eq!(stored["businessEntityExtId"], SEED_OWNER);
    assert_eq!(
        series(&stored, Some("DAILY_BALANCE")),
        ["2023-09-06T00:00:00Z=20.00", "2023-09-07T00:00:00Z=0"]
    );
    assert_eq!(
        series(&stored, Some("STATEMENT_BALANCE")),
        ["2023-09-05T08:07:34.605Z=11111111111"]
    );

    // The account's status is mirrored on the ledger account; a suspended account's balances
    // are still observations AMLYZE accepts.
    let mut update = account("FLOW-A2", SEED_OWNER, SEED_ACCOUNT, "SUSPENDED");
    update["action"] = json!("UPDATE");
    assert_accepted(&post(&sb, ACCOUNT, &update).await);
    assert_eq!(admin_account(&sb, id).await["status"], "frozen");
    assert_accepted(
        &put_balance(&sb, &balance("FLOW-B3", None, "2023-09-08T00:00:00Z", "-1.5")).await,
    );
    // AMLYZE keeps no status of its own: the ledger account's is the account's.
    assert_eq!(history(&sb, id).get("accountStatus"), None);
    let accounts = ledger_state(&sb).await;
    assert_eq!(accounts.len(), 1, "an update opens nothing");
    assert_eq!(accounts[0]["balances"]["posted"], "0.00");

    // An account whose owner was never registered is refused and opens nothing.
    let orphan = account("FLOW-A3", "NOBODY", "ORPHAN-1", "ACTIVE");
    assert_rejected(
        &post(&sb, ACCOUNT, &orphan).await,
        "404",
        "BusinessEntity with given extId does not exist in Amlyze",
        "field businessEntityExtId: no customer \"NOBODY\" in business unit \"sandbox\"",
    );
    assert_eq!(ledger_state(&sb).await.len(), 1);
}

#[tokio::test]
async fn a_batch_answers_each_item_on_its_own_and_stores_only_the_accepted_ones() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let batch = format!(
        r#"{{"accountBalances": [
  {{"communicationNumber": "BATCH-1", "requester": "core", "balanceType": "DAILY_BALANCE", "accountExtId": "{SEED_ACCOUNT}", "businessUnit": "sandbox", "balanceAt": "2024-01-01T00:00:00Z", "value": 10.5}},
  {{"communicationNumber": "BATCH-2", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00Z"}},
  {{"communicationNumber": "BATCH-3", "requester": "core", "accountExtId": "NO-SUCH-ACCOUNT", "balanceAt": "2024-01-01T00:00:00Z", "value": 1}},
  {{"communicationNumber": "BATCH-1", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-02T00:00:00Z", "value": 2}},
  null,
  {{"communicationNumber": "BATCH-6", "requester": "core", "balanceType": "WEEKLY", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00Z", "value": 1}},
  {SEED}
]}}"#
    );
    let reply = call_as(&sb, TOKEN, Method::POST, BATCH, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:#?}");
    assert_eq!(reply.reason, None, "a batch with rejected items is still a 200");
    let accepted = |number: &str| Item::accepted(number, SEED_ACCOUNT).unit("sandbox");
    let rejected = |number: &str, ext_id: &str, code: &str, description: &str| {
        Item::accepted(number, ext_id).error(code, description)
    };
    let expected = batch_text(&[
        accepted("BATCH-1"),
        rejected("BATCH-2", SEED_ACCOUNT, "O001", "Value is mandatory"),
        rejected(
            "BATCH-3",
            "NO-SUCH-ACCOUNT",
            "404",
            "Account with given extId does not exist in amlyze",
        ),
        rejected("BATCH-1", SEED_ACCOUNT, "O005", "CommunicationNumber already used in amlyze"),
        Item::default().error("O001", "AccountBalance is mandatory"),
        rejected("BATCH-6", SEED_ACCOUNT, "O001", "BalanceType does not exist in Amlyze"),
        accepted("COM217"),
    ]);
    assert_eq!(reply.text, expected, "the documented keys, in order");

    let history = history(&sb, &id);
    assert_eq!(series(&history, Some("DAILY_BALANCE")), ["2024-01-01T00:00:00Z=10.5"]);
    assert_eq!(
        series(&history, Some("STATEMENT_BALANCE")),
        ["2023-09-05T08:07:34.605Z=11111111111"]
    );
    assert_eq!(n_snapshots(&history), 2);
    assert_eq!(ledger_state(&sb).await, before, "a batch posts nothing");

    // An accepted item used its number up; a rejected one did not.
    assert_rejected(
        &put_balance(&sb, &balance("BATCH-1", None, "2024-01-03T00:00:00Z", "3")).await,
        "O005",
        "CommunicationNumber already used in amlyze",
        "field communicationNumber: \"BATCH-1\" was already used by an accepted request",
    );
    assert_accepted(
        &put_balance(&sb, &balance("BATCH-2", None, "2024-01-03T00:00:00Z", "3")).await,
    );

    // An empty batch is an empty answer; a batch without its list is AMLYZE's O001.
    let reply = post(&sb, BATCH, &json!({ "accountBalances": [] })).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, r#"{"results":[],"timeElapsedMs":0}"#);
    assert_rejected(
        &post(&sb, BATCH, &json!({})).await,
        "O001",
        "AccountBalances is mandatory",
        "field accountBalances: missing or null",
    );
    // More than 1 000 items is refused whole.
    let items: Vec<Value> =
        (0..=1000).map(|i| json!({ "communicationNumber": format!("BIG-{i}") })).collect();
    assert_rejected(
        &post(&sb, BATCH, &json!({ "accountBalances": items })).await,
        "O001",
        "Batch must not contain more than 1000 items",
        "field accountBalances: 1001 items, at most 1000",
    );
    assert_eq!(n_snapshots(&history_of(&sb, DEFAULT_TENANT, &id).unwrap()), 3);
}

#[tokio::test]
async fn a_validate_only_batch_answers_each_item_and_stores_nothing() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let item = |number: &str, at: &str| balance(number, Some("DAILY_BALANCE"), at, "1");
    let mut unnumbered = item("x", "2024-01-02T00:00:00Z");
    unnumbered.as_object_mut().unwrap().remove("communicationNumber");
    let batch = json!({ "accountBalances": [
        item("VAL-1", "2024-01-01T00:00:00Z"),
        item("VAL-1", "2024-01-02T00:00:00Z"),
        unnumbered,
        item("VAL-2", "2024-01-03T00:00:00Z"),
    ]});
    let expected = batch_text(&[
        Item::accepted("VAL-1", SEED_ACCOUNT),
        Item::accepted("VAL-1", SEED_ACCOUNT)
            .error("O005", "CommunicationNumber already used in amlyze"),
        Item { ext_id: Some(SEED_ACCOUNT.into()), ..Item::default() }
            .error("001", "CommunicationNumber is mandatory"),
        Item::accepted("VAL-2", SEED_ACCOUNT),
    ]);
    let first = post(&sb, VALIDATE, &batch).await;
    assert_eq!(first.status, StatusCode::OK, "{first:#?}");
    assert_eq!(first.text, expected);
    // Nothing stored and no number used up: validating again answers the same.
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    let again = post(&sb, VALIDATE, &batch).await;
    assert_eq!(again.text, first.text);
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    assert_eq!(ledger_state(&sb).await, before);

    // Saving the same batch stores the two accepted items; validation then reports VAL-1 used.
    let saved = post(&sb, BATCH, &batch).await;
    assert_eq!(saved.text, first.text, "saving answers as validating did");
    assert_eq!(
        series(&history(&sb, &id), Some("DAILY_BALANCE")),
        ["2024-01-01T00:00:00Z=1", "2024-01-03T00:00:00Z=1"]
    );
    let after =
        post(&sb, VALIDATE, &json!({ "accountBalances": [item("VAL-1", "2024-02-01T00:00:00Z")] }))
            .await;
    assert_eq!(after.body["results"][0]["errorCode"], "O005", "{after:#?}");
    assert_eq!(n_snapshots(&history(&sb, &id)), 2, "validation still stores nothing");
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_reused_communication_number_is_rejected_with_o005_and_keeps_the_first_snapshot() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    assert_accepted(&put_text(&sb, SEED).await);
    let stored = history(&sb, &id);

    // The same request again, and the same number with another balance: both O005.
    let reason = "field communicationNumber: \"COM217\" was already used by an accepted request";
    let used = "CommunicationNumber already used in amlyze";
    assert_rejected(&put_text(&sb, SEED).await, "O005", used, reason);
    let other = balance("COM217", Some("DAILY_BALANCE"), "2024-01-01T00:00:00Z", "2");
    assert_rejected(&put_balance(&sb, &other).await, "O005", used, reason);
    // Numbers are shared by every call: the account call says O005 too, the customer call O001
    // (as documented for it), and a batch item O005.
    assert_rejected(
        &post(&sb, ACCOUNT, &account("COM217", SEED_OWNER, "ORG-SECOND", "ACTIVE")).await,
        "O005",
        used,
        reason,
    );
    assert_rejected(
        &post(&sb, CUSTOMER, &customer("COM217", "ORG-OTHER")).await,
        "O001",
        used,
        reason,
    );
    let reply = post(&sb, BATCH, &json!({ "accountBalances": [other] })).await;
    assert_eq!(reply.body["results"][0]["errorCode"], "O005", "{reply:#?}");
    assert_eq!(reply.body["results"][0]["errorDescription"], used);

    assert_eq!(history(&sb, &id), stored, "the first snapshot alone");
    assert_eq!(ledger_state(&sb).await.len(), before.len(), "the account call opened nothing");
    assert_eq!(ledger_state(&sb).await, before);

    // A rejected request does not use its number up: a corrected retry may reuse it.
    let mut wrong = balance("RETRY-1", Some("AVAILABLE_BALANCE"), "2024-01-01T00:00:00Z", "10");
    assert_rejected(
        &put_balance(&sb, &wrong).await,
        "O001",
        "BalanceType does not exist in Amlyze",
        "field balanceType: \"AVAILABLE_BALANCE\" is not in the classifier (DAILY_BALANCE, \
         STATEMENT_BALANCE)",
    );
    wrong["balanceType"] = json!("DAILY_BALANCE");
    assert_accepted(&put_balance(&sb, &wrong).await);
    assert_eq!(series(&history(&sb, &id), Some("DAILY_BALANCE")), ["2024-01-01T00:00:00Z=10"]);
}

#[tokio::test]
async fn each_missing_or_invalid_field_is_rejected_in_order_with_its_documented_code() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let full = || balance("M-1", Some("DAILY_BALANCE"), "2024-01-01T00:00:00Z", "1");
    let without = |field: &str| {
        let mut body = full();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let with = |field: &str, value: Value| {
        let mut body = full();
        body[field] = value;
        body
    };
    let cases = [
        (
            without("communicationNumber"),
            "001",
            "CommunicationNumber is mandatory",
            "field communicationNumber: missing or blank",
        ),
        (
            with("communicationNumber", json!("  ")),
            "001",
            "CommunicationNumber is mandatory",
            "field communicationNumber: missing or blank",
        ),
        (
            without("requester"),
            "001",
            "Requester is mandatory",
            "field requester: missing or blank",
        ),
        (
            with("requester", json!("r".repeat(101))),
            "O001",
            "requester must not be longer than 100 characters",
            "field requester: longer than 100 characters",
        ),
        // The spec's own 400 example.
        (
            without("accountExtId"),
            "O001",
            "extId is mandatory",
            "field accountExtId: missing or blank",
        ),
        (
            with("businessUnit", json!("")),
            "O001",
            "Business unit is mandatory",
            "field businessUnit: blank",
        ),
        (
            without("balanceAt"),
            "O001",
            "BalanceAt is mandatory",
            "field balanceAt: missing or blank",
        ),
        (
            with("balanceAt", json!("")),
            "O001",
            "BalanceAt is mandatory",
            "field balanceAt: missing or blank",
        ),
        (without("value"), "O001", "Value is mandatory", "field value: missing or blank"),
        (with("value", Value::Null), "O001", "Value is mandatory", "field value: missing or blank"),
        (
            with("balanceType", json!("daily_balance")),
            "O001",
            "BalanceType does not exist in Amlyze",
            "field balanceType: \"daily_balance\" is not in the classifier (DAILY_BALANCE, \
          STATEMENT_BALANCE)",
        ),
        // Values beyond the documented bounds: the balance call's own `500` code, still a 400.
        (
            with("value", number_text("100000000000000000000")),
            "500",
            "failed processing account balance",
            "field value: beyond the balance store's range (|value| < 10^20, 28 digits)",
        ),
        (
            with("value", number_text("1.00000000000000000000000000001")),
            "500",
            "failed processing account balance",
            "field value: beyond the balance store's range (|value| < 10^20, 28 digits)",
        ),
        (
            with("equivalentValue", number_text("-1e25")),
            "500",
            "failed processing account balance",
            "field equivalentValue: beyond the balance store's range (|value| < 10^20, 28 digits)",
        ),
        // Everything missing: the first check in the documented order answers.
        (
            json!({}),
            "001",
            "CommunicationNumber is mandatory",
            "field communicationNumber: missing or blank",
        ),
        (
            json!({ "communicationNumber": "M-2" }),
            "001",
            "Requester is mandatory",
            "field requester: missing or blank",
        ),
        (
            json!({ "communicationNumber": "M-2", "requester": "core" }),
            "O001",
            "extId is mandatory",
            "field accountExtId: missing or blank",
        ),
    ];
    for (body, code, description, reason) in cases {
        let reply = put_balance(&sb, &body).await;
        assert_rejected(&reply, code, description, reason);
        let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
        assert_eq!(entry["status"], 400);
        assert_eq!(entry["operation"], "registerAccountBalance");
        assert_eq!(entry["reason"].as_str(), reply.reason.as_deref(), "journaled with its reason");
    }
    assert_eq!(history(&sb, &id)["balances"], json!([]), "nothing stored");
    assert_eq!(ledger_state(&sb).await, before);
    // No rejected request used its number up.
    assert_accepted(&put_balance(&sb, &full()).await);
}

#[tokio::test]
async fn a_balance_for_an_unknown_account_is_rejected_with_the_documented_404_code() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let description = "Account with given extId does not exist in amlyze";
    let mut unknown = balance("U-1", None, "2024-01-01T00:00:00Z", "1");
    unknown["accountExtId"] = json!("NO-SUCH-ACCOUNT");
    assert_rejected(
        &put_balance(&sb, &unknown).await,
        "404",
        description,
        "field accountExtId: no account \"NO-SUCH-ACCOUNT\" in business unit \"sandbox\"",
    );
    // The right id in another business unit is another (unknown) account.
    let mut elsewhere = balance("U-2", None, "2024-01-01T00:00:00Z", "1");
    elsewhere["businessUnit"] = json!("lt-branch");
    assert_rejected(
        &put_balance(&sb, &elsewhere).await,
        "404",
        description,
        "field accountExtId: no account \"ORG20231117550\" in business unit \"lt-branch\"",
    );
    // Ids are case-sensitive.
    let mut lower = balance("U-3", None, "2024-01-01T00:00:00Z", "1");
    lower["accountExtId"] = json!(SEED_ACCOUNT.to_ascii_lowercase());
    assert_rejected(
        &put_balance(&sb, &lower).await,
        "404",
        description,
        "field accountExtId: no account \"org20231117550\" in business unit \"sandbox\"",
    );
    // A used number is checked before the account.
    assert_accepted(&put_balance(&sb, &balance("U-4", None, "2024-01-01T00:00:00Z", "1")).await);
    let mut both = unknown.clone();
    both["communicationNumber"] = json!("U-4");
    assert_eq!(put_balance(&sb, &both).await.body["errorCode"], "O005");

    assert_eq!(n_snapshots(&history(&sb, &id)), 1);
    assert_eq!(ledger_state(&sb).await, before, "an unknown account is not opened");
}

#[tokio::test]
async fn unreadable_json_gets_springs_400_body_with_the_tenant_clock_and_stores_nothing() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let valid = |value: &str| {
        format!(
            r#"{{"communicationNumber": "U-1", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00Z", "value": {value}}}"#
        )
    };
    let with_at = |at: &str| {
        format!(
            r#"{{"communicationNumber": "U-1", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": {at}, "value": 1}}"#
        )
    };
    let bodies = [
        (r#"{"communicationNumber": "U-1", "requester": "core","#.to_string(), "EOF while parsing"),
        (String::new(), "body: required request body is missing"),
        ("  \r\n ".to_string(), "body: required request body is missing"),
        (r#"[{"communicationNumber": "U-1"}]"#.to_string(), "not a JSON object"),
        ("null".to_string(), "not a JSON object"),
        (valid(r#""abc""#), "invalid value: string \"abc\", expected a decimal number"),
        (valid("true"), "invalid type: boolean `true`, expected a decimal number"),
        (valid(r#"{"amount": 1}"#), "expected a decimal number"),
        (
            r#"{"communicationNumber": "U-1", "requester": {"name": "core"}}"#.to_string(),
            "invalid type: map, expected a string",
        ),
        (with_at(r#""yesterday""#), "expected an ISO 8601 date-time"),
        (with_at("1693901254"), "invalid type: number, expected an ISO 8601 date-time"),
        (with_at(r#""2023-02-29T00:00:00Z""#), "expected an ISO 8601 date-time"),
        (format!("{} trailing", valid("1")), "trailing characters"),
    ];
    for (body, reason) in bodies {
        let reply = put_text(&sb, &body).await;
        assert_spring(&reply, StatusCode::BAD_REQUEST, BALANCE);
        let given = reply.reason.as_deref().unwrap();
        assert!(given.starts_with("body: "), "{body}: {given}");
        assert!(given.contains(reason), "{body}: {given} should say {reason}");
    }
    // The batch calls answer with their own path.
    for (path, body) in [
        (BATCH, r#"{"accountBalances": ["#.to_string()),
        (BATCH, r#"{"accountBalances": {"communicationNumber": "X"}}"#.to_string()),
        (VALIDATE, format!(r#"{{"accountBalances": [{}, {}]}}"#, valid("1"), valid(r#""ten""#))),
    ] {
        let reply = call_as(&sb, TOKEN, Method::POST, path, &body).await;
        assert_spring(&reply, StatusCode::BAD_REQUEST, path);
        assert!(reply.reason.as_deref().unwrap().contains("BatchAccountBalancesRequestApi"));
    }
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    assert_eq!(ledger_state(&sb).await, before);
    // Jackson's coercions are accepted: a numeric communicationNumber and a numeric-string value.
    let coerced = format!(
        r#"{{"communicationNumber": 4242, "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00", "value": "100000.5665", "unknown": {{"ignored": true}}}}"#
    );
    assert_accepted(&put_text(&sb, &coerced).await);
    assert_eq!(series(&history(&sb, &id), None), ["2024-01-01T00:00:00=100000.5665"]);
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_springs_415_before_it_is_read() {
    let (sb, id) = seeded().await;
    let body = balance("CT-1", None, "2024-01-01T00:00:00Z", "1").to_string();
    let auth = format!("Bearer {TOKEN}");
    for (content_type, shown) in [
        (None, "none"),
        (Some("text/plain"), "text/plain"),
        (Some("application/xml"), "application/xml"),
        (Some("application/x-www-form-urlencoded"), "application/x-www-form-urlencoded"),
        (Some("text/json"), "text/json"),
        (Some("application/jsonx"), "application/jsonx"),
    ] {
        for (method, path) in
            [(Method::PUT, BALANCE), (Method::POST, BATCH), (Method::POST, ACCOUNT)]
        {
            let reply = send(&sb, method, path, Some(&auth), content_type, body.clone()).await;
            assert_spring(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE, path);
            let reason = format!("content type: expected application/json, got {shown}");
            assert_eq!(reply.reason.as_deref(), Some(reason.as_str()));
        }
    }
    // An unreadable body in another media type is still a 415, not a 400: the type comes first.
    let reply = send(&sb, Method::PUT, BALANCE, Some(&auth), Some("text/plain"), "not json").await;
    assert_spring(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE, BALANCE);
    assert_eq!(history(&sb, &id)["balances"], json!([]));

    // JSON with parameters, in any case, and `application/*+json` are JSON.
    for (number, at, content_type) in [
        ("CT-2", "2024-01-02T00:00:00Z", "application/json;charset=UTF-8"),
        ("CT-3", "2024-01-03T00:00:00Z", "Application/JSON"),
        ("CT-4", "2024-01-04T00:00:00Z", "application/vnd.amlyze+json; charset=utf-8"),
    ] {
        let body = balance(number, None, at, "1");
        let reply =
            send(&sb, Method::PUT, BALANCE, Some(&auth), Some(content_type), body.to_string())
                .await;
        assert_accepted(&reply);
    }
    assert_eq!(n_snapshots(&history(&sb, &id)), 3);
}

#[tokio::test]
async fn an_unknown_path_under_the_prefix_gets_springs_404_body() {
    let (sb, id) = seeded().await;
    let auth = format!("Bearer {TOKEN}");
    for (method, path, shown) in [
        // AMLYZE has no balance read.
        (Method::GET, "/amlyze-ws-rest/account-balances", "/amlyze-ws-rest/account-balances"),
        (Method::PUT, "/amlyze-ws-rest/acount-balance", "/amlyze-ws-rest/acount-balance"),
        (Method::PUT, "/amlyze-ws-rest/account-balance/", "/amlyze-ws-rest/account-balance/"),
        (Method::POST, "/amlyze-ws-rest/account-balance/1", "/amlyze-ws-rest/account-balance/1"),
        (
            Method::DELETE,
            "/amlyze-ws-rest/account/ORG20231117550",
            "/amlyze-ws-rest/account/ORG20231117550",
        ),
        (Method::PATCH, "/amlyze-ws-rest/customer/x/y", "/amlyze-ws-rest/customer/x/y"),
        (Method::GET, "/amlyze-ws-rest/nothing?page=1", "/amlyze-ws-rest/nothing"),
    ] {
        let body = balance("NF-1", None, "2024-01-01T00:00:00Z", "1").to_string();
        let reply = send(&sb, method.clone(), path, Some(&auth), Some(JSON), body).await;
        assert_spring(&reply, StatusCode::NOT_FOUND, shown);
        let reason = format!("route: no AMLYZE endpoint {shown}");
        assert_eq!(reply.reason.as_deref(), Some(reason.as_str()), "{method} {path}");
        assert_eq!(reply.allow, None, "{method} {path}");
        let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
        assert_eq!(entry["vendor"], "amlyze");
        assert_eq!(entry["operation"], "notFound");
        assert_eq!(entry["status"], 404);
    }
    assert_eq!(history(&sb, &id)["balances"], json!([]));

    // HEAD and OPTIONS, which the catch-all does not take, reach the 404 through the server's
    // method refusal.
    for method in [Method::HEAD, Method::OPTIONS] {
        let reply =
            send(&sb, method.clone(), "/amlyze-ws-rest/nothing", Some(&auth), None, "").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(
            reply.reason.as_deref(),
            Some("route: no AMLYZE endpoint /amlyze-ws-rest/nothing")
        );
        // Only a 405 names the allowed methods; Spring's 404 has no `Allow`.
        assert_eq!(reply.allow, None, "{method}");
    }

    // The prefix itself is not under it: no AMLYZE route matches, so sandbank's own 404 answers.
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/", Some(&auth), None, "").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["error"], "not_found", "{reply:#?}");
    assert_eq!(reply.reason.as_deref(), Some("route: no vendor serves GET /amlyze-ws-rest/"));
}

#[tokio::test]
async fn a_known_path_with_another_method_gets_springs_405_with_allow() {
    let (sb, id) = seeded().await;
    // One handled request first, so the refusal's clock is the tenant's (see the epoch test).
    assert_accepted(&put_balance(&sb, &balance("MNA-0", None, "2024-01-01T00:00:00Z", "1")).await);
    let auth = format!("Bearer {TOKEN}");
    let body = balance("MNA-1", None, "2024-01-02T00:00:00Z", "1").to_string();
    for (path, allow, methods) in [
        (BALANCE, "PUT", [Method::GET, Method::POST, Method::DELETE, Method::PATCH]),
        (BATCH, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
        (VALIDATE, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
        (ACCOUNT, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
        (CUSTOMER, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
    ] {
        for method in methods {
            let reply =
                send(&sb, method.clone(), path, Some(&auth), Some(JSON), body.clone()).await;
            assert_spring(&reply, StatusCode::METHOD_NOT_ALLOWED, path);
            assert_eq!(reply.allow.as_deref(), Some(allow), "{method} {path}");
            let reason = format!("route: {path} takes {allow}, not {method}");
            assert_eq!(reply.reason.as_deref(), Some(reason.as_str()));
            let entry =
                journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
            assert_eq!(entry["vendor"], "amlyze");
            assert_eq!(entry["status"], 405);
        }
    }
    // HEAD and OPTIONS, which no AMLYZE route takes, get the same 405.
    for method in [Method::HEAD, Method::OPTIONS] {
        let reply = send(&sb, method.clone(), BALANCE, Some(&auth), None, "").await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.allow.as_deref(), Some("PUT"), "{method}");
    }
    // Without a token, Spring Security answers first: a 401, not a 405.
    let reply = send(&sb, Method::GET, BALANCE, None, None, "").await;
    assert_unauthorized(&reply, "auth: no Authorization header");
    // An anonymous client learns nothing about the methods: no `Allow` on a 401.
    assert_eq!(reply.allow, None);
    assert_eq!(series(&history(&sb, &id), None), ["2024-01-01T00:00:00Z=1"]);
}

#[tokio::test]
async fn a_refusal_shows_the_time_last_seen_on_the_tenants_clock() {
    let sb = Sandbox::start().await;
    let auth = format!("Bearer {TOKEN}");
    // A refusal has no clock. Before AMLYZE saw any tenant's clock (no call handled, no account
    // opened since start) there is no time to show: the documented fallback is the epoch.
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    assert_spring_at(
        &reply,
        StatusCode::METHOD_NOT_ALLOWED,
        BALANCE,
        "1970-01-01T00:00:00.000+00:00",
    );

    // An admin account opening shows the tenant's clock, and so does a handled request.
    freeze(&sb).await;
    open_seed_account(&sb).await;
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    assert_spring(&reply, StatusCode::METHOD_NOT_ALLOWED, BALANCE);
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/x", Some(&auth), None, "").await;
    assert_spring(&reply, StatusCode::NOT_FOUND, "/amlyze-ws-rest/x");
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    assert_spring(&reply, StatusCode::METHOD_NOT_ALLOWED, BALANCE);

    // A tenant AMLYZE never saw gets the time last seen on any tenant's clock: the default
    // tenant's frozen virtual clock shows through to the new tenant.
    let (_, _, other_token) = new_tenant(&sb).await;
    let other_auth = format!("Bearer {other_token}");
    let reply = send(&sb, Method::GET, BALANCE, Some(&other_auth), None, "").await;
    assert_spring(&reply, StatusCode::METHOD_NOT_ALLOWED, BALANCE);

    // The clock moved on, then set back: a refusal shows the time last seen, not the latest.
    let later = json!({ "set": "2030-01-01T00:00:00Z", "freeze": true });
    assert_eq!(
        sb.admin(Method::POST, "/__admin/clock", Some(later)).await.status(),
        StatusCode::OK
    );
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/x", Some(&auth), None, "").await;
    let later_at = "2030-01-01T00:00:00.000+00:00";
    assert_spring_at(&reply, StatusCode::NOT_FOUND, "/amlyze-ws-rest/x", later_at);
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    assert_spring_at(&reply, StatusCode::METHOD_NOT_ALLOWED, BALANCE, later_at);
    freeze(&sb).await;
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/x", Some(&auth), None, "").await;
    assert_spring(&reply, StatusCode::NOT_FOUND, "/amlyze-ws-rest/x");
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    assert_spring(&reply, StatusCode::METHOD_NOT_ALLOWED, BALANCE);
    let reply = send(&sb, Method::GET, BALANCE, Some(&other_auth), None, "").await;
    assert_spring(&reply, StatusCode::METHOD_NOT_ALLOWED, BALANCE);
}

#[tokio::test]
async fn a_body_over_64_kib_gets_springs_413_and_stores_nothing() {
    let (sb, id) = seeded().await;
    // One handled request first, so the refusal's clock is the tenant's (see the epoch test).
    assert_accepted(&put_balance(&sb, &balance("BIG-0", None, "2024-01-01T00:00:00Z", "1")).await);
    let before = ledger_state(&sb).await;
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 65_536);
    // A valid balance padded with whitespace to `len` bytes.
    let padded = |number: &str, len: usize| {
        let body = balance(number, None, "2024-01-02T00:00:00Z", "2").to_string();
        let mut text = body[..body.len() - 1].to_string();
        text.push_str(&" ".repeat(len - body.len()));
        text.push('}');
        assert_eq!(text.len(), len);
        text
    };
    let auth = format!("Bearer {TOKEN}");

    let reply =
        send(&sb, Method::PUT, BALANCE, Some(&auth), Some(JSON), padded("BIG-1", limit + 1)).await;
    assert_spring(&reply, StatusCode::PAYLOAD_TOO_LARGE, BALANCE);
    assert_eq!(reply.reason.as_deref(), Some("body: larger than 65536 bytes"));
    let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
    assert_eq!(entry["status"], 413);
    assert_eq!(entry["vendor"], "amlyze");
    assert_eq!(entry["operation"], "registerAccountBalance");

    // Without a Content-Length (chunked), the limit still holds while reading.
    let body = padded("BIG-2", limit + 1);
    let request = format!(
        "POST {BATCH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\
         Content-Type: {JSON}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    assert_spring(&reply, StatusCode::PAYLOAD_TOO_LARGE, BATCH);

    // The size is checked before the token: an anonymous oversized body is a 413 too (unlike
    // a wrong method, where Spring Security's 401 comes first).
    let reply = send(&sb, Method::PUT, BALANCE, None, Some(JSON), padded("BIG-3", limit + 1)).await;
    assert_spring(&reply, StatusCode::PAYLOAD_TOO_LARGE, BALANCE);

    assert_eq!(n_snapshots(&history(&sb, &id)), 1, "nothing stored");
    assert_eq!(ledger_state(&sb).await, before);

    // Exactly 64 KiB is read and served; the refused numbers were not used up.
    assert_accepted(
        &send(&sb, Method::PUT, BALANCE, Some(&auth), Some(JSON), padded("BIG-1", limit)).await,
    );
    assert_eq!(
        series(&history(&sb, &id), None),
        ["2024-01-01T00:00:00Z=1", "2024-01-02T00:00:00Z=2"]
    );
}

#[tokio::test]
async fn a_body_not_sent_in_time_gets_springs_408() {
    let config = server::Config {
        body_read_timeout: Duration::from_millis(200),
        ..server::Config::default()
    };
    let server = server::testing::spawn_with(config).await.unwrap();
    let sb = Sandbox::with_server(server);
    freeze(&sb).await;
    let id = open_seed_account(&sb).await;
    assert_accepted(&put_balance(&sb, &balance("SLOW-0", None, "2024-01-01T00:00:00Z", "1")).await);
    let body = balance("SLOW-1", None, "2024-01-02T00:00:00Z", "2").to_string();
    // Announce one byte more than is sent, and keep the connection open.
    let request = format!(
        "PUT {BALANCE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: {JSON}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len() + 1
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    assert_spring(&reply, StatusCode::REQUEST_TIMEOUT, BALANCE);
    assert_eq!(reply.reason.as_deref(), Some("body: not received in time"));
    assert_eq!(n_snapshots(&history(&sb, &id)), 1, "nothing stored");
}

#[tokio::test]
async fn a_missing_or_wrong_bearer_token_is_a_401_before_anything_else() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let body = SEED.to_string();
    let pcaasa_key = sb.server.app.default_tenant().unwrap().credentials["pcaasa"]["apiKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sb.server.app.default_tenant().unwrap().credentials["amlyze"]["token"],
        TOKEN,
        "the documented default token"
    );
    let admin = format!("Bearer {}", sb.server.admin_token);
    let cases = [
        (None, "auth: no Authorization header"),
        (
            Some("Basic c2FuZGJhbms6c2FuZGJhbmstYW1seXplLXRva2Vu".to_string()),
            "auth: Authorization is not `Bearer <token>`",
        ),
        (Some("Bearer".to_string()), "auth: Authorization is not `Bearer <token>`"),
        (Some(TOKEN.to_string()), "auth: Authorization is not `Bearer <token>`"),
        (Some("Bearer not-a-token".to_string()), "auth: unknown bearer token"),
        (Some(format!("Bearer {}", TOKEN.to_ascii_uppercase())), "auth: unknown bearer token"),
        (Some(format!("Bearer {TOKEN}x")), "auth: unknown bearer token"),
        (Some(format!("Bearer {pcaasa_key}")), "auth: unknown bearer token"),
        (Some(admin), "auth: unknown bearer token"),
    ];
    for (authorization, reason) in &cases {
        let auth = authorization.as_deref();
        for (method, path, content_type) in [
            (Method::PUT, BALANCE, Some(JSON)),
            (Method::POST, BATCH, Some(JSON)),
            (Method::POST, VALIDATE, Some(JSON)),
            (Method::POST, ACCOUNT, Some(JSON)),
            (Method::POST, CUSTOMER, Some(JSON)),
            // Before the media type, the body and the route.
            (Method::PUT, BALANCE, Some("text/plain")),
            (Method::GET, "/amlyze-ws-rest/no-such-path", None),
        ] {
            let reply = send(&sb, method.clone(), path, auth, content_type, body.clone()).await;
            assert_unauthorized(&reply, reason);
        }
    }
    // An empty body with a bad token is also a 401, not Spring's 400.
    let reply = send(&sb, Method::PUT, BALANCE, Some("Bearer nope"), Some(JSON), "").await;
    assert_unauthorized(&reply, "auth: unknown bearer token");
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    assert_eq!(ledger_state(&sb).await, before);

    // The scheme is case-insensitive; the seed's number was not used up by the refusals.
    let reply =
        send(&sb, Method::PUT, BALANCE, Some(&format!("bearer {TOKEN}")), Some(JSON), body).await;
    assert_accepted(&reply);
    assert_eq!(n_snapshots(&history(&sb, &id)), 1);
}

#[tokio::test]
async fn another_tenant_cannot_register_a_balance_for_the_default_tenants_account() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let (other_admin, other_id, other_token) = new_tenant(&sb).await;
    assert_ne!(other_token, TOKEN);
    freeze_as(&sb, &other_admin).await;

    // The seed's call with the other tenant's token: exactly the unknown-account answer.
    let reply = call_as(&sb, &other_token, Method::PUT, BALANCE, SEED).await;
    assert_rejected(
        &reply,
        "404",
        "Account with given extId does not exist in amlyze",
        "field accountExtId: no account \"ORG20231117550\" in business unit \"sandbox\"",
    );
    let mut unknown: Value = serde_json::from_str(SEED).unwrap();
    unknown["communicationNumber"] = json!("COM218");
    unknown["accountExtId"] = json!("NO-SUCH-ACCOUNT");
    let never_existed =
        call_as(&sb, &other_token, Method::PUT, BALANCE, &unknown.to_string()).await;
    assert_eq!(never_existed.text, reply.text, "indistinguishable from an id nobody holds");
    // Neither in a batch nor in a validation.
    let batch = format!(r#"{{"accountBalances": [{SEED}]}}"#);
    for path in [BATCH, VALIDATE] {
        let reply = call_as(&sb, &other_token, Method::POST, path, &batch).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["results"][0]["errorCode"], "404", "{reply:#?}");
    }
    // Nor by linking the account to a customer of its own.
    assert_accepted(
        &call_as(
            &sb,
            &other_token,
            Method::POST,
            CUSTOMER,
            &customer("X-C1", SEED_OWNER).to_string(),
        )
        .await,
    );
    let mut claim = account("X-A1", SEED_OWNER, SEED_ACCOUNT, "CLOSED");
    claim["closingDate"] = json!("2024-01-01T00:00:00Z");
    assert_accepted(&call_as(&sb, &other_token, Method::POST, ACCOUNT, &claim.to_string()).await);

    // The default tenant's account is untouched, and the other tenant cannot read it.
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    assert_eq!(admin_account(&sb, &id).await["status"], "active");
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(history_of(&sb, other_id, &id), None);
    let (status, json) = admin_account_as(&sb, &other_admin, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
    // The other tenant's calls are in its own journal only.
    assert!(journal_entry_as(&sb, &other_admin, &never_existed).await.is_some());
    assert!(journal_entry_as(&sb, &sb.server.admin_token.clone(), &never_existed).await.is_none());

    // Its own ORG20231117550 (the closed one it registered) takes the seed, with the same
    // communicationNumber the default tenant may also use: numbers are per tenant.
    assert_accepted(&call_as(&sb, &other_token, Method::PUT, BALANCE, SEED).await);
    assert_accepted(&put_text(&sb, SEED).await);
    let theirs = ledger_state_as(&sb, &other_admin).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["status"], "closed");
    let their_id = theirs[0]["id"].as_str().unwrap();
    assert_ne!(their_id, id);
    assert_eq!(n_snapshots(&history_of(&sb, other_id, their_id).unwrap()), 1);
    assert_eq!(n_snapshots(&history(&sb, &id)), 1);
    assert_eq!(history_of(&sb, DEFAULT_TENANT, their_id), None);
}

#[tokio::test]
async fn snapshots_are_kept_per_balance_type_in_balance_at_order() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    for (number, balance_type, at, value) in [
        ("H1", Some("DAILY_BALANCE"), "2024-03-01T00:00:00Z", "300"),
        ("H2", Some("DAILY_BALANCE"), "2024-01-01T00:00:00Z", "100"),
        ("H3", Some("DAILY_BALANCE"), "2024-02-01T02:00:00+02:00", "200"),
        // 2024-02-01T00:00:00Z again, written differently: it replaces H3.
        ("H4", Some("DAILY_BALANCE"), "2024-02-01T00:00:00", "250"),
        ("H5", Some("STATEMENT_BALANCE"), "2024-02-15T00:00:00Z", "-5.25"),
        ("H6", Some("STATEMENT_BALANCE"), "2024-01-15T00:00:00.5Z", "0.00"),
        ("H7", None, "2024-01-01T00:00:00Z", "100000.5665"),
        ("H8", None, "2023-12-31T23:59:59.999Z", "1.5E3"),
    ] {
        assert_accepted(&put_balance(&sb, &balance(number, balance_type, at, value)).await);
    }
    // And in a batch, out of order.
    let batch = json!({ "accountBalances": [
        balance("H9", Some("DAILY_BALANCE"), "2024-04-01T00:00:00Z", "400"),
        balance("H10", Some("DAILY_BALANCE"), "2023-12-01T00:00:00Z", "50"),
    ]});
    assert_eq!(post(&sb, BATCH, &batch).await.status, StatusCode::OK);

    let history = history(&sb, &id);
    assert_eq!(
        series(&history, Some("DAILY_BALANCE")),
        [
            "2023-12-01T00:00:00Z=50",
            "2024-01-01T00:00:00Z=100",
            "2024-02-01T00:00:00=250",
            "2024-03-01T00:00:00Z=300",
            "2024-04-01T00:00:00Z=400",
        ]
    );
    assert_eq!(
        series(&history, Some("STATEMENT_BALANCE")),
        ["2024-01-15T00:00:00.5Z=0.00", "2024-02-15T00:00:00Z=-5.25"]
    );
    // Digits are kept as sent, exponent included.
    assert_eq!(
        series(&history, None),
        ["2023-12-31T23:59:59.999Z=1500", "2024-01-01T00:00:00Z=100000.5665"]
    );
    // Untyped first, then the classifier's order; each snapshot says who sent it and when.
    let types: Vec<&Value> =
        history["balances"].as_array().unwrap().iter().map(|s| &s["balanceType"]).collect();
    assert_eq!(types, [&Value::Null, &json!("DAILY_BALANCE"), &json!("STATEMENT_BALANCE")]);
    let replaced = &history["balances"][1]["snapshots"][2];
    assert_eq!(replaced["communicationNumber"], "H4");
    assert_eq!(replaced["requester"], "core");
    assert_eq!(replaced["registeredAt"], REGISTERED_AT);
    assert_eq!(n_snapshots(&history), 9, "ten accepted, one replaced");
    assert_eq!(ledger_state(&sb).await, before, "none of them posted");
}

#[tokio::test]
async fn a_reset_forgets_snapshots_accounts_and_communication_numbers_but_keeps_the_token() {
    let (sb, id) = seeded().await;
    assert_accepted(&put_text(&sb, SEED).await);
    assert_eq!(n_snapshots(&history(&sb, &id)), 1);

    let resp = sb.admin(Method::POST, "/__admin/reset", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(history_of(&sb, DEFAULT_TENANT, &id), None);
    let (status, _) = admin_account_as(&sb, &sb.server.admin_token.clone(), &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ledger_state(&sb).await.is_empty());

    // The token still works; the account is gone.
    assert_rejected(
        &put_text(&sb, SEED).await,
        "404",
        "Account with given extId does not exist in amlyze",
        "field accountExtId: no account \"ORG20231117550\" in business unit \"sandbox\"",
    );
    // Opened again, it starts with no snapshots and COM217 is free again.
    freeze(&sb).await;
    let reopened = open_seed_account(&sb).await;
    assert_ne!(reopened, id);
    assert_eq!(history(&sb, &reopened)["balances"], json!([]));
    assert_accepted(&put_text(&sb, SEED).await);
    assert_eq!(
        series(&history(&sb, &reopened), Some("STATEMENT_BALANCE")),
        ["2023-09-05T08:07:34.605Z=11111111111"]
    );
    // Customers are forgotten too: the seed's owner must be registered again for the account
    // call (the admin opening registered it again above, so use another one).
    assert_rejected(
        &post(&sb, ACCOUNT, &account("R-A1", "CUS-BEFORE-RESET", "ORG-R", "ACTIVE")).await,
        "404",
        "BusinessEntity with given extId does not exist in Amlyze",
        "field businessEntityExtId: no customer \"CUS-BEFORE-RESET\" in business unit \"sandbox\"",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_parallel_registrations_with_distinct_numbers_are_all_accepted_and_all_kept() {
    const N: usize = 32;
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let bodies: Vec<String> = (0..N)
        .map(|i| {
            let at = format!("2024-01-01T00:{i:02}:00Z");
            balance(&format!("PAR-{i}"), Some("DAILY_BALANCE"), &at, &format!("{i}.{i:02}"))
                .to_string()
        })
        .collect();
    let replies = in_parallel(&sb, Method::PUT, BALANCE, bodies).await;
    for reply in &replies {
        assert_accepted(reply);
    }
    let history = history(&sb, &id);
    let expected: Vec<String> =
        (0..N).map(|i| format!("2024-01-01T00:{i:02}:00Z={i}.{i:02}")).collect();
    assert_eq!(series(&history, Some("DAILY_BALANCE")), expected);
    let numbers: HashSet<&str> = history["balances"][0]["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["communicationNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), N);
    assert_eq!(ledger_state(&sb).await, before);
    // Every number is used now.
    let reply = put_balance(&sb, &balance("PAR-7", None, "2025-01-01T00:00:00Z", "1")).await;
    assert_eq!(reply.body["errorCode"], "O005");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_parallel_registrations_sharing_one_number_let_exactly_one_through() {
    const N: usize = 16;
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let bodies: Vec<String> = (0..N)
        .map(|i| {
            let at = format!("2024-02-{:02}T00:00:00Z", i + 1);
            balance("SHARED-1", Some("DAILY_BALANCE"), &at, &i.to_string()).to_string()
        })
        .collect();
    let replies = in_parallel(&sb, Method::PUT, BALANCE, bodies).await;
    let (accepted, rejected): (Vec<&Reply>, Vec<&Reply>) =
        replies.iter().partition(|r| r.status == StatusCode::OK);
    assert_eq!(accepted.len(), 1, "{replies:#?}");
    assert_accepted(accepted[0]);
    assert_eq!(rejected.len(), N - 1);
    for reply in rejected {
        assert_rejected(
            reply,
            "O005",
            "CommunicationNumber already used in amlyze",
            "field communicationNumber: \"SHARED-1\" was already used by an accepted request",
        );
    }
    let history = history(&sb, &id);
    assert_eq!(n_snapshots(&history), 1);
    assert_eq!(history["balances"][0]["snapshots"][0]["communicationNumber"], "SHARED-1");
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_registrations_of_one_account_id_open_one_ledger_account() {
    const N: usize = 16;
    let sb = Sandbox::start().await;
    assert_accepted(&post(&sb, CUSTOMER, &customer("PA-C", SEED_OWNER)).await);
    let bodies: Vec<String> = (0..N)
        .map(|i| account(&format!("PA-{i}"), SEED_OWNER, SEED_ACCOUNT, "ACTIVE").to_string())
        .collect();
    let replies = in_parallel(&sb, Method::POST, ACCOUNT, bodies).await;
    // The first creates the account, the others update it (CREATE and UPDATE both register).
    assert_eq!(replies.len(), N);
    for reply in &replies {
        assert_accepted(reply);
    }
    let accounts = ledger_state(&sb).await;
    assert_eq!(accounts.len(), 1, "{accounts:#?}");
    assert_accepted(&put_text(&sb, SEED).await);
    let id = accounts[0]["id"].as_str().unwrap();
    assert_eq!(n_snapshots(&history(&sb, id)), 1);
}

#[tokio::test]
async fn an_admin_status_change_is_what_amlyze_sees() {
    let (sb, id) = seeded().await;
    let set_status = |status: &'static str| {
        let sb = &sb;
        let id = &id;
        async move {
            let patch = json!({ "status": status });
            let resp =
                sb.admin(Method::PATCH, &format!("/__admin/accounts/{id}"), Some(patch)).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(admin_account(sb, id).await["status"], status);
        }
    };
    // Frozen by the admin is SUSPENDED to AMLYZE: registering the account ACTIVE unfreezes it.
    set_status("frozen").await;
    let mut activate = account("ST-0", SEED_OWNER, SEED_ACCOUNT, "ACTIVE");
    activate["action"] = json!("UPDATE");
    assert_accepted(&post(&sb, ACCOUNT, &activate).await);
    assert_eq!(admin_account(&sb, &id).await["status"], "active");

    // Closed by the admin is CLOSED to AMLYZE, which is final.
    set_status("closed").await;
    // A closed account's balance is still an observation AMLYZE takes.
    assert_accepted(&put_balance(&sb, &balance("ST-1", None, "2024-01-01T00:00:00Z", "0")).await);
    let mut suspend = account("ST-2", SEED_OWNER, SEED_ACCOUNT, "SUSPENDED");
    suspend["action"] = json!("UPDATE");
    assert_rejected(
        &post(&sb, ACCOUNT, &suspend).await,
        "O001",
        "CLOSED account cannot be reopened",
        "ledger: account status CLOSED -> SUSPENDED: account is closed",
    );
    assert_eq!(admin_account(&sb, &id).await["status"], "closed");
    // AMLYZE keeps no status of its own, so its view cannot disagree with the ledger's.
    let stored = history(&sb, &id);
    assert_eq!(stored.get("accountStatus"), None, "{stored}");
    assert_eq!(series(&stored, None), ["2024-01-01T00:00:00Z=0"]);
}
