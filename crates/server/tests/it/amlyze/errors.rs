//! AMLYZE error answers over HTTP: its business rejections in validation order, and Spring's
//! 400/404/405/408/413/415 bodies with the tenant's clock, each with its `X-Sandbank-Reason`;
//! a refused request stores nothing.

use super::*;

#[tokio::test]
async fn each_missing_or_invalid_field_is_rejected_in_order_with_its_documented_code() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let full = || balance("M-1", Some("DAILY_BALANCE"), "2024-01-01T00:00:00Z", "1");
    let without = |field: &str| {
        let mut body = full();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let with = |field: &str, value: Value| {
        let mut body = full();
        body[field] = value;
        body
    };
    let cases = [
        (
            without("communicationNumber"),
            "001",
            "CommunicationNumber is mandatory",
            "field communicationNumber: missing or blank",
        ),
        (
            with("communicationNumber", json!("  ")),
            "001",
            "CommunicationNumber is mandatory",
            "field communicationNumber: missing or blank",
        ),
        (
            without("requester"),
            "001",
            "Requester is mandatory",
            "field requester: missing or blank",
        ),
        (
            with("requester", json!("r".repeat(101))),
            "O001",
            "requester must not be longer than 100 characters",
            "field requester: longer than 100 characters",
        ),
        // The spec's own 400 example.
        (
            without("accountExtId"),
            "O001",
            "extId is mandatory",
            "field accountExtId: missing or blank",
        ),
        (
            with("businessUnit", json!("")),
            "O001",
            "Business unit is mandatory",
            "field businessUnit: blank",
        ),
        (
            without("balanceAt"),
            "O001",
            "BalanceAt is mandatory",
            "field balanceAt: missing or blank",
        ),
        (
            with("balanceAt", json!("")),
            "O001",
            "BalanceAt is mandatory",
            "field balanceAt: missing or blank",
        ),
        (without("value"), "O001", "Value is mandatory", "field value: missing or blank"),
        (with("value", Value::Null), "O001", "Value is mandatory", "field value: missing or blank"),
        (
            with("balanceType", json!("daily_balance")),
            "O001",
            "BalanceType does not exist in Amlyze",
            "field balanceType: \"daily_balance\" is not in the classifier (DAILY_BALANCE, \
          STATEMENT_BALANCE)",
        ),
        // Values beyond the documented bounds: the balance call's own `500` code, still a 400.
        (
            with("value", number_text("100000000000000000000")),
            "500",
            "failed processing account balance",
            "field value: beyond the balance store's range (|value| < 10^20, 28 digits)",
        ),
        (
            with("value", number_text("1.00000000000000000000000000001")),
            "500",
            "failed processing account balance",
            "field value: beyond the balance store's range (|value| < 10^20, 28 digits)",
        ),
        (
            with("equivalentValue", number_text("-1e25")),
            "500",
            "failed processing account balance",
            "field equivalentValue: beyond the balance store's range (|value| < 10^20, 28 digits)",
        ),
        // Everything missing: the first check in the documented order answers.
        (
            json!({}),
            "001",
            "CommunicationNumber is mandatory",
            "field communicationNumber: missing or blank",
        ),
        (
            json!({ "communicationNumber": "M-2" }),
            "001",
            "Requester is mandatory",
            "field requester: missing or blank",
        ),
        (
            json!({ "communicationNumber": "M-2", "requester": "core" }),
            "O001",
            "extId is mandatory",
            "field accountExtId: missing or blank",
        ),
    ];
    for (body, code, description, reason) in cases {
        let reply = put_balance(&sb, &body).await;
        reply.assert_amlyze_rejected(code, description, reason);
        let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
        assert_eq!(entry["status"], 400);
        assert_eq!(entry["operation"], "registerAccountBalance");
        assert_eq!(entry["reason"].as_str(), reply.reason.as_deref(), "journaled with its reason");
    }
    assert_eq!(history(&sb, &id)["balances"], json!([]), "nothing stored");
    assert_eq!(ledger_state(&sb).await, before);
    // No rejected request used its number up.
    put_balance(&sb, &full()).await.assert_amlyze_accepted();
}

