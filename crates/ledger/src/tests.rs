//! The ledger's tests: scenarios (features and error precedence, as scripts with inline
//! snapshots), properties (random operation sequences against a naive model), and a bounded
//! multi-threaded stress test; and the event codec.

mod checkpoint;
mod codec;
mod model;
mod props;
mod scenarios;
mod stress;

use rust_decimal::Decimal;

#[test]
fn limits_constants_are_the_powers_of_ten_they_claim() {
    assert_eq!(crate::AMOUNT_MAX, Decimal::from(10u64.pow(15)));
    assert_eq!(crate::BALANCE_ABS_MAX, Decimal::from(10u128.pow(20)));
}

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use crate::store;
use crate::{
    AccountError, AccountId, Config, Currency, Cursor, Error, Event, IdempotencyKey, Journal,
    JournalError, Ledger, Limits, Namespace, NewAccount, Order, Status, TenantId, Timestamp,
    Transfer,
};

const T1: TenantId = TenantId(Uuid::from_u128(1));
const T2: TenantId = TenantId(Uuid::from_u128(2));
const NOW: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn open(ledger: &Ledger, tenant: TenantId, n: u128) -> AccountId {
    let id = AccountId(Uuid::from_u128(n));
    let new = NewAccount {
        id,
        tenant,
        currency: usd(),
        limits: Limits::default(),
        labels: Default::default(),
    };
    ledger.open_account(NOW, new).unwrap();
    id
}

/// Records events, and refuses them while `refuse` is set.
#[derive(Default)]
struct TestJournal {
    events: Mutex<Vec<Event>>,
    refuse: AtomicBool,
}

impl Journal for TestJournal {
    fn append(&self, event: &Event) -> Result<(), JournalError> {
        if self.refuse.load(Ordering::Relaxed) {
            return Err(JournalError("disk full".into()));
        }
        self.events.lock().unwrap().push(event.clone());
        Ok(())
    }
}

#[test]
fn a_refusing_journal_leaves_the_ledger_unchanged_and_replay_skips_the_gap() {
    let journal = Arc::new(TestJournal::default());
    let ledger = Ledger::with_journal(Config::default(), journal.clone());
    let a = open(&ledger, T1, 10);
    ledger.transfer(NOW, Transfer::credit(T1, a, Decimal::new(100, 0), usd())).unwrap();
    let before = ledger.snapshot(NOW);

    journal.refuse.store(true, Ordering::Relaxed);
    let refused = ledger.transfer(NOW, Transfer::debit(T1, a, Decimal::new(1, 0), usd()));
    assert_eq!(refused, Err(Error::JournalUnavailable));
    assert_eq!(
        ledger.open_account(
            NOW,
            NewAccount {
                id: AccountId(Uuid::from_u128(11)),
                tenant: T1,
                currency: usd(),
                limits: Limits::default(),
                labels: Default::default(),
            }
        ),
        Err(AccountError::JournalUnavailable)
    );
    let after = ledger.snapshot(NOW);
    assert_eq!((after.accounts, after.externals), (before.accounts, before.externals));

    journal.refuse.store(false, Ordering::Relaxed);
    ledger.transfer(NOW, Transfer::debit(T1, a, Decimal::new(30, 0), usd())).unwrap();
    let events = journal.events.lock().unwrap().clone();
    let replayed = Ledger::replay(Config::default(), events, None).unwrap();
    assert_eq!(replayed.snapshot(NOW), ledger.snapshot(NOW));
    assert_eq!(replayed.account(NOW, T1, a).unwrap().balances.posted, Decimal::new(70, 0));
}

#[test]
fn replay_refuses_a_history_that_does_not_fold() {
    let journal = Arc::new(TestJournal::default());
    let ledger = Ledger::with_journal(Config::default(), journal.clone());
    let a = open(&ledger, T1, 10);
    ledger.transfer(NOW, Transfer::credit(T1, a, Decimal::new(5, 0), usd())).unwrap();
    ledger.transfer(NOW, Transfer::debit(T1, a, Decimal::new(5, 0), usd())).unwrap();
    let mut events = journal.events.lock().unwrap().clone();
    events.remove(1); // drop the credit: the debit can no longer succeed
    assert!(matches!(
        Ledger::replay(Config::default(), events, None),
        Err(crate::ReplayError::Diverged { seq: 3, .. })
    ));
}

