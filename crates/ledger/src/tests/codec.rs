//! The event codec: arbitrary events of every kind round-trip to the bit (a decimal's scale and
//! the sign of a zero included); hostile, truncated or corrupted bytes are refused without a
//! panic; one encoding is pinned byte for byte; and a scripted ledger folds back from its
//! encoded journal to the same state.

use std::sync::Arc;
use std::time::Duration;

use expect_test::expect;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{NOW, T1, T2, TestJournal, usd};
use crate::{
    AccountId, Applied, CODEC_VERSION, Change, Config, Currency, DailyLimit, DecodeError, Error,
    Event, IdempotencyKey, Labels, Ledger, Limits, Metadata, Mode, Namespace, NewAccount, Party,
    Status, TenantId, Timestamp, Transfer, TransferId, decode, encode,
};

fn encoded(event: &Event) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode(event, &mut bytes);
    bytes
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
}

// Strategies, one per type an event holds.

fn uuid() -> impl Strategy<Value = Uuid> {
    prop_oneof![any::<u128>().prop_map(Uuid::from_u128), (0..4u128).prop_map(Uuid::from_u128)]
}

fn tenant() -> impl Strategy<Value = TenantId> {
    uuid().prop_map(TenantId)
}

fn account() -> impl Strategy<Value = AccountId> {
    uuid().prop_map(AccountId)
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![any::<i64>(), 1_700_000_000_000_000..1_900_000_000_000_000i64]
        .prop_map(Timestamp::from_unix_micros)
}

/// Any decimal `Decimal` can hold, built from raw bits so that negative zero and every scale
/// occur, and amounts as vendors send them.
fn decimal() -> BoxedStrategy<Decimal> {
    let raw = (any::<[u8; 12]>(), any::<bool>(), 0..=Decimal::MAX_SCALE, 0..13usize).prop_map(
        |(mantissa, negative, scale, n_bytes)| {
            let mut bytes = [0; 16];
            bytes[2] = scale as u8;
            bytes[3] = if negative { 0x80 } else { 0 };
            // Mantissas of every width, zero included.
            bytes[4..4 + n_bytes].copy_from_slice(&mantissa[..n_bytes]);
            Decimal::deserialize(bytes)
        },
    );
    prop_oneof![raw, (any::<i64>(), 0..=4u32).prop_map(|(m, scale)| Decimal::new(m, scale))].boxed()
}

fn currency() -> impl Strategy<Value = Currency> {
    let all: Vec<Currency> = Currency::all().collect();
    prop::sample::select(all)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z_]{0,12}".prop_map(String::from)]
}

fn labels() -> BoxedStrategy<Labels> {
    prop::collection::btree_map(text(), text(), 0..4).boxed()
}

fn metadata() -> BoxedStrategy<Metadata> {
    prop::collection::vec((text(), text()), 0..5)
        .prop_map(|pairs| {
            let mut metadata = Metadata::new();
            for (key, value) in pairs {
                metadata.insert(key, value);
            }
            metadata
        })
        .boxed()
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![Just(Status::Active), Just(Status::Frozen), Just(Status::Closed)]
}

fn limits() -> BoxedStrategy<Limits> {
    let amount = || prop::option::of(decimal());
    let count = || prop::option::of(any::<u32>());
    (decimal(), amount(), amount(), amount(), count(), amount(), count())
        .prop_map(|(min, max, per, dd, ddn, dc, dcn)| Limits {
            balance_min: min,
            balance_max: max,
            transfer_amount_max: per,
            daily_debit_amount_max: dd,
            daily_debit_count_max: ddn,
            daily_credit_amount_max: dc,
            daily_credit_count_max: dcn,
        })
        .boxed()
}

fn new_account() -> BoxedStrategy<NewAccount> {
    (account(), tenant(), currency(), limits(), labels())
        .prop_map(|(id, tenant, currency, limits, labels)| NewAccount {
            id,
            tenant,
            currency,
            limits,
            labels,
        })
        .boxed()
}

fn party() -> impl Strategy<Value = Party> {
    prop_oneof![Just(Party::External), account().prop_map(Party::Account)]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Posted),
        prop::option::of(timestamp()).prop_map(|expires_at| Mode::Pending { expires_at }),
        timestamp().prop_map(|available_at| Mode::Deferred { available_at }),
    ]
}

