//! Reproducible ids: the same script against two fresh servers with the same seed gets
//! byte-identical answers (bar what the README excludes: `Date`, `created_at`, and the JWTs of
//! Clowd9 and Qolo, signed with a per-process key); another seed gets other ids.

use reqwest::Method;
use serde_json::{Value, json};
use server::testing;

use crate::common::{ONE_OF_EACH, Sandbox};

/// One answer as the script compares it: status, headers but `Date`, and the body bytes.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    step: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

async fn seen(step: &str, resp: reqwest::Response) -> Seen {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str() != "date")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    Seen { step: step.to_string(), status, headers, body: resp.text().await.unwrap() }
}

async fn sandbox(seed: u64) -> Sandbox {
    let config = server::Config { seed: Some(seed), ..server::Config::default() };
    Sandbox::with_server(testing::spawn_with(config).await.unwrap())
}

fn body(seen: &Seen) -> Value {
    serde_json::from_str(&seen.body).unwrap()
}

/// Opens one account of each vendor in the tenant of `token`.
async fn open_each(sb: &Sandbox, token: &str, out: &mut Vec<Seen>) {
    for (vendor, currency) in ONE_OF_EACH {
        let opening = json!({ "vendor": vendor, "currency": currency, "opening_balance": "10.00" });
        let resp = sb.admin_as(token, Method::POST, "/__admin/accounts", Some(opening)).await;
        out.push(seen(&format!("open {vendor}"), resp).await);
    }
}

/// The vendor ids of the account `open {vendor}` answered.
fn opened(out: &[Seen], vendor: &str) -> Value {
    let step = format!("open {vendor}");
    body(out.iter().find(|seen| seen.step == step).unwrap())["vendor_ids"].clone()
}

