//! PCaaSA across a restart: an account with a credit line, a session made by
//! `session-create-v1` and renewed by a later call, credits and debits keyed by
//! `externalTranUuid` (through that session and the standing one), and an admin limit change
//! are stored; after a graceful stop and a start on the same directory, the balance reads (by
//! `accountUuid` and by reference number) and the admin views read the same, the session made
//! before still works past the expiry it was made with (its renewal survived), repeated
//! `externalTranUuid`s answer their first answers and move nothing, and a fresh adjustment and a
//! fresh account get new ids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    DataDir, Seen, admin_account, admin_reads, advance, assert_distinct, assert_same_answer,
    assert_same_reads, freeze_at, patch_account, restart, start, transfer_ids,
};
use crate::common::{Reply, Sandbox};
use crate::pcaasa::{ADJUST, BALANCE_GET, SESSION_CREATE, api_key, form, standing_session};

/// A Monday morning the tenant's clock is frozen at.
const MONDAY_10AM: &str = "2026-03-02T10:00:00Z";

/// An account as the admin API opened it: the ledger id, `accountUuid` and reference number.
struct Account {
    id: String,
    uuid: String,
    reference: String,
}

impl Account {
    fn of(opened: &Value) -> Account {
        let ids = &opened["vendor_ids"];
        Account {
            id: opened["id"].as_str().unwrap().to_string(),
            uuid: ids["accountUuid"].as_str().unwrap().to_string(),
            reference: ids["paymentInstrumentReferenceNumber"].as_str().unwrap().to_string(),
        }
    }
}

/// An adjustment's form body, keyed by `externalTranUuid` `key`.
fn adjustment(session: &str, account: &Account, amount: &str, code: &str, key: &str) -> String {
    format!(
        "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode={code}&\
         externalTranUuid={key}",
        account.uuid
    )
}

/// An adjustment that must succeed: its body and answer.
async fn adjusted(sb: &Sandbox, body: String) -> (String, Reply) {
    let answer = form(sb, ADJUST, &body).await;
    assert_eq!((answer.status, &answer.body["status"]), (StatusCode::OK, &json!("success")));
    (body, answer)
}

/// A new session from `session-create-v1`.
async fn new_session(sb: &Sandbox) -> String {
    let created = form(sb, SESSION_CREATE, &format!("apiKey={}", api_key(sb))).await;
    assert_eq!(created.status, StatusCode::OK, "{created:#?}");
    created.body["data"]["sessionUuid"].as_str().unwrap().to_string()
}

/// Keyed adjustments through `session` and the standing session, with the credit line raised
/// by the admin API in between; the last one, 20 minutes on, renews `session`'s idle expiry.
async fn adjustments(sb: &Sandbox, session: &str, account: &Account) -> Vec<(String, Reply)> {
    let standing = standing_session(sb);
    let credit =
        adjustment(session, account, "30.00", "CIBKLVAC", "0c1e7a52-0001-4b8a-a1f6-0e5b2c9d4a17");
    let mut keyed = vec![adjusted(sb, credit).await];
    patch_account(sb, &account.id, json!({ "limits": { "balance_min": "-200.00" } })).await;
    for (session, amount, code, key) in [
        (session, "-12.34", "DOBKLVAD", "0c1e7a52-0002-4b8a-a1f6-0e5b2c9d4a17"),
        (&standing, "5.00", "CIVSCCAP", "0c1e7a52-0003-4b8a-a1f6-0e5b2c9d4a17"),
    ] {
        keyed.push(adjusted(sb, adjustment(session, account, amount, code, key)).await);
    }
    // Made at minute 0 the session idles out at minute 30; this call moves that to minute 50.
    advance(sb, "PT20M").await;
    let renewing =
        adjustment(session, account, "-1.00", "DOBKLVAD", "0c1e7a52-0004-4b8a-a1f6-0e5b2c9d4a17");
    keyed.push(adjusted(sb, renewing).await);
    keyed
}

/// Every read a user makes of the account: its balance by `accountUuid` and by either
/// reference name (with the standing session), then the admin views.
async fn reads(sb: &Sandbox, account: &Account) -> Vec<Seen> {
    let session = standing_session(sb);
    let mut seen = Vec::new();
    for by in [
        format!("accountUuid={}", account.uuid),
        format!("paymentInstrumentReferenceNumber={}", account.reference),
        format!("cardReferenceNumber={}", account.reference),
    ] {
        let reply = form(sb, BALANCE_GET, &format!("sessionUuid={session}&{by}")).await;
        seen.push(Seen::of(format!("{BALANCE_GET} by {by}"), &reply));
    }
    seen.extend(admin_reads(sb, &account.id).await);
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcaasa_reads_sessions_and_external_tran_uuids_survive_a_restart() {
    let dir = DataDir::new("pcaasa");
    let sb = start(&dir).await;
    freeze_at(&sb, MONDAY_10AM).await;
    let limits = json!({ "limits": { "balance_min": "-100.00" } });
    let account = Account::of(&sb.open_account("pcaasa", "USD", "50.00", limits).await);
    let session = new_session(&sb).await;
    let keyed = adjustments(&sb, &session, &account).await;
    let before = reads(&sb, &account).await;

    let sb = restart(sb, &dir).await;
    assert_same_reads(&before, &reads(&sb, &account).await);
    // Minute 40: past the expiry the session was made with, before the one its use gave it.
    advance(&sb, "PT20M").await;
    let read = format!("sessionUuid={session}&accountUuid={}", account.uuid);
    let read = form(&sb, BALANCE_GET, &read).await;
    // PCaaSA answers a refusal of the session with 200 too: its envelope says which.
    let outcome = (read.status, &read.body["status"]);
    assert_eq!(outcome, (StatusCode::OK, &json!("success")), "the session still works: {read:#?}");
    let view = admin_account(&sb, &account.id).await;
    for (body, first) in &keyed {
        assert_same_answer(first, &form(&sb, ADJUST, body).await, &[]);
    }
    assert_eq!(admin_account(&sb, &account.id).await, view, "a replay moves no money");

    fresh_writes(&sb, &session, &account).await;
}

/// After the restart: a new adjustment moves money under a new transfer id, and a new account
/// gets identifiers of its own.
async fn fresh_writes(sb: &Sandbox, session: &str, account: &Account) {
    assert_eq!(admin_account(sb, &account.id).await["balances"]["posted"], "71.66");
    let key = "0c1e7a52-0005-4b8a-a1f6-0e5b2c9d4a17";
    adjusted(sb, adjustment(session, account, "0.34", "CIBKLVAC", key)).await;
    assert_eq!(admin_account(sb, &account.id).await["balances"]["posted"], "72.00");
    let ids = transfer_ids(sb, &account.id).await;
    assert_eq!(ids.len(), 6, "the opening, four adjustments before, one after");
    assert_distinct("transfer ids", &ids);

    let other = Account::of(&sb.open_account("pcaasa", "USD", "1.00", json!({})).await);
    assert_distinct("account ids", &[account.id.clone(), other.id]);
    assert_distinct("account uuids", &[account.uuid.clone(), other.uuid]);
    assert_distinct("reference numbers", &[account.reference.clone(), other.reference]);
}
