//! PCaaSA sessions and tenants over HTTP: sessions created with the API key, idle expiry on the
//! tenant's clock, missing or never-issued sessions, and tenant isolation (another tenant's
//! accounts, shared identifiers, resets).

use super::*;

#[tokio::test]
async fn a_session_created_with_the_api_key_reads_and_adjusts() {
    let sb = Sandbox::start().await;
    let key = api_key(&sb);
    let standing = standing_session(&sb);
    let account = open(&sb, "100.00", json!({})).await;
    let tracking = "9e1f4c2a-7b3d-4a8e-8c6f-2d5b1e9a3c70";

    let created = [
        form(
            &sb,
            SESSION_CREATE,
            &format!("app=core-session&object=session&action=create&version=1&apiKey={key}"),
        )
        .await,
        json_call(&sb, SESSION_CREATE, json!({ "apiKey": key, "externalTranUuid": tracking }))
            .await,
        // The key in the query string, as PCaaSA's Card Info API sends it.
        send(&sb, Method::POST, &format!("/?call={SESSION_CREATE}&apiKey={key}"), Some(FORM), "")
            .await,
    ];
    assert_eq!(created[1].body["externalTranUuid"], tracking);
    let mut sessions = HashSet::new();
    for reply in &created {
        let data = reply.pcaasa_data();
        assert_eq!(reply.body["call"], SESSION_CREATE);
        assert_eq!(data["sessionTimeoutSeconds"], 1800);
        let session = data["sessionUuid"].as_str().unwrap().to_string();
        assert_eq!(uuid::Uuid::parse_str(&session).unwrap().get_version_num(), 4);
        assert_ne!(session, standing);
        sessions.insert(session);
    }
    assert_eq!(sessions.len(), 3, "each call creates a new session");

    let mut cents = 10_000;
    for session in &sessions {
        let body = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);
        cents -= 100;
        let expected = format!("{}.{:02}", cents / 100, cents % 100);
        assert_eq!(
            form(&sb, ADJUST, &body).await.pcaasa_data()["availableBalance"],
            expected.as_str()
        );
        let read =
            form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid))
                .await;
        assert_eq!(read.pcaasa_data()["currentBalance"], expected.as_str());
    }
    assert_balance(&sb, &account, "97.00").await;
}

#[tokio::test]
async fn a_session_idle_for_thirty_minutes_of_tenant_time_expires_and_moves_nothing() {
    let sb = Sandbox::start().await;
    clock(&sb, json!({ "freeze": true })).await;
    let account = open(&sb, "100.00", json!({})).await;
    let created = form(&sb, SESSION_CREATE, &format!("apiKey={}", api_key(&sb))).await;
    let session = created.pcaasa_data()["sessionUuid"].as_str().unwrap().to_string();
    let debit = format!("sessionUuid={session}&accountUuid={}&amount=-1.00", account.uuid);

    // Each accepted call restarts the 30 idle minutes.
    clock(&sb, json!({ "advance": "PT29M" })).await;
    assert_eq!(form(&sb, ADJUST, &debit).await.pcaasa_data()["availableBalance"], "99.00");
    clock(&sb, json!({ "advance": "PT29M" })).await;
    assert_eq!(form(&sb, ADJUST, &debit).await.pcaasa_data()["availableBalance"], "98.00");

    clock(&sb, json!({ "advance": "PT30M" })).await;
    let before = ledger_state(&sb).await;
    let reply = form(&sb, ADJUST, &debit).await;
    assert_refused(&reply, 200, "SESSION_EXPIRED", Some("sessionUuid"));
    assert_eq!(reply.body["errors"][0]["message"], "Session expired");
    assert_eq!(reply.reason.as_deref(), Some("auth: session idle past its lifetime"));
    let read =
        form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid))
            .await;
    assert_refused(&read, 200, "SESSION_EXPIRED", Some("sessionUuid"));
    assert_eq!(ledger_state(&sb).await, before);

    // The standing session never expires, even a year later; a new session works again.
    clock(&sb, json!({ "advance": "P365D" })).await;
    assert_balance(&sb, &account, "98.00").await;
    let created = form(&sb, SESSION_CREATE, &format!("apiKey={}", api_key(&sb))).await;
    let fresh = created.pcaasa_data()["sessionUuid"].as_str().unwrap().to_string();
    let debit = format!("sessionUuid={fresh}&accountUuid={}&amount=-1.00", account.uuid);
    assert_eq!(form(&sb, ADJUST, &debit).await.pcaasa_data()["availableBalance"], "97.00");
}

