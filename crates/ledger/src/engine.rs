//! The ledger's write path: validate everything, then commit in one step.
//!
//! Each operation locks what it touches, checks every rule in the precedence order of
//! [`Error`], and only then takes a sequence number, hands the event to the journal and
//! assigns the new state. A rejected operation has changed nothing by the time it returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;

use crate::account::{Account, AccountId, AccountView, Hold, Limits, NewAccount, Status, TenantId};
use crate::account::{Balances, Deferred};
use crate::clock::Timestamp;
use crate::error::{AccountError, DailyLimit, Error};
use crate::event::{Change, Event, Journal, JournalError};
use crate::idempotency::{KeyRecord, KeyRef, KeyShard, RequestPrint};
use crate::invariants;
use crate::stats::{Outcomes, Stats};
use crate::store::{self, HashMap, Locked, PendingState, PendingTransfer, Shard};
use crate::transfer::{AccountChange, Applied, Direction, Entry, EntryKind, Metadata, Mode, Party};
use crate::transfer::{Receipt, Transfer, TransferId};
use crate::{AMOUNT_MAX, BALANCE_ABS_MAX};

/// Sizes the ledger is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Number of independently locked account shards (1 = one global lock).
    pub n_shards: usize,
    /// Number of independently locked idempotency-key shards. Few, so that each shard's ring of
    /// records is written often enough to stay in cache: with one key shard per account shard
    /// (256), every keyed write touched a cold ring, table and record.
    pub n_key_shards: usize,
    /// Most history entries kept per account; older ones are dropped a chunk at a time, their
    /// effect kept as the account's carried-forward balance.
    pub history_entries_max: usize,
    /// Most idempotency keys remembered at once per tenant; the tenant's oldest go first. A key
    /// keeps two fingerprints and a compact receipt (~270 bytes, ~340 with its index slots),
    /// so the default bounds a tenant's keys to ~90 MiB.
    pub idempotency_keys_max: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            n_shards: 256,
            n_key_shards: 16,
            history_entries_max: 1 << 16,
            idempotency_keys_max: 1 << 18,
        }
    }
}

/// The ledger: accounts, transfers, holds and idempotency keys of every tenant.
///
/// Safe to share across threads (`Arc<Ledger>`); operations on one account are linearizable.
pub struct Ledger {
    pub(crate) shards: Box<[Mutex<Shard>]>,
    /// Idempotency keys, by key hash. Locked after any account shard, never before one, and
    /// before the hold registry.
    pub(crate) key_shards: Box<[Mutex<KeyShard>]>,
    /// Holds by id. Always locked after any shard, never before one.
    pub(crate) pending: Mutex<HashMap<TransferId, PendingTransfer>>,
    /// Last sequence number handed out.
    pub(crate) seq: AtomicU64,
    pub(crate) config: Config,
    pub(crate) journal: Option<Arc<dyn Journal>>,
    /// What writes ended in, for reports.
    pub(crate) stats: Stats,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("config", &self.config).finish_non_exhaustive()
    }
}

/// One customer-account side of a transfer, as read during validation.
struct Side<'a> {
    account: &'a Account,
    balances: Balances,
}

impl Ledger {
    /// An empty ledger with no journal.
    pub fn new(config: Config) -> Ledger {
        let n_shards = config.n_shards.max(1);
        let n_key_shards = config.n_key_shards.max(1);
        Ledger {
            shards: (0..n_shards).map(|_| Mutex::new(Shard::default())).collect(),
            key_shards: (0..n_key_shards).map(|_| Mutex::new(KeyShard::default())).collect(),
            pending: Mutex::new(HashMap::default()),
            seq: AtomicU64::new(0),
            config: Config { n_shards, n_key_shards, ..config },
            journal: None,
            stats: Stats::default(),
        }
    }

    /// How many writes committed, were refused (by reason) or replayed since this ledger was
    /// made; a restore's replay of stored events counts nothing.
    pub fn outcomes(&self) -> Outcomes {
        self.stats.read()
    }

    /// An empty ledger that appends every change to `journal` before applying it.
    pub fn with_journal(config: Config, journal: Arc<dyn Journal>) -> Ledger {
        Ledger { journal: Some(journal), ..Ledger::new(config) }
    }

    pub(crate) fn account_shard(&self, id: AccountId) -> usize {
        store::account_shard(id, self.shards.len())
    }

