//! Who is calling: each tenant's API key (traded for sessions by `session-create-v1`) and the
//! sessions themselves, which expire after an idle period on the tenant's clock.

use crate::common::HashMap;
use crossbeam_utils::sync::ShardedLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use ledger::TenantId;
use serde_json::Value;
use uuid::Uuid;

use crate::common::ids::IdGen;
use crate::common::persist::{UNSTORED, Unstored};
use crate::pcaasa::NAME;
use crate::pcaasa::errors::{Failure, PcaasaError};
use crate::pcaasa::parse::{self, Call};
use crate::pcaasa::state::record::Record;
use crate::{Ctx, Request};

/// How long a session may sit unused before it expires. Every accepted call restarts it.
pub(crate) const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// Most sessions held at once across tenants; past it, expired ones are dropped first, then
/// the one closest to expiring.
pub(crate) const SESSIONS_MAX: usize = 65_536;

/// The default tenant's API key, documented so a client can start without the admin API.
pub(crate) const WELL_KNOWN_API_KEY: Uuid = Uuid::from_u128(0x5a4db4a4_0000_4000_8000_000000000001);

/// The default tenant's standing session: never expires, so `curl` works at once.
pub(crate) const WELL_KNOWN_SESSION: Uuid = Uuid::from_u128(0x5a4db4a4_0000_4000_8000_000000000002);

/// A tenant's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Credentials {
    /// Traded for sessions.
    pub(crate) api_key: Uuid,
    /// A session that never expires.
    pub(crate) standing_session: Uuid,
}

/// API keys by key and by tenant. Written only when a tenant is provisioned.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    inner: ShardedLock<KeysInner>,
}

#[derive(Debug, Default)]
struct KeysInner {
    tenant_by_key: HashMap<Uuid, TenantId>,
    by_tenant: HashMap<TenantId, Credentials>,
}

impl Keys {
    /// Records `credentials` for `tenant`, replacing any earlier ones; returns the old ones.
    pub(crate) fn insert(&self, tenant: TenantId, credentials: Credentials) -> Option<Credentials> {
        // A poisoned lock still holds a consistent map: every write is one insert or remove.
        let mut inner = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let old = inner.by_tenant.insert(tenant, credentials);
        if let Some(old) = old {
            inner.tenant_by_key.remove(&old.api_key);
        }
        inner.tenant_by_key.insert(credentials.api_key, tenant);
        old
    }

    /// Forgets `tenant`'s credentials and returns them: it is being deleted.
    pub(crate) fn remove(&self, tenant: TenantId) -> Option<Credentials> {
        let mut inner = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let old = inner.by_tenant.remove(&tenant)?;
        inner.tenant_by_key.remove(&old.api_key);
        Some(old)
    }

    /// The tenant an API key was issued to.
    pub(crate) fn tenant(&self, api_key: Uuid) -> Option<TenantId> {
        let inner = self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.tenant_by_key.get(&api_key).copied()
    }
}

/// One issued session.
#[derive(Debug)]
struct Session {
    tenant: TenantId,
    /// Microseconds of the tenant's clock; `i64::MAX` for a standing session. Atomic so that
    /// touching a session needs only the read lock.
    expires_at_micros: AtomicI64,
    /// The expiry the store last took for it (at creation or a renewal): what a restart
    /// brings back.
    recorded_micros: AtomicI64,
}

impl Session {
    fn new(tenant: TenantId, expires_at_micros: i64) -> Session {
        Session {
            tenant,
            expires_at_micros: AtomicI64::new(expires_at_micros),
            recorded_micros: AtomicI64::new(expires_at_micros),
        }
    }
}

/// Why a session was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SessionProblem {
    /// Never issued.
    Unknown,
    /// Issued to `tenant`, idle past its lifetime.
    Expired { tenant: TenantId },
    /// Live, but the store did not take its renewal: the call is not acknowledged.
    Unstored { tenant: TenantId, err: Unstored },
}

/// How far a session's expiry may move past the one recorded before a renewal is recorded:
/// three minutes, in microseconds.
///
/// An idle expiry moves on every call; recording each move would write to the store on every
/// balance call. Recorded only when it moved this far, a session restored after a restart
/// keeps at least its idle window less this step from its last call: one used in the minutes
/// before the restart may lapse up to three minutes early, never later than it would have.
pub(crate) const RENEWAL_RECORD_STEP_MICROS: i64 = 3 * 60 * 1_000_000;

