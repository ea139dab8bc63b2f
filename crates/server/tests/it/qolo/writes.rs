//! Qolo's writes over HTTP: login and AdjustBalance with the account after each change, the
//! `IdempotencyKey` header and `client_reference_id` replays, the request journal and concurrent
//! debits.

use super::*;

// ---------------------------------------------------------------------------------------------
// Login and AdjustBalance
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_login_then_adjust_balance_answers_201_with_the_account_after_each_change() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let account = open(&sb, "USD", "100.00", json!({})).await;

    let reply = login_reply(&sb, LOGIN_ID, API_KEY).await;
    let granted = reply.ok(StatusCode::OK);
    assert_eq!(granted["token_type"], "Bearer");
    assert_eq!(granted["expires_in"], 43_200);
    let token = granted["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3, "an access token is a JWT: {token}");

    // A load credits the account: ledger and available rise together.
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "25.75")).await;
    let body = reply.ok(StatusCode::CREATED);
    assert_eq!(body["request_code"], "LT-ACH_IN");
    assert_eq!(text(&body["amount"]), "25.75");
    assert_eq!(body["currency"], "USD");
    assert_eq!(body["account_guid"], account.guid.as_str());
    assert_eq!(body["client_reference_id"], Value::Null);
    assert_eq!(body["user_guid"], "00000000-0000-0000-0000-000000000000");
    let after = &body["account"];
    assert_eq!(after["account_guid"], account.guid.as_str());
    assert_eq!(after["wallet_guid"], account.wallet_guid.as_str());
    assert_eq!(after["account_type"], "GENERAL");
    assert_eq!(after["account_name"], "GENERAL USD");
    assert_eq!(after["account_currency"], "USD");
    assert_eq!(text(&after["ledger_balance"]), "125.75");
    assert_eq!(text(&after["available_balance"]), "125.75");
    assert_eq!(text(&after["suspense_balance"]), "0");
    assert_eq!(text(&after["starting_balance_amount"]), "100");
    assert_eq!(after["starting_balance_date"], MONDAY_10AM);
    assert_eq!(text(&after["last_credit_amount"]), "25.75");
    assert_eq!(after["last_credit_date"], MONDAY_10AM);
    assert_eq!(text(&after["first_debit_amount"]), "0");
    assert_eq!(after["first_debit_date"], Value::Null);
    assert_eq!(text(&after["last_debit_amount"]), "0");
    assert_eq!(after["last_debit_date"], Value::Null);
    assert_eq!(after["account_status"], "ACTIVE");
    assert_eq!(after["holder_account_status"], "ACTIVE");
    assert_eq!(after["sys_utcinserted"], MONDAY_10AM);
    assert_eq!(after["sys_utcupdated"], MONDAY_10AM);
    let credit_txn = after["last_txn_guid"].as_str().unwrap().to_string();
    assert_eq!(uuid::Uuid::parse_str(&credit_txn).unwrap().get_version_num(), 4);

    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["balances"]["posted"], "125.75");
    assert_eq!(admin["balances"]["available"], "125.75");
    assert_eq!(admin["balances"]["deferred"], "0.00");
    let read = get(&sb, &token, &account.path()).await;
    let read = read.ok(StatusCode::OK);
    assert_eq!(text(&read["ledger_balance"]), "125.75");
    assert_eq!(text(&read["available_balance"]), "125.75");
    assert_eq!(text(&read["suspense_balance"]), "0");
    assert_eq!(read["last_txn_guid"], credit_txn.as_str());
    assert_eq!(text(&read["amount"]), "25.75");
    assert_eq!(read["post_date"], MONDAY_10AM);

    // A minute later an unload debits it: first and last debit are set, last credit stays.
    advance(&sb, "PT1M").await;
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "0.75")).await;
    let after = &reply.ok(StatusCode::CREATED)["account"];
    assert_eq!(text(&after["ledger_balance"]), "125");
    assert_eq!(text(&after["available_balance"]), "125");
    assert_eq!(text(&after["first_debit_amount"]), "0.75");
    assert_eq!(after["first_debit_date"], "2026-03-02T10:01:00Z");
    assert_eq!(text(&after["last_debit_amount"]), "0.75");
    assert_eq!(after["last_debit_date"], "2026-03-02T10:01:00Z");
    assert_eq!(text(&after["last_credit_amount"]), "25.75");
    assert_eq!(after["last_credit_date"], MONDAY_10AM);
    assert_eq!(after["sys_utcupdated"], "2026-03-02T10:01:00Z");
    assert_ne!(after["last_txn_guid"], credit_txn.as_str());

    // A fee another minute later: last debit moves, first debit stays.
    advance(&sb, "PT1M").await;
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "FT-ACH_OUT", "5")).await;
    let after = &reply.ok(StatusCode::CREATED)["account"];
    assert_eq!(text(&after["ledger_balance"]), "120");
    assert_eq!(text(&after["first_debit_amount"]), "0.75");
    assert_eq!(after["first_debit_date"], "2026-03-02T10:01:00Z");
    assert_eq!(text(&after["last_debit_amount"]), "5");
    assert_eq!(after["last_debit_date"], "2026-03-02T10:02:00Z");
    let fee_txn = after["last_txn_guid"].clone();

    assert_balance(&sb, &token, &account, "120.00").await;
    let read = get(&sb, &token, &account.path()).await;
    assert_eq!(read.body["last_txn_guid"], fee_txn);
    assert_eq!(text(&read.body["amount"]), "5");
    // The ledger's history: the opening credit and the three adjustments with their codes.
    let entries = entries_newest_first(&sb, &account).await;
    assert_eq!(entries.len(), 4);
    let newest = &entries[0];
    assert_eq!(newest["direction"], "debit");
    assert_eq!(newest["amount"], "5.00");
    assert_eq!(newest["posted_after"], "120.00");
    assert_eq!(newest["metadata"]["operation"], "AdjustBalance");
    assert_eq!(newest["metadata"]["request_code"], "FT-ACH_OUT");
    assert_eq!(entries[2]["direction"], "credit");
    assert_eq!(entries[2]["metadata"]["request_code"], "LT-ACH_IN");
}