fn idempotency_key() -> BoxedStrategy<IdempotencyKey> {
    let retention = (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n));
    (text(), any::<bool>(), retention, text())
        .prop_map(|(name, remember_rejections, retention, key)| {
            let namespace = Namespace { name: name.into(), remember_rejections, retention };
            IdempotencyKey::new(Arc::new(namespace), key)
        })
        .boxed()
}

fn transfer() -> BoxedStrategy<Transfer> {
    let key = prop::option::of(idempotency_key());
    let metadata = prop::option::of(metadata().prop_map(Arc::new));
    (tenant(), party(), party(), decimal(), currency(), mode(), key, metadata)
        .prop_map(|(tenant, debit, credit, amount, currency, mode, idempotency, metadata)| {
            Transfer { tenant, debit, credit, amount, currency, mode, idempotency, metadata }
        })
        .boxed()
}

fn error() -> BoxedStrategy<Error> {
    let daily = [
        DailyLimit::DebitAmount,
        DailyLimit::DebitCount,
        DailyLimit::CreditAmount,
        DailyLimit::CreditCount,
    ];
    prop_oneof![
        prop::sample::select(vec![
            Error::IdempotencyConflict,
            Error::AmountNotPositive,
            Error::AmountScaleExceeded,
            Error::AmountTooLarge,
            Error::AccountNotFound,
            Error::SameAccount,
            Error::CurrencyMismatch,
            Error::TransferMaximumExceeded,
            Error::InsufficientFunds,
            Error::BalanceMaximumExceeded,
            Error::PendingNotFound,
            Error::PendingAlreadyPosted,
            Error::PendingAlreadyVoided,
            Error::PendingExpired,
            Error::PendingAmountExceeded,
            Error::JournalUnavailable,
        ]),
        status().prop_map(|status| Error::AccountNotActive { status }),
        prop::sample::select(daily.to_vec()).prop_map(|limit| Error::DailyLimitExceeded { limit }),
    ]
    .boxed()
}

fn change() -> BoxedStrategy<Change> {
    let pending = any::<u64>().prop_map(TransferId);
    prop_oneof![
        (new_account(), decimal()).prop_map(|(account, opening_balance)| Change::AccountOpened {
            account,
            opening_balance
        }),
        (tenant(), account(), status()).prop_map(|(tenant, account, status)| Change::StatusSet {
            tenant,
            account,
            status
        }),
        (tenant(), account(), limits()).prop_map(|(tenant, account, limits)| Change::LimitsSet {
            tenant,
            account,
            limits
        }),
        (tenant(), account(), prop::option::of(status()), prop::option::of(limits())).prop_map(
            |(tenant, account, status, limits)| Change::AccountUpdated {
                tenant,
                account,
                status,
                limits
            }
        ),
        transfer().prop_map(Change::TransferCommitted),
        (transfer(), error())
            .prop_map(|(transfer, error)| Change::TransferRejected { transfer, error }),
        (tenant(), pending.clone(), prop::option::of(decimal())).prop_map(
            |(tenant, pending, amount)| Change::PendingPosted { tenant, pending, amount }
        ),
        (tenant(), pending).prop_map(|(tenant, pending)| Change::PendingVoided { tenant, pending }),
        tenant().prop_map(|tenant| Change::TenantReset { tenant }),
    ]
    .boxed()
}

fn event() -> impl Strategy<Value = Event> {
    let seq = prop_oneof![any::<u64>(), 1..1_000u64];
    (seq, timestamp(), change()).prop_map(|(seq, at, change)| Event { seq, at, change })
}

