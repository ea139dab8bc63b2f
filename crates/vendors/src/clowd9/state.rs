//! Clowd9's own per-tenant state: which ledger account each Clowd9 `account_id` names, with its
//! currency so a balance call needs no extra ledger read to scale its minor units.

pub(crate) mod record;

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;

use ledger::{AccountId, Currency, TenantId};
use uuid::Uuid;

use crate::common::index::AccountIndex;

/// What a Clowd9 `account_id` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccountEntry {
    /// The ledger account.
    pub(crate) id: AccountId,
    /// Its currency, whose exponent scales the integer minor units of the wire.
    pub(crate) currency: Currency,
}

/// Clowd9 identifiers → ledger accounts, per tenant.
///
/// `account_id` has its own map keyed by the parsed UUID (no allocation per lookup, and the
/// entry carries the currency); `external_id` only needs uniqueness, so it uses the shared
/// [`AccountIndex`]. Read on every balance call, written only when an account is opened or a
/// tenant reset, hence `ShardedLock`.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    by_id: ShardedLock<HashMap<(TenantId, Uuid), AccountEntry>>,
    external_ids: AccountIndex,
}

/// The `AccountIndex` kind of `external_id`.
pub(crate) const EXTERNAL_ID: &str = "external_id";

impl Accounts {
    /// The account `account_id` of `tenant`; another tenant's account is not found.
    pub(crate) fn get(&self, tenant: TenantId, account_id: Uuid) -> Option<AccountEntry> {
        let by_id = self.by_id.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        by_id.get(&(tenant, account_id)).copied()
    }

    /// Runs `open` (which opens the ledger account) only if `account_id` and `external_id` are
    /// free, and indexes the result. The write lock is held across `open` so two admin calls
    /// cannot claim the same identifier; opening is rare, so readers barely notice.
    pub(crate) fn open_with<T>(
        &self,
        tenant: TenantId,
        account_id: Uuid,
        external_id: Option<&str>,
        open: impl FnOnce() -> Result<(T, AccountEntry), String>,
    ) -> Result<T, String> {
        let mut by_id = self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if by_id.contains_key(&(tenant, account_id)) {
            return Err(format!("account_id {account_id} is already in use"));
        }
        if let Some(external_id) = external_id
            && self.external_ids.contains(tenant, EXTERNAL_ID, external_id)
        {
            return Err(format!("external_id {external_id} is already in use"));
        }
        let (res, entry) = open()?;
        if let Some(external_id) = external_id {
            self.external_ids.insert(tenant, EXTERNAL_ID, external_id, entry.id)?;
        }
        by_id.insert((tenant, account_id), entry);
        Ok(res)
    }

    /// Forgets every identifier of `tenant`.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        let mut by_id = self.by_id.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        by_id.retain(|(owner, _), _| *owner != tenant);
        self.external_ids.remove_tenant(tenant);
    }
}
