//! Restart round trips, one file per vendor: state is built through the vendor's own API and the
//! admin API on a server with a data directory, every read a user would make is recorded, the
//! server stops gracefully and a new one starts on the same directory. Then every read answers
//! the same, tokens and sessions issued before still work, an acknowledged idempotent write
//! repeated answers as the first time without moving money again, and a fresh write works with
//! ids that are new.
//!
//! This file holds what every vendor's round trip shares: the data directory, the restart, the
//! recorded reads and their comparison.

mod amlyze;
mod clowd9;
mod firstvision;
mod pcaasa;
mod qolo;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Reply, Sandbox};

/// How long any one request may take, so a server that never answers fails the test.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A data directory of its own for one test, removed when the test ends.
pub(crate) struct DataDir(PathBuf);

impl DataDir {
    /// The directory.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.0
    }

    pub(crate) fn new(name: &str) -> DataDir {
        // Tests of one binary run in parallel in one process: the counter keeps them apart.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir()
            .join(format!("sandbank-it-restarts-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        DataDir(dir)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server storing its state in `dir`, with a client that gives up after [`REQUEST_TIMEOUT`].
pub(crate) async fn start(dir: &DataDir) -> Sandbox {
    let config = server::Config { data: Some(dir.0.clone()), ..server::Config::default() };
    let mut sb = Sandbox::with_server(server::testing::spawn_with(config).await.unwrap());
    sb.client = Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap();
    sb
}

/// Stops `sb` gracefully (its journal is checked against the specs first, as at any drop) and
/// starts a new server on the same directory.
pub(crate) async fn restart(sb: Sandbox, dir: &DataDir) -> Sandbox {
    stop(sb).await;
    start(dir).await
}

/// Stops `sb` gracefully. Everything it held (its spec check holds the app, which holds the
/// store's lock) is gone when this returns, so a new server may take the directory.
pub(crate) async fn stop(sb: Sandbox) {
    let Sandbox { server, .. } = sb;
    server.shutdown().await.unwrap();
}

/// An admin call that must answer 200 or 201; its JSON.
pub(crate) async fn admin_ok(
    sb: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let reply = Reply::read(sb.admin(method.clone(), path, body).await).await;
    assert!(reply.status.is_success(), "{method} {path}: {reply:#?}");
    reply.body
}

/// Freezes the default tenant's clock at `at`: every instant an answer shows is then the same
/// on both sides of a restart, and no real midnight can intervene.
pub(crate) async fn freeze_at(sb: &Sandbox, at: &str) {
    let clock = json!({ "set": at, "freeze": true });
    let now = admin_ok(sb, Method::POST, "/__admin/clock", Some(clock)).await;
    assert_eq!(now, json!({ "now": at, "frozen": true }));
}

/// Moves the default tenant's (frozen) clock on by an ISO 8601 duration.
pub(crate) async fn advance(sb: &Sandbox, by: &str) {
    admin_ok(sb, Method::POST, "/__admin/clock", Some(json!({ "advance": by }))).await;
}

/// `PATCH /__admin/accounts/{id}` with `body`.
pub(crate) async fn patch_account(sb: &Sandbox, id: &str, body: Value) {
    admin_ok(sb, Method::PATCH, &format!("/__admin/accounts/{id}"), Some(body)).await;
}

/// One read as a user saw it: what was asked, the status and the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Seen {
    pub(crate) what: String,
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl Seen {
    /// `reply` as the read `what`; a read that failed is a broken test, not a finding.
    pub(crate) fn of(what: impl Into<String>, reply: &Reply) -> Seen {
        let what = what.into();
        assert_eq!(reply.status, StatusCode::OK, "{what}: {reply:#?}");
        assert!(!reply.body.is_null(), "{what}: not JSON: {}", reply.text);
        Seen { what, status: reply.status.as_u16(), body: reply.body.clone() }
    }
}

/// The admin API's reads of the default tenant: the clock, every account, and account `id`'s
/// view (with its vendor state) and entries, oldest and newest first.
pub(crate) async fn admin_reads(sb: &Sandbox, id: &str) -> Vec<Seen> {
    let mut seen = Vec::new();
    for path in [
        "/__admin/clock".to_string(),
        "/__admin/accounts".to_string(),
        format!("/__admin/accounts/{id}"),
        format!("/__admin/accounts/{id}/entries?limit=1000"),
        format!("/__admin/accounts/{id}/entries?limit=1000&order=newest"),
    ] {
        let reply = Reply::read(sb.admin(Method::GET, &path, None).await).await;
        seen.push(Seen::of(format!("GET {path}"), &reply));
    }
    seen
}

/// Asserts two recordings of the same reads agree, read by read, so a failure names the read.
#[track_caller]
pub(crate) fn assert_same_reads(before: &[Seen], after: &[Seen]) {
    assert_eq!(before.len(), after.len(), "the same reads on both sides");
    for (before, after) in before.iter().zip(after) {
        assert_eq!(before.what, after.what);
        assert_eq!(after, before, "{} differs after the restart", before.what);
    }
}

/// `value` with every member named `key`, at any depth, replaced by `"(masked)"`.
pub(crate) fn masked(mut value: Value, key: &str) -> Value {
    mask_in(&mut value, key);
    value
}

fn mask_in(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                if name == key {
                    *member = json!("(masked)");
                } else {
                    mask_in(member, key);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| mask_in(item, key)),
        _ => {}
    }
}

/// The default tenant's account `id` as the admin API shows it.
pub(crate) async fn admin_account(sb: &Sandbox, id: &str) -> Value {
    admin_ok(sb, Method::GET, &format!("/__admin/accounts/{id}"), None).await
}

/// Every `transfer_id` in account `id`'s history.
pub(crate) async fn transfer_ids(sb: &Sandbox, id: &str) -> Vec<String> {
    let path = format!("/__admin/accounts/{id}/entries?limit=1000");
    let page = admin_ok(sb, Method::GET, &path, None).await;
    assert_eq!(page["next_cursor"], Value::Null, "one page holds the whole history");
    let entries = page["entries"].as_array().unwrap();
    entries.iter().map(|e| e["transfer_id"].to_string()).collect()
}

/// Asserts no id of `ids` repeats: an id drawn after the restart is not one drawn before it.
#[track_caller]
pub(crate) fn assert_distinct(what: &str, ids: &[String]) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{what} repeat: {ids:?}");
}

/// Asserts a repeat of an acknowledged write answered exactly as the first time did, before
/// the restart: the same status and body, but for the members named in `masks` (each caller
/// says why a member may differ).
#[track_caller]
pub(crate) fn assert_same_answer(first: &Reply, again: &Reply, masks: &[&str]) {
    let (mut was, mut is) = (first.body.clone(), again.body.clone());
    for key in masks {
        (was, is) = (masked(was, key), masked(is, key));
    }
    assert_eq!(again.status, first.status, "the first answer's status: {again:#?}");
    assert_eq!(is, was, "the first answer's body: {again:#?}");
}