/// `bytes` decode without a panic; whatever decodes is exactly what `encode` writes for it
/// (one encoding per event, so a changed byte never passes for the same event).
fn decodes_only_canonically(bytes: &[u8]) -> Result<Event, DecodeError> {
    let res = decode(bytes);
    if let Ok(event) = &res {
        assert_eq!(encoded(event), bytes, "{event:?} decoded from bytes it does not encode to");
    }
    res
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn every_event_decodes_to_itself_bit_for_bit(event in event()) {
        let bytes = encoded(&event);
        let decoded = decode(&bytes);
        prop_assert_eq!(decoded.as_ref(), Ok(&event));
        // `Decimal`'s equality ignores scale (1.0 == 1.00) and the sign of zero: the bytes
        // of the decoded event must be the same too.
        prop_assert_eq!(encoded(&decoded.unwrap()), bytes);
    }

    #[test]
    fn arbitrary_bytes_decode_or_are_refused_without_a_panic(
        rest in prop::collection::vec(any::<u8>(), 0..200),
        first in prop_oneof![Just(CODEC_VERSION), any::<u8>()],
    ) {
        let mut bytes = vec![first];
        bytes.extend(rest);
        let _ = decodes_only_canonically(&bytes);
    }

    #[test]
    fn every_truncation_and_single_byte_corruption_is_handled(
        event in event(),
        random_mask in 1..=255u8,
    ) {
        let bytes = encoded(&event);
        for len in 0..bytes.len() {
            prop_assert_eq!(decode(&bytes[..len]), Err(DecodeError::Truncated), "prefix {}", len);
        }
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert_eq!(decode(&longer), Err(DecodeError::Trailing));
        for idx in 0..bytes.len() {
            for mask in [0x01, 0x80, 0xFF, random_mask] {
                let mut corrupted = bytes.clone();
                corrupted[idx] ^= mask;
                let _ = decodes_only_canonically(&corrupted);
            }
        }
    }
}

/// A keyed, labelled card purchase as a vendor would post it.
fn typical_transfer() -> Transfer {
    let namespace = Arc::new(Namespace {
        name: "clowd9".into(),
        remember_rejections: true,
        retention: Duration::from_secs(86_400),
    });
    Transfer::debit(T1, AccountId(Uuid::from_u128(0xA1)), Decimal::new(1234, 2), usd())
        .with_key(IdempotencyKey::new(namespace, "req-42"))
        .with_metadata(Metadata::from([("description", "coffee"), ("reference_id", "R7")]))
}

