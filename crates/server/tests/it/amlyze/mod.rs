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

mod auth;
mod errors;
mod writes;

use std::time::Duration;

use ledger::{AccountId, TenantId};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::tenants::DEFAULT_TENANT;

use crate::common::{Reply, Sandbox};

/// The default tenant's documented AMLYZE token.
pub(crate) const TOKEN: &str = "sandbank-amlyze-token";
pub(crate) const BALANCE: &str = "/amlyze-ws-rest/account-balance";
pub(crate) const BATCH: &str = "/amlyze-ws-rest/batch-account-balances";
const VALIDATE: &str = "/amlyze-ws-rest/validate-batch-account-balances";
pub(crate) const ACCOUNT: &str = "/amlyze-ws-rest/account";
pub(crate) const CUSTOMER: &str = "/amlyze-ws-rest/customer";
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

/// AMLYZE's answers as the tests expect them.
impl Reply {
    /// Asserts `{"resultType":"REQUEST_ACCEPTED"}` with 200 and no reason.
    #[track_caller]
    pub(crate) fn assert_amlyze_accepted(&self) {
        assert_eq!(self.status, StatusCode::OK, "{self:#?}");
        assert_eq!(self.text, ACCEPTED, "{self:#?}");
        assert_eq!(self.content_type.as_deref(), Some(JSON), "{self:#?}");
        assert_eq!(self.reason, None, "a success carries no reason: {self:#?}");
    }

    /// Asserts AMLYZE's business rejection: 400, exactly the three documented keys, and `reason`.
    #[track_caller]
    pub(crate) fn assert_amlyze_rejected(&self, code: &str, description: &str, reason: &str) {
        let expected = format!(
            r#"{{"resultType":"REQUEST_REJECTED","errorCode":{},"errorDescription":{}}}"#,
            json!(code),
            json!(description)
        );
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{self:#?}");
        assert_eq!(self.text, expected, "{self:#?}");
        assert_eq!(self.content_type.as_deref(), Some(JSON), "{self:#?}");
        assert_eq!(self.reason.as_deref(), Some(reason), "{self:#?}");
    }

    /// Asserts Spring Boot's default error body for `status` on `path`, stamped `timestamp`, with
    /// some reason.
    #[track_caller]
    fn assert_spring_at(&self, status: StatusCode, path: &str, timestamp: &str) {
        let expected = format!(
            r#"{{"timestamp":"{timestamp}","status":{},"error":"{}","path":"{path}"}}"#,
            status.as_u16(),
            status.canonical_reason().unwrap()
        );
        assert_eq!(self.status, status, "{self:#?}");
        assert_eq!(self.text, expected, "{self:#?}");
        assert_eq!(self.content_type.as_deref(), Some(JSON), "{self:#?}");
        assert!(self.reason.as_deref().is_some_and(|r| !r.is_empty()), "{self:#?}");
    }

    /// [`Reply::assert_spring_at`] at the frozen clock.
    #[track_caller]
    fn assert_spring(&self, status: StatusCode, path: &str) {
        self.assert_spring_at(status, path, SPRING_AT);
    }

    /// Asserts the 401 with `reason`.
    #[track_caller]
    fn assert_amlyze_unauthorized(&self, reason: &str) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{self:#?}");
        assert_eq!(self.text, UNAUTHORIZED, "{self:#?}");
        assert_eq!(self.content_type.as_deref(), Some(JSON), "{self:#?}");
        assert_eq!(self.reason.as_deref(), Some(reason), "{self:#?}");
    }
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
pub(crate) fn balance(number: &str, balance_type: Option<&str>, at: &str, value: &str) -> Value {
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
pub(crate) fn customer(number: &str, ext_id: &str) -> Value {
    json!({
        "communicationNumber": number, "requester": "core", "customerExtId": ext_id,
        "entityType": "ORGANIZATION", "customerStatus": "ACTIVE", "sourceOfRiskLevel": "EVALUATE",
        "applicationDate": "2023-11-17T09:00:00Z", "title": "UAB Pavyzdys",
    })
}

/// `POST account` body, EUR.
pub(crate) fn account(number: &str, owner: &str, ext_id: &str, status: &str) -> Value {
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
pub(crate) async fn new_tenant(sb: &Sandbox) -> (String, TenantId, String) {
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