#[test]
fn an_account_update_applies_status_and_limits_together_or_neither() {
    let journal = Arc::new(TestJournal::default());
    let ledger = Ledger::with_journal(Config::default(), journal.clone());
    let a = open(&ledger, T1, 10);
    let tight = Limits { balance_max: Some(Decimal::new(500, 2)), ..Limits::default() };
    let contradictory = Limits { balance_max: Some(-Decimal::ONE), ..Limits::default() };
    let before = ledger.account(NOW, T1, a).unwrap();

    let refused = ledger.update_account(NOW, T1, a, Some(Status::Frozen), Some(contradictory));
    assert!(matches!(refused, Err(AccountError::InvalidLimits(_))));
    journal.refuse.store(true, Ordering::Relaxed);
    let refused = ledger.update_account(NOW, T1, a, Some(Status::Frozen), Some(tight.clone()));
    assert_eq!(refused, Err(AccountError::JournalUnavailable));
    journal.refuse.store(false, Ordering::Relaxed);
    assert_eq!(ledger.account(NOW, T1, a).unwrap(), before, "a refused update changes nothing");

    let closed = ledger.update_account(NOW, T1, a, Some(Status::Closed), Some(tight.clone()));
    let closed = closed.unwrap();
    assert_eq!((closed.status, closed.limits.clone()), (Status::Closed, tight));
    let after_close = ledger.update_account(NOW, T1, a, None, Some(Limits::default()));
    assert_eq!(after_close, Err(AccountError::AccountClosed));
    assert_eq!(ledger.account(NOW, T1, a).unwrap(), closed, "closed is final");

    let events = journal.events.lock().unwrap().clone();
    let replayed = Ledger::replay(Config::default(), events, None).unwrap();
    assert_eq!(replayed.snapshot(NOW), ledger.snapshot(NOW));
}

#[test]
fn resetting_a_tenant_erases_only_that_tenant() {
    let ledger = Ledger::new(Config::default());
    let a = open(&ledger, T1, 10);
    let b = open(&ledger, T2, 20);
    for (tenant, id) in [(T1, a), (T2, b)] {
        ledger.transfer(NOW, Transfer::credit(tenant, id, Decimal::new(9, 0), usd())).unwrap();
    }
    ledger.reset_tenant(NOW, T1).unwrap();
    assert!(ledger.account(NOW, T1, a).is_none());
    assert!(ledger.accounts(NOW, T1).is_empty());
    assert_eq!(ledger.external_balance(T1, usd()), Decimal::ZERO);
    assert_eq!(ledger.account(NOW, T2, b).unwrap().balances.posted, Decimal::new(9, 0));
    assert_eq!(ledger.external_balance(T2, usd()), Decimal::new(-9, 0));
    ledger.verify(NOW).unwrap();
}

