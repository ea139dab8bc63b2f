//! Clowd9's balance changes over HTTP: the seed's Update Account Balance moving real money,
//! limits with their reasons, idempotent replay by `reference_id`, transfers.

use super::*;

#[tokio::test]
async fn the_seed_credit_raises_the_balance_and_a_debit_past_the_funds_fails_without_change() {
    let sb = start().await;
    let account = open(&sb, "1.00", json!({})).await;
    let token = login(&sb).await.access;

    let credit = update(&sb, &token, &account.account_id, 250, "Credit").await;
    assert_eq!(credit.status, StatusCode::OK, "{}", credit.body);
    assert_eq!(credit.body["previous_account_balance"], "100");
    assert_eq!(credit.body["new_account_balance"], "350");
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (350, 350));
    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(admin["balances"]["posted"], "3.50");
    assert_eq!(admin["balances"]["available"], "3.50");
    assert_eq!(admin["n_entries"], 2);

    let overdraw = update(&sb, &token, &account.account_id, 351, "debit").await;
    overdraw.assert_seed_failure(&account.account_id, "insufficient balance");
    assert!(is_dashed_uuid(overdraw.body["trace_id"].as_str().unwrap()));
    assert_eq!(
        overdraw.reason_line(),
        "ledger: insufficient funds (available 350, minimum 0, debit 351 minor units)"
    );
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (350, 350));
    let after = admin_account(&sb, &account.id).await;
    assert_eq!(after["balances"], admin["balances"]);
    assert_eq!(after["n_entries"], 2);
    assert_eq!(after["daily_usage"], admin["daily_usage"]);

    // The whole balance can go (a body without Content-Type is read as JSON); the journal
    // keeps the refusal with its reason.
    let body =
        format!(r#"{{"account_id":"{}","amount":350,"direction":"DEBIT"}}"#, account.account_id);
    let all = post_raw(&sb, UPDATE, &token, None, body).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["new_account_balance"], "0");
    assert_eq!(admin_posted(&sb, &account.id).await, 0);
    let journal = sb.journal().await;
    let refused = journal
        .iter()
        .find(|entry| entry["trace_id"] == overdraw.trace_header())
        .expect("the refusal is journaled");
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["operation"], "UpdateAccountBalance");
    assert_eq!(refused["reason"], overdraw.reason_line());
}

#[tokio::test]
async fn a_credit_over_the_maximum_balance_is_refused_with_the_seeds_reason() {
    let sb = start().await;
    let capped = open(&sb, "150.00", json!({ "limits": { "balance_max": "200.00" } })).await;
    let token = login(&sb).await.access;

    let over = update(&sb, &token, &capped.account_id, 5001, "Credit").await;
    over.assert_seed_failure(&capped.account_id, "exceeds maximum balance");
    assert!(over.reason_line().starts_with("ledger: "), "{}", over.reason_line());
    assert!(over.reason_line().contains("maximum 20000 minor units"), "{}", over.reason_line());
    assert_eq!(admin_posted(&sb, &capped.id).await, 15000);

    // The S1 increase hits the same limit, in rpcStatus.
    let path = format!("/v1/accounts/{}/increase", capped.account_id);
    let increase =
        call(&sb, Method::POST, &path, Some(&token), Some(json!({ "amount": 5001 }))).await;
    increase.assert_rpc_status(StatusCode::BAD_REQUEST, "exceeds maximum balance");

    let exact = update(&sb, &token, &capped.account_id, 5000, "Credit").await;
    assert_eq!(exact.status, StatusCode::OK, "{}", exact.body);
    assert_eq!(admin_posted(&sb, &capped.id).await, 20000);
    let one_more = update(&sb, &token, &capped.account_id, 1, "Credit").await;
    one_more.assert_seed_failure(&capped.account_id, "exceeds maximum balance");
    assert_eq!(vendor_balance(&sb, &token, &capped.account_id).await, (20000, 20000));
}

