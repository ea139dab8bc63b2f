//! `GET /metrics` over HTTP: scraped before and after vendor calls (a success, a refusal, an
//! idempotent replay, a fault), each counter must have moved by exactly what the calls did;
//! and `serve --metrics-require-token`.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::json;
use server::testing;

use crate::clowd9::{UPDATE, call, login};
use crate::common::Sandbox;

/// One scrape: each sample (`name{labels}`) with its value.
struct Scrape(HashMap<String, f64>);

impl Scrape {
    async fn of(sb: &Sandbox) -> Scrape {
        let resp = sb.client.get(sb.url("/metrics")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
        Scrape::parse(&resp.text().await.unwrap())
    }

    fn parse(text: &str) -> Scrape {
        assert!(text.ends_with("# EOF\n"), "an OpenMetrics exposition ends with # EOF");
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| {
                let (sample, value) = line.rsplit_once(' ').unwrap();
                (sample.to_string(), value.parse::<f64>().unwrap())
            })
            .collect();
        Scrape(samples)
    }

    /// A sample's value; 0 when it is not there (a counter not yet made).
    fn get(&self, sample: &str) -> f64 {
        self.0.get(sample).copied().unwrap_or(0.0)
    }

    /// How much `sample` grew from `before` to `self`.
    #[expect(clippy::float_arithmetic, reason = "counts are small integers, exact in an f64")]
    fn grew(&self, before: &Scrape, sample: &str) -> f64 {
        self.get(sample) - before.get(sample)
    }
}

fn requests(operation: &str, status: &str) -> String {
    format!(
        "sandbank_requests_total{{vendor=\"clowd9\",operation=\"{operation}\",status=\"{status}\"}}"
    )
}

fn latency_count(operation: &str) -> String {
    format!(
        "sandbank_request_duration_seconds_count{{vendor=\"clowd9\",operation=\"{operation}\"}}"
    )
}

const REFUSED_FUNDS: &str =
    "sandbank_ledger_transfers_refused_total{reason=\"insufficient_funds\"}";
const COMMITTED: &str = "sandbank_ledger_transfers_committed_total";
const REPLAYS: &str = "sandbank_ledger_idempotent_replays_total";

#[tokio::test]
async fn vendor_calls_move_each_counter_by_exactly_what_they_did() {
    let sb = Sandbox::start().await;
    let account = sb.open_account("clowd9", "GBP", "10.00", json!({})).await;
    let account_id = account["vendor_ids"]["account_id"].as_str().unwrap().to_string();
    let token = login(&sb).await.access;
    let update = |amount: i64, direction: &str, reference: Option<&str>| {
        let mut body =
            json!({ "account_id": account_id, "amount": amount, "direction": direction });
        if let Some(reference) = reference {
            body["reference_id"] = json!(reference);
        }
        body
    };
    let before = Scrape::of(&sb).await;
    assert_eq!(before.get("sandbank_tenants"), 1.0);
    assert_eq!(before.get("sandbank_accounts"), 1.0);

    // A success, then its replay (same reference), then a refusal.
    let credit = update(500, "Credit", Some("ref-1"));
    let first = call(&sb, Method::POST, UPDATE, Some(&token), Some(credit.clone())).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let replay = call(&sb, Method::POST, UPDATE, Some(&token), Some(credit)).await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.body);
    let refused =
        call(&sb, Method::POST, UPDATE, Some(&token), Some(update(99_999, "Debit", None))).await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    let refused_status = refused.status.as_u16().to_string();

    let after = Scrape::of(&sb).await;
    let op = "UpdateAccountBalance";
    assert_eq!(after.grew(&before, &requests(op, "200")), 2.0, "the success and its replay");
    assert_eq!(after.grew(&before, &requests(op, &refused_status)), 1.0, "the refusal");
    assert_eq!(after.grew(&before, &latency_count(op)), 3.0, "one latency per answer");
    assert_eq!(after.grew(&before, COMMITTED), 1.0, "the replay committed nothing");
    assert_eq!(after.grew(&before, REPLAYS), 1.0);
    assert_eq!(after.grew(&before, REFUSED_FUNDS), 1.0);
    // The token call before the first scrape counted once, under its own operation.
    assert_eq!(after.get(&requests("AuthenticateApi", "200")), 1.0);
    // Scrapes count nothing, and neither appear in the journal.
    assert!(!sb.journal().await.iter().any(|e| e["path"] == "/metrics"));
    let admin = "sandbank_requests_total{vendor=\"admin\",operation=\"POST /__admin/accounts\",status=\"201\"}";
    assert_eq!(after.get(admin), 1.0, "the account opening, through the admin API");
    // What the process reads from /proc is there on Linux.
    if cfg!(target_os = "linux") {
        assert!(after.get("process_resident_memory_bytes") > 0.0);
        assert!(after.get("process_open_fds") > 0.0);
        assert!(after.get("process_start_time_seconds") > 1.0e9);
    }
}

static MATCH: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| json!({ "vendor": "clowd9", "operation": "UpdateAccountBalance" }));

