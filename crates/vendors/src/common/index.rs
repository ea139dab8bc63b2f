//! Per-tenant indexes from a vendor's own identifiers (account number, card proxy, ext id) to
//! ledger accounts.

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;

use ledger::{AccountId, TenantId};

/// Vendor identifier → ledger account, per tenant. Identifiers are unique within a tenant and a
/// kind (`"accountNumber"`, `"cardNumber"`…).
#[derive(Debug, Default)]
pub struct AccountIndex {
    entries: ShardedLock<HashMap<(TenantId, &'static str, String), AccountId>>,
}

impl AccountIndex {
    /// Records `value` of `kind` for `account`; refuses an identifier already in use.
    pub fn insert(
        &self,
        tenant: TenantId,
        kind: &'static str,
        value: &str,
        account: AccountId,
    ) -> Result<(), String> {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (tenant, kind, value.to_string());
        if entries.contains_key(&key) {
            return Err(format!("{kind} {value} is already in use"));
        }
        entries.insert(key, account);
        Ok(())
    }

    /// The account with identifier `value` of `kind`.
    pub fn get(&self, tenant: TenantId, kind: &'static str, value: &str) -> Option<AccountId> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(&(tenant, kind, value.to_string())).copied()
    }

    /// Whether `value` of `kind` is taken.
    pub fn contains(&self, tenant: TenantId, kind: &'static str, value: &str) -> bool {
        self.get(tenant, kind, value).is_some()
    }

    /// Forgets every identifier of `tenant`.
    pub fn remove_tenant(&self, tenant: TenantId) {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|(owner, _, _), _| *owner != tenant);
    }
}
