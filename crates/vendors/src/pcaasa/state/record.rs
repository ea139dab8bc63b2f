//! PCaaSA's state changes as records (`common::persist`): sessions and opened accounts, written
//! before they are applied and folded back by `restore` after a restart.
//!
//! What PCaaSA keeps and why each is or is not recorded:
//! - sessions made by `session-create-v1`, with their expiry and the live session the cap
//!   evicted for them: recorded ([`Record::SessionCreated`]);
//! - a session's idle expiry, which every accepted call moves on: recorded once it moved
//!   `auth::RENEWAL_RECORD_STEP_MICROS` past the last record ([`Record::SessionRenewed`]);
//! - `accountUuid` and reference-number indexes: recorded at opening ([`Record::Opened`]);
//! - API keys and standing sessions: not recorded, the server provisions the tenant again
//!   from the same seed;
//! - expired sessions swept at the cap: not recorded, an expired session is refused either
//!   way (after a restart as expired rather than unknown);
//! - balances and `externalTranUuid` replays: the ledger's own.

use std::borrow::Cow;

use ledger::{AccountId, TenantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::pcaasa::{NAME, Pcaasa};

/// One change of PCaaSA's state. Text and whole numbers only, so a user can read the store
/// with the `sqlite3` shell (ledger types carry no serde).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Record<'a> {
    /// `session-create-v1` made `session`, idle-expiring at `expires_at_micros` of the
    /// tenant's clock; the cap evicted the live session `evicted` for it.
    SessionCreated { session: String, expires_at_micros: i64, evicted: Option<String> },
    /// A call moved `session`'s idle expiry on to `expires_at_micros`.
    SessionRenewed { session: String, expires_at_micros: i64 },
    /// An account was opened (the ledger holds the account itself) under these identifiers.
    Opened { account: String, account_uuid: String, reference: Cow<'a, str> },
}

fn uuid(name: &str, text: &str) -> Result<Uuid, String> {
    Uuid::try_parse(text).map_err(|_| format!("{NAME}: record field {name} is not a uuid"))
}

/// Folds one record back into `pcaasa`'s state for `tenant`, as the request that made it did.
pub(crate) fn restore(pcaasa: &Pcaasa, tenant: TenantId, bytes: &[u8]) -> Result<(), String> {
    match crate::common::persist::decode::<Record<'_>>(NAME, bytes)? {
        Record::SessionCreated { session, expires_at_micros, evicted } => {
            let evicted = evicted.map(|id| uuid("evicted", &id)).transpose()?;
            let session = uuid("session", &session)?;
            pcaasa.sessions.restore(tenant, session, expires_at_micros, evicted);
            Ok(())
        }
        Record::SessionRenewed { session, expires_at_micros } => {
            pcaasa.sessions.restore_renewal(uuid("session", &session)?, expires_at_micros);
            Ok(())
        }
        Record::Opened { account, account_uuid, reference } => {
            let account = AccountId(uuid("account", &account)?);
            let account_uuid = uuid("account_uuid", &account_uuid)?;
            // The identifiers were checked free before the opening was recorded (the server
            // opens accounts one at a time): taken now, the records contradict each other.
            if pcaasa.accounts.taken(tenant, account_uuid, &reference) {
                return Err(format!("{NAME}: an opening's identifiers are already taken"));
            }
            pcaasa.accounts.insert(tenant, account, account_uuid, &reference)
        }
    }
}