/// A firstvision token call with `credentials` (the admin API's answer for firstvision).
async fn firstvision_token(sb: &Sandbox, credentials: &Value) -> reqwest::Response {
    let key = credentials["apikey"].as_str().unwrap();
    sb.client
        .post(sb.url("/firstvision/token"))
        .basic_auth(key, credentials["clientSecret"].as_str())
        .header("apikey", key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
}

/// A pcaasa call (`POST /?call=…`) with a form body.
async fn pcaasa(sb: &Sandbox, call: &str, form: String) -> reqwest::Response {
    let url = sb.url(&format!("/?call={call}"));
    let req = sb.client.post(url).header("content-type", "application/x-www-form-urlencoded");
    req.body(form).send().await.unwrap()
}

/// The script: a frozen clock, one account per vendor, tokens, sessions and writes, then a
/// seeded tenant with an account and a token of its own; every answer it got.
async fn script(sb: &Sandbox) -> Vec<Seen> {
    let mut out = Vec::new();
    let frozen = json!({ "set": "2026-06-01T12:00:00Z", "freeze": true });
    out.push(seen("clock", sb.admin(Method::POST, "/__admin/clock", Some(frozen)).await).await);
    open_each(sb, &sb.server.admin_token, &mut out).await;
    let tenant = sb.server.app.default_tenant().unwrap();
    let fv = firstvision_token(sb, &tenant.credentials["firstvision"]).await;
    out.push(seen("firstvision token", fv).await);

    let key = tenant.credentials["pcaasa"]["apiKey"].as_str().unwrap();
    let session =
        seen("pcaasa session", pcaasa(sb, "session-create-v1", format!("apiKey={key}")).await)
            .await;
    let session_uuid = body(&session)["data"]["sessionUuid"].as_str().unwrap().to_string();
    out.push(session);
    let account = opened(&out, "pcaasa")["accountUuid"].as_str().unwrap().to_string();
    let adjust =
        format!("sessionUuid={session_uuid}&accountUuid={account}&amount=1.25&tranCode=CIBKLVAC");
    out.push(seen("pcaasa adjust", pcaasa(sb, "account-balance-adjust-v1", adjust).await).await);

    let ext_id = opened(&out, "amlyze")["accountExtId"].as_str().unwrap().to_string();
    let write = json!({ "communicationNumber": "C-1", "requester": "core", "accountExtId": ext_id,
                        "balanceAt": "2026-06-01T00:00:00Z", "value": 5 });
    let resp = sb
        .client
        .put(sb.url("/amlyze-ws-rest/account-balance"))
        .bearer_auth("sandbank-amlyze-token")
        .json(&write)
        .send()
        .await
        .unwrap();
    out.push(seen("amlyze write", resp).await);

    let created = sb.admin(Method::POST, "/__admin/tenants", Some(json!({ "seed": 42 }))).await;
    let created = seen("new tenant", created).await;
    let new = body(&created);
    out.push(created);
    let new_token = new["admin_token"].as_str().unwrap();
    let frozen = json!({ "set": "2026-06-02T08:00:00Z", "freeze": true });
    let clock = sb.admin_as(new_token, Method::POST, "/__admin/clock", Some(frozen)).await;
    out.push(seen("new tenant's clock", clock).await);
    open_each(sb, new["admin_token"].as_str().unwrap(), &mut out).await;
    out.push(
        seen("new tenant's token", firstvision_token(sb, &new["credentials"]["firstvision"]).await)
            .await,
    );

    let mut listed = seen("tenants", sb.admin(Method::GET, "/__admin/tenants", None).await).await;
    let mut tenants = body(&listed);
    for tenant in tenants["tenants"].as_array_mut().unwrap() {
        // Real time of creation: excluded from the promise.
        tenant.as_object_mut().unwrap().remove("created_at");
    }
    listed.body = tenants.to_string();
    // …and so is the length that depends on it.
    listed.headers.retain(|(name, _)| name != "content-length");
    out.push(listed);
    out
}

#[tokio::test]
async fn the_same_script_with_the_same_seed_gets_byte_identical_answers() {
    let (first, second) = (sandbox(7).await, sandbox(7).await);
    let (a, b) = (script(&first).await, script(&second).await);
    for seen in &a {
        assert!(seen.status < 300, "{seen:?}");
    }
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    let new = a.iter().find(|seen| seen.step == "new tenant").unwrap();
    assert_eq!(body(new)["seed"], 42);
    let listed = body(a.last().unwrap());
    assert_eq!(listed["tenants"][0]["seed"], 7);
    assert_eq!(listed["tenants"][1]["seed"], 42);
}

#[tokio::test]
async fn another_seed_gets_other_ids() {
    let (seven, eight) = (sandbox(7).await, sandbox(8).await);
    let (a, b) = (script(&seven).await, script(&eight).await);
    for vendor in ["firstvision", "clowd9", "amlyze", "qolo", "pcaasa"] {
        let (ids_a, ids_b) = (opened(&a, vendor), opened(&b, vendor));
        assert_ne!(ids_a, ids_b, "{vendor}");
        let step = format!("open {vendor}");
        let account_id =
            |out: &[Seen]| body(out.iter().find(|s| s.step == step).unwrap())["id"].clone();
        assert_ne!(account_id(&a), account_id(&b), "{vendor}");
    }
    let trace =
        |out: &[Seen]| out[0].headers.iter().find(|(n, _)| n == "x-sandbank-trace-id").cloned();
    assert_ne!(trace(&a), trace(&b));
}

#[tokio::test]
async fn a_tenant_seed_must_be_a_whole_number_and_a_refusal_creates_nothing() {
    let sb = sandbox(7).await;
    for bad in [
        json!({ "seed": -1 }),
        json!({ "seed": "7" }),
        json!({ "seed": 1.5 }),
        json!({ "seed": 18_446_744_073_709_551_616_f64 }),
        json!({ "seed": 7, "x": 1 }),
    ] {
        let resp = sb.admin(Method::POST, "/__admin/tenants", Some(bad.clone())).await;
        assert_eq!(resp.status(), 400, "{bad}");
        let error: Value = resp.json().await.unwrap();
        assert!(error["message"].as_str().unwrap().contains("field"), "{bad}: {error}");
    }
    let listed: Value = sb.admin(Method::GET, "/__admin/tenants", None).await.json().await.unwrap();
    assert_eq!(listed["tenants"].as_array().unwrap().len(), 1);
    // The refusals drew no id: the first tenant created after them is the one a fresh server
    // creates first.
    let created: Value =
        sb.admin(Method::POST, "/__admin/tenants", None).await.json().await.unwrap();
    let fresh = sandbox(7).await;
    let expected: Value =
        fresh.admin(Method::POST, "/__admin/tenants", None).await.json().await.unwrap();
    assert_eq!(created["tenant_id"], expected["tenant_id"]);
    assert_eq!(created["admin_token"], expected["admin_token"]);
}

fn trace_header(headers: &reqwest::header::HeaderMap) -> String {
    headers["x-sandbank-trace-id"].to_str().unwrap().to_string()
}

/// The trace ids a new tenant of seed 42 sees in a short Clowd9 script (each answer's header
/// and, where Clowd9 sends one, its body's), with `noise` requests of the default tenant before
/// each step.
async fn traces_seen(sb: &Sandbox, noise: usize) -> Vec<String> {
    let stir = || async {
        for _ in 0..noise {
            sb.admin(Method::GET, "/__admin/accounts", None).await;
        }
    };
    let created = sb.admin(Method::POST, "/__admin/tenants", Some(json!({ "seed": 42 }))).await;
    let tenant: Value = created.json().await.unwrap();
    let token = tenant["admin_token"].as_str().unwrap();
    stir().await;
    let opening = json!({ "vendor": "clowd9", "currency": "GBP", "opening_balance": "10.00" });
    let resp = sb.admin_as(token, Method::POST, "/__admin/accounts", Some(opening)).await;
    let mut traces = vec![trace_header(resp.headers())];
    let opened: Value = resp.json().await.unwrap();
    let clowd9 = &tenant["credentials"]["clowd9"];
    let login = json!({ "key": clowd9["key"], "secret": clowd9["secret"] });
    let mut access = String::new();
    for step in 0..3 {
        stir().await;
        let resp = if step == 0 {
            sb.client.post(sb.url("/v1/auth")).json(&login).send().await.unwrap()
        } else {
            // A write, then one refused for funds: both bodies carry the trace id.
            let amount = if step == 1 { 100 } else { 999_999_999 };
            let write = json!({ "account_id": opened["vendor_ids"]["account_id"],
                                "amount": amount, "direction": "Debit" });
            let req = sb.client.post(sb.url("/v1/accounts/balance")).bearer_auth(&access);
            req.json(&write).send().await.unwrap()
        };
        traces.push(trace_header(resp.headers()));
        let body: Value = resp.json().await.unwrap();
        traces.push(body["trace_id"].as_str().unwrap().to_string());
        if step == 0 {
            access = body["access_token"].as_str().unwrap().to_string();
        }
    }
    traces
}

#[tokio::test]
async fn a_tenants_trace_ids_are_its_own_whatever_other_tenants_do() {
    let (quiet, busy) = (sandbox(7).await, sandbox(7).await);
    let (alone, among_others) = (traces_seen(&quiet, 0).await, traces_seen(&busy, 3).await);
    assert_eq!(alone.len(), 7);
    assert_eq!(alone, among_others);
    // The header and the body of one answer name the same trace.
    assert_eq!(alone[1].replace('-', ""), alone[2]);
    assert_eq!(alone[5], alone[6]);
}
