//! Clowd9 end to end over real HTTP: login and tokens on the tenant clock, every route's happy
//! path, the seed's Update Account Balance moving real money, limits, bad input, idempotent
//! replay, tenant isolation, and money that stays exact under concurrent load.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::common::Sandbox;

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

/// One HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    headers: HeaderMap,
    pub(crate) body: Value,
}

impl Reply {
    async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
            panic!("{status}: body is not JSON ({err}): {}", String::from_utf8_lossy(&bytes))
        });
        Reply { status, headers, body }
    }

    /// `X-Sandbank-Reason`, which every non-2xx answer carries.
    fn reason(&self) -> &str {
        self.headers
            .get("x-sandbank-reason")
            .unwrap_or_else(|| panic!("{} without x-sandbank-reason: {}", self.status, self.body))
            .to_str()
            .unwrap()
    }

    fn trace_header(&self) -> &str {
        self.headers["x-sandbank-trace-id"].to_str().unwrap()
    }

    /// Asserts the seed's unsuccessful body, exactly `{account_id, reason, trace_id}`, with the
    /// trace id of this request (dashed, as the seed shows).
    fn assert_seed_failure(&self, account_id: &str, reason: &str) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{}", self.body);
        assert_eq!(
            self.body,
            json!({ "account_id": account_id, "reason": reason, "trace_id": self.trace_header() }),
        );
        assert!(!self.reason().is_empty());
    }

    /// Asserts Clowd9's `rpcStatus` body.
    fn assert_rpc_status(&self, status: StatusCode, message: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.body,
            json!({ "code": status.as_u16(), "message": message, "details": [] }),
            "{status}"
        );
        assert!(!self.reason().is_empty());
    }
}

/// The two tokens of a login.
pub(crate) struct Tokens {
    pub(crate) access: String,
    refresh: String,
}

async fn login_with(sb: &Sandbox, key: &str, secret: &str) -> Reply {
    let resp = sb
        .client
        .post(sb.url("/v1/auth"))
        .json(&json!({ "key": key, "secret": secret }))
        .send()
        .await
        .unwrap();
    Reply::read(resp).await
}

pub(crate) async fn login_as(sb: &Sandbox, key: &str, secret: &str) -> Tokens {
    let reply = login_with(sb, key, secret).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    Tokens {
        access: reply.body["access_token"].as_str().unwrap().to_string(),
        refresh: reply.body["refresh_token"].as_str().unwrap().to_string(),
    }
}

