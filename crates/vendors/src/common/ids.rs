//! Reproducible identifiers: every id a vendor generates (uuids, account numbers, card proxies,
//! session ids, tokens) comes from its tenant's [`IdGen`], so the same script against a fresh
//! server with the same seed gets the same answers, and a failing run can be replayed.
//!
//! Three streams per generator. *Ids* (account numbers, uuids) and *traces* (each request's
//! trace id, once its tenant is known: [`Trace`]) depend on the seed alone: knowing them gives
//! nobody access. *Secrets* (credentials, admin tokens, bearer
//! tokens, sessions) are keyed by the seed **and** a server secret the operator holds (the
//! operator's admin token), so a guessable seed does not let anyone act as a tenant; with a
//! random operator token they are unpredictable, with a fixed one they replay too.
//!
//! A counter per stream orders the draws: requests of one tenant that run concurrently draw in
//! whatever order they arrive, which is fine — the promise is for the same script.

use crate::common::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::sync::ShardedLock;
use ledger::TenantId;
use sha2::{Digest, Sha256};
use std::hash::BuildHasher;

/// One tenant's (or the server's) deterministic source of identifiers.
#[derive(Debug)]
pub struct IdGen {
    seed: u64,
    /// Keys the id stream: the seed and the scope together.
    id_key: u64,
    secret_key: [u8; 32],
    ids: AtomicU64,
    secrets: AtomicU64,
    /// Trace ids have their own counter, so a request's trace id does not shift the ids the
    /// next write generates.
    traces: AtomicU64,
}

impl IdGen {
    /// A generator for `seed` in `scope` (a tenant's id, or what else draws ids), so two
    /// tenants given one seed still get distinct ids; `server_secret` keys the secret stream.
    pub fn new(seed: u64, scope: &[u8], server_secret: &[u8]) -> IdGen {
        let mut hasher = Sha256::new();
        hasher.update(b"sandbank secrets");
        hasher.update(seed.to_be_bytes());
        hasher.update((scope.len() as u64).to_be_bytes());
        hasher.update(scope);
        hasher.update(server_secret);
        IdGen {
            seed,
            id_key: foldhash::fast::FixedState::with_seed(seed).hash_one(scope),
            secret_key: hasher.finalize().into(),
            ids: AtomicU64::new(0),
            secrets: AtomicU64::new(0),
            traces: AtomicU64::new(0),
        }
    }

    /// A generator nobody can predict: for tenants made outside the server (tests, benches).
    pub fn random() -> IdGen {
        IdGen::new(random_seed(), b"", &random_seed().to_be_bytes())
    }

    /// Moves every stream's counter to at least `at`: after a restart, so the ids, secrets and
    /// trace ids drawn from then on are new ones (the counters' positions are not saved;
    /// restarts are numbered and each starts its draws in a range of its own).
    pub fn skip_to(&self, at: u64) {
        for counter in [&self.ids, &self.secrets, &self.traces] {
            counter.fetch_max(at, Ordering::Relaxed);
        }
    }

    /// The seed it was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The next 128 bits of the id stream.
    pub fn next_u128(&self) -> u128 {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        draw(self.id_key, n)
    }

    /// The next trace id, from the trace stream (apart from the id stream).
    pub fn trace_uuid(&self) -> uuid::Uuid {
        let n = self.traces.fetch_add(1, Ordering::Relaxed);
        let bits = draw(self.id_key.rotate_left(32) ^ TRACE_STREAM, n);
        uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
    }

    /// The next id as a version-4-shaped uuid.
    pub fn uuid(&self) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.next_u128().to_be_bytes()).into_uuid()
    }

    /// The next id as a number below `10^digits` (`digits` ≤ 38).
    pub fn below_pow10(&self, digits: u32) -> u128 {
        self.next_u128() % 10u128.pow(digits.min(38))
    }

    /// The next id as exactly `digits` decimal digits (zero-padded).
    pub fn digits(&self, digits: u32) -> String {
        format!("{:0width$}", self.below_pow10(digits), width = digits as usize)
    }

    /// The next 128 bits of the secret stream.
    pub fn secret_u128(&self) -> u128 {
        let n = self.secrets.fetch_add(1, Ordering::Relaxed);
        let mut hasher = Sha256::new();
        hasher.update(self.secret_key);
        hasher.update(n.to_be_bytes());
        let digest = hasher.finalize();
        let mut bytes = [0; 16];
        if let Some(head) = digest.first_chunk::<16>() {
            bytes = *head;
        }
        u128::from_be_bytes(bytes)
    }

    /// The next secret as a version-4-shaped uuid (for vendors whose credentials are uuids).
    pub fn secret_uuid(&self) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.secret_u128().to_be_bytes()).into_uuid()
    }

    /// The next secret: `prefix` then 32 hex digits.
    pub fn secret(&self, prefix: &str) -> String {
        format!("{prefix}{:032x}", self.secret_u128())
    }
}

/// A seed nobody chose: for a tenant created without one (it is shown, so the run can be
/// replayed).
pub fn random_seed() -> u64 {
    // A uuid v4's random bits; `uuid` already draws from the OS's generator.
    uuid::Uuid::new_v4().as_u64_pair().0
}

