//! Clowd9's login and tokens over HTTP: lifetimes on the tenant clock, refresh, the
//! documented auth errors, and a second tenant's token that learns nothing of the first's accounts.

use super::*;

#[tokio::test]
async fn the_access_token_expires_after_120_minutes_of_tenant_time_and_refresh_renews_it() {
    let sb = start().await;
    freeze_clock(&sb).await;
    let account = open(&sb, "1.00", json!({})).await;
    let tokens = login(&sb).await;

    set_clock(&sb, json!({ "advance": "PT119M" })).await;
    let (actual, _) = vendor_balance(&sb, &tokens.access, &account.account_id).await;
    assert_eq!(actual, 100, "still valid after 119 minutes");

    set_clock(&sb, json!({ "advance": "PT2M" })).await;
    let path = format!("/v1/accounts/{}/balances", account.account_id);
    let expired = call(&sb, Method::GET, &path, Some(&tokens.access), None).await;
    expired.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(expired.reason_line().contains("expired"), "{}", expired.reason_line());
    let expired_write = update(&sb, &tokens.access, &account.account_id, 1, "Credit").await;
    expired_write.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");

    // The session (720 minutes) is still open: the refresh token issues a working access token.
    let refreshed = call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.refresh), None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let fresh = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(vendor_balance(&sb, fresh, &account.account_id).await, (100, 100));

    // The expired token stays expired.
    let again = call(&sb, Method::GET, &path, Some(&tokens.access), None).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(admin_posted(&sb, &account.id).await, 100, "the refused write changed nothing");

    // The session ends 720 minutes after the login: then the refresh token and every access
    // token of the session are done, and a new login starts afresh.
    // A token refreshed at minute 650 would live to 770, but stops with the session at 720.
    set_clock(&sb, json!({ "advance": "PT529M" })).await;
    let refreshed = call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.refresh), None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let last = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(vendor_balance(&sb, last, &account.account_id).await, (100, 100));
    set_clock(&sb, json!({ "advance": "PT71M" })).await;
    let ended = call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.refresh), None).await;
    ended.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let late = call(&sb, Method::GET, &path, Some(last), None).await;
    late.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let relogin = login(&sb).await;
    assert_eq!(vendor_balance(&sb, &relogin.access, &account.account_id).await, (100, 100));
}

