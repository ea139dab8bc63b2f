//! Posted transfers per second, with idempotency keys on: one thread, and two threads on
//! disjoint accounts, each with the default sharding and with a single lock (`n_shards: 1`) so
//! the choice of sharding stays a measured one.
//!
//! Run: `cargo bench -p ledger --bench transfers`. `cargo test --all-targets` runs each once.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ledger::{
    AccountId, Config, Currency, IdempotencyKey, Ledger, Limits, Namespace, NewAccount, TenantId,
    Timestamp, Transfer,
};
use rust_decimal::Decimal;
use uuid::Uuid;

const N_ACCOUNTS_PER_THREAD: u64 = 64;
const NOW: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);

struct Fixture {
    ledger: Arc<Ledger>,
    tenant: TenantId,
    usd: Currency,
    namespace: Arc<Namespace>,
}

fn fixture(n_shards: usize, n_threads: u64) -> Fixture {
    let ledger = Arc::new(Ledger::new(Config { n_shards, ..Config::default() }));
    let tenant = TenantId(Uuid::from_u128(1));
    let usd = Currency::from_code("USD").expect("USD is in the table");
    for n in 0..N_ACCOUNTS_PER_THREAD * n_threads {
        let new = NewAccount {
            id: account(n),
            tenant,
            currency: usd,
            limits: Limits::default(),
            labels: Default::default(),
        };
        ledger.open_account(NOW, new).expect("fresh ids");
    }
    let namespace = Arc::new(Namespace {
        name: "bench".into(),
        remember_rejections: true,
        retention: Duration::from_secs(86_400),
    });
    Fixture { ledger, tenant, usd, namespace }
}

fn account(n: u64) -> AccountId {
    AccountId(Uuid::from_u64_pair(0xB0B, n))
}

/// Runs `n_transfers` keyed credits on thread `thread_idx`'s own accounts.
fn credit_loop(fixture: &Fixture, thread_idx: u64, n_transfers: u64) {
    let amount = Decimal::new(1234, 2);
    for i in 0..n_transfers {
        let id = account(thread_idx * N_ACCOUNTS_PER_THREAD + i % N_ACCOUNTS_PER_THREAD);
        let key = IdempotencyKey::new(fixture.namespace.clone(), format!("{thread_idx}-{i}"));
        let req = Transfer::credit(fixture.tenant, id, amount, fixture.usd).with_key(key);
        let res = fixture.ledger.transfer(NOW, req);
        debug_assert!(res.is_ok());
        std::hint::black_box(res).ok();
    }
}

fn run(n_shards: usize, n_threads: u64, iters: u64) -> Duration {
    let fixture = Arc::new(fixture(n_shards, n_threads));
    let start = Instant::now();
    let workers: Vec<_> = (0..n_threads)
        .map(|thread_idx| {
            let fixture = fixture.clone();
            thread::spawn(move || credit_loop(&fixture, thread_idx, iters / n_threads))
        })
        .collect();
    for worker in workers {
        worker.join().expect("bench thread");
    }
    start.elapsed()
}

fn transfers(c: &mut Criterion) {
    let mut group = c.benchmark_group("posted_transfers_with_keys");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(4));
    for (name, n_shards, n_threads) in
        [("1_thread", 256, 1), ("2_threads_disjoint", 256, 2), ("2_threads_single_lock", 1, 2)]
    {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| run(n_shards, n_threads, iters.max(n_threads)))
        });
    }
    group.finish();
}

criterion_group!(benches, transfers);
criterion_main!(benches);