/// Issued sessions. Read-mostly (every call checks one), hence the `ShardedLock`.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_uuid: ShardedLock<HashMap<Uuid, Session>>,
}

impl Sessions {
    /// A new session for `tenant`, idle-expiring from its `now`, recorded before it is taken
    /// into use (`common::persist`): a session the store refused is never handed out, and
    /// nothing else changed.
    pub(crate) fn create(&self, ctx: &Ctx<'_>, tenant: TenantId) -> Result<Uuid, Unstored> {
        let id = ctx.ids(tenant).secret_uuid();
        let expires_at = ctx.now(tenant).saturating_add(SESSION_IDLE).as_unix_micros();
        // The write lock is held across the record so that the session evicted is the one
        // recorded; sessions are created rarely, and the store answers quickly.
        let mut sessions = self.by_uuid.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let live = |s: &Session| {
            ctx.now(s.tenant).as_unix_micros() < s.expires_at_micros.load(Ordering::Relaxed)
        };
        let full = sessions.len() >= SESSIONS_MAX;
        // Past the cap, expired sessions go first (not recorded: refused either way), then
        // the live one closest to expiring (recorded: it stops working).
        let evicted = if full && sessions.values().filter(|s| live(s)).count() >= SESSIONS_MAX {
            let live_ones = sessions.iter().filter(|(_, s)| live(s));
            live_ones
                .min_by_key(|(_, s)| s.expires_at_micros.load(Ordering::Relaxed))
                .map(|(id, _)| *id)
        } else {
            None
        };
        let record = Record::SessionCreated {
            session: id.hyphenated().to_string(),
            expires_at_micros: expires_at,
            evicted: evicted.map(|id| id.hyphenated().to_string()),
        };
        ctx.record(tenant, NAME, &record)?;
        if full {
            sessions.retain(|_, s| live(s));
        }
        if let Some(evicted) = evicted {
            sessions.remove(&evicted);
        }
        sessions.insert(id, Session::new(tenant, expires_at));
        Ok(id)
    }

    /// Brings back a recorded session: after a restart, with the expiry the store last took.
    pub(crate) fn restore(
        &self,
        tenant: TenantId,
        id: Uuid,
        expires_at_micros: i64,
        evicted: Option<Uuid>,
    ) {
        let mut sessions = self.by_uuid.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(evicted) = evicted {
            sessions.remove(&evicted);
        }
        sessions.insert(id, Session::new(tenant, expires_at_micros));
    }

    /// Brings back a recorded renewal of a session still held (one since evicted, or of a
    /// tenant since removed, is gone).
    pub(crate) fn restore_renewal(&self, id: Uuid, expires_at_micros: i64) {
        let sessions = self.by_uuid.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(session) = sessions.get(&id) {
            session.expires_at_micros.fetch_max(expires_at_micros, Ordering::Relaxed);
            session.recorded_micros.fetch_max(expires_at_micros, Ordering::Relaxed);
        }
    }

    /// Records a session that never expires.
    pub(crate) fn insert_standing(&self, tenant: TenantId, id: Uuid) {
        let mut sessions = self.by_uuid.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        sessions.insert(id, Session::new(tenant, i64::MAX));
    }

