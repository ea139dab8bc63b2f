//! Checkpoints: a graceful stop leaves one, a start folds it with the events after it into
//! the same state as the whole history, and an unreadable one falls back to the whole history.

use reqwest::Method;
use serde_json::{Value, json};
use server::testing;

use crate::common::Sandbox;

/// A server on `dir` with the test admin token.
async fn start(dir: &std::path::Path) -> Sandbox {
    let config = server::Config { data: Some(dir.to_path_buf()), ..server::Config::default() };
    Sandbox::with_server(testing::spawn_with(config).await.unwrap())
}

/// Opens two accounts and moves money between them through the admin API's view of the
/// ledger: a Clowd9 account credited by `n` keyed balance writes.
async fn history(sandbox: &Sandbox, n: usize) -> String {
    let opened: Value = sandbox
        .admin(
            Method::POST,
            "/__admin/accounts",
            Some(json!({"vendor": "clowd9", "currency": "GBP", "opening_balance": "5.00"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let auth: Value = sandbox
        .client
        .post(sandbox.url("/v1/auth"))
        .json(&json!({"key": "sandbank-clowd9-key", "secret": "sandbank-clowd9-secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = auth["access_token"].as_str().unwrap().to_owned();
    let account_id = opened["vendor_ids"]["account_id"].as_str().unwrap().to_owned();
    for i in 0..n {
        let answer = sandbox
            .client
            .post(sandbox.url("/v1/accounts/balance"))
            .bearer_auth(&token)
            .json(&json!({"account_id": account_id, "amount": 100 + i, "direction": "Credit",
                          "reference_id": format!("ref-{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    opened["id"].as_str().unwrap().to_owned()
}

/// What the admin API shows of an account: its view and every entry.
async fn seen(sandbox: &Sandbox, id: &str) -> (Value, Value) {
    let view: Value = sandbox
        .admin(Method::GET, &format!("/__admin/accounts/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    let entries: Value = sandbox
        .admin(Method::GET, &format!("/__admin/accounts/{id}/entries?limit=1000"), None)
        .await
        .json()
        .await
        .unwrap();
    (view, entries)
}

async fn stop(sandbox: Sandbox) {
    let Sandbox { server, .. } = sandbox;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_leaves_a_checkpoint_and_a_start_from_it_sees_the_same_ledger() {
    let dir = tempfile_dir("graceful");
    let first = start(&dir).await;
    let id = history(&first, 30).await;
    let before = seen(&first, &id).await;
    stop(first).await;
    let report = server::check(&dir).unwrap();
    let (seq, _) = report.checkpoint.expect("a graceful stop leaves a checkpoint");
    assert!(seq >= 31, "it holds the opening and the 30 writes: {seq}");
    assert_eq!(report.violations, Vec::<String>::new(), "checkpoint and history agree");
    let second = start(&dir).await;
    assert_eq!(seen(&second, &id).await, before);
    // Writes after the checkpoint are replayed onto it at the next start.
    let more = history(&second, 5).await;
    let after = (seen(&second, &id).await, seen(&second, &more).await);
    stop(second).await;
    let third = start(&dir).await;
    assert_eq!((seen(&third, &id).await, seen(&third, &more).await), after);
    stop(third).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_checkpoint_falls_back_to_the_whole_history() {
    let dir = tempfile_dir("unreadable");
    let first = start(&dir).await;
    let id = history(&first, 10).await;
    let before = seen(&first, &id).await;
    stop(first).await;
    let db = rusqlite::Connection::open(dir.join(server::store::CHECKPOINTS_FILE_NAME)).unwrap();
    let damaged = db.execute("UPDATE checkpoints SET data = x'00010203'", []).unwrap();
    assert!(damaged >= 1, "there was a checkpoint to damage");
    drop(db);
    let second = start(&dir).await;
    assert_eq!(seen(&second, &id).await, before, "the whole history gives the same ledger");
    stop(second).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_live_in_their_own_file_and_a_start_without_it_replays_everything() {
    let dir = tempfile_dir("deleted");
    let first = start(&dir).await;
    let id = history(&first, 10).await;
    let before = seen(&first, &id).await;
    stop(first).await;
    let file = dir.join(server::store::CHECKPOINTS_FILE_NAME);
    let db = rusqlite::Connection::open(&file).unwrap();
    let kept: i64 = db.query_row("SELECT count(*) FROM checkpoints", [], |row| row.get(0)).unwrap();
    assert!(kept >= 1, "a graceful stop saved a checkpoint in {}", file.display());
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let second = start(&dir).await;
    assert_eq!(seen(&second, &id).await, before, "the whole history gives the same ledger");
    stop(second).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory for one test's store.
fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("sandbank-it-checkpoints-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
