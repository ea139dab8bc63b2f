//! Qolo's reads over HTTP: accounts by id, by search and by program, wallets, and the suspense
//! balance clearing on the tenant's clock.

use super::*;

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_account_reads_by_id_and_by_a_search_on_its_wallet_or_its_holder() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let main = open(&sb, "USD", "100.00", json!({})).await;
    let ids = json!({ "vendor_ids": { "wallet_guid": main.wallet_guid,
                                       "account_name": "Euro savings" } });
    let euro = open(&sb, "EUR", "0", ids).await;
    let elsewhere = open(&sb, "USD", "5.00", json!({})).await;
    assert_eq!(euro.person_guid, main.person_guid);
    let token = login(&sb).await;

    let reply = get(&sb, &token, &main.path()).await;
    let dto = reply.ok(StatusCode::OK);
    assert_eq!(dto["account_guid"], main.guid.as_str());
    assert_eq!(dto["wallet_guid"], main.wallet_guid.as_str());
    assert_eq!(dto["account_currency"], "USD");
    assert_eq!(dto["account_name"], "GENERAL USD");
    assert_eq!(dto["account_type"], "GENERAL");
    assert_eq!(text(&dto["available_balance"]), "100");
    assert_eq!(text(&dto["ledger_balance"]), "100");
    assert_eq!(text(&dto["suspense_balance"]), "0");
    assert_eq!(dto["account_status"], "ACTIVE");
    assert!(dto["last_txn_guid"].is_string(), "the opening credit is the last transaction");
    assert_eq!(text(&dto["amount"]), "100");
    assert_eq!(dto["post_date"], MONDAY_10AM);
    assert_eq!(dto["sys_utcinserted"], MONDAY_10AM);

    let guids = |reply: &Reply| -> Vec<String> {
        let body = reply.ok(StatusCode::OK);
        let data = body["data"].as_array().unwrap();
        assert_eq!(body["count"], data.len());
        assert_eq!(body["start_index"], usize::from(!data.is_empty()));
        assert_eq!(body["end_index"], data.len());
        assert_eq!(body["has_more"], false);
        data.iter().map(|a| a["account_guid"].as_str().unwrap().to_string()).collect()
    };
    let both = vec![main.guid.clone(), euro.guid.clone()];
    let path = format!("/api/v1/accounts?wallet_guid={}", main.wallet_guid);
    let by_wallet = get(&sb, &token, &path).await;
    assert_eq!(guids(&by_wallet), both, "both accounts of the wallet, in opening order");
    let path = format!("/api/v1/accounts?person_guid={}", main.person_guid);
    let by_person = get(&sb, &token, &path).await;
    assert_eq!(guids(&by_person), both);
    let euro_dto = &by_person.body["data"][1];
    assert_eq!(euro_dto["account_name"], "Euro savings");
    assert_eq!(euro_dto["last_txn_guid"], Value::Null, "no movement yet");
    assert_eq!(euro_dto["amount"], Value::Null);
    let path = format!("/api/v1/accounts?wallet_guid={}", elsewhere.wallet_guid);
    assert_eq!(guids(&get(&sb, &token, &path).await), vec![elsewhere.guid.clone()]);
    // Criteria that match nothing together: 200 with an empty page.
    let path = format!(
        "/api/v1/accounts?person_guid={}&wallet_guid={}",
        main.person_guid, elsewhere.wallet_guid
    );
    assert_eq!(guids(&get(&sb, &token, &path).await), Vec::<String>::new());
    // No criteria, or a guid that is not one: 400.
    let reply = get(&sb, &token, "/api/v1/accounts").await;
    assert_invalid_at(&reply, "/api/v1/accounts", &["person_guid"]);
    let reply = get(&sb, &token, "/api/v1/accounts?wallet_guid=abc").await;
    assert_invalid_at(&reply, "/api/v1/accounts", &["wallet_guid"]);
    let reply = get(&sb, &token, "/api/v1/accounts/12345").await;
    assert_invalid_at(&reply, "/api/v1/accounts/12345", &["account_guid"]);
}

