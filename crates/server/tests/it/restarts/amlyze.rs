//! AMLYZE across a restart: an account the admin API opened (its identifiers drawn) with a
//! limit changed, a customer and an account registered and re-registered through AMLYZE's own
//! calls, balance snapshots (positive and negative, single and batch), a reused
//! `communicationNumber`, and a second tenant are stored; after a graceful stop and a start on
//! the same directory, the admin views (snapshots included) and the tenant list read the same,
//! the second tenant's token still works, the used number is still refused with the same
//! answer and stores nothing, and a fresh snapshot and a fresh account work with new ids.
//!
//! AMLYZE moves no money and has no read of its own: its balances are snapshots, which the
//! admin account read shows as `vendor_state`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    DataDir, Seen, admin_account, admin_ok, admin_reads, assert_distinct, assert_same_answer,
    assert_same_reads, freeze_at, patch_account, restart, start,
};
use crate::amlyze::{
    ACCOUNT, BALANCE, BATCH, CUSTOMER, TOKEN, account, balance, call_as, customer, n_snapshots,
    new_tenant,
};
use crate::common::{Reply, Sandbox};

/// The instant the tenant's clock is frozen at: snapshots show it as their `registeredAt`.
const FROZEN_AT: &str = "2026-03-01T12:34:56.789Z";
/// The `accountExtId` of the account registered through AMLYZE's own call.
const REGISTERED: &str = "ACC-RESTART-B";

/// A balance snapshot of `ext_id`.
fn snapshot(number: &str, ext_id: &str, kind: Option<&str>, at: &str, value: &str) -> Value {
    let mut body = balance(number, kind, at, value);
    body["accountExtId"] = json!(ext_id);
    body
}

