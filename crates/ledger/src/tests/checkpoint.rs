//! Checkpoints: a ledger loaded from one behaves exactly as the ledger it was taken from, for
//! every operation after it (outcomes, replays, evictions, history pages); a checkpoint plus
//! the events after it folds to the same state as all events; hostile, truncated or corrupted
//! bytes are refused or loaded without a panic; and one checkpoint is pinned byte for byte.

use std::sync::Arc;
use std::time::Duration;

use expect_test::expect;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::codec::scripted_run;
use super::props::{Op, namespace, op};
use super::{NOW, T1, T2, TestJournal, usd};
use crate::{
    AccountId, CHECKPOINT_VERSION, CheckpointError, Config, Cursor, Event, IdempotencyKey, Labels,
    Ledger, Limits, Metadata, Mode, Namespace, NewAccount, Order, Page, Party, ReplayError, Status,
    TenantId, Timestamp, Transfer, TransferId,
};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(96)
}

/// Small bounds, so that a short run evicts keys (4 per tenant per key shard).
const CONFIG: Config =
    Config { n_shards: 4, n_key_shards: 4, history_entries_max: 256, idempotency_keys_max: 16 };

fn checkpoint(ledger: &Ledger) -> (Vec<u8>, u64) {
    let mut bytes = Vec::new();
    let seq = ledger.checkpoint(&mut bytes);
    (bytes, seq)
}

/// An operation of a random run: the property tests' own, and what they leave out (many keys
/// in two tenants, daily count limits, metadata, resetting a tenant).
#[derive(Debug, Clone)]
enum Step {
    Base(Op),
    Keyed { other_tenant: bool, debit: bool, account: usize, cents: i64, key: u8 },
    Limits { account: usize, count_max: Option<u32>, balance_max: Option<i64> },
    Described { account: usize, cents: i64, note: u8 },
    ResetOther,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => op().prop_map(Step::Base),
        4 => (any::<bool>(), any::<bool>(), 0..3usize, 1..5_000i64, 0..40u8).prop_map(
            |(other_tenant, debit, account, cents, key)| Step::Keyed { other_tenant, debit, account, cents, key }
        ),
        1 => (0..3usize, prop::option::of(0..4u32), prop::option::of(0..20_000i64)).prop_map(
            |(account, count_max, balance_max)| Step::Limits { account, count_max, balance_max }
        ),
        1 => (0..3usize, 1..5_000i64, any::<u8>()).prop_map(|(account, cents, note)| Step::Described { account, cents, note }),
        1 => Just(Step::ResetOther),
    ]
}

fn account_id(tenant: TenantId, idx: usize) -> AccountId {
    AccountId(Uuid::from_u128(if tenant == T1 { 100 } else { 200 } + idx as u128))
}

fn open_accounts(ledger: &Ledger, tenant: TenantId, now: Timestamp) {
    for idx in 0..3 {
        let new = NewAccount {
            id: account_id(tenant, idx),
            tenant,
            currency: usd(),
            limits: super::model::limits(idx),
            labels: Labels::from([("number".to_string(), format!("{tenant}-{idx}"))]),
        };
        let opening = if tenant == T1 { Decimal::ZERO } else { Decimal::new(5_000, 2) };
        ledger.open_account_with_balance(now, new, opening).unwrap();
    }
}

/// Where a run stands: its clock and the holds it made, to post or void.
#[derive(Debug, Clone)]
struct Run {
    now: Timestamp,
    holds: Vec<TransferId>,
}

impl Run {
    /// Applies `step` to `ledger`; the outcome as text, to compare between ledgers.
    fn apply(&mut self, ledger: &Ledger, step: &Step) -> String {
        let now = self.now;
        match step {
            Step::Base(op) => self.apply_base(ledger, op),
            Step::Keyed { other_tenant, debit, account, cents, key } => {
                let tenant = if *other_tenant { T2 } else { T1 };
                let id = account_id(tenant, *account);
                let amount = Decimal::new(*cents, 2);
                let req = if *debit {
                    Transfer::debit(tenant, id, amount, usd())
                } else {
                    Transfer::credit(tenant, id, amount, usd())
                };
                let key = IdempotencyKey::new(namespace(), format!("many-{key}"));
                format!("{:?}", ledger.transfer(now, req.with_key(key)))
            }
            Step::Limits { account, count_max, balance_max } => {
                // Possibly below balances reached before: allowed, and `verify` checks only
                // the entries made since.
                let limits = Limits {
                    daily_debit_count_max: *count_max,
                    balance_max: balance_max.map(|cents| Decimal::new(cents, 2)),
                    ..super::model::limits(*account)
                };
                let id = account_id(T1, *account);
                format!("{:?}", ledger.update_account(now, T1, id, None, Some(limits)))
            }
            Step::Described { account, cents, note } => {
                let metadata = Metadata::from([("note", format!("n{note}")), ("ref", "x".into())]);
                let req =
                    Transfer::credit(T1, account_id(T1, *account), Decimal::new(*cents, 2), usd())
                        .with_metadata(metadata);
                format!("{:?}", ledger.transfer(now, req))
            }
            Step::ResetOther => {
                let reset = ledger.reset_tenant(now, T2);
                open_accounts(ledger, T2, now);
                format!("{reset:?}")
            }
        }
    }

