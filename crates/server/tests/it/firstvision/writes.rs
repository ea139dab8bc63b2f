//! FirstVision's cash-in and cash-out: next-day funds, VisionPLUS business errors, the v2
//! call, limits, `referenceNumber` replays and concurrency.

use super::*;

// ---------------------------------------------------------------------------------------------
// Next-day funds

#[tokio::test]
async fn a_cash_in_with_otb_indicator_0_moves_balance_and_open_to_buy_at_once() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let answer = fv.cash(&l8v2(&account, "FUND", "150.25", "000000000001", 0)).await;
    let tx = &answer.assert_ok()["transactionData"];
    assert_eq!(num(&tx["currentBalance"]), "-150.25", "money held shows as a credit balance");
    assert_eq!(num(&tx["openToBuy"]), "150.25");
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("-150.25".into(), "150.25".into()));
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"], balances("150.25", "0.00", "150.25"));

    // It can be spent the same minute; a cash-out moves both at once whatever its indicator.
    let out = fv.cash(&l8v2(&account, "FREV", "100.25", "000000000002", 0)).await;
    assert_eq!(num(&out.assert_ok()["transactionData"]["openToBuy"]), "50.00");
    let out = fv.cash(&l8v2(&account, "FREV", "50", "000000000003", 1)).await;
    assert_eq!(num(&out.assert_ok()["transactionData"]["openToBuy"]), "0.00");
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("0.00".into(), "0.00".into()));
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"], balances("0.00", "0.00", "0.00"));
}

#[tokio::test]
async fn a_frozen_account_refuses_cash_in_and_out_but_still_reads() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "50.00").await;
    let paid = l8v2(&account, "FREV", "10", "000000000001", 0);
    fv.cash(&paid).await.assert_ok();
    let patch = json!({ "status": "frozen" });
    let resp =
        sb.admin(Method::PATCH, &format!("/__admin/accounts/{}", account.id), Some(patch)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    for body in [
        l8v2(&account, "FUND", "1", "000000000002", 0),
        l8v2(&account, "FREV", "1", "000000000003", 0),
    ] {
        fv.cash(&body).await.assert_refused(
            422,
            "VPL8SMA85E",
            "ACCOUNT BLOCKED FOR CASHIN/CASHOUT",
            "ledger: account is frozen",
        );
    }
    // A repeat of what was done before the freeze still answers as the first time (replays
    // come before every other rule) and moves nothing.
    fv.cash(&paid).await.assert_ok();
    let inquiry = fv.inquiry(SEED_ACCOUNT).await;
    assert_eq!(inquiry.assert_ok()["accountData"]["blockCode1"], "F");
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("-40.00".into(), "40.00".into()));
}

#[tokio::test]
async fn a_cash_in_with_otb_indicator_1_is_available_only_once_the_tenant_clock_passes_midnight() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, "2026-03-10T23:00:00Z").await;
    let mut fv = Fv::default_client(&sb).await;
    let account = open_seed_account(&sb, "0").await;

    let answer = fv.cash(&l8v2(&account, "FUND", "200", "000000000001", 1)).await;
    let tx = &answer.assert_ok()["transactionData"];
    assert_eq!(num(&tx["transactionAmount"]), "200.00");
    assert_eq!(num(&tx["currentBalance"]), "0.00");

    let before_midnight = |ledger: Value| {
        assert_eq!(ledger["balances"], balances("200.00", "200.00", "0.00"));
    };
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("0.00".into(), "0.00".into()));
    before_midnight(admin_account(&sb, &account.id).await);
    // Not spendable before the batch; the refusal moves nothing.
    fv.cash(&l8v2(&account, "FREV", "0.01", "000000000002", 0)).await.assert_refused(
        422,
        "VPL8SMA71E",
        "ACCOUNT OTB INSUFFICIENT",
        "insufficient funds (available 0.00, minimum 0.00, debit 0.01)",
    );

    // One second before midnight: still waiting (the 900 s token has expired by now).
    assert_eq!(advance(&sb, "PT59M59S").await, "2026-03-10T23:59:59Z");
    fv.renew().await;
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("0.00".into(), "0.00".into()));
    before_midnight(admin_account(&sb, &account.id).await);

    // Midnight of the tenant clock (23:00 + PT1H): the batch has posted it.
    assert_eq!(advance(&sb, "PT1S").await, "2026-03-11T00:00:00Z");
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("-200.00".into(), "200.00".into()));
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"], balances("200.00", "0.00", "200.00"));
    let details = fv.details(SEED_ACCOUNT).await;
    let details = details.assert_ok();
    assert_eq!(details["dateLastPayment"], "2026-03-10");
    assert_eq!(num(&details["lastPaymentAmount"]), "200.00");

    let out = fv.cash(&l8v2(&account, "FREV", "200", "000000000002", 0)).await;
    assert_eq!(num(&out.assert_ok()["transactionData"]["openToBuy"]), "0.00");
}