#[tokio::test]
async fn the_seed_example_as_written_credits_1250_50_to_the_seed_account() {
    let sb = Sandbox::start().await;
    let ids = json!({ "vendor_ids": { "account_guid": SEED_ACCOUNT_GUID,
                                       "wallet_guid": SEED_WALLET_GUID } });
    let account = open(&sb, "USD", "100.00", ids).await;
    assert_eq!(account.guid, SEED_ACCOUNT_GUID);
    let token = login(&sb).await;

    let reply = adjust_raw(&sb, &token, Some(APPLICATION_JSON), SEED_BODY).await;
    let body = reply.ok(StatusCode::CREATED);
    // The request's members are echoed; card_proxy is ignored because account_guid comes first.
    assert_eq!(body["client_reference_id"], "string");
    assert_eq!(body["request_code"], "AT-WIRE_IN");
    assert_eq!(text(&body["amount"]), "1250.5");
    assert_eq!(body["currency"], "USD");
    assert_eq!(body["description"], "string");
    assert_eq!(body["account_guid"], SEED_ACCOUNT_GUID);
    assert_eq!(body["card_proxy"], "string");
    assert_eq!(body["user_guid"], "2c9a19c5-ac85-4da0-8708-2b80265927da");
    assert_eq!(body["source_code"], "string");
    // The account object is the account after the change, not the request's placeholders.
    let after = &body["account"];
    assert_eq!(after["account_guid"], SEED_ACCOUNT_GUID);
    assert_eq!(after["wallet_guid"], SEED_WALLET_GUID);
    assert_eq!(after["account_name"], "GENERAL USD");
    assert_eq!(after["account_type"], "GENERAL");
    assert_eq!(after["account_status"], "ACTIVE");
    assert_eq!(text(&after["ledger_balance"]), "1350.5");
    assert_eq!(text(&after["available_balance"]), "1350.5");
    assert_eq!(text(&after["suspense_balance"]), "0");
    assert_eq!(text(&after["starting_balance_amount"]), "100");
    assert_eq!(text(&after["last_credit_amount"]), "1250.5");
    assert_eq!(after["first_debit_date"], Value::Null);
    let txn = after["last_txn_guid"].as_str().unwrap().to_string();
    assert_ne!(txn, "100ead98-12b5-4d05-9c0c-900006fc8694");

    assert_balance(&sb, &token, &account, "1350.50").await;
    let read = get(&sb, &token, &format!("/api/v1/accounts/{SEED_ACCOUNT_GUID}")).await;
    assert_eq!(read.body["last_txn_guid"], txn.as_str());
    assert_eq!(text(&read.body["amount"]), "1250.5");
    let entries = entries_newest_first(&sb, &account).await;
    assert_eq!(entries.len(), 2, "the opening credit and the seed's credit");
    let metadata = &entries[0]["metadata"];
    assert_eq!(entries[0]["amount"], "1250.50");
    assert_eq!(metadata["request_code"], "AT-WIRE_IN");
    assert_eq!(metadata["wire_date"], "2019-08-24T14:15:22Z");
    assert_eq!(metadata["user_guid"], "2c9a19c5-ac85-4da0-8708-2b80265927da");
    assert_eq!(metadata["client_reference_id"], "string");

    // Sent again, the client_reference_id makes it a replay: the same answer, no second credit.
    let again = adjust_raw(&sb, &token, Some(APPLICATION_JSON), SEED_BODY).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.text, reply.text);
    assert_balance(&sb, &token, &account, "1350.50").await;
}