    fn apply_base(&mut self, ledger: &Ledger, op: &Op) -> String {
        let now = self.now;
        let party =
            |idx: Option<usize>| idx.map_or(Party::External, |i| Party::Account(account_id(T1, i)));
        let transfer = |debit, credit, amount, mode, key: Option<u8>| {
            let mut req =
                Transfer::between(T1, party(debit), party(credit), amount, usd()).with_mode(mode);
            if let Some(key) = key {
                req = req.with_key(IdempotencyKey::new(namespace(), format!("k{key}")));
            }
            ledger.transfer(now, req)
        };
        let hours = |h: u8| now.saturating_add(Duration::from_secs(u64::from(h) * 3600));
        let outcome = match *op {
            Op::Credit { account, cents, key } => {
                transfer(None, Some(account), Decimal::new(cents, 2), Mode::Posted, key)
            }
            Op::Debit { account, cents, key } => {
                transfer(Some(account), None, Decimal::new(cents, 2), Mode::Posted, key)
            }
            Op::Move { from, to, cents, key } => {
                transfer(Some(from), Some(to), Decimal::new(cents, 2), Mode::Posted, key)
            }
            Op::Hold { account, cents, expires_h } => {
                let mode = Mode::Pending { expires_at: expires_h.map(hours) };
                let outcome = transfer(Some(account), None, Decimal::new(cents, 2), mode, None);
                if let Ok(applied) = &outcome {
                    self.holds.push(applied.receipt().id);
                }
                outcome
            }
            Op::Deferred { account, cents, hours: h } => {
                let mode = Mode::Deferred { available_at: hours(h) };
                transfer(None, Some(account), Decimal::new(cents, 2), mode, None)
            }
            Op::Odd { account, mantissa } => {
                transfer(None, Some(account), Decimal::new(mantissa, 3), Mode::Posted, None)
            }
            Op::Post { .. } | Op::Void { .. } if self.holds.is_empty() => return "no hold".into(),
            Op::Post { hold, cents } => {
                let id = self.holds[hold % self.holds.len()];
                return format!(
                    "{:?}",
                    ledger.post_pending(now, T1, id, cents.map(|c| Decimal::new(c, 2)))
                );
            }
            Op::Void { hold } => {
                let id = self.holds[hold % self.holds.len()];
                return format!("{:?}", ledger.void_pending(now, T1, id));
            }
            Op::Advance { minutes } => {
                self.now = now.saturating_add(Duration::from_secs(u64::from(minutes) * 60));
                return "advanced".into();
            }
            Op::Freeze { account, frozen } => {
                let status = if frozen { Status::Frozen } else { Status::Active };
                return format!(
                    "{:?}",
                    ledger.set_status(now, T1, account_id(T1, account), status)
                );
            }
        };
        format!("{outcome:?}")
    }
}

/// Every page of every account's history, both orders, in pages of 7; and where a cursor
/// through each entry's transfer lands.
fn pages(ledger: &Ledger, now: Timestamp) -> Vec<(AccountId, Vec<Page>, Vec<Option<Cursor>>)> {
    let mut all = Vec::new();
    for (id, (view, entries)) in ledger.snapshot(now).accounts {
        let mut found = Vec::new();
        for order in [Order::OldestFirst, Order::NewestFirst] {
            let mut cursor = None;
            loop {
                let page = ledger.entries(view.tenant, id, cursor, 7, order).unwrap();
                cursor = page.next;
                found.push(page);
                if cursor.is_none() {
                    break;
                }
            }
        }
        let through =
            entries.iter().map(|e| ledger.cursor_through(view.tenant, id, e.transfer_id)).collect();
        all.push((id, found, through));
    }
    all
}

