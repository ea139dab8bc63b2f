//! Clowd9 under concurrent load over HTTP: money stays exact whatever the interleaving.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_debits_against_twenty_debits_worth_leave_exactly_zero() {
    let sb = start().await;
    let account = open(&sb, "200.00", json!({})).await;
    let token = login(&sb).await.access;

    let mut tasks = JoinSet::new();
    for _ in 0..50 {
        let client = sb.client.clone();
        let url = sb.url(UPDATE);
        let token = token.clone();
        let body =
            json!({ "account_id": account.account_id, "amount": 1000, "direction": "Debit" });
        tasks.spawn(async move {
            Reply::read(client.post(url).bearer_auth(token).json(&body).send().await.unwrap()).await
        });
    }
    let replies = tokio::time::timeout(PHASE_TIMEOUT, tasks.join_all()).await.unwrap();

    let mut new_balances = Vec::new();
    let mut n_refused = 0;
    for reply in &replies {
        if reply.status == StatusCode::OK {
            let previous = reply.body["previous_account_balance"].as_str().unwrap();
            let new = reply.body["new_account_balance"].as_str().unwrap();
            assert_eq!(previous.parse::<i64>().unwrap() - 1000, new.parse::<i64>().unwrap());
            new_balances.push(new.parse::<i64>().unwrap());
        } else {
            reply.assert_seed_failure(&account.account_id, "insufficient balance");
            n_refused += 1;
        }
    }
    assert_eq!(new_balances.len(), 20);
    assert_eq!(n_refused, 30);
    // Each success saw a different balance: the debits were applied one after another.
    new_balances.sort_unstable();
    assert_eq!(new_balances, (0..20).map(|n| n * 1000).collect::<Vec<i64>>());

    assert_eq!(admin_posted(&sb, &account.id).await, 0);
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (0, 0));
    let entries = admin_entries(&sb, &account.id).await;
    assert_eq!(entries.len(), 21);
    assert!(entries.iter().all(|entry| minor_of(entry["posted_after"].as_str().unwrap()) >= 0));
}

/// One change of the load test: request number, credit or not, amount in minor units.
#[derive(Debug, Clone, Copy)]
struct Change {
    n: u64,
    credit: bool,
    amount: i64,
}

/// A deterministic, well-mixed change for request `n` (splitmix64): credits of 1..=2000 and
/// debits of 1..=3000 minor units.
fn change(n: u64) -> Change {
    let mut z = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let credit = z & 1 == 0;
    let span = if credit { 2000 } else { 3000 };
    Change { n, credit, amount: 1 + i64::try_from((z >> 8) % span).unwrap() }
}

/// What one request of the load test got back.
#[derive(Debug)]
enum Outcome {
    Accepted { previous: i64, new: i64 },
    Refused,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_connections_of_mixed_changes_leave_exactly_the_accepted_sum() {
    const TASKS: u64 = 64;
    const PER_TASK: u64 = 50;
    const OPENING: i64 = 5000;

    let sb = start().await;
    let account = open(
        &sb,
        "50.00",
        json!({ "limits": {
            "balance_min": "0",
            "balance_max": null,
            "daily_debit_amount_max": null,
            "daily_debit_count_max": null,
            "daily_credit_amount_max": null,
            "daily_credit_count_max": null,
        } }),
    )
    .await;
    let token = login(&sb).await.access;
    let client =
        Client::builder().pool_max_idle_per_host(64).timeout(REQUEST_TIMEOUT).build().unwrap();

    let changes: Vec<Change> = (0..TASKS * PER_TASK).map(change).collect();
    let total_credits: i64 = changes.iter().filter(|c| c.credit).map(|c| c.amount).sum();
    let total_debits: i64 = changes.iter().filter(|c| !c.credit).map(|c| c.amount).sum();
    // More is asked in debits than could ever be there, so some debits must be refused
    // whatever the interleaving.
    assert!(total_debits > OPENING + total_credits, "{total_debits} vs {total_credits}");

    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let client = client.clone();
        let url = sb.url(UPDATE);
        let token = token.clone();
        let account_id = account.account_id.clone();
        let mine: Vec<Change> =
            changes[(task * PER_TASK) as usize..((task + 1) * PER_TASK) as usize].to_vec();
        tasks.spawn(async move {
            let mut results = Vec::with_capacity(mine.len());
            for change in mine {
                let body = json!({
                    "account_id": account_id,
                    "amount": change.amount,
                    "direction": if change.credit { "Credit" } else { "Debit" },
                    "reference": format!("load-{}", change.n),
                });
                let sent = client.post(&url).bearer_auth(&token).json(&body).send().await;
                let result = match sent {
                    Err(err) => Err(format!("request {}: {err}", change.n)),
                    Ok(resp) => {
                        let status = resp.status();
                        match resp.bytes().await {
                            Err(err) => Err(format!("request {}: body: {err}", change.n)),
                            Ok(bytes) => Ok((status, bytes)),
                        }
                    }
                };
                results.push((change, result));
            }
            results
        });
    }
    let results = tokio::time::timeout(PHASE_TIMEOUT, tasks.join_all()).await.unwrap();

