//! Qolo's authentication: each tenant's API `login_id` and `api_key`, the login that trades them
//! for a 12-hour HS256 JWT, and the `Authorization: Bearer <JWT>` check on every other call.

use std::borrow::Cow;

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ledger::{TenantId, Timestamp};
use uuid::Uuid;

use super::errors::{Failure, QoloError};
use super::state::record::Record;
use super::wire::time;
use crate::common::auth::{self as common_auth, Grant, TokenProblem, TokenStore};
use crate::common::persist::Unstored;
use crate::{Ctx, Request};

/// How long an access token lives, in the tenant's clock: 12 hours.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// The well-known tenant's login id.
pub(crate) const WELL_KNOWN_LOGIN_ID: &str = "sandbank-qolo-login";
/// The well-known tenant's API key.
pub(crate) const WELL_KNOWN_API_KEY: &str = "sandbank-qolo-key";
/// The well-known tenant's program guid.
pub(crate) const WELL_KNOWN_PROGRAM_GUID: Uuid =
    Uuid::from_u128(0x5a4d_b0c1_7e57_4a00_9f00_0000_0000_0001);

/// Logins between two sweeps of expired tokens, so the token table stays bounded.
const LOGINS_PER_PRUNE: u64 = 1024;

/// One tenant's API credentials and its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) login_id: String,
    pub(crate) api_key: String,
    /// The program every wallet of the tenant belongs to unless the admin says otherwise.
    pub(crate) program_guid: Uuid,
}

#[derive(Debug, Default)]
struct Registry {
    by_login: HashMap<String, TenantId>,
    by_tenant: HashMap<TenantId, Credentials>,
}

/// Credentials and issued tokens of every tenant.
#[derive(Debug)]
pub(crate) struct Auth {
    /// Read on every login, written only when a tenant is provisioned; hence the `ShardedLock`.
    registry: ShardedLock<Registry>,
    tokens: TokenStore<()>,
    /// Signs the JWTs; random per process. Tokens are checked by lookup in `tokens`, which
    /// the store restores, so a token issued before a restart keeps working.
    signing_key: [u8; 32],
    n_logins: AtomicU64,
}

impl Auth {
    pub(crate) fn new() -> Auth {
        let mut signing_key = [0; 32];
        signing_key[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        signing_key[16..].copy_from_slice(Uuid::new_v4().as_bytes());
        Auth {
            registry: ShardedLock::new(Registry::default()),
            tokens: TokenStore::default(),
            signing_key,
            n_logins: AtomicU64::new(0),
        }
    }

    /// Creates (or replaces) `tenant`'s credentials. A login id is unique: provisioning the
    /// well-known values for a second tenant moves them to that tenant.
    pub(crate) fn provision(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> Credentials {
        let credentials = if well_known {
            Credentials {
                login_id: WELL_KNOWN_LOGIN_ID.to_string(),
                api_key: WELL_KNOWN_API_KEY.to_string(),
                program_guid: WELL_KNOWN_PROGRAM_GUID,
            }
        } else {
            Credentials {
                login_id: ids.secret("qolo-login-"),
                api_key: ids.secret("qolo-key-"),
                program_guid: ids.uuid(),
            }
        };
        let mut registry = self.registry.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = registry.by_tenant.remove(&tenant) {
            registry.by_login.remove(&old.login_id);
        }
        if let Some(previous) = registry.by_login.insert(credentials.login_id.clone(), tenant) {
            registry.by_tenant.remove(&previous);
        }
        registry.by_tenant.insert(tenant, credentials.clone());
        credentials
    }

    /// Forgets `tenant`'s credentials and tokens: it is being deleted.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        {
            let mut registry =
                self.registry.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(old) = registry.by_tenant.remove(&tenant) {
                registry.by_login.remove(&old.login_id);
            }
        }
        self.tokens.remove_tenant(tenant);
    }

    /// How many tokens are issued and not yet pruned.
    #[cfg(test)]
    pub(crate) fn n_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// `tenant`'s credentials, if provisioned.
    pub(crate) fn credentials(&self, tenant: TenantId) -> Option<Credentials> {
        let registry = self.registry.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        registry.by_tenant.get(&tenant).cloned()
    }

