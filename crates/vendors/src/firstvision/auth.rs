//! FirstVision credentials: the apikey / client secret pair, the access-token call (Basic auth,
//! client credentials), the headers every call carries (`apikey`, `Authorization: Bearer`,
//! `X-ClientID`) and the optional HMAC `Signature` with its clock window and nonce.

use std::collections::VecDeque;

use crate::common::{HashMap, HashSet};
use crossbeam_utils::sync::ShardedLock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderName;
use ledger::{TenantId, Timestamp};
use serde_json::{Value, json};

use super::errors::{Failure, FvError, bad, unauthorized};
use crate::Request;
use crate::common::auth::{Grant, TokenProblem, TokenStore, bearer, hmac_sha256_base64};

/// Access-token lifetime: the vendor's text says "currently 900 seconds" (its sample shows
/// 1799; clients are told to use the returned `expires_in`).
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// How far a signed request's `Timestamp` may be from the tenant's clock, and how long its
/// `X-Client-Request-Id` is remembered as used: the documented five minutes.
pub(crate) const SIGNATURE_WINDOW: Duration = Duration::from_secs(300);

/// Longest `X-Client-Request-Id` (the header table gives "length 40").
pub(crate) const CLIENT_REQUEST_ID_CHARS_MAX: usize = 40;

/// Most nonces remembered per tenant; past this the oldest are forgotten first (they are
/// inside the window only under a flood of signed requests).
const NONCES_PER_TENANT_MAX: usize = 100_000;

/// Tokens held before expired ones are swept on the next issue.
const TOKENS_SWEEP_AT: usize = 10_000;

/// The headers every call is checked for, named once: a lookup by `&str` parses and lowercases
/// the name on every request, a `HeaderName` only hashes it.
static APIKEY: HeaderName = HeaderName::from_static("apikey");
static CLIENT_ID: HeaderName = HeaderName::from_static("x-clientid");
static SIGNATURE: HeaderName = HeaderName::from_static("signature");

/// A header's value as text, `None` when absent or not visible ASCII (as [`Request::header`]).
pub(crate) fn header<'r>(req: &'r Request, name: &HeaderName) -> Option<&'r str> {
    req.headers.get(name).and_then(|value| value.to_str().ok())
}

/// The well-known test-mode credentials of the default tenant.
pub(crate) const WELL_KNOWN_API_KEY: &str = "sandbank-firstvision-key";
pub(crate) const WELL_KNOWN_SECRET: &str = "sandbank-firstvision-secret";

/// One tenant's client credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client {
    pub(crate) tenant: TenantId,
    pub(crate) api_key: String,
    pub(crate) secret: String,
}

/// Signed requests seen recently, per tenant: `X-Client-Request-Id` values inside the window.
#[derive(Debug, Default)]
struct Nonces {
    seen: HashSet<Box<str>>,
    /// Oldest first, with the instant each stops counting.
    order: VecDeque<(Timestamp, Box<str>)>,
}

impl Nonces {
    /// Forgets ids whose window closed by `now` (and the oldest, past the bound).
    fn forget_expired(&mut self, now: Timestamp) {
        while let Some((until, _)) = self.order.front() {
            if now < *until && self.order.len() < NONCES_PER_TENANT_MAX {
                break;
            }
            if let Some((_, old)) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
    }

    /// Whether `id` may be used at `now` (not inside its window).
    fn is_fresh(&mut self, id: &str, now: Timestamp) -> bool {
        self.forget_expired(now);
        !self.seen.contains(id)
    }

    /// Records `id` unless it is still inside its window; `false` means a replay.
    fn insert(&mut self, id: &str, now: Timestamp) -> bool {
        if !self.is_fresh(id, now) {
            return false;
        }
        let id: Box<str> = id.into();
        self.seen.insert(id.clone());
        self.order.push_back((now.saturating_add(SIGNATURE_WINDOW), id));
        true
    }
}

/// Saves the use of a signed request's `X-Client-Request-Id` (tenant, id, instant) before it
/// counts; an `Err` refuses the request.
pub(crate) type RecordNonce<'a> = dyn Fn(TenantId, &str, Timestamp) -> Result<(), Failure> + 'a;

/// Who a request was authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) tenant: TenantId,
}

