//! Idempotency keys: a retried request with the same key returns the first outcome instead of
//! moving money twice.
//!
//! Keys are scoped by tenant and a caller-chosen namespace (one per vendor, say), kept for the
//! namespace's retention window of ledger time, and bounded in number: past the bound the oldest
//! key is forgotten first.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use crate::account::TenantId;
use crate::clock::Timestamp;
use crate::error::Error;
use crate::store::HashMap;
use crate::transfer::{Receipt, Transfer};

/// A family of keys with one policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace {
    /// Its name; keys of different namespaces never collide.
    pub name: Cow<'static, str>,
    /// Whether a rejected attempt occupies its key, so that a retry gets the same rejection
    /// (vendors differ: some let a client retry a declined request with the same key).
    pub remember_rejections: bool,
    /// How long, in ledger time, a key is remembered.
    pub retention: Duration,
}

/// A key within a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// The key's namespace and policy.
    pub namespace: Arc<Namespace>,
    /// The caller's key.
    pub key: Box<str>,
}

impl IdempotencyKey {
    /// A key in `namespace`.
    pub fn new(namespace: Arc<Namespace>, key: impl Into<Box<str>>) -> IdempotencyKey {
        IdempotencyKey { namespace, key: key.into() }
    }
}

/// A key's identity: tenant, namespace name, key text, and their hash, computed once: a key
/// is looked up, shard-picked and inserted, and hashing its text each time was 7% of a request.
#[derive(Debug)]
pub(crate) struct KeyId {
    pub(crate) tenant: TenantId,
    pub(crate) namespace: Cow<'static, str>,
    pub(crate) key: Box<str>,
    pub(crate) hash: u64,
}

impl KeyId {
    pub(crate) fn of(tenant: TenantId, key: &IdempotencyKey) -> KeyId {
        let hash = foldhash::fast::FixedState::with_seed(0x1DE4_907E).hash_one((
            tenant,
            &*key.namespace.name,
            &*key.key,
        ));
        KeyId { tenant, namespace: key.namespace.name.clone(), key: key.key.clone(), hash }
    }
}

impl PartialEq for KeyId {
    fn eq(&self, other: &KeyId) -> bool {
        self.hash == other.hash
            && self.tenant == other.tenant
            && self.namespace == other.namespace
            && self.key == other.key
    }
}

impl Eq for KeyId {}

impl Hash for KeyId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// What a key remembers: the request, to detect conflicts, and its outcome, to replay it.
#[derive(Debug, Clone)]
pub(crate) struct KeyRecord {
    pub(crate) expires_at: Timestamp,
    pub(crate) request: Transfer,
    pub(crate) outcome: Result<Receipt, Error>,
}

/// One shard's keys, with insertion order kept for expiry and eviction.
#[derive(Debug, Default)]
pub(crate) struct KeyStore {
    /// Boxed so the table stays small and cheap to grow; a record holds a whole receipt.
    records: HashMap<Arc<KeyId>, Box<KeyRecord>>,
    /// Oldest first, with each key's expiry so expiring needs no lookup. Expiry pops from the
    /// front while expired; a clock set back or namespaces with different windows can leave a
    /// later key expiring first, which `get` still honours.
    order: VecDeque<(Timestamp, Arc<KeyId>)>,
}

impl KeyStore {
    pub(crate) fn get(&self, id: &KeyId, now: Timestamp) -> Option<&KeyRecord> {
        self.records.get(id).map(|record| &**record).filter(|record| now < record.expires_at)
    }

    pub(crate) fn insert(&mut self, id: Arc<KeyId>, record: KeyRecord, n_max: usize) {
        while self.order.len() >= n_max.max(1) {
            self.evict_oldest();
        }
        // A key whose record expired but was not yet popped is being reused: drop the stale
        // position so the deque holds each key once.
        let expires_at = record.expires_at;
        if self.records.insert(id.clone(), Box::new(record)).is_some() {
            self.order.retain(|(_, queued)| **queued != *id);
        }
        self.order.push_back((expires_at, id));
    }

    /// Forgets keys whose window has passed.
    pub(crate) fn expire(&mut self, now: Timestamp) {
        while self.order.front().is_some_and(|(expires_at, _)| *expires_at <= now) {
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        if let Some((_, oldest)) = self.order.pop_front() {
            self.records.remove(&oldest);
        }
    }

    /// Keys still inside their window at `now`.
    pub(crate) fn n_live(&self, now: Timestamp) -> usize {
        self.records.values().filter(|record| now < record.expires_at).count()
    }

    pub(crate) fn retain_tenants(&mut self, keep: impl Fn(TenantId) -> bool) {
        self.records.retain(|id, _| keep(id.tenant));
        self.order.retain(|(_, id)| keep(id.tenant));
    }
}
