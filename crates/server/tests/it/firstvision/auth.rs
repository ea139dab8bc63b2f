//! FirstVision's credentials: the token call, the HMAC `Signature`, tokens, apikeys,
//! organizations and tenant isolation.

use super::*;

// ---------------------------------------------------------------------------------------------
// The token call and the seed's example

#[tokio::test]
async fn the_token_call_takes_basic_credentials_and_a_form_body_on_each_documented_path() {
    let (sb, fv) = start().await;
    for path in ["/firstvision/token", "/token", "/latam-gfs-apis/portal/token"] {
        let answer = fv.token_call(path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {answer:?}");
        let token = answer.body["access_token"].as_str().unwrap();
        assert_eq!(token.len(), 32, "{token}");
        assert_eq!(
            answer.body,
            json!({
                "token_type": "BearerToken", "issued_at": MORNING_MS.to_string(),
                "client_id": API_KEY, "access_token": token, "expires_in": "900",
                "status": "approved",
            }),
            "the token answer is not wrapped in the envelope"
        );
    }

    let token_url = sb.url("/firstvision/token");
    let form = "application/x-www-form-urlencoded";
    let wrong_secret = sb
        .client
        .post(&token_url)
        .basic_auth(API_KEY, Some("wrong"))
        .header("Content-Type", form)
        .body("grant_type=client_credentials");
    let no_basic = sb
        .client
        .post(&token_url)
        .header("Content-Type", form)
        .body("grant_type=client_credentials");
    let password_grant = sb
        .client
        .post(&token_url)
        .basic_auth(API_KEY, Some(SECRET))
        .header("Content-Type", form)
        .body("grant_type=password");
    let json_body = sb
        .client
        .post(&token_url)
        .basic_auth(API_KEY, Some(SECRET))
        .json(&json!({ "grant_type": "client_credentials" }));
    let cases = [
        (wrong_secret, 401, "401", "Unauthorized", "client secret does not match"),
        (no_basic, 401, "401", "Unauthorized", "Authorization: Basic"),
        (password_grant, 400, "400", "Bad Request", "is not client_credentials"),
        (json_body, 415, "415", "Unsupported Media Type", "application/x-www-form-urlencoded"),
    ];
    for (req, status, code, description, reason) in cases {
        Reply::read(req.send().await.unwrap()).await.assert_refused(
            status,
            code,
            description,
            reason,
        );
    }
}

#[tokio::test]
async fn the_seed_example_body_is_accepted_as_written_with_the_documented_headers() {
    let (sb, fv) = start().await;
    let opened = sb
        .open_account(
            "firstvision",
            "MXN",
            "0",
            json!({ "vendor_ids": {
                "organizationNumber": 970, "accountNumber": SEED_ACCOUNT, "cardNumber": SEED_CARD,
                "cardSequence": 123,
            } }),
        )
        .await;
    assert_eq!(opened["vendor_ids"]["accountNumber"], SEED_ACCOUNT);
    assert_eq!(opened["vendor_ids"]["cardNumber"], SEED_CARD);
    assert_eq!(opened["vendor_ids"]["organizationNumber"], 970);
    assert_eq!(opened["vendor_ids"]["X-ClientID"], "00970");
    let account = Account::from_json(&opened);

    let answer = fv.cash(SEED_BODY).await;
    let data = answer.assert_ok();
    assert_eq!(data["asmOrganizationNumber"], 970);
    assert_eq!(
        data["account"],
        json!({ "organizationNumber": 970, "logo": 401, "number": SEED_ACCOUNT })
    );
    assert_eq!(data["cardNumber"], SEED_CARD);
    assert_eq!(data["historyDate"], "2026-03-10");
    let tx = &data["transactionData"];
    assert_eq!(tx["actionCode"], "FUND");
    assert_eq!(tx["transactionCode"], "271");
    assert_eq!(tx["monetaryType"], "C");
    assert_eq!(num(&tx["transactionAmount"]), "200.00");
    assert_eq!(tx["referenceNumber"], "123", "a numeric referenceNumber is read as its text");
    assert_eq!(tx["effectiveDate"], "2021-11-20");
    // otbUpdateIndicator 1: posted, but neither balance nor open-to-buy shows it before the
    // day's batch.
    assert_eq!(num(&tx["currentBalance"]), "0.00");
    assert_eq!(num(&tx["openToBuy"]), "0.00");
    let ledger = admin_account(&sb, &account.id).await;
    assert_eq!(ledger["balances"], balances("200.00", "200.00", "0.00"));

    // The journal kept the body exactly as sent, under the vendor's operation.
    let journal = sb.journal().await;
    let entry = journal
        .iter()
        .find(|e| e["method"] == "PUT" && e["path"] == "/account/balance")
        .expect("the cash-in is journaled");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["vendor"], "firstvision");
    assert_eq!(entry["operation"], "Cash-in & Cash-out");
    assert_eq!(entry["request_body"], SEED_BODY);
    assert_eq!(entry["at"], MORNING);
    assert_eq!(entry["reason"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// HMAC Signature

/// Base64(HMAC-SHA256(secret, apikey + X-Client-Request-Id + Timestamp + body)).
fn signature(
    secret: &str,
    apikey: &str,
    request_id: &str,
    timestamp_ms: i64,
    body: &str,
) -> String {
    let message = format!("{apikey}{request_id}{timestamp_ms}{body}");
    vendors::common::auth::hmac_sha256_base64(secret.as_bytes(), message.as_bytes())
}

impl Fv {
    pub(crate) async fn cash_signed(
        &self,
        body: &str,
        request_id: &str,
        timestamp_ms: i64,
        signature: &str,
    ) -> Reply {
        let req = self
            .request(Method::PUT, "/account/balance")
            .header("Content-Type", "application/json")
            .header("X-Client-Request-Id", request_id)
            .header("Timestamp", timestamp_ms.to_string())
            .header("Signature", signature)
            .body(body.to_string());
        self.send(req).await
    }
}

/// The body signed in [`a_correctly_signed_request_is_accepted`], and its signature computed
/// outside this code base (Python `hmac`/`hashlib`/`base64`) with the well-known secret,
/// request id `0b6f1c1e-sig-0001` and timestamp [`MORNING_MS`].
const SIGNED_BODY: &str = r#"{"asmOrganizationNumber": 970, "representativeId": "A00", "accountNumber": "9704010000000001467", "transactionData": {"cardNumber": "0004444440000000558", "cardSequence": 1, "actionCode": "FUND", "effectiveDate": "2026-03-10", "transactionAmount": 25.50, "planNumber": 1, "planSequence": 1, "storeNumber": 1, "referenceNumber": "000000000777", "resolutionReferenceNumber": "1", "otbUpdateIndicator": 0, "description": "SIGNED"}}"#;
const SIGNED_BODY_SIGNATURE: &str = "tuIvCuBsML/tSAtvMYdUF5rs3oCAFq1Dzv6gD2dy96A=";

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    // The helper agrees with RFC 4231 test case 2 before it is trusted below.
    assert_eq!(
        vendors::common::auth::hmac_sha256_base64(b"Jefe", b"what do ya want for nothing?"),
        "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
    );
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    assert_eq!(
        signature(SECRET, API_KEY, "0b6f1c1e-sig-0001", MORNING_MS, SIGNED_BODY),
        SIGNED_BODY_SIGNATURE
    );
    let answer =
        fv.cash_signed(SIGNED_BODY, "0b6f1c1e-sig-0001", MORNING_MS, SIGNED_BODY_SIGNATURE).await;
    answer.assert_ok();
    assert_eq!(
        admin_account(&sb, &account.id).await["balances"],
        balances("25.50", "0.00", "25.50")
    );

    // Anywhere inside the five-minute window of the tenant clock, either side, is fine.
    for (idx, skew) in [-300_000_i64, 300_000].into_iter().enumerate() {
        let body = l8v2(&account, "FUND", "1", &format!("00000000100{idx}"), 0);
        let id = format!("edge-{idx}");
        let at = MORNING_MS + skew;
        fv.cash_signed(&body, &id, at, &signature(SECRET, API_KEY, &id, at, &body))
            .await
            .assert_ok();
    }
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "27.50");
}

#[tokio::test]
async fn a_wrong_signature_is_refused_with_401_and_changes_nothing() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "10", "000000000001", 0);
    let good = signature(SECRET, API_KEY, "rid-1", MORNING_MS, &body);
    let cases = [
        // Signed with the wrong secret.
        (body.clone(), signature("not-the-secret", API_KEY, "rid-1", MORNING_MS, &body)),
        // The body sent is not the body signed.
        (body.replace("\"transactionAmount\": 10", "\"transactionAmount\": 90"), good.clone()),
        // Not base64 of anything.
        (body.clone(), "not a signature".to_string()),
    ];
    for (sent, sig) in cases {
        fv.cash_signed(&sent, "rid-1", MORNING_MS, &sig).await.assert_refused(
            401,
            "401",
            "Unauthorized",
            "Signature does not match",
        );
    }
    assert_eq!(admin_account(&sb, &account.id).await["balances"], balances("0.00", "0.00", "0.00"));
    // A refused signature did not use up the request id.
    fv.cash_signed(&body, "rid-1", MORNING_MS, &good).await.assert_ok();
}