/// Credentials, issued tokens and signature nonces of every tenant.
#[derive(Debug, Default)]
pub(crate) struct Auth {
    /// apikey → client. Read on every request, written at provisioning.
    clients: ShardedLock<HashMap<String, Arc<Client>>>,
    /// tenant → apikey, to replace a tenant's credentials when it is provisioned again.
    keys: ShardedLock<HashMap<TenantId, String>>,
    tokens: TokenStore<()>,
    /// Short critical sections only (one insert); a `Mutex` is simplest.
    nonces: Mutex<HashMap<TenantId, Nonces>>,
}

impl Auth {
    /// Creates (or replaces) `tenant`'s credentials.
    pub(crate) fn provision(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> Arc<Client> {
        let (api_key, secret) = if well_known {
            (WELL_KNOWN_API_KEY.to_string(), WELL_KNOWN_SECRET.to_string())
        } else {
            (ids.secret("fv-key-"), ids.secret("fv-secret-"))
        };
        let client = Arc::new(Client { tenant, api_key: api_key.clone(), secret });
        let mut clients = self.clients.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = keys.insert(tenant, api_key.clone()) {
            clients.remove(&old);
        }
        // A well-known key provisioned for a second tenant moves to it.
        if let Some(previous) = clients.insert(api_key, Arc::clone(&client))
            && previous.tenant != tenant
        {
            keys.remove(&previous.tenant);
        }
        client
    }

    fn client(&self, api_key: &str) -> Option<Arc<Client>> {
        let clients = self.clients.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        clients.get(api_key).cloned()
    }

    /// The token call's client: Basic `apikey:client_secret`, and the `apikey` header (when
    /// sent) naming the same client.
    pub(crate) fn token_client(&self, req: &Request) -> Result<Arc<Client>, Failure> {
        let Some((user, password)) = crate::common::auth::basic(&req.headers) else {
            return Err(unauthorized(
                "auth: token call needs Authorization: Basic base64(apikey:client_secret)",
            ));
        };
        let Some(client) = self.client(&user) else {
            return Err(unauthorized("auth: Basic user is not a known apikey"));
        };
        if client.secret != password {
            return Err(unauthorized("auth: client secret does not match the apikey")
                .for_tenant(client.tenant));
        }
        if let Some(header) = req.header("apikey")
            && header != client.api_key
        {
            return Err(unauthorized("auth: apikey header differs from the Basic user")
                .for_tenant(client.tenant));
        }
        Ok(client)
    }

    /// The tenant whose credentials `req` carries, using nothing up: its `apikey` header, else
    /// the Basic user (an apikey) of a token call, else the tenant an access token was issued
    /// to, expired or not. A request id is not checked, so it stays fresh for the real call.
    pub(crate) fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        let by_key = |api_key: &str| self.client(api_key).map(|client| client.tenant);
        if let Some(tenant) = header(req, &APIKEY).and_then(by_key) {
            return Some(tenant);
        }
        if let Some(tenant) =
            crate::common::auth::basic(&req.headers).and_then(|(user, _)| by_key(&user))
        {
            return Some(tenant);
        }
        // A clock before every expiry: an expired token, while still held, names its tenant.
        let forever = |_| Timestamp::from_unix_micros(i64::MIN);
        let token = bearer(&req.headers)?;
        self.tokens.check(token, forever).ok().map(|grant| grant.tenant)
    }

    /// Keeps an issued access token of `tenant` until `expires_at`. Once many are held, those
    /// expired by their tenant's `clock` are swept first, keeping memory bounded under token
    /// churn (an expired token is refused either way).
    pub(crate) fn keep_token(
        &self,
        tenant: TenantId,
        token: String,
        expires_at: Timestamp,
        clock: impl Fn(TenantId) -> Timestamp,
    ) {
        if self.tokens.len() >= TOKENS_SWEEP_AT {
            self.tokens.prune(clock);
        }
        self.tokens.insert(token, Grant { tenant, expires_at, data: () });
    }

