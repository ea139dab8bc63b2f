//! Checkpoints of large ledgers: how long `checkpoint` holds the locks (it encodes under them,
//! so that is the whole call), how many bytes it writes, and how long `from_checkpoint` takes
//! to load them, for three shapes of a million transfers:
//! - `one_account_keyed`: one account, 1,000,000 keyed card transfers, the default config (so
//!   65,536 history entries and 262,144 idempotency keys kept, the rest dropped or evicted);
//! - `one_account_history`: one account keeping all of 1,000,000 history entries;
//! - `accounts_100k`: 100,000 accounts with 10 transfers each.
//!
//! Run: `cargo bench -p ledger --bench checkpoint` (it prints each fixture's bytes, then
//! criterion's times). `cargo test --all-targets` runs each once on fixtures a hundred times
//! smaller.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ledger::{
    AccountId, Config, Currency, IdempotencyKey, Ledger, Limits, Metadata, Namespace, NewAccount,
    TenantId, Timestamp, Transfer,
};
use rust_decimal::Decimal;
use uuid::Uuid;

const NOW: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);
const TENANT: TenantId = TenantId(Uuid::from_u128(1));

/// Fixtures at full size under `cargo bench`, a hundredth under `cargo test`.
fn scale(n: u64) -> u64 {
    if std::env::args().any(|arg| arg == "--bench") { n } else { n / 100 }
}

fn usd() -> Currency {
    Currency::from_code("USD").expect("USD is in the table")
}

fn open(ledger: &Ledger, n: u64) -> AccountId {
    let id = AccountId(Uuid::from_u64_pair(0xB0B, n));
    let labels = [("account_number".to_string(), format!("{n:012}"))].into();
    let new = NewAccount { id, tenant: TENANT, currency: usd(), limits: Limits::default(), labels };
    ledger.open_account_with_balance(NOW, new, Decimal::new(1_000_000, 2)).expect("fresh id");
    id
}

/// A card purchase as a vendor posts it: keyed (when `key` is given), with metadata.
fn purchase(ledger: &Ledger, id: AccountId, n: u64, key: Option<&Arc<Namespace>>) {
    let metadata =
        Metadata::from([("description", "Card purchase"), ("reference_id", &format!("R{n}"))]);
    let amount = Decimal::new(i64::try_from(n % 500).unwrap_or(0) + 1, 2);
    let mut req = Transfer::credit(TENANT, id, amount, usd()).with_metadata(metadata);
    if let Some(namespace) = key {
        req = req.with_key(IdempotencyKey::new(namespace.clone(), format!("key-{n}")));
    }
    ledger.transfer(NOW, req).expect("a credit within limits");
}

fn fixtures() -> Vec<(&'static str, Config, Ledger)> {
    let namespace = Arc::new(Namespace {
        name: "clowd9".into(),
        remember_rejections: true,
        retention: Duration::from_secs(86_400),
    });
    let keyed = Ledger::new(Config::default());
    let id = open(&keyed, 0);
    for n in 0..scale(1_000_000) {
        purchase(&keyed, id, n, Some(&namespace));
    }
    let long_config = Config { history_entries_max: 1 << 20, ..Config::default() };
    let long = Ledger::new(long_config);
    let id = open(&long, 0);
    for n in 0..scale(1_000_000) {
        purchase(&long, id, n, None);
    }
    let many = Ledger::new(Config::default());
    for account in 0..scale(100_000) {
        let id = open(&many, account);
        for n in 0..10 {
            purchase(&many, id, account * 10 + n, None);
        }
    }
    vec![
        ("one_account_keyed", Config::default(), keyed),
        ("one_account_history", long_config, long),
        ("accounts_100k", Config::default(), many),
    ]
}

#[expect(clippy::print_stdout, reason = "a bench reports the sizes criterion does not measure")]
fn checkpoint(c: &mut Criterion) {
    let mut group = c.benchmark_group("checkpoint");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (name, config, ledger) in fixtures() {
        let mut bytes = Vec::new();
        let seq = ledger.checkpoint(&mut bytes);
        println!("checkpoint/{name}: {} bytes at seq {seq}", bytes.len());
        // Everything `checkpoint` does is under the locks (each let go once written).
        group.bench_function(format!("{name}/encode_under_locks"), |b| {
            b.iter_batched_ref(
                || Vec::with_capacity(bytes.len()),
                |out| ledger.checkpoint(out),
                BatchSize::PerIteration,
            )
        });
        group.bench_function(format!("{name}/decode"), |b| {
            b.iter_with_large_drop(|| Ledger::from_checkpoint(config, &bytes, None))
        });
    }
    group.finish();
}

criterion_group!(benches, checkpoint);
criterion_main!(benches);
