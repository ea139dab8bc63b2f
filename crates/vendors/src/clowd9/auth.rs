//! Clowd9's key/secret login and its JWTs: `POST /v1/auth` trades a key and secret for an
//! access token (120 minutes) and a refresh token (the session: 720 minutes from the login);
//! `POST /v1/auth/refresh` with the refresh token as bearer issues a new access token inside the
//! session. Every other call carries `Authorization: Bearer <access token>`.
//!
//! Tokens are HS256 JWTs signed with a secret made when the vendor is built; they are checked by
//! lookup in a [`TokenStore`] (one read lock), never by decoding, so a token is exactly as good
//! as its entry: tenant, kind and expiry on the tenant's clock.

use std::borrow::Cow;

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ledger::{TenantId, Timestamp};
use uuid::Uuid;

use super::NAME;
use super::errors::{Clowd9Error, Failure};
use super::parse;
use super::state::record::{Minted, Record};
use super::wire::AuthenticateApiRequest;
use crate::common::auth::{Grant, TokenProblem, TokenStore, bearer, hs256_jwt, random_secret};
use crate::common::json::Field;
use crate::common::persist::UNSTORED;
use crate::{Ctx, Request};

/// How long an access token works: "the JWT will need to be refreshed every 120 minutes".
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(120 * 60);

/// How long a login lasts: "after 720 minutes, an Access Authentication request is required".
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(720 * 60);

/// The well-known key of the default tenant (test mode).
pub(crate) const WELL_KNOWN_KEY: &str = "sandbank-clowd9-key";

/// The well-known secret of the default tenant (test mode).
pub(crate) const WELL_KNOWN_SECRET: &str = "sandbank-clowd9-secret";

/// The login call's path, whose body names its tenant by `key`.
const LOGIN_PATH: &str = "/v1/auth";

/// Expired tokens are swept after this many issued, keeping the store bounded.
const TOKENS_ISSUED_PER_PRUNE: u64 = 1024;

/// Which of the two tokens a JWT is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum TokenKind {
    /// `access_token`: calls the API.
    Access,
    /// `refresh_token`: only calls `POST /v1/auth/refresh`.
    Refresh,
}

/// What an issued token stands for, besides its tenant and expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Session {
    /// Access or refresh.
    pub(crate) kind: TokenKind,
    /// The API key's identifier (`api_id`).
    pub(crate) api_id: Uuid,
    /// When the login this token descends from runs out.
    pub(crate) ends_at: Timestamp,
}

/// One tenant's API key.
#[derive(Debug, Clone)]
struct Credential {
    tenant: TenantId,
    secret: String,
    api_id: Uuid,
}

/// What a successful login or refresh hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) api_id: Uuid,
    pub(crate) tenant: TenantId,
}

/// Keys, secrets and issued tokens of every tenant.
#[derive(Debug)]
pub(crate) struct Auth {
    /// Key → credential; read on every login only, so one lock is plenty.
    keys: ShardedLock<HashMap<String, Credential>>,
    /// Tenant → its current key, so re-provisioning replaces the old key.
    key_of_tenant: ShardedLock<HashMap<TenantId, String>>,
    tokens: TokenStore<Session>,
    jwt_secret: String,
    n_issued: AtomicU64,
}

impl Default for Auth {
    fn default() -> Auth {
        Auth {
            keys: ShardedLock::default(),
            key_of_tenant: ShardedLock::default(),
            tokens: TokenStore::default(),
            jwt_secret: random_secret("sandbank-clowd9-jwt-"),
            n_issued: AtomicU64::new(0),
        }
    }
}