#[test]
fn history_pages_by_cursor_in_both_orders_without_gaps_or_repeats() {
    let ledger = Ledger::new(Config::default());
    let a = open(&ledger, T1, 10);
    // More than two history chunks, paged by a size that divides nothing.
    for cents in 1..=600 {
        ledger.transfer(NOW, Transfer::credit(T1, a, Decimal::new(cents, 2), usd())).unwrap();
    }
    for order in [Order::OldestFirst, Order::NewestFirst] {
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = ledger.entries(T1, a, cursor, 97, order).unwrap();
            assert!(page.entries.len() <= 97);
            seen.extend(page.entries.iter().map(|e| e.amount));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut expected: Vec<Decimal> = (1..=600).map(|c| Decimal::new(c, 2)).collect();
        if order == Order::NewestFirst {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{order:?}");
    }
    assert!(
        ledger.entries(T2, a, None, 10, Order::OldestFirst).is_none(),
        "another tenant sees no history"
    );
}

/// Outside testing found a key evicted by another tenant's clock: tenant B's retry, on its own
/// unchanged clock, posted a second time after tenant A ran 30 days ahead.
#[test]
fn a_key_lives_its_window_on_its_own_tenants_clock_and_bound_whatever_others_do() {
    let ledger = Ledger::new(Config { n_shards: 4, idempotency_keys_max: 64, ..Config::default() });
    let (a, b) = (open(&ledger, T1, 10), open(&ledger, T2, 20));
    let namespaces = [("24h", 24), ("7d", 24 * 7)].map(|(name, hours)| {
        Arc::new(Namespace {
            name: name.into(),
            remember_rejections: true,
            retention: Duration::from_secs(hours * 3600),
        })
    });
    let retry = |ns: &Arc<Namespace>| {
        Transfer::credit(T2, b, Decimal::TEN, usd())
            .with_key(IdempotencyKey::new(ns.clone(), "retry-me"))
    };
    for ns in &namespaces {
        assert!(matches!(ledger.transfer(NOW, retry(ns)), Ok(crate::Applied::New(_))));
    }
    let later = NOW.saturating_add(Duration::from_secs(30 * 86_400));
    for ns in &namespaces {
        for i in 0..500 {
            let req = Transfer::credit(T1, a, Decimal::ONE, usd())
                .with_key(IdempotencyKey::new(ns.clone(), format!("a{i}")));
            ledger.transfer(later, req).unwrap();
        }
    }
    let b_now = NOW.saturating_add(Duration::from_secs(3600));
    for ns in &namespaces {
        let again = ledger.transfer(b_now, retry(ns));
        assert!(matches!(again, Ok(crate::Applied::Replayed(_))), "{}: {again:?}", ns.name);
    }
    assert_eq!(ledger.account(b_now, T2, b).unwrap().balances.posted, Decimal::from(20));
    // Each key's own window, on its own tenant's clock: the 24 h key ends, the 7 d one lives.
    let next_day = NOW.saturating_add(Duration::from_secs(25 * 3600));
    let [day, week] = &namespaces;
    assert!(matches!(ledger.transfer(next_day, retry(day)), Ok(crate::Applied::New(_))));
    assert!(matches!(ledger.transfer(next_day, retry(week)), Ok(crate::Applied::Replayed(_))));
}

#[test]
fn the_number_of_remembered_keys_stays_bounded() {
    let ledger =
        Ledger::new(Config { n_shards: 4, idempotency_keys_max: 100, ..Config::default() });
    let a = open(&ledger, T1, 10);
    let namespace = Arc::new(Namespace {
        name: "n".into(),
        remember_rejections: true,
        retention: Duration::from_secs(3600),
    });
    for i in 0..1_000 {
        let req = Transfer::credit(T1, a, Decimal::ONE, usd())
            .with_key(IdempotencyKey::new(namespace.clone(), format!("k{i}")));
        ledger.transfer(NOW, req).unwrap();
    }
    assert!(ledger.n_idempotency_keys(NOW) <= 100, "{}", ledger.n_idempotency_keys(NOW));
    assert!(ledger.n_idempotency_keys(NOW) >= 50, "eviction is oldest-first, not wholesale");
    // The newest key is still remembered.
    let last = Transfer::credit(T1, a, Decimal::ONE, usd())
        .with_key(IdempotencyKey::new(namespace, "k999"));
    assert!(matches!(ledger.transfer(NOW, last), Ok(crate::Applied::Replayed(_))));
}

#[test]
fn verify_reports_a_balance_that_does_not_match_its_history() {
    let ledger = Ledger::new(Config::default());
    let a = open(&ledger, T1, 10);
    ledger.transfer(NOW, Transfer::credit(T1, a, Decimal::new(5, 0), usd())).unwrap();
    ledger.verify(NOW).unwrap();
    // Corrupt the state behind the API's back, as a bug would.
    store::lock(&ledger.shards[ledger.account_shard(a)]).accounts.get_mut(&a).unwrap().posted +=
        Decimal::ONE;
    let violations = ledger.verify(NOW).unwrap_err().0;
    assert!(violations.iter().any(|v| v.contains("fold")), "{violations:?}");
    assert!(violations.iter().any(|v| v.contains("sum to 1")), "{violations:?}");
}

#[test]
fn vendor_metadata_travels_into_history_and_counts_for_idempotency() {
    let ledger = Ledger::new(Config::default());
    let a = open(&ledger, T1, 10);
    let namespace = Arc::new(Namespace {
        name: "n".into(),
        remember_rejections: false,
        retention: Duration::from_secs(60),
    });
    let metadata = |reference: &str| {
        crate::Metadata::from([("reference_id".to_string(), reference.to_string())])
    };
    let req = |reference: &str| {
        Transfer::credit(T1, a, Decimal::ONE, usd())
            .with_metadata(metadata(reference))
            .with_key(IdempotencyKey::new(namespace.clone(), "k"))
    };
    ledger.transfer(NOW, req("Transfer 20250705")).unwrap();
    assert_eq!(ledger.transfer(NOW, req("another")), Err(Error::IdempotencyConflict));
    let page = ledger.entries(T1, a, None, 10, Order::NewestFirst).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].metadata.as_deref(), Some(&metadata("Transfer 20250705")));
}

