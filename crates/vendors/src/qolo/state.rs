//! Qolo's per-tenant state outside the ledger: wallets (with their holder, program and card
//! proxies), the static fields of each account (type, name, wallet, opening balance), and each
//! account's activity (last transaction, last credit, first and last debit) folded from the
//! ledger's history.

pub(crate) mod open;
pub(crate) mod record;

use crate::common::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use ledger::{
    AccountId, Balances, Currency, Direction, Entry, EntryKind, Ledger, Order, PAGE_ENTRIES_MAX,
    Status, TenantId, Timestamp, TransferId,
};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::wire::AccountStatics;

/// Qolo's `AccountType` enum.
pub(crate) const ACCOUNT_TYPES: [&str; 11] = [
    "GENERAL",
    "PROGFUND",
    "CHECK",
    "REVENUE",
    "COLLECTION",
    "PRINCIPAL",
    "SECURE",
    "CREDIT",
    "USERDEFINED",
    "ADVANCE",
    "PROG_DISBURSE",
];

/// Qolo's `AccountStatus` enum.
pub(crate) const ACCOUNT_STATUSES: [&str; 5] = ["SYSTEM", "ACTIVE", "FREEZE", "CLOSED", "OPTOUT"];

/// Qolo's name for a ledger status.
pub(crate) fn status_name(status: Status) -> &'static str {
    match status {
        Status::Active => "ACTIVE",
        Status::Frozen => "FREEZE",
        Status::Closed => "CLOSED",
    }
}

/// The three balances Qolo shows, from the ledger's. Suspense is credit not yet cleared
/// (deferred credits and incoming pending credits); it is part of neither the ledger nor the
/// available balance until it clears, when it moves into both. Holds lower available only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QoloBalances {
    pub(crate) ledger: Decimal,
    pub(crate) available: Decimal,
    pub(crate) suspense: Decimal,
}

impl From<Balances> for QoloBalances {
    fn from(balances: Balances) -> QoloBalances {
        QoloBalances {
            ledger: balances.posted - balances.deferred,
            available: balances.available,
            suspense: balances.deferred + balances.pending_credits,
        }
    }
}

/// A dated amount of the account's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Movement {
    pub(crate) id: TransferId,
    pub(crate) at: Timestamp,
    pub(crate) amount: Decimal,
}

/// The last transaction of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LastTxn {
    pub(crate) id: TransferId,
    pub(crate) at: Timestamp,
    pub(crate) amount: Decimal,
}

/// What the `Account` object reports about an account's history, as a fold of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Activity {
    /// The position, from the account's first entry ever, up to which entries are folded in.
    pub(crate) n_folded: usize,
    pub(crate) last_txn: Option<LastTxn>,
    pub(crate) first_credit: Option<Movement>,
    pub(crate) last_credit: Option<Movement>,
    pub(crate) first_debit: Option<Movement>,
    pub(crate) last_debit: Option<Movement>,
}

impl Activity {
    /// Folds the next entry of the account's history in.
    pub(crate) fn fold(&mut self, entry: &Entry) {
        self.last_txn = Some(LastTxn { id: entry.transfer_id, at: entry.at, amount: entry.amount });
        let moved = matches!(entry.kind, EntryKind::Posted | EntryKind::PendingPosted);
        if !moved {
            return;
        }
        let movement = Movement { id: entry.transfer_id, at: entry.at, amount: entry.amount };
        match entry.direction {
            Direction::Credit => {
                self.first_credit.get_or_insert(movement);
                self.last_credit = Some(movement);
            }
            Direction::Debit => {
                self.first_debit.get_or_insert(movement);
                self.last_debit = Some(movement);
            }
        }
    }

    /// The id of the last transaction folded in.
    pub(crate) fn last_id(&self) -> Option<TransferId> {
        self.last_txn.map(|txn| txn.id)
    }
}

