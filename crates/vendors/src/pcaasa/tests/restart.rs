//! PCaaSA across a restart: what a client could read before (balances, an earlier write's
//! replay, its sessions and how long they live, identifiers taken) it reads the same after the
//! vendor's records are restored into a fresh vendor.

use std::time::Duration;

use http::StatusCode;
use ledger::Limits;
use rust_decimal::Decimal;
use serde_json::json;

use super::{body_json, call, harness};
use crate::common::ids::{IdGen, Ids, Trace};
use crate::common::persist::{Recorder, UNSTORED, Unstored};
use crate::pcaasa::vendor;
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{AccountSpec, Ctx, Response};

/// Fixtures whose writes build the state compared across the restart.
const WRITES: [&str; 4] = [
    include_str!("../../../test_data/pcaasa/adjust_credits.http"),
    include_str!("../../../test_data/pcaasa/idempotency.http"),
    include_str!("../../../test_data/pcaasa/adjust_by_reference.http"),
    include_str!("../../../test_data/pcaasa/limits.http"),
];

/// Every fixture request, in order.
fn requests(fixtures: &[&'static str]) -> Vec<&'static str> {
    let requests = fixtures.iter().flat_map(|fixture| fixture.split("\n###"));
    requests.map(str::trim_start).filter(|raw| !raw.trim().is_empty()).collect()
}

fn send(harness: &Harness, raw: &str) -> Response {
    let mut text = raw.to_string();
    for (name, value) in &harness.vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    harness.send(parse_request(&text))
}

/// Every balance read of the fixtures, byte for byte: what a client can see of PCaaSA's state.
fn answers(harness: &Harness) -> Vec<String> {
    let reads = requests(&[include_str!("../../../test_data/pcaasa/balance_get.http")]);
    reads.into_iter().map(|raw| render(&send(harness, raw))).collect()
}

/// The fixtures' setup, then every kind of write: tracked and untracked credits and debits,
/// by `accountUuid` and by reference number, replays, and refused ones.
fn busy_harness() -> Harness {
    let harness = harness();
    for raw in requests(&WRITES) {
        send(&harness, raw);
    }
    harness
}

fn balance_with(harness: &Harness, session: &str) -> Response {
    let form = format!("sessionUuid={session}&accountUuid={}", harness.vars["account"]);
    call(harness, "account-balance-get-v1", &form)
}

fn status_of(resp: &Response) -> String {
    let body = body_json(resp);
    match body["status"].as_str() {
        Some("success") => "success".into(),
        _ => body["errors"][0]["code"].as_str().unwrap_or("?").to_string(),
    }
}

#[test]
fn pcaasa_answers_every_read_the_same_after_a_restart() {
    let harness = busy_harness();
    let after = harness.restarted(vendor());
    let answers_after = answers(&after);
    assert!(answers_after.iter().filter(|a| a.contains("\"status\":\"success\"")).count() > 3);
    assert_eq!(answers_after, answers(&harness));
}

#[test]
fn pcaasa_openings_and_sessions_are_recorded_and_reads_and_writes_are_not() {
    let harness = busy_harness();
    // Seven openings and two sessions created.
    assert_eq!(harness.records(), 9, "balance writes are the ledger's: PCaaSA records nothing");
    answers(&harness);
    assert_eq!(harness.records(), 9, "a read records nothing");
    let login = harness.vars["login"].clone();
    assert_eq!(status_of(&balance_with(&harness, &login)), "success");
    assert_eq!(harness.records(), 9, "a session used just after its creation records nothing");
}

#[test]
fn pcaasa_sessions_from_before_a_restart_keep_working_and_expire_on_time() {
    let harness = busy_harness();
    let after = harness.restarted(vendor());
    let (login, expired) = (after.vars["login"].clone(), after.vars["expired_session"].clone());
    assert_eq!(status_of(&balance_with(&after, &after.vars["session"])), "success");
    assert_eq!(status_of(&balance_with(&after, &login)), "success");
    let refused = balance_with(&after, &expired);
    assert_ne!(status_of(&refused), "success");
    assert_eq!(
        body_json(&refused),
        body_json(&balance_with(&harness, &expired)),
        "expired before the restart, expired after, and said so the same way"
    );
    after.advance(Duration::from_secs(30 * 60));
    assert_ne!(status_of(&balance_with(&after, &login)), "success", "idle 30 minutes");
    assert_eq!(status_of(&balance_with(&after, &after.vars["session"])), "success", "standing");
}

#[test]
fn pcaasa_session_renewed_before_a_restart_lives_its_renewed_window_after() {
    let harness = harness();
    let login = harness.vars["login"].clone();
    harness.advance(Duration::from_secs(20 * 60));
    let n_records = harness.records();
    assert_eq!(status_of(&balance_with(&harness, &login)), "success");
    assert_eq!(harness.records(), n_records + 1, "the idle expiry moved 20 minutes: recorded");
    let after = harness.restarted(vendor());
    after.advance(Duration::from_secs(29 * 60));
    assert_eq!(status_of(&balance_with(&after, &login)), "success", "renewed at the last call");
}

#[test]
fn pcaasa_session_used_within_the_step_before_a_restart_may_lapse_that_much_early() {
    let harness = harness();
    let login = harness.vars["login"].clone();
    harness.advance(Duration::from_secs(2 * 60));
    let n_records = harness.records();
    assert_eq!(status_of(&balance_with(&harness, &login)), "success");
    assert_eq!(harness.records(), n_records, "moved 2 minutes, under the 3-minute step");
    let after = harness.restarted(vendor());
    after.advance(Duration::from_secs(28 * 60));
    // Restored with the expiry recorded at creation: 30 minutes from then, not from the call.
    assert_eq!(status_of(&balance_with(&after, &login)), "SESSION_EXPIRED");
    harness.advance(Duration::from_secs(28 * 60));
    assert_eq!(status_of(&balance_with(&harness, &login)), "success", "without a restart");
}

#[test]
fn pcaasa_retry_of_a_write_from_before_a_restart_replays_its_answer() {
    let harness = harness();
    let write = requests(&WRITES[1..2])[0];
    let first = send(&harness, write);
    assert_eq!(status_of(&first), "success");
    let after = harness.restarted(vendor());
    let retry = send(&after, write);
    assert_eq!(render(&retry), render(&first));
    assert_eq!(answers(&after), answers(&harness), "no money moved again");
}

fn open(
    harness: &Harness,
    ids: serde_json::Value,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let serde_json::Value::Object(vendor_ids) = ids else { panic!("ids must be an object") };
    let currency = ledger::Currency::from_code("USD").unwrap();
    let spec = AccountSpec {
        currency,
        opening_balance: Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids,
    };
    harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec)).map(|o| o.vendor_ids)
}

