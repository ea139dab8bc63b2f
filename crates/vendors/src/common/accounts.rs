//! Opening an account for a vendor: the ledger account, its opening balance, and the labels
//! that record which vendor owns it and under which identifiers.

use std::collections::BTreeMap;

use ledger::{AccountId, AccountView, Currency, Labels, Limits, NewAccount, TenantId};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::Ctx;

/// What the admin API asks for when it opens an account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSpec {
    /// The account's currency.
    pub currency: Currency,
    /// Credited (or, if negative, debited) from the external account at opening.
    pub opening_balance: Decimal,
    /// The account's limits.
    pub limits: Limits,
    /// Identifiers the caller wants, in the vendor's own names (`accountNumber`,
    /// `account_guid`, …); anything absent is generated.
    pub vendor_ids: Map<String, Value>,
}

/// An opened account and the identifiers the vendor addresses it by.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedAccount {
    /// The ledger's view after the opening balance.
    pub account: AccountView,
    /// The vendor identifiers, by their vendor names.
    pub vendor_ids: Map<String, Value>,
}

/// The label that names an account's vendor.
pub const VENDOR_LABEL: &str = "vendor";

/// Opens `spec` in the ledger for `vendor`, labelled with `vendor_ids`, holding its opening
/// balance, in one step: a refused opening leaves nothing behind. The caller has already
/// checked the identifiers are free (the server runs admin openings one at a time).
pub fn open(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    vendor: &str,
    spec: &AccountSpec,
    vendor_ids: &Map<String, Value>,
) -> Result<AccountView, String> {
    let now = ctx.now(tenant);
    let mut labels: Labels = BTreeMap::new();
    labels.insert(VENDOR_LABEL.to_string(), vendor.to_string());
    for (key, value) in vendor_ids {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        labels.insert(key.clone(), text);
    }
    let id = AccountId(ctx.ids(tenant).uuid());
    let new =
        NewAccount { id, tenant, currency: spec.currency, limits: spec.limits.clone(), labels };
    ctx.ledger.open_account_with_balance(now, new, spec.opening_balance).map_err(|e| e.to_string())
}

/// An account's identifiers as its labels record them (text), without the vendor's name.
pub fn labelled_ids(account: &AccountView) -> Map<String, Value> {
    account
        .labels
        .iter()
        .filter(|(key, _)| key.as_str() != VENDOR_LABEL)
        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
        .collect()
}
