//! Qolo across a restart: what a client could read before (accounts, wallets, listings, an
//! earlier write's replay, its token, identifiers taken) it reads the same after the vendor's
//! records are restored into a fresh vendor.

use ledger::Limits;
use serde_json::json;

use super::{CARD_PROXY, SEED_ACCOUNT_GUID, adjust, harness, send};
use crate::common::ids::{IdGen, Ids, Trace};
use crate::common::persist::{Recorder, UNSTORED, Unstored};
use crate::qolo::vendor;
use crate::testing::{Harness, TENANT, parse_request, render};
use crate::{AccountSpec, Ctx, Response};

/// Every read fixture, request by request: what a client can see of Qolo's state.
const READS: [&str; 3] = [
    include_str!("../../../test_data/qolo/accounts_read.http"),
    include_str!("../../../test_data/qolo/wallets_read.http"),
    include_str!("../../../test_data/qolo/accounts_by_program.http"),
];

/// Each read's answer as text. A refusal's `traceId` is the request's own (drawn fresh after a
/// restart, by design), so it is left out; every other byte counts.
fn answers(harness: &Harness) -> Vec<String> {
    let requests = READS.iter().flat_map(|fixture| fixture.split("\n###"));
    let requests = requests.filter(|raw| !raw.trim().is_empty());
    requests.map(|raw| without_trace_id(&render(&send(harness, raw.trim_start())))).collect()
}

fn without_trace_id(text: &str) -> String {
    match text.split_once("\"traceId\":\"") {
        Some((head, tail)) => {
            let rest = tail.split_once('"').map_or("", |(_, rest)| rest);
            format!("{head}\"traceId\":\"…\"{rest}")
        }
        None => text.to_string(),
    }
}

/// The fixtures' accounts and tokens, then writes of every kind: keyed by the header, keyed by
/// `client_reference_id`, unkeyed, and a refused one.
fn busy_harness() -> (Harness, Response) {
    let harness = harness();
    let keyed = adjust(&harness, "AT-WIRE_IN", "25.75", "IdempotencyKey: restart-1\n");
    assert_eq!(keyed.status, 201);
    let referenced = r#", "client_reference_id": "ref-1"}"#;
    let with_reference = send(
        &harness,
        &format!(
            "POST /api/v1/accounts/AdjustBalance\nauthorization: Bearer {{{{token}}}}\n\
             content-type: application/json\n\n\
             {{\"account_guid\": \"{{{{account_guid}}}}\", \"request_code\": \"UT-ACH_OUT\", \
             \"amount\": 5.25, \"currency\": \"USD\"{referenced}"
        ),
    );
    assert_eq!(with_reference.status, 201);
    assert_eq!(adjust(&harness, "LT-LOAD", "1", "").status, 201);
    assert_eq!(adjust(&harness, "UT-ACH_OUT", "100000", "").status, 400);
    (harness, keyed)
}

#[test]
fn qolo_answers_every_read_the_same_after_a_restart() {
    let (harness, _) = busy_harness();
    let after = harness.restarted(vendor());
    assert_eq!(answers(&after), answers(&harness));
}

#[test]
fn qolo_openings_and_logins_are_recorded_and_reads_and_writes_are_not() {
    let harness = harness();
    // Nine openings and two logins.
    assert_eq!(harness.records(), 11);
    let (busy, _) = busy_harness();
    assert_eq!(busy.records(), 11, "balance writes are the ledger's: Qolo records nothing");
    answers(&busy);
    assert_eq!(busy.records(), 11, "a read records nothing");
}

#[test]
fn qolo_token_from_before_a_restart_still_authenticates_and_expires_on_time() {
    let (harness, _) = busy_harness();
    let after = harness.restarted(vendor());
    let read = "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n";
    assert_eq!(send(&after, read).status, 200);
    after.advance(std::time::Duration::from_secs(12 * 60 * 60));
    assert_eq!(send(&after, read).status, 401, "its 12 hours run from the login, not the restart");
}

#[test]
fn qolo_retry_of_a_write_from_before_a_restart_replays_its_answer() {
    let (harness, keyed) = busy_harness();
    let after = harness.restarted(vendor());
    let retry = adjust(&after, "AT-WIRE_IN", "25.75", "IdempotencyKey: restart-1\n");
    assert_eq!((retry.status, &retry.body), (keyed.status, &keyed.body));
    let read = "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n";
    assert_eq!(send(&after, read).body, send(&harness, read).body, "no money moved again");
}

