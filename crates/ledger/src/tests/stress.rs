//! A bounded multi-threaded stress test: threads hammer a few shared accounts with transfers in
//! both directions between the same pairs (the classic deadlock shape), holds and keyed
//! retries; afterwards the invariants hold and every balance equals exactly the sum of the
//! accepted transfers.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    AccountId, Applied, Config, Currency, IdempotencyKey, Ledger, Limits, Mode, Namespace,
    NewAccount, Party, TenantId, Timestamp, Transfer,
};

const N_THREADS: usize = 4;
const N_OPS_PER_THREAD: usize = 3_000;
const N_ACCOUNTS: usize = 4;

/// A tiny deterministic generator, so a failure reproduces.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn concurrent_transfers_on_shared_accounts_keep_invariants_and_exact_balances() {
    let ledger = Arc::new(Ledger::new(Config {
        n_shards: 8,
        idempotency_keys_max: 100_000,
        ..Config::default()
    }));
    let tenant = TenantId(Uuid::from_u128(1));
    let usd = Currency::from_code("USD").unwrap();
    let now = Timestamp::from_unix_micros(1_767_225_600_000_000);
    let ids: Vec<AccountId> =
        (0..N_ACCOUNTS).map(|i| AccountId(Uuid::from_u128(0x5000 + i as u128))).collect();
    for (idx, id) in ids.iter().enumerate() {
        let limits =
            Limits { balance_min: Decimal::new(-(idx as i64) * 10, 0), ..Limits::default() };
        let new = NewAccount { id: *id, tenant, currency: usd, limits, labels: Default::default() };
        ledger.open_account(now, new).unwrap();
        ledger.transfer(now, Transfer::credit(tenant, *id, Decimal::new(500, 0), usd)).unwrap();
    }
    let namespace = Arc::new(Namespace {
        name: "stress".into(),
        remember_rejections: false,
        retention: Duration::from_secs(3600),
    });

    let workers: Vec<_> = (0..N_THREADS)
        .map(|thread_idx| {
            let (ledger, ids, namespace) = (ledger.clone(), ids.clone(), namespace.clone());
            thread::spawn(move || {
                let mut rng = 0x9E37_79B9_7F4A_7C15 ^ (thread_idx as u64 + 1);
                // Net change per account from this thread's accepted transfers, in cents.
                let mut deltas = [0i64; N_ACCOUNTS];
                for op_idx in 0..N_OPS_PER_THREAD {
                    let a = (next(&mut rng) % N_ACCOUNTS as u64) as usize;
                    let b =
                        (a + 1 + (next(&mut rng) % (N_ACCOUNTS as u64 - 1)) as usize) % N_ACCOUNTS;
                    let cents = (next(&mut rng) % 5_000) as i64 + 1;
                    let amount = Decimal::new(cents, 2);
                    let (debit, credit) = match next(&mut rng) % 4 {
                        0 => (Some(a), None),
                        1 => (None, Some(a)),
                        _ => (Some(a), Some(b)),
                    };
                    let party = |idx: Option<usize>| {
                        idx.map_or(Party::External, |i| Party::Account(ids[i]))
                    };
                    let mut req =
                        Transfer::between(tenant, party(debit), party(credit), amount, usd);
                    // Every eighth transfer is sent twice with the same key, as a client retry.
                    let retry = op_idx % 8 == 0;
                    if retry {
                        let key = format!("t{thread_idx}-{op_idx}");
                        req = req.with_key(IdempotencyKey::new(namespace.clone(), key));
                    }
                    let mut n_new = usize::from(matches!(
                        ledger.transfer(now, req.clone()),
                        Ok(Applied::New(_))
                    ));
                    if retry {
                        // A rejection is not remembered in this namespace, so the retry may
                        // succeed if other threads freed funds meanwhile; an acceptance must
                        // be replayed, never applied twice.
                        let second = ledger.transfer(now, req.clone());
                        if n_new == 1 {
                            assert!(matches!(second, Ok(Applied::Replayed(_))), "{second:?}");
                        }
                        n_new += usize::from(matches!(second, Ok(Applied::New(_))));
                    }
                    if n_new == 1 {
                        if let Some(d) = debit {
                            deltas[d] -= cents;
                        }
                        if let Some(c) = credit {
                            deltas[c] += cents;
                        }
                    }
                    // A short-lived hold now and then, voided straight away.
                    if op_idx % 50 == 0 {
                        let hold = Transfer::debit(tenant, ids[a], Decimal::ONE, usd)
                            .with_mode(Mode::Pending { expires_at: None });
                        if let Ok(applied) = ledger.transfer(now, hold) {
                            ledger.void_pending(now, tenant, applied.receipt().id).unwrap();
                        }
                    }
                }
                deltas
            })
        })
        .collect();

    let mut totals = [0i64; N_ACCOUNTS];
    for worker in workers {
        for (total, delta) in totals.iter_mut().zip(worker.join().unwrap()) {
            *total += delta;
        }
    }
    ledger.verify(now).unwrap();
    let mut sum = Decimal::ZERO;
    for (idx, id) in ids.iter().enumerate() {
        let view = ledger.account(now, tenant, *id).unwrap();
        let expected = Decimal::new(50_000 + totals[idx], 2);
        assert_eq!(view.balances.posted, expected, "account {idx}");
        assert!(view.balances.available >= view.limits.balance_min);
        sum += view.balances.posted;
    }
    assert_eq!(ledger.external_balance(tenant, usd), -sum);
}

#[test]
fn one_keyed_transfer_sent_from_many_threads_at_once_moves_money_once() {
    let ledger = Arc::new(Ledger::new(Config { n_shards: 8, ..Config::default() }));
    let tenant = TenantId(Uuid::from_u128(2));
    let usd = Currency::from_code("USD").unwrap();
    let now = Timestamp::from_unix_micros(1_767_225_600_000_000);
    let id = AccountId(Uuid::from_u128(0x6000));
    let new = NewAccount {
        id,
        tenant,
        currency: usd,
        limits: Limits::default(),
        labels: Default::default(),
    };
    ledger.open_account(now, new).unwrap();
    let namespace = Arc::new(Namespace {
        name: "race".into(),
        remember_rejections: true,
        retention: Duration::from_secs(3600),
    });
    // Round after round, N threads released together send the same keyed credit; the key's
    // record is written after the account is unlocked, so a late thread must still replay it.
    for round in 0..200 {
        let key = IdempotencyKey::new(namespace.clone(), format!("round-{round}"));
        let req = Transfer::credit(tenant, id, Decimal::ONE, usd).with_key(key);
        let barrier = Arc::new(std::sync::Barrier::new(N_THREADS));
        let outcomes: Vec<Applied> = (0..N_THREADS)
            .map(|_| {
                let (ledger, req, barrier) = (ledger.clone(), req.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    ledger.transfer(now, req).unwrap()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect();
        let n_new = outcomes.iter().filter(|o| matches!(o, Applied::New(_))).count();
        assert_eq!(n_new, 1, "round {round}: {outcomes:?}");
        let first = outcomes[0].receipt();
        assert!(outcomes.iter().all(|o| o.receipt() == first), "every caller sees one receipt");
    }
    let view = ledger.account(now, tenant, id).unwrap();
    assert_eq!(view.balances.posted, Decimal::new(200, 0));
    ledger.verify(now).unwrap();
}