#[tokio::test]
async fn an_adjustment_may_name_its_account_by_card_proxy_or_by_the_account_object() {
    let sb = Sandbox::start().await;
    let usd = open(&sb, "USD", "10.00", json!({})).await;
    let eur =
        open(&sb, "EUR", "20.00", json!({ "vendor_ids": { "wallet_guid": usd.wallet_guid } }))
            .await;
    assert_eq!(eur.card_proxy, usd.card_proxy, "one wallet, one card");
    let token = login(&sb).await;

    // The card's wallet's account in the request's currency.
    let body = json!({ "card_proxy": usd.card_proxy, "request_code": "LT-ACH_IN",
                       "amount": num("1.50"), "currency": "EUR" });
    let reply = adjust(&sb, &token, &body).await;
    let body = reply.ok(StatusCode::CREATED);
    assert_eq!(body["account_guid"], eur.guid.as_str());
    assert_eq!(body["card_proxy"], usd.card_proxy.as_str());
    assert_eq!(text(&body["account"]["ledger_balance"]), "21.5");
    let body = json!({ "card_proxy": usd.card_proxy, "request_code": "UT-ACH_OUT",
                       "amount": num("2.00"), "currency": "USD" });
    let reply = adjust(&sb, &token, &body).await;
    assert_eq!(reply.ok(StatusCode::CREATED)["account_guid"], usd.guid.as_str());
    // The account object's guid, when nothing else names the account.
    let body = json!({ "account": { "account_guid": usd.guid }, "request_code": "LT-ACH_IN",
                       "amount": num("0.01"), "currency": "USD" });
    let reply = adjust(&sb, &token, &body).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "8.01");
    // account_guid wins over a card_proxy naming another wallet.
    let other = open(&sb, "USD", "0", json!({})).await;
    let body = json!({ "account_guid": other.guid, "card_proxy": usd.card_proxy,
                       "request_code": "LT-ACH_IN", "amount": 3, "currency": "USD" });
    let reply = adjust(&sb, &token, &body).await;
    assert_eq!(reply.ok(StatusCode::CREATED)["account_guid"], other.guid.as_str());

    assert_balance(&sb, &token, &usd, "8.01").await;
    assert_balance(&sb, &token, &eur, "21.50").await;
    assert_balance(&sb, &token, &other, "3.00").await;
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_replay_with_the_same_idempotency_key_answers_the_same_bytes_and_moves_money_once() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let credit = adjustment(&account.guid, "AT-WIRE_IN", "40.00");

    let first = adjust_keyed(&sb, &token, "6b0c7c1e-wire-0001", &credit).await;
    assert_eq!(text(&first.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "140");
    // Another change in between must not leak into the replayed answer.
    adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "5.00"))
        .await
        .ok(StatusCode::CREATED);
    let replay = adjust_keyed(&sb, &token, "6b0c7c1e-wire-0001", &credit).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.content_type.as_deref(), Some(JSON));
    assert_eq!(replay.text, first.text, "the same bytes");
    // The same request written differently (member order, whitespace) is still the same.
    let rewritten = format!(
        "{{ \"currency\" : \"USD\", \"amount\": 40.00,\n \"request_code\": \"AT-WIRE_IN\", \
         \"account_guid\": \"{}\" }}",
        account.guid
    );
    let headers = [("content-type", APPLICATION_JSON), ("IdempotencyKey", "6b0c7c1e-wire-0001")];
    let reply = send(&sb, Method::POST, ADJUST, Some(&token), &headers, rewritten).await;
    assert_eq!(reply.text, first.text);
    assert_balance(&sb, &token, &account, "135.00").await;
    assert_eq!(admin_account(&sb, &account).await["n_entries"], 3, "opening, credit, debit");

    // The same key with a different request: 400, nothing moves.
    let before = ledger_state(&sb).await;
    let conflict = "The IdempotencyKey was already used with a different request.";
    let mut different_code = credit.clone();
    different_code["request_code"] = json!("LT-ACH_IN");
    let mut different_description = credit.clone();
    different_description["description"] = json!("another wire");
    for body in
        [adjustment(&account.guid, "AT-WIRE_IN", "41.00"), different_code, different_description]
    {
        let reply = adjust_keyed(&sb, &token, "6b0c7c1e-wire-0001", &body).await;
        assert_detail(&reply, 400, ADJUST, conflict);
        // The shared explainer names the field the key came from.
        let reason = "ledger: IdempotencyKey reused with a different request";
        assert_eq!(reply.reason.as_deref(), Some(reason), "{reply:#?}");
    }
    assert_eq!(ledger_state(&sb).await, before);
    // Keys are per client: another key with the first request moves money again.
    adjust_keyed(&sb, &token, "6b0c7c1e-wire-0002", &credit).await.ok(StatusCode::CREATED);
    assert_balance(&sb, &token, &account, "175.00").await;
}