fn open(
    harness: &Harness,
    ids: serde_json::Value,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let serde_json::Value::Object(vendor_ids) = ids else { panic!("ids must be an object") };
    let spec = AccountSpec {
        currency: ledger::Currency::from_code("USD").unwrap(),
        opening_balance: rust_decimal::Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids,
    };
    harness.with_ctx(|ctx| harness.vendor.open_account(ctx, TENANT, &spec)).map(|o| o.vendor_ids)
}

#[test]
fn qolo_identifiers_taken_before_a_restart_stay_taken_and_new_ones_are_fresh() {
    let (harness, _) = busy_harness();
    let after = harness.restarted(vendor());
    let taken = open(&after, json!({"account_guid": SEED_ACCOUNT_GUID}));
    assert!(taken.unwrap_err().contains("already in use"));
    let card = open(&after, json!({"card_proxy": CARD_PROXY}));
    assert!(card.unwrap_err().contains("belongs to another wallet"));
    let id_taken = open(&after, json!({"wallet_id": "100000000001"}));
    assert!(id_taken.unwrap_err().contains("already in use"));
    // A new account in the seed's wallet joins its accounts; fresh ids do not collide.
    let joined = open(&after, json!({"wallet_guid": after.vars["wallet_guid"]})).unwrap();
    assert_eq!(joined["card_proxy"], CARD_PROXY);
    let fresh = open(&after, json!({})).unwrap();
    let before: Vec<&String> = harness.vars.values().collect();
    assert!(!before.contains(&&fresh["account_guid"].as_str().unwrap().to_string()));
}

#[test]
fn qolo_restore_refuses_garbage_without_panicking() {
    let qolo = vendor();
    for bytes in [
        &b"garbage"[..],
        b"",
        b"{}",
        b"[1,2]",
        br#"{"LoggedIn":{"token":7}}"#,
        br#"{"Opened":{"account":"not a uuid"}}"#,
    ] {
        assert!(qolo.restore(TENANT, bytes).is_err(), "{}", String::from_utf8_lossy(bytes));
    }
    let mut opened = serde_json::to_value(crate::qolo::state::record::Record::Opened(
        std::borrow::Cow::Owned(sample_opened()),
    ))
    .unwrap();
    assert!(qolo.restore(TENANT, opened.to_string().as_bytes()).is_ok());
    opened["Opened"]["currency"] = json!("XXXX");
    assert!(qolo.restore(TENANT, opened.to_string().as_bytes()).unwrap_err().contains("currency"));
    opened["Opened"]["currency"] = json!("USD");
    opened["Opened"]["account_type"] = json!("SAVINGS");
    assert!(qolo.restore(TENANT, opened.to_string().as_bytes()).is_err());
}

fn sample_opened() -> crate::qolo::state::record::Opened {
    let guid = |n: u128| uuid::Uuid::from_u128(n).hyphenated().to_string();
    crate::qolo::state::record::Opened {
        account: guid(1),
        account_guid: guid(2),
        currency: "USD".into(),
        wallet_guid: guid(3),
        wallet_id: "123456789012".into(),
        person_guid: guid(4),
        program_guid: guid(5),
        fallback_program: false,
        new_card: Some("1234567890123".into()),
        account_type: "GENERAL".into(),
        account_name: "GENERAL USD".into(),
        opened_at_micros: 0,
        opening_balance: "0".into(),
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

#[test]
fn qolo_login_the_store_refuses_is_a_500_and_issues_nothing() {
    let harness = Harness::new(vendor());
    let mut req = parse_request(
        "POST /api/v1/auth/login\ncontent-type: application/json\n\n\
         {\"login_id\": \"sandbank-qolo-login\", \"api_key\": \"sandbank-qolo-key\"}",
    );
    req.params = vec![("version".into(), "v1".into())];
    let resp = refusing(&harness, |ctx| harness.vendor.handle(ctx, 0, &req));
    assert_eq!(resp.status, 500);
    assert!(resp.reason.as_deref().unwrap_or("").contains(UNSTORED));
    assert!(!String::from_utf8_lossy(&resp.body).contains("access_token"));
}

#[test]
fn qolo_opening_the_store_refuses_indexes_nothing() {
    let harness = Harness::new(vendor());
    let ids = json!({"account_guid": SEED_ACCOUNT_GUID, "card_proxy": CARD_PROXY});
    let serde_json::Value::Object(vendor_ids) = ids.clone() else { unreachable!() };
    let spec = AccountSpec {
        currency: ledger::Currency::from_code("USD").unwrap(),
        opening_balance: rust_decimal::Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids,
    };
    let refused = refusing(&harness, |ctx| harness.vendor.open_account(ctx, TENANT, &spec));
    assert!(refused.unwrap_err().contains(UNSTORED));
    assert_eq!(harness.records(), 0);
    // Neither the guid nor the card was taken: the same opening goes through once stored.
    open(&harness, ids).unwrap();
}
