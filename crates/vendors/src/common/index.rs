//! Per-tenant indexes from a vendor's own identifiers (account number, card proxy, ext id) to
//! ledger accounts.

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;

use ledger::{AccountId, TenantId};

/// Vendor identifier → ledger account, per tenant. Identifiers are unique within a tenant and a
/// kind (`"accountNumber"`, `"cardNumber"`…). Keyed by (tenant, kind) first so a lookup borrows
/// the identifier from the request instead of building an owned key.
#[derive(Debug, Default)]
pub struct AccountIndex {
    entries: ShardedLock<HashMap<(TenantId, &'static str), Identifiers>>,
}

/// One tenant's identifiers of one kind.
type Identifiers = HashMap<Box<str>, AccountId>;

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
        let of_kind = entries.entry((tenant, kind)).or_default();
        if of_kind.contains_key(value) {
            return Err(format!("{kind} {value} is already in use"));
        }
        of_kind.insert(value.into(), account);
        Ok(())
    }

    /// The account with identifier `value` of `kind`.
    pub fn get(&self, tenant: TenantId, kind: &'static str, value: &str) -> Option<AccountId> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(&(tenant, kind))?.get(value).copied()
    }

    /// Whether `value` of `kind` is taken.
    pub fn contains(&self, tenant: TenantId, kind: &'static str, value: &str) -> bool {
        self.get(tenant, kind, value).is_some()
    }

    /// Forgets every identifier of `tenant`.
    pub fn remove_tenant(&self, tenant: TenantId) {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|(owner, _), _| *owner != tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_unique_per_tenant_and_kind_and_forgotten_with_their_tenant() {
        let (a, b) = (TenantId(uuid::Uuid::from_u128(1)), TenantId(uuid::Uuid::from_u128(2)));
        let account = AccountId(uuid::Uuid::from_u128(3));
        let index = AccountIndex::default();
        index.insert(a, "number", "42", account).unwrap();
        assert!(index.insert(a, "number", "42", account).is_err());
        index.insert(a, "card", "42", account).unwrap();
        index.insert(b, "number", "42", account).unwrap();
        assert_eq!(index.get(a, "number", "42"), Some(account));
        assert_eq!(index.get(a, "number", "43"), None);
        index.remove_tenant(a);
        assert!(!index.contains(a, "number", "42") && !index.contains(a, "card", "42"));
        assert!(index.contains(b, "number", "42"));
    }
}
