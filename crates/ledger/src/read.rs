//! The ledger's read path: account views, history pages, system balances, whole-ledger
//! snapshots, and the invariant check [`Ledger::verify`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::account::{AccountId, AccountView, Limits, TenantId};
use crate::clock::Timestamp;
use crate::engine::Ledger;
use crate::money::Currency;
use crate::store::{self, PendingState};
use crate::transfer::{Cursor, Direction, Entry, EntryKind, Order, Page, TransferId};

/// Most entries one history page returns.
pub const PAGE_ENTRIES_MAX: usize = 1000;

/// Everything observable in a ledger at one instant; equal snapshots mean equal ledgers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Every account with its full history.
    pub accounts: BTreeMap<AccountId, (AccountView, Vec<Entry>)>,
    /// Each tenant's external account balance per currency (stripes summed; zeros omitted).
    pub externals: BTreeMap<(TenantId, Currency), Decimal>,
    /// Every hold's tenant, amount and state.
    pub pending: BTreeMap<TransferId, (TenantId, Decimal, PendingState)>,
    /// How many idempotency keys are remembered and inside their window.
    pub n_keys: usize,
    /// The last sequence number handed out.
    pub seq: u64,
}

/// A broken invariant, found by [`Ledger::verify`]. Any of these is a ledger bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger invariants violated:\n{}", .0.join("\n"))]
pub struct Violations(pub Vec<String>);

impl Ledger {
    /// An account of `tenant` as of `now`; `None` if it does not exist or is another tenant's.
    pub fn account(&self, now: Timestamp, tenant: TenantId, id: AccountId) -> Option<AccountView> {
        let shard = store::lock(&self.shards[self.account_shard(id)]);
        shard.account(tenant, id).map(|account| account.view(now))
    }

    /// An account's limits alone: what a write's answer needs, without building a view.
    pub fn limits(&self, tenant: TenantId, id: AccountId) -> Option<Limits> {
        let shard = store::lock(&self.shards[self.account_shard(id)]);
        shard.account(tenant, id).map(|account| account.limits.clone())
    }

    /// How many accounts every tenant has together (not the tenants' external accounts): a
    /// count per shard, each shard locked only while its map's length is read.
    pub fn n_accounts(&self) -> usize {
        self.shards.iter().map(|shard| store::lock(shard).accounts.len()).sum()
    }

    /// Every account of `tenant`, in the order they were opened.
    pub fn accounts(&self, now: Timestamp, tenant: TenantId) -> Vec<AccountView> {
        let mut found = Vec::new();
        for shard in self.shards.iter() {
            let shard = store::lock(shard);
            found.extend(
                shard
                    .accounts
                    .values()
                    .filter(|a| a.tenant == tenant)
                    .map(|a| (a.opened_seq, a.view(now))),
            );
        }
        found.sort_by_key(|(seq, _)| *seq);
        found.into_iter().map(|(_, view)| view).collect()
    }

    /// A page of an account's history: at most `limit` entries (capped at
    /// [`PAGE_ENTRIES_MAX`]) after `cursor`, oldest or newest first.
    pub fn entries(
        &self,
        tenant: TenantId,
        id: AccountId,
        cursor: Option<Cursor>,
        limit: usize,
        order: Order,
    ) -> Option<Page> {
        let shard = store::lock(&self.shards[self.account_shard(id)]);
        let all = &shard.account(tenant, id)?.entries;
        let limit = limit.clamp(1, PAGE_ENTRIES_MAX);
        // The cursor counts entries already returned, from the chosen end. Entries only ever
        // append, so a newest-first cursor is taken as an offset from the end at the time of the
        // first page: it is stored as the absolute index of the next entry to return.
        let (entries, next, oldest_index): (Vec<Entry>, Option<Cursor>, usize) = match order {
            Order::OldestFirst => {
                // A cursor into dropped history resumes at the oldest kept entry.
                let start = cursor
                    .map_or(0, |c| usize::try_from(c.0).unwrap_or(usize::MAX))
                    .clamp(all.first_kept(), all.len().max(all.first_kept()));
                let end = start.saturating_add(limit).min(all.len());
                let next = (end < all.len()).then_some(Cursor(end as u64));
                (all.range(start, end).cloned().collect(), next, start)
            }
            Order::NewestFirst => {
                let end =
                    cursor.map_or(all.len(), |c| usize::try_from(c.0).unwrap_or(0)).min(all.len());
                let start = end.saturating_sub(limit).max(all.first_kept());
                let next = (start > all.first_kept()).then_some(Cursor(start as u64));
                (all.range(start, end).rev().cloned().collect(), next, start)
            }
        };
        Some(Page { entries, next, oldest_index: oldest_index as u64 })
    }

    /// A newest-first cursor at the newest kept entry made by transfer `through` or earlier:
    /// where to start reading an account's history as it stood after `through`, without
    /// paging down from the newest entry.
    pub fn cursor_through(
        &self,
        tenant: TenantId,
        id: AccountId,
        through: TransferId,
    ) -> Option<Cursor> {
        let shard = store::lock(&self.shards[self.account_shard(id)]);
        let position = shard.account(tenant, id)?.entries.position_after(through);
        Some(Cursor(position as u64))
    }