#[test]
fn pcaasa_identifiers_taken_before_a_restart_stay_taken_and_new_ones_are_fresh() {
    let harness = harness();
    let after = harness.restarted(vendor());
    let taken = open(&after, json!({"accountUuid": "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17"}));
    assert!(taken.unwrap_err().contains("already in use"));
    let reference = open(&after, json!({"paymentInstrumentReferenceNumber": "PI4000123412341234"}));
    assert!(reference.unwrap_err().contains("already in use"));
    let fresh = open(&after, json!({})).unwrap();
    let fresh = fresh["accountUuid"].as_str().unwrap().to_string();
    assert!(!harness.vars.values().any(|taken| *taken == fresh));
    let by_reference = format!(
        "sessionUuid={}&paymentInstrumentReferenceNumber={}",
        after.vars["session"], after.vars["empty_reference"]
    );
    let resp = call(&after, "account-balance-get-v1", &by_reference);
    assert_eq!(body_json(&resp)["data"]["accountUuid"], after.vars["empty"].as_str());
}

#[test]
fn pcaasa_restore_refuses_garbage_without_panicking() {
    let pcaasa = vendor();
    for bytes in [
        &b"garbage"[..],
        b"",
        b"{\"SessionCreated\":{}}",
        br#"{"SessionCreated":{"session":"x","expires_at_micros":1,"evicted":null}}"#,
        br#"{"SessionRenewed":{"session":"x","expires_at_micros":1}}"#,
        br#"{"SessionRenewed":{"session":"7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17","expires_at_micros":1.5}}"#,
        br#"{"Opened":{"account":"x","account_uuid":"x","reference":"PI4000123412341234"}}"#,
    ] {
        assert!(pcaasa.restore(TENANT, bytes).is_err(), "{}", String::from_utf8_lossy(bytes));
    }
    let opened = br#"{"Opened":{"account":"7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17","account_uuid":"7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17","reference":"PI4000123412341234"}}"#;
    assert!(pcaasa.restore(TENANT, opened).is_ok());
    assert!(pcaasa.restore(TENANT, opened).is_err(), "the same identifiers twice contradict");
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

/// Runs `f` with a context on `harness`'s ledger and clock whose store refuses every record.
fn refusing<T>(harness: &Harness, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
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
    f(&ctx)
}

pub(super) fn call_refused(harness: &Harness, name: &str, form: &str) -> Response {
    call_recorded_by(harness, &Refusing, name, form)
}

/// Sends a form-encoded call with a context whose store is `recorder`.
fn call_recorded_by(
    harness: &Harness,
    recorder: &dyn Recorder,
    name: &str,
    form: &str,
) -> Response {
    let text =
        format!("POST /?call={name}\nContent-Type: application/x-www-form-urlencoded\n\n{form}");
    let req = parse_request(&text);
    let clock = |_| harness.now();
    let (server, ids) = (IdGen::random(), Ids::default());
    let trace = Trace::new(&server, &ids);
    let ctx = Ctx { ledger: &harness.ledger, clock: &clock, trace: &trace, ids: &ids, recorder };
    harness.vendor.handle(&ctx, 0, &req)
}

/// A harness whose tenant already holds as many live sessions as PCaaSA keeps, restored from
/// records: the `n`th expires `n` microseconds after an hour from now.
fn full_of_sessions() -> Harness {
    let harness = Harness::new(vendor());
    let start = harness.now().as_unix_micros() + 3_600_000_000;
    for n in 1..=crate::pcaasa::auth::SESSIONS_MAX {
        let session = uuid::Uuid::from_u128(n as u128).hyphenated().to_string();
        let expires_at_micros = start + n as i64;
        let record = crate::pcaasa::state::record::Record::SessionCreated {
            session,
            expires_at_micros,
            evicted: None,
        };
        harness.vendor.restore(TENANT, &serde_json::to_vec(&record).unwrap()).unwrap();
    }
    harness
}

#[test]
fn pcaasa_session_evicted_at_the_cap_stays_evicted_after_a_restart() {
    let harness = full_of_sessions();
    let captured = crate::common::persist::Captured::default();
    let api_key = "5a4db4a4-0000-4000-8000-000000000001";
    let created =
        call_recorded_by(&harness, &captured, "session-create-v1", &format!("apiKey={api_key}"));
    let new = body_json(&created)["data"]["sessionUuid"].as_str().unwrap().to_string();
    let oldest = uuid::Uuid::from_u128(1).to_string();
    let second = uuid::Uuid::from_u128(2).to_string();
    let records = captured.all();
    assert_eq!(records.len(), 1);
    let restarted = full_of_sessions();
    restarted.vendor.restore(TENANT, &records[0].2).unwrap();
    // No account is open: a live session gets as far as looking the account up.
    let session_of = |harness: &Harness, session: &str| {
        let form = format!("sessionUuid={session}&accountUuid={oldest}");
        status_of(&call(harness, "account-balance-get-v1", &form))
    };
    for harness in [&harness, &restarted] {
        assert_eq!(session_of(harness, &oldest), "SESSION_INVALID");
        assert!(!session_of(harness, &second).starts_with("SESSION_"));
        assert!(!session_of(harness, &new).starts_with("SESSION_"));
    }
}

#[test]
fn pcaasa_session_the_store_refuses_is_a_503_and_never_works() {
    let harness = harness();
    let n_records = harness.records();
    let api_key = harness.vars["api_key"].clone();
    let refused = call_refused(&harness, "session-create-v1", &format!("apiKey={api_key}"));
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(status_of(&refused), "SYSTEM_UNAVAILABLE");
    assert!(refused.reason.as_deref().unwrap_or("").contains(UNSTORED));
    assert!(body_json(&refused)["data"]["sessionUuid"].is_null());
    assert_eq!(harness.records(), n_records);
}

#[test]
fn pcaasa_renewal_the_store_refuses_is_a_503_and_moves_nothing() {
    let harness = harness();
    let login = harness.vars["login"].clone();
    harness.advance(Duration::from_secs(20 * 60));
    let form = format!("sessionUuid={login}&accountUuid={}", harness.vars["account"]);
    let refused = call_refused(&harness, "account-balance-get-v1", &form);
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    // The refused call did not renew the session: it still lapses 30 minutes after creation.
    harness.advance(Duration::from_secs(10 * 60));
    assert_eq!(status_of(&balance_with(&harness, &login)), "SESSION_EXPIRED");
}

#[test]
fn pcaasa_opening_the_store_refuses_indexes_nothing() {
    let harness = Harness::new(vendor());
    let ids = json!({"accountUuid": "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17"});
    let serde_json::Value::Object(vendor_ids) = ids.clone() else { unreachable!() };
    let currency = ledger::Currency::from_code("USD").unwrap();
    let spec = AccountSpec {
        currency,
        opening_balance: Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids,
    };
    let refused = refusing(&harness, |ctx| harness.vendor.open_account(ctx, TENANT, &spec));
    assert!(refused.unwrap_err().contains(UNSTORED));
    assert_eq!(harness.records(), 0);
    open(&harness, ids).unwrap();
}