#[tokio::test]
async fn a_stale_timestamp_is_refused_against_the_tenant_clock() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "10", "000000000001", 0);
    let cases = [
        ("stale-1", MORNING_MS - 300_001),
        ("stale-2", MORNING_MS + 300_001),
        // A client signing with a clock of its own, a day off the tenant's.
        ("stale-3", MORNING_MS - 86_400_000),
    ];
    for (id, at) in cases {
        let sig = signature(SECRET, API_KEY, id, at, &body);
        fv.cash_signed(&body, id, at, &sig).await.assert_refused(
            401,
            "401",
            "Unauthorized",
            "ms from the tenant clock",
        );
    }
    // The day-old timestamp is fine once the tenant clock is set back to it.
    freeze_at(&sb, "2026-03-09T10:00:00Z").await;
    let fv = Fv::default_client(&sb).await;
    let at = MORNING_MS - 86_400_000;
    fv.cash_signed(&body, "stale-3", at, &signature(SECRET, API_KEY, "stale-3", at, &body))
        .await
        .assert_ok();
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "10.00");
}

#[tokio::test]
async fn a_replayed_client_request_id_is_refused_until_five_minutes_pass() {
    let (sb, mut fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let first = l8v2(&account, "FUND", "10", "000000000001", 0);
    let sig = signature(SECRET, API_KEY, "nonce-1", MORNING_MS, &first);
    fv.cash_signed(&first, "nonce-1", MORNING_MS, &sig).await.assert_ok();
    fv.cash_signed(&first, "nonce-1", MORNING_MS, &sig).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "X-Client-Request-Id nonce-1 was already used in the last 5 minutes",
    );
    // Another body, correctly signed, with the used id: still a replay.
    let second = l8v2(&account, "FUND", "10", "000000000002", 0);
    let sig2 = signature(SECRET, API_KEY, "nonce-1", MORNING_MS, &second);
    fv.cash_signed(&second, "nonce-1", MORNING_MS, &sig2).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "already used",
    );
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "10.00");

    advance(&sb, "PT5M1S").await;
    fv.renew().await;
    let later = MORNING_MS + 301_000;
    let sig3 = signature(SECRET, API_KEY, "nonce-1", later, &second);
    fv.cash_signed(&second, "nonce-1", later, &sig3).await.assert_ok();
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "20.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_requests_with_one_client_request_id_are_accepted_once() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let mut tasks = Vec::new();
    for idx in 0..8 {
        // Different bodies (and references), each correctly signed, one request id.
        let body = l8v2(&account, "FUND", "1", &format!("{:012}", 100 + idx), 0);
        let sig = signature(SECRET, API_KEY, "shared-id", MORNING_MS, &body);
        let req = fv
            .request(Method::PUT, "/account/balance")
            .header("Content-Type", "application/json")
            .header("X-Client-Request-Id", "shared-id")
            .header("Timestamp", MORNING_MS.to_string())
            .header("Signature", sig)
            .body(body);
        tasks.push(tokio::spawn(async move { Reply::read(req.send().await.unwrap()).await }));
    }
    let mut accepted = 0;
    for task in tasks {
        let answer = task.await.unwrap();
        if answer.status == StatusCode::OK {
            accepted += 1;
        } else {
            answer.assert_refused(401, "401", "Unauthorized", "already used");
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "1.00");
}