#[tokio::test]
async fn a_balance_for_an_unknown_account_is_rejected_with_the_documented_404_code() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let description = "Account with given extId does not exist in amlyze";
    let mut unknown = balance("U-1", None, "2024-01-01T00:00:00Z", "1");
    unknown["accountExtId"] = json!("NO-SUCH-ACCOUNT");
    put_balance(&sb, &unknown).await.assert_amlyze_rejected(
        "404",
        description,
        "field accountExtId: no account \"NO-SUCH-ACCOUNT\" in business unit \"sandbox\"",
    );
    // The right id in another business unit is another (unknown) account.
    let mut elsewhere = balance("U-2", None, "2024-01-01T00:00:00Z", "1");
    elsewhere["businessUnit"] = json!("lt-branch");
    put_balance(&sb, &elsewhere).await.assert_amlyze_rejected(
        "404",
        description,
        "field accountExtId: no account \"ORG20231117550\" in business unit \"lt-branch\"",
    );
    // Ids are case-sensitive.
    let mut lower = balance("U-3", None, "2024-01-01T00:00:00Z", "1");
    lower["accountExtId"] = json!(SEED_ACCOUNT.to_ascii_lowercase());
    put_balance(&sb, &lower).await.assert_amlyze_rejected(
        "404",
        description,
        "field accountExtId: no account \"org20231117550\" in business unit \"sandbox\"",
    );
    // A used number is checked before the account.
    put_balance(&sb, &balance("U-4", None, "2024-01-01T00:00:00Z", "1"))
        .await
        .assert_amlyze_accepted();
    let mut both = unknown.clone();
    both["communicationNumber"] = json!("U-4");
    assert_eq!(put_balance(&sb, &both).await.body["errorCode"], "O005");

    assert_eq!(n_snapshots(&history(&sb, &id)), 1);
    assert_eq!(ledger_state(&sb).await, before, "an unknown account is not opened");
}

