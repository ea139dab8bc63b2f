//! The runner deletes every tenant it made, when the run ends, when cases fail and when the run
//! is stopped, through `DELETE /__admin/tenants/{tenant_id}`; a sandbank without that endpoint
//! is a warning. Checked against a stub speaking that contract, which records every tenant.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use conformance::{Outcome, RunError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What the stub saw.
#[derive(Default)]
struct Seen {
    made: BTreeSet<String>,
    deleted: BTreeSet<String>,
    n_deletes: usize,
}

/// How the stub behaves, and when it tells the test to stop the run.
#[derive(Clone, Copy, PartialEq)]
enum Accounts {
    /// `POST /__admin/accounts` answers 500: every case fails in its `given`.
    Fail,
    /// `POST /__admin/accounts` never answers, and says "stop now": the case's tenant was made
    /// and recorded before.
    Hang,
    /// A case's `POST /__admin/tenants` makes the tenant and says "stop now" before it answers:
    /// the case is stopped while the target makes its tenant.
    StopWhileMakingTenant,
}

struct Stub {
    base_url: String,
    seen: Arc<Mutex<Seen>>,
    /// Notified when the run should be stopped (see [`Accounts`]).
    stop_now: Arc<Notify>,
}

/// A minimal admin API: tenants are made and, when `can_delete`, deleted (204; 404 unknown).
async fn stub(can_delete: bool, accounts: Accounts) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop_now = Arc::new(Notify::new());
    let (seen_, asked) = (seen.clone(), stop_now.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (seen, asked) = (seen_.clone(), asked.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                // One read per request is enough for the runner's small admin requests.
                while let Ok(n @ 1..) = stream.read(&mut buf).await {
                    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let line = head.lines().next().unwrap_or_default().to_string();
                    let (status, body) = answer(&line, can_delete, accounts, &seen, &asked).await;
                    let case_tenant = line.starts_with("POST /__admin/tenants ")
                        && seen.lock().unwrap().made.len() > 1;
                    if accounts == Accounts::StopWhileMakingTenant && case_tenant {
                        asked.notify_one();
                        // Answer only if the client still waits a while after the stop: a
                        // runner that drops the request with the case hangs up first, and the
                        // tenant made here is one it never heard of.
                        let wait = std::time::Duration::from_millis(500);
                        if tokio::time::timeout(wait, stream.read(&mut buf)).await.is_ok() {
                            return;
                        }
                    }
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Stub { base_url, seen, stop_now }
}

async fn answer(
    line: &str,
    can_delete: bool,
    accounts: Accounts,
    seen: &Mutex<Seen>,
    asked: &Notify,
) -> (u16, String) {
    let mut parts = line.split(' ');
    let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    match (method, path.strip_prefix("/__admin/tenants")) {
        ("POST", Some("")) => {
            let id = format!("tenant-{}", uuid::Uuid::new_v4().simple());
            seen.lock().unwrap().made.insert(id.clone());
            (201, format!(r#"{{"tenant_id":"{id}","admin_token":"t-{id}","credentials":{{}}}}"#))
        }
        ("DELETE", Some(rest)) => {
            let id = rest.trim_start_matches('/');
            let mut seen = seen.lock().unwrap();
            seen.n_deletes += 1;
            if can_delete && seen.made.contains(id) && seen.deleted.insert(id.to_string()) {
                (204, String::new())
            } else {
                (404, r#"{"error":"not_found","message":"no admin route"}"#.into())
            }
        }
        ("POST", None) if path == "/__admin/accounts" => {
            asked.notify_one();
            if accounts == Accounts::Hang {
                std::future::pending::<()>().await;
            }
            (500, r#"{"error":"internal","message":"stub"}"#.into())
        }
        _ => (500, r#"{"error":"internal","message":"stub"}"#.into()),
    }
}

fn options(stub: &Stub, jobs: usize) -> conformance::Options {
    let mut options = crate::against_mock::options(&stub.base_url, Some("operator".into()));
    options.vendors = vec!["clowd9".into()];
    options.update = conformance::UpdateMode::No;
    options.jobs = jobs;
    options
}

#[tokio::test]
async fn every_tenant_a_run_makes_is_deleted_when_it_ends_even_when_its_cases_fail() {
    let stub = stub(true, Accounts::Fail).await;
    let report = conformance::run(&options(&stub, 8), |_| {}).await.unwrap();
    // The stub opens no account, so the cases fail in their `given`, and the run says so.
    assert!(
        report.cases.iter().any(|c| matches!(&c.outcome, Outcome::Failed(f) if f.step == "given"))
    );
    assert!(!report.succeeded());
    let seen = stub.seen.lock().unwrap();
    // One tenant per case, and the preflight's.
    assert_eq!(seen.made.len(), report.cases.len() + 1);
    assert_eq!(seen.deleted, seen.made);
    assert_eq!((report.cleanup.made, report.cleanup.deleted), (seen.made.len(), seen.made.len()));
    assert_eq!(report.cleanup.warning, None);
    assert!(report.summary().contains(&format!("tenants: {0} made, {0} deleted", seen.made.len())));
}

#[tokio::test]
async fn a_target_that_cannot_delete_tenants_gets_a_warning_and_no_more_deletes() {
    let stub = stub(false, Accounts::Fail).await;
    let report = conformance::run(&options(&stub, 8), |_| {}).await.unwrap();
    let seen = stub.seen.lock().unwrap();
    // The preflight's delete found out; no case's tenant was tried after it.
    assert_eq!(seen.n_deletes, 1);
    assert_eq!((report.cleanup.made, report.cleanup.deleted), (seen.made.len(), 0));
    let warning = report.cleanup.warning.clone().unwrap_or_default();
    assert!(warning.contains(&format!("{} tenants are left", seen.made.len())), "{warning}");
    assert!(warning.contains("cannot delete tenants"), "{warning}");
    assert!(report.summary().contains("warning: "), "{}", report.summary());
}

#[tokio::test]
async fn a_stopped_run_deletes_the_tenants_it_made_before_it_returns() {
    let stub = stub(true, Accounts::Hang).await;
    let asked = stub.stop_now.clone();
    // One case at a time: the first case's tenant is made (and recorded) before it asks for
    // an account, which never comes; the stop comes then, as a Ctrl-C would.
    let stop = async move { asked.notified().await };
    let err = conformance::run_until(&options(&stub, 1), |_| {}, stop).await.unwrap_err();
    let RunError::Interrupted(cleanup) = err else { panic!("{err:?}") };
    let seen = stub.seen.lock().unwrap();
    assert_eq!(seen.made.len(), 2, "the preflight's tenant and the first case's");
    assert_eq!(seen.deleted, seen.made);
    assert_eq!((cleanup.made, cleanup.deleted, cleanup.warning), (2, 2, None));
}

#[tokio::test]
async fn a_run_stopped_while_the_target_makes_a_tenant_still_deletes_that_tenant() {
    let stub = stub(true, Accounts::StopWhileMakingTenant).await;
    let stop_now = stub.stop_now.clone();
    let stop = async move { stop_now.notified().await };
    let err = conformance::run_until(&options(&stub, 1), |_| {}, stop).await.unwrap_err();
    let RunError::Interrupted(cleanup) = err else { panic!("{err:?}") };
    let seen = stub.seen.lock().unwrap();
    assert_eq!(seen.made.len(), 2, "the preflight's tenant and the first case's");
    assert_eq!(seen.deleted, seen.made);
    assert_eq!((cleanup.made, cleanup.deleted, cleanup.warning), (2, 2, None));
}