    /// Checks the headers every API call carries: apikey, bearer token, `X-ClientID` (one of the
    /// tenant's organizations, as `has_org` tells), then the signature when present — last, so
    /// a request id is only used up by a request that passed everything else.
    /// `record` saves a signed request's id before it counts as used.
    pub(crate) fn authenticate(
        &self,
        req: &Request,
        clock: &(dyn Fn(TenantId) -> Timestamp + Sync),
        has_org: impl Fn(TenantId, u16) -> bool,
        record: &RecordNonce<'_>,
    ) -> Result<Caller, Failure> {
        let Some(api_key) = header(req, &APIKEY) else {
            return Err(unauthorized("auth: apikey header is missing"));
        };
        let Some(client) = self.client(api_key) else {
            return Err(unauthorized("auth: apikey is not known"));
        };
        let tenant = client.tenant;
        let Some(token) = bearer(&req.headers) else {
            return Err(unauthorized(
                "auth: Authorization: Bearer <access_token> header is missing",
            )
            .for_tenant(tenant));
        };
        match self.tokens.check(token, clock) {
            Ok(grant) if grant.tenant == tenant => {}
            Ok(_) => {
                return Err(unauthorized("auth: access token was not issued to this apikey")
                    .for_tenant(tenant));
            }
            Err(TokenProblem::Unknown) => {
                return Err(unauthorized("auth: access token is not valid").for_tenant(tenant));
            }
            Err(TokenProblem::Expired) => {
                return Err(unauthorized("auth: access token expired").for_tenant(tenant));
            }
        }
        let Some(client_id) = header(req, &CLIENT_ID) else {
            return Err(bad("header X-ClientID is missing").for_tenant(tenant));
        };
        let client_org = parse_client_id(client_id).ok_or_else(|| {
            bad(format!(
                "header X-ClientID: {client_id:?} is not a zero-padded organization number (00970)"
            ))
            .for_tenant(tenant)
        })?;
        if !has_org(tenant, client_org) {
            return Err(Failure::new(
                FvError::Forbidden,
                format!(
                    "auth: X-ClientID {client_id}: this apikey has no account in organization \
                     {client_org}"
                ),
            )
            .for_tenant(tenant));
        }
        match req.headers.get(&SIGNATURE).map(http::HeaderValue::to_str) {
            None => {}
            Some(Ok(signature)) => {
                self.verify_signature(req, &client, signature, clock(tenant), record)
                    .map_err(|rejection| rejection.for_tenant(tenant))?;
            }
            Some(Err(_)) => {
                return Err(
                    unauthorized("auth: Signature header is not valid text").for_tenant(tenant)
                );
            }
        }
        Ok(Caller { tenant })
    }

    /// Checks `Signature` is `Base64(HMAC-SHA256(client_secret, apikey + X-Client-Request-Id +
    /// Timestamp + body))`, `Timestamp` is within five minutes of the tenant's clock, and the
    /// request id was not seen in the last five minutes.
    fn verify_signature(
        &self,
        req: &Request,
        client: &Client,
        signature: &str,
        now: Timestamp,
        record: &RecordNonce<'_>,
    ) -> Result<(), Failure> {
        let Some(request_id) = req.header("x-client-request-id").filter(|id| !id.is_empty()) else {
            return Err(unauthorized("auth: signed request without X-Client-Request-Id"));
        };
        if request_id.chars().count() > CLIENT_REQUEST_ID_CHARS_MAX {
            return Err(unauthorized(format!(
                "auth: X-Client-Request-Id longer than {CLIENT_REQUEST_ID_CHARS_MAX} characters"
            )));
        }
        let Some(timestamp) = req.header("timestamp") else {
            return Err(unauthorized("auth: signed request without Timestamp"));
        };
        let Some(sent_ms) = timestamp
            .parse::<i64>()
            .ok()
            .filter(|_| !timestamp.is_empty() && timestamp.bytes().all(|b| b.is_ascii_digit()))
        else {
            return Err(unauthorized("auth: Timestamp must be epoch milliseconds (digits only)"));
        };
        let now_ms = now.as_unix_micros().div_euclid(1000);
        let window_ms = i64::try_from(SIGNATURE_WINDOW.as_millis()).unwrap_or(i64::MAX);
        let skew_ms = now_ms.saturating_sub(sent_ms);
        if skew_ms.saturating_abs() > window_ms {
            return Err(unauthorized(format!(
                "auth: Timestamp {sent_ms} is {skew_ms} ms from the tenant clock ({now_ms}); \
                 the limit is {window_ms} ms"
            )));
        }
        let mut message = Vec::with_capacity(
            client.api_key.len() + request_id.len() + timestamp.len() + req.body.len(),
        );
        message.extend_from_slice(client.api_key.as_bytes());
        message.extend_from_slice(request_id.as_bytes());
        message.extend_from_slice(timestamp.as_bytes());
        message.extend_from_slice(&req.body);
        let expected = hmac_sha256_base64(client.secret.as_bytes(), &message);
        if expected != signature.trim() {
            return Err(unauthorized(
                "auth: Signature does not match Base64(HMAC-SHA256(client_secret, apikey + \
                 X-Client-Request-Id + Timestamp + body))",
            ));
        }
        self.use_request_id(client.tenant, request_id, now, record)
    }

