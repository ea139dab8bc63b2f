//! The admin's `vendor_ids` for a new Qolo account, by Qolo's names.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{REFERENCE_CHARS_MAX, guid};
use crate::qolo::state::ACCOUNT_TYPES;

/// An `AccountType` enum value, exactly as Qolo spells it.
pub(crate) fn account_type(text: &str) -> Option<&'static str> {
    ACCOUNT_TYPES.iter().copied().find(|t| *t == text)
}

/// What the admin may give for a new account in `vendor_ids`, by Qolo's names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OpenIds {
    pub(crate) account_guid: Option<Uuid>,
    pub(crate) wallet_guid: Option<Uuid>,
    pub(crate) wallet_id: Option<String>,
    pub(crate) card_proxy: Option<String>,
    pub(crate) person_guid: Option<Uuid>,
    pub(crate) program_guid: Option<Uuid>,
    pub(crate) account_type: Option<&'static str>,
    pub(crate) account_name: Option<String>,
}

/// The `vendor_ids` names `open_account` accepts.
pub(crate) const OPEN_ID_NAMES: [&str; 8] = [
    "account_guid",
    "wallet_guid",
    "wallet_id",
    "card_proxy",
    "person_guid",
    "program_guid",
    "account_type",
    "account_name",
];

/// Longest `wallet_id` (documented: 19).
const WALLET_ID_CHARS_MAX: usize = 19;
/// Longest `account_name` (documented: 24).
const ACCOUNT_NAME_CHARS_MAX: usize = 24;

/// Parses the admin's `vendor_ids` for a new account; the error says which name is wrong.
pub(crate) fn open_ids(ids: &Map<String, Value>) -> Result<OpenIds, String> {
    let mut res = OpenIds::default();
    for (name, value) in ids {
        let Value::String(text) = value else {
            return Err(format!("vendor_ids.{name} must be a string"));
        };
        let guid =
            || guid(text).ok_or_else(|| format!("vendor_ids.{name} must be a hyphenated guid"));
        match name.as_str() {
            "account_guid" => res.account_guid = Some(guid()?),
            "wallet_guid" => res.wallet_guid = Some(guid()?),
            "person_guid" => res.person_guid = Some(guid()?),
            "program_guid" => res.program_guid = Some(guid()?),
            "wallet_id" => {
                let n = text.chars().count();
                if n == 0 || n > WALLET_ID_CHARS_MAX {
                    return Err(format!(
                        "vendor_ids.wallet_id must have 1 to {WALLET_ID_CHARS_MAX} characters"
                    ));
                }
                res.wallet_id = Some(text.clone());
            }
            "card_proxy" => {
                let ok = !text.is_empty()
                    && text.len() <= REFERENCE_CHARS_MAX
                    && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !ok {
                    return Err(format!(
                        "vendor_ids.card_proxy must have 1 to {REFERENCE_CHARS_MAX} letters, \
                         digits, '-' or '_'"
                    ));
                }
                res.card_proxy = Some(text.clone());
            }
            "account_type" => {
                let Some(account_type) = account_type(text) else {
                    return Err(format!(
                        "vendor_ids.account_type must be one of {}",
                        ACCOUNT_TYPES.join(", ")
                    ));
                };
                res.account_type = Some(account_type);
            }
            "account_name" => {
                let n = text.chars().count();
                if n == 0 || n > ACCOUNT_NAME_CHARS_MAX {
                    return Err(format!(
                        "vendor_ids.account_name must have 1 to {ACCOUNT_NAME_CHARS_MAX} \
                         characters"
                    ));
                }
                res.account_name = Some(text.clone());
            }
            other => {
                return Err(format!(
                    "vendor_ids.{other} is not a Qolo identifier; use {}",
                    OPEN_ID_NAMES.join(", ")
                ));
            }
        }
    }
    Ok(res)
}