#[tokio::test]
async fn unreadable_json_gets_springs_400_body_with_the_tenant_clock_and_stores_nothing() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let valid = |value: &str| {
        format!(
            r#"{{"communicationNumber": "U-1", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00Z", "value": {value}}}"#
        )
    };
    let with_at = |at: &str| {
        format!(
            r#"{{"communicationNumber": "U-1", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": {at}, "value": 1}}"#
        )
    };
    let bodies = [
        (r#"{"communicationNumber": "U-1", "requester": "core","#.to_string(), "EOF while parsing"),
        (String::new(), "body: required request body is missing"),
        ("  \r\n ".to_string(), "body: required request body is missing"),
        (r#"[{"communicationNumber": "U-1"}]"#.to_string(), "not a JSON object"),
        ("null".to_string(), "not a JSON object"),
        (valid(r#""abc""#), "invalid value: string \"abc\", expected a decimal number"),
        (valid("true"), "invalid type: boolean `true`, expected a decimal number"),
        (valid(r#"{"amount": 1}"#), "expected a decimal number"),
        (
            r#"{"communicationNumber": "U-1", "requester": {"name": "core"}}"#.to_string(),
            "invalid type: map, expected a string",
        ),
        (with_at(r#""yesterday""#), "expected an ISO 8601 date-time"),
        (with_at("1693901254"), "invalid type: number, expected an ISO 8601 date-time"),
        (with_at(r#""2023-02-29T00:00:00Z""#), "expected an ISO 8601 date-time"),
        (format!("{} trailing", valid("1")), "trailing characters"),
    ];
    for (body, reason) in bodies {
        let reply = put_text(&sb, &body).await;
        reply.assert_spring(StatusCode::BAD_REQUEST, BALANCE);
        let given = reply.reason.as_deref().unwrap();
        assert!(given.starts_with("body: "), "{body}: {given}");
        assert!(given.contains(reason), "{body}: {given} should say {reason}");
    }
    // The batch calls answer with their own path.
    for (path, body) in [
        (BATCH, r#"{"accountBalances": ["#.to_string()),
        (BATCH, r#"{"accountBalances": {"communicationNumber": "X"}}"#.to_string()),
        (VALIDATE, format!(r#"{{"accountBalances": [{}, {}]}}"#, valid("1"), valid(r#""ten""#))),
    ] {
        let reply = call_as(&sb, TOKEN, Method::POST, path, &body).await;
        reply.assert_spring(StatusCode::BAD_REQUEST, path);
        assert!(reply.reason.as_deref().unwrap().contains("BatchAccountBalancesRequestApi"));
    }
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    assert_eq!(ledger_state(&sb).await, before);
    // Jackson's coercions are accepted: a numeric communicationNumber and a numeric-string value.
    let coerced = format!(
        r#"{{"communicationNumber": 4242, "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00", "value": "100000.5665", "unknown": {{"ignored": true}}}}"#
    );
    put_text(&sb, &coerced).await.assert_amlyze_accepted();
    assert_eq!(series(&history(&sb, &id), None), ["2024-01-01T00:00:00=100000.5665"]);
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_springs_415_before_it_is_read() {
    let (sb, id) = seeded().await;
    let body = balance("CT-1", None, "2024-01-01T00:00:00Z", "1").to_string();
    let auth = format!("Bearer {TOKEN}");
    for (content_type, shown) in [
        (None, "none"),
        (Some("text/plain"), "text/plain"),
        (Some("application/xml"), "application/xml"),
        (Some("application/x-www-form-urlencoded"), "application/x-www-form-urlencoded"),
        (Some("text/json"), "text/json"),
        (Some("application/jsonx"), "application/jsonx"),
    ] {
        for (method, path) in
            [(Method::PUT, BALANCE), (Method::POST, BATCH), (Method::POST, ACCOUNT)]
        {
            let reply = send(&sb, method, path, Some(&auth), content_type, body.clone()).await;
            reply.assert_spring(StatusCode::UNSUPPORTED_MEDIA_TYPE, path);
            let reason = format!("content type: expected application/json, got {shown}");
            assert_eq!(reply.reason.as_deref(), Some(reason.as_str()));
        }
    }
    // An unreadable body in another media type is still a 415, not a 400: the type comes first.
    let reply = send(&sb, Method::PUT, BALANCE, Some(&auth), Some("text/plain"), "not json").await;
    reply.assert_spring(StatusCode::UNSUPPORTED_MEDIA_TYPE, BALANCE);
    assert_eq!(history(&sb, &id)["balances"], json!([]));

    // JSON with parameters, in any case, and `application/*+json` are JSON.
    for (number, at, content_type) in [
        ("CT-2", "2024-01-02T00:00:00Z", "application/json;charset=UTF-8"),
        ("CT-3", "2024-01-03T00:00:00Z", "Application/JSON"),
        ("CT-4", "2024-01-04T00:00:00Z", "application/vnd.amlyze+json; charset=utf-8"),
    ] {
        let body = balance(number, None, at, "1");
        let reply =
            send(&sb, Method::PUT, BALANCE, Some(&auth), Some(content_type), body.to_string())
                .await;
        reply.assert_amlyze_accepted();
    }
    assert_eq!(n_snapshots(&history(&sb, &id)), 3);
}

#[tokio::test]
async fn an_unknown_path_under_the_prefix_gets_springs_404_body() {
    let (sb, id) = seeded().await;
    let auth = format!("Bearer {TOKEN}");
    for (method, path, shown) in [
        // AMLYZE has no balance read.
        (Method::GET, "/amlyze-ws-rest/account-balances", "/amlyze-ws-rest/account-balances"),
        (Method::PUT, "/amlyze-ws-rest/acount-balance", "/amlyze-ws-rest/acount-balance"),
        (Method::PUT, "/amlyze-ws-rest/account-balance/", "/amlyze-ws-rest/account-balance/"),
        (Method::POST, "/amlyze-ws-rest/account-balance/1", "/amlyze-ws-rest/account-balance/1"),
        (
            Method::DELETE,
            "/amlyze-ws-rest/account/ORG20231117550",
            "/amlyze-ws-rest/account/ORG20231117550",
        ),
        (Method::PATCH, "/amlyze-ws-rest/customer/x/y", "/amlyze-ws-rest/customer/x/y"),
        (Method::GET, "/amlyze-ws-rest/nothing?page=1", "/amlyze-ws-rest/nothing"),
    ] {
        let body = balance("NF-1", None, "2024-01-01T00:00:00Z", "1").to_string();
        let reply = send(&sb, method.clone(), path, Some(&auth), Some(JSON), body).await;
        reply.assert_spring(StatusCode::NOT_FOUND, shown);
        let reason = format!("route: no AMLYZE endpoint {shown}");
        assert_eq!(reply.reason.as_deref(), Some(reason.as_str()), "{method} {path}");
        assert_eq!(reply.allow, None, "{method} {path}");
        let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
        assert_eq!(entry["vendor"], "amlyze");
        assert_eq!(entry["operation"], "notFound");
        assert_eq!(entry["status"], 404);
    }
    assert_eq!(history(&sb, &id)["balances"], json!([]));

    // HEAD and OPTIONS, which the catch-all does not take, reach the 404 through the server's
    // method refusal.
    for method in [Method::HEAD, Method::OPTIONS] {
        let reply =
            send(&sb, method.clone(), "/amlyze-ws-rest/nothing", Some(&auth), None, "").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(
            reply.reason.as_deref(),
            Some("route: no AMLYZE endpoint /amlyze-ws-rest/nothing")
        );
        // Only a 405 names the allowed methods; Spring's 404 has no `Allow`.
        assert_eq!(reply.allow, None, "{method}");
    }

    // The prefix itself is not under it: no AMLYZE route matches, so sandbank's own 404 answers.
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/", Some(&auth), None, "").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["error"], "not_found", "{reply:#?}");
    assert_eq!(reply.reason.as_deref(), Some("route: no vendor serves GET /amlyze-ws-rest/"));
}

#[tokio::test]
async fn a_known_path_with_another_method_gets_springs_405_with_allow() {
    let (sb, id) = seeded().await;
    // One handled request first, so the refusal's clock is the tenant's (see the epoch test).
    put_balance(&sb, &balance("MNA-0", None, "2024-01-01T00:00:00Z", "1"))
        .await
        .assert_amlyze_accepted();
    let auth = format!("Bearer {TOKEN}");
    let body = balance("MNA-1", None, "2024-01-02T00:00:00Z", "1").to_string();
    for (path, allow, methods) in [
        (BALANCE, "PUT", [Method::GET, Method::POST, Method::DELETE, Method::PATCH]),
        (BATCH, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
        (VALIDATE, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
        (ACCOUNT, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
        (CUSTOMER, "POST", [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]),
    ] {
        for method in methods {
            let reply =
                send(&sb, method.clone(), path, Some(&auth), Some(JSON), body.clone()).await;
            reply.assert_spring(StatusCode::METHOD_NOT_ALLOWED, path);
            assert_eq!(reply.allow.as_deref(), Some(allow), "{method} {path}");
            let reason = format!("route: {path} takes {allow}, not {method}");
            assert_eq!(reply.reason.as_deref(), Some(reason.as_str()));
            let entry =
                journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
            assert_eq!(entry["vendor"], "amlyze");
            assert_eq!(entry["status"], 405);
        }
    }
    // HEAD and OPTIONS, which no AMLYZE route takes, get the same 405.
    for method in [Method::HEAD, Method::OPTIONS] {
        let reply = send(&sb, method.clone(), BALANCE, Some(&auth), None, "").await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.allow.as_deref(), Some("PUT"), "{method}");
    }
    // Without a token, Spring Security answers first: a 401, not a 405.
    let reply = send(&sb, Method::GET, BALANCE, None, None, "").await;
    reply.assert_amlyze_unauthorized("auth: no Authorization header");
    // An anonymous client learns nothing about the methods: no `Allow` on a 401.
    assert_eq!(reply.allow, None);
    assert_eq!(series(&history(&sb, &id), None), ["2024-01-01T00:00:00Z=1"]);
}

#[tokio::test]
async fn a_refusal_shows_the_time_last_seen_on_the_tenants_clock() {
    let sb = Sandbox::start().await;
    let auth = format!("Bearer {TOKEN}");
    // A refusal has no clock. Before AMLYZE saw any tenant's clock (no call handled, no account
    // opened since start) there is no time to show: the documented fallback is the epoch.
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    reply.assert_spring_at(
        StatusCode::METHOD_NOT_ALLOWED,
        BALANCE,
        "1970-01-01T00:00:00.000+00:00",
    );

    // An admin account opening shows the tenant's clock, and so does a handled request.
    freeze(&sb).await;
    open_seed_account(&sb).await;
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    reply.assert_spring(StatusCode::METHOD_NOT_ALLOWED, BALANCE);
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/x", Some(&auth), None, "").await;
    reply.assert_spring(StatusCode::NOT_FOUND, "/amlyze-ws-rest/x");
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    reply.assert_spring(StatusCode::METHOD_NOT_ALLOWED, BALANCE);

    // A tenant AMLYZE never saw gets the time last seen on any tenant's clock: the default
    // tenant's frozen virtual clock shows through to the new tenant.
    let (_, _, other_token) = new_tenant(&sb).await;
    let other_auth = format!("Bearer {other_token}");
    let reply = send(&sb, Method::GET, BALANCE, Some(&other_auth), None, "").await;
    reply.assert_spring(StatusCode::METHOD_NOT_ALLOWED, BALANCE);

    // The clock moved on, then set back: a refusal shows the time last seen, not the latest.
    let later = json!({ "set": "2030-01-01T00:00:00Z", "freeze": true });
    assert_eq!(
        sb.admin(Method::POST, "/__admin/clock", Some(later)).await.status(),
        StatusCode::OK
    );
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/x", Some(&auth), None, "").await;
    let later_at = "2030-01-01T00:00:00.000+00:00";
    reply.assert_spring_at(StatusCode::NOT_FOUND, "/amlyze-ws-rest/x", later_at);
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    reply.assert_spring_at(StatusCode::METHOD_NOT_ALLOWED, BALANCE, later_at);
    freeze(&sb).await;
    let reply = send(&sb, Method::GET, "/amlyze-ws-rest/x", Some(&auth), None, "").await;
    reply.assert_spring(StatusCode::NOT_FOUND, "/amlyze-ws-rest/x");
    let reply = send(&sb, Method::GET, BALANCE, Some(&auth), None, "").await;
    reply.assert_spring(StatusCode::METHOD_NOT_ALLOWED, BALANCE);
    let reply = send(&sb, Method::GET, BALANCE, Some(&other_auth), None, "").await;
    reply.assert_spring(StatusCode::METHOD_NOT_ALLOWED, BALANCE);
}

#[tokio::test]
async fn a_body_over_64_kib_gets_springs_413_and_stores_nothing() {
    let (sb, id) = seeded().await;
    // One handled request first, so the refusal's clock is the tenant's (see the epoch test).
    put_balance(&sb, &balance("BIG-0", None, "2024-01-01T00:00:00Z", "1"))
        .await
        .assert_amlyze_accepted();
    let before = ledger_state(&sb).await;
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 65_536);
    // A valid balance padded with whitespace to `len` bytes.
    let padded = |number: &str, len: usize| {
        let body = balance(number, None, "2024-01-02T00:00:00Z", "2").to_string();
        let mut text = body[..body.len() - 1].to_string();
        text.push_str(&" ".repeat(len - body.len()));
        text.push('}');
        assert_eq!(text.len(), len);
        text
    };
    let auth = format!("Bearer {TOKEN}");

    let reply =
        send(&sb, Method::PUT, BALANCE, Some(&auth), Some(JSON), padded("BIG-1", limit + 1)).await;
    reply.assert_spring(StatusCode::PAYLOAD_TOO_LARGE, BALANCE);
    assert_eq!(reply.reason.as_deref(), Some("body: larger than 65536 bytes"));
    let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
    assert_eq!(entry["status"], 413);
    assert_eq!(entry["vendor"], "amlyze");
    assert_eq!(entry["operation"], "registerAccountBalance");

    // Without a Content-Length (chunked), the limit still holds while reading.
    let body = padded("BIG-2", limit + 1);
    let request = format!(
        "POST {BATCH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\
         Content-Type: {JSON}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    reply.assert_spring(StatusCode::PAYLOAD_TOO_LARGE, BATCH);

    // The size is checked before the token: an anonymous oversized body is a 413 too (unlike
    // a wrong method, where Spring Security's 401 comes first).
    let reply = send(&sb, Method::PUT, BALANCE, None, Some(JSON), padded("BIG-3", limit + 1)).await;
    reply.assert_spring(StatusCode::PAYLOAD_TOO_LARGE, BALANCE);

    assert_eq!(n_snapshots(&history(&sb, &id)), 1, "nothing stored");
    assert_eq!(ledger_state(&sb).await, before);

    // Exactly 64 KiB is read and served; the refused numbers were not used up.
    send(&sb, Method::PUT, BALANCE, Some(&auth), Some(JSON), padded("BIG-1", limit))
        .await
        .assert_amlyze_accepted();
    assert_eq!(
        series(&history(&sb, &id), None),
        ["2024-01-01T00:00:00Z=1", "2024-01-02T00:00:00Z=2"]
    );
}

#[tokio::test]
async fn a_body_not_sent_in_time_gets_springs_408() {
    let config = server::Config {
        body_read_timeout: Duration::from_millis(200),
        ..server::Config::default()
    };
    let server = server::testing::spawn_with(config).await.unwrap();
    let sb = Sandbox::with_server(server);
    freeze(&sb).await;
    let id = open_seed_account(&sb).await;
    put_balance(&sb, &balance("SLOW-0", None, "2024-01-01T00:00:00Z", "1"))
        .await
        .assert_amlyze_accepted();
    let body = balance("SLOW-1", None, "2024-01-02T00:00:00Z", "2").to_string();
    // Announce one byte more than is sent, and keep the connection open.
    let request = format!(
        "PUT {BALANCE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: {JSON}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len() + 1
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    reply.assert_spring(StatusCode::REQUEST_TIMEOUT, BALANCE);
    assert_eq!(reply.reason.as_deref(), Some("body: not received in time"));
    assert_eq!(n_snapshots(&history(&sb, &id)), 1, "nothing stored");
}
