//! AMLYZE's authentication: one static API token per client, sent as `Authorization: Bearer
//! <token>`. There is no token endpoint and tokens never expire; the token alone names the
//! tenant.

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;
use std::sync::PoisonError;

use http::HeaderMap;
use ledger::TenantId;

use crate::common::auth::bearer;

/// The default tenant's documented token (`well_known` provisioning).
pub(crate) const WELL_KNOWN_TOKEN: &str = "sandbank-amlyze-token";

/// Prefix of generated tokens.
const TOKEN_PREFIX: &str = "amlyze_";

/// Every tenant's token. Read on every request, written only when a tenant is provisioned,
/// hence the `ShardedLock`. A poisoned lock is recovered: each write is one map insert or remove
/// pair that cannot leave the maps half-updated in a way a reader could misuse.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    tokens: ShardedLock<Tokens>,
}

#[derive(Debug, Default)]
struct Tokens {
    by_token: HashMap<String, TenantId>,
    by_tenant: HashMap<TenantId, String>,
}

/// Why a request is not authenticated; each is the same 401 on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthProblem {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not `Bearer <token>`.
    NotBearer,
    /// A bearer token no tenant holds.
    UnknownToken,
}

impl AuthProblem {
    /// The rule that fired, for `X-Sandbank-Reason`.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            AuthProblem::Missing => "auth: no Authorization header",
            AuthProblem::NotBearer => "auth: Authorization is not `Bearer <token>`",
            AuthProblem::UnknownToken => "auth: unknown bearer token",
        }
    }
}

impl Credentials {
    /// Gives `tenant` a token, replacing any it had. `well_known` asks for
    /// [`WELL_KNOWN_TOKEN`]; if another tenant already holds it, a random token is issued
    /// instead so that no two tenants share credentials.
    pub(crate) fn issue(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> String {
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        let well_known_free = tokens.by_token.get(WELL_KNOWN_TOKEN).is_none_or(|t| *t == tenant);
        let token = if well_known && well_known_free {
            WELL_KNOWN_TOKEN.to_string()
        } else {
            ids.secret(TOKEN_PREFIX)
        };
        if let Some(old) = tokens.by_tenant.insert(tenant, token.clone()) {
            tokens.by_token.remove(&old);
        }
        tokens.by_token.insert(token.clone(), tenant);
        token
    }

    /// Revokes `tenant`'s token: it is being deleted.
    pub(crate) fn revoke(&self, tenant: TenantId) {
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = tokens.by_tenant.remove(&tenant) {
            tokens.by_token.remove(&token);
        }
    }

    /// The tenant whose token the request carries.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<TenantId, AuthProblem> {
        let Some(token) = bearer(headers) else {
            // Looked up only on this failure path: a request with a token pays for one lookup.
            return Err(if headers.contains_key(http::header::AUTHORIZATION) {
                AuthProblem::NotBearer
            } else {
                AuthProblem::Missing
            });
        };
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        tokens.by_token.get(token).copied().ok_or(AuthProblem::UnknownToken)
    }
}