/// A call with the default tenant's token that AMLYZE must accept.
async fn accepted(sb: &Sandbox, method: Method, path: &str, body: &Value) {
    let reply = call_as(sb, TOKEN, method, path, &body.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:#?}");
    assert!(!reply.text.contains("REQUEST_REJECTED"), "{path}: {reply:#?}");
}

/// Registers customer `ext_id` with `token`.
async fn customer_as(sb: &Sandbox, token: &str, number: &str, ext_id: &str) -> Reply {
    call_as(sb, token, Method::POST, CUSTOMER, &customer(number, ext_id).to_string()).await
}

/// Registers a customer and its account through AMLYZE, then the account again under a new
/// number; returns the ledger id the registration opened.
async fn register(sb: &Sandbox) -> String {
    accepted(sb, Method::POST, CUSTOMER, &customer("CUS-1", "CUST-B")).await;
    accepted(sb, Method::POST, ACCOUNT, &account("ACC-1", "CUST-B", REGISTERED, "ACTIVE")).await;
    let mut again = account("ACC-2", "CUST-B", REGISTERED, "ACTIVE");
    again["action"] = json!("UPDATE");
    again["accountNumber"] = json!("LT601010012345678902");
    accepted(sb, Method::POST, ACCOUNT, &again).await;
    let listed = admin_ok(sb, Method::GET, "/__admin/accounts?vendor=amlyze", None).await;
    let listed = listed["accounts"].as_array().unwrap().iter();
    let registered = listed.filter(|a| a["vendor_ids"]["accountExtId"] == REGISTERED);
    let registered: Vec<&Value> = registered.collect();
    assert_eq!(registered.len(), 1, "{registered:?}");
    registered[0]["id"].as_str().unwrap().to_string()
}

/// Snapshots of both accounts, single and batched; then the first again, refused: its answer.
async fn snapshots(sb: &Sandbox, drawn: &str) -> (Value, Reply) {
    let first =
        snapshot("BAL-1", drawn, Some("STATEMENT_BALANCE"), "2026-02-28T00:00:00Z", "1234.56");
    accepted(sb, Method::PUT, BALANCE, &first).await;
    let negative = snapshot("BAL-2", drawn, None, "2026-02-28T12:00:00Z", "-17.25");
    accepted(sb, Method::PUT, BALANCE, &negative).await;
    let batch = json!({ "accountBalances": [
        snapshot("BAL-3", drawn, Some("DAILY_BALANCE"), "2026-02-28T00:00:00Z", "0.10"),
        snapshot("BAL-4", REGISTERED, Some("DAILY_BALANCE"), "2026-02-28T00:00:00Z", "99"),
    ]});
    accepted(sb, Method::POST, BATCH, &batch).await;
    let refused = call_as(sb, TOKEN, Method::PUT, BALANCE, &first.to_string()).await;
    assert_eq!(refused.body["errorCode"], "O005", "{refused:#?}");
    (first, refused)
}

/// Every read a user makes: the tenants, and each account's admin views with its snapshots.
async fn reads(sb: &Sandbox, ids: [&str; 2]) -> Vec<Seen> {
    let tenants = Reply::read(sb.admin(Method::GET, "/__admin/tenants", None).await).await;
    let mut tenants = Seen::of("GET /__admin/tenants", &tenants);
    for tenant in tenants.body["tenants"].as_array_mut().unwrap() {
        // The second tenant's clock runs with real time, so its `now` moves between any two
        // reads; the default tenant's is frozen and must read the same.
        if tenant["clock"]["frozen"] == false {
            tenant["clock"]["now"] = json!("(running)");
        }
    }
    let mut seen = vec![tenants];
    for id in ids {
        seen.extend(admin_reads(sb, id).await);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amlyze_snapshots_registrations_numbers_and_tenants_survive_a_restart() {
    let dir = DataDir::new("amlyze");
    let sb = start(&dir).await;
    freeze_at(&sb, FROZEN_AT).await;
    let opened = sb.open_account("amlyze", "EUR", "500.00", json!({})).await;
    let id = opened["id"].as_str().unwrap();
    let drawn = opened["vendor_ids"]["accountExtId"].as_str().unwrap();
    patch_account(&sb, id, json!({ "limits": { "daily_debit_amount_max": "100.00" } })).await;
    let registered = register(&sb).await;
    let (first, refused) = snapshots(&sb, drawn).await;
    let (_, _, their_token) = new_tenant(&sb).await;
    let theirs = customer_as(&sb, &their_token, "T-1", "T-C1").await;
    assert_eq!(theirs.status, StatusCode::OK, "{theirs:#?}");
    let before = reads(&sb, [id, &registered]).await;
    // The views compared below carry the snapshots: three of the drawn account, one of the
    // registered one.
    for (account, n) in [(id, 3), (registered.as_str(), 1)] {
        let what = format!("GET /__admin/accounts/{account}");
        let view = before.iter().find(|seen| seen.what == what).unwrap();
        assert_eq!(n_snapshots(&view.body["vendor_state"]), n, "{view:?}");
    }

    let sb = restart(sb, &dir).await;
    assert_same_reads(&before, &reads(&sb, [id, &registered]).await);
    let theirs = customer_as(&sb, &their_token, "T-2", "T-C2").await;
    assert_eq!(theirs.status, StatusCode::OK, "the second tenant's token still works: {theirs:#?}");

    let view = admin_account(&sb, id).await;
    let again = call_as(&sb, TOKEN, Method::PUT, BALANCE, &first.to_string()).await;
    assert_same_answer(&refused, &again, &[]);
    assert_eq!(again.reason, refused.reason);
    assert_eq!(admin_account(&sb, id).await, view, "a refused number stores nothing");

    fresh_writes(&sb, &opened).await;
}

/// After the restart: a new snapshot is stored, and a new account gets identifiers of its own.
async fn fresh_writes(sb: &Sandbox, opened: &Value) {
    let id = opened["id"].as_str().unwrap();
    let drawn = opened["vendor_ids"]["accountExtId"].as_str().unwrap();
    let before = n_snapshots(&admin_account(sb, id).await["vendor_state"]);
    let fresh = snapshot("BAL-5", drawn, None, "2026-03-01T00:00:00Z", "7");
    accepted(sb, Method::PUT, BALANCE, &fresh).await;
    let view = admin_account(sb, id).await;
    assert_eq!(n_snapshots(&view["vendor_state"]), before + 1);
    assert_eq!(view["balances"]["posted"], "500.00", "a snapshot posts nothing");

    let other = sb.open_account("amlyze", "EUR", "1.00", json!({})).await;
    assert_distinct("account ids", &[opened["id"].to_string(), other["id"].to_string()]);
    for name in ["accountExtId", "accountNumber", "businessEntityExtId"] {
        let ids = [opened, &other].map(|account| account["vendor_ids"][name].to_string());
        assert_distinct(name, &ids);
    }
}