#[tokio::test]
async fn a_v2_cash_in_with_open_to_buy_update_false_also_waits_for_midnight() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, "2026-03-10T23:30:00Z").await;
    let mut fv = Fv::default_client(&sb).await;
    let account = open_seed_account(&sb, "0").await;
    fv.cash_v2(&v2(&account, "FUND", "75.5", 1, false, "MXN")).await.assert_ok();
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("0.00".into(), "0.00".into()));
    advance(&sb, "PT30M").await;
    fv.renew().await;
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("-75.50".into(), "75.50".into()));
}

// ---------------------------------------------------------------------------------------------
// VisionPLUS business errors and the v2 call

#[tokio::test]
async fn a_cash_out_past_the_funds_is_a_visionplus_error_and_changes_nothing() {
    let (sb, fv) = start().await;
    let account = open(&sb, "100.00", json!({})).await;
    let before = admin_account(&sb, &account.id).await;

    let answer = fv.cash(&l8v2(&account, "FREV", "100.01", "000000000001", 0)).await;
    answer.assert_refused(
        422,
        "VPL8SMA71E",
        "ACCOUNT OTB INSUFFICIENT",
        "ledger: insufficient funds (available 100.00, minimum 0.00, debit 100.01)",
    );
    assert_eq!(answer.body["hasError"], json!(true));
    assert_eq!(answer.body["data"], Value::Null);
    assert_eq!(admin_account(&sb, &account.id).await, before);
    assert_eq!(fv.figures(&account.number).await, ("-100.00".into(), "100.00".into()));

    // A refused reference is not remembered: the same reference may be used for what fits.
    let exact = fv.cash(&l8v2(&account, "FREV", "100.00", "000000000001", 0)).await;
    assert_eq!(num(&exact.assert_ok()["transactionData"]["openToBuy"]), "0.00");
    assert_eq!(admin_account(&sb, &account.id).await["balances"], balances("0.00", "0.00", "0.00"));
}

