//! The runner's own pieces: patterns, and how a step tells an answer from no answer, against
//! a tiny local server that answers, hangs or hangs up.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::files::Files;
use crate::snapshot::UpdateMode;

#[test]
fn patterns_match_ids_and_codes() {
    let m = |p: &str, t: &str| regex_lite_match(p, t).unwrap();
    assert!(m("^[0-9a-f-]{36}$", "15bfc289-de75-4668-bb11-3998aadf226d"));
    assert!(!m("^[0-9a-f-]{36}$", "15bfc289"));
    assert!(m("^VPL8SMA\\d+[A-Z]$", "VPL8SMA71E"));
    assert!(regex_lite_match("(", "x").is_err());
}

/// What the local server does with each request it reads.
#[derive(Clone, Copy)]
enum Server {
    /// Answers 200 with a small JSON body.
    Answers,
    /// Reads the request and never answers, holding the connection open.
    Hangs,
    /// Reads the request and closes the connection without a status line.
    HangsUp,
}

/// Starts `behaviour` on a loopback port and returns its base URL.
async fn serve(behaviour: Server) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                // One read is enough for the small requests these tests send.
                let mut buf = vec![0u8; 65536];
                if stream.read(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
                match behaviour {
                    Server::Answers => {
                        let body = r#"{"ok":true}"#;
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = stream.write_all(reply.as_bytes()).await;
                        // Keep the connection until the client is done with it.
                        let _ = stream.read(&mut buf).await;
                    }
                    Server::Hangs => std::future::pending::<()>().await,
                    Server::HangsUp => drop(stream),
                }
            });
        }
    });
    base_url
}

fn target_at(base_url: &str) -> Target {
    let options = crate::Options {
        target: base_url.to_string(),
        vendors: Vec::new(),
        suites: Files::Dir(PathBuf::new()),
        specs: Files::Dir(PathBuf::new()),
        snapshots: Files::Dir(PathBuf::new()),
        fixtures: None,
        admin_token: None,
        update: UpdateMode::No,
        jobs: 1,
        timeout: Duration::from_secs(30),
        allow_skips: false,
    };
    target(base_url, &options, Value::Null).unwrap()
}

fn post(timeout_ms: Option<u64>) -> RequestSpec {
    RequestSpec {
        method: "POST".into(),
        path: "/v1/accounts/balance".into(),
        headers: BTreeMap::new(),
        json: Some(json!({ "amount": 1 })),
        body: None,
        sign: None,
        timeout_ms,
    }
}

fn expecting_no_answer() -> Expect {
    Expect { no_answer: true, ..Expect::default() }
}

#[tokio::test]
async fn no_answer_fails_when_an_answer_arrives_and_names_its_status() {
    let target = target_at(&serve(Server::Answers).await);
    let exchange = send(&target, &post(Some(5_000)), &Vars::new()).await.unwrap();
    assert_eq!(exchange.status, Status::Answered(200));
    let err = check_answer(&expecting_no_answer(), &exchange).unwrap_err();
    assert_eq!(err, "no_answer: expected no answer, got status 200");
    // The same answer passes a step that expects one.
    assert_eq!(check_answer(&Expect::default(), &exchange), Ok(Some(200)));
}

#[tokio::test]
async fn no_answer_passes_when_the_request_times_out() {
    let target = target_at(&serve(Server::Hangs).await);
    let exchange = send(&target, &post(Some(200)), &Vars::new()).await.unwrap();
    assert_eq!(exchange.status, Status::NoAnswer("the client gave up after 200 ms".into()));
    assert_eq!(check_answer(&expecting_no_answer(), &exchange), Ok(None));
    // A step that expects an answer fails, saying none came and why; the report shows it.
    let err = check_answer(&Expect::default(), &exchange).unwrap_err();
    assert_eq!(err, "an answer: got none, the client gave up after 200 ms");
    assert_eq!(exchange.status.to_string(), "no answer (the client gave up after 200 ms)");
}

#[tokio::test]
async fn no_answer_passes_when_the_connection_closes_before_a_status_line() {
    let target = target_at(&serve(Server::HangsUp).await);
    let exchange = send(&target, &post(None), &Vars::new()).await.unwrap();
    let Status::NoAnswer(why) = &exchange.status else { panic!("{exchange:?}") };
    assert!(why.starts_with("the connection ended before a status line: "), "{why}");
    assert_eq!(check_answer(&expecting_no_answer(), &exchange), Ok(None));
}

#[tokio::test]
async fn nothing_listening_is_a_failed_request_not_no_answer() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = send(&target_at(&base_url), &post(Some(1_000)), &Vars::new()).await.unwrap_err();
    assert!(err.starts_with("request failed: "), "{err}");
}
