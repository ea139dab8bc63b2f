//! PCaaSA's account identifiers per tenant: `accountUuid` and payment-instrument reference
//! numbers to ledger accounts, and back from a ledger account to its `accountUuid`.

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;

use ledger::{AccountId, TenantId};
use uuid::Uuid;

use crate::common::index::AccountIndex;
use crate::pcaasa::errors::PcaasaError;
use crate::pcaasa::parse::Target;

/// The `AccountIndex` kind of an `accountUuid` (lower-case hyphenated).
pub(crate) const ACCOUNT_UUID: &str = "accountUuid";
/// The `AccountIndex` kind of a payment-instrument reference number.
pub(crate) const REFERENCE: &str = "paymentInstrumentReferenceNumber";

/// Identifiers of every tenant's PCaaSA accounts.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    /// Reference numbers (the `accountUuid` entries are kept for the in-use check).
    index: AccountIndex,
    /// `accountUuid`s both ways. Read-mostly, hence the `ShardedLock`.
    uuids: ShardedLock<Uuids>,
}

/// `accountUuid`s keyed by the parsed uuid, so a call's lookup needs no text built.
#[derive(Debug, Default)]
struct Uuids {
    /// Tenant and `accountUuid` → ledger account.
    accounts: HashMap<(TenantId, Uuid), AccountId>,
    /// Ledger account → its tenant and `accountUuid`, to answer with the `accountUuid` when a
    /// call named the account by reference number.
    account_uuids: HashMap<AccountId, (TenantId, Uuid)>,
}

impl Accounts {
    /// Whether `account_uuid` or `reference` is already taken in `tenant`.
    pub(crate) fn taken(&self, tenant: TenantId, account_uuid: Uuid, reference: &str) -> bool {
        self.index.contains(tenant, ACCOUNT_UUID, &account_uuid.to_string())
            || self.index.contains(tenant, REFERENCE, reference)
    }

    /// Records an opened account's identifiers.
    pub(crate) fn insert(
        &self,
        tenant: TenantId,
        account: AccountId,
        account_uuid: Uuid,
        reference: &str,
    ) -> Result<(), String> {
        self.index.insert(tenant, ACCOUNT_UUID, &account_uuid.to_string(), account)?;
        self.index.insert(tenant, REFERENCE, reference, account)?;
        let mut uuids = self.uuids.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        uuids.accounts.insert((tenant, account_uuid), account);
        uuids.account_uuids.insert(account, (tenant, account_uuid));
        Ok(())
    }

    /// The ledger account and `accountUuid` a call names, within `tenant` only.
    pub(crate) fn resolve(
        &self,
        tenant: TenantId,
        target: &Target<'_>,
    ) -> Result<(AccountId, Uuid), PcaasaError> {
        match target {
            Target::Account(account_uuid) => {
                let id = self.by_uuid(tenant, *account_uuid)?;
                Ok((id, *account_uuid))
            }
            Target::Reference { reference, field } => {
                let id = self
                    .index
                    .get(tenant, REFERENCE, reference)
                    .ok_or(PcaasaError::AccountNotFound { field })?;
                let account_uuid = self.account_uuid(id).ok_or(PcaasaError::SystemError)?;
                Ok((id, account_uuid))
            }
            Target::Both { account, reference, field } => {
                let id = self.by_uuid(tenant, *account)?;
                let other = self
                    .index
                    .get(tenant, REFERENCE, reference)
                    .ok_or(PcaasaError::AccountNotFound { field })?;
                if other != id {
                    return Err(PcaasaError::AccountIdentifierMismatch {
                        field,
                        other: "accountUuid",
                    });
                }
                Ok((id, *account))
            }
        }
    }

    fn by_uuid(&self, tenant: TenantId, account_uuid: Uuid) -> Result<AccountId, PcaasaError> {
        // Keyed by the parsed uuid, so an upper-case uuid from a client still matches.
        let uuids = self.uuids.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        uuids
            .accounts
            .get(&(tenant, account_uuid))
            .copied()
            .ok_or(PcaasaError::AccountNotFound { field: "accountUuid" })
    }

    fn account_uuid(&self, id: AccountId) -> Option<Uuid> {
        let uuids = self.uuids.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        uuids.account_uuids.get(&id).map(|(_, account_uuid)| *account_uuid)
    }

    /// Forgets every identifier of `tenant`.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        self.index.remove_tenant(tenant);
        let mut uuids = self.uuids.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        uuids.accounts.retain(|(owner, _), _| *owner != tenant);
        uuids.account_uuids.retain(|_, (owner, _)| *owner != tenant);
    }
}