    fn keys_per_shard(&self) -> usize {
        (self.config.idempotency_keys_max / self.key_shards.len()).max(1)
    }

    /// Takes the next sequence number and journals the change; must be called with every lock
    /// the change needs held, after validation and before the first assignment.
    fn commit(&self, at: Timestamp, change: impl FnOnce() -> Change) -> Result<u64, JournalError> {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(journal) = &self.journal {
            journal.append(&Event { seq, at, change: change() })?;
        }
        Ok(seq)
    }

    /// Opens an account with zero balances; fund it with a credit.
    pub fn open_account(
        &self,
        now: Timestamp,
        new: NewAccount,
    ) -> Result<AccountView, AccountError> {
        self.open_account_with_balance(now, new, Decimal::ZERO)
    }

    /// Opens an account already holding `opening_balance` (negative for a debt), taken from
    /// (or given to) the tenant's external account in the same step, so a refused opening
    /// leaves no account behind. The opening is not a transfer: it is not held to the
    /// per-transfer maximum and uses none of the day's allowance; it must lie within the
    /// account's minimum and maximum balance.
    pub fn open_account_with_balance(
        &self,
        now: Timestamp,
        new: NewAccount,
        opening_balance: Decimal,
    ) -> Result<AccountView, AccountError> {
        new.limits.validate(new.currency)?;
        if !new.currency.fits_scale(opening_balance) {
            return Err(AccountError::InvalidLimits(
                "opening balance has more decimal places than the currency allows",
            ));
        }
        let outside_limits = opening_balance.abs() > BALANCE_ABS_MAX
            || opening_balance < new.limits.balance_min
            || new.limits.balance_max.is_some_and(|max| opening_balance > max);
        if outside_limits {
            return Err(AccountError::InvalidLimits(
                "opening balance outside the account's minimum and maximum",
            ));
        }
        let mut shard = store::lock(&self.shards[self.account_shard(new.id)]);
        if shard.accounts.contains_key(&new.id) {
            return Err(AccountError::AccountExists);
        }
        let seq =
            self.commit(now, || Change::AccountOpened { account: new.clone(), opening_balance })?;
        let mut account = Account::open(new, now, seq);
        if !opening_balance.is_zero() {
            account.posted = opening_balance;
            let direction = if opening_balance.is_sign_positive() {
                Direction::Credit
            } else {
                Direction::Debit
            };
            let after = account.balances(now);
            let entry = Entry {
                transfer_id: TransferId(seq),
                pending_id: None,
                at: now,
                kind: EntryKind::Posted,
                direction,
                amount: opening_balance.abs(),
                available_at: None,
                posted_after: after.posted,
                available_after: after.available,
                metadata: Some(Arc::new(Metadata::from([(
                    "description".to_string(),
                    "opening balance".to_string(),
                )]))),
            };
            // A new account's first entry never unlinks a chunk.
            let _ = account.entries.push(entry, self.config.history_entries_max);
            *shard.externals.entry((account.tenant, account.currency)).or_default() -=
                opening_balance;
        }
        let view = account.view(now);
        shard.accounts.insert(account.id, account);
        Ok(view)
    }

    /// Sets an account's status. Closed is final.
    pub fn set_status(
        &self,
        now: Timestamp,
        tenant: TenantId,
        id: AccountId,
        status: Status,
    ) -> Result<AccountView, AccountError> {
        let mut shard = store::lock(&self.shards[self.account_shard(id)]);
        let account = shard.account(tenant, id).ok_or(AccountError::AccountNotFound)?;
        if account.status == Status::Closed {
            return Err(AccountError::AccountClosed);
        }
        self.commit(now, || Change::StatusSet { tenant, account: id, status })?;
        let account = shard.account_mut(tenant, id).ok_or(AccountError::AccountNotFound)?;
        account.status = status;
        Ok(account.view(now))
    }

    /// Replaces an account's limits. Limits tighter than the current balances are allowed (a
    /// bank may lower a limit below usage); later transfers are checked against them.
    pub fn set_limits(
        &self,
        now: Timestamp,
        tenant: TenantId,
        id: AccountId,
        limits: Limits,
    ) -> Result<AccountView, AccountError> {
        let mut shard = store::lock(&self.shards[self.account_shard(id)]);
        let account = shard.account(tenant, id).ok_or(AccountError::AccountNotFound)?;
        if account.status == Status::Closed {
            return Err(AccountError::AccountClosed);
        }
        limits.validate(account.currency)?;
        self.commit(now, || Change::LimitsSet { tenant, account: id, limits: limits.clone() })?;
        let account = shard.account_mut(tenant, id).ok_or(AccountError::AccountNotFound)?;
        account.limits = limits;
        account.limits_set_at = now;
        account.limits_set_entry_idx = account.entries.len();
        Ok(account.view(now))
    }

