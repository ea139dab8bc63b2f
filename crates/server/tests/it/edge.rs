//! The server's edge as a client meets it on the wire: declared oversized bodies, the index at
//! `/`, the answers hyper writes itself, and a port that is already taken.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use server::{Config, Server, ServerError, testing};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::Sandbox;

/// A server whose body read timeout is far longer than any wait below, so an answer that
/// arrives in time cannot be the body-timeout refusal.
async fn patient_sandbox() -> Sandbox {
    let config = Config { body_read_timeout: Duration::from_secs(120), ..Config::default() };
    Sandbox::with_server(testing::spawn_with(config).await.unwrap())
}

/// Writes `head` (and nothing more) on a fresh connection and returns what the server sends
/// until it closes the connection, or until `wait` runs out (then with what came so far).
async fn send_head_only(sb: &Sandbox, head: &[u8], wait: Duration) -> (String, bool) {
    let addr = sb.server.base_url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head).await.unwrap();
    let mut raw = Vec::new();
    let closed = tokio::time::timeout(wait, async {
        let mut buf = [0_u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&raw).into_owned(), closed)
}

/// The header section of a raw answer, lower-cased.
fn head_of(raw: &str) -> String {
    raw.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase()
}

/// Each vendor's balance write and the admin API's account opening, with the status each
/// renders for a body over the limit: Clowd9 answers any bad body with 400 (see its module
/// doc); the others, 413 in their own shape.
const WRITE_ROUTES: [(&str, &str, u16); 6] = [
    ("PUT", "/account/balance", 413),
    ("POST", "/v1/accounts/balance", 400),
    ("PUT", "/amlyze-ws-rest/account-balance", 413),
    ("POST", "/api/v1/accounts/AdjustBalance", 413),
    ("POST", "/?call=account-balance-adjust-v1", 413),
    ("POST", "/__admin/accounts", 413),
];

// See: issue item 5 (the Content-Length pre-check never ran on vendor routes).
#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_sent() {
    let sb = patient_sandbox().await;
    let declared = vendors::REQUEST_BODY_BYTES_MAX + 1;
    for (method, path, status) in WRITE_ROUTES {
        for expect in ["", "expect: 100-continue\r\n"] {
            let head = format!(
                "{method} {path} HTTP/1.1\r\nhost: sandbank\r\ncontent-type: application/json\r\n\
                 authorization: Bearer {}\r\ncontent-length: {declared}\r\n{expect}\r\n",
                sb.server.admin_token
            );
            let (raw, closed) = send_head_only(&sb, head.as_bytes(), Duration::from_secs(5)).await;
            let case = format!("{method} {path} {expect:?}");
            assert!(closed, "{case}: answered and closed without the body; got {raw:?}");
            assert!(!raw.contains("100 Continue"), "{case}: asked for a body it refuses: {raw}");
            assert!(raw.starts_with(&format!("HTTP/1.1 {status} ")), "{case}: {raw}");
            let head = head_of(&raw);
            assert!(head.contains("\r\nconnection: close"), "{case}: {head}");
            assert!(head.contains("\r\nx-sandbank-trace-id: "), "{case}: {head}");
            assert!(head.contains("\r\nx-sandbank-reason: "), "{case}: {head}");
        }
    }
    let journal = sb.journal().await;
    let refused = journal.iter().filter(|e| matches!(e["status"].as_u64(), Some(400 | 413)));
    assert_eq!(refused.count(), 2 * WRITE_ROUTES.len(), "each refusal is journaled");
}

