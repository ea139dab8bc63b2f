//! Accounts: identity, status, limits, and the balances derived from postings, holds and
//! deferred credits.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::error::AccountError;
use crate::history::History;
use crate::money::Currency;
use crate::transfer::{Direction, TransferId};

/// An account's id, unique across tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub Uuid);

/// One isolated sandbox: its own accounts, keys and system accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub Uuid);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether an account may move money. Only `Active` does; `Closed` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Moves money.
    Active,
    /// Temporarily blocked; can return to active.
    Frozen,
    /// Permanently blocked.
    Closed,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Active => "active",
            Status::Frozen => "frozen",
            Status::Closed => "closed",
        })
    }
}

/// Per-account rules every transfer is checked against. `None` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The lowest the available balance may go: 0 by default, negative for an overdraft.
    pub balance_min: Decimal,
    /// The highest the balance (posted plus incoming pending) may go.
    pub balance_max: Option<Decimal>,
    /// Largest single transfer, either direction.
    pub transfer_amount_max: Option<Decimal>,
    /// Sum of debits per UTC day.
    pub daily_debit_amount_max: Option<Decimal>,
    /// Number of debits per UTC day.
    pub daily_debit_count_max: Option<u32>,
    /// Sum of credits per UTC day.
    pub daily_credit_amount_max: Option<Decimal>,
    /// Number of credits per UTC day.
    pub daily_credit_count_max: Option<u32>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            balance_min: Decimal::ZERO,
            balance_max: None,
            transfer_amount_max: None,
            daily_debit_amount_max: None,
            daily_debit_count_max: None,
            daily_credit_amount_max: None,
            daily_credit_count_max: None,
        }
    }
}

impl Limits {
    /// Checks the limits make sense for an account in `currency`.
    pub fn validate(&self, currency: Currency) -> Result<(), AccountError> {
        let amounts = [
            Some(self.balance_min),
            self.balance_max,
            self.transfer_amount_max,
            self.daily_debit_amount_max,
            self.daily_credit_amount_max,
        ];
        if amounts.iter().flatten().any(|a| !currency.fits_scale(*a)) {
            return Err(AccountError::InvalidLimits(
                "more decimal places than the currency allows",
            ));
        }
        if amounts.iter().flatten().any(|a| a.abs() > crate::BALANCE_ABS_MAX) {
            return Err(AccountError::InvalidLimits("amount out of range"));
        }
        let maxima =
            [self.transfer_amount_max, self.daily_debit_amount_max, self.daily_credit_amount_max];
        if maxima.iter().flatten().any(|a| a.is_sign_negative()) {
            return Err(AccountError::InvalidLimits("a maximum amount is negative"));
        }
        if self.balance_max.is_some_and(|max| max < self.balance_min) {
            return Err(AccountError::InvalidLimits("maximum balance is below minimum balance"));
        }
        Ok(())
    }
}

/// An account's balances at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Balances {
    /// The ledger balance: every posted credit minus every posted debit.
    pub posted: Decimal,
    /// Outgoing holds not yet posted or voided (and not expired).
    pub pending_debits: Decimal,
    /// Incoming pending transfers: not in `posted`, not spendable.
    pub pending_credits: Decimal,
    /// Posted credits whose funds become available later (next-day funds, suspense).
    pub deferred: Decimal,
    /// What can be spent now: `posted - pending_debits - deferred`.
    pub available: Decimal,
}

/// Labels an integrator or vendor attaches to an account (vendor ids such as an account number
/// or card proxy). The ledger stores them; it never interprets them.
pub type Labels = BTreeMap<String, String>;

/// What it takes to open an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Chosen by the caller, so the ledger needs no randomness.
    pub id: AccountId,
    /// The tenant that owns it.
    pub tenant: TenantId,
    /// Every transfer on it is in this currency.
    pub currency: Currency,
    /// Its rules.
    pub limits: Limits,
    /// Vendor ids and other labels.
    pub labels: Labels,
}

/// Today's usage of the daily limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DailyUsage {
    /// The UTC day (see [`Timestamp::utc_day`]) these counters belong to.
    pub day: i64,
    /// Sum of debits that day.
    pub debit_amount: Decimal,
    /// Number of debits that day.
    pub debit_count: u32,
    /// Sum of credits that day.
    pub credit_amount: Decimal,
    /// Number of credits that day.
    pub credit_count: u32,
}