impl Auth {
    /// Creates `tenant`'s key and secret (replacing any earlier ones) and returns them.
    pub(crate) fn provision(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> serde_json::Value {
        let (key, secret) = if well_known {
            (WELL_KNOWN_KEY.to_string(), WELL_KNOWN_SECRET.to_string())
        } else {
            (ids.secret("c9k_"), ids.secret("c9s_"))
        };
        let api_id = ids.uuid();
        // Lock order: `key_of_tenant` then `keys`, everywhere.
        let mut key_of_tenant =
            self.key_of_tenant.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = key_of_tenant.insert(tenant, key.clone()) {
            keys.remove(&old);
        }
        // A key given to a second tenant (the well-known one) moves to it.
        if let Some(previous) =
            keys.insert(key.clone(), Credential { tenant, secret: secret.clone(), api_id })
            && previous.tenant != tenant
        {
            key_of_tenant.remove(&previous.tenant);
        }
        serde_json::json!({
            "key": key,
            "secret": secret,
            "api_id": api_id.hyphenated().to_string(),
            "login": "POST /v1/auth with {key, secret}, then Authorization: Bearer <access_token>",
        })
    }

    /// Forgets `tenant`'s key, secret and tokens: it is being deleted.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        {
            // Lock order: `key_of_tenant` then `keys`, as in `provision`.
            let mut key_of_tenant =
                self.key_of_tenant.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(key) = key_of_tenant.remove(&tenant) {
                keys.remove(&key);
            }
        }
        self.tokens.remove_tenant(tenant);
    }

    /// `POST /v1/auth`: checks the key and secret and opens a session.
    pub(crate) fn login(&self, ctx: &Ctx<'_>, key: &str, secret: &str) -> Result<Issued, Failure> {
        let (tenant, api_id) = {
            let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let credential = keys.get(key).ok_or_else(|| {
                Failure::new(Clowd9Error::InvalidCredentials, "auth: unknown key")
            })?;
            if credential.secret != secret {
                return Err(Failure::new(
                    Clowd9Error::InvalidCredentials,
                    "auth: wrong secret for this key",
                ));
            }
            (credential.tenant, credential.api_id)
        };
        let now = ctx.now(tenant);
        let ends_at = now.saturating_add(SESSION_LIFETIME);
        let refresh = self.mint(now, TokenKind::Refresh, api_id, ends_at);
        let access = self.mint(now, TokenKind::Access, api_id, ends_at);
        self.take_into_use(ctx, tenant, vec![refresh.clone(), access.clone()])?;
        Ok(Issued { access_token: access.token, refresh_token: refresh.token, api_id, tenant })
    }

    /// `POST /v1/auth/refresh`, its check: the refresh token sent as bearer and its session.
    /// Nothing is issued yet, so a refresh refused after this (for its body) changes nothing.
    pub(crate) fn refresh_grant<'r>(
        &self,
        ctx: &Ctx<'_>,
        req: &'r Request,
    ) -> Result<(&'r str, Grant<Session>), Failure> {
        let (token, grant) = self.check(ctx, req)?;
        if grant.data.kind != TokenKind::Refresh {
            return Err(Failure::new(
                Clowd9Error::Forbidden,
                "auth: refresh needs the refresh_token as bearer, not the access_token",
            ));
        }
        Ok((token, grant))
    }

    /// `POST /v1/auth/refresh`, its effect: a new access token for the session of
    /// `refresh_token`; the refresh token itself is handed back unchanged.
    pub(crate) fn renew(
        &self,
        ctx: &Ctx<'_>,
        refresh_token: &str,
        grant: &Grant<Session>,
    ) -> Result<Issued, Failure> {
        let tenant = grant.tenant;
        let now = ctx.now(tenant);
        let access = self.mint(now, TokenKind::Access, grant.data.api_id, grant.data.ends_at);
        self.take_into_use(ctx, tenant, vec![access.clone()])?;
        Ok(Issued {
            access_token: access.token,
            refresh_token: refresh_token.to_string(),
            api_id: grant.data.api_id,
            tenant,
        })
    }

    /// How many tokens are issued and not yet pruned.
    #[cfg(test)]
    pub(crate) fn n_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// The tenant behind the request's access token.
    pub(crate) fn authenticate(&self, ctx: &Ctx<'_>, req: &Request) -> Result<TenantId, Failure> {
        let (_, grant) = self.check(ctx, req)?;
        match grant.data.kind {
            TokenKind::Access => Ok(grant.tenant),
            TokenKind::Refresh => Err(Failure::new(
                Clowd9Error::Forbidden,
                "auth: a refresh_token cannot call the API; send the access_token",
            )),
        }
    }

    /// The tenant whose credentials `req` carries, changing nothing (no token issued, nothing
    /// pruned): the tenant of its bearer token (access or refresh, expired or not, as long as
    /// it is still held), else, on the login call, the tenant of the `key` in its body.
    pub(crate) fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        if let Some(token) = bearer(&req.headers) {
            // A clock before every expiry, so an expired token still names its tenant.
            let before_any_expiry = |_| Timestamp::from_unix_micros(i64::MIN);
            if let Ok(grant) = self.tokens.check(token, before_any_expiry) {
                return Some(grant.tenant);
            }
        }
        if req.path != LOGIN_PATH {
            return None;
        }
        let body: AuthenticateApiRequest<'_> = parse::body(req).ok()?;
        let key = match &body.key {
            Some(Field::String(key)) => key,
            _ => return None,
        };
        let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.get(&**key).map(|credential| credential.tenant)
    }

    fn check<'r>(
        &self,
        ctx: &Ctx<'_>,
        req: &'r Request,
    ) -> Result<(&'r str, Grant<Session>), Failure> {
        let token = bearer(&req.headers).ok_or_else(|| {
            Failure::new(Clowd9Error::Unauthorized, "auth: no Authorization: Bearer header")
        })?;
        match self.tokens.check(token, |tenant| ctx.now(tenant)) {
            Ok(grant) => Ok((token, grant)),
            Err(TokenProblem::Unknown) => Err(Failure::new(
                Clowd9Error::Unauthorized,
                "auth: bearer token was not issued by this server",
            )),
            Err(TokenProblem::Expired) => Err(Failure::new(
                Clowd9Error::Unauthorized,
                "auth: bearer token expired (access 120 minutes, session 720 minutes)",
            )),
        }
    }

    /// A new signed token of `kind`, not yet in use.
    fn mint(&self, now: Timestamp, kind: TokenKind, api_id: Uuid, ends_at: Timestamp) -> Minted {
        let expires_at = match kind {
            TokenKind::Access => now.saturating_add(ACCESS_TOKEN_LIFETIME).min(ends_at),
            TokenKind::Refresh => ends_at,
        };
        let token_use = match kind {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        };
        let claims = format!(
            r#"{{"iss":"sandbank-clowd9","sub":"{}","token_use":"{token_use}","iat":{},"exp":{},"jti":"{}"}}"#,
            api_id.hyphenated(),
            now.as_unix_micros().div_euclid(1_000_000),
            expires_at.as_unix_micros().div_euclid(1_000_000),
            Uuid::new_v4().simple(),
        );
        let token = hs256_jwt(self.jwt_secret.as_bytes(), &claims);
        Minted {
            token,
            kind,
            api_id: api_id.hyphenated().to_string(),
            expires_at_micros: expires_at.as_unix_micros(),
            ends_at_micros: ends_at.as_unix_micros(),
        }
    }

    /// Records `minted` (`common::persist`) and, once the store took them, makes them good:
    /// a token the store refused is never handed out.
    fn take_into_use(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        minted: Vec<Minted>,
    ) -> Result<(), Failure> {
        ctx.record(tenant, NAME, &Record::Issued(Cow::Borrowed(&minted)))
            .map_err(|err| Failure::new(Clowd9Error::Internal, format!("{UNSTORED}: {err}")))?;
        self.restore(tenant, minted)
            .map_err(|reason| Failure::new(Clowd9Error::Internal, reason))?;
        self.prune_now_and_then(ctx);
        Ok(())
    }

    /// Makes recorded tokens good again: after a restart, and at issue. The signing secret is
    /// drawn anew by each process, but a token is checked by lookup, never by its signature,
    /// so a token issued before a restart keeps working until its own expiry.
    pub(crate) fn restore(&self, tenant: TenantId, minted: Vec<Minted>) -> Result<(), String> {
        for minted in minted {
            let api_id = Uuid::try_parse(&minted.api_id)
                .map_err(|_| format!("{NAME}: a token record's api_id is not a uuid"))?;
            let ends_at = Timestamp::from_unix_micros(minted.ends_at_micros);
            let session = Session { kind: minted.kind, api_id, ends_at };
            let expires_at = Timestamp::from_unix_micros(minted.expires_at_micros);
            self.tokens.insert(minted.token, Grant { tenant, expires_at, data: session });
        }
        Ok(())
    }

    /// Forgets tokens past their expiry now and then. Not recorded: an expired token is
    /// refused either way.
    fn prune_now_and_then(&self, ctx: &Ctx<'_>) {
        if self.n_issued.fetch_add(1, Ordering::Relaxed) % TOKENS_ISSUED_PER_PRUNE
            == TOKENS_ISSUED_PER_PRUNE - 1
        {
            self.tokens.prune(|tenant| ctx.now(tenant));
        }
    }
}