#[tokio::test]
async fn a_missing_never_issued_or_malformed_session_is_refused_and_moves_nothing() {
    let sb = Sandbox::start().await;
    let account = open(&sb, "100.00", json!({})).await;
    let (_, other_credentials) = new_tenant(&sb).await;
    let other_key = other_credentials["apiKey"].as_str().unwrap();
    let before = ledger_state(&sb).await;
    let target = format!("accountUuid={}&amount=-10.00", account.uuid);

    for call in [ADJUST, BALANCE_GET] {
        let cases = [
            (target.clone(), "REQUIRED_FIELD_MISSING", "field sessionUuid: required"),
            (
                format!("sessionUuid=&{target}"),
                "REQUIRED_FIELD_MISSING",
                "field sessionUuid: required",
            ),
            (
                format!("sessionUuid={NEVER_ISSUED}&{target}"),
                "SESSION_INVALID",
                "auth: sessionUuid was never issued",
            ),
            // An API key is not a session.
            (
                format!("sessionUuid={other_key}&{target}"),
                "SESSION_INVALID",
                "auth: sessionUuid was never issued",
            ),
            (
                format!("sessionUuid=abc&{target}"),
                "INVALID_FORMAT",
                "field sessionUuid: must be a 36-character UUID",
            ),
        ];
        for (body, code, reason) in cases {
            let reply = form(&sb, call, &body).await;
            assert_refused(&reply, 200, code, Some("sessionUuid"));
            assert_eq!(reply.reason.as_deref(), Some(reason), "{call} {body}");
            assert_eq!(reply.body["call"], call);
        }
        let reply = json_call(
            &sb,
            call,
            json!({ "sessionUuid": 42, "accountUuid": account.uuid, "amount": "-10.00" }),
        )
        .await;
        assert_refused(&reply, 200, "INVALID_FORMAT", Some("sessionUuid"));
    }

    // Trading a key for a session needs a key that was issued.
    let key_cases = [
        ("app=core-session".to_string(), "REQUIRED_FIELD_MISSING"),
        ("apiKey=sandbank-pcaasa-key".to_string(), "INVALID_FORMAT"),
        (format!("apiKey={NEVER_ISSUED}"), "API_KEY_INVALID"),
        (format!("apiKey={}", standing_session(&sb)), "API_KEY_INVALID"),
    ];
    for (body, code) in key_cases {
        let reply = form(&sb, SESSION_CREATE, &body).await;
        assert_refused(&reply, 200, code, Some("apiKey"));
    }
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn another_tenants_account_is_not_found_exactly_like_an_unknown_one() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let mine = open(&sb, "100.00", json!({})).await;
    let (other_token, other_credentials) = new_tenant(&sb).await;
    let other_session = other_credentials["sessionUuid"].as_str().unwrap().to_string();
    assert_ne!(other_session, session);
    let theirs = open_as(&sb, &other_token, "77.00", json!({})).await;
    let before = (ledger_state(&sb).await, ledger_state_as(&sb, &other_token).await);

    // Each pair: the other tenant's identifier, and an identifier nobody holds, in the same
    // parameter. The answers must be identical, reason included.
    let pairs = [
        (format!("accountUuid={}", theirs.uuid), format!("accountUuid={NEVER_ISSUED}")),
        (
            format!("paymentInstrumentReferenceNumber={}", theirs.reference),
            format!("paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}"),
        ),
        (
            format!("cardReferenceNumber={}", theirs.reference),
            format!("cardReferenceNumber={NO_SUCH_REFERENCE}"),
        ),
        // My uuid with their reference is "not found", not a mismatch that would confirm it.
        (
            format!(
                "accountUuid={}&paymentInstrumentReferenceNumber={}",
                mine.uuid, theirs.reference
            ),
            format!(
                "accountUuid={}&paymentInstrumentReferenceNumber={NO_SUCH_REFERENCE}",
                mine.uuid
            ),
        ),
    ];
    let mut probes = Vec::new();
    for call in [ADJUST, BALANCE_GET] {
        for (theirs_target, unknown_target) in &pairs {
            let probe =
                form(&sb, call, &format!("sessionUuid={session}&{theirs_target}&amount=-1.00"))
                    .await;
            let unknown =
                form(&sb, call, &format!("sessionUuid={session}&{unknown_target}&amount=-1.00"))
                    .await;
            assert_eq!(probe.pcaasa_code(), "ACCOUNT_NOT_FOUND", "{probe:#?}");
            assert_refused(
                &probe,
                200,
                "ACCOUNT_NOT_FOUND",
                unknown.body["errors"][0]["field"].as_str(),
            );
            assert_eq!(probe.status, unknown.status);
            assert_eq!(probe.text, unknown.text, "{call} {theirs_target}");
            assert_eq!(probe.reason, unknown.reason);
            probes.push(probe.trace_id.clone().unwrap());
        }
    }
    // The other way round: their session does not see my account.
    let reply =
        form(&sb, BALANCE_GET, &format!("sessionUuid={other_session}&accountUuid={}", mine.uuid))
            .await;
    assert_refused(&reply, 200, "ACCOUNT_NOT_FOUND", Some("accountUuid"));

    assert_eq!((ledger_state(&sb).await, ledger_state_as(&sb, &other_token).await), before);
    // The probes are in my journal, not theirs.
    let resp = sb.admin_as(&other_token, Method::GET, "/__admin/requests?limit=1000", None).await;
    let their_journal: Value = resp.json().await.unwrap();
    let their_traces: HashSet<&str> = their_journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["trace_id"].as_str())
        .collect();
    let my_journal = sb.journal().await;
    for trace in &probes {
        assert!(!their_traces.contains(trace.as_str()), "probe {trace} leaked to the owner");
        assert!(my_journal.iter().any(|e| e["trace_id"] == trace.as_str()));
    }
    // Their own session still sees their untouched account.
    let reply =
        form(&sb, BALANCE_GET, &format!("sessionUuid={other_session}&accountUuid={}", theirs.uuid))
            .await;
    assert_eq!(reply.pcaasa_data()["availableBalance"], "77.00");
}

