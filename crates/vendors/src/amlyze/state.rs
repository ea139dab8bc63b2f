//! What AMLYZE remembers per tenant: customers and accounts by business unit, each account's
//! balance snapshots (history per balance type, ordered by `balanceAt`), and the
//! `communicationNumber`s already used.
//!
//! Balances here are observations the client reports, not money: they live beside the ledger
//! and never post to it. Accounts are also ledger accounts (so the admin API lists them); the
//! record keeps the ledger id.

mod record;

use std::collections::{BTreeMap, VecDeque};

use crate::common::{HashMap, HashSet};
use crossbeam_utils::sync::ShardedLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ledger::{AccountId, Currency, TenantId, Timestamp};
use rust_decimal::Decimal;

use super::wire::datetime::DateTime;

pub(crate) use record::{Record, Snapshot, register_owner, save};

/// Most `communicationNumber`s remembered per tenant; past it the oldest is forgotten (and could
/// be reused).
pub(crate) const COMMUNICATION_NUMBERS_MAX: usize = 100_000;
/// Most snapshots kept per account and balance type; past it the earliest `balanceAt` goes.
pub(crate) const SNAPSHOTS_PER_SERIES_MAX: usize = 1_000;
/// Most customers per tenant.
pub(crate) const CUSTOMERS_MAX: usize = 100_000;
/// Most accounts per tenant.
pub(crate) const ACCOUNTS_MAX: usize = 100_000;

/// The values of the `accountBalanceType` classifier: the two AMLYZE's documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum BalanceType {
    /// `DAILY_BALANCE` (older docs, GitHub samples).
    DailyBalance,
    /// `STATEMENT_BALANCE` (current OpenAPI examples).
    StatementBalance,
}

impl BalanceType {
    /// Every value, in classifier order.
    pub(crate) const ALL: [BalanceType; 2] =
        [BalanceType::DailyBalance, BalanceType::StatementBalance];

    pub(crate) fn parse(text: &str) -> Option<BalanceType> {
        BalanceType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BalanceType::DailyBalance => "DAILY_BALANCE",
            BalanceType::StatementBalance => "STATEMENT_BALANCE",
        }
    }
}

/// `accountStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountStatus {
    /// `ACTIVE`.
    Active,
    /// `SUSPENDED`.
    Suspended,
    /// `CLOSED`.
    Closed,
}

impl AccountStatus {
    pub(crate) fn parse(text: &str) -> Option<AccountStatus> {
        match text {
            "ACTIVE" => Some(AccountStatus::Active),
            "SUSPENDED" => Some(AccountStatus::Suspended),
            "CLOSED" => Some(AccountStatus::Closed),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "ACTIVE",
            AccountStatus::Suspended => "SUSPENDED",
            AccountStatus::Closed => "CLOSED",
        }
    }

    /// The ledger status mirroring this one.
    pub(crate) fn ledger(self) -> ledger::Status {
        match self {
            AccountStatus::Active => ledger::Status::Active,
            AccountStatus::Suspended => ledger::Status::Frozen,
            AccountStatus::Closed => ledger::Status::Closed,
        }
    }

    /// The AMLYZE status of a ledger account: AMLYZE keeps no status of its own, so an admin
    /// change of the ledger account is what AMLYZE sees.
    pub(crate) fn of_ledger(status: ledger::Status) -> AccountStatus {
        match status {
            ledger::Status::Active => AccountStatus::Active,
            ledger::Status::Frozen => AccountStatus::Suspended,
            ledger::Status::Closed => AccountStatus::Closed,
        }
    }
}

/// `entityType` of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntityType {
    /// `INDIVIDUAL`.
    Individual,
    /// `ORGANIZATION`.
    Organization,
}

impl EntityType {
    pub(crate) fn parse(text: &str) -> Option<EntityType> {
        match text {
            "INDIVIDUAL" => Some(EntityType::Individual),
            "ORGANIZATION" => Some(EntityType::Organization),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntityType::Individual => "INDIVIDUAL",
            EntityType::Organization => "ORGANIZATION",
        }
    }
}

/// A registered customer (business entity). The mock keeps only what the account call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Customer {
    /// `INDIVIDUAL`/`ORGANIZATION`, if given.
    pub(crate) entity_type: Option<EntityType>,
    /// When it was first registered, in the tenant's clock.
    pub(crate) registered_at: Timestamp,
}

/// One registered balance: what the client reported, and when it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceSnapshot {
    /// `balanceAt`, as an instant (the history's order).
    pub(crate) balance_at: DateTime,
    /// `balanceAt` as sent.
    pub(crate) balance_at_text: Box<str>,
    /// `value`, exact.
    pub(crate) value: Decimal,
    /// `equivalentValue`, exact.
    pub(crate) equivalent_value: Option<Decimal>,
    /// The registering request's `communicationNumber`.
    pub(crate) communication_number: Box<str>,
    /// The registering request's `requester`.
    pub(crate) requester: Box<str>,
    /// When the mock accepted it, in the tenant's clock.
    pub(crate) registered_at: Timestamp,
}