#[tokio::test]
async fn the_v2_balance_call_moves_money_and_refuses_a_wallet_in_another_currency() {
    let (sb, fv) = start().await;
    let account = open(&sb, "0", json!({})).await;

    let cash_in = fv.cash_v2(&v2(&account, "FUND", "150.5", 292_717_013_062, true, "MXN")).await;
    let data = cash_in.assert_ok();
    assert_eq!(data["account"], json!({ "organizationNumber": 970, "logo": 401 }));
    assert_eq!(data["recordType"], "MONETARY");
    assert_eq!(data["actionDescription"], "CASH IN");
    let tx = &data["transactionData"];
    assert_eq!(tx["currencyData"], json!({ "currencyCode": "MXN" }));
    assert_eq!(tx["referenceNumber"], "292717013062");
    assert_eq!(tx["monetaryType"], "C");
    assert_eq!(num(&tx["openToBuy"]), "150.50");
    assert_eq!(num(&tx["currentBalance"]), "-150.50");

    // The numeric currency code names the same wallet; a cash-out through the vendor prefix.
    let cash_out = fv
        .put_json(
            "/latam-gfs-apis/portal/account/v2/balance",
            &v2(&account, "FREV", "50", 292_717_013_063, true, "484"),
        )
        .await;
    let tx = &cash_out.assert_ok()["transactionData"];
    assert_eq!(tx["transactionCode"], "272");
    assert_eq!(num(&tx["openToBuy"]), "100.50");

    let before = admin_account(&sb, &account.id).await;
    assert_eq!(before["balances"], balances("100.50", "0.00", "100.50"));
    fv.cash_v2(&v2(&account, "FREV", "10", 292_717_013_064, true, "USD")).await.assert_refused(
        422,
        "VPL8SMA34E",
        "TRANSACTION NOT VALID FOR ACCOUNT",
        "walletId",
    );
    // A schema error in v2: the indicator must be a boolean.
    let numeric_flag = v2(&account, "FUND", "10", 292_717_013_065, true, "MXN")
        .replace("\"openToBuyUpdateIndicator\": true", "\"openToBuyUpdateIndicator\": 1");
    fv.cash_v2(&numeric_flag).await.assert_refused(
        400,
        "400",
        "Bad Request",
        "openToBuyUpdateIndicator: must be true or false",
    );
    assert_eq!(admin_account(&sb, &account.id).await, before);
}

// ---------------------------------------------------------------------------------------------
// Limits

#[tokio::test]
async fn a_cash_in_past_the_maximum_balance_is_refused_even_for_next_day_funds() {
    let (sb, fv) = start().await;
    let ids = json!({ "accountNumber": SEED_ACCOUNT, "cardNumber": SEED_CARD });
    let account =
        open(&sb, "900.00", json!({ "vendor_ids": ids, "limits": { "balance_max": "1000.00" } }))
            .await;
    assert_eq!(admin_account(&sb, &account.id).await["limits"]["balance_max"], "1000.00");

    for (otb, reference) in [(0, "000000000001"), (1, "000000000002")] {
        fv.cash(&l8v2(&account, "FUND", "100.01", reference, otb)).await.assert_refused(
            422,
            "VPL8SMA75E",
            "BALANCE EXCEEDED",
            "ledger: balance would exceed the account's maximum balance (balance 900.00, incoming 0.00, \
             credit 100.01, maximum 1000.00)",
        );
    }
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "900.00");
    fv.cash(&l8v2(&account, "FUND", "100.00", "000000000003", 1)).await.assert_ok();
    fv.cash(&l8v2(&account, "FUND", "0.01", "000000000004", 0)).await.assert_refused(
        422,
        "VPL8SMA75E",
        "BALANCE EXCEEDED",
        "maximum 1000.00",
    );
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"], balances("1000.00", "100.00", "900.00"));
}

