//! AMLYZE writes over HTTP: the seed example as written, the customer → account → balance flow,
//! batches (saving and validate-only), duplicate `communicationNumber`s, snapshot history per
//! balance type, and concurrent registrations. Every registration leaves the ledger unmoved.

use std::collections::HashSet;

use super::*;

#[tokio::test]
async fn the_seed_example_is_accepted_as_written_and_kept_as_a_snapshot_without_a_ledger_posting() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let entries_path = format!("/__admin/accounts/{id}/entries");
    let entries_before: Value =
        sb.admin(Method::GET, &entries_path, None).await.json().await.unwrap();
    assert_eq!(entries_before["entries"].as_array().unwrap().len(), 1, "the opening credit");

    let reply = put_text(&sb, SEED).await;
    reply.assert_amlyze_accepted();

    // No posting: the balance, the entries and the daily usage are as they were.
    assert_eq!(ledger_state(&sb).await, before);
    let entries_after: Value =
        sb.admin(Method::GET, &entries_path, None).await.json().await.unwrap();
    assert_eq!(entries_after, entries_before);
    let admin = admin_account(&sb, &id).await;
    assert_eq!(admin["balances"]["posted"], "500.00");
    assert_eq!(admin["balances"]["available"], "500.00");
    assert_eq!(admin["n_entries"], 1);

    let expected = json!({
        "businessUnit": "sandbox",
        "accountExtId": SEED_ACCOUNT,
        "accountNumber": admin["vendor_ids"]["accountNumber"],
        "businessEntityExtId": SEED_OWNER,
        "currencyCode": "EUR",
        "balances": [{
            "balanceType": "STATEMENT_BALANCE",
            "snapshots": [{
                "balanceAt": "2023-09-05T08:07:34.605Z",
                "value": number_text("11111111111"),
                "equivalentValue": number_text("33333"),
                "communicationNumber": "COM217",
                "requester": "financial_institution",
                "registeredAt": REGISTERED_AT,
            }],
        }],
    });
    assert_eq!(history(&sb, &id), expected);
    // The admin API's account read shows the same snapshots.
    let admin = admin_account(&sb, &id).await;
    assert_eq!(admin["vendor_state"], expected, "{admin}");

    // The journal shows the call as sent and answered.
    let entry = journal_entry_as(&sb, &sb.server.admin_token.clone(), &reply).await.unwrap();
    assert_eq!(entry["method"], "PUT");
    assert_eq!(entry["path"], BALANCE);
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["vendor"], "amlyze");
    assert_eq!(entry["operation"], "registerAccountBalance");
    assert_eq!(entry["reason"], Value::Null);
    assert_eq!(entry["request_body"], SEED);
    assert_eq!(entry["response_body"], ACCEPTED);
}