/// A registered account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountRecord {
    /// The ledger account behind it.
    pub(crate) ledger_id: AccountId,
    /// The owner's `customerExtId` (`businessEntityExtId`).
    pub(crate) customer_ext_id: Box<str>,
    /// `accountNumber`, latest registration.
    pub(crate) account_number: Box<str>,
    /// `currencyCode`: fixed at the first registration (the ledger account's currency).
    pub(crate) currency: Currency,
    /// Snapshots per balance type (`None`: registered without `balanceType`), each series
    /// ordered by `balanceAt`, at most one per instant.
    pub(crate) balances: BTreeMap<Option<BalanceType>, Vec<BalanceSnapshot>>,
}

impl AccountRecord {
    /// Stores `snapshot`. A snapshot with the same `balanceAt` in the same series replaces the
    /// earlier one (the call is "Update account balance"); the series keeps its
    /// [`SNAPSHOTS_PER_SERIES_MAX`] latest instants.
    pub(crate) fn record(&mut self, balance_type: Option<BalanceType>, snapshot: BalanceSnapshot) {
        let series = self.balances.entry(balance_type).or_default();
        match series.binary_search_by(|s| s.balance_at.cmp(&snapshot.balance_at)) {
            Ok(idx) => {
                if let Some(slot) = series.get_mut(idx) {
                    *slot = snapshot;
                }
            }
            Err(idx) => series.insert(idx, snapshot),
        }
        if series.len() > SNAPSHOTS_PER_SERIES_MAX {
            series.remove(0);
        }
    }
}

/// One business unit's customers and accounts, by external id.
#[derive(Debug, Default)]
pub(crate) struct BusinessUnit {
    pub(crate) customers: HashMap<Box<str>, Customer>,
    pub(crate) accounts: HashMap<Box<str>, AccountRecord>,
}

/// Everything one tenant registered.
#[derive(Debug, Default)]
pub(crate) struct TenantState {
    units: HashMap<Box<str>, BusinessUnit>,
    /// Ledger account → (business unit, `accountExtId`), for sandbank's admin views.
    by_ledger_id: HashMap<AccountId, (Box<str>, Box<str>)>,
    communications: CommunicationLog,
    n_customers: usize,
    n_accounts: usize,
}

impl TenantState {
    pub(crate) fn customer(&self, unit: &str, ext_id: &str) -> Option<&Customer> {
        self.units.get(unit)?.customers.get(ext_id)
    }

    pub(crate) fn account(&self, unit: &str, ext_id: &str) -> Option<&AccountRecord> {
        self.units.get(unit)?.accounts.get(ext_id)
    }

    pub(crate) fn account_mut(&mut self, unit: &str, ext_id: &str) -> Option<&mut AccountRecord> {
        self.units.get_mut(unit)?.accounts.get_mut(ext_id)
    }

    /// The business unit and `accountExtId` of a ledger account.
    pub(crate) fn account_by_ledger_id(
        &self,
        id: AccountId,
    ) -> Option<(&str, &str, &AccountRecord)> {
        let (unit, ext_id) = self.by_ledger_id.get(&id)?;
        Some((unit, ext_id, self.account(unit, ext_id)?))
    }

    /// Whether [`TenantState::upsert_customer`] would take this customer (a known one, or room
    /// for a new one).
    pub(crate) fn can_upsert_customer(&self, unit: &str, ext_id: &str) -> bool {
        self.customer(unit, ext_id).is_some() || self.n_customers < CUSTOMERS_MAX
    }

    /// Registers or replaces a customer; `false` if a new one would pass [`CUSTOMERS_MAX`].
    pub(crate) fn upsert_customer(&mut self, unit: &str, ext_id: &str, customer: Customer) -> bool {
        let unit = self.units.entry(unit.into()).or_default();
        if let Some(existing) = unit.customers.get_mut(ext_id) {
            *existing = Customer { registered_at: existing.registered_at, ..customer };
            return true;
        }
        if self.n_customers >= CUSTOMERS_MAX {
            return false;
        }
        unit.customers.insert(ext_id.into(), customer);
        self.n_customers += 1;
        true
    }

    /// Whether another account fits under [`ACCOUNTS_MAX`].
    pub(crate) fn has_room_for_account(&self) -> bool {
        self.n_accounts < ACCOUNTS_MAX
    }