#[test]
fn an_opening_balance_is_posted_with_the_account_or_not_at_all() {
    let journal = Arc::new(TestJournal::default());
    let ledger = Ledger::with_journal(Config::default(), journal.clone());
    let limits = Limits {
        balance_max: Some(Decimal::new(100, 0)),
        transfer_amount_max: Some(Decimal::ONE),
        daily_credit_count_max: Some(1),
        ..Limits::default()
    };
    let new = |n: u128| NewAccount {
        id: AccountId(Uuid::from_u128(n)),
        tenant: T1,
        currency: usd(),
        limits: limits.clone(),
        labels: Default::default(),
    };

    // Over the maximum balance: refused, and nothing is left behind.
    assert!(matches!(
        ledger.open_account_with_balance(NOW, new(1), Decimal::new(101, 0)),
        Err(AccountError::InvalidLimits(_))
    ));
    assert!(matches!(
        ledger.open_account_with_balance(NOW, new(1), Decimal::new(-1, 0)),
        Err(AccountError::InvalidLimits(_))
    ));
    assert!(matches!(
        ledger.open_account_with_balance(NOW, new(1), Decimal::new(1, 3)),
        Err(AccountError::InvalidLimits(_))
    ));
    assert!(ledger.accounts(NOW, T1).is_empty());

    // Within the limits: posted at once, not a transfer (no per-transfer maximum, no daily use).
    let view = ledger.open_account_with_balance(NOW, new(1), Decimal::new(100, 0)).unwrap();
    assert_eq!(view.balances.posted, Decimal::new(100, 0));
    assert_eq!(view.daily.credit_count, 0);
    assert_eq!(ledger.external_balance(T1, usd()), Decimal::new(-100, 0));
    assert_eq!(ledger.entries(T1, view.id, None, 10, Order::OldestFirst).unwrap().entries.len(), 1);
    ledger.verify(NOW).unwrap();

    let events = journal.events.lock().unwrap().clone();
    let replayed = Ledger::replay(Config::default(), events, None).unwrap();
    assert_eq!(replayed.snapshot(NOW), ledger.snapshot(NOW));
}