#[tokio::test]
async fn a_fault_that_fires_is_counted_and_a_reset_has_no_status() {
    let sb = Sandbox::start().await;
    let account = sb.open_account("clowd9", "GBP", "10.00", json!({})).await;
    let account_id = account["vendor_ids"]["account_id"].as_str().unwrap().to_string();
    let token = login(&sb).await.access;
    let spec = json!({ "name": "down", "match": MATCH.clone(), "error": "unavailable", "when": { "times": 1 } });
    crate::faults::rule(&sb, spec).await;
    let before = Scrape::of(&sb).await;

    let body = json!({ "account_id": account_id, "amount": 100, "direction": "Credit" });
    let failed = call(&sb, Method::POST, UPDATE, Some(&token), Some(body.clone())).await;
    assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE, "{}", failed.body);
    let passed = call(&sb, Method::POST, UPDATE, Some(&token), Some(body)).await;
    assert_eq!(passed.status, StatusCode::OK, "the rule fired once: {}", passed.body);

    let after = Scrape::of(&sb).await;
    let fired = "sandbank_faults_fired_total{vendor=\"clowd9\",phase=\"before\",action=\"error\"}";
    assert_eq!(after.grew(&before, fired), 1.0);
    let op = "UpdateAccountBalance";
    assert_eq!(after.grew(&before, &requests(op, "503")), 1.0);
    assert_eq!(after.grew(&before, &requests(op, "200")), 1.0);
    assert_eq!(after.grew(&before, COMMITTED), 1.0, "the faulted request changed nothing");

    // A reset sends no status: counted as `none`.
    let spec = json!({ "name": "cut", "match": MATCH.clone(), "transport": "reset", "when": { "times": 1 } });
    crate::faults::rule(&sb, spec).await;
    let addr = sb.server.base_url.strip_prefix("http://").unwrap();
    let request = format!(
        "POST {UPDATE} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    let raw = crate::faults::raw(&sb, request.as_bytes(), std::time::Duration::from_secs(5)).await;
    assert_eq!(raw.ending, crate::faults::Ending::Reset);
    let reset = Scrape::of(&sb).await;
    assert_eq!(reset.grew(&after, &requests(op, "none")), 1.0);
    let fired = "sandbank_faults_fired_total{vendor=\"clowd9\",phase=\"before\",action=\"reset\"}";
    assert_eq!(reset.grew(&after, fired), 1.0);
}

#[tokio::test]
async fn the_token_flag_lets_only_the_operator_scrape() {
    let open = Sandbox::start().await;
    let resp = open.client.get(open.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "no token needed by default");

    let config = server::Config { metrics_require_token: true, ..server::Config::default() };
    let sb = Sandbox::with_server(testing::spawn_with(config).await.unwrap());
    let bare = sb.client.get(sb.url("/metrics")).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(bare.headers()["www-authenticate"], "Bearer");
    let wrong = sb.client.get(sb.url("/metrics")).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // Another tenant's admin token is not the operator's.
    let made = sb
        .admin(Method::POST, "/__admin/tenants", Some(json!({})))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let other = made["admin_token"].as_str().unwrap();
    let theirs = sb.client.get(sb.url("/metrics")).bearer_auth(other).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::UNAUTHORIZED);
    let operator = sb.client.get(sb.url("/metrics")).bearer_auth(&sb.server.admin_token);
    let text = operator.send().await.unwrap().text().await.unwrap();
    assert_eq!(Scrape::parse(&text).get("sandbank_tenants"), 2.0);
}

#[tokio::test]
async fn only_get_serves_metrics() {
    let sb = Sandbox::start().await;
    let resp = sb.client.post(sb.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "GET");
}

/// With a store, each group commit is observed once in both histograms, and every stored
/// change is in some commit; without one, the store's metrics are not there at all.
#[tokio::test]
async fn a_store_reports_its_commits_and_memory_mode_has_none() {
    let memory = Sandbox::start().await;
    let text = memory.client.get(memory.url("/metrics")).send().await.unwrap();
    assert!(!text.text().await.unwrap().contains("sandbank_store_commit"));

    let dir = crate::restarts::DataDir::new("metrics-store");
    let sb = crate::restarts::start(&dir).await;
    let before = Scrape::of(&sb).await;
    let account = sb.open_account("clowd9", "GBP", "10.00", json!({})).await;
    let account_id = account["vendor_ids"]["account_id"].as_str().unwrap();
    let token = login(&sb).await.access;
    let body = json!({ "account_id": account_id, "amount": 100, "direction": "Credit" });
    let written = call(&sb, Method::POST, UPDATE, Some(&token), Some(body)).await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.body);

    let after = Scrape::of(&sb).await;
    let commits = after.grew(&before, "sandbank_store_commit_rows_count");
    let rows = after.grew(&before, "sandbank_store_commit_rows_sum");
    // The opening and the write were each stored before they were answered: at least two
    // rows, in one commit or more, and each commit also timed.
    assert!(commits >= 1.0 && rows >= 2.0 && rows >= commits, "{commits} commits, {rows} rows");
    assert_eq!(after.grew(&before, "sandbank_store_commit_duration_seconds_count"), commits);
}
