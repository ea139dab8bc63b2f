//! Qolo's bearer tokens over HTTP: missing or garbage tokens, expiry on the tenant's clock, tenant
//! isolation, and unsupported API versions.

use super::*;

// ---------------------------------------------------------------------------------------------
// Auth, tenants, versions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_missing_or_garbage_bearer_token_is_a_401_with_a_bearer_challenge_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let before = ledger_state(&sb).await;
    let plain = "Bearer";
    let invalid = "Bearer error=\"invalid_token\"";
    let cases: [(Option<String>, &str, &str); 6] = [
        (None, plain, "auth: no Authorization header"),
        (
            Some("Basic c2FuZGJhbmstcW9sby1sb2dpbjpzYW5kYmFuay1xb2xvLWtleQ==".into()),
            plain,
            "auth: Authorization header is not a Bearer token",
        ),
        (Some("Bearer".into()), plain, "auth: Authorization header is not a Bearer token"),
        (Some("Bearer garbage".into()), invalid, "auth: bearer token was not issued"),
        (Some(format!("Bearer {API_KEY}")), invalid, "auth: bearer token was not issued"),
        // The real token with its signature altered.
        (Some(format!("Bearer {token}x")), invalid, "auth: bearer token was not issued"),
    ];
    let debit = adjustment(&account.guid, "UT-ACH_OUT", "10.00").to_string();
    for (authorization, challenge, reason) in cases {
        let auth: Vec<(&str, &str)> =
            authorization.as_deref().map(|a| ("authorization", a)).into_iter().collect();
        let mut with_json = auth.clone();
        with_json.push(("content-type", APPLICATION_JSON));
        let replies = [
            (send(&sb, Method::GET, &account.path(), None, &auth, "").await, account.path()),
            (send(&sb, Method::POST, ADJUST, None, &with_json, debit.clone()).await, ADJUST.into()),
        ];
        for (reply, path) in replies {
            assert_detail(&reply, 401, &path, "No or invalid access token provided.");
            assert_eq!(reply.body["title"], "Unauthorized");
            assert_eq!(reply.challenge.as_deref(), Some(challenge), "{authorization:?}");
            let got = reply.reason.as_deref().unwrap();
            assert!(got.starts_with(reason), "{authorization:?}: {got}");
        }
    }
    // Wrong credentials at login: the same 401 for a wrong key and an unknown login id.
    for (login_id, api_key) in [(LOGIN_ID, "wrong"), ("nobody", API_KEY)] {
        let reply = login_reply(&sb, login_id, api_key).await;
        assert_detail(&reply, 401, LOGIN, "Invalid login_id or api_key.");
        assert_eq!(reply.challenge.as_deref(), Some("Bearer"));
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &token, &account, "100.00").await;
}

#[tokio::test]
async fn an_access_token_expires_after_twelve_hours_of_the_tenants_clock() {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MONDAY_10AM).await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let debit = adjustment(&account.guid, "UT-ACH_OUT", "1.00");

    advance(&sb, "PT11H59M59S").await;
    get(&sb, &token, &account.path()).await.ok(StatusCode::OK);
    adjust(&sb, &token, &debit).await.ok(StatusCode::CREATED);

    advance(&sb, "PT1S").await;
    let expired_challenge =
        "Bearer error=\"invalid_token\", error_description=\"The token expired\"";
    let expired_reason = "auth: bearer token expired (12-hour lifetime); log in again";
    let reply = get(&sb, &token, &account.path()).await;
    assert_detail(&reply, 401, &account.path(), "No or invalid access token provided.");
    assert_eq!(reply.challenge.as_deref(), Some(expired_challenge));
    assert_eq!(reply.reason.as_deref(), Some(expired_reason));
    let before = ledger_state(&sb).await;
    let reply = adjust(&sb, &token, &debit).await;
    assert_detail(&reply, 401, ADJUST, "No or invalid access token provided.");
    assert_eq!(reply.challenge.as_deref(), Some(expired_challenge));
    assert_eq!(ledger_state(&sb).await, before, "an expired token moves nothing");

    // There is no refresh: a new login gives a new token for another 12 hours.
    let fresh = login(&sb).await;
    assert_ne!(fresh, token);
    adjust(&sb, &fresh, &debit).await.ok(StatusCode::CREATED);
    assert_balance(&sb, &fresh, &account, "98.00").await;
}