#[test]
fn history_is_bounded_and_the_dropped_part_carries_forward() {
    let ledger = Ledger::new(Config { history_entries_max: 300, ..Config::default() });
    let a = open(&ledger, T1, 10);
    for _ in 0..2_000 {
        ledger.transfer(NOW, Transfer::credit(T1, a, Decimal::new(1, 2), usd())).unwrap();
    }
    let view = ledger.account(NOW, T1, a).unwrap();
    assert_eq!(view.balances.posted, Decimal::new(2_000, 2));
    assert_eq!(view.n_entries, 2_000, "entries ever made");
    ledger.verify(NOW).unwrap();
    // Paging oldest first from the start begins at the oldest kept entry and ends at the newest.
    let mut kept = Vec::new();
    let mut cursor = None;
    loop {
        let page = ledger.entries(T1, a, cursor, 97, Order::OldestFirst).unwrap();
        kept.extend(page.entries.iter().map(|e| e.posted_after));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!((300..=812).contains(&kept.len()), "{}", kept.len());
    assert_eq!(kept.last(), Some(&Decimal::new(2_000, 2)));
    assert!(kept.windows(2).all(|w| w[1] - w[0] == Decimal::new(1, 2)));
    let newest = ledger.entries(T1, a, None, 5_000, Order::NewestFirst).unwrap();
    assert_eq!(newest.entries.len(), kept.len());
    assert_eq!(newest.next, None);
    // A cursor into dropped history is moved up; the page says where it really starts, and
    // the newest entry's absolute position is the count ever made minus one.
    let first_kept = 2_000 - kept.len() as u64;
    let moved_up = ledger.entries(T1, a, Some(Cursor(3)), 10, Order::OldestFirst).unwrap();
    assert_eq!(moved_up.oldest_index, first_kept);
    assert_eq!(moved_up.entries[0].posted_after, kept[0]);
    let last = ledger.entries(T1, a, None, 1, Order::NewestFirst).unwrap();
    assert_eq!(last.oldest_index, 1_999);
    // A cursor through a transfer starts a newest-first page at that transfer's entry, in a
    // full chunk, the partial newest one, or before all kept history (an empty page).
    let ids: Vec<crate::TransferId> = newest.entries.iter().rev().map(|e| e.transfer_id).collect();
    for at in [0, 1, 255, 256, 300, ids.len() - 1] {
        let cursor = ledger.cursor_through(T1, a, ids[at]);
        let page = ledger.entries(T1, a, cursor, 2, Order::NewestFirst).unwrap();
        assert_eq!(page.entries[0].transfer_id, ids[at], "entry {at}");
    }
    let before_all = ledger.cursor_through(T1, a, crate::TransferId(ids[0].0 - 1));
    assert!(ledger.entries(T1, a, before_all, 2, Order::NewestFirst).unwrap().entries.is_empty());
}

/// Each write is counted once by what it ended in: committed, replayed (its key seen), or
/// refused under its reason (a conflicting key's too); a replayed ledger starts at zero.
#[test]
fn outcomes_count_each_write_once_and_a_replay_of_events_counts_nothing() {
    let journal = Arc::new(TestJournal::default());
    let ledger = Ledger::with_journal(Config::default(), journal.clone());
    let a = open(&ledger, T1, 10);
    let ns = Arc::new(Namespace {
        name: "test".into(),
        remember_rejections: false,
        retention: Duration::from_secs(3600),
    });
    let keyed = |amount: i64| {
        Transfer::credit(T1, a, Decimal::new(amount, 0), usd())
            .with_key(IdempotencyKey::new(ns.clone(), "k"))
    };
    ledger.transfer(NOW, keyed(5)).unwrap();
    ledger.transfer(NOW, keyed(5)).unwrap();
    assert_eq!(ledger.transfer(NOW, keyed(6)), Err(Error::IdempotencyConflict));
    let overdraw = Transfer::debit(T1, a, Decimal::new(50, 0), usd());
    assert_eq!(ledger.transfer(NOW, overdraw), Err(Error::InsufficientFunds));

    let counted = ledger.outcomes();
    assert_eq!((counted.committed, counted.replayed), (1, 1));
    let refused: Vec<_> = counted.refused.iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(refused, [&("idempotency_conflict", 1), &("insufficient_funds", 1)]);

    let events = journal.events.lock().unwrap().clone();
    let replayed = Ledger::replay(Config::default(), events, None).unwrap();
    let fresh = replayed.outcomes();
    assert_eq!((fresh.committed, fresh.replayed), (0, 0));
    assert!(fresh.refused.iter().all(|(_, n)| *n == 0));
}

/// Every reason's code is its variant's name in snake_case: the table and the match agree.
#[test]
fn every_refusal_reason_has_its_own_code() {
    let reasons = [
        Error::IdempotencyConflict,
        Error::AmountNotPositive,
        Error::AmountScaleExceeded,
        Error::AmountTooLarge,
        Error::AccountNotFound,
        Error::SameAccount,
        Error::CurrencyMismatch,
        Error::AccountNotActive { status: Status::Frozen },
        Error::TransferMaximumExceeded,
        Error::DailyLimitExceeded { limit: crate::DailyLimit::DebitCount },
        Error::InsufficientFunds,
        Error::BalanceMaximumExceeded,
        Error::PendingNotFound,
        Error::PendingAlreadyPosted,
        Error::PendingAlreadyVoided,
        Error::PendingExpired,
        Error::PendingAmountExceeded,
        Error::JournalUnavailable,
    ];
    assert_eq!(reasons.len(), Error::CODES.len());
    for reason in reasons {
        let name = format!("{reason:?}");
        let name = name.split([' ', '{']).next().unwrap();
        let snake: String = name
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_uppercase()).then_some('_');
                sep.into_iter().chain(c.to_lowercase())
            })
            .collect();
        assert_eq!(reason.code(), snake);
    }
}
