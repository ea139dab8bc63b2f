//! Clowd9's refusals of bad input over HTTP: malformed or invalid bodies, oversized bodies,
//! wrong methods — each in the documented shape, each changing nothing.

use super::*;

#[tokio::test]
async fn malformed_or_invalid_seed_requests_get_the_documented_400_and_change_nothing() {
    let sb = start().await;
    let account = open(&sb, "100.00", json!({})).await;
    let id = account.account_id.as_str();
    let token = login(&sb).await.access;
    let json_ct = Some("application/json");

    let valid = format!(r#"{{"account_id": "{id}", "amount": 100, "direction": "Credit"}}"#);
    let unknown_id = "00000000-0000-4000-8000-000000000000";
    // (what, content type, body, echoed account_id, reason)
    let mut cases: Vec<(&str, Option<&str>, String, &str, &str)> = vec![
        (
            "malformed JSON",
            json_ct,
            valid.trim_end_matches('}').to_string(),
            "",
            "invalid request body",
        ),
        (
            "a JSON array",
            json_ct,
            format!(r#"["{id}", 100, "Credit"]"#),
            "",
            "invalid request body",
        ),
        ("an empty body", json_ct, String::new(), "", "invalid request body"),
        (
            "a form body",
            Some("application/x-www-form-urlencoded"),
            format!("account_id={id}&amount=100&direction=Credit"),
            "",
            "invalid content type",
        ),
        ("JSON declared as text", Some("text/plain"), valid.clone(), "", "invalid content type"),
        (
            "no account_id",
            json_ct,
            r#"{"amount": 100, "direction": "Credit"}"#.to_string(),
            "",
            "account_id is required",
        ),
    ];
    // The rest name the account; its `account_id` is echoed as sent.
    for (what, account_id, rest, reason) in [
        ("a string amount", id, r#""amount": "100", "direction": "Credit""#, "invalid amount"),
        ("a fractional amount", id, r#""amount": 10.50, "direction": "Credit""#, "invalid amount"),
        ("a whole fraction", id, r#""amount": 100.0, "direction": "Credit""#, "invalid amount"),
        ("an exponent amount", id, r#""amount": 1e3, "direction": "Credit""#, "invalid amount"),
        ("a negative amount", id, r#""amount": -100, "direction": "Debit""#, "invalid amount"),
        ("a zero amount", id, r#""amount": 0, "direction": "Debit""#, "invalid amount"),
        ("a null amount", id, r#""amount": null, "direction": "Credit""#, "amount is required"),
        (
            "an amount beyond int64",
            id,
            r#""amount": 99999999999999999999, "direction": "Credit""#,
            "invalid amount",
        ),
        (
            "an amount beyond the ledger's per-transfer maximum",
            id,
            r#""amount": 9223372036854775807, "direction": "Credit""#,
            "invalid amount",
        ),
        ("an unknown direction", id, r#""amount": 100, "direction": "Up""#, "invalid direction"),
        ("no direction", id, r#""amount": 100"#, "direction is required"),
        (
            "a numeric reference_id",
            id,
            r#""amount": 100, "direction": "Credit", "reference_id": 20250705"#,
            "invalid reference_id",
        ),
        (
            "a malformed account_id",
            "12345",
            r#""amount": 100, "direction": "Credit""#,
            "invalid account_id",
        ),
        (
            "an unknown account",
            unknown_id,
            r#""amount": 100, "direction": "Credit""#,
            "account not found",
        ),
    ] {
        let body = format!(r#"{{"account_id": "{account_id}", {rest}}}"#);
        cases.push((what, json_ct, body, account_id, reason));
    }
    for (what, content_type, body, echoed, reason) in cases {
        let reply = post_raw(&sb, UPDATE, &token, content_type, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.body);
        assert_eq!(
            reply.body,
            json!({ "account_id": echoed, "reason": reason, "trace_id": reply.trace_header() }),
            "{what}"
        );
        assert!(!reply.reason_line().is_empty(), "{what}");
    }
    // The same body, well-formed, is accepted: the refusals above were about what they changed.
    let accepted = post_raw(&sb, UPDATE, &token, json_ct, valid).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(admin_posted(&sb, &account.id).await, 10100);

    // The S1 calls answer the same problems in rpcStatus.
    let increase = format!("/v1/accounts/{id}/increase");
    for (body, message) in [
        (json!({ "amount": "100" }), "invalid amount"),
        (json!({ "amount": -1 }), "invalid amount"),
        (json!({ "amount": 0 }), "invalid amount"),
        (json!({}), "amount is required"),
    ] {
        let reply = call(&sb, Method::POST, &increase, Some(&token), Some(body.clone())).await;
        reply.assert_rpc_status(StatusCode::BAD_REQUEST, message);
    }
    let reply = post_raw(&sb, &increase, &token, json_ct, "{not json").await;
    reply.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid request body");
    let reply = post_raw(&sb, &increase, &token, Some("text/plain"), r#"{"amount": 1}"#).await;
    reply.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid content type");
    let unknown = call(
        &sb,
        Method::GET,
        "/v1/accounts/00000000-0000-4000-8000-000000000000/balances",
        Some(&token),
        None,
    )
    .await;
    unknown.assert_rpc_status(StatusCode::BAD_REQUEST, "account not found");

    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(admin["balances"]["posted"], "101.00");
    assert_eq!(admin["n_entries"], 2, "no refused request left an entry");
    assert_eq!(vendor_balance(&sb, &token, id).await, (10100, 10100));
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_before_the_handler_and_one_at_the_limit_is_served() {
    let sb = start().await;
    let account = open(&sb, "1.00", json!({})).await;
    let token = login(&sb).await.access;
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 64 * 1024);

    // Unknown fields are ignored, so padding in one makes a valid body of any size.
    let body_of = |size: usize| {
        let head = format!(
            r#"{{"account_id":"{}","amount":100,"direction":"Credit","padding":""#,
            account.account_id
        );
        let tail = "\"}";
        let body = format!("{head}{}{tail}", "x".repeat(size - head.len() - tail.len()));
        assert_eq!(body.len(), size);
        body
    };

    let over = post_raw(&sb, UPDATE, &token, Some("application/json"), body_of(limit + 1)).await;
    over.assert_rpc_status(StatusCode::BAD_REQUEST, "request body too large");
    assert_eq!(over.reason_line(), format!("body: over the {limit}-byte limit"));
    assert_eq!(admin_posted(&sb, &account.id).await, 100);
    let huge = post_raw(&sb, UPDATE, &token, Some("application/json"), body_of(4 * limit)).await;
    huge.assert_rpc_status(StatusCode::BAD_REQUEST, "request body too large");
    assert_eq!(admin_posted(&sb, &account.id).await, 100);

    // Streamed without a declared length, the excess is found while reading.
    let (status, streamed) = post_chunked(&sb, UPDATE, &token, body_of(limit + 1).as_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(
        streamed,
        json!({ "code": 400, "message": "request body too large", "details": [] })
    );
    assert_eq!(admin_posted(&sb, &account.id).await, 100);
    let (status, small) = post_chunked(&sb, UPDATE, &token, body_of(200).as_bytes()).await;
    assert_eq!(status, 200, "{small}");
    assert_eq!(small["new_account_balance"], "200");

    let at_limit = post_raw(&sb, UPDATE, &token, Some("application/json"), body_of(limit)).await;
    assert_eq!(at_limit.status, StatusCode::OK, "{}", at_limit.body);
    assert_eq!(at_limit.body["new_account_balance"], "300");
    assert_eq!(admin_posted(&sb, &account.id).await, 300);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 3);
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_405_and_changes_nothing() {
    let sb = start().await;
    let account = open(&sb, "1.00", json!({})).await;
    let token = login(&sb).await.access;
    let id = &account.account_id;
    let body = json!({ "account_id": id, "amount": 100, "direction": "Credit" });

    for (method, path) in [
        (Method::PUT, UPDATE.to_string()),
        (Method::DELETE, UPDATE.to_string()),
        (Method::GET, "/v1/auth".to_string()),
        (Method::GET, "/v1/accounts/transfer".to_string()),
        (Method::PUT, format!("/v1/accounts/{id}/increase")),
        (Method::GET, format!("/v1/accounts/{id}/decrease")),
        (Method::POST, format!("/v1/accounts/{id}/balances")),
        (Method::DELETE, format!("/v1/accounts/{id}")),
    ] {
        let reply = call(&sb, method.clone(), &path, Some(&token), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        reply.assert_rpc_status(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    // A path no vendor serves is the server's own 404, not Clowd9's.
    let unknown = call(&sb, Method::POST, "/v1/accounts", Some(&token), Some(body)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["error"], "not_found");

    assert_eq!(admin_posted(&sb, &account.id).await, 100);
    assert_eq!(admin_account(&sb, &account.id).await["n_entries"], 1);
    let journal = sb.journal().await;
    let refused: Vec<&Value> = journal.iter().filter(|entry| entry["status"] == 405).collect();
    assert_eq!(refused.len(), 8);
    assert!(refused.iter().all(|entry| entry["vendor"] == "clowd9"));
}

/// Text limits count characters, not bytes: a `reference` of 100 two-byte characters is
/// within its 100, one more is `invalid reference` and moves nothing.
#[tokio::test]
async fn a_reference_of_100_accented_characters_is_accepted_and_101_are_refused() {
    let sb = start().await;
    let account = open(&sb, "0", json!({})).await;
    let token = login(&sb).await.access;
    let path = format!("/v1/accounts/{}/increase", account.account_id);
    let body = |n: usize| json!({ "amount": 100, "reference": "é".repeat(n) });

    let long = call(&sb, Method::POST, &path, Some(&token), Some(body(101))).await;
    long.assert_rpc_status(StatusCode::BAD_REQUEST, "invalid reference");
    assert_eq!(admin_posted(&sb, &account.id).await, 0);
    let most = call(&sb, Method::POST, &path, Some(&token), Some(body(100))).await;
    assert_eq!(most.status, StatusCode::OK, "{}", most.body);
    assert_eq!(admin_posted(&sb, &account.id).await, 100);
}
