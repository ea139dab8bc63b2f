//! Where state lives: accounts spread over shards, each behind its own lock, and the registry of
//! holds.
//!
//! Why shards: a transfer touches one or two accounts, so it locks at most two shards, always in
//! ascending index order (no deadlock whatever order two transfers name the same pair in), then
//! its idempotency key's shard (a separate, smaller set: see `Config::n_key_shards`). Transfers on disjoint accounts mostly lock disjoint shards
//! and run in parallel; `benches/transfers.rs` measures this against a single lock
//! (`Config { n_shards: 1 }`). The per-tenant external account is striped: each shard keeps the
//! part of it that its own accounts moved, so it is never a point of contention.

use std::sync::{Mutex, MutexGuard, PoisonError};

use rust_decimal::Decimal;

use crate::account::{Account, AccountId, TenantId};
use crate::clock::Timestamp;

use crate::money::Currency;
use crate::transfer::{Entry, Metadata, Party};

/// A hash map with a fast, per-process seeded hasher. Seeds change no observable behaviour:
/// every listing the ledger returns is sorted.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One shard's share of the state, aligned to its own cache lines so two threads working on
/// neighbouring shards do not invalidate each other's lock word.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Shard {
    pub(crate) accounts: HashMap<AccountId, Account>,
    /// This shard's stripe of each tenant's external account, per currency.
    pub(crate) externals: HashMap<(TenantId, Currency), Decimal>,
}

impl Shard {
    /// The tenant's account, if it exists and belongs to the tenant. Another tenant's account is
    /// "not found", never a leak.
    pub(crate) fn account(&self, tenant: TenantId, id: AccountId) -> Option<&Account> {
        self.accounts.get(&id).filter(|account| account.tenant == tenant)
    }

    pub(crate) fn account_mut(&mut self, tenant: TenantId, id: AccountId) -> Option<&mut Account> {
        self.accounts.get_mut(&id).filter(|account| account.tenant == tenant)
    }
}

/// Where a hold stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingState {
    /// Reserved, waiting to be posted or voided (or to lapse).
    Pending,
    /// Posted.
    Posted,
    /// Voided.
    Voided,
}

/// A hold's record, for posting or voiding it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingTransfer {
    pub(crate) tenant: TenantId,
    pub(crate) debit: Party,
    pub(crate) credit: Party,
    pub(crate) amount: rust_decimal::Decimal,
    pub(crate) currency: Currency,
    pub(crate) expires_at: Option<Timestamp>,
    pub(crate) state: PendingState,
    pub(crate) metadata: Option<std::sync::Arc<Metadata>>,
}

impl PendingTransfer {
    pub(crate) fn expired_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// Locks a shard, recovering from poisoning.
///
/// A panic while a shard is locked can only come from a ledger assertion, and every operation
/// validates fully before its first assignment, so a poisoned shard still holds a consistent
/// state; refusing all later work would turn one bug into an outage.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The one or two account shards of a change, locked in ascending index order.
pub(crate) struct Locked<'a> {
    slots: [Option<(usize, MutexGuard<'a, Shard>)>; 2],
    /// History chunks unlinked while locked. Fields drop in order: the shards are unlocked
    /// first, then these are freed.
    dropped: Vec<Vec<Entry>>,
}

impl<'a> Locked<'a> {
    /// Locks the shards in `wanted` (at most two: a change has two sides).
    pub(crate) fn lock(shards: &'a [Mutex<Shard>], wanted: &[usize]) -> Locked<'a> {
        let (low, high) = match *wanted {
            [] => (None, None),
            [only] => (Some(only), None),
            [a, b, ..] if a == b => (Some(a), None),
            [a, b, ..] => (Some(a.min(b)), Some(a.max(b))),
        };
        let take = |idx: Option<usize>| idx.map(|idx| (idx, lock(&shards[idx])));
        let low = take(low);
        Locked { slots: [low, take(high)], dropped: Vec::new() }
    }

    /// Keeps a history chunk unlinked under the lock, to be freed once the shards are unlocked.
    pub(crate) fn free_later(&mut self, chunk: Option<Vec<Entry>>) {
        if let Some(chunk) = chunk {
            self.dropped.push(chunk);
        }
    }

    pub(crate) fn get(&self, shard_idx: usize) -> &Shard {
        let found = self.slots.iter().flatten().find(|(idx, _)| *idx == shard_idx);
        &found.unwrap_or_else(|| panic!("shard {shard_idx} used without being locked")).1
    }

    pub(crate) fn get_mut(&mut self, shard_idx: usize) -> &mut Shard {
        let found = self.slots.iter_mut().flatten().find(|(idx, _)| *idx == shard_idx);
        &mut found.unwrap_or_else(|| panic!("shard {shard_idx} used without being locked")).1
    }
}

/// Which shard an account lives in. UUIDs are mixed first so sequential or hand-picked ids still
/// spread evenly.
pub(crate) fn account_shard(id: AccountId, n_shards: usize) -> usize {
    let bits = id.0.as_u128();
    let mixed = ((bits as u64) ^ ((bits >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    shard_of(mixed, n_shards)
}

/// Which shard an idempotency key lives in.
pub(crate) fn key_shard(key_hash: u64, n_shards: usize) -> usize {
    shard_of(key_hash, n_shards)
}

fn shard_of(hash: u64, n_shards: usize) -> usize {
    // The high bits are the best mixed after a multiply.
    usize::try_from((u128::from(hash) * n_shards as u128) >> 64).unwrap_or(0)
}
