//! Shared helpers: a spawned server with a reqwest client, and admin API shortcuts.

use std::sync::{Arc, OnceLock};

use reqwest::{Client, Method, Response};
use serde_json::{Value, json};
use server::testing::{self, TestServer};

/// Every vendor with a currency it serves: one account of each covers the whole registry.
pub(crate) const ONE_OF_EACH: [(&str, &str); 5] = [
    ("firstvision", "USD"),
    ("clowd9", "GBP"),
    ("amlyze", "EUR"),
    ("qolo", "USD"),
    ("pcaasa", "USD"),
];

/// A running server and a client for it. When it goes out of scope, every exchange in every
/// tenant's journal is checked against `specs/`, so the specs and the server cannot drift
/// apart silently.
pub(crate) struct Sandbox {
    pub(crate) server: TestServer,
    pub(crate) client: Client,
    /// Held for its `Drop`, which checks the journal against the specs.
    _spec_check: SpecCheck,
}

impl Sandbox {
    pub(crate) async fn start() -> Sandbox {
        Sandbox::with_server(testing::spawn().await.unwrap())
    }

    /// A sandbox around a server started some other way.
    pub(crate) fn with_server(server: TestServer) -> Sandbox {
        let spec_check = SpecCheck { app: server.app.clone() };
        Sandbox { server, client: Client::new(), _spec_check: spec_check }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url)
    }

    /// An admin request with the default tenant's (operator's) token.
    pub(crate) async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        self.admin_as(&self.server.admin_token.clone(), method, path, body).await
    }

    pub(crate) async fn admin_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// Opens an account through the admin API and returns its JSON.
    #[allow(dead_code, reason = "used by the vendor tests")]
    pub(crate) async fn open_account(
        &self,
        vendor: &str,
        currency: &str,
        opening: &str,
        extra: Value,
    ) -> Value {
        let mut body =
            json!({ "vendor": vendor, "currency": currency, "opening_balance": opening });
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        let resp = self.admin(Method::POST, "/__admin/accounts", Some(body)).await;
        let status = resp.status();
        let json: Value = resp.json().await.unwrap();
        assert_eq!(status, 201, "{json}");
        json
    }

    pub(crate) async fn journal(&self) -> Vec<Value> {
        let resp = self.admin(Method::GET, "/__admin/requests?limit=1000", None).await;
        let json: Value = resp.json().await.unwrap();
        json["requests"].as_array().unwrap().clone()
    }
}

/// Sends `request` as raw bytes on a fresh loopback connection and returns everything the
/// server wrote back until it closed (bounded: 30 s). For what reqwest will not send: chunked
/// oversized bodies, bodies that never finish, malformed framing.
pub(crate) async fn raw_exchange(sb: &Sandbox, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sb.server.base_url.trim_start_matches("http://").to_string();
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _ = stream.write_all(request).await;
        let mut raw = Vec::new();
        let mut buf = [0_u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
        raw
    };
    let raw = tokio::time::timeout(std::time::Duration::from_secs(30), exchange)
        .await
        .expect("answered in time");
    String::from_utf8_lossy(&raw).into_owned()
}

/// Checks, on drop, every journaled exchange of a server against the matching spec.
pub(crate) struct SpecCheck {
    app: Arc<server::App>,
}

fn specs() -> &'static std::collections::HashMap<String, conformance::schema::Spec> {
    static SPECS: OnceLock<std::collections::HashMap<String, conformance::schema::Spec>> =
        OnceLock::new();
    SPECS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
        conformance::schema::load_all(&dir).unwrap()
    })
}

impl SpecCheck {
    /// Every journaled answer that its spec does not allow, one line each.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for tenant in self.app.tenants.all() {
            for entry in tenant.journal.recent(server::journal::JOURNAL_ENTRIES_MAX) {
                let path = entry.path().split_once('?').map_or(entry.path(), |(path, _)| path);
                // The index (`GET /` that no vendor took) is specified in admin.yaml.
                let is_index = path == "/" && entry.vendor.is_none();
                let vendor = if path.starts_with("/__admin") || is_index {
                    Some("admin")
                } else {
                    entry.vendor
                };
                let Some(spec) = vendor.and_then(|v| specs().get(v)) else { continue };
                // A method the path does not serve (405) is no operation's answer.
                let Some(op) = spec.find(entry.method.as_str(), path) else { continue };
                // A clipped body is no longer the whole document.
                if entry.response_body().len() >= server::journal::JOURNAL_BODY_BYTES_MAX {
                    continue;
                }
                // A transport fault spoils its answer on purpose; no answer is no document.
                let spoiled = entry.fault.as_ref().is_some_and(|f| f.action.contains("transport"));
                let Some(status) = entry.status.filter(|_| !spoiled) else { continue };
                let body = String::from_utf8_lossy(entry.response_body());
                for problem in spec.check(op, status, &body) {
                    problems.push(format!(
                        "{} {} -> {}: {problem}\n  body: {body}",
                        entry.method,
                        entry.path(),
                        status
                    ));
                }
            }
        }
        problems
    }
}

impl Drop for SpecCheck {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let problems = self.problems();
        assert!(problems.is_empty(), "answers that do not match specs/:\n{}", problems.join("\n"));
    }
}

/// An answer as a test reads it: status, the headers tests look at, the text and its JSON
/// (`Null` when the body is not JSON). Vendor test files add their own assertions in their own
/// `impl Reply` blocks.
#[derive(Debug)]
#[allow(dead_code, reason = "each vendor's tests read a different subset")]
pub(crate) struct Reply {
    pub(crate) status: reqwest::StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) content_type: Option<String>,
    /// `X-Sandbank-Reason`.
    pub(crate) reason: Option<String>,
    pub(crate) allow: Option<String>,
    /// `WWW-Authenticate`.
    pub(crate) challenge: Option<String>,
    /// `X-Sandbank-Trace-Id`.
    pub(crate) trace_id: Option<String>,
    pub(crate) text: String,
    pub(crate) body: Value,
}

#[allow(dead_code, reason = "each vendor's tests read a different subset")]
impl Reply {
    pub(crate) async fn read(resp: Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        Reply::of(status, headers, text)
    }

    /// A raw HTTP/1.1 response (headers and a `Content-Length` body).
    pub(crate) fn parse_raw(raw: &str) -> Reply {
        use reqwest::header::{HeaderName, HeaderValue};
        let (head, text) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let mut lines = head.lines();
        let status_line = lines.next().unwrap_or_default();
        let code: u16 = status_line.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in lines.filter_map(|line| line.split_once(':')) {
            headers.append(
                HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                HeaderValue::from_str(value.trim()).unwrap(),
            );
        }
        Reply::of(reqwest::StatusCode::from_u16(code).unwrap(), headers, text.to_string())
    }

    fn of(status: reqwest::StatusCode, headers: reqwest::header::HeaderMap, text: String) -> Reply {
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string());
        Reply {
            status,
            content_type: header("content-type"),
            reason: header("x-sandbank-reason"),
            allow: header("allow"),
            challenge: header("www-authenticate"),
            trace_id: header("x-sandbank-trace-id"),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
            text,
        }
    }
}