#[tokio::test]
async fn a_declined_request_does_not_use_up_its_idempotency_key() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let payout = adjustment(&account.guid, "UT-ACH_OUT", "200.00");

    let reply = adjust_keyed(&sb, &token, "payout-7", &payout).await;
    assert_detail(
        &reply,
        400,
        ADJUST,
        "Insufficient funds: the available balance is less than the amount.",
    );
    adjust(&sb, &token, &adjustment(&account.guid, "LT-ACH_IN", "100.00"))
        .await
        .ok(StatusCode::CREATED);
    let reply = adjust_keyed(&sb, &token, "payout-7", &payout).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "0");
    let replay = adjust_keyed(&sb, &token, "payout-7", &payout).await;
    assert_eq!(replay.text, reply.text);
    assert_balance(&sb, &token, &account, "0.00").await;
}

#[tokio::test]
async fn without_the_header_a_client_reference_id_replays_and_refuses_reuse() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let mut credit = adjustment(&account.guid, "LT-ACH_IN", "9.99");
    credit["client_reference_id"] = json!("bank-ref-42");

    let first = adjust(&sb, &token, &credit).await;
    assert_eq!(first.ok(StatusCode::CREATED)["client_reference_id"], "bank-ref-42");
    let again = adjust(&sb, &token, &credit).await;
    assert_eq!(again.text, first.text);
    assert_balance(&sb, &token, &account, "109.99").await;

    let before = ledger_state(&sb).await;
    credit["amount"] = num("10.00");
    let reply = adjust(&sb, &token, &credit).await;
    let reused = "The client_reference_id was already used for a different request.";
    assert_detail(&reply, 400, ADJUST, reused);
    let reason = "ledger: client_reference_id reused with a different request";
    assert_eq!(reply.reason.as_deref(), Some(reason));
    assert_eq!(ledger_state(&sb).await, before);
    // An IdempotencyKey header takes precedence: the reference is then only echoed.
    adjust_keyed(&sb, &token, "explicit-1", &credit).await.ok(StatusCode::CREATED);
    assert_balance(&sb, &token, &account, "119.99").await;
}