async fn login(sb: &Sandbox) -> Tokens {
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
    Reply::read(req.send().await.unwrap()).await
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
    Reply::read(req.send().await.unwrap()).await
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

#[tokio::test]
async fn a_login_opens_every_route_and_each_answers_its_documented_happy_path() {
    let sb = start().await;
    freeze_clock(&sb).await;
    let from = open(&sb, "100.00", json!({})).await;
    let to = open(
        &sb,
        "5.00",
        json!({ "vendor_ids": { "account_name": "CLOWD9 Expenses", "external_id": "018794671" } }),
    )
    .await;

    // POST /v1/auth
    let auth = login_with(&sb, KEY, SECRET).await;
    assert_eq!(auth.status, StatusCode::OK, "{}", auth.body);
    assert_hex_trace(&auth);
    let credentials = &sb.server.app.default_tenant().unwrap().credentials["clowd9"];
    assert_eq!(credentials["key"], KEY);
    assert_eq!(credentials["secret"], SECRET);
    assert_eq!(auth.body["api_id"], credentials["api_id"]);
    let access = auth.body["access_token"].as_str().unwrap().to_string();
    let refresh = auth.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(access.split('.').count(), 3, "a JWT");
    assert_ne!(access, refresh);
    let token = Some(access.as_str());

    // POST /v1/auth/refresh
    let refreshed =
        call(&sb, Method::POST, "/v1/auth/refresh", Some(&refresh), Some(json!({}))).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert_eq!(refreshed.body["refresh_token"], refresh.as_str());
    assert_ne!(refreshed.body["access_token"], access.as_str());

    // POST /v1/accounts/balance (the seed's call)
    let seed = update(&sb, &access, &from.account_id, 1000, "Credit").await;
    assert_eq!(seed.status, StatusCode::OK, "{}", seed.body);
    assert_eq!(
        seed.body,
        json!({
            "account_id": from.account_id,
            "previous_account_balance": "10000",
            "previous_account_balance_direction": "credit",
            "new_account_balance": "11000",
            "new_account_balance_direction": "credit",
            "trace_id": seed.trace_header(),
        })
    );
    assert!(is_dashed_uuid(seed.body["trace_id"].as_str().unwrap()));

    // POST /v1/accounts/{account_id}/increase, /decrease, /correct
    let path = |op: &str| format!("/v1/accounts/{}/{op}", from.account_id);
    let increase = call(
        &sb,
        Method::POST,
        &path("increase"),
        token,
        Some(json!({ "amount": 500, "reference_name": "Debit Card", "reference": "Weekly increase", "reference_id": "I-1" })),
    )
    .await;
    assert_eq!(increase.status, StatusCode::OK, "{}", increase.body);
    assert_hex_trace(&increase);
    assert_eq!(increase.body["previous_actual_balance"], "11000");
    assert_eq!(increase.body["new_actual_balance"], "11500");
    assert_eq!(increase.body["previous_available_balance"], "11000");
    assert_eq!(increase.body["new_available_balance"], "11500");
    let decrease = call(
        &sb,
        Method::POST,
        &path("decrease"),
        token,
        Some(json!({ "amount": 1500, "reference": "Return of Funds" })),
    )
    .await;
    assert_eq!(decrease.status, StatusCode::OK, "{}", decrease.body);
    assert_eq!(decrease.body["new_actual_balance"], "10000");
    let correct = call(
        &sb,
        Method::POST,
        &path("correct"),
        token,
        Some(json!({ "amount": -250, "reason": "Fee charged twice", "reference_id": "C-1" })),
    )
    .await;
    assert_eq!(correct.status, StatusCode::OK, "{}", correct.body);
    assert_eq!(correct.body["previous_actual_balance"], "10000");
    assert_eq!(correct.body["new_actual_balance"], "9750");

    // POST /v1/accounts/transfer
    let transfer = call(
        &sb,
        Method::POST,
        "/v1/accounts/transfer",
        token,
        Some(json!({
            "source_account_id": from.account_id,
            "destination_account_id": to.account_id,
            "amount": 750,
            "reference": "Savings",
        })),
    )
    .await;
    assert_eq!(transfer.status, StatusCode::OK, "{}", transfer.body);
    assert_eq!(transfer.body, json!({ "trace_id": transfer.body["trace_id"] }));
    assert_hex_trace(&transfer);

    // GET /v1/accounts/{account_id}/balances
    let balances =
        call(&sb, Method::GET, &format!("/v1/accounts/{}/balances", from.account_id), token, None)
            .await;
    assert_eq!(balances.status, StatusCode::OK);
    assert_eq!(
        balances.body,
        json!({
            "actual_balance": "9000",
            "available_balance": "9000",
            "overdraft_value": "0",
            "authorized": "0",
            "trace_id": balances.body["trace_id"],
        })
    );
    assert_hex_trace(&balances);

    // GET /v1/accounts/{account_id}
    let account =
        call(&sb, Method::GET, &format!("/v1/accounts/{}", to.account_id), token, None).await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    let details = &account.body["account_details"][0];
    assert_eq!(account.body["account_details"].as_array().unwrap().len(), 1);
    assert_eq!(details["account_id"], to.account_id.as_str());
    assert_eq!(details["account_name"], "CLOWD9 Expenses");
    assert_eq!(details["external_id"], "018794671");
    assert_eq!(details["account_status"], "active");
    assert_eq!(details["account_currency"], "GBP");
    assert_eq!(details["account_currency_code"], "826");
    assert_eq!(details["actual_balance"], 1250, "S1 types the balances as JSON integers");
    assert_eq!(details["available_balance"], 1250);
    assert_eq!(details["overdraft_value"], "0");
    assert!(uuid_of(details["account_profile_id"].as_str().unwrap()).is_some());
    assert_eq!(uuid_of(details["trace_id"].as_str().unwrap()), uuid_of(account.trace_header()));

    // GET /v1/accounts/{account_id}/ledger-entries
    let entries = call(
        &sb,
        Method::GET,
        &format!(
            "/v1/accounts/{}/ledger-entries?from_date=2030-05-14&to_date=2030-05-14",
            from.account_id
        ),
        token,
        None,
    )
    .await;
    assert_eq!(entries.status, StatusCode::OK, "{}", entries.body);
    assert_hex_trace(&entries);
    let rows = entries.body["accounts"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["entry_type"].as_str().unwrap(),
                row["amount"].as_str().unwrap(),
                row["entry_source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("opening balance", "10000", "Sandbank"),
            ("credit", "1000", "API"),
            ("increase", "500", "API"),
            ("decrease", "-1500", "API"),
            ("InternalCorrection", "-250", "API"),
            ("transfer", "-750", "API"),
        ]
    );
    assert_eq!(entries.body["count"], "6");
    assert_eq!(entries.body["next_page_token"], "");
    assert_eq!(rows[2]["reference_id"], "I-1");
    assert_eq!(rows[2]["reference_name"], "Debit Card");
    assert_eq!(rows[0]["date_time"].as_str().unwrap().get(..10), Some("2030-05-14"));

    // The ledger agrees, and the journal names every operation under clowd9.
    assert_eq!(admin_posted(&sb, &from.id).await, 9000);
    assert_eq!(admin_posted(&sb, &to.id).await, 1250);
    let journal = sb.journal().await;
    let operations: HashSet<&str> = journal
        .iter()
        .filter(|entry| entry["vendor"] == "clowd9" && entry["status"] == 200)
        .filter_map(|entry| entry["operation"].as_str())
        .collect();
    let expected: HashSet<&str> = [
        "AuthenticateApi",
        "RefreshToken",
        "UpdateAccountBalance",
        "IncreaseAccountBalance",
        "DecreaseAccountBalance",
        "CorrectAccountBalance",
        "TransferFromAccountToAccount",
        "GetAccountBalance",
        "GetAccount",
        "GetLedgerEntriesForAccount",
    ]
    .into_iter()
    .collect();
    assert_eq!(operations, expected);
}

#[tokio::test]
async fn the_access_token_expires_after_120_minutes_of_tenant_time_and_refresh_renews_it() {
    let sb = start().await;
    freeze_clock(&sb).await;
    let account = open(&sb, "1.00", json!({})).await;
    let tokens = login(&sb).await;

    set_clock(&sb, json!({ "advance": "PT119M" })).await;
    let (actual, _) = vendor_balance(&sb, &tokens.access, &account.account_id).await;
    assert_eq!(actual, 100, "still valid after 119 minutes");

    set_clock(&sb, json!({ "advance": "PT2M" })).await;
    let path = format!("/v1/accounts/{}/balances", account.account_id);
    let expired = call(&sb, Method::GET, &path, Some(&tokens.access), None).await;
    expired.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(expired.reason().contains("expired"), "{}", expired.reason());
    let expired_write = update(&sb, &tokens.access, &account.account_id, 1, "Credit").await;
    expired_write.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");

    // The session (720 minutes) is still open: the refresh token issues a working access token.
    let refreshed = call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.refresh), None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let fresh = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(vendor_balance(&sb, fresh, &account.account_id).await, (100, 100));

    // The expired token stays expired.
    let again = call(&sb, Method::GET, &path, Some(&tokens.access), None).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(admin_posted(&sb, &account.id).await, 100, "the refused write changed nothing");

    // The session ends 720 minutes after the login: then the refresh token and every access
    // token of the session are done, and a new login starts afresh.
    // A token refreshed at minute 650 would live to 770, but stops with the session at 720.
    set_clock(&sb, json!({ "advance": "PT529M" })).await;
    let refreshed = call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.refresh), None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let last = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(vendor_balance(&sb, last, &account.account_id).await, (100, 100));
    set_clock(&sb, json!({ "advance": "PT71M" })).await;
    let ended = call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.refresh), None).await;
    ended.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let late = call(&sb, Method::GET, &path, Some(last), None).await;
    late.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let relogin = login(&sb).await;
    assert_eq!(vendor_balance(&sb, &relogin.access, &account.account_id).await, (100, 100));
}

