//! PCaaSA adjustments over HTTP: the seed example in every encoding, tranCodes and their signs,
//! accounts named by reference number, the smallest and largest amounts, the ledger's limits,
//! `externalTranUuid` replays and conflicts, and concurrent debits.

use super::*;

#[tokio::test]
async fn the_seed_example_sent_form_encoded_takes_ten_dollars_from_five_hundred() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "500.00", json!({})).await;

    let reply = form(&sb, ADJUST, &seed_form(&session, &account)).await;
    assert_eq!(reply.content_type.as_deref(), Some(JSON));
    let data = reply.pcaasa_data();
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(reply.body["externalTranUuid"], SEED_EXTERNAL_TRAN_UUID);
    assert_eq!(data["accountUuid"], account.uuid.as_str());
    assert_eq!(data["tranCode"], "DOBKLVAD");
    assert_eq!(data["description"], "Verification debit");
    assert_eq!(data["amount"], "-10.00");
    assert_eq!(data["availableBalance"], "490.00");
    assert_eq!(data["currentBalance"], "490.00");
    let transaction = uuid::Uuid::parse_str(data["transactionUuid"].as_str().unwrap()).unwrap();
    assert_eq!(transaction.get_version_num(), 4);

    assert_balance(&sb, &account, "490.00").await;
    // The ledger's history shows the debit with the call's metadata.
    let resp = sb
        .admin(Method::GET, &format!("/__admin/accounts/{}/entries?order=newest", account.id), None)
        .await;
    let entries: Value = resp.json().await.unwrap();
    let newest = &entries["entries"][0];
    assert_eq!(newest["direction"], "debit");
    assert_eq!(newest["amount"], "10.00");
    assert_eq!(newest["posted_after"], "490.00");
    assert_eq!(newest["metadata"]["tranCode"], "DOBKLVAD");
    assert_eq!(newest["metadata"]["description"], "Verification debit");
    assert_eq!(newest["metadata"]["externalTranUuid"], SEED_EXTERNAL_TRAN_UUID);
}

#[tokio::test]
async fn the_seed_example_sent_as_json_takes_ten_dollars_from_five_hundred() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "500.00", json!({})).await;
    let seed = json!({
        "app": "customer-account",
        "object": "account-balance",
        "action": "adjust",
        "version": 1,
        "sessionUuid": session,
        "externalTranUuid": SEED_EXTERNAL_TRAN_UUID,
        "accountUuid": account.uuid,
        "amount": "-10.00",
        "description": "Verification debit",
        "tranCode": "DOBKLVAD",
        "debug": false,
    });
    let reply = json_call(&sb, ADJUST, seed).await;
    let data = reply.pcaasa_data();
    assert_eq!(reply.body["externalTranUuid"], SEED_EXTERNAL_TRAN_UUID);
    assert_eq!(data["amount"], "-10.00");
    assert_eq!(data["availableBalance"], "490.00");
    assert_eq!(data["currentBalance"], "490.00");
    assert_balance(&sb, &account, "490.00").await;

    // The page types the amount as a float: a JSON number is read from its own digits.
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": -10.00,
                "tranCode": "DOBKLVAD" }),
    )
    .await;
    assert_eq!(reply.pcaasa_data()["amount"], "-10.00");
    assert_balance(&sb, &account, "480.00").await;
}

#[tokio::test]
async fn the_seed_counter_example_a_positive_verification_ach_debit_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "500.00", json!({})).await;
    let body = format!(
        "app=customer-account&object=account-balance&action=adjust&version=1&\
         sessionUuid={session}&accountUuid={}&amount=1.00&tranCode=DOBKLVAD",
        account.uuid
    );
    let reply = form(&sb, ADJUST, &body).await;
    assert_refused(&reply, 200, "AMOUNT_SIGN_MISMATCH", Some("amount"));
    assert_eq!(
        reply.body["errors"][0]["message"],
        "amount must be negative for debiting tranCode DOBKLVAD"
    );
    assert_eq!(
        reply.reason.as_deref(),
        Some("field amount: tranCode DOBKLVAD needs a negative amount")
    );
    assert_balance(&sb, &account, "500.00").await;
}

