//! `serve --log-format`: the log lines a request leaves on stderr, read from the built binary
//! as an operator's log pipeline (JSON) or a person (text) would.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use crate::durable::{START_WAIT, sandbank};

/// The default tenant's id (`server::tenants::DEFAULT_TENANT`), the same on every start.
const DEFAULT_TENANT: &str = "5a4dba4c-0000-4000-8000-000000000001";
const ADMIN_TOKEN: &str = "logs-test-operator-token";

/// A `serve` whose stderr is kept; killed when dropped.
struct Logged {
    child: Child,
    base_url: String,
    client: Client,
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sandbank serve` with `env` and its banner read.
fn start(env: &[(&str, &str)]) -> Logged {
    let mut child = sandbank()
        .args(["serve", "--listen", "127.0.0.1:0", "--admin-token", ADMIN_TOKEN])
        .env("SANDBANK_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + START_WAIT;
    let mut banner: Vec<String> = Vec::new();
    while !banner.last().is_some_and(|line| line.starts_with("admin API:")) {
        let left = deadline.saturating_duration_since(Instant::now());
        banner.push(lines_rx.recv_timeout(left).expect("a banner in time"));
    }
    let base_url = banner[0].strip_prefix("sandbank listening on ").unwrap().to_string();
    let client = Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    Logged { child, base_url, client }
}

impl Logged {
    fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        let req = self.client.post(format!("{}{path}", self.base_url)).json(body);
        let req = if token.is_empty() { req } else { req.bearer_auth(token) };
        req.send().unwrap()
    }

    /// Stops the server (SIGTERM) and returns everything it wrote on stderr.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let _ = self.child.wait();
        stderr
    }
}

/// What the tests do: an admin call, a vendor login, a vendor write the ledger refuses, a
/// fault rule made and the vendor write it fails.
/// Returns each answer's (status, trace id, reason header).
fn traffic(server: &Logged) -> Vec<(u16, String, Option<String>)> {
    let opened = json!({ "vendor": "clowd9", "currency": "GBP", "opening_balance": "1.00" });
    let login = json!({ "key": "sandbank-clowd9-key", "secret": "sandbank-clowd9-secret" });
    let mut answers = Vec::new();
    let mut keep = |resp: Response| {
        let header = |name: &str| resp.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let seen = (
            resp.status().as_u16(),
            header("x-sandbank-trace-id").unwrap(),
            header("x-sandbank-reason"),
        );
        answers.push(seen);
        resp.json::<Value>().unwrap()
    };
    keep(server.post("/__admin/accounts", ADMIN_TOKEN, &opened));
    let token =
        keep(server.post("/v1/auth", "", &login))["access_token"].as_str().unwrap().to_string();
    let credit = json!({
        "account_id": "no-such-account", "amount": 100, "direction": "Credit", "reference_id": "r-1",
    });
    keep(server.post("/v1/accounts/balance", &token, &credit));
    let rule = json!({
        "name": "down", "match": { "vendor": "clowd9" }, "when": { "first": 1 },
        "error": "unavailable",
    });
    keep(server.post("/__admin/faults", ADMIN_TOKEN, &rule));
    keep(server.post("/v1/accounts/balance", &token, &credit));
    answers
}

/// The paths [`traffic`] posts to, in order.
const PATHS: [&str; 5] = [
    "/__admin/accounts",
    "/v1/auth",
    "/v1/accounts/balance",
    "/__admin/faults",
    "/v1/accounts/balance",
];

#[test]
fn json_logs_are_one_object_per_request_with_its_tenant_route_status_latency_trace_and_reason() {
    let server = start(&[("SANDBANK_LOG_FORMAT", "json")]);
    let answers = traffic(&server);
    let stderr = server.stop();
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let requests: Vec<&Value> =
        lines.iter().filter(|line| line["target"] == "sandbank::request").collect();
    assert_eq!(requests.len(), PATHS.len(), "one object per request: {stderr}");
    for ((line, (status, trace_id, reason)), path) in requests.iter().zip(&answers).zip(PATHS) {
        assert_eq!(line["path"], path, "{line}");
        assert_eq!(line["level"], "INFO", "{line}");
        assert!(line["timestamp"].as_str().is_some_and(|t| t.contains('T')), "{line}");
        assert_eq!(line["status"], *status, "{line}");
        assert_eq!(line["trace_id"], trace_id.as_str(), "the answer's trace id: {line}");
        assert!(line["latency_us"].as_u64().is_some(), "{line}");
        assert_eq!(line["method"], "POST", "{line}");
        // The reason is the header's, and absent from a success.
        assert_eq!(line["reason"].as_str(), reason.as_deref(), "{line}");
    }
    let (opened, login, refused, faulted) = (requests[0], requests[1], requests[2], requests[4]);
    assert_eq!(opened["tenant"], DEFAULT_TENANT);
    assert_eq!(opened["vendor"], "-");
    assert_eq!(login["vendor"], "clowd9");
    assert_eq!(login["operation"], "AuthenticateApi");
    assert_eq!(refused["operation"], "UpdateAccountBalance");
    assert_eq!(refused["tenant"], DEFAULT_TENANT, "a vendor call names its tenant: {refused}");
    assert!(refused["status"].as_u64().unwrap() >= 400, "{refused}");
    assert!(refused["reason"].as_str().is_some_and(|r| !r.is_empty()), "{refused}");
    assert_eq!(refused.get("fault"), None, "no rule fired: {refused}");
    // The rule that fired is named, beside the vendor's 503.
    assert_eq!(faulted["fault"], "down", "{faulted}");
    assert_eq!(faulted["status"], 503, "{faulted}");
}

#[test]
fn text_logs_name_each_requests_method_path_and_tenant() {
    let server = start(&[]);
    let answers = traffic(&server);
    let stderr = server.stop();
    let requests: Vec<&str> = stderr.lines().filter(|l| l.contains("sandbank::request")).collect();
    assert_eq!(requests.len(), PATHS.len(), "one line per request: {stderr}");
    for (line, path) in requests.iter().zip(PATHS) {
        let route = format!("method=\"POST\" path=\"{path}\"");
        assert!(line.contains(&route), "{line}");
        assert!(line.contains(&format!("tenant={DEFAULT_TENANT}")), "{line}");
    }
    assert!(requests[2].contains(answers[2].2.as_deref().unwrap()), "the reason: {}", requests[2]);
    assert!(serde_json::from_str::<Value>(requests[0]).is_err(), "text, not JSON");
}

#[test]
fn an_unknown_log_format_is_a_usage_error_naming_the_formats() {
    let out = sandbank().args(["serve", "--log-format", "xml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("text") && stderr.contains("json"), "{stderr}");
}