#[tokio::test]
async fn bad_credentials_and_bad_tokens_get_clowd9s_documented_auth_errors() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let tokens = login(&sb).await;
    let balances = format!("/v1/accounts/{}/balances", account.account_id);

    let wrong_secret = login_with(&sb, KEY, "wrong").await;
    wrong_secret
        .assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");
    assert_eq!(wrong_secret.reason(), "auth: wrong secret for this key");
    let unknown_key = login_with(&sb, "nobody", SECRET).await;
    unknown_key
        .assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");

    let missing = call(&sb, Method::GET, &balances, None, None).await;
    missing.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let garbage = call(&sb, Method::GET, &balances, Some("not-a-token"), None).await;
    garbage.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let forged =
        call(&sb, Method::GET, &balances, Some("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"), None)
            .await;
    forged.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let basic =
        sb.client.get(sb.url(&balances)).basic_auth(KEY, Some(SECRET)).send().await.unwrap();
    Reply::read(basic).await.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");

    let refresh_as_access = call(&sb, Method::GET, &balances, Some(&tokens.refresh), None).await;
    refresh_as_access
        .assert_rpc_status(StatusCode::FORBIDDEN, "You do not have correct access rights");
    let access_as_refresh =
        call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.access), Some(json!({}))).await;
    access_as_refresh
        .assert_rpc_status(StatusCode::FORBIDDEN, "You do not have correct access rights");

    // The seed's call checks auth before the body, and answers auth failures in rpcStatus.
    let writes = [
        update(&sb, "not-a-token", &account.account_id, 100, "Credit").await,
        update(&sb, &tokens.refresh, &account.account_id, 100, "Credit").await,
        call(
            &sb,
            Method::POST,
            UPDATE,
            None,
            Some(json!({ "account_id": account.account_id, "amount": 100, "direction": "Credit" })),
        )
        .await,
    ];
    writes[0].assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    writes[1].assert_rpc_status(StatusCode::FORBIDDEN, "You do not have correct access rights");
    writes[2].assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(admin_posted(&sb, &account.id).await, 1000);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 1);
}

#[tokio::test]
async fn the_seed_credit_raises_the_balance_and_a_debit_past_the_funds_fails_without_change() {
    let sb = start().await;
    let account = open(&sb, "1.00", json!({})).await;
    let token = login(&sb).await.access;

    let credit = update(&sb, &token, &account.account_id, 250, "Credit").await;
    assert_eq!(credit.status, StatusCode::OK, "{}", credit.body);
    assert_eq!(credit.body["previous_account_balance"], "100");
    assert_eq!(credit.body["new_account_balance"], "350");
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (350, 350));
    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(admin["balances"]["posted"], "3.50");
    assert_eq!(admin["balances"]["available"], "3.50");
    assert_eq!(admin["n_entries"], 2);

    let overdraw = update(&sb, &token, &account.account_id, 351, "debit").await;
    overdraw.assert_seed_failure(&account.account_id, "insufficient balance");
    assert!(is_dashed_uuid(overdraw.body["trace_id"].as_str().unwrap()));
    assert_eq!(
        overdraw.reason(),
        "ledger: insufficient funds (available 350, minimum 0, debit 351 minor units)"
    );
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (350, 350));
    let after = admin_account(&sb, &account.id).await;
    assert_eq!(after["balances"], admin["balances"]);
    assert_eq!(after["n_entries"], 2);
    assert_eq!(after["daily_usage"], admin["daily_usage"]);

    // The whole balance can go (a body without Content-Type is read as JSON); the journal
    // keeps the refusal with its reason.
    let body =
        format!(r#"{{"account_id":"{}","amount":350,"direction":"DEBIT"}}"#, account.account_id);
    let all = post_raw(&sb, UPDATE, &token, None, body).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["new_account_balance"], "0");
    assert_eq!(admin_posted(&sb, &account.id).await, 0);
    let journal = sb.journal().await;
    let refused = journal
        .iter()
        .find(|entry| entry["trace_id"] == overdraw.trace_header())
        .expect("the refusal is journaled");
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["operation"], "UpdateAccountBalance");
    assert_eq!(refused["reason"], overdraw.reason());
}

#[tokio::test]
async fn a_credit_over_the_maximum_balance_is_refused_with_the_seeds_reason() {
    let sb = start().await;
    let capped = open(&sb, "150.00", json!({ "limits": { "balance_max": "200.00" } })).await;
    let token = login(&sb).await.access;

    let over = update(&sb, &token, &capped.account_id, 5001, "Credit").await;
    over.assert_seed_failure(&capped.account_id, "exceeds maximum balance");
    assert!(over.reason().starts_with("ledger: "), "{}", over.reason());
    assert!(over.reason().contains("maximum 20000 minor units"), "{}", over.reason());
    assert_eq!(admin_posted(&sb, &capped.id).await, 15000);

    // The S1 increase hits the same limit, in rpcStatus.
    let path = format!("/v1/accounts/{}/increase", capped.account_id);
    let increase =
        call(&sb, Method::POST, &path, Some(&token), Some(json!({ "amount": 5001 }))).await;
    increase.assert_rpc_status(StatusCode::BAD_REQUEST, "exceeds maximum balance");

    let exact = update(&sb, &token, &capped.account_id, 5000, "Credit").await;
    assert_eq!(exact.status, StatusCode::OK, "{}", exact.body);
    assert_eq!(admin_posted(&sb, &capped.id).await, 20000);
    let one_more = update(&sb, &token, &capped.account_id, 1, "Credit").await;
    one_more.assert_seed_failure(&capped.account_id, "exceeds maximum balance");
    assert_eq!(vendor_balance(&sb, &token, &capped.account_id).await, (20000, 20000));
}