#[tokio::test]
async fn a_body_within_the_limit_still_gets_100_continue_and_is_served() {
    let sb = patient_sandbox().await;
    let body = br#"{"vendor":"clowd9","currency":"GBP"}"#;
    let head = format!(
        "POST /__admin/accounts HTTP/1.1\r\nhost: sandbank\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
        sb.server.admin_token,
        body.len()
    );
    let addr = sb.server.base_url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = [0_u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("100 Continue in time")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 100 Continue\r\n"), "{:?}", &buf[..n]);
    stream.write_all(body).await.unwrap();
    let mut rest = [0_u8; 64];
    let n = stream.read(&mut rest).await.unwrap();
    assert!(rest[..n].starts_with(b"HTTP/1.1 201 "), "{}", String::from_utf8_lossy(&rest[..n]));
}

/// `GET {path}` through reqwest: status and JSON body.
async fn get_json(sb: &Sandbox, path: &str) -> (StatusCode, Value, bool) {
    let resp = sb.client.get(sb.url(path)).send().await.unwrap();
    let status = resp.status();
    let traced = resp.headers().contains_key("x-sandbank-trace-id");
    (status, resp.json().await.unwrap(), traced)
}

fn names(index: &Value) -> Vec<&str> {
    index["vendors"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect()
}

// See: issue item 12 (`GET /` answered a PCaaSA 405).
#[tokio::test]
async fn get_root_answers_an_index_of_the_vendors_the_admin_api_and_the_specs() {
    let sb = Sandbox::start().await;
    let (status, index, traced) = get_json(&sb, "/").await;
    assert_eq!(status, StatusCode::OK, "{index}");
    assert!(traced);
    assert_eq!(names(&index), server::vendor_names());
    let base = |name: &str| {
        let vendor = index["vendors"].as_array().unwrap().iter().find(|v| v["name"] == name);
        vendor.unwrap()["base_path"].as_str().unwrap().to_string()
    };
    assert_eq!(base("firstvision"), "/");
    assert_eq!(base("clowd9"), "/v1");
    assert_eq!(base("amlyze"), "/amlyze-ws-rest");
    assert_eq!(base("qolo"), "/api");
    assert_eq!(base("pcaasa"), "/");
    let clowd9 = &index["vendors"][1];
    let balance = serde_json::json!({
        "method": "POST", "path": "/v1/accounts/balance", "operation": "UpdateAccountBalance"
    });
    assert!(clowd9["routes"].as_array().unwrap().contains(&balance), "{clowd9}");
    assert_eq!(index["admin"]["base_path"], "/__admin");
    assert_eq!(index["admin"]["health"], "/__admin/health");
    assert_eq!(index["admin"]["dashboard"], "/__admin/ui");
    assert_eq!(index["metrics"], "/metrics");

    // Every spec the index names is served, with no token, as the repository has it.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut specs: Vec<&str> =
        index["vendors"].as_array().unwrap().iter().map(|v| v["spec"].as_str().unwrap()).collect();
    specs.push(index["admin"]["spec"].as_str().unwrap());
    assert_eq!(specs.len(), server::vendor_names().len() + 1);
    for spec in specs {
        let listed = index["specs"].as_array().unwrap().iter().any(|s| s == spec);
        assert!(listed, "{spec} is not in the index's list {}", index["specs"]);
        let resp = sb.client.get(sb.url(spec)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{spec}");
        let name = spec.rsplit('/').next().unwrap();
        let shipped = std::fs::read(repo.join("specs").join(name)).unwrap();
        assert_eq!(resp.bytes().await.unwrap(), shipped, "{spec} is not the repository's file");
    }
}

#[tokio::test]
async fn every_file_of_specs_is_served_without_a_token_as_yaml() {
    let sb = Sandbox::start().await;
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut on_disk: Vec<String> = std::fs::read_dir(&repo)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let (_, index, _) = get_json(&sb, "/").await;
    let listed: Vec<&str> =
        index["specs"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let expected: Vec<String> =
        on_disk.iter().map(|name| format!("/__admin/specs/{name}")).collect();
    assert_eq!(listed, expected, "the index lists every file of specs/");
    for name in on_disk.iter().filter(|name| name.ends_with(".yaml")) {
        let resp = sb.client.get(sb.url(&format!("/__admin/specs/{name}"))).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{name}");
        assert_eq!(resp.headers()["content-type"], "application/yaml", "{name}");
        let text = resp.text().await.unwrap();
        assert_eq!(text, std::fs::read_to_string(repo.join(name)).unwrap(), "{name}");
    }
}

#[tokio::test]
async fn an_unknown_spec_is_the_admin_apis_404_naming_it() {
    let sb = Sandbox::start().await;
    for name in ["nosuch.yaml", "..%2Fadmin.yaml", "Admin.yaml"] {
        let resp = sb.client.get(sb.url(&format!("/__admin/specs/{name}"))).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{name}");
        assert!(resp.headers().contains_key("x-sandbank-reason"), "{name}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{name}: {body}");
        assert!(body["message"].as_str().unwrap().contains("no spec"), "{name}: {body}");
    }
    // A spec is public, but the rest of the admin API still wants its token.
    let resp = sb.client.get(sb.url("/__admin/accounts")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pcaasa_keeps_the_root_for_its_calls_and_other_methods() {
    let sb = Sandbox::start().await;
    // A query string on `/` is PCaaSA's RPC, whatever the method.
    for path in ["/?call=account-balance-get-v1", "/?sessionUuid=x"] {
        let resp = sb.client.get(sb.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(resp.json::<Value>().await.unwrap()["status"], "error", "{path}");
    }
    let resp = sb.client.post(sb.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "error");
    let resp = sb.client.delete(sb.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_index_lists_only_the_vendors_served() {
    let only = vec!["qolo".to_string(), "clowd9".to_string()];
    let config = Config { only_vendors: only, ..Config::default() };
    let sb = Sandbox::with_server(testing::spawn_with(config).await.unwrap());
    let (status, index, _) = get_json(&sb, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&index), ["clowd9", "qolo"], "in the server's order");
    // Nothing is mounted at `/`, so any `GET /` is the index, and other methods are not found.
    let (status, with_query, _) = get_json(&sb, "/?call=account-balance-get-v1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(with_query, index);
    let resp = sb.client.post(sb.url("/?call=account-balance-get-v1")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_vendor_is_refused_naming_every_known_one() {
    let config = Config { only_vendors: vec!["clowd".to_string()], ..Config::default() };
    let err = testing::spawn_with(config).await.err().unwrap();
    assert!(matches!(err, ServerError::UnknownVendor { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("\"clowd\""), "{text}");
    for name in server::vendor_names() {
        assert!(text.contains(name), "{text} should list {name}");
    }
}

/// Requests hyper refuses before sandbank sees them, with the status hyper answers.
fn unparsable_requests() -> Vec<(&'static str, String, u16)> {
    let many_headers: String = (0..150).map(|i| format!("x-filler-{i}: {i}\r\n")).collect();
    vec![
        ("a malformed request line", "GET / HTTP/1.1 nonsense\r\n\r\n".to_string(), 400),
        ("a malformed header", "GET / HTTP/1.1\r\nno colon here\r\n\r\n".to_string(), 400),
        (
            "a URI over 64 KiB",
            format!("GET /{} HTTP/1.1\r\nhost: sandbank\r\n\r\n", "a".repeat(70_000)),
            414,
        ),
        (
            "over 100 headers",
            format!("GET /__admin/health HTTP/1.1\r\nhost: sandbank\r\n{many_headers}\r\n"),
            431,
        ),
    ]
}

/// The README's paragraph that promises `X-Sandbank-Trace-Id`.
fn readme_trace_id_paragraph() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let paragraph = readme.split("\n\n").find(|p| p.contains("X-Sandbank-Trace-Id"));
    paragraph.expect("the README mentions X-Sandbank-Trace-Id").replace('\n', " ")
}

// See: issue item 13 (the README promised the trace id on every answer).
#[tokio::test]
async fn the_readme_names_every_answer_that_carries_no_trace_id() {
    let sb = Sandbox::start().await;
    let promise = readme_trace_id_paragraph();
    for (what, request, status) in unparsable_requests() {
        let (raw, closed) = send_head_only(&sb, request.as_bytes(), Duration::from_secs(10)).await;
        assert!(closed, "{what}: hyper answers and closes");
        assert!(raw.starts_with(&format!("HTTP/1.1 {status} ")), "{what}: {raw}");
        let head = head_of(&raw);
        assert!(!head.contains("x-sandbank-trace-id"), "{what}: now traced; update the README");
        assert!(promise.contains(&status.to_string()), "README should name {status}: {promise}");
    }
    // Everything that reaches sandbank is traced, unknown paths included.
    let (raw, _) = send_head_only(
        &sb,
        b"GET /nowhere HTTP/1.1\r\nhost: sandbank\r\nconnection: close\r\n\r\n",
        Duration::from_secs(10),
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 404 "), "{raw}");
    assert!(head_of(&raw).contains("\r\nx-sandbank-trace-id: "), "{raw}");
}

/// A free loopback port (free when this returns; a test that races for it says so).
fn free_port() -> SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap()
}

// See: issue item 6 (a second server on a busy port started and split its connections).
#[tokio::test]
async fn a_port_another_program_shares_with_so_reuseport_is_refused_naming_the_port() {
    // A listener that would let any same-user SO_REUSEPORT socket join it.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_reuse_address(true).unwrap();
    socket.set_reuse_port(true).unwrap();
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    socket.listen(16).unwrap();
    let taken = socket.local_addr().unwrap().as_socket().unwrap();

    let config = Config { listen: taken, ..Config::default() };
    let err = Server::bind(config).await.err().expect("a busy port is refused");
    assert!(matches!(err, ServerError::AddrInUse(addr) if addr == taken), "{err}");
    assert!(err.to_string().contains(&format!("port {} ", taken.port())), "{err}");
}

#[test]
fn of_two_servers_binding_one_port_at_once_at_most_one_starts() {
    // Enough rounds that a check-then-bind gap (a probe closed before the real sockets bind)
    // shows up as two winners in some round.
    const N_ROUNDS: usize = 200;
    let mut n_rounds_won = 0;
    for round in 0..N_ROUNDS {
        let addr = free_port();
        let barrier = std::sync::Barrier::new(2);
        let started: Vec<bool> = std::thread::scope(|scope| {
            let bind = || {
                let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                barrier.wait();
                runtime.block_on(Server::bind(Config { listen: addr, ..Config::default() }))
            };
            let racers = [scope.spawn(bind), scope.spawn(bind)];
            // Hold both results until both finished: a dropped winner would free the port.
            let results: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
            results.iter().map(Result::is_ok).collect()
        });
        let n_started = started.iter().filter(|ok| **ok).count();
        assert!(n_started <= 1, "round {round}: two servers listen on {addr}");
        n_rounds_won += n_started;
    }
    // Both lose only when their `listen` calls meet in the kernel (or another process took
    // the port after `free_port`): rare, and refusing both is the safe side.
    assert!(
        n_rounds_won >= N_ROUNDS * 9 / 10,
        "only {n_rounds_won} of {N_ROUNDS} rounds had a winner"
    );
}