#[tokio::test]
async fn every_tran_code_refuses_an_amount_of_the_wrong_sign_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    for code in CREDIT_CODES {
        let body = format!(
            "sessionUuid={session}&accountUuid={}&amount=-1.00&tranCode={code}",
            account.uuid
        );
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, "AMOUNT_SIGN_MISMATCH", Some("amount"));
        assert_eq!(
            reply.body["errors"][0]["message"],
            format!("amount must be positive for crediting tranCode {code}")
        );
        let expected = format!("field amount: tranCode {code} needs a positive amount");
        assert_eq!(reply.reason.as_deref(), Some(expected.as_str()));
    }
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "1.00",
                "tranCode": "DOBKLVAD" }),
    )
    .await;
    assert_refused(&reply, 200, "AMOUNT_SIGN_MISMATCH", Some("amount"));
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;
}

#[tokio::test]
async fn every_tran_code_moves_money_in_its_own_direction_and_without_one_the_sign_decides() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let meanings = [
        "Verification ACH Credit",
        "Credit ACH Payment",
        "Credit Mobile Payment",
        "Credit Telephone Payment",
        "Credit Branch Payment",
        "Credit Check Payment",
    ];
    let mut cents = 10_000;
    for (code, meaning) in CREDIT_CODES.into_iter().zip(meanings) {
        let body = format!(
            "sessionUuid={session}&accountUuid={}&amount=1.25&tranCode={code}",
            account.uuid
        );
        let reply = form(&sb, ADJUST, &body).await;
        cents += 125;
        let data = reply.pcaasa_data();
        assert_eq!(data["tranCode"], code);
        assert_eq!(data["description"], meaning, "the default description is the code's meaning");
        assert_eq!(data["amount"], "1.25");
        let expected = format!("{}.{:02}", cents / 100, cents % 100);
        assert_eq!(data["availableBalance"], expected.as_str());
        assert_eq!(data["currentBalance"], expected.as_str());
    }
    assert_balance(&sb, &account, "107.50").await;

    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-7.50&tranCode=DOBKLVAD",
        account.uuid
    );
    let data = form(&sb, ADJUST, &body).await.pcaasa_data().clone();
    assert_eq!(data["description"], "Verification ACH Debit");
    assert_eq!(data["availableBalance"], "100.00");

    // No tranCode: the sign alone decides, with the generic description; an empty tranCode is
    // no tranCode.
    for (amount, after) in [("-0.50", "99.50"), ("0.75", "100.25")] {
        let body = format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=&description=",
            account.uuid
        );
        let data = form(&sb, ADJUST, &body).await.pcaasa_data().clone();
        assert_eq!(data["tranCode"], Value::Null);
        assert_eq!(data["description"], "Balance Adjustment");
        assert_eq!(data["availableBalance"], after);
    }
    assert_balance(&sb, &account, "100.25").await;
}

#[tokio::test]
async fn multipart_and_content_type_less_bodies_adjust_like_forms() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "50.00", json!({})).await;
    let boundary = "----sandbank-http-7f3a";
    let mut body = String::new();
    for (name, value) in [
        ("sessionUuid", session.as_str()),
        ("accountUuid", account.uuid.as_str()),
        ("amount", "-10.00"),
        ("tranCode", "DOBKLVAD"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(&content_type), body).await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "40.00");

    // Without a Content-Type, a body starting with `{` is JSON and anything else a form.
    let json_body =
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-1.00" });
    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), None, json_body.to_string()).await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "39.00");
    let form_body = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);
    let reply = send(&sb, Method::POST, &format!("/?call={ADJUST}"), None, form_body).await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "38.00");
    assert_balance(&sb, &account, "38.00").await;
}