    /// Sets an account's status and limits in one step (`None` keeps that part): everything is
    /// checked before anything is applied, so a refused update changes neither. Closed is
    /// final; limits may be tighter than the current balances, as with [`Ledger::set_limits`].
    pub fn update_account(
        &self,
        now: Timestamp,
        tenant: TenantId,
        id: AccountId,
        status: Option<Status>,
        limits: Option<Limits>,
    ) -> Result<AccountView, AccountError> {
        let mut shard = store::lock(&self.shards[self.account_shard(id)]);
        let account = shard.account(tenant, id).ok_or(AccountError::AccountNotFound)?;
        if account.status == Status::Closed {
            return Err(AccountError::AccountClosed);
        }
        if let Some(limits) = &limits {
            limits.validate(account.currency)?;
        }
        self.commit(now, || Change::AccountUpdated {
            tenant,
            account: id,
            status,
            limits: limits.clone(),
        })
        .map_err(|_| AccountError::JournalUnavailable)?;
        let account = shard.account_mut(tenant, id).ok_or(AccountError::AccountNotFound)?;
        if let Some(limits) = limits {
            account.limits = limits;
            account.limits_set_at = now;
            account.limits_set_entry_idx = account.entries.len();
        }
        if let Some(status) = status {
            account.status = status;
        }
        Ok(account.view(now))
    }

    /// Moves money. See [`Error`] for every reason it can be refused, in precedence order.
    pub fn transfer(&self, now: Timestamp, req: Transfer) -> Result<Applied, Error> {
        let key_ref = req.idempotency.as_ref().map(|key| KeyRef::of(req.tenant, key));
        let mut wanted = [0; 2];
        let mut n_wanted = 0;
        for party in [req.debit, req.credit] {
            if let Party::Account(id) = party {
                wanted[n_wanted] = self.account_shard(id);
                n_wanted += 1;
            }
        }
        let mut locked = Locked::lock(&self.shards, &wanted[..n_wanted]);
        let mut keys = key_ref.map(|key| {
            store::lock(&self.key_shards[store::key_shard(key.hash, self.key_shards.len())])
        });

        if let (Some(key), Some(keys)) = (&key_ref, &mut keys)
            && let Some(record) = keys.get(key, now)
        {
            if record.request != RequestPrint::of(&req) {
                self.stats.refused(&Error::IdempotencyConflict);
                return Err(Error::IdempotencyConflict);
            }
            if let Some(journal) = &self.journal {
                journal.replayed();
            }
            self.stats.replayed();
            return record.outcome().map(Applied::Replayed);
        }

        let outcome = self.execute(&mut locked, now, &req);
        self.stats.count(&outcome);

        if let (Some(key), Some(mut keys), Some(idempotency)) = (key_ref, keys, &req.idempotency) {
            let namespace = &idempotency.namespace;
            let remember = match &outcome {
                Ok(_) => true,
                Err(Error::JournalUnavailable) => false,
                Err(error) => {
                    namespace.remember_rejections
                        && self
                            .commit(now, || Change::TransferRejected {
                                transfer: req.clone(),
                                error: *error,
                            })
                            .is_ok()
                }
            };
            // The accounts are done with: let other writers at them while the key is recorded
            // (the record it evicts is cold memory). The key's shard stays locked, so a retry
            // racing this one still waits for the record.
            drop(locked);
            let expires_at = now.saturating_add(namespace.retention);
            if remember {
                let record = KeyRecord::new(key, expires_at, RequestPrint::of(&req), &outcome);
                keys.insert(record, self.keys_per_shard());
            }
        }
        outcome.map(Applied::New)
    }

