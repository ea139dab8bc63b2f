//! The ledger's limits through Qolo over HTTP: funds, maximum balance, daily and per-transaction
//! limits, account status; each refusal moving nothing, with the figures behind it as reason.

use super::*;

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_debit_past_the_available_balance_is_insufficient_funds_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let overdraft =
        open(&sb, "USD", "-50.00", json!({ "limits": { "balance_min": "-100.00" } })).await;
    let token = login(&sb).await;
    let insufficient = "Insufficient funds: the available balance is less than the amount.";
    let before = ledger_state(&sb).await;

    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "100.01")).await;
    assert_detail(&reply, 400, ADJUST, insufficient);
    assert_eq!(reply.body["title"], "Bad Request");
    let reason = reply.reason.as_deref().unwrap();
    assert!(
        reason.starts_with(
            "ledger: insufficient funds (available 100.00, minimum 0.00, debit 100.01)"
        ),
        "{reason}"
    );
    // A debit code of any kind is refused alike.
    for code in ["FT-MONTHLY", "ST-SETTLE", "LR-LOAD", "AT-ADJ_DR", "AR-ADJ_CR"] {
        let reply = adjust(&sb, &token, &adjustment(&account.guid, code, "100.01")).await;
        assert_detail(&reply, 400, ADJUST, insufficient);
    }
    assert_eq!(ledger_state(&sb).await, before);

    // Down to exactly zero is allowed, a cent more is not.
    adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "100.00"))
        .await
        .ok(StatusCode::CREATED);
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "0.01")).await;
    assert_detail(&reply, 400, ADJUST, insufficient);
    assert_balance(&sb, &token, &account, "0.00").await;

    // An overdraft account goes down to its minimum, not past it.
    let reply = adjust(&sb, &token, &adjustment(&overdraft.guid, "FT-MONTHLY", "50.00")).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "-100");
    let reply = adjust(&sb, &token, &adjustment(&overdraft.guid, "FT-MONTHLY", "0.01")).await;
    assert_detail(&reply, 400, ADJUST, insufficient);
    assert_balance(&sb, &token, &overdraft, "-100.00").await;
}

#[tokio::test]
async fn a_credit_past_the_maximum_balance_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account =
        open(&sb, "USD", "900.00", json!({ "limits": { "balance_max": "1000.00" } })).await;
    let token = login(&sb).await;
    let over = "The adjustment would take the balance above the account's maximum balance.";
    let before = ledger_state(&sb).await;

    let reply = adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "100.01")).await;
    assert_detail(&reply, 400, ADJUST, over);
    let reason = reply.reason.as_deref().unwrap();
    assert!(
        reason.starts_with(
            "ledger: balance would exceed the account's maximum balance (balance 900.00, incoming \
             0.00, credit 100.01"
        ),
        "{reason}"
    );
    assert_eq!(ledger_state(&sb).await, before);

    let reply = adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "100.00")).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "1000");
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "AT-ADJ_CR", "0.01")).await;
    assert_detail(&reply, 400, ADJUST, over);
    assert_balance(&sb, &token, &account, "1000.00").await;
}

#[tokio::test]
async fn the_daily_debit_limit_refuses_past_its_allowance_and_resets_after_a_day() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let limits = json!({ "limits": { "daily_debit_amount_max": "100.00" } });
    let account = open(&sb, "USD", "500.00", limits).await;
    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["daily_usage"]["credit_amount"], "0.00", "an opening is not a transfer");
    let token = login(&sb).await;
    let exceeded = "The daily spending amount limit is exceeded.";

    adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "60.00"))
        .await
        .ok(StatusCode::CREATED);
    let before = ledger_state(&sb).await;
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "40.01")).await;
    assert_detail(&reply, 400, ADJUST, exceeded);
    let reason = reply.reason.as_deref().unwrap();
    assert!(reason.contains("daily debit amount"), "{reason}");
    assert!(reason.contains("today 60.00, this one 40.01"), "{reason}");
    assert_eq!(ledger_state(&sb).await, before);
    adjust(&sb, &token, &adjustment(&account.guid, "FT-FEE", "40.00"))
        .await
        .ok(StatusCode::CREATED);
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "0.01")).await;
    assert_detail(&reply, 400, ADJUST, exceeded);
    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["daily_usage"]["debit_amount"], "100.00");
    assert_eq!(admin["daily_usage"]["debit_count"], 2);
    // Credits are not limited by it.
    adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "1000.00"))
        .await
        .ok(StatusCode::CREATED);

    // A day later the allowance is whole again (and the 12-hour token has expired).
    advance(&sb, "P1D").await;
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "100.00")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let token = login(&sb).await;
    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["daily_usage"]["debit_amount"], "0.00");
    adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "100.00"))
        .await
        .ok(StatusCode::CREATED);
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "0.01")).await;
    assert_detail(&reply, 400, ADJUST, exceeded);
    assert_balance(&sb, &token, &account, "1300.00").await;
}