#[tokio::test]
async fn an_adjustment_by_reference_number_moves_only_the_named_account() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let first = open(&sb, "100.00", json!({})).await;
    let second =
        open(&sb, "100.00", json!({ "vendor_ids": { "cardReferenceNumber": "CARD-REF-0001" } }))
            .await;
    assert_eq!(second.reference, "CARD-REF-0001");

    let body = format!(
        "sessionUuid={session}&paymentInstrumentReferenceNumber={}&amount=-5.00&tranCode=DOBKLVAD",
        second.reference
    );
    let reply = form(&sb, ADJUST, &body).await;
    assert_eq!(reply.pcaasa_data()["accountUuid"], second.uuid.as_str(), "answers the accountUuid");
    let body = format!(
        "sessionUuid={session}&cardReferenceNumber={}&amount=2.00&tranCode=CIVSCCAP",
        second.reference
    );
    assert_eq!(form(&sb, ADJUST, &body).await.pcaasa_data()["availableBalance"], "97.00");
    // Both identifiers naming the same account.
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": second.uuid.to_ascii_uppercase(),
                "paymentInstrumentReferenceNumber": second.reference, "amount": "-1.00" }),
    )
    .await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "96.00");
    assert_balance(&sb, &second, "96.00").await;
    assert_balance(&sb, &first, "100.00").await;
}

#[tokio::test]
async fn the_smallest_and_largest_amounts_move_exactly() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let adjust = |amount: &str| {
        format!("sessionUuid={session}&accountUuid={}&amount={amount}", account.uuid)
    };
    let data = form(&sb, ADJUST, &adjust("0.01")).await.pcaasa_data().clone();
    assert_eq!(data["availableBalance"], "100.01");
    let data = form(&sb, ADJUST, &adjust("1000000000000000.00")).await.pcaasa_data().clone();
    assert_eq!(data["amount"], "1000000000000000.00");
    assert_eq!(data["availableBalance"], "1000000000000100.01");
    let data = form(&sb, ADJUST, &adjust("-1000000000000000.00")).await.pcaasa_data().clone();
    assert_eq!(data["availableBalance"], "100.01");
    // Whole dollars are money too, from 4 characters on ("-100", not "100").
    let reply = form(&sb, ADJUST, &adjust("100")).await;
    assert_refused(&reply, 200, "INVALID_FORMAT", Some("amount"));
    let data = form(&sb, ADJUST, &adjust("-100")).await.pcaasa_data().clone();
    assert_eq!(data["amount"], "-100.00");
    assert_eq!(data["availableBalance"], "0.01");
    let data = form(&sb, ADJUST, &adjust("-0.01")).await.pcaasa_data().clone();
    assert_eq!(data["amount"], "-0.01");
    assert_balance(&sb, &account, "0.00").await;
}

#[tokio::test]
async fn a_debit_past_the_available_balance_is_insufficient_funds_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let overdraft = open(&sb, "100.00", json!({ "limits": { "balance_min": "-50.00" } })).await;
    let debit = |account: &Account, amount: &str| {
        format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=DOBKLVAD",
            account.uuid
        )
    };

    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &debit(&account, "-100.01")).await;
    assert_refused(&reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    assert_eq!(reply.body["errors"][0]["message"], "Insufficient available funds");
    assert_eq!(
        reply.reason.as_deref(),
        Some("ledger: insufficient funds (available 100.00, minimum 0.00, debit 100.01)")
    );
    assert_eq!(ledger_state(&sb).await, before);

    assert_eq!(
        form(&sb, ADJUST, &debit(&account, "-100.00")).await.pcaasa_data()["availableBalance"],
        "0.00"
    );
    let reply = form(&sb, ADJUST, &debit(&account, "-0.01")).await;
    assert_refused(&reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    assert_balance(&sb, &account, "0.00").await;

    // A credit line lets the balance go below zero, to the line and no further.
    let data = form(&sb, ADJUST, &debit(&overdraft, "-150.00")).await.pcaasa_data().clone();
    assert_eq!(data["availableBalance"], "-50.00");
    let reply = form(&sb, ADJUST, &debit(&overdraft, "-0.01")).await;
    assert_refused(&reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    assert_balance(&sb, &overdraft, "-50.00").await;
}

#[tokio::test]
async fn a_credit_past_the_maximum_balance_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "900.00", json!({ "limits": { "balance_max": "1000.00" } })).await;
    let credit = |amount: &str| {
        format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=CIVSCCAP",
            account.uuid
        )
    };
    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &credit("100.01")).await;
    assert_refused(&reply, 200, "BALANCE_LIMIT_EXCEEDED", Some("amount"));
    assert_eq!(
        reply.reason.as_deref(),
        Some(
            "ledger: balance would exceed the account's maximum balance (balance 900.00, \
             incoming 0.00, credit 100.01, maximum 1000.00)"
        )
    );
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(
        form(&sb, ADJUST, &credit("100.00")).await.pcaasa_data()["availableBalance"],
        "1000.00"
    );
    let reply = form(&sb, ADJUST, &credit("0.01")).await;
    assert_refused(&reply, 200, "BALANCE_LIMIT_EXCEEDED", Some("amount"));
    assert_balance(&sb, &account, "1000.00").await;
}

