//! PCaaSA refusals over HTTP: bad amounts and parameters, unknown accounts and calls, bodies the
//! mock cannot read (content type, malformed, too large, too slow), other methods, the journal's
//! record of a failure, and an admin opening outside the limits. Each in the vendor's envelope,
//! moving nothing.

use super::*;

#[tokio::test]
async fn bad_amount_formats_are_refused_with_their_codes_and_move_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let cases = [
        // Too many decimal places, as written.
        ("1.005", "AMOUNT_INVALID", "field amount: must have at most 2 decimal places"),
        (
            "-1.005&tranCode=DOBKLVAD",
            "AMOUNT_INVALID",
            "field amount: must have at most 2 decimal places",
        ),
        ("1.000", "AMOUNT_INVALID", "field amount: must have at most 2 decimal places"),
        // Shorter than the page's 4 characters.
        ("1.5", "INVALID_FORMAT", "field amount: must be 4 to 25 characters long, such as 1.00"),
        ("-1", "INVALID_FORMAT", "field amount: must be 4 to 25 characters long, such as 1.00"),
        // Longer than 25 characters.
        (
            "12345678901234567890.12345",
            "INVALID_FORMAT",
            "field amount: must be 4 to 25 characters long, such as 1.00",
        ),
        // Huge.
        (
            "10000000000000000.00",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        (
            "1000000000000000.01",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        (
            "-999999999999999999999.99",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        (
            "99999999999999999999999999999999999",
            "AMOUNT_INVALID",
            "field amount: must not exceed 1000000000000000.00 in either direction",
        ),
        // Zero.
        ("0.00", "AMOUNT_INVALID", "field amount: must not be zero"),
        ("-0.00", "AMOUNT_INVALID", "field amount: must not be zero"),
        // Not money.
        ("ten%20dollars", "INVALID_FORMAT", "field amount: must be a money amount such as -10.00"),
        ("%2B1.00", "INVALID_FORMAT", "field amount: must be a money amount such as -10.00"),
        ("1e3", "INVALID_FORMAT", "field amount: must be a money amount such as -10.00"),
        // Missing.
        ("", "REQUIRED_FIELD_MISSING", "field amount: required"),
    ];
    for (amount, code, reason) in cases {
        let body = format!("sessionUuid={session}&accountUuid={}&amount={amount}", account.uuid);
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, code, Some("amount"));
        assert_eq!(reply.reason.as_deref(), Some(reason), "amount={amount}");
    }
    for (amount, code) in [
        (json!(true), "INVALID_FORMAT"),
        (json!(null), "REQUIRED_FIELD_MISSING"),
        (serde_json::from_str::<Value>("1e3").unwrap(), "INVALID_FORMAT"),
        (serde_json::from_str::<Value>("1.005").unwrap(), "AMOUNT_INVALID"),
    ] {
        let body = json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": amount });
        let reply = json_call(&sb, ADJUST, body).await;
        assert_refused(&reply, 200, code, Some("amount"));
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;
}

#[tokio::test]
async fn each_invalid_parameter_is_refused_with_its_code_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let other = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let base = format!("sessionUuid={session}&accountUuid={}&amount=-5.00", account.uuid);
    let cases: Vec<(String, &str, Option<&str>)> = vec![
        (format!("{base}&tranCode=CIVSCCXX"), "TRANCODE_INVALID", Some("tranCode")),
        (format!("{base}&tranCode=dobklvad"), "TRANCODE_INVALID", Some("tranCode")),
        (format!("app=customer-accountuser&{base}"), "ROUTING_MISMATCH", Some("app")),
        (format!("object=account&{base}"), "ROUTING_MISMATCH", Some("object")),
        (format!("action=get&{base}"), "ROUTING_MISMATCH", Some("action")),
        (format!("version=2&{base}"), "ROUTING_MISMATCH", Some("version")),
        (
            format!("{base}&description=Twenty-one%20characters"),
            "INVALID_FORMAT",
            Some("description"),
        ),
        (format!("{base}&externalTranUuid=order-1"), "INVALID_FORMAT", Some("externalTranUuid")),
        (format!("{base}&debug=yes"), "INVALID_FORMAT", Some("debug")),
        (
            format!("sessionUuid={session}&accountUuid=12345&amount=-5.00"),
            "INVALID_FORMAT",
            Some("accountUuid"),
        ),
        (
            format!("sessionUuid={session}&paymentInstrumentReferenceNumber=PI123&amount=-5.00"),
            "INVALID_FORMAT",
            Some("paymentInstrumentReferenceNumber"),
        ),
        (
            format!("sessionUuid={session}&amount=-5.00"),
            "REQUIRED_FIELD_MISSING",
            Some("accountUuid"),
        ),
        (
            format!("{base}&paymentInstrumentReferenceNumber={}", other.reference),
            "ACCOUNT_IDENTIFIER_MISMATCH",
            Some("paymentInstrumentReferenceNumber"),
        ),
        (
            format!(
                "sessionUuid={session}&paymentInstrumentReferenceNumber={}&cardReferenceNumber={}&amount=-5.00",
                account.reference, other.reference
            ),
            "ACCOUNT_IDENTIFIER_MISMATCH",
            Some("cardReferenceNumber"),
        ),
    ];
    for (body, code, field) in cases {
        let reply = form(&sb, ADJUST, &body).await;
        assert_refused(&reply, 200, code, field);
        assert!(reply.reason.as_deref().unwrap().contains(field.unwrap()), "{reply:#?}");
    }
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-5.00",
                "description": "line\nbreak" }),
    )
    .await;
    assert_refused(&reply, 200, "INVALID_FORMAT", Some("description"));
    let reply = json_call(
        &sb,
        ADJUST,
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-5.00",
                "tranCode": 7 }),
    )
    .await;
    assert_refused(&reply, 200, "INVALID_FORMAT", Some("tranCode"));
    let reply = form(
        &sb,
        BALANCE_GET,
        &format!("action=adjust&sessionUuid={session}&accountUuid={}", account.uuid),
    )
    .await;
    assert_refused(&reply, 200, "ROUTING_MISMATCH", Some("action"));
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn an_unknown_account_is_not_found_by_uuid_or_by_either_reference_name() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    for call in [ADJUST, BALANCE_GET] {
        for (target, field) in [
            (format!("accountUuid={NEVER_ISSUED}"), "accountUuid"),
            (
                format!("paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}"),
                "paymentInstrumentReferenceNumber",
            ),
            (format!("cardReferenceNumber={NO_SUCH_REFERENCE}"), "cardReferenceNumber"),
            // A known uuid with an unknown reference.
            (
                format!(
                    "accountUuid={}&paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}",
                    account.uuid
                ),
                "paymentInstrumentReferenceNumber",
            ),
        ] {
            let body = format!("sessionUuid={session}&{target}&amount=-1.00");
            let reply = form(&sb, call, &body).await;
            assert_refused(&reply, 200, "ACCOUNT_NOT_FOUND", Some(field));
            assert_eq!(reply.body["errors"][0]["message"], "Account not found");
            let reason = format!("field {field}: no such account for this client");
            assert_eq!(reply.reason.as_deref(), Some(reason.as_str()));
        }
    }
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn an_unknown_or_missing_call_is_a_400_in_the_vendor_envelope() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    for (path, echoed, reason) in [
        (
            "/?call=account-balance-adjust-v2",
            json!("account-balance-adjust-v2"),
            "call: unknown call \"account-balance-adjust-v2\"",
        ),
        (
            "/?call=Account-Balance-Adjust-V1",
            json!("Account-Balance-Adjust-V1"),
            "call: unknown call \"Account-Balance-Adjust-V1\"",
        ),
        ("/?call=", json!(""), "call: unknown call \"\""),
        ("/", Value::Null, "call: no call query parameter"),
        ("/?apiKey=x", Value::Null, "call: no call query parameter"),
    ] {
        let reply = send(&sb, Method::POST, path, Some(FORM), body.clone()).await;
        assert_refused(&reply, 400, "CALL_UNKNOWN", Some("call"));
        assert_eq!(reply.body["call"], echoed, "{path}");
        assert_eq!(reply.reason.as_deref(), Some(reason), "{path}");
    }
    // A very long call name is echoed cut to 64 characters.
    let long = "x".repeat(500);
    let reply = send(&sb, Method::POST, &format!("/?call={long}"), Some(FORM), body.clone()).await;
    assert_refused(&reply, 400, "CALL_UNKNOWN", Some("call"));
    assert_eq!(reply.body["call"], "x".repeat(64));
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn an_unsupported_content_type_is_a_400_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    // Bodies that would debit if they were read.
    let form_body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    let json_body =
        json!({ "sessionUuid": session, "accountUuid": account.uuid, "amount": "-10.00" })
            .to_string();
    for (content_type, body) in [
        ("text/plain", form_body.clone()),
        ("application/xml", form_body.clone()),
        ("application/octet-stream", form_body.clone()),
        ("text/json", json_body.clone()),
    ] {
        let reply =
            send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(content_type), body).await;
        assert_refused(&reply, 400, "CONTENT_TYPE_UNSUPPORTED", None);
        assert_eq!(reply.body["call"], ADJUST);
        assert_eq!(reply.reason.as_deref(), Some("body: unsupported content type"));
    }
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;
}

