//! PCaaSA's balance read over HTTP: every balance, by `accountUuid` or either reference name.

use super::*;

#[tokio::test]
async fn a_balance_read_answers_every_balance_by_uuid_or_either_reference_name() {
    let sb = Sandbox::start().await;
    let session = standing_session(&sb);
    let account = open(
        &sb,
        "25.00",
        json!({ "limits": { "balance_min": "-100.00" },
                "vendor_ids": { "accountUuid": "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17",
                                "paymentInstrumentReferenceNumber": "PI4000123412341234" } }),
    )
    .await;
    assert_eq!(account.uuid, "7d3f1a52-9c4e-4b8a-a1f6-0e5b2c9d4a17");
    assert_eq!(account.reference, "PI4000123412341234");
    let before = ledger_state(&sb).await;
    let expected = json!({
        "accountUuid": account.uuid,
        "accountStatus": "Open",
        "availableBalance": "25.00",
        "currentBalance": "25.00",
        "pendingBalance": "0.00",
        "creditLine": "100.00",
    });

    let tracking = "e2a4c6e8-0b1d-4f3a-9c5e-7a9b1d3f5e60";
    let by_uuid = json_call(
        &sb,
        BALANCE_GET,
        json!({ "app": "customer-account", "object": "account-balance", "action": "get",
                "version": 1, "sessionUuid": session, "externalTranUuid": tracking,
                "accountUuid": account.uuid }),
    )
    .await;
    assert_eq!(by_uuid.pcaasa_data(), &expected);
    assert_eq!(by_uuid.body["call"], BALANCE_GET);
    assert_eq!(by_uuid.body["externalTranUuid"], tracking);
    for name in ["paymentInstrumentReferenceNumber", "cardReferenceNumber"] {
        let reply = form(
            &sb,
            BALANCE_GET,
            &format!("sessionUuid={session}&{name}={}&debug=1", account.reference),
        )
        .await;
        assert_eq!(reply.pcaasa_data(), &expected, "{name}");
        assert_eq!(reply.body["externalTranUuid"], Value::Null);
    }
    // An upper-case uuid names the same account.
    let upper = account.uuid.to_ascii_uppercase();
    let reply = form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={upper}")).await;
    assert_eq!(reply.pcaasa_data(), &expected);
    assert_eq!(ledger_state(&sb).await, before, "reading a balance changes nothing");

    // Blocked and Closed accounts still answer their balance, with their status.
    for (status, shown) in [("frozen", "Blocked"), ("closed", "Closed")] {
        let patch = json!({ "status": status });
        let resp = sb
            .admin(Method::PATCH, &format!("/__admin/accounts/{}", account.id), Some(patch))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let reply =
            form(&sb, BALANCE_GET, &format!("sessionUuid={session}&accountUuid={}", account.uuid))
                .await;
        assert_eq!(reply.pcaasa_data()["accountStatus"], shown);
        assert_eq!(reply.pcaasa_data()["availableBalance"], "25.00");
    }
}