// ---------------------------------------------------------------------------------------------
// Auth and tenants

#[tokio::test]
async fn a_missing_or_expired_token_is_refused_with_401() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "10", "000000000001", 0);

    let no_token = sb
        .client
        .put(sb.url("/account/balance"))
        .header("apikey", API_KEY)
        .header("X-ClientID", "00970")
        .header("Content-Type", "application/json")
        .body(body.clone());
    Reply::read(no_token.send().await.unwrap()).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "Authorization: Bearer <access_token> header is missing",
    );
    let mut never_issued = Fv::default_client(&sb).await;
    never_issued.token = "vAbsh53JHFSTR23esEtrUI864tt".into();
    never_issued.cash(&body).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "access token is not valid",
    );

    // 900 s of tenant clock: valid one second before, expired at the lifetime.
    advance(&sb, "PT14M59S").await;
    fv.details(&account.number).await.assert_ok();
    advance(&sb, "PT1S").await;
    fv.cash(&body).await.assert_refused(401, "401", "Unauthorized", "access token expired");
    fv.details(&account.number).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "access token expired",
    );
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "0.00");
}

#[tokio::test]
async fn a_wrong_apikey_or_an_organization_without_accounts_is_refused() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "0").await;
    let body = l8v2(&account, "FUND", "10", "000000000001", 0);

    let mut wrong_key = Fv::default_client(&sb).await;
    wrong_key.apikey = "not-a-key".into();
    wrong_key.cash(&body).await.assert_refused(401, "401", "Unauthorized", "apikey is not known");
    let no_key = sb
        .client
        .put(sb.url("/account/balance"))
        .bearer_auth(&fv.token)
        .header("X-ClientID", "00970")
        .header("Content-Type", "application/json")
        .body(body.clone());
    Reply::read(no_key.send().await.unwrap()).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "apikey header is missing",
    );

    // X-ClientID names an organization this client has no account in.
    let mut other_org = Fv::default_client(&sb).await;
    other_org.client_id = "00950".into();
    other_org.cash(&body).await.assert_refused(
        403,
        "403",
        "Forbidden",
        "X-ClientID 00950: this apikey has no account in organization 950",
    );
    other_org.details(&account.number).await.assert_refused(403, "403", "Forbidden", "950");
    // Not an organization at all.
    other_org.client_id = "ORG970".into();
    other_org.cash(&body).await.assert_refused(400, "400", "Bad Request", "X-ClientID");
    // Unpadded is the same organization.
    other_org.client_id = "970".into();
    other_org.details(&account.number).await.assert_ok();

    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "0.00");
}