#[tokio::test]
async fn a_malformed_body_is_a_400_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            ADJUST,
            JSON,
            format!(r#"{{"sessionUuid": "{session}", "accountUuid": "{}", "amount": "#, account.uuid)
                .into_bytes(),
            "body: invalid JSON",
        ),
        (
            ADJUST,
            JSON,
            format!(r#"["{session}", "{}", "-10.00"]"#, account.uuid).into_bytes(),
            "body: JSON body is not an object",
        ),
        (BALANCE_GET, JSON, Vec::new(), "body: invalid JSON"),
        (
            ADJUST,
            "multipart/form-data",
            format!("--x\r\nContent-Disposition: form-data; name=\"sessionUuid\"\r\n\r\n{session}\r\n--x--\r\n")
                .into_bytes(),
            "body: multipart/form-data: no boundary",
        ),
        (
            BALANCE_GET,
            "multipart/form-data; boundary=x",
            format!("--x\r\nContent-Disposition: form-data; name=\"sessionUuid\"\r\n\r\n{session}\r\n")
                .into_bytes(),
            "body: multipart/form-data: no closing boundary",
        ),
        (
            ADJUST,
            FORM,
            [
                format!("sessionUuid={session}&accountUuid={}&amount=-10.00&description=", account.uuid)
                    .into_bytes(),
                vec![0xff, 0xfe],
            ]
            .concat(),
            "body: form body is not UTF-8",
        ),
    ];
    for (call, content_type, body, reason) in cases {
        let reply =
            send(&sb, Method::POST, &format!("/?call={call}"), Some(content_type), body).await;
        assert_refused(&reply, 400, "BODY_MALFORMED", None);
        assert_eq!(reply.body["call"], call);
        let got = reply.reason.as_deref().unwrap();
        assert!(got.starts_with(reason), "{got:?} should start with {reason:?}");
    }
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413_in_the_vendor_envelope_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 65_536);
    // A valid debit padded with an ignored parameter to `len` bytes.
    let padded = |len: usize| {
        let head = format!("sessionUuid={session}&accountUuid={}&amount=-10.00&pad=", account.uuid);
        let mut body = head.clone();
        body.push_str(&"p".repeat(len - head.len()));
        body
    };
    let before = ledger_state(&sb).await;

    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(FORM), padded(limit + 1)).await;
    assert_refused(&reply, 413, "PAYLOAD_TOO_LARGE", None);
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(reply.body["errors"][0]["message"], "The request body exceeds 65536 bytes");
    assert_eq!(reply.reason.as_deref(), Some("body: larger than 65536 bytes"));

    // Without a Content-Length (chunked), the limit still holds while reading.
    let body = padded(limit + 1);
    let request = format!(
        "POST /?call={ADJUST} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    assert_refused(&reply, 413, "PAYLOAD_TOO_LARGE", None);
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(ledger_state(&sb).await, before);
    assert_balance(&sb, &account, "100.00").await;

    // Exactly 64 KiB is read and served.
    let reply =
        send(&sb, Method::POST, &format!("/?call={ADJUST}"), Some(FORM), padded(limit)).await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "90.00");
}