/// Two independently seeded keyed hashes of (key, n): fast enough for a trace id on every
/// request, and ids are not secrets.
fn draw(key: u64, n: u64) -> u128 {
    let high = foldhash::fast::FixedState::with_seed(key).hash_one(n);
    let low = foldhash::fast::FixedState::with_seed(!key).hash_one(n);
    (u128::from(high) << 64) | u128::from(low)
}

/// Sets the trace stream's key apart from the id stream's.
const TRACE_STREAM: u64 = 0x7472_6163_6520_6964;

/// One request's trace id, fixed the first time it is asked for: from the request's tenant's
/// trace stream when the tenant is known by then, else from the server's (an answer given
/// before anyone authenticated). So the same script against a fresh server with the same seed
/// sees the same trace ids, whatever other tenants do meanwhile.
#[derive(Debug)]
pub struct Trace<'a> {
    // `OnceLock`, not `OnceCell`: a request that a fault delays holds its trace across awaits,
    // on a task that must be `Send`.
    chosen: std::sync::OnceLock<uuid::Uuid>,
    server: &'a IdGen,
    ids: &'a Ids,
}

impl<'a> Trace<'a> {
    /// A request's trace, drawn from `ids` (per tenant) or `server`.
    pub fn new(server: &'a IdGen, ids: &'a Ids) -> Trace<'a> {
        Trace { chosen: std::sync::OnceLock::new(), server, ids }
    }

    /// The trace id; the first call fixes it, from `tenant`'s stream when given.
    pub fn id(&self, tenant: Option<TenantId>) -> uuid::Uuid {
        *self.chosen.get_or_init(|| match tenant {
            Some(tenant) => self.ids.of(tenant).trace_uuid(),
            None => self.server.trace_uuid(),
        })
    }
}

/// Every tenant's generator, by tenant.
#[derive(Debug, Default)]
pub struct Ids {
    by_tenant: ShardedLock<HashMap<TenantId, Arc<IdGen>>>,
}

impl Ids {
    /// Registers `tenant`'s generator (replacing any earlier one) and returns it.
    pub fn insert(&self, tenant: TenantId, generator: IdGen) -> Arc<IdGen> {
        let generator = Arc::new(generator);
        let mut map = self.by_tenant.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(tenant, Arc::clone(&generator));
        generator
    }

    /// Forgets `tenant`'s generator: it is being deleted.
    pub fn remove(&self, tenant: TenantId) {
        let mut map = self.by_tenant.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&tenant);
    }

    /// `tenant`'s generator; a randomly seeded one for a tenant never registered (only tests
    /// that build vendors by hand have such tenants).
    pub fn of(&self, tenant: TenantId) -> Arc<IdGen> {
        let map = self.by_tenant.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(&tenant) {
            Some(generator) => Arc::clone(generator),
            None => Arc::new(IdGen::random()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IdGen;

    #[test]
    fn same_seed_same_ids_and_secrets_different_seed_different_ids() {
        let new = |seed| IdGen::new(seed, b"tenant", b"s");
        let (a, b, c) = (new(7), new(7), new(8));
        let draw = |g: &IdGen| (g.uuid(), g.digits(13), g.secret("k_"), g.secret_uuid());
        let (first, second, other) = (draw(&a), draw(&b), draw(&c));
        assert_eq!(first, second);
        assert_ne!(first.0, other.0);
        assert_ne!(first.2, other.2);
        assert_eq!(first.0.get_version_num(), 4);
        assert_eq!(first.1.len(), 13);
        assert_ne!(a.uuid(), first.0, "the counter moves on");
    }

    #[test]
    fn secrets_depend_on_the_server_secret_ids_do_not() {
        let (a, b) = (IdGen::new(7, b"t", b"one"), IdGen::new(7, b"t", b"two"));
        assert_eq!(a.uuid(), b.uuid());
        assert_ne!(a.secret(""), b.secret(""));
    }

    #[test]
    fn a_trace_is_fixed_once_from_its_tenants_stream_which_others_do_not_move() {
        use super::{Ids, Trace};
        use ledger::TenantId;
        let (a, b) = (TenantId(uuid::Uuid::from_u128(1)), TenantId(uuid::Uuid::from_u128(2)));
        let run = |others: usize| {
            let (server, ids) = (IdGen::new(7, b"server", b"s"), Ids::default());
            ids.insert(a, IdGen::new(7, b"a", b"s"));
            ids.insert(b, IdGen::new(7, b"b", b"s"));
            let mut seen = Vec::new();
            for _ in 0..3 {
                for _ in 0..others {
                    Trace::new(&server, &ids).id(Some(b));
                    Trace::new(&server, &ids).id(None);
                }
                let trace = Trace::new(&server, &ids);
                seen.push(trace.id(Some(a)));
                assert_eq!(trace.id(None), seen[seen.len() - 1], "fixed by the first call");
            }
            seen
        };
        assert_eq!(run(0), run(5), "another tenant's traffic does not move a tenant's traces");
        let ids = IdGen::new(7, b"a", b"s");
        let first = ids.trace_uuid();
        assert_ne!(ids.trace_uuid(), first);
        assert_eq!(IdGen::new(7, b"a", b"s").uuid(), ids.uuid(), "traces leave the ids alone");
    }

    #[test]
    fn one_seed_in_two_scopes_gives_two_streams() {
        let (a, b) = (IdGen::new(7, b"one", b"s"), IdGen::new(7, b"two", b"s"));
        assert_ne!(a.uuid(), b.uuid());
        assert_ne!(a.secret(""), b.secret(""));
    }
}