    /// Forgets every session of `tenant`, the standing one included.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        let mut sessions = self.by_uuid.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        sessions.retain(|_, session| session.tenant != tenant);
    }

    /// Forgets one session.
    pub(crate) fn remove(&self, id: Uuid) {
        let mut sessions = self.by_uuid.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        sessions.remove(&id);
    }

    /// The tenant `id` was issued to, live or expired, without touching its expiry.
    pub(crate) fn tenant(&self, id: Uuid) -> Option<TenantId> {
        let sessions = self.by_uuid.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        sessions.get(&id).map(|session| session.tenant)
    }

    /// The tenant behind `id`, checked against that tenant's clock; a live session's idle
    /// lifetime restarts (recorded once it moved [`RENEWAL_RECORD_STEP_MICROS`] past the last record).
    pub(crate) fn check(&self, id: Uuid, ctx: &Ctx<'_>) -> Result<TenantId, SessionProblem> {
        let sessions = self.by_uuid.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let session = sessions.get(&id).ok_or(SessionProblem::Unknown)?;
        let tenant = session.tenant;
        let now = ctx.now(tenant);
        if now.as_unix_micros() >= session.expires_at_micros.load(Ordering::Relaxed) {
            return Err(SessionProblem::Expired { tenant });
        }
        let renewed = now.saturating_add(SESSION_IDLE).as_unix_micros();
        // A standing session's `i64::MAX` is never passed, so it is never recorded.
        let recorded = session.recorded_micros.load(Ordering::Relaxed);
        if renewed.saturating_sub(recorded) >= RENEWAL_RECORD_STEP_MICROS && ctx.recorder.enabled()
        {
            let record = Record::SessionRenewed {
                session: id.hyphenated().to_string(),
                expires_at_micros: renewed,
            };
            ctx.record(tenant, NAME, &record)
                .map_err(|err| SessionProblem::Unstored { tenant, err })?;
            session.recorded_micros.fetch_max(renewed, Ordering::Relaxed);
        }
        // `fetch_max` leaves a standing session's `i64::MAX` alone.
        session.expires_at_micros.fetch_max(renewed, Ordering::Relaxed);
        Ok(tenant)
    }
}

/// Creates `tenant`'s API key and standing session (the documented ones for the default tenant,
/// `well_known`), retiring any earlier ones, and answers them for the admin API.
pub(crate) fn provision(
    keys: &Keys,
    sessions: &Sessions,
    tenant: TenantId,
    well_known: bool,
    ids: &IdGen,
) -> Value {
    let credentials = if well_known {
        Credentials { api_key: WELL_KNOWN_API_KEY, standing_session: WELL_KNOWN_SESSION }
    } else {
        Credentials { api_key: ids.secret_uuid(), standing_session: ids.secret_uuid() }
    };
    if let Some(old) = keys.insert(tenant, credentials) {
        sessions.remove(old.standing_session);
    }
    sessions.insert_standing(tenant, credentials.standing_session);
    serde_json::json!({
        "apiKey": credentials.api_key.to_string(),
        "sessionUuid": credentials.standing_session.to_string(),
        "sessionTimeoutSeconds": SESSION_IDLE.as_secs(),
    })
}

impl Sessions {
    /// The tenant whose live session `session` is, on that tenant's clock.
    pub(crate) fn authenticate(&self, session: Uuid, ctx: &Ctx<'_>) -> Result<TenantId, Failure> {
        self.check(session, ctx).map_err(|problem| match problem {
            SessionProblem::Unknown => Failure::from(PcaasaError::SessionInvalid),
            SessionProblem::Expired { tenant } => {
                Failure::from(PcaasaError::SessionExpired).for_tenant(tenant)
            }
            SessionProblem::Unstored { tenant, err } => unavailable(&err).for_tenant(tenant),
        })
    }
}

/// The store did not take a record: nothing was changed, the client may retry.
pub(crate) fn unavailable(err: &Unstored) -> Failure {
    Failure::new(PcaasaError::SystemUnavailable, format!("{UNSTORED}: {err}"))
}

/// The tenant whose credentials `req` carries, read without renewing a session or creating
/// one: the `sessionUuid` (live or expired) or the `apiKey` (body, else query string) in the
/// body of any encoding, the one the call authenticates with first
/// (`apiKey` for `session-create-v1`, `sessionUuid` for every other call).
pub(crate) fn tenant_of(keys: &Keys, sessions: &Sessions, req: &Request) -> Option<TenantId> {
    let query_key = req.query_param("apiKey");
    let (session, api_key) = parse::carried(req, |carried| {
        let session = carried.and_then(|carried| parse::session_uuid(&carried.session_uuid).ok());
        let api_key = carried.map_or(&None, |carried| &carried.api_key);
        (session, parse::api_key(api_key, query_key.as_deref()).ok())
    });
    let by_session = || session.and_then(|id| sessions.tenant(id));
    let by_key = || api_key.and_then(|key| keys.tenant(key));
    if parse::call(req) == Some(Call::SessionCreate) {
        by_key().or_else(by_session)
    } else {
        by_session().or_else(by_key)
    }
}