#[tokio::test]
async fn a_method_other_than_post_on_the_root_is_a_405_in_the_vendor_envelope() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
        let reply =
            send(&sb, method.clone(), &format!("/?call={ADJUST}"), Some(FORM), body.clone()).await;
        assert_refused(&reply, 405, "METHOD_NOT_ALLOWED", None);
        assert_eq!(reply.body["call"], ADJUST, "{method}");
        assert_eq!(reply.body["errors"][0]["message"], "Every call must be sent with POST");
        assert_eq!(reply.reason.as_deref(), Some("method: only POST is served on /"));
        // RFC 9110 §15.5.6: a 405 names the methods the path serves.
        assert_eq!(reply.allow.as_deref(), Some("POST"), "{method}");
    }
    // Without a call, a query string still makes `GET /` PCaaSA's (bare `GET /` is the
    // server's index: see edge.rs).
    let reply = send(&sb, Method::GET, &format!("/?sessionUuid={session}"), None, "").await;
    assert_refused(&reply, 405, "METHOD_NOT_ALLOWED", None);
    assert_eq!(reply.body["call"], Value::Null);
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_body_not_sent_in_time_is_a_408_in_the_vendor_envelope() {
    let config = server::Config {
        body_read_timeout: Duration::from_millis(200),
        ..server::Config::default()
    };
    let server = server::testing::spawn_with(config).await.unwrap();
    let sb = Sandbox::with_server(server);
    let session = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let before = ledger_state(&sb).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.00", account.uuid);
    // Announce one byte more than is sent, and keep the connection open.
    let request = format!(
        "POST /?call={ADJUST} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len() + 1
    );
    let reply = raw_exchange(&sb, request.as_bytes()).await;
    assert_refused(&reply, 408, "REQUEST_TIMEOUT", None);
    assert_eq!(reply.body["call"], ADJUST);
    assert_eq!(reply.reason.as_deref(), Some("body: not received in time"));
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn the_request_journal_shows_a_failed_pcaasa_call_with_its_reason() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(&sb, "10.00", json!({})).await;
    let body = format!("sessionUuid={session}&accountUuid={}&amount=-10.01", account.uuid);
    let failed = form(&sb, ADJUST, &body).await;
    assert_refused(&failed, 200, "INSUFFICIENT_FUNDS", Some("amount"));
    let ok_body = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);
    let succeeded = form(&sb, ADJUST, &ok_body).await;
    succeeded.pcaasa_data();
    let too_large = send(
        &sb,
        Method::POST,
        &format!("/?call={BALANCE_GET}"),
        Some(FORM),
        "x".repeat(vendors::REQUEST_BODY_BYTES_MAX + 1),
    )
    .await;
    assert_refused(&too_large, 413, "PAYLOAD_TOO_LARGE", None);

    let journal = sb.journal().await;
    let find = |reply: &Reply| {
        let trace = reply.trace_id.as_deref().unwrap();
        journal.iter().find(|e| e["trace_id"] == trace).cloned().expect("journaled")
    };
    let entry = find(&failed);
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], format!("/?call={ADJUST}"));
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["vendor"], "pcaasa");
    assert_eq!(entry["operation"], "processorApiCall");
    assert_eq!(
        entry["reason"],
        "ledger: insufficient funds (available 10.00, minimum 0.00, debit 10.01)"
    );
    assert_eq!(entry["reason"].as_str(), failed.reason.as_deref());
    assert_eq!(entry["request_body"], body.as_str());
    assert_eq!(entry["response_body"], failed.text.as_str());

    let entry = find(&succeeded);
    assert_eq!(entry["reason"], Value::Null);
    assert_eq!(entry["response_body"], succeeded.text.as_str());

    let entry = find(&too_large);
    assert_eq!(entry["status"], 413);
    assert_eq!(entry["vendor"], "pcaasa");
    assert_eq!(entry["reason"], "body: larger than 65536 bytes");
    // Newest first.
    let position = |reply: &Reply| {
        let trace = reply.trace_id.as_deref().unwrap();
        journal.iter().position(|e| e["trace_id"] == trace).unwrap()
    };
    assert!(position(&too_large) < position(&succeeded));
    assert!(position(&succeeded) < position(&failed));
}