#[tokio::test]
async fn the_program_listing_orders_the_programs_accounts_by_balance() {
    let sb = Sandbox::start().await;
    let ten = open(&sb, "USD", "10.00", json!({})).await;
    let three_hundred = open(&sb, "USD", "300.00", json!({})).await;
    let fifty = open(&sb, "USD", "50.00", json!({})).await;
    let overdrawn =
        open(&sb, "USD", "-20.00", json!({ "limits": { "balance_min": "-100" } })).await;
    assert_eq!(ten.program_guid, PROGRAM_GUID, "the well-known tenant's program");
    let token = login(&sb).await;
    let path = format!("/api/v1/accounts/program/{PROGRAM_GUID}");

    // Highest ledger balance first; negative balances left out by default.
    let reply = get(&sb, &token, &path).await;
    let body = reply.ok(StatusCode::OK);
    assert!(body["cache_utcdate"].is_string());
    assert_eq!(
        (&body["count"], &body["start_index"], &body["end_index"]),
        (&json!(3), &json!(1), &json!(3))
    );
    assert_eq!(body["has_more"], false);
    let rows = body["data"].as_array().unwrap();
    let order: Vec<&str> = rows.iter().map(|r| r["account_guid"].as_str().unwrap()).collect();
    assert_eq!(order, [three_hundred.guid.as_str(), fifty.guid.as_str(), ten.guid.as_str()]);
    let balances: Vec<String> = rows.iter().map(|r| text(&r["ledger_balance"])).collect();
    assert_eq!(balances, ["300", "50", "10"]);
    let holder = &rows[0]["person_info"];
    assert_eq!(holder["person_guid"], three_hundred.person_guid.as_str());
    assert_eq!(holder["wallet_id"], three_hundred.wallet_id.as_str());
    assert_eq!(holder["person_status"], "CLEARED");
    assert_eq!(rows[0]["wallet_guid"], three_hundred.wallet_guid.as_str());
    assert_eq!(rows[0]["account_status"], "ACTIVE");

    // Lowest available first, negatives included, two at most.
    let query =
        format!("{path}?based_on=available&sort_by=asc&count=2&include_negative_balances=true");
    let reply = get(&sb, &token, &query).await;
    let body = reply.ok(StatusCode::OK);
    assert_eq!(body["count"], 2);
    assert_eq!(body["has_more"], true);
    let rows = body["data"].as_array().unwrap();
    let order: Vec<&str> = rows.iter().map(|r| r["account_guid"].as_str().unwrap()).collect();
    assert_eq!(order, [overdrawn.guid.as_str(), ten.guid.as_str()]);
    assert_eq!(text(&rows[0]["available_balance"]), "-20");

    // Bad parameters: 400 naming each. An unknown program: 404.
    let query = format!("{path}?based_on=pending&count=51");
    let reply = get(&sb, &token, &query).await;
    assert_invalid_at(&reply, &path, &["based_on", "count"]);
    let unknown = format!("/api/v1/accounts/program/{NEVER_ISSUED}");
    let reply = get(&sb, &token, &unknown).await;
    assert_detail(&reply, 404, &unknown, "Program not found.");
}