#[tokio::test]
async fn the_daily_debit_limit_refuses_past_it_and_resets_the_next_utc_day() {
    let (sb, mut fv) = start().await;
    let ids = json!({ "accountNumber": SEED_ACCOUNT, "cardNumber": SEED_CARD });
    let limits = json!({ "daily_debit_amount_max": "100.00" });
    let account = open(&sb, "500.00", json!({ "vendor_ids": ids, "limits": limits })).await;

    fv.cash(&l8v2(&account, "FREV", "60", "000000000001", 0)).await.assert_ok();
    fv.cash(&l8v2(&account, "FREV", "40.01", "000000000002", 0)).await.assert_refused(
        422,
        "VPL8SMA73E",
        "DAILY LIMIT EXCEEDED",
        "ledger: daily limit exceeded: daily debit amount (today 60.00, this one 40.01, daily \
         maximum 100.00)",
    );
    fv.cash(&l8v2(&account, "FREV", "40", "000000000003", 0)).await.assert_ok();
    fv.cash(&l8v2(&account, "FREV", "0.01", "000000000004", 0)).await.assert_refused(
        422,
        "VPL8SMA73E",
        "DAILY LIMIT EXCEEDED",
        "today 100.00, this one 0.01, daily maximum 100.00",
    );
    // Cash-ins are not debits.
    fv.cash(&l8v2(&account, "FUND", "5", "000000000005", 0)).await.assert_ok();
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"]["posted"], "405.00");
    assert_eq!(ledger["daily_usage"]["debit_amount"], "100.00");
    assert_eq!(ledger["daily_usage"]["debit_count"], 2);

    assert_eq!(advance(&sb, "P1D").await, "2026-03-11T10:00:00Z");
    fv.renew().await;
    fv.cash(&l8v2(&account, "FREV", "100", "000000000006", 0)).await.assert_ok();
    fv.cash(&l8v2(&account, "FREV", "0.01", "000000000007", 0)).await.assert_refused(
        422,
        "VPL8SMA73E",
        "DAILY LIMIT EXCEEDED",
        "today 100.00, this one 0.01, daily maximum 100.00",
    );
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"]["posted"], "305.00");
    assert_eq!(ledger["daily_usage"]["debit_count"], 1);
}

// ---------------------------------------------------------------------------------------------
// referenceNumber replays

#[tokio::test]
async fn the_same_reference_the_same_day_moves_money_once_and_answers_the_same() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "200", "000000000123", 0);
    let first = fv.cash(&body).await;
    first.assert_ok();
    advance(&sb, "PT10M").await;
    for _ in 0..3 {
        let again = fv.cash(&body).await;
        assert_eq!(again.body, first.body, "a replay answers as the first time");
    }
    // The reference number as a JSON number is the same reference.
    let numeric = body.replace("\"referenceNumber\": \"000000000123\"", "\"referenceNumber\": 123");
    let other_text = fv.cash(&numeric).await;
    other_text.assert_ok();
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"]["posted"], "400.00", "\"123\" and \"000000000123\" differ");
    assert_eq!(fv.cash(&numeric).await.body, other_text.body);
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "400.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_replays_of_one_reference_move_money_once() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "12.34", "000000000042", 0);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let req = fv
            .request(Method::PUT, "/account/balance")
            .header("Content-Type", "application/json")
            .body(body.clone());
        tasks.push(tokio::spawn(async move { Reply::read(req.send().await.unwrap()).await }));
    }
    let mut bodies = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        answer.assert_ok();
        bodies.push(answer.body);
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every replay answers as the first");
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"]["posted"], "12.34");
    assert_eq!(ledger["daily_usage"]["credit_count"], 1);
}