#[tokio::test]
async fn the_daily_debit_limit_refuses_past_its_amount_and_resets_the_next_day() {
    let sb = Sandbox::start().await;
    // A frozen clock: no real midnight may pass between the calls.
    clock(&sb, json!({ "freeze": true })).await;
    let session = standing_session(&sb);
    let account =
        open(&sb, "500.00", json!({ "limits": { "daily_debit_amount_max": "50.00" } })).await;
    let debit = |amount: &str| {
        format!(
            "sessionUuid={session}&accountUuid={}&amount={amount}&tranCode=DOBKLVAD",
            account.uuid
        )
    };
    assert_eq!(
        form(&sb, ADJUST, &debit("-30.00")).await.pcaasa_data()["availableBalance"],
        "470.00"
    );
    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &debit("-20.01")).await;
    assert_refused(&reply, 200, "DAILY_LIMIT_EXCEEDED", Some("amount"));
    assert!(reply.reason.as_deref().unwrap().contains("limit exceeded"), "{reply:#?}");
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(
        form(&sb, ADJUST, &debit("-20.00")).await.pcaasa_data()["availableBalance"],
        "450.00"
    );
    let reply = form(&sb, ADJUST, &debit("-0.01")).await;
    assert_refused(&reply, 200, "DAILY_LIMIT_EXCEEDED", Some("amount"));
    // Credits are not debits.
    let credit = format!("sessionUuid={session}&accountUuid={}&amount=5.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &credit).await.pcaasa_data()["availableBalance"], "455.00");
    let usage = admin_account_as(&sb, &sb.server.admin_token, &account).await;
    assert_eq!(usage["daily_usage"]["debit_amount"], "50.00");

    clock(&sb, json!({ "advance": "P1D" })).await;
    assert_eq!(
        form(&sb, ADJUST, &debit("-50.00")).await.pcaasa_data()["availableBalance"],
        "405.00"
    );
    let reply = form(&sb, ADJUST, &debit("-0.01")).await;
    assert_refused(&reply, 200, "DAILY_LIMIT_EXCEEDED", Some("amount"));
    assert_balance(&sb, &account, "405.00").await;
}

#[tokio::test]
async fn closed_and_blocked_accounts_and_the_per_adjustment_maximum_refuse_and_move_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    // The opening balance is itself a transfer, held to the per-transfer maximum.
    let capped = open(&sb, "20.00", json!({ "limits": { "transfer_amount_max": "20.00" } })).await;
    let blocked = open(&sb, "100.00", json!({})).await;
    let closed = open(&sb, "0.00", json!({})).await;
    for (account, status) in [(&blocked, "frozen"), (&closed, "closed")] {
        let patch = json!({ "status": status });
        let resp = sb
            .admin(Method::PATCH, &format!("/__admin/accounts/{}", account.id), Some(patch))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let before = ledger_state(&sb).await;
    let adjust = |account: &Account, amount: &str| {
        format!("sessionUuid={session}&accountUuid={}&amount={amount}", account.uuid)
    };
    let cases = [
        (adjust(&capped, "-20.01"), "AMOUNT_LIMIT_EXCEEDED", Some("amount")),
        (adjust(&capped, "20.01"), "AMOUNT_LIMIT_EXCEEDED", Some("amount")),
        (adjust(&blocked, "5.00"), "ACCOUNT_BLOCKED", None),
        (adjust(&blocked, "-5.00"), "ACCOUNT_BLOCKED", None),
        (adjust(&closed, "5.00"), "ACCOUNT_CLOSED", None),
    ];
    for (body, code, field) in cases {
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, code, field);
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_eq!(
        form(&sb, ADJUST, &adjust(&capped, "-20.00")).await.pcaasa_data()["availableBalance"],
        "0.00"
    );
}

