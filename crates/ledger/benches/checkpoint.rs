//! Checkpoints of large ledgers: how long `checkpoint` holds the locks (it encodes under them,
//! so that is the whole call), how many bytes it writes, and how long `from_checkpoint` takes
//! to load them, for three shapes of a million transfers:
//! - `one_account_keyed`: one account, 1,000,000 keyed card transfers, the default config (so
//!   65,536 history entries and 262,144 idempotency keys kept, the rest dropped or evicted);
//! - `one_account_history`: one account keeping all of 1,000,000 history entries;
//! - `accounts_100k`: 100,000 accounts with 10 transfers each.
//!
//! With the served binary's allocator (mimalloc): loading is mostly allocation.
//!
//! Run: `cargo bench -p ledger --bench checkpoint` (it prints each fixture's bytes, then
//! criterion's times). `cargo test --all-targets` runs each once on fixtures a hundred times
//! smaller.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ledger::{
    AccountId, Config, Currency, IdempotencyKey, Ledger, Limits, Metadata, Namespace, NewAccount,
    TenantId, Timestamp, Transfer,
};
use rust_decimal::Decimal;
use uuid::Uuid;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn keyed() -> Ledger {
    let namespace = Arc::new(Namespace {
        name: "clowd9".into(),
        remember_rejections: true,
        retention: Duration::from_secs(86_400),
    });
    let ledger = Ledger::new(Config::default());
    let id = open(&ledger, 0);
    for n in 0..scale(1_000_000) {
        purchase(&ledger, id, n, Some(&namespace));
    }
    ledger
}

const LONG_HISTORY: Config = Config {
    n_shards: 256,
    n_key_shards: 16,
    history_entries_max: 1 << 20,
    idempotency_keys_max: 1 << 18,
};

fn long_history() -> Ledger {
    let ledger = Ledger::new(LONG_HISTORY);
    let id = open(&ledger, 0);
    for n in 0..scale(1_000_000) {
        purchase(&ledger, id, n, None);
    }
    ledger
}

fn many_accounts() -> Ledger {
    let ledger = Ledger::new(Config::default());
    for account in 0..scale(100_000) {
        let id = open(&ledger, account);
        for n in 0..10 {
            purchase(&ledger, id, account * 10 + n, None);
        }
    }
    ledger
}

/// Whether the command line names a filter (`accounts_100k`, `one_account_history/decode`)
/// that leaves out every bench of fixture `name`: it is then not built at all (slow).
fn filtered_out(name: &str) -> bool {
    // Criterion's one positional argument; the others are flags and flags' values.
    const SWITCHES: [&str; 6] = ["--bench", "--test", "--list", "--exact", "--noplot", "--quick"];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let is_filter = |idx: usize| {
        let after_option = idx.checked_sub(1).is_some_and(|prev| {
            args[prev].starts_with("--") && !SWITCHES.contains(&args[prev].as_str())
        });
        !args[idx].starts_with('-') && !after_option
    };
    let filter = (0..args.len()).find(|idx| is_filter(*idx)).map(|idx| &args[idx]);
    filter.is_some_and(|filter| !name.contains(filter.as_str()) && !filter.contains(name))
}

/// A fixture's name, the config it is built with, and how to build it.
type Fixture = (&'static str, Config, fn() -> Ledger);

/// This thread's time on a CPU so far (Linux), which a busy machine disturbs far less than
/// wall time: this VM's two cores are shared.
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

/// This thread's page faults so far (Linux): memory it touched for the first time.
fn page_faults() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The fields after the command name (which may hold spaces): state, then minflt 7 later.
    let after_name = text.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(7)?.parse().ok()
}

/// Wall and on-CPU time of `work`, once, and the pages it touched first.
fn timed<T>(work: impl FnOnce() -> T) -> (T, String) {
    let (faults, cpu, wall) = (page_faults(), on_cpu(), Instant::now());
    let out = work();
    let (wall, cpu) = (wall.elapsed(), on_cpu().zip(cpu).map(|(after, before)| after - before));
    let faults = page_faults().zip(faults).map(|(after, before)| after - before);
    let cpu = cpu.map_or_else(|| "?".to_string(), tenths_of_ms);
    let faults = faults.map_or_else(|| "?".to_string(), |n| n.to_string());
    (out, format!("{} ms wall, {cpu} ms on CPU, {faults} page faults", tenths_of_ms(wall)))
}

/// A duration in milliseconds with one decimal, in integers (the workspace lints floats).
fn tenths_of_ms(duration: Duration) -> String {
    let tenths = duration.as_micros() / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// One checkpoint and one load of a fixture, timed alone: the bytes, and the time under the
/// locks and to load, on the CPU as well as on the wall.
#[expect(clippy::print_stdout, reason = "a bench reports what criterion does not measure")]
fn report(name: &str, config: Config, ledger: &Ledger, bytes: &[u8], seq: u64) {
    let mut out = Vec::with_capacity(bytes.len());
    let (_, locked) = timed(|| ledger.checkpoint(&mut out));
    // The first load takes fresh memory from the system, as a start does; the second reuses
    // what the first freed, as criterion's repeated loads below do.
    let (loaded, first) = timed(|| Ledger::from_checkpoint(config, bytes, None));
    drop(loaded);
    let (loaded, again) = timed(|| Ledger::from_checkpoint(config, bytes, None));
    drop(loaded);
    println!(
        "checkpoint/{name}: {} bytes at seq {seq}\n  under the locks: {locked}\n  \
         first load: {first}\n  load again: {again}",
        bytes.len(),
    );
}

fn checkpoint(c: &mut Criterion) {
    let mut group = c.benchmark_group("checkpoint");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    let fixtures: [Fixture; 3] = [
        ("one_account_keyed", Config::default(), keyed),
        ("one_account_history", LONG_HISTORY, long_history),
        ("accounts_100k", Config::default(), many_accounts),
    ];
    for (name, config, build) in fixtures {
        if filtered_out(name) {
            continue;
        }
        // One at a time, so that only one large ledger is in memory.
        let ledger = build();
        let mut bytes = Vec::new();
        let seq = ledger.checkpoint(&mut bytes);
        report(name, config, &ledger, &bytes, seq);
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