#[tokio::test]
async fn a_wallet_reads_by_id_and_by_a_search_with_its_accounts_and_its_card() {
    let sb = Sandbox::start().await;
    let main = open(&sb, "USD", "100.00", json!({})).await;
    let euro =
        open(&sb, "EUR", "7.00", json!({ "vendor_ids": { "wallet_guid": main.wallet_guid } }))
            .await;
    let elsewhere = open(&sb, "USD", "5.00", json!({})).await;
    let token = login(&sb).await;

    let path = format!("/api/v1/wallets/{}", main.wallet_guid);
    let reply = get(&sb, &token, &path).await;
    let wallet = reply.ok(StatusCode::OK);
    assert_eq!(wallet["wallet_guid"], main.wallet_guid.as_str());
    assert_eq!(wallet["wallet_id"], main.wallet_id.as_str());
    assert_eq!(wallet["person_guid"], main.person_guid.as_str());
    assert_eq!(wallet["program_guid"], PROGRAM_GUID);
    assert_eq!(wallet["account_status"], "ACTIVE");
    let accounts = wallet["accounts"].as_array().unwrap();
    let guids: Vec<&str> = accounts.iter().map(|a| a["account_guid"].as_str().unwrap()).collect();
    assert_eq!(guids, [main.guid.as_str(), euro.guid.as_str()]);
    assert_eq!(text(&accounts[0]["ledger_balance"]), "100");
    assert_eq!(text(&accounts[1]["available_balance"]), "7");
    let cards = wallet["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["card_proxy"], main.card_proxy.as_str());
    assert_eq!(cards[0]["card_status"], "ACTIVE");
    assert_eq!(cards[0]["wallet_guid"], main.wallet_guid.as_str());

    let found = |reply: Reply| -> Vec<String> {
        let body = reply.ok(StatusCode::OK);
        let data = body["data"].as_array().unwrap();
        assert_eq!(body["count"], data.len());
        data.iter().map(|w| w["wallet_guid"].as_str().unwrap().to_string()).collect()
    };
    let searches = [
        (format!("card_proxy={}", main.card_proxy), &main),
        (format!("account_guid={}", euro.guid), &main),
        (format!("person_guid={}", elsewhere.person_guid), &elsewhere),
        (format!("wallet_guid={}&person_guid={}", main.wallet_guid, main.person_guid), &main),
    ];
    for (query, expected) in searches {
        let reply = get(&sb, &token, &format!("/api/v1/wallets?{query}")).await;
        assert_eq!(found(reply), vec![expected.wallet_guid.clone()], "{query}");
    }
    // Nothing found: 404, as the spec declares for this call. No criteria: 400.
    let reply = get(&sb, &token, "/api/v1/wallets?card_proxy=0000000000000").await;
    assert_detail(&reply, 404, "/api/v1/wallets", "Wallet not found.");
    let reply = get(&sb, &token, "/api/v1/wallets").await;
    assert_invalid_at(&reply, "/api/v1/wallets", &["card_proxy"]);
    let path = format!("/api/v1/wallets/{NEVER_ISSUED}");
    let reply = get(&sb, &token, &path).await;
    assert_detail(&reply, 404, &path, "Wallet not found.");
}

// ---------------------------------------------------------------------------------------------
// Suspense on the tenant's clock
// ---------------------------------------------------------------------------------------------

/// Posts a credit straight into the ledger: sandbank's Qolo never creates deferred or pending
/// credits itself, and the admin API cannot, so suspense can only be shown by putting one there.
fn ledger_credit(sb: &Sandbox, account: &Account, amount: &str, mode: ledger::Mode) {
    let app = &sb.server.app;
    let tenant = server::tenants::DEFAULT_TENANT;
    let id = ledger::AccountId(uuid::Uuid::parse_str(&account.id).unwrap());
    let usd = ledger::Currency::from_code("USD").unwrap();
    let transfer = ledger::Transfer::credit(tenant, id, dec(amount), usd).with_mode(mode);
    app.ledger.transfer(app.tenants.now(tenant), transfer).unwrap();
}

/// `(ledger, available, suspense)` as `GET /api/v1/accounts/{guid}` writes them.
async fn qolo_balances(sb: &Sandbox, token: &str, account: &Account) -> (String, String, String) {
    let reply = get(sb, token, &account.path()).await;
    let body = reply.ok(StatusCode::OK);
    (
        text(&body["ledger_balance"]),
        text(&body["available_balance"]),
        text(&body["suspense_balance"]),
    )
}

fn triple(ledger: &str, available: &str, suspense: &str) -> (String, String, String) {
    (ledger.to_string(), available.to_string(), suspense.to_string())
}

#[tokio::test]
async fn a_deferred_credit_waits_in_suspense_until_the_tenants_clock_reaches_its_date() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let account = open(&sb, "USD", "10.00", json!({})).await;
    let midnight = ledger::Timestamp::from_unix_micros(1_772_496_000_000_000);
    assert_eq!(
        sb.server.app.tenants.now(server::tenants::DEFAULT_TENANT).next_utc_midnight(),
        midnight
    );
    ledger_credit(&sb, &account, "75.00", ledger::Mode::Deferred { available_at: midnight });
    let token = login(&sb).await;

    // Not in ledger or available yet: in suspense, in every read.
    assert_eq!(qolo_balances(&sb, &token, &account).await, triple("10", "10", "75"));
    let wallet = get(&sb, &token, &format!("/api/v1/wallets/{}", account.wallet_guid)).await;
    assert_eq!(text(&wallet.body["accounts"][0]["suspense_balance"]), "75");
    let program = get(&sb, &token, &format!("/api/v1/accounts/program/{PROGRAM_GUID}")).await;
    assert_eq!(text(&program.body["data"][0]["suspense_balance"]), "75");
    assert_eq!(text(&program.body["data"][0]["ledger_balance"]), "10");
    let admin = admin_account(&sb, &account).await;
    assert_eq!(admin["balances"]["deferred"], "75.00");
    assert_eq!(admin["balances"]["available"], "10.00");
    // Suspense cannot be spent.
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "10.01")).await;
    assert_detail(
        &reply,
        400,
        ADJUST,
        "Insufficient funds: the available balance is less than the amount.",
    );
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "10.00")).await;
    let after = &reply.ok(StatusCode::CREATED)["account"];
    assert_eq!(text(&after["ledger_balance"]), "0");
    assert_eq!(text(&after["available_balance"]), "0");
    assert_eq!(text(&after["suspense_balance"]), "75");

    // A second before midnight it still waits; at midnight it clears into both balances.
    advance(&sb, "PT13H59M59S").await;
    let token = login(&sb).await;
    assert_eq!(qolo_balances(&sb, &token, &account).await, triple("0", "0", "75"));
    advance(&sb, "PT1S").await;
    assert_eq!(qolo_balances(&sb, &token, &account).await, triple("75", "75", "0"));
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "75.00")).await;
    assert_eq!(text(&reply.ok(StatusCode::CREATED)["account"]["ledger_balance"]), "0");
    assert_balance(&sb, &token, &account, "0.00").await;
}

#[tokio::test]
async fn a_pending_credit_shows_in_suspense_until_its_hold_lapses() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let account = open(&sb, "USD", "10.00", json!({})).await;
    let now = sb.server.app.tenants.now(server::tenants::DEFAULT_TENANT);
    let expires_at = Some(now.saturating_add(Duration::from_secs(3600)));
    ledger_credit(&sb, &account, "20.00", ledger::Mode::Pending { expires_at });
    let token = login(&sb).await;

    assert_eq!(qolo_balances(&sb, &token, &account).await, triple("10", "10", "20"));
    let reply = adjust(&sb, &token, &adjustment(&account.guid, "UT-ACH_OUT", "10.01")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "an incoming hold is not spendable");
    advance(&sb, "PT1H").await;
    assert_eq!(qolo_balances(&sb, &token, &account).await, triple("10", "10", "0"));
}