#[tokio::test]
async fn the_daily_debit_limit_refuses_the_excess_and_resets_after_a_day() {
    let sb = start().await;
    freeze_clock(&sb).await;
    let account =
        open(&sb, "1000.00", json!({ "limits": { "daily_debit_amount_max": "50.00" } })).await;
    let token = login(&sb).await.access;

    let first = update(&sb, &token, &account.account_id, 3000, "Debit").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let over = update(&sb, &token, &account.account_id, 2001, "Debit").await;
    over.assert_seed_failure(&account.account_id, "exceeds daily limit");
    assert_eq!(
        over.reason(),
        "ledger: daily limit exceeded: daily debit amount \
         (today 3000, this one 2001, daily maximum 5000 minor units)"
    );
    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(admin["balances"]["posted"], "970.00");
    assert_eq!(admin["daily_usage"]["debit_amount"], "30.00");
    assert_eq!(admin["daily_usage"]["debit_count"], 1);
    // Credits are not limited by the debit limit.
    let credit = update(&sb, &token, &account.account_id, 9000, "Credit").await;
    assert_eq!(credit.status, StatusCode::OK, "{}", credit.body);
    let exact = update(&sb, &token, &account.account_id, 2000, "Debit").await;
    assert_eq!(exact.status, StatusCode::OK, "the rest of the day's allowance: {}", exact.body);
    let decrease = call(
        &sb,
        Method::POST,
        &format!("/v1/accounts/{}/decrease", account.account_id),
        Some(&token),
        Some(json!({ "amount": 1 })),
    )
    .await;
    decrease.assert_rpc_status(StatusCode::BAD_REQUEST, "exceeds daily limit");
    assert_eq!(admin_posted(&sb, &account.id).await, 100_000 - 3000 + 9000 - 2000);

    set_clock(&sb, json!({ "advance": "P1D" })).await;
    // The access token outlived its 120 minutes in that day; log in again.
    let token = login(&sb).await.access;
    let next_day = update(&sb, &token, &account.account_id, 2001, "Debit").await;
    assert_eq!(next_day.status, StatusCode::OK, "{}", next_day.body);
    let usage = admin_account(&sb, &account.id).await["daily_usage"].clone();
    assert_eq!(usage["debit_amount"], "20.01");
    assert_eq!(usage["debit_count"], 1);
    assert_eq!(admin_posted(&sb, &account.id).await, 104_000 - 2001);
}