/// Reads `account`'s entries from the `from`th (oldest first) and folds every one into `all`
/// and those up to `through` into `upto`.
fn fold_from(
    ledger: &Ledger,
    tenant: TenantId,
    account: AccountId,
    all: &mut Activity,
    mut upto: Option<(&mut Activity, TransferId)>,
) {
    loop {
        let cursor = Some(ledger::Cursor(all.n_folded as u64));
        let Some(page) =
            ledger.entries(tenant, account, cursor, PAGE_ENTRIES_MAX, Order::OldestFirst)
        else {
            return;
        };
        for entry in &page.entries {
            all.fold(entry);
            if let Some((upto, through)) = upto.as_mut()
                && entry.transfer_id <= *through
            {
                upto.fold(entry);
            }
        }
        // Absolute positions: past the ledger's history bound the page starts later than asked,
        // and counting entries folded would fall behind and refold all kept history each call.
        all.n_folded =
            usize::try_from(page.oldest_index).unwrap_or(usize::MAX) + page.entries.len();
        if page.next.is_none() || page.entries.is_empty() {
            return;
        }
    }
}

/// The account's activity as of transfer `through`, given the cached fold of every entry up
/// to and past `through`.
///
/// A cached movement at or before `through` is the answer as of `through` too (the last
/// credit then is the last credit now if nothing later came; the first debit is the first of
/// all if it came by then). Only a kind whose last cached movement came after `through`, and
/// of which one came by `through`, is read back, newest first, and the last transaction (among
/// the newest few entries). Walking back until every kind was seen read the whole history per
/// write when an account's only credit was its opening, long ago.
fn fold_back_to(
    ledger: &Ledger,
    tenant: TenantId,
    account: AccountId,
    through: TransferId,
    cached: &Activity,
) -> Activity {
    let by_then = |movement: Option<Movement>| movement.filter(|m| m.id <= through);
    let (first_credit, first_debit) = (by_then(cached.first_credit), by_then(cached.first_debit));
    let mut upto = Activity {
        n_folded: 0,
        last_txn: None,
        first_credit,
        last_credit: by_then(cached.last_credit),
        first_debit,
        last_debit: by_then(cached.last_debit),
    };
    let mut want_credit = first_credit.is_some() && upto.last_credit.is_none();
    let mut want_debit = first_debit.is_some() && upto.last_debit.is_none();
    // Straight to `through` (a replay of an old request used to page down from the newest).
    let mut cursor = ledger.cursor_through(tenant, account, through);
    loop {
        // Small pages: the entries wanted are nearly always among the first few.
        let Some(page) = ledger.entries(tenant, account, cursor, 32, Order::NewestFirst) else {
            return upto;
        };
        for entry in page.entries.iter().filter(|e| e.transfer_id <= through) {
            if upto.last_txn.is_none() {
                upto.last_txn =
                    Some(LastTxn { id: entry.transfer_id, at: entry.at, amount: entry.amount });
            }
            if matches!(entry.kind, EntryKind::Posted | EntryKind::PendingPosted) {
                let movement =
                    Movement { id: entry.transfer_id, at: entry.at, amount: entry.amount };
                match entry.direction {
                    Direction::Credit if want_credit => {
                        upto.last_credit = Some(movement);
                        want_credit = false;
                    }
                    Direction::Debit if want_debit => {
                        upto.last_debit = Some(movement);
                        want_debit = false;
                    }
                    _ => {}
                }
            }
            if upto.last_txn.is_some() && !want_credit && !want_debit {
                return upto;
            }
        }
        match page.next {
            Some(next) if !page.entries.is_empty() => cursor = Some(next),
            _ => {
                // History ran out (its oldest part was dropped): the first of a kind is then
                // the best known last one.
                if want_credit {
                    upto.last_credit = first_credit;
                }
                if want_debit {
                    upto.last_debit = first_debit;
                }
                return upto;
            }
        }
    }
}

/// An account as Qolo knows it besides its balances.
#[derive(Debug, Clone)]
pub(crate) struct AccountRecord {
    pub(crate) id: AccountId,
    pub(crate) currency: Currency,
    pub(crate) wallet_guid: Uuid,
    pub(crate) account_type: &'static str,
    /// Shared, so that a request's copy of the record costs no allocation.
    pub(crate) account_name: Arc<str>,
    pub(crate) opened_at: Timestamp,
    /// The opening balance the admin gave (Qolo's `starting_balance_amount`).
    pub(crate) opening_balance: Decimal,
    /// Opening order within the tenant, for stable listings.
    pub(crate) seq: u64,
    /// What its `Account` object shows that never changes, laid out at the opening.
    pub(crate) statics: Option<Arc<AccountStatics>>,
    /// Cached fold of the ledger history, brought up to date on every read. A cell of its own,
    /// shared by the record's copies: advancing it after a write must not take the write lock
    /// of the whole tenant map, which every request of every tenant reads.
    pub(crate) activity: Arc<Mutex<Activity>>,
}