#[tokio::test]
async fn the_per_transaction_maximum_and_the_daily_counts_refuse_but_an_opening_uses_none() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let limits = json!({ "limits": { "transfer_amount_max": "300.00", "daily_credit_count_max": 2,
                                     "daily_debit_count_max": 1 } });
    // The opening balance is above the per-transaction maximum: it is not a transfer.
    let account = open(&sb, "USD", "1000.00", limits).await;
    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["daily_usage"]["credit_count"], 0);
    assert_eq!(admin["n_entries"], 1);
    let token = login(&sb).await;
    let per_transaction = "The amount exceeds the transaction amount limit of the account.";

    for code in ["LT-ACH_IN", "UT-ACH_OUT"] {
        let reply = adjust(&sb, &token, &adjustment(&account.guid, code, "300.01")).await;
        assert_detail(&reply, 400, ADJUST, per_transaction);
        let reason = reply.reason.as_deref().unwrap();
        assert!(
            reason.starts_with(
                "ledger: amount exceeds the account's per-transfer maximum (amount 300.01, maximum \
                 300.00)"
            ),
            "{reason}"
        );
    }
    adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "300.00"))
        .await
        .ok(StatusCode::CREATED);
    adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "1.00"))
        .await
        .ok(StatusCode::CREATED);
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "1.00")).await;
    assert_detail(&reply, 400, ADJUST, "The daily load count limit is exceeded.");
    adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "1.00"))
        .await
        .ok(StatusCode::CREATED);
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "1.00")).await;
    assert_detail(&reply, 400, ADJUST, "The daily spending count limit is exceeded.");
    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["daily_usage"]["credit_count"], 2, "refusals are not counted");
    assert_eq!(admin["daily_usage"]["debit_count"], 1);
    assert_balance(&sb, &token, &account, "1300.00").await;
}

#[tokio::test]
async fn a_frozen_or_closed_account_refuses_adjustments_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "10.00", json!({})).await;
    let empty = open(&sb, "USD", "0", json!({})).await;
    let token = login(&sb).await;
    set_status(&sb, &account, "frozen").await;
    let before = ledger_state(&sb).await;
    for code in ["LT-ACH_IN", "UT-ACH_OUT"] {
        let reply = adjust(&sb, &token, &adjustment(&account.guid, code, "1.00")).await;
        let frozen = "The account status FREEZE does not allow balance adjustments.";
        assert_detail(&reply, 400, ADJUST, frozen);
    }
    assert_eq!(get(&sb, &token, &account.path()).await.body["account_status"], "FREEZE");
    assert_eq!(ledger_state(&sb).await, before);
    set_status(&sb, &account, "active").await;
    adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "1.00"))
        .await
        .ok(StatusCode::CREATED);
    assert_balance(&sb, &token, &account, "11.00").await;

    set_status(&sb, &empty, "closed").await;
    let reply = adjust(&sb, &token, &adjustment(&empty.guid, "LT-ACH_IN", "1.00")).await;
    assert_detail(
        &reply,
        400,
        ADJUST,
        "The account status CLOSED does not allow balance adjustments.",
    );
    assert_eq!(get(&sb, &token, &empty.path()).await.body["account_status"], "CLOSED");
}