impl DailyUsage {
    /// The usage as seen on `day`: a new day starts from zero.
    pub fn on(self, day: i64) -> DailyUsage {
        if self.day == day { self } else { DailyUsage { day, ..DailyUsage::default() } }
    }
}

/// A read-only view of an account at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    /// Its id.
    pub id: AccountId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its currency.
    pub currency: Currency,
    /// Its status.
    pub status: Status,
    /// Its rules.
    pub limits: Limits,
    /// Its balances at the instant asked for.
    pub balances: Balances,
    /// Today's usage of the daily limits (zero on a new day).
    pub daily: DailyUsage,
    /// Vendor ids and other labels, shared with the account (a view is taken on every write
    /// some vendors answer, and copying the map was most of its cost).
    pub labels: Arc<Labels>,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// How many history entries it has.
    pub n_entries: usize,
}

/// A hold touching an account: outgoing (debit side) or incoming (credit side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hold {
    pub(crate) id: TransferId,
    pub(crate) amount: Decimal,
    pub(crate) expires_at: Option<Timestamp>,
    pub(crate) direction: Direction,
}

impl Hold {
    pub(crate) fn live_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// A posted credit not yet available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deferred {
    pub(crate) available_at: Timestamp,
    pub(crate) amount: Decimal,
}

/// The mutable state of one account, owned by its shard.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) id: AccountId,
    pub(crate) tenant: TenantId,
    pub(crate) currency: Currency,
    pub(crate) status: Status,
    pub(crate) limits: Limits,
    pub(crate) labels: Arc<Labels>,
    pub(crate) opened_at: Timestamp,
    /// Commit sequence of the opening, for a stable listing order.
    pub(crate) opened_seq: u64,
    /// When the limits were last set; `verify` checks entries made since then.
    pub(crate) limits_set_at: Timestamp,
    pub(crate) limits_set_entry_idx: usize,
    pub(crate) posted: Decimal,
    pub(crate) holds: Vec<Hold>,
    pub(crate) deferred: Vec<Deferred>,
    pub(crate) daily: DailyUsage,
    pub(crate) entries: History,
}

impl Account {
    pub(crate) fn open(new: NewAccount, now: Timestamp, seq: u64) -> Account {
        Account {
            id: new.id,
            tenant: new.tenant,
            currency: new.currency,
            status: Status::Active,
            limits: new.limits,
            labels: Arc::new(new.labels),
            opened_at: now,
            opened_seq: seq,
            limits_set_at: now,
            limits_set_entry_idx: 0,
            posted: Decimal::ZERO,
            holds: Vec::new(),
            deferred: Vec::new(),
            daily: DailyUsage { day: now.utc_day(), ..DailyUsage::default() },
            entries: History::default(),
        }
    }

    /// Balances as of `now`: expired holds and matured deferred credits no longer count.
    pub(crate) fn balances(&self, now: Timestamp) -> Balances {
        let mut pending_debits = Decimal::ZERO;
        let mut pending_credits = Decimal::ZERO;
        for hold in self.holds.iter().filter(|h| h.live_at(now)) {
            match hold.direction {
                Direction::Debit => pending_debits += hold.amount,
                Direction::Credit => pending_credits += hold.amount,
            }
        }
        let deferred: Decimal =
            self.deferred.iter().filter(|d| now < d.available_at).map(|d| d.amount).sum();
        Balances {
            posted: self.posted,
            pending_debits,
            pending_credits,
            deferred,
            available: self.posted - pending_debits - deferred,
        }
    }

    /// Drops expired holds and matured deferred credits. Changes no balance as of `now`; it
    /// only keeps the per-operation work small.
    pub(crate) fn prune(&mut self, now: Timestamp) {
        if !self.holds.is_empty() {
            self.holds.retain(|h| h.live_at(now));
        }
        if !self.deferred.is_empty() {
            self.deferred.retain(|d| now < d.available_at);
        }
    }

    pub(crate) fn view(&self, now: Timestamp) -> AccountView {
        AccountView {
            id: self.id,
            tenant: self.tenant,
            currency: self.currency,
            status: self.status,
            limits: self.limits.clone(),
            balances: self.balances(now),
            daily: self.daily.on(now.utc_day()),
            labels: Arc::clone(&self.labels),
            opened_at: self.opened_at,
            n_entries: self.entries.len(),
        }
    }
}