    /// Validates `req` against the locked state and, if every rule passes, commits it.
    fn execute(
        &self,
        locked: &mut Locked<'_>,
        now: Timestamp,
        req: &Transfer,
    ) -> Result<Receipt, Error> {
        let amount = req.amount;
        if amount <= Decimal::ZERO {
            return Err(Error::AmountNotPositive);
        }
        if !req.currency.fits_scale(amount) {
            return Err(Error::AmountScaleExceeded);
        }
        if amount > AMOUNT_MAX {
            return Err(Error::AmountTooLarge);
        }

        let side = |party: Party| -> Result<Option<Side<'_>>, Error> {
            let Party::Account(id) = party else { return Ok(None) };
            let account = locked
                .get(self.account_shard(id))
                .account(req.tenant, id)
                .ok_or(Error::AccountNotFound)?;
            Ok(Some(Side { account, balances: account.balances(now) }))
        };
        let debit = side(req.debit)?;
        let credit = side(req.credit)?;
        if req.debit == req.credit {
            return Err(Error::SameAccount);
        }
        let sides = || debit.iter().chain(credit.iter());
        if sides().any(|s| s.account.currency != req.currency) {
            return Err(Error::CurrencyMismatch);
        }
        if let Some(s) = sides().find(|s| s.account.status != Status::Active) {
            return Err(Error::AccountNotActive { status: s.account.status });
        }
        if sides().any(|s| s.account.limits.transfer_amount_max.is_some_and(|max| amount > max)) {
            return Err(Error::TransferMaximumExceeded);
        }
        let today = now.utc_day();
        if let Some(s) = &debit {
            let (limits, usage) = (&s.account.limits, s.account.daily.on(today));
            if limits.daily_debit_amount_max.is_some_and(|max| usage.debit_amount + amount > max) {
                return Err(Error::DailyLimitExceeded { limit: DailyLimit::DebitAmount });
            }
            if limits.daily_debit_count_max.is_some_and(|max| usage.debit_count >= max) {
                return Err(Error::DailyLimitExceeded { limit: DailyLimit::DebitCount });
            }
        }
        if let Some(s) = &credit {
            let (limits, usage) = (&s.account.limits, s.account.daily.on(today));
            if limits.daily_credit_amount_max.is_some_and(|max| usage.credit_amount + amount > max)
            {
                return Err(Error::DailyLimitExceeded { limit: DailyLimit::CreditAmount });
            }
            if limits.daily_credit_count_max.is_some_and(|max| usage.credit_count >= max) {
                return Err(Error::DailyLimitExceeded { limit: DailyLimit::CreditCount });
            }
        }
        if let Some(s) = &debit
            && s.balances.available - amount < s.account.limits.balance_min
        {
            return Err(Error::InsufficientFunds);
        }
        if let Some(s) = &credit {
            let projected = s.balances.posted + s.balances.pending_credits + amount;
            if projected > BALANCE_ABS_MAX
                || s.account.limits.balance_max.is_some_and(|max| projected > max)
            {
                return Err(Error::BalanceMaximumExceeded);
            }
        }

