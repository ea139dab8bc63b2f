//! Clowd9 across a restart: what a client could read before (accounts, balances, ledger
//! entries, an earlier write's replay, its tokens, identifiers taken) it reads the same after the
//! vendor's records are restored into a fresh vendor.

use std::time::Duration;

use ledger::Limits;
use serde_json::json;

use super::{SEED_ACCOUNT_ID, body_json, send, spec, world};
use crate::common::ids::{IdGen, Ids, Trace};
use crate::common::persist::{Recorder, UNSTORED, Unstored};
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{Ctx, Response};

/// Fixtures whose writes build the state compared across the restart.
const WRITES: [&str; 4] = [
    include_str!("../../../test_data/clowd9/update_idempotency.http"),
    include_str!("../../../test_data/clowd9/increase_decrease.http"),
    include_str!("../../../test_data/clowd9/transfer.http"),
    include_str!("../../../test_data/clowd9/ledger_entries.http"),
];

/// Every fixture request, in order.
fn requests(fixtures: &[&'static str]) -> Vec<&'static str> {
    let requests = fixtures.iter().flat_map(|fixture| fixture.split("\n###"));
    requests.map(str::trim_start).filter(|raw| !raw.trim().is_empty()).collect()
}

/// Each read of every fixture (what a client can see of Clowd9's state), as text. A body's
/// `trace_id` is the request's own (drawn fresh after a restart, by design), so it is left out;
/// every other byte counts.
fn answers(harness: &Harness) -> Vec<String> {
    let fixtures = [
        include_str!("../../../test_data/clowd9/accounts_and_balances.http"),
        include_str!("../../../test_data/clowd9/ledger_entries.http"),
    ];
    let reads = requests(&fixtures).into_iter().filter(|raw| is_read(raw));
    reads.map(|raw| without_trace_id(&render(&send(harness, raw)))).collect()
}

fn is_read(raw: &str) -> bool {
    raw.lines().find(|line| !line.starts_with("//")).is_some_and(|line| line.starts_with("GET "))
}

fn without_trace_id(text: &str) -> String {
    match text.split_once("\"trace_id\":\"") {
        Some((head, tail)) => {
            let rest = tail.split_once('"').map_or("", |(_, rest)| rest);
            format!("{head}\"trace_id\":\"…\"{rest}")
        }
        None => text.to_string(),
    }
}

/// The fixtures' world, then every kind of write: keyed and unkeyed updates, increases,
/// decreases, corrections, transfers, and refused ones.
fn busy_world() -> Harness {
    let harness = world();
    for raw in requests(&WRITES).into_iter().filter(|raw| !is_read(raw)) {
        send(&harness, raw);
    }
    harness
}

#[test]
fn clowd9_answers_every_read_the_same_after_a_restart() {
    let harness = busy_world();
    let after = harness.restarted(crate::clowd9::vendor());
    let answers_after = answers(&after);
    assert!(answers_after.iter().filter(|a| a.starts_with("HTTP 200")).count() > 10);
    assert_eq!(answers_after, answers(&harness));
}

#[test]
fn clowd9_openings_and_issued_tokens_are_recorded_and_reads_and_writes_are_not() {
    let harness = busy_world();
    // Thirteen openings and three logins.
    assert_eq!(harness.records(), 16, "balance writes are the ledger's: Clowd9 records nothing");
    answers(&harness);
    assert_eq!(harness.records(), 16, "a read records nothing");
    assert_eq!(refresh(&harness, "refresh_token").status, 200);
    assert_eq!(harness.records(), 17, "a refresh records the access token it issues");
}

fn refresh(harness: &Harness, var: &str) -> Response {
    let raw = format!(
        "POST /v1/auth/refresh\nAuthorization: Bearer {{{{{var}}}}}\n\
         Content-Type: application/json\n\n{{}}"
    );
    send(harness, &raw)
}

#[test]
fn clowd9_tokens_from_before_a_restart_keep_their_kind_and_their_expiry() {
    let harness = busy_world();
    let after = harness.restarted(crate::clowd9::vendor());
    let read_as = |account: &str, var: &str| {
        let raw =
            format!("GET /v1/accounts/{{{{{account}}}}}\nAuthorization: Bearer {{{{{var}}}}}");
        send(&after, &raw)
    };
    let read = |var: &str| read_as("account", var);
    assert_eq!(read("token").status, 200);
    assert_eq!(read_as("other_account", "other_token").status, 200);
    assert_eq!(read("stale_token").status, 401, "expired before the restart, expired after");
    assert_eq!(read("refresh_token").status, 403, "a refresh token still cannot call the API");
    let renewed = refresh(&after, "refresh_token");
    assert_eq!(renewed.status, 200, "{}", String::from_utf8_lossy(&renewed.body));
    assert_eq!(body_json(&renewed)["refresh_token"], after.vars["refresh_token"].as_str());
    assert_eq!(refresh(&after, "stale_refresh_token").status, 401, "its session ended");
    after.advance(Duration::from_secs(120 * 60));
    assert_eq!(read("token").status, 401, "its 120 minutes run from the login");
}

#[test]
fn clowd9_retry_of_a_write_from_before_a_restart_replays_its_answer() {
    let harness = world();
    let write = requests(&WRITES[..1])[0];
    let first = send(&harness, write);
    assert_eq!(first.status, 200);
    let after = harness.restarted(crate::clowd9::vendor());
    let retry = send(&after, write);
    assert_eq!(without_trace_id(&render(&retry)), without_trace_id(&render(&first)));
    let balances = "GET /v1/accounts/{{second}}/balances\nAuthorization: Bearer {{token}}";
    assert_eq!(body_json(&send(&after, balances))["actual_balance"], "500", "moved once");
}

fn open(
    harness: &Harness,
    ids: serde_json::Value,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let spec = spec("GBP", "0", Limits::default(), ids);
    harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec)).map(|o| o.vendor_ids)
}