impl AccountRecord {
    /// The account's activity as of transfer `through` (or as of now), from the cached fold
    /// plus the entries the ledger added since; the cache is advanced on the way. No lock is
    /// held across a ledger call.
    pub(crate) fn activity(
        &self,
        ledger: &Ledger,
        tenant: TenantId,
        through: Option<TransferId>,
    ) -> Activity {
        let cached = *lock(&self.activity);
        if let Some(through) = through
            && cached.last_id().is_some_and(|last| last > through)
        {
            // The cache already holds later changes (a concurrent write, or a replay of an
            // old request): walk back from the newest entry to `through`. Folding the whole
            // history forward here made concurrent writes to one account quadratic.
            return fold_back_to(ledger, tenant, self.id, through, &cached);
        }
        let mut all = cached;
        let mut upto = cached;
        match through {
            Some(through) => {
                fold_from(ledger, tenant, self.id, &mut all, Some((&mut upto, through)))
            }
            None => fold_from(ledger, tenant, self.id, &mut all, None),
        }
        if all.n_folded > cached.n_folded {
            let mut cell = lock(&self.activity);
            if cell.n_folded < all.n_folded {
                *cell = all;
            }
        }
        if through.is_some() { upto } else { all }
    }
}

fn lock(cell: &Mutex<Activity>) -> MutexGuard<'_, Activity> {
    cell.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A card in a wallet, known by its proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    pub(crate) proxy: String,
    pub(crate) issued_at: Timestamp,
}

/// A wallet: one holder's accounts and cards in one program.
#[derive(Debug, Clone)]
pub(crate) struct Wallet {
    pub(crate) wallet_id: String,
    pub(crate) person_guid: Uuid,
    pub(crate) program_guid: Uuid,
    pub(crate) created_at: Timestamp,
    pub(crate) seq: u64,
    /// Account guids in opening order.
    pub(crate) accounts: Vec<Uuid>,
    pub(crate) cards: Vec<Card>,
}

/// One tenant's Qolo state.
#[derive(Debug, Default)]
pub(crate) struct TenantState {
    pub(crate) accounts: HashMap<Uuid, AccountRecord>,
    pub(crate) wallets: HashMap<Uuid, Wallet>,
    /// Card proxy → wallet guid.
    pub(crate) cards: HashMap<String, Uuid>,
    /// The program of new wallets when the tenant has no provisioned credentials.
    pub(crate) fallback_program: Option<Uuid>,
    pub(crate) next_seq: u64,
}

impl TenantState {
    /// The next opening-order number.
    pub(crate) fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The programs the tenant's wallets belong to.
    pub(crate) fn has_program(&self, program_guid: Uuid) -> bool {
        self.wallets.values().any(|wallet| wallet.program_guid == program_guid)
    }
}

/// Every tenant's state. Reads (every request) far outnumber writes (accounts opened), hence
/// the `RwLock`; no lock is held across a ledger call.
#[derive(Debug, Default)]
pub(crate) struct State {
    tenants: RwLock<HashMap<TenantId, TenantState>>,
}

impl State {
    /// Runs `f` on `tenant`'s state, read-only.
    pub(crate) fn read<T>(&self, tenant: TenantId, f: impl FnOnce(Option<&TenantState>) -> T) -> T {
        let tenants = self.tenants.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(tenants.get(&tenant))
    }

    /// Runs `f` on `tenant`'s state, creating it if needed.
    pub(crate) fn write<T>(&self, tenant: TenantId, f: impl FnOnce(&mut TenantState) -> T) -> T {
        let mut tenants = self.tenants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(tenants.entry(tenant).or_default())
    }