#[tokio::test]
async fn customer_then_account_then_balance_through_the_vendor_api_shows_in_the_admin_list() {
    let sb = Sandbox::start().await;
    freeze(&sb).await;
    post(&sb, CUSTOMER, &customer("FLOW-C1", SEED_OWNER)).await.assert_amlyze_accepted();
    post(&sb, ACCOUNT, &account("FLOW-A1", SEED_OWNER, SEED_ACCOUNT, "ACTIVE"))
        .await
        .assert_amlyze_accepted();
    put_text(&sb, SEED).await.assert_amlyze_accepted();
    let batch = json!({ "accountBalances": [
        balance("FLOW-B1", Some("DAILY_BALANCE"), "2023-09-06T00:00:00Z", "20.00"),
        balance("FLOW-B2", Some("DAILY_BALANCE"), "2023-09-07T00:00:00Z", "0"),
    ]});
    let reply = post(&sb, BATCH, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:#?}");
    let results = reply.body["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["resultType"] == "REQUEST_ACCEPTED"), "{reply:#?}");

    // The registered account is a zero-balance EUR ledger account labelled with its AMLYZE ids.
    let resp = sb.admin(Method::GET, "/__admin/accounts?vendor=amlyze", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let listed: Value = resp.json().await.unwrap();
    let accounts = listed["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{listed}");
    let listed = &accounts[0];
    assert_eq!(listed["vendor"], "amlyze");
    assert_eq!(listed["currency"], "EUR");
    assert_eq!(listed["status"], "active");
    assert_eq!(listed["balances"]["posted"], "0.00", "snapshots post nothing");
    assert_eq!(listed["n_entries"], 0);
    assert_eq!(
        listed["vendor_ids"],
        json!({ "accountExtId": SEED_ACCOUNT, "accountNumber": "LT601010012345678901",
                "businessEntityExtId": SEED_OWNER, "businessUnit": "sandbox" })
    );
    let other: Value =
        sb.admin(Method::GET, "/__admin/accounts?vendor=pcaasa", None).await.json().await.unwrap();
    assert_eq!(other["accounts"], json!([]), "the filter keeps other vendors' accounts out");

    let id = listed["id"].as_str().unwrap();
    let stored = history(&sb, id);
    assert_eq!(stored["accountNumber"], "LT601010012345678901");
    assert_eq!(stored["businessEntityExtId"], SEED_OWNER);
    assert_eq!(
        series(&stored, Some("DAILY_BALANCE")),
        ["2023-09-06T00:00:00Z=20.00", "2023-09-07T00:00:00Z=0"]
    );
    assert_eq!(
        series(&stored, Some("STATEMENT_BALANCE")),
        ["2023-09-05T08:07:34.605Z=11111111111"]
    );

    // The account's status is mirrored on the ledger account; a suspended account's balances
    // are still observations AMLYZE accepts.
    let mut update = account("FLOW-A2", SEED_OWNER, SEED_ACCOUNT, "SUSPENDED");
    update["action"] = json!("UPDATE");
    post(&sb, ACCOUNT, &update).await.assert_amlyze_accepted();
    assert_eq!(admin_account(&sb, id).await["status"], "frozen");
    put_balance(&sb, &balance("FLOW-B3", None, "2023-09-08T00:00:00Z", "-1.5"))
        .await
        .assert_amlyze_accepted();
    // AMLYZE keeps no status of its own: the ledger account's is the account's.
    assert_eq!(history(&sb, id).get("accountStatus"), None);
    let accounts = ledger_state(&sb).await;
    assert_eq!(accounts.len(), 1, "an update opens nothing");
    assert_eq!(accounts[0]["balances"]["posted"], "0.00");

    // An account whose owner was never registered is refused and opens nothing.
    let orphan = account("FLOW-A3", "NOBODY", "ORPHAN-1", "ACTIVE");
    post(&sb, ACCOUNT, &orphan).await.assert_amlyze_rejected(
        "404",
        "BusinessEntity with given extId does not exist in Amlyze",
        "field businessEntityExtId: no customer \"NOBODY\" in business unit \"sandbox\"",
    );
    assert_eq!(ledger_state(&sb).await.len(), 1);
}

#[tokio::test]
async fn a_batch_answers_each_item_on_its_own_and_stores_only_the_accepted_ones() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let batch = format!(
        r#"{{"accountBalances": [
  {{"communicationNumber": "BATCH-1", "requester": "core", "balanceType": "DAILY_BALANCE", "accountExtId": "{SEED_ACCOUNT}", "businessUnit": "sandbox", "balanceAt": "2024-01-01T00:00:00Z", "value": 10.5}},
  {{"communicationNumber": "BATCH-2", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00Z"}},
  {{"communicationNumber": "BATCH-3", "requester": "core", "accountExtId": "NO-SUCH-ACCOUNT", "balanceAt": "2024-01-01T00:00:00Z", "value": 1}},
  {{"communicationNumber": "BATCH-1", "requester": "core", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-02T00:00:00Z", "value": 2}},
  null,
  {{"communicationNumber": "BATCH-6", "requester": "core", "balanceType": "WEEKLY", "accountExtId": "{SEED_ACCOUNT}", "balanceAt": "2024-01-01T00:00:00Z", "value": 1}},
  {SEED}
]}}"#
    );
    let reply = call_as(&sb, TOKEN, Method::POST, BATCH, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:#?}");
    assert_eq!(reply.reason, None, "a batch with rejected items is still a 200");
    let accepted = |number: &str| Item::accepted(number, SEED_ACCOUNT).unit("sandbox");
    let rejected = |number: &str, ext_id: &str, code: &str, description: &str| {
        Item::accepted(number, ext_id).error(code, description)
    };
    let expected = batch_text(&[
        accepted("BATCH-1"),
        rejected("BATCH-2", SEED_ACCOUNT, "O001", "Value is mandatory"),
        rejected(
            "BATCH-3",
            "NO-SUCH-ACCOUNT",
            "404",
            "Account with given extId does not exist in amlyze",
        ),
        rejected("BATCH-1", SEED_ACCOUNT, "O005", "CommunicationNumber already used in amlyze"),
        Item::default().error("O001", "AccountBalance is mandatory"),
        rejected("BATCH-6", SEED_ACCOUNT, "O001", "BalanceType does not exist in Amlyze"),
        accepted("COM217"),
    ]);
    assert_eq!(reply.text, expected, "the documented keys, in order");

    let history = history(&sb, &id);
    assert_eq!(series(&history, Some("DAILY_BALANCE")), ["2024-01-01T00:00:00Z=10.5"]);
    assert_eq!(
        series(&history, Some("STATEMENT_BALANCE")),
        ["2023-09-05T08:07:34.605Z=11111111111"]
    );
    assert_eq!(n_snapshots(&history), 2);
    assert_eq!(ledger_state(&sb).await, before, "a batch posts nothing");

    // An accepted item used its number up; a rejected one did not.
    put_balance(&sb, &balance("BATCH-1", None, "2024-01-03T00:00:00Z", "3"))
        .await
        .assert_amlyze_rejected(
            "O005",
            "CommunicationNumber already used in amlyze",
            "field communicationNumber: \"BATCH-1\" was already used by an accepted request",
        );
    put_balance(&sb, &balance("BATCH-2", None, "2024-01-03T00:00:00Z", "3"))
        .await
        .assert_amlyze_accepted();

    // An empty batch is an empty answer; a batch without its list is AMLYZE's O001.
    let reply = post(&sb, BATCH, &json!({ "accountBalances": [] })).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, r#"{"results":[],"timeElapsedMs":0}"#);
    post(&sb, BATCH, &json!({})).await.assert_amlyze_rejected(
        "O001",
        "AccountBalances is mandatory",
        "field accountBalances: missing or null",
    );
    // More than 1 000 items is refused whole.
    let items: Vec<Value> =
        (0..=1000).map(|i| json!({ "communicationNumber": format!("BIG-{i}") })).collect();
    post(&sb, BATCH, &json!({ "accountBalances": items })).await.assert_amlyze_rejected(
        "O001",
        "Batch must not contain more than 1000 items",
        "field accountBalances: 1001 items, at most 1000",
    );
    assert_eq!(n_snapshots(&history_of(&sb, DEFAULT_TENANT, &id).unwrap()), 3);
}

#[tokio::test]
async fn a_validate_only_batch_answers_each_item_and_stores_nothing() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let item = |number: &str, at: &str| balance(number, Some("DAILY_BALANCE"), at, "1");
    let mut unnumbered = item("x", "2024-01-02T00:00:00Z");
    unnumbered.as_object_mut().unwrap().remove("communicationNumber");
    let batch = json!({ "accountBalances": [
        item("VAL-1", "2024-01-01T00:00:00Z"),
        item("VAL-1", "2024-01-02T00:00:00Z"),
        unnumbered,
        item("VAL-2", "2024-01-03T00:00:00Z"),
    ]});
    let expected = batch_text(&[
        Item::accepted("VAL-1", SEED_ACCOUNT),
        Item::accepted("VAL-1", SEED_ACCOUNT)
            .error("O005", "CommunicationNumber already used in amlyze"),
        Item { ext_id: Some(SEED_ACCOUNT.into()), ..Item::default() }
            .error("001", "CommunicationNumber is mandatory"),
        Item::accepted("VAL-2", SEED_ACCOUNT),
    ]);
    let first = post(&sb, VALIDATE, &batch).await;
    assert_eq!(first.status, StatusCode::OK, "{first:#?}");
    assert_eq!(first.text, expected);
    // Nothing stored and no number used up: validating again answers the same.
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    let again = post(&sb, VALIDATE, &batch).await;
    assert_eq!(again.text, first.text);
    assert_eq!(history(&sb, &id)["balances"], json!([]));
    assert_eq!(ledger_state(&sb).await, before);

    // Saving the same batch stores the two accepted items; validation then reports VAL-1 used.
    let saved = post(&sb, BATCH, &batch).await;
    assert_eq!(saved.text, first.text, "saving answers as validating did");
    assert_eq!(
        series(&history(&sb, &id), Some("DAILY_BALANCE")),
        ["2024-01-01T00:00:00Z=1", "2024-01-03T00:00:00Z=1"]
    );
    let after =
        post(&sb, VALIDATE, &json!({ "accountBalances": [item("VAL-1", "2024-02-01T00:00:00Z")] }))
            .await;
    assert_eq!(after.body["results"][0]["errorCode"], "O005", "{after:#?}");
    assert_eq!(n_snapshots(&history(&sb, &id)), 2, "validation still stores nothing");
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test]
async fn a_reused_communication_number_is_rejected_with_o005_and_keeps_the_first_snapshot() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    put_text(&sb, SEED).await.assert_amlyze_accepted();
    let stored = history(&sb, &id);

    // The same request again, and the same number with another balance: both O005.
    let reason = "field communicationNumber: \"COM217\" was already used by an accepted request";
    let used = "CommunicationNumber already used in amlyze";
    put_text(&sb, SEED).await.assert_amlyze_rejected("O005", used, reason);
    let other = balance("COM217", Some("DAILY_BALANCE"), "2024-01-01T00:00:00Z", "2");
    put_balance(&sb, &other).await.assert_amlyze_rejected("O005", used, reason);
    // Numbers are shared by every call: the account call says O005 too, the customer call O001
    // (as documented for it), and a batch item O005.
    post(&sb, ACCOUNT, &account("COM217", SEED_OWNER, "ORG-SECOND", "ACTIVE"))
        .await
        .assert_amlyze_rejected("O005", used, reason);
    post(&sb, CUSTOMER, &customer("COM217", "ORG-OTHER"))
        .await
        .assert_amlyze_rejected("O001", used, reason);
    let reply = post(&sb, BATCH, &json!({ "accountBalances": [other] })).await;
    assert_eq!(reply.body["results"][0]["errorCode"], "O005", "{reply:#?}");
    assert_eq!(reply.body["results"][0]["errorDescription"], used);

    assert_eq!(history(&sb, &id), stored, "the first snapshot alone");
    assert_eq!(ledger_state(&sb).await.len(), before.len(), "the account call opened nothing");
    assert_eq!(ledger_state(&sb).await, before);

    // A rejected request does not use its number up: a corrected retry may reuse it.
    let mut wrong = balance("RETRY-1", Some("AVAILABLE_BALANCE"), "2024-01-01T00:00:00Z", "10");
    put_balance(&sb, &wrong).await.assert_amlyze_rejected(
        "O001",
        "BalanceType does not exist in Amlyze",
        "field balanceType: \"AVAILABLE_BALANCE\" is not in the classifier (DAILY_BALANCE, \
         STATEMENT_BALANCE)",
    );
    wrong["balanceType"] = json!("DAILY_BALANCE");
    put_balance(&sb, &wrong).await.assert_amlyze_accepted();
    assert_eq!(series(&history(&sb, &id), Some("DAILY_BALANCE")), ["2024-01-01T00:00:00Z=10"]);
}

#[tokio::test]
async fn snapshots_are_kept_per_balance_type_in_balance_at_order() {
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    for (number, balance_type, at, value) in [
        ("H1", Some("DAILY_BALANCE"), "2024-03-01T00:00:00Z", "300"),
        ("H2", Some("DAILY_BALANCE"), "2024-01-01T00:00:00Z", "100"),
        ("H3", Some("DAILY_BALANCE"), "2024-02-01T02:00:00+02:00", "200"),
        // 2024-02-01T00:00:00Z again, written differently: it replaces H3.
        ("H4", Some("DAILY_BALANCE"), "2024-02-01T00:00:00", "250"),
        ("H5", Some("STATEMENT_BALANCE"), "2024-02-15T00:00:00Z", "-5.25"),
        ("H6", Some("STATEMENT_BALANCE"), "2024-01-15T00:00:00.5Z", "0.00"),
        ("H7", None, "2024-01-01T00:00:00Z", "100000.5665"),
        ("H8", None, "2023-12-31T23:59:59.999Z", "1.5E3"),
    ] {
        put_balance(&sb, &balance(number, balance_type, at, value)).await.assert_amlyze_accepted();
    }
    // And in a batch, out of order.
    let batch = json!({ "accountBalances": [
        balance("H9", Some("DAILY_BALANCE"), "2024-04-01T00:00:00Z", "400"),
        balance("H10", Some("DAILY_BALANCE"), "2023-12-01T00:00:00Z", "50"),
    ]});
    assert_eq!(post(&sb, BATCH, &batch).await.status, StatusCode::OK);

    let history = history(&sb, &id);
    assert_eq!(
        series(&history, Some("DAILY_BALANCE")),
        [
            "2023-12-01T00:00:00Z=50",
            "2024-01-01T00:00:00Z=100",
            "2024-02-01T00:00:00=250",
            "2024-03-01T00:00:00Z=300",
            "2024-04-01T00:00:00Z=400",
        ]
    );
    assert_eq!(
        series(&history, Some("STATEMENT_BALANCE")),
        ["2024-01-15T00:00:00.5Z=0.00", "2024-02-15T00:00:00Z=-5.25"]
    );
    // Digits are kept as sent, exponent included.
    assert_eq!(
        series(&history, None),
        ["2023-12-31T23:59:59.999Z=1500", "2024-01-01T00:00:00Z=100000.5665"]
    );
    // Untyped first, then the classifier's order; each snapshot says who sent it and when.
    let types: Vec<&Value> =
        history["balances"].as_array().unwrap().iter().map(|s| &s["balanceType"]).collect();
    assert_eq!(types, [&Value::Null, &json!("DAILY_BALANCE"), &json!("STATEMENT_BALANCE")]);
    let replaced = &history["balances"][1]["snapshots"][2];
    assert_eq!(replaced["communicationNumber"], "H4");
    assert_eq!(replaced["requester"], "core");
    assert_eq!(replaced["registeredAt"], REGISTERED_AT);
    assert_eq!(n_snapshots(&history), 9, "ten accepted, one replaced");
    assert_eq!(ledger_state(&sb).await, before, "none of them posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_parallel_registrations_with_distinct_numbers_are_all_accepted_and_all_kept() {
    const N: usize = 32;
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let bodies: Vec<String> = (0..N)
        .map(|i| {
            let at = format!("2024-01-01T00:{i:02}:00Z");
            balance(&format!("PAR-{i}"), Some("DAILY_BALANCE"), &at, &format!("{i}.{i:02}"))
                .to_string()
        })
        .collect();
    let replies = in_parallel(&sb, Method::PUT, BALANCE, bodies).await;
    for reply in &replies {
        reply.assert_amlyze_accepted();
    }
    let history = history(&sb, &id);
    let expected: Vec<String> =
        (0..N).map(|i| format!("2024-01-01T00:{i:02}:00Z={i}.{i:02}")).collect();
    assert_eq!(series(&history, Some("DAILY_BALANCE")), expected);
    let numbers: HashSet<&str> = history["balances"][0]["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["communicationNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), N);
    assert_eq!(ledger_state(&sb).await, before);
    // Every number is used now.
    let reply = put_balance(&sb, &balance("PAR-7", None, "2025-01-01T00:00:00Z", "1")).await;
    assert_eq!(reply.body["errorCode"], "O005");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_parallel_registrations_sharing_one_number_let_exactly_one_through() {
    const N: usize = 16;
    let (sb, id) = seeded().await;
    let before = ledger_state(&sb).await;
    let bodies: Vec<String> = (0..N)
        .map(|i| {
            let at = format!("2024-02-{:02}T00:00:00Z", i + 1);
            balance("SHARED-1", Some("DAILY_BALANCE"), &at, &i.to_string()).to_string()
        })
        .collect();
    let replies = in_parallel(&sb, Method::PUT, BALANCE, bodies).await;
    let (accepted, rejected): (Vec<&Reply>, Vec<&Reply>) =
        replies.iter().partition(|r| r.status == StatusCode::OK);
    assert_eq!(accepted.len(), 1, "{replies:#?}");
    accepted[0].assert_amlyze_accepted();
    assert_eq!(rejected.len(), N - 1);
    for reply in rejected {
        reply.assert_amlyze_rejected(
            "O005",
            "CommunicationNumber already used in amlyze",
            "field communicationNumber: \"SHARED-1\" was already used by an accepted request",
        );
    }
    let history = history(&sb, &id);
    assert_eq!(n_snapshots(&history), 1);
    assert_eq!(history["balances"][0]["snapshots"][0]["communicationNumber"], "SHARED-1");
    assert_eq!(ledger_state(&sb).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_registrations_of_one_account_id_open_one_ledger_account() {
    const N: usize = 16;
    let sb = Sandbox::start().await;
    post(&sb, CUSTOMER, &customer("PA-C", SEED_OWNER)).await.assert_amlyze_accepted();
    let bodies: Vec<String> = (0..N)
        .map(|i| account(&format!("PA-{i}"), SEED_OWNER, SEED_ACCOUNT, "ACTIVE").to_string())
        .collect();
    let replies = in_parallel(&sb, Method::POST, ACCOUNT, bodies).await;
    // The first creates the account, the others update it (CREATE and UPDATE both register).
    assert_eq!(replies.len(), N);
    for reply in &replies {
        reply.assert_amlyze_accepted();
    }
    let accounts = ledger_state(&sb).await;
    assert_eq!(accounts.len(), 1, "{accounts:#?}");
    put_text(&sb, SEED).await.assert_amlyze_accepted();
    let id = accounts[0]["id"].as_str().unwrap();
    assert_eq!(n_snapshots(&history(&sb, id)), 1);
}
