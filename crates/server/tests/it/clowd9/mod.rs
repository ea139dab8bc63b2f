//! Clowd9 end to end over real HTTP: login and tokens on the tenant clock, every route's happy
//! path, the seed's Update Account Balance moving real money, limits, bad input, idempotent
//! replay, tenant isolation, and money that stays exact under concurrent load.

mod auth;
mod concurrency;
mod errors;
mod happy_path;
mod writes;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::common::{Reply, Sandbox, raw_exchange};

/// The default tenant's well-known test-mode credentials.
const KEY: &str = "sandbank-clowd9-key";
const SECRET: &str = "sandbank-clowd9-secret";

/// The seed's call.
pub(crate) const UPDATE: &str = "/v1/accounts/balance";

/// How long any one concurrent phase may take before the test fails instead of hanging.
const PHASE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long any one request may take, connecting to reading the whole answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A sandbox whose client (admin helpers included) gives up on any request after
/// [`REQUEST_TIMEOUT`], so no test can hang.
async fn start() -> Sandbox {
    let server = server::testing::spawn().await.unwrap();
    let mut sb = Sandbox::with_server(server);
    sb.client = Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap();
    sb
}

/// Reads an answer whole; every Clowd9 answer is JSON.
async fn read(resp: reqwest::Response) -> Reply {
    let reply = Reply::read(resp).await;
    assert!(!reply.body.is_null(), "{}: body is not JSON: {}", reply.status, reply.text);
    reply
}

/// Clowd9's assertions on an answer.
impl Reply {
    /// `X-Sandbank-Reason`, which every non-2xx answer carries.
    fn reason_line(&self) -> &str {
        self.reason
            .as_deref()
            .unwrap_or_else(|| panic!("{} without x-sandbank-reason: {}", self.status, self.body))
    }

    /// `X-Sandbank-Trace-Id`, which every answer carries.
    fn trace_header(&self) -> &str {
        self.trace_id.as_deref().unwrap_or_else(|| panic!("no x-sandbank-trace-id: {}", self.body))
    }

    /// Asserts the seed's unsuccessful body, exactly `{account_id, reason, trace_id}`, with the
    /// trace id of this request (dashed, as the seed shows).
    fn assert_seed_failure(&self, account_id: &str, reason: &str) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{}", self.body);
        assert_eq!(
            self.body,
            json!({ "account_id": account_id, "reason": reason, "trace_id": self.trace_header() }),
        );
        assert!(!self.reason_line().is_empty());
    }

    /// Asserts Clowd9's `rpcStatus` body.
    fn assert_rpc_status(&self, status: StatusCode, message: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.body,
            json!({ "code": status.as_u16(), "message": message, "details": [] }),
            "{status}"
        );
        assert!(!self.reason_line().is_empty());
    }
}

/// The two tokens of a login.
pub(crate) struct Tokens {
    pub(crate) access: String,
    pub(crate) refresh: String,
}

async fn login_with(sb: &Sandbox, key: &str, secret: &str) -> Reply {
    let resp = sb
        .client
        .post(sb.url("/v1/auth"))
        .json(&json!({ "key": key, "secret": secret }))
        .send()
        .await
        .unwrap();
    read(resp).await
}

pub(crate) async fn login_as(sb: &Sandbox, key: &str, secret: &str) -> Tokens {
    let reply = login_with(sb, key, secret).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    Tokens {
        access: reply.body["access_token"].as_str().unwrap().to_string(),
        refresh: reply.body["refresh_token"].as_str().unwrap().to_string(),
    }
}

pub(crate) async fn login(sb: &Sandbox) -> Tokens {
    login_as(sb, KEY, SECRET).await
}

/// A Clowd9 call with an optional bearer token and an optional JSON body.
pub(crate) async fn call(
    sb: &Sandbox,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = sb.client.request(method, sb.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    read(req.send().await.unwrap()).await
}

/// A POST of `body` as raw bytes with `content_type` (none when `None`).
async fn post_raw(
    sb: &Sandbox,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut req = sb.client.post(sb.url(path)).bearer_auth(token).body(body);
    if let Some(content_type) = content_type {
        req = req.header("content-type", content_type);
    }
    read(req.send().await.unwrap()).await
}

/// A POST of `body` as a chunked HTTP/1.1 request on a raw loopback connection (no
/// `Content-Length`, so the server only learns the size by reading); returns the status and
/// the JSON body of the answer.
async fn post_chunked(sb: &Sandbox, path: &str, token: &str, body: &[u8]) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sb.server.base_url.strip_prefix("http://").unwrap();
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n"
        );
        let mut request = head.into_bytes();
        for chunk in body.chunks(8192) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        stream.write_all(&request).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        answer
    };
    let answer = tokio::time::timeout(PHASE_TIMEOUT, exchange).await.unwrap();
    let text = String::from_utf8(answer).unwrap();
    let (head, json_body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(json_body).unwrap())
}

