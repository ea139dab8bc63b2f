//! Tenants over the admin API: listing them, and deleting one, which frees everything it held
//! and revokes its credentials while every other tenant carries on untouched.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin::tenant_ids;
use crate::common::{ONE_OF_EACH, Sandbox};

/// A tenant as `POST /__admin/tenants` answered it.
struct NewTenant {
    id: String,
    admin_token: String,
    credentials: Value,
}

async fn create_tenant(sb: &Sandbox) -> NewTenant {
    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    NewTenant {
        id: body["tenant_id"].as_str().unwrap().to_string(),
        admin_token: body["admin_token"].as_str().unwrap().to_string(),
        credentials: body["credentials"].clone(),
    }
}

async fn delete_tenant(sb: &Sandbox, token: &str, id: &str) -> reqwest::Response {
    sb.admin_as(token, Method::DELETE, &format!("/__admin/tenants/{id}"), None).await
}

/// Opens one account per vendor in the tenant of `token`; returns the admin answers.
async fn open_one_of_each(sb: &Sandbox, token: &str) -> Vec<Value> {
    let mut opened = Vec::new();
    for (vendor, currency) in ONE_OF_EACH {
        let body = json!({ "vendor": vendor, "currency": currency, "opening_balance": "10.00" });
        let resp = sb.admin_as(token, Method::POST, "/__admin/accounts", Some(body)).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        opened.push(resp.json().await.unwrap());
    }
    opened
}

/// Not a header: `user:password` sent as `Authorization: Basic`.
const BASIC: &str = "basic";

/// What a vendor call answered: its status and the rule that fired.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    status: u16,
    reason: Option<String>,
}

impl Outcome {
    /// Whether the vendor refused the call's credentials (every vendor's auth rules are
    /// named `auth: …` in `X-Sandbank-Reason`).
    fn refused_for_auth(&self) -> bool {
        self.reason.as_deref().is_some_and(|reason| reason.starts_with("auth"))
    }
}