/// Everything a user of either ledger could see, now and once holds lapsed and funds matured.
fn assert_same(a: &Ledger, b: &Ledger, now: Timestamp) {
    for at in [now, now.saturating_add(Duration::from_secs(3 * 86_400))] {
        assert_eq!(b.snapshot(at), a.snapshot(at), "snapshot at {at:?}");
        assert_eq!(b.verify(at), a.verify(at), "verify at {at:?}");
        assert_eq!(b.n_idempotency_keys(at), a.n_idempotency_keys(at));
        for tenant in [T1, T2] {
            assert_eq!(b.accounts(at, tenant), a.accounts(at, tenant));
        }
    }
    assert_eq!(pages(b, now), pages(a, now), "history pages");
}

fn run_with_checkpoint(steps: Vec<Step>, cut: prop::sample::Index) {
    let journal = Arc::new(TestJournal::default());
    let a = Ledger::with_journal(CONFIG, journal.clone());
    let mut run = Run { now: NOW, holds: Vec::new() };
    open_accounts(&a, T1, NOW);
    open_accounts(&a, T2, NOW);
    let cut = cut.index(steps.len() + 1);
    for step in &steps[..cut] {
        run.apply(&a, step);
    }
    let (bytes, seq) = checkpoint(&a);
    assert_eq!(seq, a.snapshot(run.now).seq, "the sequence number it reflects");

    let b_journal = Arc::new(TestJournal::default());
    let b = Ledger::from_checkpoint(CONFIG, &bytes, Some(b_journal.clone())).unwrap();
    assert_same(&a, &b, run.now);
    let mut b_run = run.clone();
    for step in &steps[cut..] {
        let expected = run.apply(&a, step);
        assert_eq!(b_run.apply(&b, step), expected, "{step:?}");
    }
    assert_same(&a, &b, run.now);

    // B journals exactly what A journaled after the checkpoint, numbers included.
    let events = journal.events.lock().unwrap().clone();
    let tail: Vec<Event> = events.iter().filter(|e| e.seq > seq).cloned().collect();
    assert_eq!(*b_journal.events.lock().unwrap(), tail);
    // The checkpoint and the events after it fold to the same ledger as every event.
    let loaded = Ledger::from_checkpoint(CONFIG, &bytes, None).unwrap();
    let onto = Ledger::replay_onto(loaded, tail).unwrap();
    assert_same(&a, &onto, run.now);
    let replayed = Ledger::replay(CONFIG, events, None).unwrap();
    assert_same(&replayed, &onto, run.now);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn a_ledger_loaded_from_a_checkpoint_continues_exactly_as_the_original(
        steps in prop::collection::vec(step(), 1..150),
        cut in any::<prop::sample::Index>(),
    ) {
        run_with_checkpoint(steps, cut);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_head_load_or_are_refused_without_a_panic(
        tail in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let (mut bytes, _) = checkpoint(&Ledger::new(CONFIG));
        bytes.truncate(6); // version and config
        bytes.extend(tail);
        if let Ok(ledger) = Ledger::from_checkpoint(CONFIG, &bytes, None) {
            let _ = (ledger.snapshot(NOW), ledger.verify(NOW));
        }
    }
}

#[test]
fn a_long_history_keeps_its_dropped_part_cursors_and_pages_across_a_checkpoint() {
    let a = Ledger::new(CONFIG);
    open_accounts(&a, T1, NOW);
    let id = account_id(T1, 0);
    let credit = |ledger: &Ledger, n: i64| {
        let note = Metadata::from([("n", n.to_string())]);
        let req = Transfer::credit(T1, id, Decimal::new(n, 2), usd()).with_metadata(note);
        ledger.transfer(NOW, req).unwrap()
    };
    for n in 1..1_000 {
        credit(&a, n);
    }
    let (bytes, _) = checkpoint(&a);
    let b = Ledger::from_checkpoint(CONFIG, &bytes, None).unwrap();
    let page = b.entries(T1, id, None, 1, Order::OldestFirst).unwrap();
    assert!(page.oldest_index > 0, "some history was dropped before the checkpoint");
    assert_same(&a, &b, NOW);
    for n in 1_000..1_700 {
        assert_eq!(credit(&b, n), credit(&a, n));
    }
    assert_same(&a, &b, NOW);
}

#[test]
fn every_truncation_is_refused_and_every_corrupted_byte_loads_or_is_refused_without_a_panic() {
    let ledger = Ledger::new(CONFIG);
    let end = scripted_run(&ledger);
    let (bytes, _) = checkpoint(&ledger);
    assert!(Ledger::from_checkpoint(CONFIG, &bytes, None).is_ok());
    for len in 0..bytes.len() {
        assert_eq!(
            Ledger::from_checkpoint(CONFIG, &bytes[..len], None).err(),
            Some(CheckpointError::Truncated),
            "cut at {len}"
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        Ledger::from_checkpoint(CONFIG, &trailing, None).err(),
        Some(CheckpointError::Trailing)
    );
    for at in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xFF] {
            let mut corrupt = bytes.clone();
            corrupt[at] ^= mask;
            // A flipped digit of an amount is still a ledger; whatever loads must work.
            if let Ok(loaded) = Ledger::from_checkpoint(CONFIG, &corrupt, None) {
                let _ = (loaded.snapshot(end), loaded.verify(end));
            }
        }
    }
}