/// The seed's Update Account Balance.
async fn update(
    sb: &Sandbox,
    token: &str,
    account_id: &str,
    amount: i64,
    direction: &str,
) -> Reply {
    let body = json!({ "account_id": account_id, "amount": amount, "direction": direction });
    call(sb, Method::POST, UPDATE, Some(token), Some(body)).await
}

/// An opened account: the ledger's id (admin API) and the Clowd9 `account_id`.
struct Opened {
    id: String,
    account_id: String,
}

async fn open(sb: &Sandbox, opening: &str, extra: Value) -> Opened {
    let account = sb.open_account("clowd9", "GBP", opening, extra).await;
    Opened {
        id: account["id"].as_str().unwrap().to_string(),
        account_id: account["vendor_ids"]["account_id"].as_str().unwrap().to_string(),
    }
}

/// `GET /__admin/accounts/{id}`.
async fn admin_account(sb: &Sandbox, id: &str) -> Value {
    let resp = sb.admin(Method::GET, &format!("/__admin/accounts/{id}"), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// The admin API's posted balance, in minor units.
async fn admin_posted(sb: &Sandbox, id: &str) -> i64 {
    let account = admin_account(sb, id).await;
    assert_eq!(account["balances"]["posted"], account["balances"]["available"]);
    minor_of(account["balances"]["posted"].as_str().unwrap())
}

/// Clowd9's `GetAccountBalance`: (actual, available) in minor units.
async fn vendor_balance(sb: &Sandbox, token: &str, account_id: &str) -> (i64, i64) {
    let path = format!("/v1/accounts/{account_id}/balances");
    let reply = call(sb, Method::GET, &path, Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let read = |key: &str| reply.body[key].as_str().unwrap().parse::<i64>().unwrap();
    (read("actual_balance"), read("available_balance"))
}

/// Every history entry of an account, oldest first, read through the admin API page by page.
async fn admin_entries(sb: &Sandbox, id: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("/__admin/accounts/{id}/entries?limit=1000");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let resp = sb.admin(Method::GET, &path, None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page: Value = resp.json().await.unwrap();
        entries.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return entries,
        }
    }
    panic!("more than 100 pages of entries");
}

/// Minor units of an exact two-decimal GBP text (`"-12.34"` → -1234).
fn minor_of(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (units, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    assert_eq!(cents.len(), 2, "{text} is not at GBP's scale");
    let magnitude = units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    if negative { -magnitude } else { magnitude }
}

/// A dashed lower-case UUID.
fn is_dashed_uuid(text: &str) -> bool {
    text.len() == 36 && uuid_of(text).is_some_and(|id| id.hyphenated().to_string() == text)
}

fn uuid_of(text: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::try_parse(text).ok()
}

/// 32 lower-case hex digits, S1's trace id format, equal to the server's trace id.
fn assert_hex_trace(reply: &Reply) {
    let trace = reply.body["trace_id"].as_str().unwrap();
    assert_eq!(trace.len(), 32, "{trace}");
    assert!(trace.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{trace}");
    assert_eq!(uuid_of(trace).unwrap(), uuid_of(reply.trace_header()).unwrap());
}

async fn set_clock(sb: &Sandbox, body: Value) {
    let resp = sb.admin(Method::POST, "/__admin/clock", Some(body.clone())).await;
    assert_eq!(resp.status(), StatusCode::OK, "{body}");
}

/// Freezes the default tenant's clock at a fixed instant, before anything is opened, so that
/// token lifetimes and daily limits are exact and no real midnight can intervene.
async fn freeze_clock(sb: &Sandbox) {
    set_clock(sb, json!({ "set": "2030-05-14T12:00:00Z", "freeze": true })).await;
}