#[tokio::test]
async fn the_daily_debit_limit_refuses_the_excess_and_resets_after_a_day() {
    let sb = start().await;
    freeze_clock(&sb).await;
    let account =
        open(&sb, "1000.00", json!({ "limits": { "daily_debit_amount_max": "50.00" } })).await;
    let token = login(&sb).await.access;

    let first = update(&sb, &token, &account.account_id, 3000, "Debit").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let over = update(&sb, &token, &account.account_id, 2001, "Debit").await;
    over.assert_seed_failure(&account.account_id, "exceeds daily limit");
    assert_eq!(
        over.reason_line(),
        "ledger: daily limit exceeded: daily debit amount \
         (today 3000, this one 2001, daily maximum 5000 minor units)"
    );
    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(admin["balances"]["posted"], "970.00");
    assert_eq!(admin["daily_usage"]["debit_amount"], "30.00");
    assert_eq!(admin["daily_usage"]["debit_count"], 1);
    // Credits are not limited by the debit limit.
    let credit = update(&sb, &token, &account.account_id, 9000, "Credit").await;
    assert_eq!(credit.status, StatusCode::OK, "{}", credit.body);
    let exact = update(&sb, &token, &account.account_id, 2000, "Debit").await;
    assert_eq!(exact.status, StatusCode::OK, "the rest of the day's allowance: {}", exact.body);
    let decrease = call(
        &sb,
        Method::POST,
        &format!("/v1/accounts/{}/decrease", account.account_id),
        Some(&token),
        Some(json!({ "amount": 1 })),
    )
    .await;
    decrease.assert_rpc_status(StatusCode::BAD_REQUEST, "exceeds daily limit");
    assert_eq!(admin_posted(&sb, &account.id).await, 100_000 - 3000 + 9000 - 2000);

    set_clock(&sb, json!({ "advance": "P1D" })).await;
    // The access token outlived its 120 minutes in that day; log in again.
    let token = login(&sb).await.access;
    let next_day = update(&sb, &token, &account.account_id, 2001, "Debit").await;
    assert_eq!(next_day.status, StatusCode::OK, "{}", next_day.body);
    let usage = admin_account(&sb, &account.id).await["daily_usage"].clone();
    assert_eq!(usage["debit_amount"], "20.01");
    assert_eq!(usage["debit_count"], 1);
    assert_eq!(admin_posted(&sb, &account.id).await, 104_000 - 2001);
}
#[tokio::test]
async fn a_replay_with_the_same_reference_id_moves_money_once_and_a_changed_one_conflicts() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let token = login(&sb).await.access;
    let body = json!({
        "account_id": account.account_id,
        "amount": 500,
        "direction": "Credit",
        "reference_id": "Transfer 20250705",
    });

    let first = call(&sb, Method::POST, UPDATE, Some(&token), Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = call(&sb, Method::POST, UPDATE, Some(&token), Some(body.clone())).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    for key in ["account_id", "previous_account_balance", "new_account_balance"] {
        assert_eq!(first.body[key], second.body[key], "the replay repeats the first outcome");
    }
    assert_eq!(second.body["previous_account_balance"], "1000");
    assert_eq!(second.body["new_account_balance"], "1500");
    assert_ne!(first.body["trace_id"], second.body["trace_id"], "a replay has its own trace id");
    assert_eq!(admin_posted(&sb, &account.id).await, 1500);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 2);

    let mut changed = body.clone();
    changed["amount"] = json!(501);
    let conflict = call(&sb, Method::POST, UPDATE, Some(&token), Some(changed)).await;
    conflict.assert_seed_failure(&account.account_id, "duplicate reference_id");
    // The reason names the request field the key came from, in the shared sentence.
    assert_eq!(conflict.reason_line(), "ledger: reference_id reused with a different request");
    let mut debit = body.clone();
    debit["direction"] = json!("Debit");
    let conflict = call(&sb, Method::POST, UPDATE, Some(&token), Some(debit)).await;
    conflict.assert_seed_failure(&account.account_id, "duplicate reference_id");
    // The same key through another operation is a different request too.
    let increase = call(
        &sb,
        Method::POST,
        &format!("/v1/accounts/{}/increase", account.account_id),
        Some(&token),
        Some(json!({ "amount": 500, "reference_id": "Transfer 20250705" })),
    )
    .await;
    increase.assert_rpc_status(StatusCode::BAD_REQUEST, "duplicate reference_id");
    assert_eq!(increase.reason_line(), "ledger: reference_id reused with a different request");

    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (1500, 1500));
    let entries = admin_entries(&sb, &account.id).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["metadata"]["reference_id"], "Transfer 20250705");
    assert_eq!(entries[1]["amount"], "5.00");

    // Replays racing each other still move the money once.
    let mut racing = body.clone();
    racing["reference_id"] = json!("race-1");
    let mut tasks = JoinSet::new();
    for _ in 0..16 {
        let (client, url, token, racing) =
            (sb.client.clone(), sb.url(UPDATE), token.clone(), racing.clone());
        tasks.spawn(async move {
            Reply::read(client.post(url).bearer_auth(token).json(&racing).send().await.unwrap())
                .await
        });
    }
    let replies = tokio::time::timeout(PHASE_TIMEOUT, tasks.join_all()).await.unwrap();
    let outcomes: HashSet<(String, String)> = replies
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            (
                reply.body["previous_account_balance"].as_str().unwrap().to_string(),
                reply.body["new_account_balance"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(outcomes, HashSet::from([("1500".to_string(), "2000".to_string())]));
    assert_eq!(admin_posted(&sb, &account.id).await, 2000);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 3);
}