#[tokio::test]
async fn bad_credentials_and_bad_tokens_get_clowd9s_documented_auth_errors() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let tokens = login(&sb).await;
    let balances = format!("/v1/accounts/{}/balances", account.account_id);

    let wrong_secret = login_with(&sb, KEY, "wrong").await;
    wrong_secret
        .assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");
    assert_eq!(wrong_secret.reason_line(), "auth: wrong secret for this key");
    let unknown_key = login_with(&sb, "nobody", SECRET).await;
    unknown_key
        .assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");

    let missing = call(&sb, Method::GET, &balances, None, None).await;
    missing.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let garbage = call(&sb, Method::GET, &balances, Some("not-a-token"), None).await;
    garbage.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let forged =
        call(&sb, Method::GET, &balances, Some("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"), None)
            .await;
    forged.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    let basic =
        sb.client.get(sb.url(&balances)).basic_auth(KEY, Some(SECRET)).send().await.unwrap();
    Reply::read(basic).await.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");

    let refresh_as_access = call(&sb, Method::GET, &balances, Some(&tokens.refresh), None).await;
    refresh_as_access
        .assert_rpc_status(StatusCode::FORBIDDEN, "You do not have correct access rights");
    let access_as_refresh =
        call(&sb, Method::POST, "/v1/auth/refresh", Some(&tokens.access), Some(json!({}))).await;
    access_as_refresh
        .assert_rpc_status(StatusCode::FORBIDDEN, "You do not have correct access rights");

    // The seed's call checks auth before the body, and answers auth failures in rpcStatus.
    let writes = [
        update(&sb, "not-a-token", &account.account_id, 100, "Credit").await,
        update(&sb, &tokens.refresh, &account.account_id, 100, "Credit").await,
        call(
            &sb,
            Method::POST,
            UPDATE,
            None,
            Some(json!({ "account_id": account.account_id, "amount": 100, "direction": "Credit" })),
        )
        .await,
    ];
    writes[0].assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    writes[1].assert_rpc_status(StatusCode::FORBIDDEN, "You do not have correct access rights");
    writes[2].assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(admin_posted(&sb, &account.id).await, 1000);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 1);
}
#[tokio::test]
async fn another_tenants_token_finds_the_default_tenants_account_not_found_and_learns_nothing() {
    let sb = start().await;
    let mine = open(&sb, "100.00", json!({})).await;
    let default_token = login(&sb).await.access;

    let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let tenant: Value = resp.json().await.unwrap();
    let other_admin = tenant["admin_token"].as_str().unwrap().to_string();
    let key = tenant["credentials"]["clowd9"]["key"].as_str().unwrap();
    let secret = tenant["credentials"]["clowd9"]["secret"].as_str().unwrap();
    assert_ne!(key, KEY);
    // The other tenant's secret does not open the default tenant's key, nor the reverse.
    let crossed = login_with(&sb, KEY, secret).await;
    crossed.assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");
    let crossed = login_with(&sb, key, SECRET).await;
    crossed.assert_rpc_status(StatusCode::INTERNAL_SERVER_ERROR, "Invalid authentication details");
    let other = login_as(&sb, key, secret).await.access;

    // Its own account works.
    let resp = sb
        .admin_as(
            &other_admin,
            Method::POST,
            "/__admin/accounts",
            Some(json!({ "vendor": "clowd9", "currency": "GBP", "opening_balance": "5.00" })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let theirs: Value = resp.json().await.unwrap();
    let theirs = theirs["vendor_ids"]["account_id"].as_str().unwrap().to_string();
    assert_eq!(vendor_balance(&sb, &other, &theirs).await, (500, 500));

    // The default tenant's account answers exactly like one that never existed.
    let never = "00000000-0000-4000-8000-000000000000";
    let mut probes = Vec::new();
    for (target, expected_echo) in
        [(&mine.account_id, mine.account_id.as_str()), (&never.to_string(), never)]
    {
        let seed = update(&sb, &other, target, 100, "Debit").await;
        seed.assert_seed_failure(expected_echo, "account not found");
        assert_eq!(
            seed.reason_line(),
            format!("account {target}: no such account for this client")
        );
        probes.push(seed.trace_header().to_string());
        for path in [
            format!("/v1/accounts/{target}/balances"),
            format!("/v1/accounts/{target}"),
            format!("/v1/accounts/{target}/ledger-entries?from_date=2020-01-01&to_date=2040-01-01"),
        ] {
            let read = call(&sb, Method::GET, &path, Some(&other), None).await;
            read.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
            probes.push(read.trace_header().to_string());
        }
        for op in ["increase", "decrease"] {
            let path = format!("/v1/accounts/{target}/{op}");
            let write =
                call(&sb, Method::POST, &path, Some(&other), Some(json!({ "amount": 1 }))).await;
            write.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
            probes.push(write.trace_header().to_string());
        }
        let correct = call(
            &sb,
            Method::POST,
            &format!("/v1/accounts/{target}/correct"),
            Some(&other),
            Some(json!({ "amount": -1, "reason": "probe" })),
        )
        .await;
        correct.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
        probes.push(correct.trace_header().to_string());
        for (source, destination) in [(target, &theirs), (&theirs, target)] {
            let transfer = call(
                &sb,
                Method::POST,
                "/v1/accounts/transfer",
                Some(&other),
                Some(json!({
                    "source_account_id": source,
                    "destination_account_id": destination,
                    "amount": 1,
                })),
            )
            .await;
            transfer.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");
            probes.push(transfer.trace_header().to_string());
        }
    }

    // Nothing moved on either side, and the probes are in the prober's journal only.
    assert_eq!(admin_posted(&sb, &mine.id).await, 10000);
    assert_eq!(admin_account(&sb, &mine.id).await["n_entries"], 1);
    assert_eq!(vendor_balance(&sb, &other, &theirs).await, (500, 500));
    assert_eq!(vendor_balance(&sb, &default_token, &mine.account_id).await, (10000, 10000));
    assert_eq!(probes.len(), 2 * 9);
    let traces = |journal: &[Value]| -> HashSet<String> {
        journal.iter().filter_map(|e| e["trace_id"].as_str().map(str::to_string)).collect()
    };
    let default_traces = traces(&sb.journal().await);
    let other_journal: Value = sb
        .admin_as(&other_admin, Method::GET, "/__admin/requests?limit=1000", None)
        .await
        .json()
        .await
        .unwrap();
    let other_traces = traces(other_journal["requests"].as_array().unwrap());
    for probe in &probes {
        assert!(other_traces.contains(probe), "{probe} is in the prober's journal");
        assert!(!default_traces.contains(probe), "{probe} is not in the default tenant's journal");
    }
    // And the other tenant's admin token cannot read the default tenant's account either.
    let peek = sb
        .admin_as(&other_admin, Method::GET, &format!("/__admin/accounts/{}", mine.id), None)
        .await;
    assert_eq!(peek.status(), StatusCode::NOT_FOUND);
}

/// A good token with anything but ASCII around it in the header is no bearer token: the fast
/// path that finds good tokens must refuse exactly what the header check refuses.
#[tokio::test]
async fn a_good_token_with_a_non_breaking_space_after_it_is_refused_and_moves_nothing() {
    let sb = start().await;
    let account = open(&sb, "10.00", json!({})).await;
    let token = login(&sb).await.access;
    let addr = sb.server.base_url.trim_start_matches("http://").to_string();
    let body = json!({ "account_id": account.account_id, "amount": 100, "direction": "Credit" })
        .to_string();
    let request = |after_token: &[u8]| {
        let mut request = format!(
            "POST {UPDATE} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\nAuthorization: Bearer {token}",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(after_token);
        request.extend_from_slice(b"\r\n\r\n");
        request.extend_from_slice(body.as_bytes());
        request
    };

    // U+00A0 in UTF-8: whitespace to `str::trim`, but no visible ASCII.
    let raw = raw_exchange(&sb, &request(b"\xc2\xa0")).await;
    let refused = Reply::parse_raw(&raw);
    refused.assert_rpc_status(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(refused.reason_line(), "auth: no Authorization: Bearer header");
    assert_eq!(admin_posted(&sb, &account.id).await, 1000);
    // The same request with ASCII space after the token is served.
    let served = Reply::parse_raw(&raw_exchange(&sb, &request(b" ")).await);
    assert_eq!(served.status, StatusCode::OK, "{}", served.text);
    assert_eq!(admin_posted(&sb, &account.id).await, 1100);
}
