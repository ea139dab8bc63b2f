//! Opening an account for the admin API, under Clowd9's own identifiers.

use std::borrow::Cow;

use ledger::TenantId;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Clowd9;
use crate::clowd9::NAME;
use crate::clowd9::parse;
use crate::clowd9::state::AccountEntry;
use crate::clowd9::state::record::{Opened, Record};
use crate::common::accounts;
use crate::common::persist::UNSTORED;
use crate::{AccountSpec, Ctx, OpenedAccount};

/// The identifiers `open_account` takes from `vendor_ids`, all optional.
#[derive(Default)]
struct Given<'a> {
    account_id: Option<Uuid>,
    account_profile_id: Option<Uuid>,
    main_account_id: Option<Uuid>,
    account_name: Option<&'a str>,
    external_id: Option<&'a str>,
}

/// Reads one `vendor_ids` value that must be a string of at most `chars_max` characters.
fn vendor_text<'a>(key: &str, value: &'a Value, chars_max: usize) -> Result<&'a str, String> {
    match value {
        Value::String(text) if !text.is_empty() && text.chars().count() <= chars_max => Ok(text),
        _ => Err(format!("{key} must be a non-empty string of at most {chars_max} characters")),
    }
}

fn given(vendor_ids: &Map<String, Value>) -> Result<Given<'_>, String> {
    let as_uuid = |key: &'static str, value: &Value| -> Result<Uuid, String> {
        let text = vendor_text(key, value, 36)?;
        parse::uuid(text, key).map_err(|_| format!("{key} {text:?} is not a UUID"))
    };
    let mut given = Given::default();
    for (key, value) in vendor_ids {
        match key.as_str() {
            "account_id" => given.account_id = Some(as_uuid("account_id", value)?),
            "account_profile_id" => {
                given.account_profile_id = Some(as_uuid("account_profile_id", value)?);
            }
            "main_account_id" => given.main_account_id = Some(as_uuid("main_account_id", value)?),
            "account_name" => given.account_name = Some(vendor_text(key, value, 100)?),
            "external_id" => given.external_id = Some(vendor_text(key, value, 100)?),
            other => {
                return Err(format!(
                    "unknown clowd9 identifier {other:?}; known: account_id, \
                     account_profile_id, main_account_id, account_name, external_id"
                ));
            }
        }
    }
    Ok(given)
}

/// Opens an account with the identifiers given in `spec.vendor_ids`, generating `account_id`
/// and `account_profile_id` when absent.
pub(in crate::clowd9) fn open_account(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    spec: &AccountSpec,
) -> Result<OpenedAccount, String> {
    let given = given(&spec.vendor_ids)?;
    let ids = ctx.ids(tenant);
    let account_id = given.account_id.unwrap_or_else(|| ids.uuid());
    let account_profile_id = given.account_profile_id.unwrap_or_else(|| ids.uuid());
    let mut vendor_ids = Map::new();
    let uuid_value = |id: Uuid| Value::String(id.hyphenated().to_string());
    vendor_ids.insert("account_id".into(), uuid_value(account_id));
    vendor_ids.insert("account_profile_id".into(), uuid_value(account_profile_id));
    if let Some(main_account_id) = given.main_account_id {
        vendor_ids.insert("main_account_id".into(), uuid_value(main_account_id));
    }
    if let Some(account_name) = given.account_name {
        vendor_ids.insert("account_name".into(), Value::String(account_name.to_string()));
    }
    if let Some(external_id) = given.external_id {
        vendor_ids.insert("external_id".into(), Value::String(external_id.to_string()));
    }
    let account = clowd9.accounts.open_with(tenant, account_id, given.external_id, || {
        let view = accounts::open(ctx, tenant, NAME, spec, &vendor_ids)?;
        // The ledger journals the account itself; the identifiers indexed beside it are
        // recorded before they are. A store that refuses leaves the ledger account
        // unaddressable by Clowd9 (the ledger's own write went through a moment before).
        let opened = Opened {
            account: view.id.0.hyphenated().to_string(),
            account_id: account_id.hyphenated().to_string(),
            currency: view.currency.code().to_string(),
            external_id: given.external_id.map(str::to_string),
        };
        ctx.record(tenant, NAME, &Record::Opened(Cow::Borrowed(&opened)))
            .map_err(|err| format!("{UNSTORED}: {err}"))?;
        let entry = AccountEntry { id: view.id, currency: view.currency };
        Ok((view, entry))
    })?;
    Ok(OpenedAccount { account, vendor_ids })
}
