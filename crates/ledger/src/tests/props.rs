//! Property tests: random sequences of operations, checked after every step against the naive
//! [`Model`](super::model::Model) and the ledger's own invariants, then folded back from the
//! journal. `PROPTEST_CASES` sets the number of sequences (CI-sized default).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::model::{self, Model};
use crate::{
    AccountId, Applied, Config, Currency, Event, IdempotencyKey, Journal, JournalError, Ledger,
    Mode, Namespace, NewAccount, Party, Snapshot, Status, TenantId, Timestamp, Transfer,
    TransferId,
};

#[derive(Debug, Clone)]
pub(super) enum Op {
    Credit { account: usize, cents: i64, key: Option<u8> },
    Debit { account: usize, cents: i64, key: Option<u8> },
    Move { from: usize, to: usize, cents: i64, key: Option<u8> },
    Hold { account: usize, cents: i64, expires_h: Option<u8> },
    Post { hold: usize, cents: Option<i64> },
    Void { hold: usize },
    Deferred { account: usize, cents: i64, hours: u8 },
    Advance { minutes: u32 },
    Freeze { account: usize, frozen: bool },
    Odd { account: usize, mantissa: i64 },
}

pub(super) fn op() -> impl Strategy<Value = Op> {
    let account = 0..3usize;
    let cents = prop_oneof![1..20_000i64, 1..200i64, Just(0i64)];
    let key = prop::option::weighted(0.3, 0..4u8);
    prop_oneof![
        4 => (account.clone(), cents.clone(), key.clone()).prop_map(|(account, cents, key)| Op::Credit { account, cents, key }),
        4 => (account.clone(), cents.clone(), key.clone()).prop_map(|(account, cents, key)| Op::Debit { account, cents, key }),
        2 => (account.clone(), account.clone(), cents.clone(), key).prop_map(|(from, to, cents, key)| Op::Move { from, to, cents, key }),
        2 => (account.clone(), cents.clone(), prop::option::of(1..5u8)).prop_map(|(account, cents, expires_h)| Op::Hold { account, cents, expires_h }),
        2 => (0..8usize, prop::option::of(1..20_000i64)).prop_map(|(hold, cents)| Op::Post { hold, cents }),
        1 => (0..8usize).prop_map(|hold| Op::Void { hold }),
        1 => (account.clone(), cents, 1..30u8).prop_map(|(account, cents, hours)| Op::Deferred { account, cents, hours }),
        2 => (0..600u32).prop_map(|minutes| Op::Advance { minutes }),
        1 => (account.clone(), any::<bool>()).prop_map(|(account, frozen)| Op::Freeze { account, frozen }),
        1 => (account, -5..5i64).prop_map(|(account, mantissa)| Op::Odd { account, mantissa }),
    ]
}

/// A journal that keeps events in memory.
#[derive(Default)]
struct VecJournal(Mutex<Vec<Event>>);

impl Journal for VecJournal {
    fn append(&self, event: &Event) -> Result<(), JournalError> {
        self.0.lock().unwrap().push(event.clone());
        Ok(())
    }
}

const TENANT: TenantId = TenantId(Uuid::from_u128(7));

fn account_id(idx: usize) -> AccountId {
    AccountId(Uuid::from_u128(100 + idx as u128))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(96)
}

fn run(ops: Vec<Op>) {
    let journal = Arc::new(VecJournal::default());
    let ledger = Ledger::with_journal(
        Config { n_shards: 4, idempotency_keys_max: 64, ..Config::default() },
        journal.clone(),
    );
    let usd = Currency::from_code("USD").unwrap();
    let namespace = namespace();
    let mut now = Timestamp::from_unix_micros(1_767_225_600_000_000);
    let mut model = Model::default();
    open_accounts(&ledger, &mut model, now, usd);
    let mut hold_ids: Vec<u64> = Vec::new();

    for op in ops {
        let before = ledger.snapshot(now);
        let party =
            |idx: Option<usize>| idx.map_or(Party::External, |i| Party::Account(account_id(i)));
        let mut transfer = |debit: Option<usize>,
                            credit: Option<usize>,
                            amount: Decimal,
                            mode: Mode,
                            key: Option<u8>| {
            let key_text = key.map(|k| format!("k{k}"));
            let mut req =
                Transfer::between(TENANT, party(debit), party(credit), amount, usd).with_mode(mode);
            if let Some(text) = &key_text {
                req = req.with_key(IdempotencyKey::new(namespace.clone(), text.as_str()));
            }
            let (hold, deferred) = match mode {
                Mode::Pending { expires_at } => (Some(expires_at), None),
                Mode::Deferred { available_at } => (None, Some(available_at)),
                _ => (None, None),
            };
            let expected = model.transfer(now, debit, credit, amount, hold, deferred, key_text);
            let actual = ledger.transfer(now, req).map(|applied| match applied {
                Applied::New(r) => (r.id.0, false),
                Applied::Replayed(r) => (r.id.0, true),
            });
            assert_eq!(actual, expected, "transfer outcome");
            if let (Ok((id, false)), Some(_)) = (actual, hold) {
                hold_ids.push(id);
            }
            actual
        };
        let outcome: Result<(), crate::Error> = match op {
            Op::Credit { account, cents, key } => {
                transfer(None, Some(account), Decimal::new(cents, 2), Mode::Posted, key).map(drop)
            }
            Op::Debit { account, cents, key } => {
                transfer(Some(account), None, Decimal::new(cents, 2), Mode::Posted, key).map(drop)
            }
            Op::Move { from, to, cents, key } => {
                transfer(Some(from), Some(to), Decimal::new(cents, 2), Mode::Posted, key).map(drop)
            }
            Op::Hold { account, cents, expires_h } => {
                let expires_at =
                    expires_h.map(|h| now.saturating_add(Duration::from_secs(u64::from(h) * 3600)));
                transfer(
                    Some(account),
                    None,
                    Decimal::new(cents, 2),
                    Mode::Pending { expires_at },
                    None,
                )
                .map(drop)
            }
            Op::Deferred { account, cents, hours } => {
                let available_at = now.saturating_add(Duration::from_secs(u64::from(hours) * 3600));
                transfer(
                    None,
                    Some(account),
                    Decimal::new(cents, 2),
                    Mode::Deferred { available_at },
                    None,
                )
                .map(drop)
            }
            Op::Odd { account, mantissa } => {
                transfer(None, Some(account), Decimal::new(mantissa, 3), Mode::Posted, None)
                    .map(drop)
            }
            Op::Post { .. } | Op::Void { .. } if hold_ids.is_empty() => Ok(()),
            Op::Post { hold, cents } => {
                let amount = cents.map(|c| Decimal::new(c, 2));
                settle(&ledger, &mut model, now, hold_ids[hold % hold_ids.len()], Some(amount))
            }
            Op::Void { hold } => {
                settle(&ledger, &mut model, now, hold_ids[hold % hold_ids.len()], None)
            }
            Op::Advance { minutes } => {
                now = now.saturating_add(Duration::from_secs(u64::from(minutes) * 60));
                Ok(())
            }
            Op::Freeze { account, frozen } => {
                freeze(&ledger, &mut model, now, account, frozen);
                Ok(())
            }
        };
        check_step(&ledger, &model, now, &before, outcome.is_err());
    }
    check_replay(&ledger, &journal, now);
}