    /// Adds a new account; the caller checked the id is free and there is room.
    pub(crate) fn insert_account(&mut self, unit: &str, ext_id: &str, record: AccountRecord) {
        self.by_ledger_id.insert(record.ledger_id, (unit.into(), ext_id.into()));
        let unit = self.units.entry(unit.into()).or_default();
        if unit.accounts.insert(ext_id.into(), record).is_none() {
            self.n_accounts += 1;
        }
    }

    pub(crate) fn communication_used(&self, number: &str) -> bool {
        self.communications.seen.contains(number)
    }

    pub(crate) fn remember_communication(&mut self, number: &str) {
        self.communications.remember(number);
    }
}

/// Used `communicationNumber`s, bounded: oldest forgotten first.
#[derive(Debug, Default)]
struct CommunicationLog {
    /// One allocation per number, shared by the set and the order.
    seen: HashSet<Arc<str>>,
    order: VecDeque<Arc<str>>,
}

impl CommunicationLog {
    fn remember(&mut self, number: &str) {
        let number: Arc<str> = number.into();
        if !self.seen.insert(number.clone()) {
            return;
        }
        self.order.push_back(number);
        while self.order.len() > COMMUNICATION_NUMBERS_MAX {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
    }
}

/// The time a clock showed most recently (not the latest time: a clock set back shows an
/// earlier one), for answers given without a clock, such as a refused body's Spring
/// `timestamp`.
#[derive(Debug)]
pub(crate) struct LastSeen {
    /// Unix microseconds; `i64::MIN` until a time is seen.
    micros: AtomicI64,
}

impl Default for LastSeen {
    fn default() -> LastSeen {
        LastSeen { micros: AtomicI64::new(i64::MIN) }
    }
}

impl LastSeen {
    pub(crate) fn saw(&self, now: Timestamp) {
        self.micros.store(now.as_unix_micros(), Ordering::Relaxed);
    }

    /// The time last seen, if any.
    pub(crate) fn get(&self) -> Option<Timestamp> {
        let micros = self.micros.load(Ordering::Relaxed);
        (micros != i64::MIN).then(|| Timestamp::from_unix_micros(micros))
    }
}

/// One tenant's state and the time its clock showed last.
#[derive(Debug, Default)]
pub(crate) struct TenantSlot {
    pub(crate) last_seen: LastSeen,
    /// One mutex per tenant: requests of different tenants never contend, and each request's
    /// critical section is a few map operations (plus, for account registration only, the
    /// ledger call that opens the account, so that two registrations of one id cannot race).
    state: Mutex<TenantState>,
}

impl TenantSlot {
    /// The tenant's state. A poisoned lock is recovered: every change is made after all checks
    /// passed, in a few assignments, so a panic cannot leave a half-applied request behind.
    pub(crate) fn lock(&self) -> MutexGuard<'_, TenantState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every tenant's slot. The map is read on every request and written when a tenant first
/// appears or is reset, hence the `ShardedLock` around `Arc`s.
#[derive(Debug, Default)]
pub(crate) struct Tenants {
    slots: ShardedLock<HashMap<TenantId, Arc<TenantSlot>>>,
    /// The time any tenant's clock showed last, for refusals of a tenant never seen.
    last_seen: LastSeen,
}

impl Tenants {
    /// Notes the time `slot`'s tenant's clock shows now, for refusals (which have no clock).
    pub(crate) fn saw(&self, slot: &TenantSlot, now: Timestamp) {
        slot.last_seen.saw(now);
        self.last_seen.saw(now);
    }

    /// The time a refusal shows (see the module doc's "Choices"): the time the token's tenant's
    /// clock showed last, else the time any tenant's clock showed last, else (nothing seen yet)
    /// the epoch.
    pub(crate) fn refusal_time(&self, tenant: Option<TenantId>) -> Timestamp {
        tenant
            .and_then(|tenant| self.existing(tenant))
            .and_then(|slot| slot.last_seen.get())
            .or_else(|| self.last_seen.get())
            .unwrap_or(Timestamp::EPOCH)
    }

    /// `tenant`'s slot, created empty on first use.
    pub(crate) fn slot(&self, tenant: TenantId) -> Arc<TenantSlot> {
        if let Some(slot) = self.existing(tenant) {
            return slot;
        }
        let mut slots = self.slots.write().unwrap_or_else(PoisonError::into_inner);
        slots.entry(tenant).or_default().clone()
    }

    /// `tenant`'s slot if it has one.
    pub(crate) fn existing(&self, tenant: TenantId) -> Option<Arc<TenantSlot>> {
        self.slots.read().unwrap_or_else(PoisonError::into_inner).get(&tenant).cloned()
    }

    /// Forgets `tenant`'s state. A request in flight keeps its old slot and finishes on it.
    pub(crate) fn remove(&self, tenant: TenantId) {
        self.slots.write().unwrap_or_else(PoisonError::into_inner).remove(&tenant);
    }
}