#[test]
fn another_version_or_config_is_refused_and_a_huge_count_allocates_nothing() {
    let (mut bytes, _) = checkpoint(&Ledger::new(CONFIG));
    let other = Config { idempotency_keys_max: 17, ..CONFIG };
    assert_eq!(
        Ledger::from_checkpoint(other, &bytes, None).err(),
        Some(CheckpointError::Config { found: CONFIG, expected: other })
    );
    // A shard claiming 2^63 accounts.
    let mut huge = bytes[..7].to_vec();
    huge.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    huge.extend([0; 64]);
    assert_eq!(
        Ledger::from_checkpoint(CONFIG, &huge, None).err(),
        Some(CheckpointError::Truncated)
    );
    for found in [0, 2, 0xFF] {
        bytes[0] = found;
        assert_eq!(
            Ledger::from_checkpoint(CONFIG, &bytes, None).err(),
            Some(CheckpointError::Version { found, supported: CHECKPOINT_VERSION })
        );
    }
}

#[test]
fn replay_onto_a_checkpoint_refuses_an_event_it_already_holds() {
    let journal = Arc::new(TestJournal::default());
    let ledger = Ledger::with_journal(CONFIG, journal.clone());
    open_accounts(&ledger, T1, NOW);
    let (bytes, seq) = checkpoint(&ledger);
    let events = journal.events.lock().unwrap().clone();
    let loaded = Ledger::from_checkpoint(CONFIG, &bytes, None).unwrap();
    assert_eq!(Ledger::replay_onto(loaded, events).err(), Some(ReplayError::Gap(1)));
    assert_eq!(seq, 3);
}

