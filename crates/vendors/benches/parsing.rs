//! The three ways the vendors once read a JSON request body, on one balance-write body, so the
//! one kept for all of them is chosen by measurement (ARCHITECTURE.md, "Reading a body"):
//!
//! - `value`: a `serde_json::Value` tree, then each field looked up and typed by hand;
//! - `typed`: a serde derive straight into owned, typed fields (`String`, `Number`), whose
//!   errors do not name the field;
//! - `fields`: a serde derive into borrowed `Option<Field>`s, each typed afterwards, naming the
//!   field in every error (what every vendor does now).
//!
//! Each reads the same seven fields and yields the same exact amount. Run:
//! `cargo bench -p vendors --bench parsing`; for instruction counts, which a busy machine does
//! not disturb, run the bench binary under `valgrind --tool=callgrind`.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a bench's setup failing is a bug")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Number, Value};
use vendors::common::json::Field;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A balance write as a client sends it: ids, an exact amount, texts, a count, a nested object.
const BODY: &[u8] = br#"{"account_id":"0b7e3c1a-6f9d-4d7e-9a51-3e2f4c5d6e7f","amount":1234.56,
"currency":"USD","direction":"credit","reference_id":"ref-000000012345","description":
"payroll top-up for March","priority":3,"metadata":{"source":"batch","line":17}}"#;

/// What every approach must produce.
#[derive(Debug, PartialEq)]
struct Command<'a> {
    account: &'a str,
    amount: Decimal,
    currency: &'a str,
    credit: bool,
    reference: &'a str,
    description: &'a str,
    priority: i64,
}

type Parsed<T> = Result<T, String>;

fn amount_of(text: &str) -> Parsed<Decimal> {
    ledger::parse_decimal(text).map_err(|err| format!("amount: {err}"))
}

#[inline(never)]
fn by_value(body: &[u8]) -> Parsed<(Decimal, bool)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).ok_or(format!("{key}: text"));
    let amount = match value.get("amount") {
        Some(Value::Number(number)) => amount_of(&number.to_string())?,
        _ => return Err("amount: number".into()),
    };
    let command = Command {
        account: text("account_id")?,
        amount,
        currency: text("currency")?,
        credit: text("direction")? == "credit",
        reference: text("reference_id")?,
        description: text("description")?,
        priority: value.get("priority").and_then(Value::as_i64).ok_or("priority: integer")?,
    };
    Ok((command.amount, command.credit && command.priority == 3))
}

#[derive(Deserialize)]
struct Typed {
    account_id: String,
    amount: Number,
    currency: String,
    direction: String,
    reference_id: String,
    description: String,
    priority: i64,
    #[allow(dead_code, reason = "read to make the shape the same")]
    metadata: Option<Value>,
}

#[inline(never)]
fn by_typed_derive(body: &[u8]) -> Parsed<(Decimal, bool)> {
    let typed: Typed = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let command = Command {
        account: &typed.account_id,
        amount: amount_of(&typed.amount.to_string())?,
        currency: &typed.currency,
        credit: typed.direction == "credit",
        reference: &typed.reference_id,
        description: &typed.description,
        priority: typed.priority,
    };
    Ok((command.amount, command.credit && command.priority == 3))
}

#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow)]
    account_id: Option<Field<'a>>,
    #[serde(borrow)]
    amount: Option<Field<'a>>,
    #[serde(borrow)]
    currency: Option<Field<'a>>,
    #[serde(borrow)]
    direction: Option<Field<'a>>,
    #[serde(borrow)]
    reference_id: Option<Field<'a>>,
    #[serde(borrow)]
    description: Option<Field<'a>>,
    #[serde(borrow)]
    priority: Option<Field<'a>>,
    #[serde(borrow)]
    #[allow(dead_code, reason = "read to make the shape the same")]
    metadata: Option<Field<'a>>,
}

fn text<'a>(field: &'a Option<Field<'a>>, name: &str) -> Parsed<&'a str> {
    match field {
        Some(Field::String(text)) => Ok(text),
        Some(other) => Err(format!("{name}: {} is no text", other.type_name())),
        None => Err(format!("{name}: required")),
    }
}

#[inline(never)]
fn by_fields(body: &[u8]) -> Parsed<(Decimal, bool)> {
    let fields: Fields<'_> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    command_of(body, &fields)
}

/// `by_fields` on text already known to be UTF-8 (the strict check proves it), which spares
/// serde_json checking each string again.
#[inline(never)]
fn by_fields_of_text(body: &str) -> Parsed<(Decimal, bool)> {
    let fields: Fields<'_> = serde_json::from_str(body).map_err(|e| e.to_string())?;
    command_of(body.as_bytes(), &fields)
}

fn command_of(_body: &[u8], fields: &Fields<'_>) -> Parsed<(Decimal, bool)> {
    let amount = match &fields.amount {
        Some(Field::Number(number)) => amount_of(number)?,
        _ => return Err("amount: number".into()),
    };
    let command = Command {
        account: text(&fields.account_id, "account_id")?,
        amount,
        currency: text(&fields.currency, "currency")?,
        credit: text(&fields.direction, "direction")? == "credit",
        reference: text(&fields.reference_id, "reference_id")?,
        description: text(&fields.description, "description")?,
        priority: match &fields.priority {
            Some(Field::Number(number)) => {
                vendors::common::json::integer_text(number).ok_or("priority: integer")?
            }
            _ => return Err("priority: integer".into()),
        },
    };
    Ok((command.amount, command.credit && command.priority == 3))
}

fn parsing(c: &mut Criterion) {
    let expected = Ok((Decimal::new(123_456, 2), true));
    assert_eq!(by_value(BODY), expected);
    assert_eq!(by_typed_derive(BODY), expected);
    assert_eq!(by_fields(BODY), expected);
    let mut group = c.benchmark_group("parsing");
    group.bench_function("value", |b| b.iter(|| by_value(black_box(BODY))));
    group.bench_function("typed", |b| b.iter(|| by_typed_derive(black_box(BODY))));
    group.bench_function("fields", |b| b.iter(|| by_fields(black_box(BODY))));
    let text = std::str::from_utf8(BODY).unwrap();
    assert_eq!(by_fields_of_text(text), expected);
    group.bench_function("fields_of_text", |b| b.iter(|| by_fields_of_text(black_box(text))));
    group.finish();
}

criterion_group!(benches, parsing);
criterion_main!(benches);