    /// Checks a login and issues a token valid for [`TOKEN_LIFETIME`] of the tenant's clock.
    /// The token is recorded (`common::persist`) before it is taken into use: a token the
    /// store did not take is never handed out.
    pub(crate) fn login(
        &self,
        ctx: &Ctx<'_>,
        login_id: &str,
        api_key: &str,
    ) -> Result<(TenantId, String), Failure> {
        let tenant = {
            let registry = self.registry.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let tenant = registry.by_login.get(login_id).copied();
            let known = tenant.and_then(|t| registry.by_tenant.get(&t));
            match (tenant, known) {
                (Some(tenant), Some(creds)) if same_secret(&creds.api_key, api_key) => tenant,
                (Some(_), Some(_)) => return Err(bad_login("auth: api_key does not match")),
                _ => return Err(bad_login("auth: unknown login_id")),
            }
        };
        // Pruning forgets only tokens past their expiry, which `authenticate` refuses anyway:
        // not a change a client can rely on, so it is not recorded.
        if self.n_logins.fetch_add(1, Ordering::Relaxed) % LOGINS_PER_PRUNE == LOGINS_PER_PRUNE - 1
        {
            self.tokens.prune(ctx.clock);
        }
        let now = ctx.now(tenant);
        let expires_at = now.saturating_add(TOKEN_LIFETIME);
        let claims = serde_json::json!({
            "iss": "sandbank-qolo",
            "sub": login_id,
            "jti": ctx.ids(tenant).uuid().hyphenated().to_string(),
            "nbf": time::unix_seconds(now),
            "iat": time::unix_seconds(now),
            "exp": time::unix_seconds(expires_at),
        });
        let token = common_auth::hs256_jwt(&self.signing_key, &claims.to_string());
        let record = Record::LoggedIn {
            token: Cow::Borrowed(&token),
            expires_at_micros: expires_at.as_unix_micros(),
        };
        ctx.record(tenant, super::NAME, &record).map_err(|err| unavailable(&err))?;
        self.restore_token(tenant, token.clone(), expires_at);
        Ok((tenant, token))
    }

    /// Takes `token` into use for `tenant` until `expires_at`: at login, and when a login's
    /// record is restored (the signing key is drawn anew by each process, but a token is
    /// checked by lookup, never by its signature, so an old token stays good).
    pub(crate) fn restore_token(&self, tenant: TenantId, token: String, expires_at: Timestamp) {
        self.tokens.insert(token, Grant { tenant, expires_at, data: () });
    }

    /// The tenant whose credentials `req` carries, changing nothing (no token issued, nothing
    /// pruned): the tenant of its bearer token (expired or not, as long as it is still held),
    /// else, on the login call, the tenant of the `login_id` in its body.
    pub(crate) fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        if let Some(token) = common_auth::bearer(&req.headers) {
            // A clock before every expiry, so an expired token still names its tenant.
            let before_any_expiry = |_| Timestamp::from_unix_micros(i64::MIN);
            if let Ok(grant) = self.tokens.check(token, before_any_expiry) {
                return Some(grant.tenant);
            }
        }
        let is_login = req
            .path
            .strip_prefix("/api/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(_version, operation)| operation == "auth/login");
        if !is_login {
            return None;
        }
        let login = super::parse::login(&req.body).ok()?;
        let registry = self.registry.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        registry.by_login.get(&*login.login_id).copied()
    }

    /// The tenant behind the request's bearer token.
    pub(crate) fn authenticate(
        &self,
        headers: &http::HeaderMap,
        clock: &(dyn Fn(TenantId) -> Timestamp + Sync),
    ) -> Result<TenantId, Failure> {
        let Some(header) = headers.get(http::header::AUTHORIZATION) else {
            return Err(unauthorized("Bearer", "auth: no Authorization header"));
        };
        let Some(token) = common_auth::bearer(headers) else {
            let reason = match header.to_str() {
                Ok(_) => "auth: Authorization header is not a Bearer token",
                Err(_) => "auth: Authorization header is not valid text",
            };
            return Err(unauthorized("Bearer", reason));
        };
        match self.tokens.check(token, clock) {
            Ok(grant) => Ok(grant.tenant),
            Err(TokenProblem::Unknown) => Err(unauthorized(
                "Bearer error=\"invalid_token\"",
                "auth: bearer token was not issued by this server (or before a restart)",
            )),
            Err(TokenProblem::Expired) => Err(unauthorized(
                "Bearer error=\"invalid_token\", error_description=\"The token expired\"",
                "auth: bearer token expired (12-hour lifetime); log in again",
            )),
        }
    }
}

fn unauthorized(challenge: &'static str, reason: &str) -> Failure {
    let error = QoloError::Unauthorized { detail: super::errors::NO_TOKEN, challenge };
    Failure::new(error, reason)
}

/// The store did not take a record: nothing was issued, the client may retry.
fn unavailable(err: &Unstored) -> Failure {
    super::errors::internal(format!("{}: {err}", crate::common::persist::UNSTORED))
}

fn bad_login(reason: &str) -> Failure {
    let error = QoloError::Unauthorized { detail: super::errors::BAD_LOGIN, challenge: "Bearer" };
    Failure::new(error, reason)
}

/// Compares two secrets in time independent of where they first differ.
fn same_secret(expected: &str, given: &str) -> bool {
    let (expected, given) = (expected.as_bytes(), given.as_bytes());
    let mut diff = expected.len() ^ given.len();
    for (idx, byte) in expected.iter().enumerate() {
        diff |= usize::from(byte ^ given.get(idx).copied().unwrap_or(0));
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }
}
