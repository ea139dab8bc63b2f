//! The runner must catch a wrong implementation: a stateless stub that answers every request
//! with the same canned body (what a generic OpenAPI mock does), and one that answers with the
//! wrong error shape.

use std::sync::Arc;

use conformance::Outcome;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A minimal HTTP/1.1 server answering every request with `status` and `body`.
async fn stub(status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                loop {
                    // One read per request is enough for the runner's small requests.
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                        body.len(),
                        body
                    );
                    if stream.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn fixtures() -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("sbk-fixtures-{}.yaml", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &path,
        "clowd9:\n  credentials: { key: k, secret: s }\n  accounts:\n    main: { account_id: fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4 }\n",
    )
    .unwrap();
    path
}

#[tokio::test]
async fn a_stateless_stub_returning_the_seed_example_fails_with_useful_messages() {
    // Clowd9's seed example response, for every request.
    let target = stub(
        200,
        r#"{"account_id":"fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4","previous_account_balance":"100","previous_account_balance_direction":"credit","new_account_balance":"200","new_account_balance_direction":"credit","trace_id":"15bfc289-de75-4668-bb11-3998aadf226d"}"#,
    )
    .await;
    let mut options = crate::against_mock::options(&target, None);
    options.vendors = vec!["clowd9".into()];
    options.fixtures = Some(fixtures());
    options.update = conformance::UpdateMode::No;
    let report = conformance::run(&options, |_| {}).await.unwrap();
    let (_, failed, _) = report.counts();
    assert!(failed > 0, "{}", report.summary());
    let messages: Vec<String> = report
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Failed(f) => Some(format!("{}: {}", f.step, f.expectation)),
            _ => None,
        })
        .collect();
    // The stub's login answer has no token and its balance never moves: the runner says so,
    // naming the field or the schema rule, and gives a curl command to reproduce.
    assert!(messages.iter().any(|m| m.contains("field") || m.contains("schema")), "{messages:?}");
    assert!(report.summary().contains("reproduce: curl"), "{}", report.summary());
}

#[tokio::test]
async fn a_stub_with_the_wrong_error_shape_fails_schema_validation() {
    let target = stub(400, r#"{"error":"bad"}"#).await;
    let mut options = crate::against_mock::options(&target, None);
    options.vendors = vec!["clowd9".into()];
    options.fixtures = Some(fixtures());
    options.update = conformance::UpdateMode::No;
    let report = conformance::run(&options, |_| {}).await.unwrap();
    assert!(!report.succeeded(), "{}", report.summary());
    assert!(report.summary().contains("status: expected"), "{}", report.summary());
}