    let mut outcomes: BTreeMap<u64, (Change, Outcome)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (change, result) in results.into_iter().flatten() {
        let (status, bytes) = match result {
            Ok(pair) => pair,
            Err(err) => {
                failures.push(err);
                continue;
            }
        };
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let outcome = match status {
            StatusCode::OK => {
                assert_eq!(body["account_id"], account.account_id.as_str());
                assert_eq!(body["previous_account_balance_direction"], "credit");
                assert_eq!(body["new_account_balance_direction"], "credit");
                let read = |key: &str| body[key].as_str().unwrap().parse::<i64>().unwrap();
                let (previous, new) =
                    (read("previous_account_balance"), read("new_account_balance"));
                let delta = if change.credit { change.amount } else { -change.amount };
                assert_eq!(new - previous, delta, "request {}: {body}", change.n);
                Outcome::Accepted { previous, new }
            }
            StatusCode::BAD_REQUEST => {
                assert!(!change.credit, "a credit was refused: {body}");
                assert_eq!(body["account_id"], account.account_id.as_str());
                assert_eq!(body["reason"], "insufficient balance", "request {}", change.n);
                assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
                assert!(is_dashed_uuid(body["trace_id"].as_str().unwrap()), "{body}");
                Outcome::Refused
            }
            other => {
                failures.push(format!("request {}: {other} {body}", change.n));
                continue;
            }
        };
        outcomes.insert(change.n, (change, outcome));
    }
    assert!(failures.is_empty(), "{} failures, first: {:?}", failures.len(), failures.first());
    assert_eq!(outcomes.len(), changes.len());

    let accepted: Vec<&(Change, Outcome)> = outcomes
        .values()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Accepted { .. }))
        .collect();
    let accepted_credits: i64 =
        accepted.iter().filter(|(c, _)| c.credit).map(|(c, _)| c.amount).sum();
    let accepted_debits: i64 =
        accepted.iter().filter(|(c, _)| !c.credit).map(|(c, _)| c.amount).sum();
    let n_refused = outcomes.len() - accepted.len();
    assert_eq!(accepted_credits, total_credits, "no credit is refused on this account");
    assert!(n_refused > 0);
    assert!(accepted.iter().any(|(c, _)| !c.credit), "some debits were accepted");
    let expected = OPENING + accepted_credits - accepted_debits;
    assert!(expected >= 0);

    // The ledger, the admin API and the vendor all agree on the exact result.
    let admin = admin_account(&sb, &account.id).await;
    assert_eq!(minor_of(admin["balances"]["posted"].as_str().unwrap()), expected);
    assert_eq!(minor_of(admin["balances"]["available"].as_str().unwrap()), expected);
    assert_eq!(admin["n_entries"], accepted.len() + 1);
    assert_eq!(vendor_balance(&sb, &token, &account.account_id).await, (expected, expected));
    let details =
        call(&sb, Method::GET, &format!("/v1/accounts/{}", account.account_id), Some(&token), None)
            .await;
    assert_eq!(details.body["account_details"][0]["actual_balance"], expected);

    // History: the opening entry, then exactly the accepted changes, each once, in an order
    // whose running balance is what every response reported.
    let entries = admin_entries(&sb, &account.id).await;
    assert_eq!(entries.len(), accepted.len() + 1);
    assert_eq!(entries[0]["metadata"]["description"], "opening balance");
    assert_eq!(minor_of(entries[0]["posted_after"].as_str().unwrap()), OPENING);
    let mut running = OPENING;
    let mut seen = HashSet::new();
    for entry in &entries[1..] {
        let reference = entry["metadata"]["reference"].as_str().unwrap();
        let n: u64 = reference.strip_prefix("load-").unwrap().parse().unwrap();
        assert!(seen.insert(n), "request {n} is in history twice");
        let (change, outcome) = &outcomes[&n];
        let Outcome::Accepted { previous, new } = outcome else {
            panic!("refused request {n} is in history");
        };
        let amount = minor_of(entry["amount"].as_str().unwrap());
        assert_eq!(amount, change.amount);
        assert_eq!(entry["direction"], if change.credit { "credit" } else { "debit" });
        assert_eq!(*previous, running, "request {n} saw the balance before it");
        running += if change.credit { amount } else { -amount };
        assert_eq!(minor_of(entry["posted_after"].as_str().unwrap()), running);
        assert_eq!(*new, running);
        assert!(running >= 0, "the minimum balance of 0 held");
    }
    assert_eq!(running, expected);
    assert_eq!(seen.len(), accepted.len());
}