#[tokio::test]
async fn another_tenant_can_neither_see_nor_move_the_default_tenants_account() {
    let sb = Sandbox::start().await;
    let mine = open(&sb, "USD", "100.00", json!({})).await;
    let my_token = login(&sb).await;

    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let tenant: Value = resp.json().await.unwrap();
    let other_admin = tenant["admin_token"].as_str().unwrap().to_string();
    let credentials = &tenant["credentials"]["qolo"];
    let (login_id, api_key) =
        (credentials["login_id"].as_str().unwrap(), credentials["api_key"].as_str().unwrap());
    assert_ne!(login_id, LOGIN_ID);
    assert_ne!(credentials["program_guid"], PROGRAM_GUID);
    let theirs = open_as(&sb, &other_admin, "50.00").await;
    let their_token = login_as(&sb, login_id, api_key).await;
    let before = ledger_state(&sb).await;

    // Their token on my account: exactly the 404 of an account nobody has.
    let nobody_path = format!("/api/v1/accounts/{NEVER_ISSUED}");
    let nobody = get(&sb, &their_token, &nobody_path).await;
    assert_detail(&nobody, 404, &nobody_path, "Account not found.");
    let reply = get(&sb, &their_token, &mine.path()).await;
    assert_detail(&reply, 404, &mine.path(), "Account not found.");
    assert_eq!(
        reply.reason.as_deref().unwrap().replace(&mine.guid, "<guid>"),
        nobody.reason.as_deref().unwrap().replace(NEVER_ISSUED, "<guid>")
    );
    let strip = |body: &Value| {
        let mut body = body.clone();
        body["instance"] = Value::Null;
        body["traceId"] = Value::Null;
        body
    };
    assert_eq!(strip(&reply.body), strip(&nobody.body));
    let mut replies = vec![reply];
    let path = format!("/api/v1/wallets/{}", mine.wallet_guid);
    let reply = get(&sb, &their_token, &path).await;
    assert_detail(&reply, 404, &path, "Wallet not found.");
    replies.push(reply);
    let reply =
        get(&sb, &their_token, &format!("/api/v1/wallets?card_proxy={}", mine.card_proxy)).await;
    assert_detail(&reply, 404, "/api/v1/wallets", "Wallet not found.");
    replies.push(reply);
    let reply =
        get(&sb, &their_token, &format!("/api/v1/accounts?wallet_guid={}", mine.wallet_guid)).await;
    assert_eq!(reply.ok(StatusCode::OK)["count"], 0);
    replies.push(reply);
    let path = format!("/api/v1/accounts/program/{PROGRAM_GUID}");
    let reply = get(&sb, &their_token, &path).await;
    assert_detail(&reply, 404, &path, "Program not found.");
    replies.push(reply);
    // Their token cannot move my money, by account_guid or by my card.
    let reply = adjust(&sb, &their_token, &adjustment(&mine.guid, "UT-ACH_OUT", "10.00")).await;
    assert_detail(&reply, 404, ADJUST, "Account not found.");
    replies.push(reply);
    let by_card = json!({ "card_proxy": mine.card_proxy, "request_code": "UT-ACH_OUT",
                          "amount": 10, "currency": "USD" });
    let reply = adjust(&sb, &their_token, &by_card).await;
    assert_detail(&reply, 404, ADJUST, "Card not found.");
    replies.push(reply);
    // Nothing of my account shows beyond what the request itself named (`instance`).
    for reply in &replies {
        let mut body = reply.body.clone();
        body["instance"] = Value::Null;
        let shown = body.to_string();
        for secret in [&mine.guid, &mine.wallet_guid, &mine.person_guid, &mine.wallet_id] {
            assert!(!shown.contains(secret.as_str()), "leaks {secret}: {reply:#?}");
        }
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &my_token, &mine, "100.00").await;

    // My token does not see theirs either; theirs does.
    let reply = get(&sb, &my_token, &theirs.path()).await;
    assert_detail(&reply, 404, &theirs.path(), "Account not found.");
    let reply = get(&sb, &their_token, &theirs.path()).await;
    assert_eq!(text(&reply.ok(StatusCode::OK)["ledger_balance"]), "50");
    // Their calls are in their journal, not in mine.
    let their_journal: Value = sb
        .admin_as(&other_admin, Method::GET, "/__admin/requests?limit=1000", None)
        .await
        .json()
        .await
        .unwrap();
    let their_journal = their_journal["requests"].as_array().unwrap().clone();
    let my_journal = sb.journal().await;
    for reply in &replies {
        let trace = reply.trace_id.as_deref().unwrap();
        assert!(their_journal.iter().any(|e| e["trace_id"] == trace), "{reply:#?}");
        assert!(!my_journal.iter().any(|e| e["trace_id"] == trace), "{reply:#?}");
    }
}

#[tokio::test]
async fn an_unsupported_api_version_is_a_404_problem_before_auth_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "USD", "100.00", json!({})).await;
    let token = login(&sb).await;
    let before = ledger_state(&sb).await;

    for version in ["v2", "V1", "v0"] {
        let path = format!("/api/{version}/accounts/{}", account.guid);
        let detail = format!("API version '{version}' is not supported.");
        let reply = get(&sb, &token, &path).await;
        assert_detail(&reply, 404, &path, &detail);
        assert!(reply.reason.as_deref().unwrap().contains("API version"), "{reply:#?}");
        // Checked before the token: no token still gives the 404, not a 401.
        let reply = send(&sb, Method::GET, &path, None, &[], "").await;
        assert_detail(&reply, 404, &path, &detail);
        assert_eq!(reply.challenge, None);

        let path = format!("/api/{version}/accounts/AdjustBalance");
        let debit = adjustment(&account.guid, "UT-ACH_OUT", "10.00").to_string();
        let headers = [("content-type", APPLICATION_JSON)];
        let reply = send(&sb, Method::POST, &path, Some(&token), &headers, debit).await;
        assert_detail(&reply, 404, &path, &detail);

        let path = format!("/api/{version}/auth/login");
        let body = json!({ "login_id": LOGIN_ID, "api_key": API_KEY }).to_string();
        let reply = send(&sb, Method::POST, &path, None, &headers, body).await;
        assert_detail(&reply, 404, &path, &detail);
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &token, &account, "100.00").await;
}
