//! Clowd9's state changes as records (`common::persist`): issued tokens and opened accounts,
//! written before they are applied and folded back by `restore` after a restart.
//!
//! What Clowd9 keeps and why each is or is not recorded:
//! - access and refresh tokens with their kind, `api_id`, expiry and session end: recorded
//!   when issued, at login and at refresh ([`Record::Issued`]);
//! - the `account_id` and `external_id` indexes: recorded at opening ([`Record::Opened`]);
//! - keys, secrets and `api_id`s: not recorded, the server provisions the tenant again from
//!   the same seed;
//! - the issue counter and the sweep of expired tokens: not recorded, an expired token is
//!   refused either way;
//! - balances, ledger entries and `reference_id` replays: the ledger's own.

use std::borrow::Cow;

use ledger::{AccountId, Currency, TenantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AccountEntry;
use crate::clowd9::auth::TokenKind;
use crate::clowd9::{Clowd9, NAME};
use crate::common::persist;

/// One change of Clowd9's state. Text and whole numbers only, so a user can read the store
/// with the `sqlite3` shell (ledger types carry no serde).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Record<'a> {
    /// Tokens issued together: a login's refresh and access token, or a refresh's access one.
    Issued(Cow<'a, [Minted]>),
    /// An account was opened (the ledger holds the account itself).
    Opened(Cow<'a, Opened>),
}

/// One issued token and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Minted {
    pub(crate) token: String,
    pub(crate) kind: TokenKind,
    pub(crate) api_id: String,
    /// When the token stops working, on the tenant's clock.
    pub(crate) expires_at_micros: i64,
    /// When the login it descends from runs out.
    pub(crate) ends_at_micros: i64,
}

/// The identifiers an opening indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Opened {
    /// The ledger account's id.
    pub(crate) account: String,
    pub(crate) account_id: String,
    pub(crate) currency: String,
    pub(crate) external_id: Option<String>,
}

impl Opened {
    /// The `account_id` and the index entry, read back into their types.
    pub(crate) fn parse(&self) -> Result<(Uuid, AccountEntry), String> {
        let uuid = |name: &str, text: &str| {
            Uuid::try_parse(text).map_err(|_| format!("{NAME}: record field {name} is not a uuid"))
        };
        let currency = Currency::from_code(&self.currency)
            .ok_or_else(|| format!("{NAME}: record field currency is not a currency"))?;
        let id = AccountId(uuid("account", &self.account)?);
        Ok((uuid("account_id", &self.account_id)?, AccountEntry { id, currency }))
    }
}

/// Folds one record back into `clowd9`'s state for `tenant`, as the request that made it did.
pub(crate) fn restore(clowd9: &Clowd9, tenant: TenantId, bytes: &[u8]) -> Result<(), String> {
    match persist::decode::<Record<'_>>(NAME, bytes)? {
        Record::Issued(minted) => clowd9.auth.restore(tenant, minted.into_owned()),
        Record::Opened(opened) => {
            let (account_id, entry) = opened.parse()?;
            // The identifiers were checked free before the opening was recorded, under the
            // index's write lock: taken now, the records contradict each other.
            let external_id = opened.external_id.as_deref();
            clowd9.accounts.open_with(tenant, account_id, external_id, || Ok(((), entry)))
        }
    }
}