/// The one idempotency namespace of a run: strict, rejections remembered.
pub(super) fn namespace() -> Arc<Namespace> {
    Arc::new(Namespace {
        name: "props".into(),
        remember_rejections: true,
        retention: Duration::from_secs(86_400),
    })
}

/// Freezes or unfreezes `account`, in the ledger and the model.
fn freeze(ledger: &Ledger, model: &mut Model, now: Timestamp, account: usize, frozen: bool) {
    let status = if frozen { Status::Frozen } else { Status::Active };
    ledger.set_status(now, TENANT, account_id(account), status).unwrap();
    model.accounts[account].frozen = frozen;
    model.seq += 1;
}

/// Posts (`post` holds the amount, if any) or voids hold `id`, in the ledger and the model.
fn settle(
    ledger: &Ledger,
    model: &mut Model,
    now: Timestamp,
    id: u64,
    post: Option<Option<Decimal>>,
) -> Result<(), crate::Error> {
    let expected = model.settle(now, id, post);
    let actual = match post {
        Some(amount) => ledger.post_pending(now, TENANT, TransferId(id), amount),
        None => ledger.void_pending(now, TENANT, TransferId(id)),
    };
    let actual = actual.map(|r| r.id.0);
    assert_eq!(actual, expected, "settle outcome");
    actual.map(drop)
}

fn open_accounts(ledger: &Ledger, model: &mut Model, now: Timestamp, usd: Currency) {
    for idx in 0..3 {
        let new = NewAccount {
            id: account_id(idx),
            tenant: TENANT,
            currency: usd,
            limits: model::limits(idx),
            labels: Default::default(),
        };
        ledger.open_account(now, new).unwrap();
        model.seq += 1;
    }
}

/// What must hold after every step, `rejected` or not.
fn check_step(ledger: &Ledger, model: &Model, now: Timestamp, before: &Snapshot, rejected: bool) {
    // The ledger's own invariants hold after every step.
    ledger.verify(now).unwrap();
    // Balances agree with the model, and never sit below their floor.
    for idx in 0..3 {
        let view = ledger.account(now, TENANT, account_id(idx)).unwrap();
        assert_eq!(view.balances, model.balances(idx, now), "account {idx} balances");
        assert!(
            view.balances.available >= model::limits(idx).balance_min,
            "account {idx} below floor"
        );
    }
    // A rejected operation changes no balance, hold or history.
    if rejected {
        let after = ledger.snapshot(now);
        assert_eq!(after.accounts, before.accounts, "a rejection changed accounts");
        assert_eq!(after.externals, before.externals, "a rejection changed external balances");
        assert_eq!(after.pending, before.pending, "a rejection changed holds");
    }
}

/// Folding the journal gives back the same ledger.
fn check_replay(ledger: &Ledger, journal: &VecJournal, now: Timestamp) {
    let events = journal.0.lock().unwrap().clone();
    let replayed = Ledger::replay(
        Config { n_shards: 3, idempotency_keys_max: 64, ..Config::default() },
        events,
        None,
    )
    .unwrap();
    assert_eq!(replayed.snapshot(now), ledger.snapshot(now));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_operation_sequences_agree_with_the_model_and_keep_every_invariant(ops in prop::collection::vec(op(), 1..120)) {
        run(ops);
    }
}
