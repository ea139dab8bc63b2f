//! Qolo across a restart: an account with its wallet, person, program and card, credits and a
//! debit keyed by `IdempotencyKey` or by `client_reference_id`, and an admin limit change are
//! stored; after a graceful stop and a start on the same directory, the account, search,
//! program and wallet reads and the admin views read the same, the bearer token of the login
//! before still works, the keyed adjustments repeated answer their first answers and move
//! nothing, and a fresh adjustment and a fresh account get new ids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    DataDir, Seen, admin_account, admin_reads, assert_distinct, assert_same_answer,
    assert_same_reads, freeze_at, patch_account, restart, start, transfer_ids,
};
use crate::common::{Reply, Sandbox};
use crate::qolo::{adjust, adjust_keyed, adjustment, get, login};

/// A Monday morning the tenant's clock is frozen at.
const MONDAY_10AM: &str = "2026-03-02T10:00:00Z";

/// The identifiers an opening draws, by their `vendor_ids` names (the program is the tenant's).
const DRAWN: [&str; 5] = ["account_guid", "wallet_guid", "wallet_id", "person_guid", "card_proxy"];

/// One adjustment as sent: its `IdempotencyKey` (none: the body's `client_reference_id` keys
/// it), its body, and the answer.
struct Keyed {
    key: Option<&'static str>,
    body: Value,
    answer: Reply,
}

impl Keyed {
    async fn send(sb: &Sandbox, token: &str, key: Option<&'static str>, body: Value) -> Keyed {
        let answer = match key {
            Some(key) => adjust_keyed(sb, token, key, &body).await,
            None => adjust(sb, token, &body).await,
        };
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
        Keyed { key, body, answer }
    }
}

/// Two credits and a debit on `guid`, each keyed one way or the other, with a limit set by the
/// admin API in between.
async fn adjustments(sb: &Sandbox, token: &str, id: &str, guid: &str) -> Vec<Keyed> {
    let wire = Keyed::send(sb, token, Some("wire-1"), adjustment(guid, "AT-WIRE_IN", "40.00"));
    let wire = wire.await;
    patch_account(sb, id, json!({ "limits": { "transfer_amount_max": "500.00" } })).await;
    let ach = adjustment(guid, "UT-ACH_OUT", "5.25");
    let ach = Keyed::send(sb, token, Some("ach-1"), ach).await;
    let mut load = adjustment(guid, "LT-ACH_IN", "12.50");
    load["client_reference_id"] = json!("bank-ref-1");
    let load = Keyed::send(sb, token, None, load).await;
    vec![wire, ach, load]
}

/// Every read a user makes of the account: by guid, the searches by wallet and by person, the
/// program's accounts, the wallet by guid and by card, then the admin views.
async fn reads(sb: &Sandbox, token: &str, opened: &Value) -> Vec<Seen> {
    let id = |name: &str| opened["vendor_ids"][name].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    for path in [
        format!("/api/v1/accounts/{}", id("account_guid")),
        format!("/api/v1/accounts?wallet_guid={}", id("wallet_guid")),
        format!("/api/v1/accounts?person_guid={}", id("person_guid")),
        format!("/api/v1/accounts/program/{}", id("program_guid")),
        format!("/api/v1/wallets/{}", id("wallet_guid")),
        format!("/api/v1/wallets?card_proxy={}", id("card_proxy")),
    ] {
        seen.push(Seen::of(format!("GET {path}"), &get(sb, token, &path).await));
    }
    seen.extend(admin_reads(sb, opened["id"].as_str().unwrap()).await);
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qolo_reads_tokens_and_idempotency_keys_survive_a_restart() {
    let dir = DataDir::new("qolo");
    let sb = start(&dir).await;
    freeze_at(&sb, MONDAY_10AM).await;
    let opened = sb.open_account("qolo", "USD", "100.00", json!({})).await;
    let (id, guid) = (opened["id"].as_str().unwrap(), opened["vendor_ids"]["account_guid"].clone());
    let token = login(&sb).await;
    let keyed = adjustments(&sb, &token, id, guid.as_str().unwrap()).await;
    let before = reads(&sb, &token, &opened).await;

    let sb = restart(sb, &dir).await;
    // Every read goes out with the token issued before the restart.
    assert_same_reads(&before, &reads(&sb, &token, &opened).await);

    let view = admin_account(&sb, id).await;
    for Keyed { key, body, answer } in &keyed {
        let again = match key {
            Some(key) => adjust_keyed(&sb, &token, key, body).await,
            None => adjust(&sb, &token, body).await,
        };
        assert_same_answer(answer, &again, &[]);
        assert_eq!(again.text, answer.text, "Qolo replays the same bytes");
    }
    assert_eq!(admin_account(&sb, id).await, view, "a replay moves no money");

    let txns: Vec<String> = keyed.iter().map(|k| txn_guid(&k.answer)).collect();
    fresh_writes(&sb, &token, &opened, txns).await;
}

/// The transaction an AdjustBalance answer names as the account's last.
fn txn_guid(answer: &Reply) -> String {
    answer.body["account"]["last_txn_guid"].as_str().unwrap().to_string()
}

/// After the restart: a new adjustment moves money under new transaction and transfer ids, and
/// a new account gets identifiers of its own.
async fn fresh_writes(sb: &Sandbox, token: &str, opened: &Value, mut txns: Vec<String>) {
    let id = opened["id"].as_str().unwrap();
    let guid = opened["vendor_ids"]["account_guid"].as_str().unwrap();
    assert_eq!(admin_account(sb, id).await["balances"]["posted"], "147.25");
    let fresh = adjust_keyed(sb, token, "wire-2", &adjustment(guid, "AT-WIRE_IN", "2.75")).await;
    assert_eq!(fresh.status, StatusCode::CREATED, "{fresh:#?}");
    assert_eq!(admin_account(sb, id).await["balances"]["posted"], "150.00");
    txns.push(txn_guid(&fresh));
    assert_distinct("transaction guids", &txns);
    let ids = transfer_ids(sb, id).await;
    assert_eq!(ids.len(), 5, "the opening, three adjustments before, one after");
    assert_distinct("transfer ids", &ids);

    let other = sb.open_account("qolo", "USD", "1.00", json!({})).await;
    assert_distinct("account ids", &[opened["id"].to_string(), other["id"].to_string()]);
    for name in DRAWN {
        let ids = [opened, &other].map(|account| account["vendor_ids"][name].to_string());
        assert_distinct(name, &ids);
    }
}
