//! Clowd9 across a restart: two accounts (one with an `external_id`), every kind of balance
//! change keyed by `reference_id` (update credit and debit, increase, decrease, correction,
//! transfer) and an admin limit change are stored; after a graceful stop and a start on the
//! same directory, the balance, account and ledger-entry reads and the admin views read the
//! same, the access and refresh tokens of the login before still work, repeated
//! `reference_id`s answer the first outcome and move nothing, and a fresh change and a fresh
//! account get new ids.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    DataDir, Seen, admin_account, admin_reads, assert_distinct, assert_same_answer,
    assert_same_reads, freeze_at, masked, patch_account, restart, start, transfer_ids,
};
use crate::clowd9::{UPDATE, call, login};
use crate::common::{Reply, Sandbox};

/// The tenant's frozen instant, and its day for the ledger-entry read.
const NOON: &str = "2030-05-14T12:00:00Z";
const DAY: &str = "2030-05-14";

/// An opened account: the ledger's id and Clowd9's `account_id`.
struct Opened {
    id: String,
    account_id: String,
}

async fn open(sb: &Sandbox, opening: &str, vendor_ids: Value) -> Opened {
    let json = sb.open_account("clowd9", "GBP", opening, json!({ "vendor_ids": vendor_ids })).await;
    Opened {
        id: json["id"].as_str().unwrap().to_string(),
        account_id: json["vendor_ids"]["account_id"].as_str().unwrap().to_string(),
    }
}

/// A Clowd9 call that must succeed.
async fn ok(sb: &Sandbox, path: &str, token: &str, body: Value) -> Reply {
    let reply = call(sb, Method::POST, path, Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:#?}");
    reply
}

/// Every keyed change once, on `from` (and `to` for the transfer), with a limit raised by the
/// admin API in between. Returns the first update's and the transfer's answers and bodies.
async fn changes(sb: &Sandbox, token: &str, from: &Opened, to: &Opened) -> Vec<(Value, Reply)> {
    let path = |op: &str| format!("/v1/accounts/{}/{op}", from.account_id);
    let a = &from.account_id;
    let credit =
        json!({ "account_id": a, "amount": 1000, "direction": "Credit", "reference_id": "U-1" });
    let first = ok(sb, UPDATE, token, credit.clone()).await;
    patch_account(sb, &from.id, json!({ "limits": { "daily_debit_count_max": 50 } })).await;
    let debit =
        json!({ "account_id": a, "amount": 250, "direction": "Debit", "reference_id": "U-2" });
    ok(sb, UPDATE, token, debit).await;
    ok(sb, &path("increase"), token, json!({ "amount": 500, "reference_id": "I-1" })).await;
    ok(sb, &path("decrease"), token, json!({ "amount": 300, "reference_id": "D-1" })).await;
    let correction = json!({ "amount": -25, "reason": "Fee charged twice", "reference_id": "C-1" });
    ok(sb, &path("correct"), token, correction).await;
    let transfer = json!({ "source_account_id": a, "destination_account_id": to.account_id,
                           "amount": 750, "reference": "Savings", "reference_id": "T-1" });
    let moved = ok(sb, "/v1/accounts/transfer", token, transfer.clone()).await;
    vec![(credit, first), (transfer, moved)]
}

/// Every read of both accounts a user makes, through Clowd9 and the admin API. Each Clowd9
/// answer carries the trace id of its own request, which no two requests share: masked.
async fn reads(sb: &Sandbox, token: &str, accounts: [&Opened; 2]) -> Vec<Seen> {
    let mut seen = Vec::new();
    for account in accounts {
        let base = format!("/v1/accounts/{}", account.account_id);
        for path in [
            format!("{base}/balances"),
            base.clone(),
            format!("{base}/ledger-entries?from_date={DAY}&to_date={DAY}"),
        ] {
            let reply = call(sb, Method::GET, &path, Some(token), None).await;
            let mut read = Seen::of(format!("GET {path}"), &reply);
            read.body = masked(read.body, "trace_id");
            seen.push(read);
        }
        seen.extend(admin_reads(sb, &account.id).await);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clowd9_reads_tokens_and_reference_ids_survive_a_restart() {
    let dir = DataDir::new("clowd9");
    let sb = start(&dir).await;
    freeze_at(&sb, NOON).await;
    let from = open(&sb, "100.00", json!({})).await;
    let to =
        open(&sb, "5.00", json!({ "account_name": "Savings", "external_id": "018794671" })).await;
    let tokens = login(&sb).await;
    let keyed = changes(&sb, &tokens.access, &from, &to).await;
    let before = reads(&sb, &tokens.access, [&from, &to]).await;

    let sb = restart(sb, &dir).await;
    // Every read goes out with the access token issued before the restart.
    assert_same_reads(&before, &reads(&sb, &tokens.access, [&from, &to]).await);
    let refreshed = ok(&sb, "/v1/auth/refresh", &tokens.refresh, json!({})).await;
    let access = refreshed.body["access_token"].as_str().unwrap().to_string();

    let views = (admin_account(&sb, &from.id).await, admin_account(&sb, &to.id).await);
    for (body, first) in &keyed {
        let path = if body.get("direction").is_some() { UPDATE } else { "/v1/accounts/transfer" };
        let again = call(&sb, Method::POST, path, Some(&access), Some(body.clone())).await;
        // A replay is a request of its own, answered with its own trace id.
        assert_same_answer(first, &again, &["trace_id"]);
    }
    let now = (admin_account(&sb, &from.id).await, admin_account(&sb, &to.id).await);
    assert_eq!(now, views, "a replay moves no money");

    fresh_writes(&sb, &access, &from).await;
}

/// After the restart: a new change moves money under a new transfer id, and a new account gets
/// identifiers of its own.
async fn fresh_writes(sb: &Sandbox, token: &str, from: &Opened) {
    let posted = admin_account(sb, &from.id).await["balances"]["posted"].clone();
    assert_eq!(posted, "101.75", "100.00 + 10.00 - 2.50 + 5.00 - 3.00 - 0.25 - 7.50");
    let credit = json!({ "account_id": from.account_id, "amount": 25, "direction": "Credit",
                         "reference_id": "U-3" });
    ok(sb, UPDATE, token, credit).await;
    assert_eq!(admin_account(sb, &from.id).await["balances"]["posted"], "102.00");
    let ids = transfer_ids(sb, &from.id).await;
    assert_eq!(ids.len(), 8, "the opening, six changes before, one after");
    assert_distinct("transfer ids", &ids);

    let other = open(sb, "1.00", json!({})).await;
    assert_distinct("account ids", &[from.id.clone(), other.id]);
    assert_distinct("Clowd9 account_ids", &[from.account_id.clone(), other.account_id]);
}