#[tokio::test]
async fn the_same_reference_for_a_different_transaction_the_same_day_is_a_conflict() {
    let (sb, mut fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "200", "000000000123", 0);
    fv.cash(&body).await.assert_ok();
    let conflicts = [
        l8v2(&account, "FUND", "300", "000000000123", 0),
        l8v2(&account, "FREV", "200", "000000000123", 0),
        l8v2(&account, "FUND", "200", "000000000123", 1),
        body.replace("BRANCH 1", "BRANCH 2"),
    ];
    for conflict in conflicts {
        fv.cash(&conflict).await.assert_refused(
            422,
            "VPL8SMA34E",
            "TRANSACTION NOT VALID FOR ACCOUNT",
            "ledger: transactionData.referenceNumber reused with a different request",
        );
    }
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "200.00");

    // The next UTC day the reference is new again.
    advance(&sb, "P1D").await;
    fv.renew().await;
    fv.cash(&l8v2(&account, "FUND", "300", "000000000123", 0)).await.assert_ok();
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "500.00");
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_cash_outs_of_10_against_200_leave_exactly_zero() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "200.00").await;
    let mut tasks = Vec::new();
    for idx in 0..40 {
        let body = l8v2(&account, "FREV", "10.00", &format!("{:012}", 5000 + idx), 0);
        let req = fv
            .request(Method::PUT, "/account/balance")
            .header("Content-Type", "application/json")
            .body(body);
        tasks.push(tokio::spawn(async move { Reply::read(req.send().await.unwrap()).await }));
    }
    let (mut approved, mut declined) = (0, 0);
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status.as_u16() {
            200 => approved += 1,
            422 => {
                answer.assert_refused(
                    422,
                    "VPL8SMA71E",
                    "ACCOUNT OTB INSUFFICIENT",
                    "insufficient funds",
                );
                declined += 1;
            }
            other => panic!("unexpected {other}: {answer:?}"),
        }
    }
    assert_eq!((approved, declined), (20, 20));
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"], balances("0.00", "0.00", "0.00"));
    assert_eq!(ledger["daily_usage"]["debit_count"], 20);
    assert_eq!(ledger["daily_usage"]["debit_amount"], "200.00");
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("0.00".into(), "0.00".into()));
}

#[tokio::test]
async fn a_repeat_differing_only_in_values_the_answer_echoes_is_a_conflict() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = with_field(
        &with_field(
            &l8v2(&account, "FUND", "200", "000000000123", 0),
            "authorizationCode",
            json!("281013"),
        ),
        "departmentCode",
        json!("PPLD"),
    );
    let first = fv.cash(&body).await;
    let first_tx = first.assert_ok()["transactionData"].clone();
    assert_eq!(first_tx["storeNumber"], "000000001");
    assert_eq!(first_tx["planNumber"], "00001");
    assert_eq!(first_tx["authorizationCode"], "281013");
    assert_eq!(first_tx["departmentCode"], "PPLD");
    // A true repeat is the first answer, byte for byte.
    assert_eq!(fv.cash(&body).await.body, first.body);

    // Each value the answer echoes makes another transaction: the reference is taken.
    let variants = [
        ("storeNumber", json!(2)),
        ("planNumber", json!(7)),
        ("planSequence", json!(2)),
        ("cardSequence", json!(2)),
        ("authorizationCode", json!("281014")),
        ("departmentCode", json!("PPLE")),
    ];
    for (field, value) in variants {
        fv.cash(&with_field(&body, field, value)).await.assert_refused(
            422,
            "VPL8SMA34E",
            "TRANSACTION NOT VALID FOR ACCOUNT",
            "ledger: transactionData.referenceNumber reused with a different request",
        );
    }
    // Money moved once, and the repeat still answers as the first time.
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "200.00");
    assert_eq!(fv.cash(&body).await.body, first.body);
}

#[tokio::test]
async fn a_replay_after_a_limit_change_answers_the_first_answers_figures() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "200", "000000000123", 0);
    let first = fv.cash(&body).await;
    let first_tx = &first.assert_ok()["transactionData"];
    assert_eq!(num(&first_tx["currentBalance"]), "-200.00");
    assert_eq!(num(&first_tx["creditLimit"]), "0.00");
    assert_eq!(num(&first_tx["openToBuy"]), "200.00");
    let patch = json!({ "limits": { "balance_min": "-1000.00" } });
    let resp =
        sb.admin(Method::PATCH, &format!("/__admin/accounts/{}", account.id), Some(patch)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    fv.cash(&l8v2(&account, "FREV", "50", "000000000124", 0)).await.assert_ok();

    // The replay shows the figures of the time (balance 200.00, limit 0.00, open to buy
    // 200.00), never the old balance with the new limit.
    let replay = fv.cash(&body).await;
    replay.assert_ok();
    assert_eq!(replay.body, first.body);
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "150.00");
    // The reads show today's figures.
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("-150.00".into(), "1150.00".into()));
}