#[tokio::test]
async fn an_opening_balance_outside_the_limits_is_a_409_and_leaves_no_account() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account_uuid = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
    let body = json!({ "vendor": "pcaasa", "currency": "USD", "opening_balance": "100.00",
                       "limits": { "balance_max": "50.00" },
                       "vendor_ids": { "accountUuid": account_uuid } });
    let resp = sb.admin(Method::POST, "/__admin/accounts", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let json: Value = resp.json().await.unwrap();
    assert_eq!(json["error"], "account_not_opened");
    // The vendor never learnt the account's identifiers, and the ledger holds no account.
    let read = format!("sessionUuid={session}&accountUuid={account_uuid}");
    assert_refused(
        &form(&sb, BALANCE_GET, &read).await,
        200,
        "ACCOUNT_NOT_FOUND",
        Some("accountUuid"),
    );
    assert!(ledger_state(&sb).await.is_empty(), "a refused opening leaves nothing behind");

    // An opening balance is not a transfer: the per-transfer maximum does not apply to it.
    let body = json!({ "vendor": "pcaasa", "currency": "USD", "opening_balance": "100.00",
                       "limits": { "transfer_amount_max": "20.00" },
                       "vendor_ids": { "accountUuid": account_uuid } });
    let resp = sb.admin(Method::POST, "/__admin/accounts", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let accounts = ledger_state(&sb).await;
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["balances"]["available"], "100.00");
}