#[test]
fn a_tiny_ledger_checkpoints_to_exact_bytes() {
    // One of everything, each map with one member, so the bytes do not depend on map order.
    let config =
        Config { n_shards: 1, n_key_shards: 1, history_entries_max: 256, idempotency_keys_max: 8 };
    let ledger = Ledger::new(config);
    let id = AccountId(Uuid::from_u128(0xA1));
    let new = NewAccount {
        id,
        tenant: T1,
        currency: usd(),
        limits: Limits { daily_debit_count_max: Some(5), ..Limits::default() },
        labels: Labels::from([("number".to_string(), "0042".to_string())]),
    };
    ledger.open_account_with_balance(NOW, new, Decimal::new(10_000, 2)).unwrap();
    let strict = Arc::new(Namespace {
        name: "v".into(),
        remember_rejections: true,
        retention: Duration::from_secs(60),
    });
    let paid = Transfer::debit(T1, id, Decimal::new(1234, 2), usd())
        .with_key(IdempotencyKey::new(strict, "k1"))
        .with_metadata(Metadata::from([("ref", "R1")]));
    ledger.transfer(NOW, paid).unwrap();
    let later = NOW.saturating_add(Duration::from_secs(3600));
    let hold = Transfer::debit(T1, id, Decimal::new(5, 0), usd())
        .with_mode(Mode::Pending { expires_at: Some(later) });
    ledger.transfer(NOW, hold).unwrap();

    let (bytes, seq) = checkpoint(&ledger);
    assert_eq!(seq, 3);
    let hex: Vec<String> =
        bytes.chunks(16).map(|line| line.iter().map(|b| format!("{b:02x}")).collect()).collect();
    // The format is on users' disks: a change here needs a new CHECKPOINT_VERSION.
    expect![[r#"
        01010180020803010000000000000000
        000000000000000100011a417460623c
        74eee88439d6332d834000c7b3494847
        0600379bee2c48b257d749e4dd996a4d
        93e10102004020464847060002d20955
        53440100000000000000000000000000
        0000a102904e00000000000002be4400
        00000000000001030000000000000000
        00000000000000010200000000000000
        0000000000000000a101000555534401
        00e4b31c494706000100010000000000
        00000000000000000000a10000000000
        00000000000000000000015553440100
        000000000105000001066e756d626572
        04303034320040204648470600010040
        2046484706000002be44010300050100
        e4b31c494706000100e64f0000000000
        0002c60d020000000000000301000040
        204648470600010202904e0002904e02
        904e01010b6465736372697074696f6e
        0f6f70656e696e672062616c616e6365
        02000040204648470600010102d20900
        02be4402be4401010372656602523103
        000040204648470600020100050002be
        4402ca40000100000000000000000000
        00000000000155534482be44"#]]
    .assert_eq(&hex.join("\n"));
    let loaded = Ledger::from_checkpoint(config, &bytes, None).unwrap();
    assert_same(&ledger, &loaded, later);
}

#[test]
fn checkpoints_taken_while_threads_write_hold_exactly_the_changes_up_to_their_number() {
    let journal = Arc::new(TestJournal::default());
    let config = Config { n_shards: 8, n_key_shards: 4, ..CONFIG };
    let ledger = Arc::new(Ledger::with_journal(config, journal.clone()));
    open_accounts(&ledger, T1, NOW);
    open_accounts(&ledger, T2, NOW);
    let writers: Vec<_> = [T1, T2]
        .into_iter()
        .map(|tenant| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                for n in 0..1_000u32 {
                    // Moves between two shards, keyed (the key is recorded after the accounts
                    // are unlocked), and holds (the registry).
                    let (from, to) = (n as usize % 3, (n as usize + 1) % 3);
                    let amount = Decimal::new(i64::from(n % 7) + 1, 2);
                    let party = |idx| Party::Account(account_id(tenant, idx));
                    let key = IdempotencyKey::new(namespace(), format!("c{}", n % 50));
                    let moved = Transfer::between(tenant, party(from), party(to), amount, usd())
                        .with_key(key);
                    let _ = ledger.transfer(NOW, moved);
                    let credit = Transfer::credit(tenant, account_id(tenant, from), amount, usd());
                    let hold = credit.with_mode(Mode::Pending { expires_at: None });
                    if let Ok(applied) = ledger.transfer(NOW, hold)
                        && n % 2 == 0
                    {
                        let _ = ledger.post_pending(NOW, tenant, applied.receipt().id, None);
                    }
                }
            })
        })
        .collect();
    let mut taken = Vec::new();
    while writers.iter().any(|w| !w.is_finished()) {
        taken.push(checkpoint(&ledger));
        std::thread::sleep(Duration::from_millis(5));
    }
    for writer in writers {
        writer.join().unwrap();
    }
    taken.push(checkpoint(&ledger));
    let events = journal.events.lock().unwrap().clone();
    assert!(taken.len() > 2, "checkpoints taken while the writers ran");
    for (bytes, seq) in taken {
        let loaded = Ledger::from_checkpoint(config, &bytes, None).unwrap();
        loaded.verify(NOW).unwrap();
        let tail = events.iter().filter(|e| e.seq > seq).cloned();
        let folded = Ledger::replay_onto(loaded, tail).unwrap();
        assert_eq!(folded.snapshot(NOW), ledger.snapshot(NOW), "checkpoint at {seq}");
    }
}

#[test]
fn keyed_credits_debits_and_transfers_between_accounts_replay_their_receipts_after_a_checkpoint() {
    let a = Ledger::new(CONFIG);
    open_accounts(&a, T2, NOW);
    let (x, y) = (account_id(T2, 0), account_id(T2, 1));
    let strict = Arc::new(Namespace {
        name: "v".into(),
        remember_rejections: true,
        retention: Duration::from_secs(600),
    });
    let key = |name: &str| IdempotencyKey::new(strict.clone(), name.to_string());
    // One side credited, one side debited, both sides of a transfer between two accounts.
    let requests = [
        Transfer::credit(T2, x, Decimal::new(125, 2), usd()).with_key(key("credit")),
        Transfer::debit(T2, y, Decimal::new(75, 2), usd()).with_key(key("debit")),
        Transfer::between(T2, Party::Account(x), Party::Account(y), Decimal::new(310, 2), usd())
            .with_key(key("between")),
    ];
    let first: Vec<crate::Applied> =
        requests.iter().map(|r| a.transfer(NOW, r.clone()).unwrap()).collect();
    let (bytes, _) = checkpoint(&a);
    let b = Ledger::from_checkpoint(CONFIG, &bytes, None).unwrap();
    for (request, receipt) in requests.iter().zip(&first) {
        let replayed = b.transfer(NOW, request.clone()).unwrap();
        let crate::Applied::New(original) = receipt else { panic!("new the first time") };
        assert_eq!(replayed, crate::Applied::Replayed(original.clone()), "{request:?}");
    }
    assert_same(&a, &b, NOW);
}