    /// Forgets `tenant`.
    pub(crate) fn remove(&self, tenant: TenantId) {
        let mut tenants = self.tenants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        tenants.remove(&tenant);
    }
}

#[cfg(test)]
mod tests {
    use ledger::{Config, Currency, Labels, Limits, NewAccount, Timestamp, Transfer};

    use super::*;

    #[test]
    fn the_fold_stands_at_the_absolute_end_of_history_even_past_the_ledger_bound() {
        let ledger = Ledger::new(Config { history_entries_max: 300, ..Config::default() });
        let (tenant, id) = (TenantId(Uuid::from_u128(1)), AccountId(Uuid::from_u128(9)));
        let usd = Currency::from_code("USD").unwrap();
        let now = Timestamp::from_unix_micros(0);
        let new = NewAccount {
            id,
            tenant,
            currency: usd,
            limits: Limits::default(),
            labels: Labels::new(),
        };
        ledger.open_account(now, new).unwrap();
        for n in 1..=2_000 {
            ledger.transfer(now, Transfer::credit(tenant, id, Decimal::new(n, 2), usd)).unwrap();
        }
        let mut all = Activity::default();
        fold_from(&ledger, tenant, id, &mut all, None);
        // Counting entries folded would say ~800 (only the kept ones), and every later call
        // would fold the kept history again from its start.
        assert_eq!(all.n_folded, 2_000);
        assert_eq!(all.last_credit.map(|m| m.amount), Some(Decimal::new(2_000, 2)));
        ledger.transfer(now, Transfer::credit(tenant, id, Decimal::ONE, usd)).unwrap();
        let before = all;
        fold_from(&ledger, tenant, id, &mut all, None);
        assert_eq!((before.n_folded, all.n_folded), (2_000, 2_001));
        assert_eq!(all.last_credit.map(|m| m.amount), Some(Decimal::ONE));
    }

    #[test]
    fn activity_as_of_an_earlier_transfer_uses_the_cache_for_what_came_by_then() {
        let ledger = Ledger::new(Config { history_entries_max: 300, ..Config::default() });
        let (tenant, id) = (TenantId(Uuid::from_u128(1)), AccountId(Uuid::from_u128(9)));
        let usd = Currency::from_code("USD").unwrap();
        let now = Timestamp::from_unix_micros(0);
        let new = NewAccount {
            id,
            tenant,
            currency: usd,
            limits: Limits::default(),
            labels: Labels::new(),
        };
        ledger.open_account(now, new).unwrap();
        let opening =
            ledger.transfer(now, Transfer::credit(tenant, id, Decimal::new(100_000, 0), usd));
        let opening = opening.unwrap().receipt().id;
        let debit = |n: i64| {
            let transfer = Transfer::debit(tenant, id, Decimal::new(n, 2), usd);
            ledger.transfer(now, transfer).unwrap().receipt().id
        };
        let first_debit = debit(1);
        // The cache follows the account from its opening, as the vendor's does.
        let mut cached = Activity::default();
        fold_from(&ledger, tenant, id, &mut cached, None);
        let ids: Vec<TransferId> = (2..=2_000).map(debit).collect();
        let through = ids[1_990];
        let last_credit = ledger.transfer(now, Transfer::credit(tenant, id, Decimal::ONE, usd));
        let last_credit = last_credit.unwrap().receipt().id;
        fold_from(&ledger, tenant, id, &mut cached, None);
        assert_eq!(cached.last_credit.map(|m| m.id), Some(last_credit));

        let upto = fold_back_to(&ledger, tenant, id, through, &cached);
        assert_eq!(upto.last_txn.map(|t| t.id), Some(through));
        // The opening credit was dropped from history long ago; the cache still knows it.
        assert_eq!(upto.last_credit.map(|m| m.id), Some(opening));
        assert_eq!(upto.first_debit.map(|m| m.id), Some(first_debit));
        assert_eq!(
            upto.last_debit.map(|m| (m.id, m.amount)),
            Some((through, Decimal::new(1_992, 2)))
        );
        // Before any debit: none, whatever came later.
        let upto = fold_back_to(&ledger, tenant, id, opening, &cached);
        assert_eq!((upto.first_debit, upto.last_debit), (None, None));
    }
}