#[tokio::test]
async fn two_tenants_may_hold_the_same_identifiers_and_each_moves_only_its_own_account() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let ids = json!({ "vendor_ids": { "accountUuid": "4b3f0c36-2a8e-4f39-9d0b-2f8e8f0b6c11",
                                      "paymentInstrumentReferenceNumber": "PI4000999900001111" } });
    let mine = open(&sb, "100.00", ids.clone()).await;
    let (other_token, other_credentials) = new_tenant(&sb).await;
    let other_session = other_credentials["sessionUuid"].as_str().unwrap().to_string();
    let theirs = open_as(&sb, &other_token, "50.00", ids).await;
    assert_eq!(mine.uuid, theirs.uuid);
    assert_ne!(mine.id, theirs.id);

    let body =
        |session: &str| format!("sessionUuid={session}&accountUuid={}&amount=-10.00", mine.uuid);
    assert_eq!(form(&sb, ADJUST, &body(&session)).await.pcaasa_data()["availableBalance"], "90.00");
    assert_eq!(
        form(&sb, ADJUST, &body(&other_session)).await.pcaasa_data()["availableBalance"],
        "40.00"
    );
    let by_reference = format!(
        "sessionUuid={other_session}&paymentInstrumentReferenceNumber={}&amount=-1.00",
        theirs.reference
    );
    assert_eq!(form(&sb, ADJUST, &by_reference).await.pcaasa_data()["availableBalance"], "39.00");
    assert_balance(&sb, &mine, "90.00").await;
    let theirs_admin = admin_account_as(&sb, &other_token, &theirs).await;
    assert_eq!(theirs_admin["balances"]["available"], "39.00");
}

#[tokio::test]
async fn a_tenant_reset_forgets_accounts_and_tracking_ids_but_keeps_sessions() {
    let sb = Sandbox::start().await;
    let created = form(&sb, SESSION_CREATE, &format!("apiKey={}", api_key(&sb))).await;
    let session = created.pcaasa_data()["sessionUuid"].as_str().unwrap().to_string();
    let ids = json!({ "vendor_ids": { "accountUuid": "8e2d4f6a-1c3b-4d5e-9f70-a1b2c3d4e5f6" } });
    let account = open(&sb, "100.00", ids.clone()).await;
    let debit = format!(
        "sessionUuid={session}&accountUuid={}&amount=-10.00&\
         externalTranUuid=1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
        account.uuid
    );
    assert_eq!(form(&sb, ADJUST, &debit).await.pcaasa_data()["availableBalance"], "90.00");

    let resp = sb.admin(Method::POST, "/__admin/reset", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let read = format!("sessionUuid={session}&accountUuid={}", account.uuid);
    assert_refused(
        &form(&sb, BALANCE_GET, &read).await,
        200,
        "ACCOUNT_NOT_FOUND",
        Some("accountUuid"),
    );

    // The same identifiers may be opened again, and the tracking id posts afresh.
    let reopened = open(&sb, "50.00", ids).await;
    assert_eq!(reopened.uuid, account.uuid);
    assert_eq!(form(&sb, ADJUST, &debit).await.pcaasa_data()["availableBalance"], "40.00");
    assert_balance(&sb, &reopened, "40.00").await;
}