    /// The balance of `tenant`'s external account in `currency`: minus everything its customer
    /// accounts hold in that currency.
    pub fn external_balance(&self, tenant: TenantId, currency: Currency) -> Decimal {
        self.shards
            .iter()
            .map(|shard| {
                store::lock(shard).externals.get(&(tenant, currency)).copied().unwrap_or_default()
            })
            .sum()
    }

    /// How many idempotency keys are remembered, and still inside their window, at `now`.
    pub fn n_idempotency_keys(&self, now: Timestamp) -> usize {
        self.key_shards.iter().map(|keys| store::lock(keys).n_live(now)).sum()
    }

    /// Everything observable, as of `now`, taken under all locks at once.
    pub fn snapshot(&self, now: Timestamp) -> Snapshot {
        let guards: Vec<_> = self.shards.iter().map(store::lock).collect();
        let key_guards: Vec<_> = self.key_shards.iter().map(store::lock).collect();
        let registry = store::lock(&self.pending);
        let mut snapshot = Snapshot {
            accounts: BTreeMap::new(),
            externals: BTreeMap::new(),
            pending: registry.iter().map(|(id, p)| (*id, (p.tenant, p.amount, p.state))).collect(),
            n_keys: key_guards.iter().map(|keys| keys.n_live(now)).sum(),
            seq: self.seq.load(std::sync::atomic::Ordering::Relaxed),
        };
        for shard in &guards {
            for account in shard.accounts.values() {
                snapshot.accounts.insert(
                    account.id,
                    (account.view(now), account.entries.iter().cloned().collect()),
                );
            }
            for (key, stripe) in &shard.externals {
                *snapshot.externals.entry(*key).or_default() += *stripe;
            }
        }
        snapshot.externals.retain(|_, balance| !balance.is_zero());
        snapshot
    }

    /// Checks the ledger's invariants as of `now`, under all locks:
    /// - per tenant and currency, customer balances and the external account sum to zero;
    /// - each account's posted balance is the fold of its entries, and each entry's running
    ///   balance is the fold up to it;
    /// - each account's holds are exactly its live holds in the registry;
    /// - since the limits were last set, no entry broke the minimum or maximum balance, and
    ///   today's usage is within the daily limits.
    pub fn verify(&self, now: Timestamp) -> Result<(), Violations> {
        let guards: Vec<_> = self.shards.iter().map(store::lock).collect();
        let registry = store::lock(&self.pending);
        let mut violations = Vec::new();
        let mut sums: BTreeMap<(TenantId, Currency), Decimal> = BTreeMap::new();
        for shard in &guards {
            for (key, stripe) in &shard.externals {
                *sums.entry(*key).or_default() += *stripe;
            }
            for account in shard.accounts.values() {
                *sums.entry((account.tenant, account.currency)).or_default() += account.posted;
                let id = account.id;
                let mut running = account.entries.base_posted();
                for entry in account.entries.iter() {
                    running += entry.posted_delta();
                    if entry.posted_after != running {
                        violations.push(format!(
                            "account {id}: entry {:?} running balance",
                            entry.transfer_id
                        ));
                    }
                }
                if running != account.posted {
                    violations
                        .push(format!("account {id}: posted {} != fold {running}", account.posted));
                }
                for hold in account.holds.iter().filter(|hold| hold.live_at(now)) {
                    let known = registry.get(&hold.id).is_some_and(|p| {
                        p.state == PendingState::Pending
                            && p.amount == hold.amount
                            && p.tenant == account.tenant
                    });
                    if !known {
                        violations.push(format!(
                            "account {id}: hold {:?} not pending in registry",
                            hold.id
                        ));
                    }
                }
                let limits = &account.limits;
                for entry in
                    account.entries.range(account.limits_set_entry_idx, account.entries.len())
                {
                    let debit = entry.direction == Direction::Debit
                        && entry.kind != EntryKind::PendingVoided;
                    if debit
                        && entry.kind != EntryKind::PendingPosted
                        && entry.available_after < limits.balance_min
                    {
                        violations.push(format!(
                            "account {id}: entry {:?} below minimum",
                            entry.transfer_id
                        ));
                    }
                    let credit =
                        entry.direction == Direction::Credit && entry.kind == EntryKind::Posted;
                    if credit && limits.balance_max.is_some_and(|max| entry.posted_after > max) {
                        violations.push(format!(
                            "account {id}: entry {:?} above maximum",
                            entry.transfer_id
                        ));
                    }
                }
                let usage = account.daily.on(now.utc_day());
                if account.limits_set_at.utc_day() < usage.day {
                    let over = limits
                        .daily_debit_amount_max
                        .is_some_and(|m| usage.debit_amount > m)
                        || limits.daily_debit_count_max.is_some_and(|m| usage.debit_count > m)
                        || limits.daily_credit_amount_max.is_some_and(|m| usage.credit_amount > m)
                        || limits.daily_credit_count_max.is_some_and(|m| usage.credit_count > m);
                    if over {
                        violations.push(format!("account {id}: daily usage over its limits"));
                    }
                }
            }
        }
        for ((tenant, currency), sum) in sums {
            if !sum.is_zero() {
                violations
                    .push(format!("tenant {tenant} {currency}: balances sum to {sum}, not zero"));
            }
        }
        if violations.is_empty() { Ok(()) } else { Err(Violations(violations)) }
    }
}