#[test]
fn a_transfer_commit_keeps_its_exact_bytes() {
    let event = Event { seq: 300, at: NOW, change: Change::TransferCommitted(typical_transfer()) };
    let bytes = encoded(&event);
    let hex: Vec<String> =
        bytes.chunks(16).map(|line| line.iter().map(|b| format!("{b:02x}")).collect()).collect();
    // The format is on users' disks: a change here needs a new CODEC_VERSION.
    expect![[r#"
        01ac0200402046484706000500000000
        00000000000000000000000102000000
        000000000000000000000000a10102d2
        09555344010106636c6f7764390180a3
        0500067265712d343201020b64657363
        72697074696f6e06636f666665650c72
        65666572656e63655f6964025237"#]]
    .assert_eq(&hex.join("\n"));
    assert_eq!(decode(&bytes), Ok(event));
}

#[test]
fn another_version_byte_is_refused_as_a_version_mismatch() {
    let mut bytes = encoded(&Event { seq: 1, at: NOW, change: Change::TenantReset { tenant: T1 } });
    for found in [0, 2, 0x80, 0xFF] {
        bytes[0] = found;
        assert_eq!(decode(&bytes), Err(DecodeError::Version { found, supported: CODEC_VERSION }));
    }
    assert_eq!(decode(&[]), Err(DecodeError::Truncated));
}

#[test]
fn a_length_beyond_the_bytes_is_truncation_not_an_allocation() {
    // A transfer whose namespace name claims 2^63 bytes, and one whose metadata claims 2^63
    // pairs: both refused at once.
    let head = |bytes: &mut Vec<u8>| {
        bytes.extend([CODEC_VERSION, 1]);
        bytes.extend(NOW.as_unix_micros().to_le_bytes());
        bytes.push(5); // a committed transfer
        bytes.extend(T1.0.as_bytes());
        bytes.extend([1, 1, 0x02, 0xD2, 0x09]); // external to external, 12.34
        bytes.extend(b"USD");
        bytes.push(1); // posted
    };
    let huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    let mut name = Vec::new();
    head(&mut name);
    name.push(1);
    name.extend(huge);
    name.extend(b"short");
    assert_eq!(decode(&name), Err(DecodeError::Truncated));
    let mut pairs = Vec::new();
    head(&mut pairs);
    pairs.extend([0, 1]);
    pairs.extend(huge);
    pairs.extend([1, b'k', 1, b'v']);
    assert_eq!(decode(&pairs), Err(DecodeError::Truncated));
}

#[test]
fn negative_zero_and_every_scale_survive() {
    let negative_zero = Decimal::deserialize([0, 0, 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(negative_zero.is_sign_negative() && negative_zero.is_zero());
    let amounts = [negative_zero, Decimal::new(1000, 3), Decimal::MAX, Decimal::MIN, Decimal::ZERO];
    for amount in amounts.into_iter().chain((0..=28).map(|scale| Decimal::new(-7, scale))) {
        let event = Event {
            seq: 9,
            at: NOW,
            change: Change::PendingPosted {
                tenant: T1,
                pending: TransferId(3),
                amount: Some(amount),
            },
        };
        let Ok(Event { change: Change::PendingPosted { amount: Some(back), .. }, .. }) =
            decode(&encoded(&event))
        else {
            panic!("{amount:?} did not decode");
        };
        assert_eq!(back.serialize(), amount.serialize(), "{amount:?}");
    }
}

/// Opens `n` in `tenant` with labels, limits and an opening balance.
fn open_labelled(ledger: &Ledger, tenant: TenantId, n: u128, currency: &str, opening: Decimal) {
    let labels = Labels::from([
        ("account_number".to_string(), format!("00{n}")),
        ("card_proxy".to_string(), format!("p-{n}")),
    ]);
    let limits = Limits {
        balance_min: Decimal::new(-5000, 2),
        balance_max: Some(Decimal::new(100_000, 2)),
        daily_debit_count_max: Some(20),
        ..Limits::default()
    };
    let currency = Currency::from_code(currency).unwrap();
    let new = NewAccount { id: AccountId(Uuid::from_u128(n)), tenant, currency, limits, labels };
    ledger.open_account_with_balance(NOW, new, opening).unwrap();
}

/// Runs a script touching every kind of change; returns the instant it ended at.
pub(super) fn scripted_run(ledger: &Ledger) -> Timestamp {
    let later = |hours: u64| NOW.saturating_add(Duration::from_secs(hours * 3600));
    let (a, b, k) = (AccountId(Uuid::from_u128(1)), AccountId(Uuid::from_u128(2)), 3);
    let strict = Arc::new(Namespace {
        name: "strict".into(),
        remember_rejections: true,
        retention: Duration::from_secs(7 * 86_400),
    });
    let key = |text: &str| IdempotencyKey::new(strict.clone(), text);
    open_labelled(ledger, T1, 1, "USD", Decimal::new(10_000, 2));
    open_labelled(ledger, T1, 2, "USD", Decimal::ZERO);
    open_labelled(ledger, T1, k, "KWD", Decimal::new(1_500, 3));
    open_labelled(ledger, T2, 4, "USD", Decimal::new(700, 2));

    // A key remembers a rejection: an account that does not exist.
    assert_eq!(ledger.transfer(NOW, typical_transfer()), Err(Error::AccountNotFound));
    let paid = Transfer::credit(T1, a, Decimal::new(2500, 2), usd())
        .with_key(key("pay-1"))
        .with_metadata(Metadata::from([("reference_id", "R1")]));
    ledger.transfer(NOW, paid).unwrap();
    let moved =
        Transfer::between(T1, Party::Account(a), Party::Account(b), Decimal::new(55, 1), usd());
    ledger.transfer(later(1), moved).unwrap();
    let kwd = Currency::from_code("KWD").unwrap();
    let kwd_id = AccountId(Uuid::from_u128(k));
    ledger.transfer(later(1), Transfer::debit(T1, kwd_id, Decimal::new(125, 3), kwd)).unwrap();
    let expiring = Mode::Pending { expires_at: Some(later(30)) };
    let hold = |amount| Transfer::debit(T1, a, amount, usd());
    let h1 = ledger.transfer(later(2), hold(Decimal::new(2000, 2)).with_mode(expiring)).unwrap();
    let h2 = ledger
        .transfer(later(2), hold(Decimal::new(30, 0)).with_mode(Mode::Pending { expires_at: None }))
        .unwrap();
    let h3 = ledger.transfer(later(2), hold(Decimal::new(1, 0)).with_mode(expiring)).unwrap();
    ledger.post_pending(later(3), T1, h1.receipt().id, Some(Decimal::new(1234, 2))).unwrap();
    ledger.void_pending(later(3), T1, h2.receipt().id).unwrap();
    ledger.post_pending(later(3), T1, h3.receipt().id, None).unwrap();
    let deferred = Mode::Deferred { available_at: later(3).next_utc_midnight() };
    ledger
        .transfer(later(3), Transfer::credit(T1, b, Decimal::new(7, 0), usd()).with_mode(deferred))
        .unwrap();

    // Rejections the strict namespace remembers, one with a field.
    let too_much = Transfer::debit(T1, b, Decimal::new(1_000_000, 2), usd()).with_key(key("big"));
    assert_eq!(ledger.transfer(later(4), too_much), Err(Error::InsufficientFunds));
    ledger.set_status(later(4), T1, b, Status::Frozen).unwrap();
    let frozen = Transfer::debit(T1, b, Decimal::ONE, usd()).with_key(key("frozen"));
    let not_active = Err(Error::AccountNotActive { status: Status::Frozen });
    assert_eq!(ledger.transfer(later(4), frozen), not_active);
    ledger.set_status(later(5), T1, b, Status::Active).unwrap();

    let tight = Limits { transfer_amount_max: Some(Decimal::new(5000, 2)), ..Limits::default() };
    ledger.set_limits(later(5), T1, a, tight.clone()).unwrap();
    let wider = Limits { daily_credit_amount_max: Some(Decimal::new(90, 0)), ..tight };
    ledger.update_account(later(6), T1, b, Some(Status::Frozen), Some(wider)).unwrap();
    ledger.update_account(later(6), T1, b, Some(Status::Active), None).unwrap();

    ledger
        .transfer(
            later(7),
            Transfer::credit(T2, AccountId(Uuid::from_u128(4)), Decimal::ONE, usd()),
        )
        .unwrap();
    ledger.reset_tenant(later(8), T2).unwrap();
    later(9)
}

#[test]
fn a_ledger_folds_back_from_its_encoded_journal_to_the_same_state() {
    let journal = Arc::new(TestJournal::default());
    let config = Config { n_shards: 4, idempotency_keys_max: 1000, ..Config::default() };
    let ledger = Ledger::with_journal(config, journal.clone());
    let end = scripted_run(&ledger);
    let events = journal.events.lock().unwrap().clone();
    let kinds: std::collections::HashSet<_> =
        events.iter().map(|e| std::mem::discriminant(&e.change)).collect();
    assert_eq!(kinds.len(), 9, "the script makes every kind of change");

    // As a store keeps them: one record of bytes per event.
    let records: Vec<Vec<u8>> = events.iter().map(encoded).collect();
    let decoded: Vec<Event> = records.iter().map(|r| decode(r).unwrap()).collect();
    assert_eq!(decoded, events);
    let replayed = Ledger::replay(config, decoded, None).unwrap();

    // The same views, balances, history, holds and keys now, and after holds lapse and
    // deferred funds mature.
    for at in [end, end.saturating_add(Duration::from_secs(3 * 86_400))] {
        assert_eq!(replayed.snapshot(at), ledger.snapshot(at));
        replayed.verify(at).unwrap();
    }
    // Remembered outcomes answer as before: a rejection, and a success replayed.
    let strict = Arc::new(Namespace {
        name: "strict".into(),
        remember_rejections: true,
        retention: Duration::from_secs(7 * 86_400),
    });
    let b = AccountId(Uuid::from_u128(2));
    let retry = Transfer::debit(T1, b, Decimal::new(1_000_000, 2), usd())
        .with_key(IdempotencyKey::new(strict.clone(), "big"));
    assert_eq!(replayed.transfer(end, retry), Err(Error::InsufficientFunds));
    let paid = Transfer::credit(T1, AccountId(Uuid::from_u128(1)), Decimal::new(2500, 2), usd())
        .with_key(IdempotencyKey::new(strict, "pay-1"))
        .with_metadata(Metadata::from([("reference_id", "R1")]));
    assert!(matches!(replayed.transfer(end, paid), Ok(Applied::Replayed(_))));
    assert!(replayed.accounts(end, T2).is_empty());
}