#[tokio::test]
async fn another_tenant_cannot_see_or_move_the_default_tenants_account() {
    let (sb, fv) = start().await;
    let ours = open_seed_account(&sb, "500.00").await;
    let ours_before = admin_account(&sb, &ours.id).await;

    let tenant: Value =
        sb.admin(Method::POST, "/__admin/tenants", None).await.json().await.unwrap();
    let their_admin = tenant["admin_token"].as_str().unwrap().to_string();
    let creds = &tenant["credentials"]["firstvision"];
    let (their_key, their_secret) =
        (creds["apikey"].as_str().unwrap(), creds["clientSecret"].as_str().unwrap());
    assert_ne!(their_key, API_KEY);
    assert_eq!(creds["tokenPath"], "/firstvision/token");
    clock_as(&sb, &their_admin, json!({ "set": MORNING, "freeze": true })).await;
    let theirs = Fv::login(&sb, their_key, their_secret).await;

    // The well-known secret does not open their apikey, nor theirs ours.
    let mut crossed = Fv::login(&sb, their_key, their_secret).await;
    crossed.secret = SECRET.into();
    crossed.token_call("/token").await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "client secret does not match",
    );
    // Our token with their apikey.
    let mut mixed = Fv::login(&sb, their_key, their_secret).await;
    mixed.token = fv.token.clone();
    mixed.details(SEED_ACCOUNT).await.assert_refused(
        401,
        "401",
        "Unauthorized",
        "access token was not issued to this apikey",
    );

    // With no account of their own they are entitled to no organization.
    let debit = l8v2(&ours, "FREV", "100", "000000000001", 0);
    theirs.cash(&debit).await.assert_refused(
        403,
        "403",
        "Forbidden",
        "no account in organization 970",
    );

    // With an account of their own in organization 970, ours is simply not found.
    let resp = sb
        .admin_as(
            &their_admin,
            Method::POST,
            "/__admin/accounts",
            Some(json!({ "vendor": "firstvision", "currency": "MXN", "opening_balance": "5.00" })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let their_account = Account::from_json(&resp.json().await.unwrap());
    assert_ne!(their_account.number, SEED_ACCOUNT);

    let cash_out = theirs.cash(&debit).await;
    cash_out.assert_refused(422, "VPL8SMA15S", "ACCOUNT OR CARD NOT FOUND", "no account or card");
    // Addressed by our card number instead.
    let our_card = Account { id: String::new(), number: SEED_CARD.into(), card: SEED_CARD.into() };
    let by_card = theirs.cash(&l8v2(&our_card, "FUND", "1", "000000000002", 0)).await;
    by_card.assert_refused(422, "VPL8SMA15S", "ACCOUNT OR CARD NOT FOUND", "no account or card");
    let read = theirs.details(SEED_ACCOUNT).await;
    read.assert_refused(422, "VPL5S0012S", "ACCOUNT NOT FOUND ON FILE", "no account or card");
    let inquiry = theirs.inquiry(SEED_ACCOUNT).await;
    inquiry.assert_refused(422, "VPL5SAI09S", "ACCOUNT NUMBER NOT FOUND", "no account or card");
    // Exactly what a number nobody opened gets: nothing tells them our account exists.
    let nobody = "9704019999999999999";
    let nobodys = Account { id: String::new(), number: nobody.into(), card: SEED_CARD.into() };
    let pairs = [
        (&cash_out, theirs.cash(&l8v2(&nobodys, "FREV", "100", "000000000001", 0)).await),
        (&read, theirs.details(nobody).await),
        (&inquiry, theirs.inquiry(nobody).await),
    ];
    for (ours_answer, nobodys_answer) in pairs {
        assert_eq!(ours_answer.status, nobodys_answer.status);
        assert_eq!(ours_answer.body, nobodys_answer.body);
        let reason = ours_answer.reason.as_deref().unwrap();
        assert_eq!(reason.replace(SEED_ACCOUNT, nobody), nobodys_answer.reason.unwrap());
        assert!(!reason.contains("500.00"), "{reason} leaks our balance");
    }
    // Their admin token cannot read our account either.
    let resp = sb
        .admin_as(&their_admin, Method::GET, &format!("/__admin/accounts/{}", ours.id), None)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // They may use the very same account number for an account of their own; it is theirs.
    let resp = sb
        .admin_as(
            &their_admin,
            Method::POST,
            "/__admin/accounts",
            Some(json!({ "vendor": "firstvision", "currency": "MXN",
                         "vendor_ids": { "accountNumber": SEED_ACCOUNT, "cardNumber": SEED_CARD } })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let their_twin = Account::from_json(&resp.json().await.unwrap());
    let their_cash_in = theirs.cash(&l8v2(&their_twin, "FUND", "7", "000000000001", 0)).await;
    their_cash_in.assert_ok();
    assert_eq!(theirs.figures(SEED_ACCOUNT).await, ("-7.00".into(), "7.00".into()));
    assert_eq!(fv.figures(SEED_ACCOUNT).await, ("-500.00".into(), "500.00".into()));
    let theirs_now = admin_account_as(&sb, &their_admin, &their_twin.id).await;
    assert_eq!(theirs_now["balances"]["posted"], "7.00");
    assert_eq!(admin_account(&sb, &ours.id).await, ours_before);

    // Their authenticated requests are in their journal, not ours.
    let traces = |journal: &[Value]| -> Vec<String> {
        journal.iter().map(|e| e["trace_id"].as_str().unwrap().to_string()).collect()
    };
    let ours_journal = traces(&sb.journal().await);
    let resp = sb.admin_as(&their_admin, Method::GET, "/__admin/requests?limit=1000", None).await;
    let their_journal: Value = resp.json().await.unwrap();
    let their_journal = traces(their_journal["requests"].as_array().unwrap());
    for answer in [&cash_out, &by_card, &read, &inquiry, &their_cash_in] {
        let trace_id = answer.trace_id.clone().expect("every answer has a trace id");
        assert!(their_journal.contains(&trace_id), "{answer:?} not in their journal");
        assert!(!ours_journal.contains(&trace_id), "{answer:?} in our journal");
    }
}
