//! Tenants: isolated sandboxes, each with its own admin token, vendor credentials, virtual
//! clock and request journal. The default tenant exists from start-up; its admin token is also
//! the operator's token (it may create, list and delete tenants; it cannot be deleted).

use std::sync::Arc;
use vendors::common::HashMap;

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

use ledger::{TenantId, Timestamp};
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::journal::RequestJournal;

/// The default tenant's id, the same on every start so scripts can name it.
pub const DEFAULT_TENANT: TenantId =
    TenantId(uuid::Uuid::from_u128(0x5a4d_ba4c_0000_4000_8000_0000_0000_0001));

/// One sandbox.
#[derive(Debug)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// The seed of its id generator: the same script with the same seed gets the same ids.
    pub seed: u64,
    /// Bearer token for its admin API.
    pub admin_token: String,
    /// Each vendor's credentials for it, by vendor name.
    pub credentials: Map<String, Value>,
    /// Its virtual clock.
    pub clock: Clock,
    /// Its recent requests.
    pub journal: RequestJournal,
    /// Its fault rules.
    pub faults: crate::faults::TenantFaults,
    /// When it was created, in real time.
    pub created_at: Timestamp,
}

/// Every tenant, by id and by admin token.
///
/// Every request reads `by_id` (its tenant's clock and journal) from every serving thread;
/// tenants are created rarely, hence sharded locks, whose readers share no cache line.
#[derive(Debug)]
pub struct Tenants {
    by_id: ShardedLock<HashMap<TenantId, Arc<Tenant>>>,
    by_admin_token: ShardedLock<HashMap<String, TenantId>>,
}

fn read<T>(lock: &ShardedLock<T>) -> ShardedLockReadGuard<'_, T> {
    // Both maps are only ever replaced entry by entry; a poisoned lock still holds valid maps.
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &ShardedLock<T>) -> ShardedLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tenants {
    /// An empty registry.
    pub fn new() -> Tenants {
        Tenants {
            by_id: ShardedLock::new(HashMap::default()),
            by_admin_token: ShardedLock::new(HashMap::default()),
        }
    }

    /// Adds a tenant.
    pub fn insert(&self, tenant: Tenant) -> Arc<Tenant> {
        let tenant = Arc::new(tenant);
        write(&self.by_admin_token).insert(tenant.admin_token.clone(), tenant.id);
        write(&self.by_id).insert(tenant.id, tenant.clone());
        tenant
    }

    /// Removes a tenant: its admin token stops working at once, and its clock and journal go
    /// when the last request holding it ends.
    pub fn remove(&self, id: TenantId) -> Option<Arc<Tenant>> {
        let tenant = write(&self.by_id).remove(&id)?;
        write(&self.by_admin_token).remove(&tenant.admin_token);
        Some(tenant)
    }

    /// A tenant by id.
    pub fn get(&self, id: TenantId) -> Option<Arc<Tenant>> {
        read(&self.by_id).get(&id).cloned()
    }

    /// Runs `f` on a tenant without taking a reference count (the request path's way: an
    /// `Arc` clone is a write to a cache line every serving thread shares).
    pub fn with<T>(&self, id: TenantId, f: impl FnOnce(&Tenant) -> T) -> Option<T> {
        read(&self.by_id).get(&id).map(|tenant| f(tenant))
    }

    /// The tenant whose admin token this is.
    pub fn by_admin_token(&self, token: &str) -> Option<Arc<Tenant>> {
        let id = *read(&self.by_admin_token).get(token)?;
        self.get(id)
    }

    /// A tenant's current time; real time for an unknown tenant.
    pub fn now(&self, id: TenantId) -> Timestamp {
        self.at_real(id, crate::clock::system_now())
    }

    /// A tenant's time when real time is `real` (see [`Clock::at_real`]).
    pub fn at_real(&self, id: TenantId, real: Timestamp) -> Timestamp {
        match read(&self.by_id).get(&id) {
            Some(tenant) => tenant.clock.at_real(real),
            None => real,
        }
    }

    /// Every tenant, in no particular order.
    pub fn all(&self) -> Vec<Arc<Tenant>> {
        read(&self.by_id).values().cloned().collect()
    }

    /// How many tenants exist.
    pub fn len(&self) -> usize {
        read(&self.by_id).len()
    }

    /// Whether none exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Tenants {
    fn default() -> Tenants {
        Tenants::new()
    }
}
