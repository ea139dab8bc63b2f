//! FirstVision across a restart: cash-ins and cash-outs (next-day funds among them), a credit
//! limit changed by the admin API after a cash-in, and a signed request are stored; after a
//! graceful stop and a start on the same directory, the balance and account inquiries and the
//! admin views read the same, the access token issued before still works, a repeated
//! `referenceNumber` answers the first answer (with the credit limit of its time) and moves
//! nothing, a used `X-Client-Request-Id` is still refused, and a fresh cash-in and a fresh
//! account get new ids.

use reqwest::StatusCode;
use serde_json::json;

use super::{
    DataDir, Seen, admin_account, admin_reads, assert_distinct, assert_same_answer,
    assert_same_reads, freeze_at, patch_account, restart, start, transfer_ids,
};
use crate::common::{Reply, Sandbox};
use crate::firstvision::{Account, Fv, l8v2};

/// The instant the clock is frozen at (the bodies' `effectiveDate` is its day), in epoch
/// milliseconds too for the signature's `Timestamp`.
const MORNING: &str = "2026-03-10T10:00:00Z";
const MORNING_MS: i64 = 1_773_136_800_000;
/// The signed request's `X-Client-Request-Id`.
const REQUEST_ID: &str = "restart-nonce-0001";

/// Opens an account and moves money on it: two cash-ins (one next-day), a cash-out, and a
/// credit limit raised after the first cash-in. Returns the account and the first answer.
async fn build(sb: &Sandbox, fv: &Fv) -> (Account, Reply) {
    let opened = sb.open_account("firstvision", "MXN", "100.00", json!({})).await;
    let account = Account::from_json(&opened);
    let first = fv.cash(&l8v2(&account, "FUND", "150.25", "000000000001", 0)).await;
    assert_eq!(first.status, StatusCode::OK, "{first:#?}");
    // The replay after the restart must still show the credit limit of this moment.
    patch_account(sb, &account.id, json!({ "limits": { "balance_min": "-1000.00" } })).await;
    for (action, amount, reference, otb) in
        [("FREV", "40.10", "000000000002", 0), ("FUND", "20", "000000000003", 1)]
    {
        let answer = fv.cash(&l8v2(&account, action, amount, reference, otb)).await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:#?}");
    }
    (account, first)
}

/// A cash-in signed with [`REQUEST_ID`], then the same again: its refusal, which must be the
/// answer after the restart too. Returns the body, its signature and the refusal.
async fn signed_cash(sb: &Sandbox, fv: &Fv, account: &Account) -> (String, String, Reply) {
    let creds = &sb.server.app.default_tenant().unwrap().credentials["firstvision"];
    let (apikey, secret) = (creds["apikey"].as_str().unwrap(), creds["clientSecret"].as_str());
    let body = l8v2(account, "FUND", "5.05", "000000000004", 0);
    let message = format!("{apikey}{REQUEST_ID}{MORNING_MS}{body}");
    let signature =
        vendors::common::auth::hmac_sha256_base64(secret.unwrap().as_bytes(), message.as_bytes());
    let accepted = fv.cash_signed(&body, REQUEST_ID, MORNING_MS, &signature).await;
    assert_eq!(accepted.status, StatusCode::OK, "{accepted:#?}");
    let refused = fv.cash_signed(&body, REQUEST_ID, MORNING_MS, &signature).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{refused:#?}");
    (body, signature, refused)
}

/// Every read of the account a user makes: both vendor inquiries, then the admin views.
async fn reads(sb: &Sandbox, fv: &Fv, account: &Account) -> Vec<Seen> {
    let mut seen = vec![
        Seen::of("balance inquiry", &fv.details(&account.number).await),
        Seen::of("account inquiry", &fv.inquiry(&account.number).await),
    ];
    seen.extend(admin_reads(sb, &account.id).await);
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firstvision_reads_tokens_references_and_request_ids_survive_a_restart() {
    let dir = DataDir::new("firstvision");
    let sb = start(&dir).await;
    freeze_at(&sb, MORNING).await;
    let mut fv = Fv::default_client(&sb).await;
    let (account, first) = build(&sb, &fv).await;
    let (signed_body, signature, refused) = signed_cash(&sb, &fv, &account).await;
    let before = reads(&sb, &fv, &account).await;
    let token = fv.token.clone();

    let sb = restart(sb, &dir).await;
    fv.base.clone_from(&sb.server.base_url);
    // Every read goes out with the token issued before the restart.
    assert_same_reads(&before, &reads(&sb, &fv, &account).await);
    assert_eq!(fv.token, token, "no new token was asked for");

    let view = admin_account(&sb, &account.id).await;
    let again = fv.cash(&l8v2(&account, "FUND", "150.25", "000000000001", 0)).await;
    assert_same_answer(&first, &again, &[]);
    assert_eq!(admin_account(&sb, &account.id).await, view, "a replay moves no money");
    let again = fv.cash_signed(&signed_body, REQUEST_ID, MORNING_MS, &signature).await;
    assert_eq!((again.status, &again.body), (refused.status, &refused.body), "still used");
    assert_eq!(again.reason, refused.reason);
    assert_eq!(admin_account(&sb, &account.id).await, view, "a refused repeat moves nothing");

    fresh_writes(&sb, &fv, &account).await;
}

/// After the restart: a new cash-in moves money under a new transfer id, and a new account
/// gets identifiers of its own.
async fn fresh_writes(sb: &Sandbox, fv: &Fv, account: &Account) {
    let posted = admin_account(sb, &account.id).await["balances"]["posted"].clone();
    assert_eq!(posted, "235.20", "100.00 + 150.25 - 40.10 + 20.00 + 5.05");
    let fresh = fv.cash(&l8v2(account, "FUND", "0.80", "000000000005", 0)).await;
    assert_eq!(fresh.status, StatusCode::OK, "{fresh:#?}");
    assert_eq!(admin_account(sb, &account.id).await["balances"]["posted"], "236.00");
    let ids = transfer_ids(sb, &account.id).await;
    assert_eq!(ids.len(), 6, "the opening, four cash-ins and outs before, one after");
    assert_distinct("transfer ids", &ids);

    let other = Account::from_json(&sb.open_account("firstvision", "MXN", "0", json!({})).await);
    assert_distinct("account ids", &[account.id.clone(), other.id]);
    assert_distinct("account numbers", &[account.number.clone(), other.number]);
    assert_distinct("card numbers", &[account.card.clone(), other.card]);
}
