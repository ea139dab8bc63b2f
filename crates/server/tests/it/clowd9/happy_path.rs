//! Clowd9 over HTTP: one login opens every route, and each answers its documented happy path.

use super::*;

#[tokio::test]
async fn a_login_opens_every_route_and_each_answers_its_documented_happy_path() {
    let sb = start().await;
    freeze_clock(&sb).await;
    let from = open(&sb, "100.00", json!({})).await;
    let to = open(
        &sb,
        "5.00",
        json!({ "vendor_ids": { "account_name": "CLOWD9 Expenses", "external_id": "018794671" } }),
    )
    .await;

    // POST /v1/auth
    let auth = login_with(&sb, KEY, SECRET).await;
    assert_eq!(auth.status, StatusCode::OK, "{}", auth.body);
    assert_hex_trace(&auth);
    let credentials = &sb.server.app.default_tenant().unwrap().credentials["clowd9"];
    assert_eq!(credentials["key"], KEY);
    assert_eq!(credentials["secret"], SECRET);
    assert_eq!(auth.body["api_id"], credentials["api_id"]);
    let access = auth.body["access_token"].as_str().unwrap().to_string();
    let refresh = auth.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(access.split('.').count(), 3, "a JWT");
    assert_ne!(access, refresh);
    let token = Some(access.as_str());

    // POST /v1/auth/refresh
    let refreshed =
        call(&sb, Method::POST, "/v1/auth/refresh", Some(&refresh), Some(json!({}))).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert_eq!(refreshed.body["refresh_token"], refresh.as_str());
    assert_ne!(refreshed.body["access_token"], access.as_str());

    // POST /v1/accounts/balance (the seed's call)
    let seed = update(&sb, &access, &from.account_id, 1000, "Credit").await;
    assert_eq!(seed.status, StatusCode::OK, "{}", seed.body);
    assert_eq!(
        seed.body,
        json!({
            "account_id": from.account_id,
            "previous_account_balance": "10000",
            "previous_account_balance_direction": "credit",
            "new_account_balance": "11000",
            "new_account_balance_direction": "credit",
            "trace_id": seed.trace_header(),
        })
    );
    assert!(is_dashed_uuid(seed.body["trace_id"].as_str().unwrap()));

    // POST /v1/accounts/{account_id}/increase, /decrease, /correct
    let path = |op: &str| format!("/v1/accounts/{}/{op}", from.account_id);
    let increase = call(
        &sb,
        Method::POST,
        &path("increase"),
        token,
        Some(json!({ "amount": 500, "reference_name": "Debit Card", "reference": "Weekly increase", "reference_id": "I-1" })),
    )
    .await;
    assert_eq!(increase.status, StatusCode::OK, "{}", increase.body);
    assert_hex_trace(&increase);
    assert_eq!(increase.body["previous_actual_balance"], "11000");
    assert_eq!(increase.body["new_actual_balance"], "11500");
    assert_eq!(increase.body["previous_available_balance"], "11000");
    assert_eq!(increase.body["new_available_balance"], "11500");
    let decrease = call(
        &sb,
        Method::POST,
        &path("decrease"),
        token,
        Some(json!({ "amount": 1500, "reference": "Return of Funds" })),
    )
    .await;
    assert_eq!(decrease.status, StatusCode::OK, "{}", decrease.body);
    assert_eq!(decrease.body["new_actual_balance"], "10000");
    let correct = call(
        &sb,
        Method::POST,
        &path("correct"),
        token,
        Some(json!({ "amount": -250, "reason": "Fee charged twice", "reference_id": "C-1" })),
    )
    .await;
    assert_eq!(correct.status, StatusCode::OK, "{}", correct.body);
    assert_eq!(correct.body["previous_actual_balance"], "10000");
    assert_eq!(correct.body["new_actual_balance"], "9750");

    // POST /v1/accounts/transfer
    let transfer = call(
        &sb,
        Method::POST,
        "/v1/accounts/transfer",
        token,
        Some(json!({
            "source_account_id": from.account_id,
            "destination_account_id": to.account_id,
            "amount": 750,
            "reference": "Savings",
        })),
    )
    .await;
    assert_eq!(transfer.status, StatusCode::OK, "{}", transfer.body);
    assert_eq!(transfer.body, json!({ "trace_id": transfer.body["trace_id"] }));
    assert_hex_trace(&transfer);

    // GET /v1/accounts/{account_id}/balances
    let balances =
        call(&sb, Method::GET, &format!("/v1/accounts/{}/balances", from.account_id), token, None)
            .await;
    assert_eq!(balances.status, StatusCode::OK);
    assert_eq!(
        balances.body,
        json!({
            "actual_balance": "9000",
            "available_balance": "9000",
            "overdraft_value": "0",
            "authorized": "0",
            "trace_id": balances.body["trace_id"],
        })
    );
    assert_hex_trace(&balances);

    // GET /v1/accounts/{account_id}
    let account =
        call(&sb, Method::GET, &format!("/v1/accounts/{}", to.account_id), token, None).await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    let details = &account.body["account_details"][0];
    assert_eq!(account.body["account_details"].as_array().unwrap().len(), 1);
    assert_eq!(details["account_id"], to.account_id.as_str());
    assert_eq!(details["account_name"], "CLOWD9 Expenses");
    assert_eq!(details["external_id"], "018794671");
    assert_eq!(details["account_status"], "active");
    assert_eq!(details["account_currency"], "GBP");
    assert_eq!(details["account_currency_code"], "826");
    assert_eq!(details["actual_balance"], 1250, "S1 types the balances as JSON integers");
    assert_eq!(details["available_balance"], 1250);
    assert_eq!(details["overdraft_value"], "0");
    assert!(uuid_of(details["account_profile_id"].as_str().unwrap()).is_some());
    assert_eq!(uuid_of(details["trace_id"].as_str().unwrap()), uuid_of(account.trace_header()));

    // GET /v1/accounts/{account_id}/ledger-entries
    let entries = call(
        &sb,
        Method::GET,
        &format!(
            "/v1/accounts/{}/ledger-entries?from_date=2030-05-14&to_date=2030-05-14",
            from.account_id
        ),
        token,
        None,
    )
    .await;
    assert_eq!(entries.status, StatusCode::OK, "{}", entries.body);
    assert_hex_trace(&entries);
    let rows = entries.body["accounts"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["entry_type"].as_str().unwrap(),
                row["amount"].as_str().unwrap(),
                row["entry_source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("opening balance", "10000", "Sandbank"),
            ("credit", "1000", "API"),
            ("increase", "500", "API"),
            ("decrease", "-1500", "API"),
            ("InternalCorrection", "-250", "API"),
            ("transfer", "-750", "API"),
        ]
    );
    assert_eq!(entries.body["count"], "6");
    assert_eq!(entries.body["next_page_token"], "");
    assert_eq!(rows[2]["reference_id"], "I-1");
    assert_eq!(rows[2]["reference_name"], "Debit Card");
    assert_eq!(rows[0]["date_time"].as_str().unwrap().get(..10), Some("2030-05-14"));

    // The ledger agrees, and the journal names every operation under clowd9.
    assert_eq!(admin_posted(&sb, &from.id).await, 9000);
    assert_eq!(admin_posted(&sb, &to.id).await, 1250);
    let journal = sb.journal().await;
    let operations: HashSet<&str> = journal
        .iter()
        .filter(|entry| entry["vendor"] == "clowd9" && entry["status"] == 200)
        .filter_map(|entry| entry["operation"].as_str())
        .collect();
    let expected: HashSet<&str> = [
        "AuthenticateApi",
        "RefreshToken",
        "UpdateAccountBalance",
        "IncreaseAccountBalance",
        "DecreaseAccountBalance",
        "CorrectAccountBalance",
        "TransferFromAccountToAccount",
        "GetAccountBalance",
        "GetAccount",
        "GetLedgerEntriesForAccount",
    ]
    .into_iter()
    .collect();
    assert_eq!(operations, expected);
}