        // Every rule passed: commit.
        let seq = self.commit(now, || Change::TransferCommitted(req.clone()))?;
        let id = TransferId(seq);
        if let Mode::Pending { expires_at } = req.mode {
            let record = PendingTransfer {
                tenant: req.tenant,
                debit: req.debit,
                credit: req.credit,
                amount,
                currency: req.currency,
                expires_at,
                state: PendingState::Pending,
                metadata: req.metadata.clone(),
            };
            store::lock(&self.pending).insert(id, record);
        }
        let entry = EntryTemplate { id, pending_id: None, at: now, req };
        let debit = self.apply(locked, req.debit, Direction::Debit, &entry, amount, req.mode);
        let credit = self.apply(locked, req.credit, Direction::Credit, &entry, amount, req.mode);
        let receipt = Receipt { id, at: now, amount, currency: req.currency, debit, credit };
        invariants::transfer_committed(req.mode, &receipt);
        Ok(receipt)
    }

    /// Applies one side of a validated change. For an external side, moves this shard's stripe
    /// of the external account (the other side's shard, which is locked).
    fn apply(
        &self,
        locked: &mut Locked<'_>,
        party: Party,
        direction: Direction,
        entry: &EntryTemplate<'_>,
        amount: Decimal,
        mode: Mode,
    ) -> Option<AccountChange> {
        let Party::Account(id) = party else {
            let moves_posted = !matches!(mode, Mode::Pending { .. });
            let other =
                if direction == Direction::Debit { entry.req.credit } else { entry.req.debit };
            if let (true, Party::Account(other)) = (moves_posted, other) {
                let shard = locked.get_mut(self.account_shard(other));
                let stripe =
                    shard.externals.entry((entry.req.tenant, entry.req.currency)).or_default();
                match direction {
                    Direction::Debit => *stripe -= amount,
                    Direction::Credit => *stripe += amount,
                }
            }
            return None;
        };
        let now = entry.at;
        let shard = locked.get_mut(self.account_shard(id));
        let account = shard.accounts.get_mut(&id)?;
        account.prune(now);
        let before = account.balances(now);
        let signed = match direction {
            Direction::Debit => -amount,
            Direction::Credit => amount,
        };
        let (kind, available_at) = match mode {
            Mode::Posted => {
                account.posted += signed;
                (EntryKind::Posted, None)
            }
            Mode::Deferred { available_at } => {
                account.posted += signed;
                if direction == Direction::Credit && now < available_at {
                    account.deferred.push(Deferred { available_at, amount });
                    (EntryKind::Posted, Some(available_at))
                } else {
                    (EntryKind::Posted, None)
                }
            }
            Mode::Pending { expires_at } => {
                account.holds.push(Hold { id: entry.id, amount, expires_at, direction });
                (EntryKind::Pending, None)
            }
        };
        let mut usage = account.daily.on(now.utc_day());
        match direction {
            Direction::Debit => {
                usage.debit_amount += amount;
                usage.debit_count += 1;
            }
            Direction::Credit => {
                usage.credit_amount += amount;
                usage.credit_count += 1;
            }
        }
        account.daily = usage;
        let after = account.balances(now);
        let dropped = account.entries.push(
            entry.build(kind, direction, amount, available_at, after),
            self.config.history_entries_max,
        );
        locked.free_later(dropped);
        Some(AccountChange { account: id, before, after })
    }

    /// Posts a hold, in full (`amount: None`) or in part; the rest is released.
    pub fn post_pending(
        &self,
        now: Timestamp,
        tenant: TenantId,
        pending: TransferId,
        amount: Option<Decimal>,
    ) -> Result<Receipt, Error> {
        let outcome = self.settle(now, tenant, pending, Settle::Post(amount));
        self.stats.count(&outcome);
        outcome
    }

    /// Voids a hold, releasing its amount on both sides.
    pub fn void_pending(
        &self,
        now: Timestamp,
        tenant: TenantId,
        pending: TransferId,
    ) -> Result<Receipt, Error> {
        let outcome = self.settle(now, tenant, pending, Settle::Void);
        self.stats.count(&outcome);
        outcome
    }

    fn settle(
        &self,
        now: Timestamp,
        tenant: TenantId,
        pending_id: TransferId,
        how: Settle,
    ) -> Result<Receipt, Error> {
        // The parties never change, so reading them before locking their shards is safe; the
        // state is checked again once everything is locked.
        let (debit_party, credit_party) = {
            let registry = store::lock(&self.pending);
            let record = registry
                .get(&pending_id)
                .filter(|p| p.tenant == tenant)
                .ok_or(Error::PendingNotFound)?;
            (record.debit, record.credit)
        };
        let wanted: Vec<usize> = [debit_party, credit_party]
            .into_iter()
            .filter_map(|party| match party {
                Party::Account(id) => Some(self.account_shard(id)),
                Party::External => None,
            })
            .collect();
        let mut locked = Locked::lock(&self.shards, &wanted);
        let mut registry = store::lock(&self.pending);
        let record = registry
            .get_mut(&pending_id)
            .filter(|p| p.tenant == tenant)
            .ok_or(Error::PendingNotFound)?;
        match record.state {
            PendingState::Pending => {}
            PendingState::Posted => return Err(Error::PendingAlreadyPosted),
            PendingState::Voided => return Err(Error::PendingAlreadyVoided),
        }
        if record.expired_at(now) {
            return Err(Error::PendingExpired);
        }
        let (amount, change) = how.change(record, pending_id)?;
        let seq = self.commit(now, || change)?;
        let (kind, state) = match how {
            Settle::Post(_) => (EntryKind::PendingPosted, PendingState::Posted),
            Settle::Void => (EntryKind::PendingVoided, PendingState::Voided),
        };
        record.state = state;
        let record = record.clone();
        drop(registry);

        let id = TransferId(seq);
        let mut settle_side = |party: Party, direction: Direction| -> Option<AccountChange> {
            let other = if direction == Direction::Debit { record.credit } else { record.debit };
            let Party::Account(account_id) = party else {
                if let (EntryKind::PendingPosted, Party::Account(other)) = (kind, other) {
                    let shard = locked.get_mut(self.account_shard(other));
                    let stripe = shard.externals.entry((tenant, record.currency)).or_default();
                    match direction {
                        Direction::Debit => *stripe -= amount,
                        Direction::Credit => *stripe += amount,
                    }
                }
                return None;
            };
            let account =
                locked.get_mut(self.account_shard(account_id)).accounts.get_mut(&account_id)?;
            account.prune(now);
            let before = account.balances(now);
            debug_assert!(
                account.holds.iter().any(|hold| hold.id == pending_id),
                "a live pending transfer in the registry has its hold on each account side"
            );
            account.holds.retain(|hold| hold.id != pending_id);
            if kind == EntryKind::PendingPosted {
                match direction {
                    Direction::Debit => account.posted -= amount,
                    Direction::Credit => account.posted += amount,
                }
            }
            let after = account.balances(now);
            let entry = Entry {
                transfer_id: id,
                pending_id: Some(pending_id),
                at: now,
                kind,
                direction,
                amount,
                available_at: None,
                posted_after: after.posted,
                available_after: after.available,
                metadata: record.metadata.clone(),
            };
            let dropped = account.entries.push(entry, self.config.history_entries_max);
            locked.free_later(dropped);
            Some(AccountChange { account: account_id, before, after })
        };
        let debit = settle_side(record.debit, Direction::Debit);
        let credit = settle_side(record.credit, Direction::Credit);
        let receipt = Receipt { id, at: now, amount, currency: record.currency, debit, credit };
        invariants::hold_settled(record.amount, kind == EntryKind::PendingPosted, &receipt);
        Ok(receipt)
    }

    /// Erases every account, key, hold and external balance of `tenant`.
    pub fn reset_tenant(&self, now: Timestamp, tenant: TenantId) -> Result<(), AccountError> {
        let mut guards: Vec<_> = self.shards.iter().map(store::lock).collect();
        let mut key_guards: Vec<_> = self.key_shards.iter().map(store::lock).collect();
        let mut registry = store::lock(&self.pending);
        self.commit(now, || Change::TenantReset { tenant })?;
        for shard in &mut guards {
            shard.accounts.retain(|_, account| account.tenant != tenant);
            shard.externals.retain(|(owner, _), _| *owner != tenant);
        }
        for keys in &mut key_guards {
            keys.forget_tenant(tenant);
        }
        registry.retain(|_, pending| pending.tenant != tenant);
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Settle {
    Post(Option<Decimal>),
    Void,
}

impl Settle {
    /// The amount that settles `record` (refused when it cannot) and the journal's change.
    fn change(
        self,
        record: &PendingTransfer,
        pending: TransferId,
    ) -> Result<(Decimal, Change), Error> {
        let tenant = record.tenant;
        match self {
            Settle::Post(amount) => {
                let amount = amount.unwrap_or(record.amount);
                if amount <= Decimal::ZERO {
                    return Err(Error::AmountNotPositive);
                }
                if !record.currency.fits_scale(amount) {
                    return Err(Error::AmountScaleExceeded);
                }
                if amount > record.amount {
                    return Err(Error::PendingAmountExceeded);
                }
                let posted = (amount != record.amount).then_some(amount);
                Ok((amount, Change::PendingPosted { tenant, pending, amount: posted }))
            }
            Settle::Void => Ok((record.amount, Change::PendingVoided { tenant, pending })),
        }
    }
}

/// The parts of an entry shared by both sides of one transfer.
struct EntryTemplate<'a> {
    id: TransferId,
    pending_id: Option<TransferId>,
    at: Timestamp,
    req: &'a Transfer,
}

impl EntryTemplate<'_> {
    fn build(
        &self,
        kind: EntryKind,
        direction: Direction,
        amount: Decimal,
        available_at: Option<Timestamp>,
        after: Balances,
    ) -> Entry {
        Entry {
            transfer_id: self.id,
            pending_id: self.pending_id,
            at: self.at,
            kind,
            direction,
            amount,
            available_at,
            posted_after: after.posted,
            available_after: after.available,
            metadata: self.req.metadata.clone(),
        }
    }
}
