//! Idempotency keys: a retried request with the same key returns the first outcome instead of
//! moving money twice.
//!
//! Keys are scoped by tenant and a caller-chosen namespace (one per vendor, say), kept for the
//! namespace's retention window of ledger time, and bounded in number: past the bound the oldest
//! key is forgotten first.

use std::borrow::Cow;
use std::collections::VecDeque;
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

/// A key's identity: tenant, namespace name, key text.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyId {
    pub(crate) tenant: TenantId,
    pub(crate) namespace: Cow<'static, str>,
    pub(crate) key: Box<str>,
}

impl KeyId {
    pub(crate) fn of(tenant: TenantId, key: &IdempotencyKey) -> KeyId {
        KeyId { tenant, namespace: key.namespace.name.clone(), key: key.key.clone() }
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
    /// Oldest first. Expiry pops from the front while expired; a window that shrank or a clock
    /// set back can leave a later key expiring first, which `get` still honours.
    order: VecDeque<Arc<KeyId>>,
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
        if self.records.insert(id.clone(), Box::new(record)).is_some() {
            self.order.retain(|queued| !Arc::ptr_eq(queued, &id) && **queued != *id);
        }
        self.order.push_back(id);
    }

    /// Forgets keys whose window has passed.
    pub(crate) fn expire(&mut self, now: Timestamp) {
        while let Some(front) = self.order.front() {
            match self.records.get(front) {
                Some(record) if now < record.expires_at => break,
                _ => self.evict_oldest(),
            }
        }
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = self.order.pop_front() {
            self.records.remove(&oldest);
        }
    }

    /// Keys still inside their window at `now`.
    pub(crate) fn n_live(&self, now: Timestamp) -> usize {
        self.records.values().filter(|record| now < record.expires_at).count()
    }

    pub(crate) fn retain_tenants(&mut self, keep: impl Fn(TenantId) -> bool) {
        self.records.retain(|id, _| keep(id.tenant));
        self.order.retain(|id| keep(id.tenant));
    }
}
