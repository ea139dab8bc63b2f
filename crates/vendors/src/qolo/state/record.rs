//! Qolo's state changes as records (`common::persist`): what a login and an account opening
//! keep beside the ledger, written before it is applied and folded back by `restore` after a
//! restart.
//!
//! What Qolo keeps and why each is or is not recorded:
//! - issued bearer tokens (`auth`): recorded, with their expiry ([`Record::LoggedIn`]);
//! - the `account_guid` index, wallets, cards, account details, the opening order and a
//!   credential-less tenant's fallback program: recorded at opening ([`Record::Opened`]);
//! - credentials and programs of provisioned tenants: not recorded, the server provisions the
//!   tenant again from the same seed;
//! - each account's activity fold (last transaction, credits, debits) and its statics: caches,
//!   rebuilt from the ledger and the opening;
//! - the login counter and the sweep of expired tokens: not recorded, an expired token is
//!   refused either way.

use std::borrow::Cow;

use ledger::{AccountId, Currency, TenantId, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ACCOUNT_TYPES;
use crate::common::persist;
use crate::qolo::{NAME, Qolo};

/// One change of Qolo's state. Text and whole numbers only, so a user can read the store with
/// the `sqlite3` shell (ledger types carry no serde).
#[derive(Debug, Serialize, Deserialize)]
#[expect(clippy::large_enum_variant, reason = "a record lives briefly, one at a time")]
pub(crate) enum Record<'a> {
    /// A login issued `token`, good until `expires_at_micros` of the tenant's clock.
    LoggedIn { token: Cow<'a, str>, expires_at_micros: i64 },
    /// An account was opened (the ledger holds the account itself).
    Opened(Cow<'a, Opened>),
}

/// What an opening adds to Qolo's state, every generated value included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Opened {
    /// The ledger account's id.
    pub(crate) account: String,
    pub(crate) account_guid: String,
    pub(crate) currency: String,
    pub(crate) wallet_guid: String,
    pub(crate) wallet_id: String,
    pub(crate) person_guid: String,
    pub(crate) program_guid: String,
    /// Whether `program_guid` became the tenant's fallback program (it has no credentials).
    pub(crate) fallback_program: bool,
    /// A card proxy added to the wallet with this account.
    pub(crate) new_card: Option<String>,
    pub(crate) account_type: String,
    pub(crate) account_name: String,
    pub(crate) opened_at_micros: i64,
    /// Exact decimal text.
    pub(crate) opening_balance: String,
}

/// [`Opened`]'s values, read back into their types.
pub(crate) struct Opening {
    pub(crate) account: AccountId,
    pub(crate) account_guid: Uuid,
    pub(crate) currency: Currency,
    pub(crate) wallet_guid: Uuid,
    pub(crate) person_guid: Uuid,
    pub(crate) program_guid: Uuid,
    pub(crate) account_type: &'static str,
    pub(crate) opened_at: Timestamp,
    pub(crate) opening_balance: Decimal,
}

impl Opening {
    /// Reads `opened`'s values; the error names the first that does not read.
    pub(crate) fn parse(opened: &Opened) -> Result<Opening, String> {
        let uuid = |name: &str, text: &str| {
            Uuid::try_parse(text).map_err(|_| format!("{NAME}: record field {name} is not a uuid"))
        };
        let currency = Currency::from_code(&opened.currency)
            .ok_or_else(|| format!("{NAME}: record field currency is not a currency"))?;
        let account_type =
            ACCOUNT_TYPES.iter().copied().find(|known| *known == opened.account_type);
        let account_type = account_type
            .ok_or_else(|| format!("{NAME}: record field account_type is not a Qolo type"))?;
        let opening_balance = ledger::parse_decimal(&opened.opening_balance)
            .map_err(|_| format!("{NAME}: record field opening_balance is not a decimal"))?;
        Ok(Opening {
            account: AccountId(uuid("account", &opened.account)?),
            account_guid: uuid("account_guid", &opened.account_guid)?,
            currency,
            wallet_guid: uuid("wallet_guid", &opened.wallet_guid)?,
            person_guid: uuid("person_guid", &opened.person_guid)?,
            program_guid: uuid("program_guid", &opened.program_guid)?,
            account_type,
            opened_at: Timestamp::from_unix_micros(opened.opened_at_micros),
            opening_balance,
        })
    }
}

/// Folds one record back into `qolo`'s state for `tenant`, as the request that made it did.
pub(crate) fn restore(qolo: &Qolo, tenant: TenantId, bytes: &[u8]) -> Result<(), String> {
    match persist::decode::<Record<'_>>(NAME, bytes)? {
        Record::LoggedIn { token, expires_at_micros } => {
            let expires_at = Timestamp::from_unix_micros(expires_at_micros);
            qolo.auth.restore_token(tenant, token.into_owned(), expires_at);
            Ok(())
        }
        Record::Opened(opened) => {
            // An opening whose identifiers were taken by the time it was applied was refused
            // then, after its record: applied to the same state in the same order, it is
            // refused again, which restores exactly what the refusal left.
            let opening = Opening::parse(&opened)?;
            let _refused_then_too = super::open::apply(qolo, tenant, &opened, &opening);
            Ok(())
        }
    }
}