#[tokio::test]
async fn replaying_an_external_tran_uuid_answers_the_same_body_and_moves_money_once() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let key = "4a8c2e6f-1b3d-4f5a-8e7c-9d0b2a4c6e81";
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD&externalTranUuid={key}",
        account.uuid
    );
    let first = form(&sb, ADJUST, &body).await;
    assert_eq!(first.pcaasa_data()["availableBalance"], "90.00");
    // Another adjustment in between: a replay still answers the original.
    let other = format!("sessionUuid={session}&accountUuid={}&amount=-5.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &other).await.pcaasa_data()["availableBalance"], "85.00");
    let entries_before = ledger_state(&sb).await;

    let again = form(&sb, ADJUST, &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.text, first.text, "the same bytes");
    assert_ne!(again.trace_id, first.trace_id);
    // The same request as JSON, by reference number, is the same request.
    let as_json = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "externalTranUuid": key,
                "paymentInstrumentReferenceNumber": account.reference, "amount": "-10.00",
                "tranCode": "DOBKLVAD" }),
    )
    .await;
    assert_eq!(as_json.text, first.text);
    assert_eq!(ledger_state(&sb).await, entries_before, "a replay moves nothing");
    assert_balance(&sb, &account, "85.00").await;

    // Keys are per tenant: another tenant may use the same one.
    let (other_token, other_credentials) = new_tenant(&sb).await;
    let theirs = open_as(&sb, &other_token, "100.00", json!({})).await;
    let their_body = format!(
        "sessionUuid={}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD&externalTranUuid={key}",
        other_credentials["sessionUuid"].as_str().unwrap(),
        theirs.uuid
    );
    let reply = form(&sb, ADJUST, &their_body).await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "90.00");
    assert_ne!(reply.pcaasa_data()["transactionUuid"], first.pcaasa_data()["transactionUuid"]);
}

#[tokio::test]
async fn reusing_an_external_tran_uuid_for_a_different_request_is_a_conflict_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let second = open(&sb, "100.00", json!({})).await;
    let key = "0b7c2f8e-1d4a-4e6b-9a3c-5f2e8d1b7a90";
    let request = |account: &Account, amount: &str, extra: &str| {
        format!(
            "sessionUuid={session}&externalTranUuid={key}&accountUuid={}&amount={amount}{extra}",
            account.uuid
        )
    };
    let first = form(&sb, ADJUST, &request(&account, "25.00", "&tranCode=CIVSCCAP")).await;
    assert_eq!(first.pcaasa_data()["availableBalance"], "125.00");
    let before = ledger_state(&sb).await;
    for body in [
        request(&account, "26.00", "&tranCode=CIVSCCAP"),
        request(&account, "25.00", "&tranCode=CIVSCCMP"),
        request(&account, "25.00", "&tranCode=CIVSCCAP&description=Other"),
        request(&account, "25.00", ""),
        request(&account, "-25.00", "&tranCode=DOBKLVAD"),
        request(&second, "25.00", "&tranCode=CIVSCCAP"),
    ] {
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, "DUPLICATE_EXTERNAL_TRAN_UUID", Some("externalTranUuid"));
        assert_eq!(reply.body["externalTranUuid"], key, "the tracking id is echoed");
        assert_eq!(
            reply.reason.as_deref(),
            Some("ledger: externalTranUuid reused with a different request")
        );
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "125.00").await;
    assert_balance(&sb, &second, "100.00").await;
}

