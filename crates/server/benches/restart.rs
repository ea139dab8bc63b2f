//! How long a start takes to fold back a store holding many transfers, and how large the store
//! is per transfer.
//!
//! `cargo bench -p server --bench restart -- 1000000` builds a store of that many keyed,
//! metadata-carrying transfers (through the ledger and the store, as requests would), with a
//! checkpoint taken near the end (as the background thread would) and a thousand transfers
//! after it, closes it, then times `App::new` on it — the time from process start to serving,
//! less the binary's own start-up — once from the checkpoint and once, with the checkpoints'
//! database deleted, replaying every event. Under `cargo test` it runs a small store as a smoke test.

#![allow(
    clippy::print_stdout,
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    reason = "a bench prints its timings"
)]

use std::time::Instant;

use ledger::{Currency, IdempotencyKey, Labels, Limits, Metadata, Namespace, NewAccount, Transfer};
use server::{App, Config, store};

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let transfers: u64 = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(if benching { 1_000_000 } else { 2_000 });
    let dir = std::env::temp_dir().join(format!("sandbank-restart-bench-{}", std::process::id()));
    let config = Config {
        data: Some(dir.clone()),
        sync: store::Sync::Off,
        admin_token: Some("sbk_admin_bench".into()),
        seed: Some(1),
        ..Config::default()
    };
    let built = Instant::now();
    fill(&config, transfers);
    let fill_time = built.elapsed();
    let size: u64 = [store::FILE_NAME, store::CHECKPOINTS_FILE_NAME]
        .iter()
        .filter_map(|name| std::fs::metadata(dir.join(name)).ok())
        .map(|m| m.len())
        .sum();
    let from_checkpoint = restart(&config, transfers);
    let checkpoints = dir.join(store::CHECKPOINTS_FILE_NAME);
    std::fs::remove_file(&checkpoints).expect("the checkpoints' database is there");
    let from_events = restart(&config, transfers);
    println!(
        "{transfers} transfers: stored in {:.1} s; restart from the checkpoint {:.3} s, \
         replaying every event {:.3} s ({:.2} µs per transfer); store {:.1} MB, {:.0} bytes per \
         transfer (checkpoint included)",
        fill_time.as_secs_f64(),
        from_checkpoint.as_secs_f64(),
        from_events.as_secs_f64(),
        from_events.as_secs_f64() * 1e6 / transfers as f64,
        size as f64 / 1e6,
        size as f64 / transfers as f64,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// How long a start on the store takes; checks every transfer came back.
fn restart(config: &Config, transfers: u64) -> std::time::Duration {
    let started = Instant::now();
    let app = App::new(config.clone()).expect("the store opens");
    let took = started.elapsed();
    let tenant = server::tenants::DEFAULT_TENANT;
    let accounts = app.ledger.accounts(ledger::Timestamp::from_unix_micros(0), tenant);
    assert_eq!(accounts.len(), 1, "the account came back");
    let posted = accounts[0].balances.posted;
    assert_eq!(posted, rust_decimal::Decimal::new(i64::try_from(transfers).unwrap_or(0), 0));
    took
}

/// A store with one account and `n` keyed credits, each with two metadata fields; a
/// checkpoint is taken before the last thousand.
fn fill(config: &Config, n: u64) {
    let app = App::new(config.clone()).expect("a new store opens");
    let tenant = server::tenants::DEFAULT_TENANT;
    let gbp = Currency::from_code("GBP").expect("GBP");
    let account = ledger::AccountId(uuid::Uuid::from_u128(42));
    let start = ledger::Timestamp::from_unix_micros(1_767_225_600_000_000);
    let new = NewAccount {
        id: account,
        tenant,
        currency: gbp,
        limits: Limits::default(),
        labels: Labels::default(),
    };
    app.ledger.open_account(start, new).expect("opens");
    let namespace = std::sync::Arc::new(Namespace {
        name: "bench".into(),
        remember_rejections: false,
        retention: std::time::Duration::from_secs(86_400),
    });
    for i in 0..n {
        if i + 1000 == n || (n < 1000 && i == n / 2) {
            assert!(app.checkpoint(), "a checkpoint is taken");
        }
        let mut transfer =
            Transfer::credit(tenant, account, rust_decimal::Decimal::new(100, 2), gbp);
        transfer.idempotency = Some(IdempotencyKey::new(namespace.clone(), format!("bench-{i}")));
        let mut metadata = Metadata::new();
        metadata.insert("reference_id", format!("bench-{i}"));
        metadata.insert("direction", "Credit");
        transfer.metadata = Some(std::sync::Arc::new(metadata));
        let at = ledger::Timestamp::from_unix_micros(start.as_unix_micros() + i as i64);
        app.ledger.transfer(at, transfer).expect("applies");
    }
}