// See: issue item 19 (an empty reference_id where the vendor allows one).
#[tokio::test]
async fn the_seeds_own_example_filled_in_with_only_amount_and_direction_succeeds_every_time() {
    let sb = start().await;
    // The seed's example addresses this account; open it under that id.
    let seed_account_id = "fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4";
    let account =
        open(&sb, "1.00", json!({ "vendor_ids": { "account_id": seed_account_id } })).await;
    let token = login(&sb).await.access;
    // The seed's example request as printed, with only `amount` and `direction` filled in: its
    // `reference_id` stays `""`, like `type`, `destination` and `reference`.
    let example = r#"{
    "account_id": "fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4",
    "client_id": "15bfc289-de75-4668-bb11-3998aadf226d",
    "amount": 1000,
    "direction": "Credit",
    "type": "",
    "destination": "",
    "reference": "",
    "reference_id": ""
}"#;
    let first = post_raw(&sb, UPDATE, &token, Some("application/json"), example).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["previous_account_balance"], "100");
    assert_eq!(first.body["new_account_balance"], "1100");
    // An empty reference_id keys nothing: the same body again is a second change, not a replay.
    let second = post_raw(&sb, UPDATE, &token, Some("application/json"), example).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["previous_account_balance"], "1100");
    assert_eq!(second.body["new_account_balance"], "2100");
    assert_eq!(admin_posted(&sb, &account.id).await, 2100);
    assert_eq!(vendor_balance(&sb, &token, seed_account_id).await, (2100, 2100));
}

// See: issue item 19 (`reference_id: ""` on correct, refused only where the vendor says so).
#[tokio::test]
async fn two_corrections_with_an_empty_reference_id_both_apply_but_increase_refuses_one() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let other = open(&sb, "0", json!({})).await;
    let token = login(&sb).await.access;
    let correct = format!("/v1/accounts/{}/correct", account.account_id);
    let body = json!({ "amount": -250, "reason": "Fee charged twice", "reference_id": "" });
    let first = call(&sb, Method::POST, &correct, Some(&token), Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["new_actual_balance"], "750");
    let second = call(&sb, Method::POST, &correct, Some(&token), Some(body)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["previous_actual_balance"], "750");
    assert_eq!(second.body["new_actual_balance"], "500");
    assert_eq!(admin_posted(&sb, &account.id).await, 500);

    // Increase, decrease and transfer declare `minLength: 1`: there `""` stays refused.
    for operation in ["increase", "decrease"] {
        let path = format!("/v1/accounts/{}/{operation}", account.account_id);
        let body = json!({ "amount": 100, "reference_id": "" });
        let refused = call(&sb, Method::POST, &path, Some(&token), Some(body)).await;
        refused.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid reference_id");
    }
    let body = json!({
        "source_account_id": account.account_id,
        "destination_account_id": other.account_id,
        "amount": 100,
        "reference_id": "",
    });
    let refused = call(&sb, Method::POST, "/v1/accounts/transfer", Some(&token), Some(body)).await;
    refused.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid reference_id");
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (500, 500));
    assert_eq!(admin_posted(&sb, &other.id).await, 0);
}