/// Sends one vendor request: `(method, path, headers, body)`; returns the outcome and the body.
async fn call(
    sb: &Sandbox,
    (method, path, headers, body): (Method, String, Vec<(&str, String)>, String),
) -> (Outcome, Value) {
    let mut req = sb.client.request(method, sb.url(&path)).body(body);
    for (name, value) in headers {
        req = match value.split_once(':').filter(|_| name == BASIC) {
            Some((user, password)) => req.basic_auth(user, Some(password)),
            None => req.header(name, value),
        };
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let reason = resp.headers().get("x-sandbank-reason").map(|v| v.to_str().unwrap().to_string());
    let body = resp.json().await.unwrap_or(Value::Null);
    (Outcome { status, reason }, body)
}

type VendorRequest = (Method, String, Vec<(&'static str, String)>, String);

/// The logins of every vendor with these credentials.
fn logins(credentials: &Value) -> Vec<VendorRequest> {
    let text = |vendor: &str, key: &str| credentials[vendor][key].as_str().unwrap().to_string();
    let fv_basic =
        format!("{}:{}", text("firstvision", "apikey"), text("firstvision", "clientSecret"));
    let json = ("content-type", "application/json".to_string());
    vec![
        (
            Method::POST,
            "/token".into(),
            vec![(BASIC, fv_basic), ("content-type", "application/x-www-form-urlencoded".into())],
            "grant_type=client_credentials".into(),
        ),
        (
            Method::POST,
            "/v1/auth".into(),
            vec![json.clone()],
            json!({ "key": text("clowd9", "key"), "secret": text("clowd9", "secret") }).to_string(),
        ),
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            vec![json.clone()],
            json!({ "login_id": text("qolo", "login_id"), "api_key": text("qolo", "api_key") })
                .to_string(),
        ),
        (
            Method::POST,
            "/?call=session-create-v1".into(),
            vec![("content-type", "application/x-www-form-urlencoded".to_string())],
            format!("apiKey={}", text("pcaasa", "apiKey")),
        ),
    ]
}

/// Calls of every vendor made with tokens and sessions: `tokens` are the access tokens the
/// logins answered (FirstVision, Clowd9, Qolo), plus AMLYZE's static token and PCaaSA's
/// standing session from `credentials`.
fn token_calls(credentials: &Value, tokens: &[String]) -> Vec<VendorRequest> {
    let bearer = |token: &str| ("authorization", format!("Bearer {token}"));
    let json = ("content-type", "application/json".to_string());
    let apikey = ("apikey", credentials["firstvision"]["apikey"].as_str().unwrap().to_string());
    let amlyze = credentials["amlyze"]["token"].as_str().unwrap();
    let session = credentials["pcaasa"]["sessionUuid"].as_str().unwrap();
    let nobody = "00000000-0000-4000-8000-000000000000";
    vec![
        (
            Method::POST,
            "/account/balance/details".into(),
            vec![bearer(&tokens[0]), apikey, ("x-clientid", "00970".into()), json.clone()],
            json!({ "accountNumber": "9704010000000001467" }).to_string(),
        ),
        (Method::GET, format!("/v1/accounts/{nobody}"), vec![bearer(&tokens[1])], String::new()),
        (
            Method::GET,
            format!("/api/v1/accounts/{nobody}"),
            vec![bearer(&tokens[2])],
            String::new(),
        ),
        (
            Method::PUT,
            "/amlyze-ws-rest/account-balance".into(),
            vec![bearer(amlyze), json],
            "{}".into(),
        ),
        (
            Method::POST,
            "/?call=account-balance-get-v1".into(),
            vec![("content-type", "application/x-www-form-urlencoded".to_string())],
            format!("sessionUuid={session}&accountUuid={nobody}"),
        ),
    ]
}

/// Credentials of the same shapes that were never issued.
fn never_issued() -> Value {
    json!({
        "firstvision": { "apikey": "fv-key-never", "clientSecret": "fv-secret-never" },
        "clowd9": { "key": "c9k_never", "secret": "c9s_never" },
        "qolo": { "login_id": "qolo-login-never", "api_key": "qolo-key-never" },
        "pcaasa": {
            "apiKey": "00000000-0000-4000-8000-00000000000a",
            "sessionUuid": "00000000-0000-4000-8000-00000000000b",
        },
        "amlyze": { "token": "amlyze_never" },
    })
}

/// Logs in to FirstVision, Clowd9 and Qolo with `credentials`; returns the access tokens.
async fn log_in(sb: &Sandbox, credentials: &Value) -> Vec<String> {
    let mut tokens = Vec::new();
    for (idx, request) in logins(credentials).into_iter().enumerate() {
        let (outcome, body) = call(sb, request).await;
        assert_eq!(outcome.status, 200, "login {idx}: {body}");
        if let Some(token) = body["access_token"].as_str() {
            tokens.push(token.to_string());
        }
    }
    assert_eq!(tokens.len(), 3);
    tokens
}

// See: issue item 11 (tenants leak; nothing lists or deletes them).
#[tokio::test]
async fn deleting_a_tenant_revokes_its_credentials_and_leaves_other_tenants_untouched() {
    let sb = Sandbox::start().await;
    let mine = open_one_of_each(&sb, &sb.server.admin_token).await;
    let tenant = create_tenant(&sb).await;
    open_one_of_each(&sb, &tenant.admin_token).await;
    let tokens = log_in(&sb, &tenant.credentials).await;
    for (idx, request) in token_calls(&tenant.credentials, &tokens).into_iter().enumerate() {
        let (outcome, body) = call(&sb, request).await;
        assert!(!outcome.refused_for_auth(), "call {idx} is authenticated before: {body}");
    }
    let default_credentials =
        Value::Object(sb.server.app.default_tenant().unwrap().credentials.clone());
    let default_tokens = log_in(&sb, &default_credentials).await;
    let mine_before: Vec<Value> = sb_accounts(&sb, &sb.server.admin_token).await;

    let resp = delete_tenant(&sb, &sb.server.admin_token, &tenant.id).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.bytes().await.unwrap().is_empty());

    // Its credentials and tokens now get what credentials never issued get.
    let never = never_issued();
    let never_tokens: Vec<String> = ["fv-never", "c9-never", "qolo-never"].map(String::from).into();
    let pairs = logins(&tenant.credentials).into_iter().zip(logins(&never)).chain(
        token_calls(&tenant.credentials, &tokens)
            .into_iter()
            .zip(token_calls(&never, &never_tokens)),
    );
    for (idx, (deleted, unknown)) in pairs.enumerate() {
        let (deleted, body) = call(&sb, deleted).await;
        let (unknown, _) = call(&sb, unknown).await;
        assert_eq!(deleted, unknown, "call {idx}: answered as an unknown credential: {body}");
        // The vendor's own auth refusal: 401 mostly, Clowd9's documented 500 for a bad login,
        // PCaaSA's 200 error envelope.
        assert!(deleted.refused_for_auth(), "call {idx}: {deleted:?} {body}");
    }
    let resp = sb.admin_as(&tenant.admin_token, Method::GET, "/__admin/clock", None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "its admin token is gone");
    assert_eq!(tenant_ids(&sb).await, vec![server::tenants::DEFAULT_TENANT.to_string()]);

    // The default tenant sees nothing change: its accounts, its credentials, its tokens.
    assert_eq!(sb_accounts(&sb, &sb.server.admin_token).await, mine_before);
    assert_eq!(mine.len(), mine_before.len());
    log_in(&sb, &default_credentials).await;
    for (idx, request) in token_calls(&default_credentials, &default_tokens).into_iter().enumerate()
    {
        let (outcome, body) = call(&sb, request).await;
        assert!(!outcome.refused_for_auth(), "default tenant's call {idx}: {body}");
    }
}

async fn sb_accounts(sb: &Sandbox, token: &str) -> Vec<Value> {
    let resp = sb.admin_as(token, Method::GET, "/__admin/accounts", None).await;
    let body: Value = resp.json().await.unwrap();
    body["accounts"].as_array().unwrap().clone()
}

#[tokio::test]
async fn only_the_operator_lists_and_deletes_tenants_and_the_default_tenant_stays() {
    let sb = Sandbox::start().await;
    let other = create_tenant(&sb).await;
    let third = create_tenant(&sb).await;
    let operator = sb.server.admin_token.clone();

    let resp = sb.admin_as(&other.admin_token, Method::GET, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "forbidden");
    let resp = delete_tenant(&sb, &other.admin_token, &third.id).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = delete_tenant(&sb, &other.admin_token, &other.id).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "not even itself");
    let default_id = server::tenants::DEFAULT_TENANT.to_string();
    let resp = delete_tenant(&sb, &operator, &default_id).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "conflict");
    for missing in ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "%20"] {
        let resp = delete_tenant(&sb, &operator, missing).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_found");
    }
    let resp = sb
        .admin(
            Method::DELETE,
            &format!("/__admin/tenants/{}", third.id),
            Some(json!({ "force": true })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "an unknown field refuses the deletion");
    assert_eq!(tenant_ids(&sb).await.len(), 3, "every refusal above deleted nothing");

    // The list: the default tenant first, then by creation; what an operator needs per tenant.
    open_one_of_each(&sb, &other.admin_token).await;
    let frozen = json!({ "set": "2030-01-01T00:00:00Z", "freeze": true });
    sb.admin_as(&other.admin_token, Method::POST, "/__admin/clock", Some(frozen)).await;
    let resp = sb.admin(Method::GET, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let list: Value = resp.json().await.unwrap();
    let tenants = list["tenants"].as_array().unwrap();
    let ids: Vec<&str> = tenants.iter().map(|t| t["tenant_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [default_id.as_str(), other.id.as_str(), third.id.as_str()]);
    assert_eq!(tenants[0]["default"], true);
    assert_eq!(tenants[1]["default"], false);
    assert_eq!(tenants[1]["accounts"], 5);
    assert_eq!(tenants[2]["accounts"], 0);
    assert_eq!(tenants[1]["clock"], json!({ "now": "2030-01-01T00:00:00Z", "frozen": true }));
    assert!(
        tenants[1]["created_at"].as_str().unwrap() <= tenants[2]["created_at"].as_str().unwrap()
    );
    assert!(tenants[1].get("admin_token").is_none(), "the list hands out no secrets");

    let resp = delete_tenant(&sb, &operator, &other.id).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = delete_tenant(&sb, &operator, &other.id).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "a second deletion finds nothing");
    assert_eq!(tenant_ids(&sb).await, [default_id, third.id]);
    let resp = sb.admin(Method::PUT, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let resp = sb.admin(Method::GET, &format!("/__admin/tenants/{}", other.id), None).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn creating_and_deleting_tenants_in_a_loop_leaves_nothing_behind() {
    let sb = Sandbox::start().await;
    let mine = open_one_of_each(&sb, &sb.server.admin_token).await;
    let now = server::clock::system_now();
    let baseline = sb.server.app.ledger.snapshot(now);
    for _ in 0..20 {
        let tenant = create_tenant(&sb).await;
        let opened = open_one_of_each(&sb, &tenant.admin_token).await;
        log_in(&sb, &tenant.credentials).await;
        // A keyed Clowd9 write leaves an idempotency key and history behind, until deleted.
        let clowd9 = &opened[1]["vendor_ids"]["account_id"];
        let login = logins(&tenant.credentials).swap_remove(1);
        let (_, auth) = call(&sb, login).await;
        let token = auth["access_token"].as_str().unwrap();
        let (outcome, body) = call(
            &sb,
            (
                Method::POST,
                format!("/v1/accounts/{}/increase", clowd9.as_str().unwrap()),
                vec![
                    ("authorization", format!("Bearer {token}")),
                    ("content-type", "application/json".into()),
                ],
                json!({ "amount": 500, "reference_id": "loop-1" }).to_string(),
            ),
        )
        .await;
        assert_eq!(outcome.status, 200, "{body}");
        let resp = delete_tenant(&sb, &sb.server.admin_token, &tenant.id).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(tenant_ids(&sb).await.len(), 1);
    let list: Value = sb.admin(Method::GET, "/__admin/tenants", None).await.json().await.unwrap();
    assert_eq!(list["tenants"][0]["accounts"], mine.len());
    // Nothing of the deleted tenants is left in the ledger: accounts, external balances,
    // holds, idempotency keys.
    let after = sb.server.app.ledger.snapshot(now);
    assert_eq!(after.accounts, baseline.accounts);
    assert_eq!(after.externals, baseline.externals);
    assert_eq!(after.pending, baseline.pending);
    assert_eq!(after.n_keys, baseline.n_keys);
    assert_eq!(sb.server.app.tenants.len(), 1);
}