    /// Uses up `request_id` of `tenant` at `now`, recorded first; a replay inside its window is
    /// refused and records nothing.
    fn use_request_id(
        &self,
        tenant: TenantId,
        request_id: &str,
        now: Timestamp,
        record: &RecordNonce<'_>,
    ) -> Result<(), Failure> {
        let replayed = || {
            unauthorized(format!(
                "auth: X-Client-Request-Id {request_id} was already used in the last 5 minutes"
            ))
        };
        if !self.lock_nonces().entry(tenant).or_default().is_fresh(request_id, now) {
            return Err(replayed());
        }
        // Recorded outside the lock, which every tenant's signed requests share, as the store
        // may wait for the disk; a twin of this request that got in meanwhile is caught below
        // (its record restores as one use, the same as here).
        record(tenant, request_id, now)?;
        if !self.lock_nonces().entry(tenant).or_default().insert(request_id, now) {
            return Err(replayed());
        }
        Ok(())
    }

    /// Uses up `request_id` of `tenant` at `at` again, as its record says (restart).
    pub(crate) fn restore_request_id(&self, tenant: TenantId, request_id: &str, at: Timestamp) {
        // A second use of one id (a twin recorded before it lost the race) changes nothing.
        self.lock_nonces().entry(tenant).or_default().insert(request_id, at);
    }

    fn lock_nonces(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Nonces>> {
        self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets `tenant`'s credentials, access tokens and nonces: it is being deleted.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        {
            // Lock order: `clients` then `keys`, as in `provision`.
            let mut clients =
                self.clients.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(key) = keys.remove(&tenant) {
                clients.remove(&key);
            }
        }
        self.tokens.remove_tenant(tenant);
        self.reset_tenant(tenant);
    }

    /// Forgets `tenant`'s signature nonces (credentials and tokens stay).
    pub(crate) fn reset_tenant(&self, tenant: TenantId) {
        self.lock_nonces().remove(&tenant);
    }
}

/// `X-ClientID`: the organization, up to five digits (`00970`).
fn parse_client_id(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `client`'s credentials as the admin API and the start-up banner show them, with how to use
/// them.
pub(crate) fn provisioned(client: &Client) -> Value {
    json!({
        "apikey": client.api_key,
        "clientSecret": client.secret,
        "tokenPath": "/firstvision/token",
        "tokenExpiresInSeconds": TOKEN_LIFETIME.as_secs(),
        "headers": {
            "apikey": client.api_key,
            "Authorization": "Bearer <access_token from the token call>",
            "X-ClientID": "the zero-padded organization of an account, e.g. 00970",
        },
        "signature": "optional Signature header: Base64(HMAC-SHA256(clientSecret, apikey + \
                      X-Client-Request-Id + Timestamp + body)); Timestamp in epoch ms within \
                      5 minutes; X-Client-Request-Id not reused within 5 minutes",
    })
}
