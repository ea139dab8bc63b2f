//! PCaaSA's account identifiers per tenant: `accountUuid` and payment-instrument reference
//! numbers to ledger accounts, and back from a ledger account to its `accountUuid`.

pub(crate) mod record;

use std::borrow::Cow;

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;

use ledger::{AccountId, Currency, TenantId};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::common::ids::IdGen;
use crate::common::index::AccountIndex;
use crate::common::persist::UNSTORED;
use crate::pcaasa::NAME;
use crate::pcaasa::errors::PcaasaError;
use crate::pcaasa::parse::{self, Target};
use crate::pcaasa::state::record::Record;
use crate::{AccountSpec, Ctx, OpenedAccount};

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
    /// Opens an account (admin API) in `usd` under the given identifiers or generated ones, in
    /// the ledger and in this index.
    pub(crate) fn open(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
        usd: Currency,
    ) -> Result<OpenedAccount, String> {
        if spec.currency != usd {
            return Err(format!("pcaasa accounts are in USD, not {}", spec.currency));
        }
        let (account_uuid, reference) = given_ids(&spec.vendor_ids)?;
        let ids = ctx.ids(tenant);
        let account_uuid = account_uuid.unwrap_or_else(|| ids.uuid());
        let reference = reference.unwrap_or_else(|| generate_reference(&ids));
        if self.taken(tenant, account_uuid, &reference) {
            return Err(format!(
                "accountUuid {account_uuid} or paymentInstrumentReferenceNumber {reference} \
                 is already in use"
            ));
        }
        let mut vendor_ids = Map::new();
        vendor_ids.insert("accountUuid".into(), Value::String(account_uuid.to_string()));
        vendor_ids
            .insert("paymentInstrumentReferenceNumber".into(), Value::String(reference.clone()));
        let view = crate::common::accounts::open(ctx, tenant, NAME, spec, &vendor_ids)?;
        // The ledger journals the account itself; the identifiers indexed beside it are
        // recorded before they are. A store that refuses leaves the ledger account
        // unaddressable by PCaaSA (the ledger's own write went through a moment before).
        let opened = Record::Opened {
            account: view.id.0.hyphenated().to_string(),
            account_uuid: account_uuid.hyphenated().to_string(),
            reference: Cow::Borrowed(&reference),
        };
        ctx.record(tenant, NAME, &opened).map_err(|err| format!("{UNSTORED}: {err}"))?;
        self.insert(tenant, view.id, account_uuid, &reference)?;
        Ok(OpenedAccount { account: view, vendor_ids })
    }

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

/// The `accountUuid` and reference number an admin gave an account to open, each checked.
fn given_ids(vendor_ids: &Map<String, Value>) -> Result<(Option<Uuid>, Option<String>), String> {
    let mut account_uuid = None;
    let mut reference = None;
    for (key, value) in vendor_ids {
        match key.as_str() {
            "accountUuid" => {
                let parsed = value.as_str().and_then(parse::parse_uuid);
                account_uuid = Some(parsed.ok_or("accountUuid must be a 36-character uuid")?);
            }
            "paymentInstrumentReferenceNumber" | "cardReferenceNumber" => {
                let text = value.as_str().filter(|text| parse::is_reference_number(text));
                let text = text.ok_or_else(|| {
                    format!("{key} must be 12 to 50 printable characters without spaces")
                })?;
                if reference.replace(text.to_string()).is_some() {
                    return Err("give paymentInstrumentReferenceNumber or cardReferenceNumber, \
                                not both"
                        .into());
                }
            }
            other => {
                return Err(format!(
                    "unknown pcaasa identifier {other:?} (known: accountUuid, \
                     paymentInstrumentReferenceNumber)"
                ));
            }
        }
    }
    Ok((account_uuid, reference))
}

/// A fresh 16-digit payment-instrument reference number.
fn generate_reference(ids: &IdGen) -> String {
    ids.digits(16)
}
