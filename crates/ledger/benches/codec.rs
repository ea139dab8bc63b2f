//! Encoding and decoding one event of a typical keyed card transfer: the codec's share of every
//! durable write (encode) and of every event folded back at start-up (decode).
//!
//! Run: `cargo bench -p ledger --bench codec`. `cargo test --all-targets` runs each once.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ledger::{
    AccountId, Change, Currency, Event, IdempotencyKey, Metadata, Namespace, TenantId, Timestamp,
    Transfer, decode, encode,
};
use rust_decimal::Decimal;
use uuid::Uuid;

fn typical_event() -> Event {
    let namespace = Arc::new(Namespace {
        name: "clowd9".into(),
        remember_rejections: true,
        retention: Duration::from_secs(86_400),
    });
    let usd = Currency::from_code("USD").expect("USD is in the table");
    let transfer = Transfer::debit(
        TenantId(Uuid::from_u128(1)),
        AccountId(Uuid::from_u128(0xA1)),
        Decimal::new(1234, 2),
        usd,
    )
    .with_key(IdempotencyKey::new(namespace, "9f0c2b1e-5d7a-4c1e-8a3b-2f6d9e0c1a7b"))
    .with_metadata(Metadata::from([
        ("description", "Card purchase"),
        ("merchant", "Coffee Corner"),
        ("reference_id", "REF-000123"),
    ]));
    Event {
        seq: 1_234_567,
        at: Timestamp::from_unix_micros(1_767_225_600_000_000),
        change: Change::TransferCommitted(transfer),
    }
}

fn codec(c: &mut Criterion) {
    let event = typical_event();
    let mut group = c.benchmark_group("codec_transfer_committed");
    group.throughput(Throughput::Elements(1));
    // A journal reuses its buffer: encoding then allocates nothing.
    let mut buffer = Vec::with_capacity(256);
    group.bench_function("encode", |b| {
        b.iter(|| {
            buffer.clear();
            encode(std::hint::black_box(&event), &mut buffer);
            std::hint::black_box(buffer.len())
        })
    });
    let mut bytes = Vec::new();
    encode(&event, &mut bytes);
    group.bench_function("decode", |b| b.iter(|| decode(std::hint::black_box(&bytes))));
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