#[tokio::test]
async fn an_idempotency_key_is_remembered_for_24_hours_of_the_tenants_clock() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let ten = adjustment(&account.guid, "LT-ACH_IN", "10.00");
    let eleven = adjustment(&account.guid, "LT-ACH_IN", "11.00");
    let first = adjust_keyed(&sb, &token, "daily-key", &ten).await;
    first.ok(StatusCode::CREATED);

    advance(&sb, "PT23H59M").await;
    let token = login(&sb).await;
    let replay = adjust_keyed(&sb, &token, "daily-key", &ten).await;
    assert_eq!(replay.text, first.text, "still remembered a minute before 24 hours");
    let reply = adjust_keyed(&sb, &token, "daily-key", &eleven).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_balance(&sb, &token, &account, "110.00").await;

    advance(&sb, "PT2M").await;
    let reply = adjust_keyed(&sb, &token, "daily-key", &eleven).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "121");
    assert_balance(&sb, &token, &account, "121.00").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_sends_of_one_idempotency_key_move_money_once_and_answer_alike() {
    const N_SENDS: usize = 16;
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let debit = adjustment(&account.guid, "UT-ACH_OUT", "10.00");

    let replies = parallel_adjustments(&sb, &token, Some("parallel-1"), &debit, N_SENDS).await;
    for reply in &replies {
        assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "90");
        assert_eq!(reply.text, replies[0].text);
    }
    assert_balance(&sb, &token, &account, "90.00").await;
    assert_eq!(admin_account(&sb, &account).await["n_entries"], 2, "the opening and one debit");
}