#[test]
fn clowd9_identifiers_taken_before_a_restart_stay_taken_and_new_ones_are_fresh() {
    let harness = world();
    let after = harness.restarted(crate::clowd9::vendor());
    let taken = open(&after, json!({"account_id": SEED_ACCOUNT_ID}));
    assert!(taken.unwrap_err().contains("already in use"));
    let external = open(&after, json!({"external_id": "018794671"}));
    assert!(external.unwrap_err().contains("already in use"));
    let fresh = open(&after, json!({})).unwrap();
    let fresh = fresh["account_id"].as_str().unwrap().to_string();
    assert!(!harness.vars.values().any(|taken| *taken == fresh));
}

#[test]
fn clowd9_restore_refuses_garbage_without_panicking() {
    let clowd9 = crate::clowd9::vendor();
    for bytes in [
        &b"garbage"[..],
        b"",
        b"null",
        br#"{"Issued":[{"token":"t"}]}"#,
        br#"{"Issued":[{"token":"t","kind":"Sideways","api_id":"x","expires_at_micros":1,"ends_at_micros":1}]}"#,
        br#"{"Issued":[{"token":"t","kind":"Access","api_id":"x","expires_at_micros":1,"ends_at_micros":1}]}"#,
        br#"{"Opened":{"account":"x","account_id":"y","currency":"GBP","external_id":null}}"#,
        br#"{"Opened":{"account":"fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4","account_id":"fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4","currency":"GBX","external_id":null}}"#,
    ] {
        assert!(clowd9.restore(TENANT, bytes).is_err(), "{}", String::from_utf8_lossy(bytes));
    }
}

/// A store that takes nothing.
struct Refusing;

impl Recorder for Refusing {
    fn enabled(&self) -> bool {
        true
    }

    fn record(&self, _: ledger::TenantId, _: &'static str, _: Vec<u8>) -> Result<(), Unstored> {
        Err(Unstored("disk full".into()))
    }
}

/// Sends `raw` (vars substituted) with a context whose store refuses every record.
fn send_refused(harness: &Harness, route: usize, raw: &str) -> Response {
    let mut text = raw.to_string();
    for (name, value) in &harness.vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    let req = parse_request(&text);
    let clock = |_| harness.now();
    let (server, ids) = (IdGen::random(), Ids::default());
    let trace = Trace::new(&server, &ids);
    let ctx = Ctx {
        ledger: &harness.ledger,
        clock: &clock,
        trace: &trace,
        ids: &ids,
        recorder: &Refusing,
    };
    harness.vendor.handle(&ctx, route, &req)
}

#[test]
fn clowd9_tokens_the_store_refuses_are_a_500_and_never_work() {
    let harness = world();
    let n_records = harness.records();
    let login = "POST /v1/auth\ncontent-type: application/json\n\n\
                 {\"key\":\"sandbank-clowd9-key\",\"secret\":\"sandbank-clowd9-secret\"}";
    let refused = send_refused(&harness, 0, login);
    assert_eq!(refused.status, 500);
    assert!(refused.reason.as_deref().unwrap_or("").contains(UNSTORED));
    assert!(!String::from_utf8_lossy(&refused.body).contains("token"));
    let refresh = "POST /v1/auth/refresh\nAuthorization: Bearer {{refresh_token}}\n\
                   Content-Type: application/json\n\n{}";
    let refused = send_refused(&harness, 1, refresh);
    assert_eq!(refused.status, 500);
    assert!(!String::from_utf8_lossy(&refused.body).contains("access_token"));
    assert_eq!(harness.records(), n_records);
}

#[test]
fn clowd9_opening_the_store_refuses_indexes_nothing() {
    let harness = Harness::new(crate::clowd9::vendor());
    let ids = json!({"account_id": SEED_ACCOUNT_ID, "external_id": "018794671"});
    let spec = spec("GBP", "0", Limits::default(), ids.clone());
    let clock = |_| harness.now();
    let (server, idgen) = (IdGen::random(), Ids::default());
    let trace = Trace::new(&server, &idgen);
    let ctx = Ctx {
        ledger: &harness.ledger,
        clock: &clock,
        trace: &trace,
        ids: &idgen,
        recorder: &Refusing,
    };
    let refused = harness.vendor.open_account(&ctx, TENANT, &spec);
    assert!(refused.unwrap_err().contains(UNSTORED));
    // Neither identifier was taken: the same opening goes through once stored.
    open(&harness, ids).unwrap();
    assert_eq!(harness.records(), 1);
}