// See: issue item 20 (transfer ids need only 36 characters).
#[tokio::test]
async fn a_transfer_id_of_36_characters_that_is_no_uuid_is_an_unknown_account_on_either_side() {
    let sb = start().await;
    let source = open(&sb, "10.00", json!({})).await;
    let destination = open(&sb, "0", json!({})).await;
    let token = login(&sb).await.access;
    // UUID-shaped, but `account0` is not hex.
    let not_uuid = "account0-0000-0000-0000-000000000001";
    assert_eq!(not_uuid.chars().count(), 36);
    let longer = format!("{}-extra", source.account_id);
    let transfer = |from: &str, to: &str| json!({ "source_account_id": from, "destination_account_id": to, "amount": 100 });
    for (what, body, message) in [
        ("a non-UUID source", transfer(not_uuid, &destination.account_id), "account not found"),
        ("a non-UUID destination", transfer(&source.account_id, not_uuid), "account not found"),
        ("a longer source", transfer(&longer, &destination.account_id), "account not found"),
        ("a longer destination", transfer(&source.account_id, &longer), "account not found"),
        (
            "a 35-character source",
            transfer(&not_uuid[1..], &destination.account_id),
            "invalid source_account_id",
        ),
        (
            "a 35-character destination",
            transfer(&source.account_id, &not_uuid[1..]),
            "invalid destination_account_id",
        ),
    ] {
        let reply =
            call(&sb, Method::POST, "/v1/accounts/transfer", Some(&token), Some(body)).await;
        assert_eq!(reply.body["message"], message, "{what}");
        reply.assert_rpc_status(StatusCode::BAD_REQUEST, message);
    }
    assert_eq!(admin_posted(&sb, &source.id).await, 1000);
    assert_eq!(admin_posted(&sb, &destination.id).await, 0);
    // The same transfer between the two real accounts goes through.
    let body = transfer(&source.account_id, &destination.account_id);
    let moved = call(&sb, Method::POST, "/v1/accounts/transfer", Some(&token), Some(body)).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(admin_posted(&sb, &destination.id).await, 100);
}

/// A refused S1 change explains itself with the account's figures in the minor units the
/// client sent, through the one explainer every vendor shares.
#[tokio::test]
async fn an_increase_over_the_per_transfer_maximum_names_amount_and_maximum_in_minor_units() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({ "limits": { "transfer_amount_max": "10.00" } })).await;
    let token = login(&sb).await.access;
    let path = format!("/v1/accounts/{}/increase", account.account_id);

    let over = call(&sb, Method::POST, &path, Some(&token), Some(json!({ "amount": 1001 }))).await;
    over.assert_rpc_status(StatusCode::BAD_REQUEST, "exceeds transaction limit");
    assert_eq!(
        over.reason_line(),
        "ledger: amount exceeds the account's per-transfer maximum \
         (amount 1001, maximum 1000 minor units)"
    );
    assert_eq!(admin_posted(&sb, &account.id).await, 1000);
    let at = call(&sb, Method::POST, &path, Some(&token), Some(json!({ "amount": 1000 }))).await;
    assert_eq!(at.status, StatusCode::OK, "{}", at.body);
    assert_eq!(admin_posted(&sb, &account.id).await, 2000);
}