#[tokio::test]
async fn a_refused_adjustment_does_not_use_up_its_external_tran_uuid() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "0.00", json!({})).await;
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-5.00&tranCode=DOBKLVAD&\
         externalTranUuid=c5e7a9b1-3d2f-4e6a-b8c0-1f3e5a7c9d24",
        account.uuid
    );
    assert_refused(&form(&sb, ADJUST, &body).await, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    let fund = format!("sessionUuid={session}&accountUuid={}&amount=10.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &fund).await.pcaasa_data()["availableBalance"], "10.00");
    assert_eq!(form(&sb, ADJUST, &body).await.pcaasa_data()["availableBalance"], "5.00");
    assert_balance(&sb, &account, "5.00").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_parallel_debits_of_ten_against_one_hundred_let_exactly_ten_through() {
    const N_DEBITS: usize = 32;
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let url = sb.url(&format!("/?call={ADJUST}"));
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD",
        account.uuid
    );
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(N_DEBITS));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..N_DEBITS {
        let client = sb.client.clone();
        let (url, body, start) = (url.clone(), body.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            let resp = client.post(url).header(CONTENT_TYPE, FORM).body(body).send().await;
            Reply::read(resp.unwrap()).await
        });
    }
    let mut replies = Vec::with_capacity(N_DEBITS);
    let collect = async {
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect).await.expect("all answered");
    assert_eq!(replies.len(), N_DEBITS);

    let (succeeded, refused): (Vec<&Reply>, Vec<&Reply>) =
        replies.iter().partition(|r| r.body["status"] == "success");
    assert_eq!(succeeded.len(), 10);
    assert_eq!(refused.len(), N_DEBITS - 10);
    for reply in &refused {
        assert_refused(reply, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    }
    // The ten answers saw the ten balances 90.00 … 0.00, each once: no lost update.
    let mut afters: Vec<String> = succeeded
        .iter()
        .map(|r| r.pcaasa_data()["availableBalance"].as_str().unwrap().to_string())
        .collect();
    afters.sort_by_key(|text| text.replace('.', "").parse::<i64>().unwrap());
    let expected: Vec<String> = (0..10).map(|n| format!("{}.00", n * 10)).collect();
    assert_eq!(afters, expected);
    let transactions: HashSet<&str> =
        succeeded.iter().map(|r| r.pcaasa_data()["transactionUuid"].as_str().unwrap()).collect();
    assert_eq!(transactions.len(), 10);
    assert_balance(&sb, &account, "0.00").await;
    let admin = admin_account_as(&sb, &sb.server.admin_token, &account).await;
    assert_eq!(admin["n_entries"], 11, "the opening credit and ten debits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_sends_of_one_external_tran_uuid_move_money_once_and_answer_alike() {
    const N_SENDS: usize = 16;
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let url = sb.url(&format!("/?call={ADJUST}"));
    let body = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&tranCode=DOBKLVAD&\
         externalTranUuid=5d9e1c3a-8b7f-4a26-9e0d-3c1b5a7f9e42",
        account.uuid
    );
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(N_SENDS));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..N_SENDS {
        let client = sb.client.clone();
        let (url, body, start) = (url.clone(), body.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            let resp = client.post(url).header(CONTENT_TYPE, FORM).body(body).send().await;
            Reply::read(resp.unwrap()).await
        });
    }
    let mut replies = Vec::with_capacity(N_SENDS);
    let collect = async {
        while let Some(reply) = tasks.join_next().await {
            replies.push(reply.unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect).await.expect("all answered");
    assert_eq!(replies.len(), N_SENDS);
    for reply in &replies {
        assert_eq!(reply.pcaasa_data()["availableBalance"], "90.00");
        assert_eq!(reply.text, replies[0].text);
    }
    assert_balance(&sb, &account, "90.00").await;
    let admin = admin_account_as(&sb, &sb.server.admin_token, &account).await;
    assert_eq!(admin["n_entries"], 2, "the opening credit and one debit");
}