#[tokio::test]
async fn malformed_or_invalid_seed_requests_get_the_documented_400_and_change_nothing() {
    let sb = start().await;
    let account = open(&sb, "100.00", json!({})).await;
    let id = account.account_id.as_str();
    let token = login(&sb).await.access;
    let json_ct = Some("application/json");

    let valid = format!(r#"{{"account_id": "{id}", "amount": 100, "direction": "Credit"}}"#);
    let unknown_id = "00000000-0000-4000-8000-000000000000";
    // (what, content type, body, echoed account_id, reason)
    let mut cases: Vec<(&str, Option<&str>, String, &str, &str)> = vec![
        (
            "malformed JSON",
            json_ct,
            valid.trim_end_matches('}').to_string(),
            "",
            "invalid request body",
        ),
        (
            "a JSON array",
            json_ct,
            format!(r#"["{id}", 100, "Credit"]"#),
            "",
            "invalid request body",
        ),
        ("an empty body", json_ct, String::new(), "", "invalid request body"),
        (
            "a form body",
            Some("application/x-www-form-urlencoded"),
            format!("account_id={id}&amount=100&direction=Credit"),
            "",
            "invalid content type",
        ),
        ("JSON declared as text", Some("text/plain"), valid.clone(), "", "invalid content type"),
        (
            "no account_id",
            json_ct,
            r#"{"amount": 100, "direction": "Credit"}"#.to_string(),
            "",
            "account_id is required",
        ),
    ];
    // The rest name the account; its `account_id` is echoed as sent.
    for (what, account_id, rest, reason) in [
        ("a string amount", id, r#""amount": "100", "direction": "Credit""#, "invalid amount"),
        ("a fractional amount", id, r#""amount": 10.50, "direction": "Credit""#, "invalid amount"),
        ("a whole fraction", id, r#""amount": 100.0, "direction": "Credit""#, "invalid amount"),
        ("an exponent amount", id, r#""amount": 1e3, "direction": "Credit""#, "invalid amount"),
        ("a negative amount", id, r#""amount": -100, "direction": "Debit""#, "invalid amount"),
        ("a zero amount", id, r#""amount": 0, "direction": "Debit""#, "invalid amount"),
        ("a null amount", id, r#""amount": null, "direction": "Credit""#, "amount is required"),
        (
            "an amount beyond int64",
            id,
            r#""amount": 99999999999999999999, "direction": "Credit""#,
            "invalid amount",
        ),
        (
            "an amount beyond the ledger's per-transfer maximum",
            id,
            r#""amount": 9223372036854775807, "direction": "Credit""#,
            "invalid amount",
        ),
        ("an unknown direction", id, r#""amount": 100, "direction": "Up""#, "invalid direction"),
        ("no direction", id, r#""amount": 100"#, "direction is required"),
        (
            "a numeric reference_id",
            id,
            r#""amount": 100, "direction": "Credit", "reference_id": 20250705"#,
            "invalid reference_id",
        ),
        (
            "a malformed account_id",
            "12345",
            r#""amount": 100, "direction": "Credit""#,
            "invalid account_id",
        ),
        (
            "an unknown account",
            unknown_id,
            r#""amount": 100, "direction": "Credit""#,
            "account not found",
        ),
    ] {
        let body = format!(r#"{{"account_id": "{account_id}", {rest}}}"#);
        cases.push((what, json_ct, body, account_id, reason));
    }
    for (what, content_type, body, echoed, reason) in cases {
        let reply = post_raw(&sb, UPDATE, &token, content_type, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.body);
        assert_eq!(
            reply.body,
            json!({ "account_id": echoed, "reason": reason, "trace_id": reply.trace_header() }),
            "{what}"
        );
        assert!(!reply.reason().is_empty(), "{what}");
    }
    // The same body, well-formed, is accepted: the refusals above were about what they changed.
    let accepted = post_raw(&sb, UPDATE, &token, json_ct, valid).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(admin_posted(&sb, &account.id).await, 10100);

    // The S1 calls answer the same problems in rpcStatus.
    let increase = format!("/v1/accounts/{id}/increase");
    for (body, message) in [
        (json!({ "amount": "100" }), "invalid amount"),
        (json!({ "amount": -1 }), "invalid amount"),
        (json!({ "amount": 0 }), "invalid amount"),
        (json!({}), "amount is required"),
    ] {
        let reply = call(&sb, Method::POST, &increase, Some(&token), Some(body.clone())).await;
        reply.assert_rpc_status(StatusCode::BAD_REQUEST, message);
    }
    let reply = post_raw(&sb, &increase, &token, json_ct, "{not json").await;
    reply.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid request body");
    let reply = post_raw(&sb, &increase, &token, Some("text/plain"), r#"{"amount": 1}"#).await;
    reply.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid content type");
    let unknown = call(
        &sb,
        Method::GET,
        "/v1/accounts/00000000-0000-4000-8000-000000000000/balances",
        Some(&token),
        None,
    )
    .await;
    unknown.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");

    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(admin["balances"]["posted"], "101.00");
    assert_eq!(admin["n_entries"], 2, "no refused request left an entry");
    assert_eq!(vendor_balance(&sb, &token, id).await, (10100, 10100));
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_before_the_handler_and_one_at_the_limit_is_served() {
    let sb = start().await;
    let account = open(&sb, "1.00", json!({})).await;
    let token = login(&sb).await.access;
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 64 * 1024);

    // Unknown fields are ignored, so padding in one makes a valid body of any size.
    let body_of = |size: usize| {
        let head = format!(
            r#"{{"account_id":"{}","amount":100,"direction":"Credit","padding":""#,
            account.account_id
        );
        let tail = "\"}";
        let body = format!("{head}{}{tail}", "x".repeat(size - head.len() - tail.len()));
        assert_eq!(body.len(), size);
        body
    };

    let over = post_raw(&sb, UPDATE, &token, Some("application/json"), body_of(limit + 1)).await;
    over.assert_rpc_status(StatusCode::BAD_REQUEST, "request body too large");
    assert_eq!(over.reason(), format!("body: over the {limit}-byte limit"));
    assert_eq!(admin_posted(&sb, &account.id).await, 100);
    let huge = post_raw(&sb, UPDATE, &token, Some("application/json"), body_of(4 * limit)).await;
    huge.assert_rpc_status(StatusCode::BAD_REQUEST, "request body too large");
    assert_eq!(admin_posted(&sb, &account.id).await, 100);

    // Streamed without a declared length, the excess is found while reading.
    let (status, streamed) = post_chunked(&sb, UPDATE, &token, body_of(limit + 1).as_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(
        streamed,
        json!({ "code": 400, "message": "request body too large", "details": [] })
    );
    assert_eq!(admin_posted(&sb, &account.id).await, 100);
    let (status, small) = post_chunked(&sb, UPDATE, &token, body_of(200).as_bytes()).await;
    assert_eq!(status, 200, "{small}");
    assert_eq!(small["new_account_balance"], "200");

    let at_limit = post_raw(&sb, UPDATE, &token, Some("application/json"), body_of(limit)).await;
    assert_eq!(at_limit.status, StatusCode::OK, "{}", at_limit.body);
    assert_eq!(at_limit.body["new_account_balance"], "300");
    assert_eq!(admin_posted(&sb, &account.id).await, 300);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 3);
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_405_and_changes_nothing() {
    let sb = start().await;
    let account = open(&sb, "1.00", json!({})).await;
    let token = login(&sb).await.access;
    let id = &account.account_id;
    let body = json!({ "account_id": id, "amount": 100, "direction": "Credit" });

    for (method, path) in [
        (Method::PUT, UPDATE.to_string()),
        (Method::DELETE, UPDATE.to_string()),
        (Method::GET, "/v1/auth".to_string()),
        (Method::GET, "/v1/accounts/transfer".to_string()),
        (Method::PUT, format!("/v1/accounts/{id}/increase")),
        (Method::GET, format!("/v1/accounts/{id}/decrease")),
        (Method::POST, format!("/v1/accounts/{id}/balances")),
        (Method::DELETE, format!("/v1/accounts/{id}")),
    ] {
        let reply = call(&sb, method.clone(), &path, Some(&token), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        reply.assert_rpc_status(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    // A path no vendor serves is the server's own 404, not Clowd9's.
    let unknown = call(&sb, Method::POST, "/v1/accounts", Some(&token), Some(body)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["error"], "not_found");

    assert_eq!(admin_posted(&sb, &account.id).await, 100);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 1);
    let journal = sb.journal().await;
    let refused: Vec<&Value> = journal.iter().filter(|entry| entry["status"] == 405).collect();
    assert_eq!(refused.len(), 8);
    assert!(refused.iter().all(|entry| entry["vendor"] == "clowd9"));
}

#[tokio::test]
async fn another_tenants_token_finds_the_default_tenants_account_not_found_and_learns_nothing() {
    let sb = start().await;
    let mine = open(&sb, "100.00", json!({})).await;
    let default_token = login(&sb).await.access;

    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let tenant: Value = resp.json().await.unwrap();
    let other_admin = tenant["admin_token"].as_str().unwrap().to_string();
    let key = tenant["credentials"]["clowd9"]["key"].as_str().unwrap();
    let secret = tenant["credentials"]["clowd9"]["secret"].as_str().unwrap();
    assert_ne!(key, KEY);
    // The other tenant's secret does not open the default tenant's key, nor the reverse.
    let crossed = login_with(&sb, KEY, secret).await;
    crossed.assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");
    let crossed = login_with(&sb, key, SECRET).await;
    crossed.assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");
    let other = login_as(&sb, key, secret).await.access;

    // Its own account works.
    let resp = sb
        .admin_as(
            &other_admin,
            Method::POST,
            "/__admin/accounts",
            Some(json!({ "vendor": "clowd9", "currency": "GBP", "opening_balance": "5.00" })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let theirs: Value = resp.json().await.unwrap();
    let theirs = theirs["vendor_ids"]["account_id"].as_str().unwrap().to_string();
    assert_eq!(vendor_balance(&sb, &other, &theirs).await, (500, 500));

    // The default tenant's account answers exactly like one that never existed.
    let never = "00000000-0000-4000-8000-000000000000";
    let mut probes = Vec::new();
    for (target, expected_echo) in
        [(&mine.account_id, mine.account_id.as_str()), (&never.to_string(), never)]
    {
        let seed = update(&sb, &other, target, 100, "Debit").await;
        seed.assert_seed_failure(expected_echo, "account not found");
        assert_eq!(seed.reason(), format!("account {target}: no such account for this client"));
        probes.push(seed.trace_header().to_string());
        for path in [
            format!("/v1/accounts/{target}/balances"),
            format!("/v1/accounts/{target}"),
            format!("/v1/accounts/{target}/ledger-entries?from_date=2020-01-01&to_date=2040-01-01"),
        ] {
            let read = call(&sb, Method::GET, &path, Some(&other), None).await;
            read.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
            probes.push(read.trace_header().to_string());
        }
        for op in ["increase", "decrease"] {
            let path = format!("/v1/accounts/{target}/{op}");
            let write =
                call(&sb, Method::POST, &path, Some(&other), Some(json!({ "amount": 1 }))).await;
            write.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
            probes.push(write.trace_header().to_string());
        }
        let correct = call(
            &sb,
            Method::POST,
            &format!("/v1/accounts/{target}/correct"),
            Some(&other),
            Some(json!({ "amount": -1, "reason": "probe" })),
        )
        .await;
        correct.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
        probes.push(correct.trace_header().to_string());
        for (source, destination) in [(target, &theirs), (&theirs, target)] {
            let transfer = call(
                &sb,
                Method::POST,
                "/v1/accounts/transfer",
                Some(&other),
                Some(json!({
                    "source_account_id": source,
                    "destination_account_id": destination,
                    "amount": 1,
                })),
            )
            .await;
            transfer.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
            probes.push(transfer.trace_header().to_string());
        }
    }

    // Nothing moved on either side, and the probes are in the prober's journal only.
    assert_eq!(admin_posted(&sb, &mine.id).await, 10000);
    assert_eq!(admin_account(&sb, &mine.id).await["n_entries"], 1);
    assert_eq!(vendor_balance(&sb, &other, &theirs).await, (500, 500));
    assert_eq!(vendor_balance(&sb, &default_token, &mine.account_id).await, (10000, 10000));
    assert_eq!(probes.len(), 2 * 9);
    let traces = |journal: &[Value]| -> HashSet<String> {
        journal.iter().filter_map(|e| e["trace_id"].as_str().map(str::to_string)).collect()
    };
    let default_traces = traces(&sb.journal().await);
    let other_journal: Value = sb
        .admin_as(&other_admin, Method::GET, "/__admin/requests?limit=1000", None)
        .await
        .json()
        .await
        .unwrap();
    let other_traces = traces(other_journal["requests"].as_array().unwrap());
    for probe in &probes {
        assert!(other_traces.contains(probe), "{probe} is in the prober's journal");
        assert!(!default_traces.contains(probe), "{probe} is not in the default tenant's journal");
    }
    // And the other tenant's admin token cannot read the default tenant's account either.
    let peek = sb
        .admin_as(&other_admin, Method::GET, &format!("/__admin/accounts/{}", mine.id), None)
        .await;
    assert_eq!(peek.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_replay_with_the_same_reference_id_moves_money_once_and_a_changed_one_conflicts() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let token = login(&sb).await.access;
    let body = json!({
        "account_id": account.account_id,
        "amount": 500,
        "direction": "Credit",
        "reference_id": "Transfer 20250705",
    });

    let first = call(&sb, Method::POST, UPDATE, Some(&token), Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = call(&sb, Method::POST, UPDATE, Some(&token), Some(body.clone())).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    for key in ["account_id", "previous_account_balance", "new_account_balance"] {
        assert_eq!(first.body[key], second.body[key], "the replay repeats the first outcome");
    }
    assert_eq!(second.body["previous_account_balance"], "1000");
    assert_eq!(second.body["new_account_balance"], "1500");
    assert_ne!(first.body["trace_id"], second.body["trace_id"], "a replay has its own trace id");
    assert_eq!(admin_posted(&sb, &account.id).await, 1500);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 2);

    let mut changed = body.clone();
    changed["amount"] = json!(501);
    let conflict = call(&sb, Method::POST, UPDATE, Some(&token), Some(changed)).await;
    conflict.assert_seed_failure(&account.account_id, "duplicate reference_id");
    let mut debit = body.clone();
    debit["direction"] = json!("Debit");
    let conflict = call(&sb, Method::POST, UPDATE, Some(&token), Some(debit)).await;
    conflict.assert_seed_failure(&account.account_id, "duplicate reference_id");
    // The same key through another operation is a different request too.
    let increase = call(
        &sb,
        Method::POST,
        &format!("/v1/accounts/{}/increase", account.account_id),
        Some(&token),
        Some(json!({ "amount": 500, "reference_id": "Transfer 20250705" })),
    )
    .await;
    increase.assert_rpc_status(StatusCode::BAD_REQUEST, "duplicate reference_id");

    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (1500, 1500));
    let entries = admin_entries(&sb, &account.id).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["metadata"]["reference_id"], "Transfer 20250705");
    assert_eq!(entries[1]["amount"], "5.00");

    // Replays racing each other still move the money once.
    let mut racing = body.clone();
    racing["reference_id"] = json!("race-1");
    let mut tasks = JoinSet::new();
    for _ in 0..16 {
        let (client, url, token, racing) =
            (sb.client.clone(), sb.url(UPDATE), token.clone(), racing.clone());
        tasks.spawn(async move {
            Reply::read(client.post(url).bearer_auth(token).json(&racing).send().await.unwrap())
                .await
        });
    }
    let replies = tokio::time::timeout(PHASE_TIMEOUT, tasks.join_all()).await.unwrap();
    let outcomes: HashSet<(String, String)> = replies
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            (
                reply.body["previous_account_balance"].as_str().unwrap().to_string(),
                reply.body["new_account_balance"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(outcomes, HashSet::from([("1500".to_string(), "2000".to_string())]));
    assert_eq!(admin_posted(&sb, &account.id).await, 2000);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 3);
}

// See: issue item 19 (an empty reference_id where the vendor allows one).
#[tokio::test]
async fn the_seeds_own_example_filled_in_with_only_amount_and_direction_succeeds_every_time() {
    let sb = start().await;
    // The seed's example addresses this account; open it under that id.
    let seed_account_id = "fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4";
    let account =
        open(&sb, "1.00", json!({ "vendor_ids": { "account_id": seed_account_id } })).await;
    let token = login(&sb).await.access;
    // The seed's example request as printed, with only `amount` and `direction` filled in: its
    // `reference_id` stays `""`, like `type`, `destination` and `reference`.
    let example = r#"{
    "account_id": "fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4",
    "client_id": "15bfc289-de75-4668-bb11-3998aadf226d",
    "amount": 1000,
    "direction": "Credit",
    "type": "",
    "destination": "",
    "reference": "",
    "reference_id": ""
}"#;
    let first = post_raw(&sb, UPDATE, &token, Some("application/json"), example).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["previous_account_balance"], "100");
    assert_eq!(first.body["new_account_balance"], "1100");
    // An empty reference_id keys nothing: the same body again is a second change, not a replay.
    let second = post_raw(&sb, UPDATE, &token, Some("application/json"), example).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["previous_account_balance"], "1100");
    assert_eq!(second.body["new_account_balance"], "2100");
    assert_eq!(admin_posted(&sb, &account.id).await, 2100);
    assert_eq!(vendor_balance(&sb, &token, seed_account_id).await, (2100, 2100));
}

// See: issue item 19 (`reference_id: ""` on correct, refused only where the vendor says so).
#[tokio::test]
async fn two_corrections_with_an_empty_reference_id_both_apply_but_increase_refuses_one() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let other = open(&sb, "0", json!({})).await;
    let token = login(&sb).await.access;
    let correct = format!("/v1/accounts/{}/correct", account.account_id);
    let body = json!({ "amount": -250, "reason": "Fee charged twice", "reference_id": "" });
    let first = call(&sb, Method::POST, &correct, Some(&token), Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["new_actual_balance"], "750");
    let second = call(&sb, Method::POST, &correct, Some(&token), Some(body)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["previous_actual_balance"], "750");
    assert_eq!(second.body["new_actual_balance"], "500");
    assert_eq!(admin_posted(&sb, &account.id).await, 500);

    // Increase, decrease and transfer declare `minLength: 1`: there `""` stays refused.
    for operation in ["increase", "decrease"] {
        let path = format!("/v1/accounts/{}/{operation}", account.account_id);
        let body = json!({ "amount": 100, "reference_id": "" });
        let refused = call(&sb, Method::POST, &path, Some(&token), Some(body)).await;
        refused.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid reference_id");
    }
    let body = json!({
        "source_account_id": account.account_id,
        "destination_account_id": other.account_id,
        "amount": 100,
        "reference_id": "",
    });
    let refused = call(&sb, Method::POST, "/v1/accounts/transfer", Some(&token), Some(body)).await;
    refused.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid reference_id");
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (500, 500));
    assert_eq!(admin_posted(&sb, &other.id).await, 0);
}

// See: issue item 20 (transfer ids need only 36 characters).
#[tokio::test]
async fn a_transfer_id_of_36_characters_that_is_no_uuid_is_an_unknown_account_on_either_side() {
    let sb = start().await;
    let source = open(&sb, "10.00", json!({})).await;
    let destination = open(&sb, "0", json!({})).await;
    let token = login(&sb).await.access;
    // UUID-shaped, but `account0` is not hex.
    let not_uuid = "account0-0000-0000-0000-000000000001";
    assert_eq!(not_uuid.chars().count(), 36);
    let longer = format!("{}-extra", source.account_id);
    let transfer = |from: &str, to: &str| json!({ "source_account_id": from, "destination_account_id": to, "amount": 100 });
    for (what, body, message) in [
        ("a non-UUID source", transfer(not_uuid, &destination.account_id), "account not found"),
        ("a non-UUID destination", transfer(&source.account_id, not_uuid), "account not found"),
        ("a longer source", transfer(&longer, &destination.account_id), "account not found"),
        ("a longer destination", transfer(&source.account_id, &longer), "account not found"),
        (
            "a 35-character source",
            transfer(&not_uuid[1..], &destination.account_id),
            "invalid source_account_id",
        ),
        (
            "a 35-character destination",
            transfer(&source.account_id, &not_uuid[1..]),
            "invalid destination_account_id",
        ),
    ] {
        let reply =
            call(&sb, Method::POST, "/v1/accounts/transfer", Some(&token), Some(body)).await;
        assert_eq!(reply.body["message"], message, "{what}");
        reply.assert_rpc_status(StatusCode::BAD_REQUEST, message);
    }
    assert_eq!(admin_posted(&sb, &source.id).await, 1000);
    assert_eq!(admin_posted(&sb, &destination.id).await, 0);
    // The same transfer between the two real accounts goes through.
    let body = transfer(&source.account_id, &destination.account_id);
    let moved = call(&sb, Method::POST, "/v1/accounts/transfer", Some(&token), Some(body)).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(admin_posted(&sb, &destination.id).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_debits_against_twenty_debits_worth_leave_exactly_zero() {
    let sb = start().await;
    let account = open(&sb, "200.00", json!({})).await;
    let token = login(&sb).await.access;

    let mut tasks = JoinSet::new();
    for _ in 0..50 {
        let client = sb.client.clone();
        let url = sb.url(UPDATE);
        let token = token.clone();
        let body =
            json!({ "account_id": account.account_id, "amount": 1000, "direction": "Debit" });
        tasks.spawn(async move {
            Reply::read(client.post(url).bearer_auth(token).json(&body).send().await.unwrap()).await
        });
    }
    let replies = tokio::time::timeout(PHASE_TIMEOUT, tasks.join_all()).await.unwrap();

    let mut new_balances = Vec::new();
    let mut n_refused = 0;
    for reply in &replies {
        if reply.status == StatusCode::OK {
            let previous = reply.body["previous_account_balance"].as_str().unwrap();
            let new = reply.body["new_account_balance"].as_str().unwrap();
            assert_eq!(previous.parse::<i64>().unwrap() - 1000, new.parse::<i64>().unwrap());
            new_balances.push(new.parse::<i64>().unwrap());
        } else {
            reply.assert_seed_failure(&account.account_id, "insufficient balance");
            n_refused += 1;
        }
    }
    assert_eq!(new_balances.len(), 20);
    assert_eq!(n_refused, 30);
    // Each success saw a different balance: the debits were applied one after another.
    new_balances.sort_unstable();
    assert_eq!(new_balances, (0..20).map(|n| n * 1000).collect::<Vec<i64>>());

    assert_eq!(admin_posted(&sb, &account.id).await, 0);
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (0, 0));
    let entries = admin_entries(&sb, &account.id).await;
    assert_eq!(entries.len(), 21);
    assert!(entries.iter().all(|entry| minor_of(entry["posted_after"].as_str().unwrap()) >= 0));
}

/// One change of the load test: request number, credit or not, amount in minor units.
#[derive(Debug, Clone, Copy)]
struct Change {
    n: u64,
    credit: bool,
    amount: i64,
}

/// A deterministic, well-mixed change for request `n` (splitmix64): credits of 1..=2000 and
/// debits of 1..=3000 minor units.
fn change(n: u64) -> Change {
    let mut z = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let credit = z & 1 == 0;
    let span = if credit { 2000 } else { 3000 };
    Change { n, credit, amount: 1 + i64::try_from((z >> 8) % span).unwrap() }
}

/// What one request of the load test got back.
#[derive(Debug)]
enum Outcome {
    Accepted { previous: i64, new: i64 },
    Refused,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_connections_of_mixed_changes_leave_exactly_the_accepted_sum() {
    const TASKS: u64 = 64;
    const PER_TASK: u64 = 50;
    const OPENING: i64 = 5000;

    let sb = start().await;
    let account = open(
        &sb,
        "50.00",
        json!({ "limits": {
            "balance_min": "0",
            "balance_max": null,
            "daily_debit_amount_max": null,
            "daily_debit_count_max": null,
            "daily_credit_amount_max": null,
            "daily_credit_count_max": null,
        } }),
    )
    .await;
    let token = login(&sb).await.access;
    let client =
        Client::builder().pool_max_idle_per_host(64).timeout(REQUEST_TIMEOUT).build().unwrap();

    let changes: Vec<Change> = (0..TASKS * PER_TASK).map(change).collect();
    let total_credits: i64 = changes.iter().filter(|c| c.credit).map(|c| c.amount).sum();
    let total_debits: i64 = changes.iter().filter(|c| !c.credit).map(|c| c.amount).sum();
    // More is asked in debits than could ever be there, so some debits must be refused
    // whatever the interleaving.
    assert!(total_debits > OPENING + total_credits, "{total_debits} vs {total_credits}");

    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let client = client.clone();
        let url = sb.url(UPDATE);
        let token = token.clone();
        let account_id = account.account_id.clone();
        let mine: Vec<Change> =
            changes[(task * PER_TASK) as usize..((task + 1) * PER_TASK) as usize].to_vec();
        tasks.spawn(async move {
            let mut results = Vec::with_capacity(mine.len());
            for change in mine {
                let body = json!({
                    "account_id": account_id,
                    "amount": change.amount,
                    "direction": if change.credit { "Credit" } else { "Debit" },
                    "reference": format!("load-{}", change.n),
                });
                let sent = client.post(&url).bearer_auth(&token).json(&body).send().await;
                let result = match sent {
                    Err(err) => Err(format!("request {}: {err}", change.n)),
                    Ok(resp) => {
                        let status = resp.status();
                        match resp.bytes().await {
                            Err(err) => Err(format!("request {}: body: {err}", change.n)),
                            Ok(bytes) => Ok((status, bytes)),
                        }
                    }
                };
                results.push((change, result));
            }
            results
        });
    }
    let results = tokio::time::timeout(PHASE_TIMEOUT, tasks.join_all()).await.unwrap();

    let mut outcomes: BTreeMap<u64, (Change, Outcome)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (change, result) in results.into_iter().flatten() {
        let (status, bytes) = match result {
            Ok(pair) => pair,
            Err(err) => {
                failures.push(err);
                continue;
            }
        };
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let outcome = match status {
            StatusCode::OK => {
                assert_eq!(body["account_id"], account.account_id.as_str());
                assert_eq!(body["previous_account_balance_direction"], "credit");
                assert_eq!(body["new_account_balance_direction"], "credit");
                let read = |key: &str| body[key].as_str().unwrap().parse::<i64>().unwrap();
                let (previous, new) =
                    (read("previous_account_balance"), read("new_account_balance"));
                let delta = if change.credit { change.amount } else { -change.amount };
                assert_eq!(new - previous, delta, "request {}: {body}", change.n);
                Outcome::Accepted { previous, new }
            }
            StatusCode::BAD_REQUEST => {
                assert!(!change.credit, "a credit was refused: {body}");
                assert_eq!(body["account_id"], account.account_id.as_str());
                assert_eq!(body["reason"], "insufficient balance", "request {}", change.n);
                assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
                assert!(is_dashed_uuid(body["trace_id"].as_str().unwrap()), "{body}");
                Outcome::Refused
            }
            other => {
                failures.push(format!("request {}: {other} {body}", change.n));
                continue;
            }
        };
        outcomes.insert(change.n, (change, outcome));
    }
    assert!(failures.is_empty(), "{} failures, first: {:?}", failures.len(), failures.first());
    assert_eq!(outcomes.len(), changes.len());

    let accepted: Vec<&(Change, Outcome)> = outcomes
        .values()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Accepted { .. }))
        .collect();
    let accepted_credits: i64 =
        accepted.iter().filter(|(c, _)| c.credit).map(|(c, _)| c.amount).sum();
    let accepted_debits: i64 =
        accepted.iter().filter(|(c, _)| !c.credit).map(|(c, _)| c.amount).sum();
    let n_refused = outcomes.len() - accepted.len();
    assert_eq!(accepted_credits, total_credits, "no credit is refused on this account");
    assert!(n_refused > 0);
    assert!(accepted.iter().any(|(c, _)| !c.credit), "some debits were accepted");
    let expected = OPENING + accepted_credits - accepted_debits;
    assert!(expected >= 0);

    // The ledger, the admin API and the vendor all agree on the exact result.
    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(minor_of(admin["balances"]["posted"].as_str().unwrap()), expected);
    assert_eq!(minor_of(admin["balances"]["available"].as_str().unwrap()), expected);
    assert_eq!(admin["n_entries"], accepted.len() + 1);
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (expected, expected));
    let details =
        call(&sb, Method::GET, &format!("/v1/accounts/{}", account.account_id), Some(&token), None)
            .await;
    assert_eq!(details.body["account_details"][0]["actual_balance"], expected);

    // History: the opening entry, then exactly the accepted changes, each once, in an order
    // whose running balance is what every response reported.
    let entries = admin_entries(&sb, &account.id).await;
    assert_eq!(entries.len(), accepted.len() + 1);
    assert_eq!(entries[0]["metadata"]["description"], "opening balance");
    assert_eq!(minor_of(entries[0]["posted_after"].as_str().unwrap()), OPENING);
    let mut running = OPENING;
    let mut seen = HashSet::new();
    for entry in &entries[1..] {
        let reference = entry["metadata"]["reference"].as_str().unwrap();
        let n: u64 = reference.strip_prefix("load-").unwrap().parse().unwrap();
        assert!(seen.insert(n), "request {n} is in history twice");
        let (change, outcome) = &outcomes[&n];
        let Outcome::Accepted { previous, new } = outcome else {
            panic!("refused request {n} is in history");
        };
        let amount = minor_of(entry["amount"].as_str().unwrap());
        assert_eq!(amount, change.amount);
        assert_eq!(entry["direction"], if change.credit { "credit" } else { "debit" });
        assert_eq!(*previous, running, "request {n} saw the balance before it");
        running += if change.credit { amount } else { -amount };
        assert_eq!(minor_of(entry["posted_after"].as_str().unwrap()), running);
        assert_eq!(*new, running);
        assert!(running >= 0, "the minimum balance of 0 held");
    }
    assert_eq!(running, expected);
    assert_eq!(seen.len(), accepted.len());
}