#[tokio::test]
async fn idempotency_keys_and_client_references_belong_to_one_tenant() {
    let sb = Sandbox::start().await;
    let mine = open(&sb, "USD", "100.00", json!({})).await;
    let my_token = login(&sb).await;
    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    let tenant: Value = resp.json().await.unwrap();
    let other_admin = tenant["admin_token"].as_str().unwrap().to_string();
    let credentials = &tenant["credentials"]["qolo"];
    let theirs = open_as(&sb, &other_admin, "50.00").await;
    let their_token = login_as(
        &sb,
        credentials["login_id"].as_str().unwrap(),
        credentials["api_key"].as_str().unwrap(),
    )
    .await;

    // The same key in two tenants: two transfers, neither a replay nor a conflict of the other.
    let my_debit = adjustment(&mine.guid, "UT-ACH_OUT", "1.00");
    let their_debit = adjustment(&theirs.guid, "UT-ACH_OUT", "2.00");
    let my_first = adjust_keyed(&sb, &my_token, "shared-key", &my_debit).await;
    assert_eq!(text(&my_first.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "99");
    let their_first = adjust_keyed(&sb, &their_token, "shared-key", &their_debit).await;
    assert_eq!(text(&their_first.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "48");
    let their_replay = adjust_keyed(&sb, &their_token, "shared-key", &their_debit).await;
    assert_eq!(their_replay.text, their_first.text);
    // Likewise a client_reference_id.
    let mut my_credit = adjustment(&mine.guid, "LT-ACH_IN", "1.00");
    my_credit["client_reference_id"] = json!("ref-1");
    let mut their_credit = adjustment(&theirs.guid, "LT-ACH_IN", "3.00");
    their_credit["client_reference_id"] = json!("ref-1");
    adjust(&sb, &my_token, &my_credit).await.ok(StatusCode::CREATED);
    let reply = adjust(&sb, &their_token, &their_credit).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "51");
    assert_balance(&sb, &my_token, &mine, "100.00").await;
    let read = get(&sb, &their_token, &theirs.path()).await;
    assert_eq!(text(&read.ok(StatusCode::OK)["ledger_balance"]), "51");
}

// ---------------------------------------------------------------------------------------------
// Journal and concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_request_journal_shows_each_qolo_call_with_its_operation_and_reason() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let refused_body = adjustment(&account.guid, "UT-ACH_OUT", "100.01");
    let refused = adjust(&sb, &token, &refused_body).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let done = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "1.00")).await;
    assert_eq!(done.status, StatusCode::CREATED);
    let wrong_method = send(&sb, Method::GET, ADJUST, Some(&token), &[], "").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);

    let journal = sb.journal().await;
    let entry = |reply: &Reply| -> Value {
        let trace = reply.trace_id.as_deref().unwrap();
        journal.iter().find(|e| e["trace_id"] == trace).expect("journaled").clone()
    };
    let e = entry(&refused);
    assert_eq!(
        (&e["vendor"], &e["operation"], &e["status"]),
        (&json!("qolo"), &json!("AdjustBalance"), &json!(400))
    );
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], ADJUST);
    assert_eq!(e["reason"], refused.reason.as_deref().unwrap());
    assert_eq!(e["request_body"], refused_body.to_string());
    assert_eq!(e["response_body"], refused.text);
    let e = entry(&done);
    assert_eq!((&e["status"], &e["reason"]), (&json!(201), &Value::Null));
    assert_eq!(e["response_body"], done.text);
    let e = entry(&wrong_method);
    assert_eq!(
        (&e["vendor"], &e["operation"], &e["status"]),
        (&json!("qolo"), &Value::Null, &json!(405))
    );
    // Newest first; the login is there too.
    let position = |reply: &Reply| {
        let trace = reply.trace_id.as_deref().unwrap();
        journal.iter().position(|e| e["trace_id"] == trace).unwrap()
    };
    assert!(position(&wrong_method) < position(&done));
    assert!(position(&done) < position(&refused));
    assert!(journal.iter().any(|e| e["operation"] == "Login" && e["status"] == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_debits_of_ten_against_two_hundred_let_exactly_twenty_through() {
    const N_DEBITS: usize = 40;
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "200.00", json!({})).await;
    let token = login(&sb).await;
    let debit = adjustment(&account.guid, "UT-ACH_OUT", "10.00");

    let replies = parallel_adjustments(&sb, &token, None, &debit, N_DEBITS).await;
    let (succeeded, refused): (Vec<&Reply>, Vec<&Reply>) =
        replies.iter().partition(|r| r.status == StatusCode::CREATED);
    assert_eq!(succeeded.len(), 20);
    assert_eq!(refused.len(), N_DEBITS - 20);
    for reply in &refused {
        let insufficient = "Insufficient funds: the available balance is less than the amount.";
        assert_detail(reply, 400, ADJUST, insufficient);
    }
    // The twenty answers saw the twenty balances 190 … 0, each once: no lost update; each
    // names its own transaction and its own debit.
    let mut afters: Vec<Decimal> = succeeded
        .iter()
        .map(|r| money(&r.ok(StatusCode::CREATED)["account"]["ledger_balance"]))
        .collect();
    afters.sort();
    let expected: Vec<Decimal> = (0..20).map(|n| Decimal::from(n * 10)).collect();
    assert_eq!(afters, expected);
    let transactions: HashSet<&str> =
        succeeded.iter().map(|r| r.body["account"]["last_txn_guid"].as_str().unwrap()).collect();
    assert_eq!(transactions.len(), 20);
    for reply in &succeeded {
        assert_eq!(text(&reply.body["account"]["last_debit_amount"]), "10");
        assert_eq!(text(&reply.body["account"]["first_debit_amount"]), "10");
    }
    assert_balance(&sb, &token, &account, "0.00").await;
    assert_eq!(admin_account(&sb, &account).await["n_entries"], 21, "the opening and 20 debits");
}
