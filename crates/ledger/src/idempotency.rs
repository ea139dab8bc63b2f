//! Idempotency keys: a retried request with the same key returns the first outcome instead of
//! moving money twice.
//!
//! Keys are scoped by tenant and a caller-chosen namespace (one per vendor, say), kept for the
//! namespace's retention window of the tenant's own ledger time, and bounded in number per
//! tenant: past the bound the tenant's oldest key is forgotten first. Each tenant's keys live
//! apart, so one tenant's clock, load or reset never reaches another's.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::Duration;

use hashbrown::HashTable;
use rust_decimal::Decimal;

use crate::account::TenantId;
use crate::account::{AccountId, Balances};
use crate::clock::Timestamp;
use crate::error::Error;
use crate::money::Currency;
use crate::store::HashMap;
use crate::transfer::{AccountChange, Receipt, Transfer, TransferId};

/// A family of keys with one policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace {
    /// Its name; keys of different namespaces never collide.
    pub name: Cow<'static, str>,
    /// Whether a rejected attempt occupies its key, so that a retry gets the same rejection
    /// (vendors differ: some let a client retry a declined request with the same key).
    pub remember_rejections: bool,
    /// How long, in ledger time, a key is remembered.
    pub retention: Duration,
}

/// A key within a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// The key's namespace and policy.
    pub namespace: Arc<Namespace>,
    /// The caller's key.
    pub key: Box<str>,
}

impl IdempotencyKey {
    /// A key in `namespace`.
    pub fn new(namespace: Arc<Namespace>, key: impl Into<Box<str>>) -> IdempotencyKey {
        IdempotencyKey { namespace, key: key.into() }
    }
}

/// A key as looked up and as remembered: its tenant and two independent 64-bit hashes of
/// tenant, namespace name and key text, computed once (hashing the text at each step showed in
/// profiles). `hash` picks the shard and the table slot; with `check` it makes a 128-bit
/// fingerprint that stands for the text: a record keeps no text to free when it is evicted,
/// cold, and two different keys share a fingerprint with odds of 2⁻¹²⁸.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyRef {
    pub(crate) tenant: TenantId,
    pub(crate) hash: u64,
    check: u64,
}

impl KeyRef {
    /// A key as a checkpoint kept it: its tenant and its two hashes.
    pub(crate) fn from_parts(tenant: TenantId, hash: u64, check: u64) -> KeyRef {
        KeyRef { tenant, hash, check }
    }

    pub(crate) fn check(&self) -> u64 {
        self.check
    }

    pub(crate) fn of(tenant: TenantId, key: &IdempotencyKey) -> KeyRef {
        let fields = (tenant, &*key.namespace.name, &*key.key);
        let half = |seed: u64| foldhash::quality::FixedState::with_seed(seed).hash_one(fields);
        KeyRef { tenant, hash: half(0x1DE4_907E), check: half(0x1DE4_907F) }
    }
}

/// The request as a key remembers it, to tell a retry from a conflicting reuse: a 128-bit
/// fingerprint of every field (two independent 64-bit hashes; equal amounts such as `1.0` and
/// `1.00` hash alike, as they compare alike). Keeping the fields themselves made each record
/// 96 bytes larger, and records are written to cold memory on every keyed write; keeping the
/// metadata alive, then freeing it long after, cold, was a large part of a keyed write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestPrint(pub(crate) u128);

impl RequestPrint {
    pub(crate) fn of(req: &Transfer) -> RequestPrint {
        let fields = (
            req.tenant,
            req.debit,
            req.credit,
            canonical(req.amount, req.currency.exponent()).serialize(),
            req.currency,
            req.mode,
            req.metadata.as_deref(),
        );
        let half = |seed: u64| foldhash::quality::FixedState::with_seed(seed).hash_one(fields);
        RequestPrint(u128::from(half(0x5EED_0001)) << 64 | u128::from(half(0x5EED_0002)))
    }
}

/// `amount` in one form per value, to hash: at the currency's scale when it fits (an exact,
/// cheap multiply), else without trailing zeros. `Decimal`'s own hash strips trailing zeros
/// every time, a slow 96-bit division loop.
fn canonical(amount: Decimal, scale: u32) -> Decimal {
    let mut amount = amount;
    if amount.scale() > scale {
        amount = amount.normalize();
    }
    if amount.scale() < scale {
        amount.rescale(scale);
    }
    amount
}

/// A receipt as a key keeps it, in half the bytes of a [`Receipt`]: one side inline (most
/// transfers move one customer account against the external one), a second side boxed, and
/// balances without `available`, which is derived. Records are written to, and evicted from,
/// memory that is cold by then, so every cache line a record spans is paid on every keyed write.
#[derive(Debug)]
pub(crate) struct KeptReceipt {
    id: TransferId,
    at: Timestamp,
    amount: Decimal,
    currency: Currency,
    /// Whether `first` is the debit side (else the credit side).
    first_is_debit: bool,
    first: Option<KeptChange>,
    /// The credit side when both sides are customer accounts.
    second: Option<Box<KeptChange>>,
}

/// One side of a kept receipt: the account and its four kept balances before, then after.
pub(crate) type KeptSide<'a> = (AccountId, &'a [[Decimal; 4]; 2]);

#[derive(Debug)]
struct KeptChange {
    account: AccountId,
    /// `posted`, `pending_debits`, `pending_credits`, `deferred`, before then after.
    balances: [[Decimal; 4]; 2],
}

impl KeptChange {
    fn keep(change: &AccountChange) -> KeptChange {
        let four = |b: &Balances| [b.posted, b.pending_debits, b.pending_credits, b.deferred];
        KeptChange {
            account: change.account,
            balances: [four(&change.before), four(&change.after)],
        }
    }

    fn change(&self) -> AccountChange {
        // The same expression `Account::balances` computes `available` with: same value, scale.
        let balances = |[posted, pending_debits, pending_credits, deferred]: [Decimal; 4]| {
            let available = posted - pending_debits - deferred;
            Balances { posted, pending_debits, pending_credits, deferred, available }
        };
        AccountChange {
            account: self.account,
            before: balances(self.balances[0]),
            after: balances(self.balances[1]),
        }
    }
}

impl KeptReceipt {
    fn keep(receipt: &Receipt) -> KeptReceipt {
        let (first_is_debit, first, second) = match (&receipt.debit, &receipt.credit) {
            (Some(debit), credit) => {
                (true, Some(debit), credit.as_ref().map(|c| Box::new(KeptChange::keep(c))))
            }
            (None, credit) => (false, credit.as_ref(), None),
        };
        KeptReceipt {
            id: receipt.id,
            at: receipt.at,
            amount: receipt.amount,
            currency: receipt.currency,
            first_is_debit,
            first: first.map(KeptChange::keep),
            second,
        }
    }

    /// The receipt's parts as kept, for a checkpoint to write without rebuilding the receipt
    /// (which derives `available` for every balance): id, time, amount, currency, then the
    /// debit and credit sides, each an account with its `posted`, `pending_debits`,
    /// `pending_credits` and `deferred` before and after.
    pub(crate) fn parts(
        &self,
    ) -> (TransferId, Timestamp, Decimal, Currency, [Option<KeptSide<'_>>; 2]) {
        let first = self.first.as_ref().map(|c| (c.account, &c.balances));
        let sides = if self.first_is_debit {
            [first, self.second.as_deref().map(|c| (c.account, &c.balances))]
        } else {
            [None, first]
        };
        (self.id, self.at, self.amount, self.currency, sides)
    }

    fn receipt(&self) -> Receipt {
        let first = self.first.as_ref().map(KeptChange::change);
        let (debit, credit) = if self.first_is_debit {
            (first, self.second.as_deref().map(KeptChange::change))
        } else {
            (None, first)
        };
        Receipt {
            id: self.id,
            at: self.at,
            amount: self.amount,
            currency: self.currency,
            debit,
            credit,
        }
    }
}

/// What a key remembers: its identity, the request, and its outcome, to replay it. Nothing in
/// it but a rare second receipt side owns memory, so evicting it frees nothing cold.
#[derive(Debug)]
pub(crate) struct KeyRecord {
    key: KeyRef,
    pub(crate) expires_at: Timestamp,
    pub(crate) request: RequestPrint,
    outcome: Result<KeptReceipt, Error>,
}

impl KeyRecord {
    /// A record for `key`, found again by its hash.
    pub(crate) fn new(
        key: KeyRef,
        expires_at: Timestamp,
        request: RequestPrint,
        outcome: &Result<Receipt, Error>,
    ) -> KeyRecord {
        KeyRecord {
            key,
            expires_at,
            request,
            outcome: outcome.as_ref().map(KeptReceipt::keep).map_err(|error| *error),
        }
    }

    /// The outcome as kept (see [`KeptReceipt::parts`]).
    pub(crate) fn kept_outcome(&self) -> Result<&KeptReceipt, Error> {
        self.outcome.as_ref().map_err(|error| *error)
    }

    /// The outcome first given, to give again.
    pub(crate) fn outcome(&self) -> Result<Receipt, Error> {
        self.outcome.as_ref().map(KeptReceipt::receipt).map_err(|error| *error)
    }

    pub(crate) fn key(&self) -> KeyRef {
        self.key
    }

    fn is(&self, id: &KeyRef) -> bool {
        self.key == *id
    }
}

/// Where a record is (or was, if its serial was evicted): its key's full hash, compared before any record is read (the
/// table's own 7-bit tags match a wrong slot often enough that reading cold records to rule them
/// out showed in profiles), and its serial number.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    serial: u64,
}

/// Records per chunk of a [`Ring`].
const CHUNK: usize = 1024;

/// Records in insertion (= eviction) order, addressed by serial number, in fixed-size chunks: a
/// store grows a chunk at a time, never copying the records it has (a doubling copy paused
/// every writer of the shard), and holds memory in proportion to the keys it keeps, so a
/// tenant with few keys costs little.
#[derive(Debug, Default)]
struct Ring {
    chunks: VecDeque<Vec<KeyRecord>>,
    /// Serial of `chunks[0][0]`.
    base_serial: u64,
    /// Serial of the oldest live record; those before it in the first chunk were evicted and
    /// are dropped with their chunk.
    first_serial: u64,
    /// Serial the next record gets.
    next_serial: u64,
    /// Emptied chunks kept for reuse, so a full store cycling through its bound allocates nothing.
    spare: Option<Vec<KeyRecord>>,
}

impl Ring {
    fn len(&self) -> usize {
        (self.next_serial - self.first_serial) as usize
    }

    fn get(&self, serial: u64) -> Option<&KeyRecord> {
        if serial < self.first_serial {
            return None;
        }
        let idx = usize::try_from(serial - self.base_serial).ok()?;
        self.chunks.get(idx / CHUNK)?.get(idx % CHUNK)
    }

    /// Appends `record`, returning its serial.
    fn push(&mut self, record: KeyRecord) -> u64 {
        if self.chunks.back().is_none_or(|chunk| chunk.len() == CHUNK) {
            let chunk = self.spare.take().unwrap_or_else(|| Vec::with_capacity(CHUNK));
            self.chunks.push_back(chunk);
        }
        if let Some(chunk) = self.chunks.back_mut() {
            chunk.push(record);
        }
        self.next_serial += 1;
        self.next_serial - 1
    }

    /// Forgets the oldest record; its memory goes when its whole chunk has been evicted.
    fn pop_oldest(&mut self) {
        if self.first_serial == self.next_serial {
            return;
        }
        self.first_serial += 1;
        if self.first_serial - self.base_serial == CHUNK as u64 {
            if let Some(mut chunk) = self.chunks.pop_front() {
                chunk.clear();
                self.spare = Some(chunk);
            }
            self.base_serial = self.first_serial;
        }
    }
}

/// One tenant's keys in one shard.
///
/// Records live in a [`Ring`], found through a table of their serial numbers: no allocation per
/// record, a lookup reads no record it does not want, and eviction touches neither the table
/// nor any record but the evicted one. Boxed records in a map cost a large part of a keyed write,
/// most of it cache misses freeing and reallocating them.
///
/// A key expires only as seen by a lookup with its own tenant's `now`; nothing else a tenant
/// does (its clock, its load) reaches another tenant's keys, which live in stores of their own.
#[derive(Debug, Default)]
struct KeyStore {
    /// Where records are, by key hash. Eviction leaves a record's slot behind (finding it
    /// again was a cold probe per keyed write): a slot whose serial is evicted is stale,
    /// skipped by every lookup and swept out in bulk once they are as many as the records.
    index: HashTable<Slot>,
    /// A record replaced under its key stays until its turn to be evicted, unreachable.
    ring: Ring,
    /// Records evicted since the last sweep (an upper bound on stale slots).
    n_evicted: usize,
}

/// Fewest evictions between two sweeps of stale slots, so a small store is not swept often.
const SWEEP_EVICTIONS_MIN: usize = 1024;

impl KeyStore {
    fn get(&self, id: &KeyRef, now: Timestamp) -> Option<&KeyRecord> {
        let is_it = |slot: &Slot| {
            slot.hash == id.hash && self.ring.get(slot.serial).is_some_and(|r| r.is(id))
        };
        let slot = self.index.find(id.hash, is_it)?;
        self.ring.get(slot.serial).filter(|record| now < record.expires_at)
    }

    fn insert(&mut self, record: KeyRecord, n_max: usize) {
        while self.ring.len() >= n_max.max(1) {
            self.evict_oldest();
        }
        let (hash, key) = (record.key.hash, record.key);
        let ring = &self.ring;
        let replaces =
            |old: &Slot| old.hash == hash && ring.get(old.serial).is_some_and(|old| old.is(&key));
        let serial = self.ring.next_serial;
        let slot = Slot { hash, serial };
        match self.index.find_mut(hash, replaces) {
            Some(old) => *old = slot,
            None => {
                self.index.insert_unique(hash, slot, |slot| slot.hash);
            }
        }
        self.ring.push(record);
    }

    fn evict_oldest(&mut self) {
        self.ring.pop_oldest();
        self.n_evicted += 1;
        if self.n_evicted >= self.ring.len().max(SWEEP_EVICTIONS_MIN) {
            // One sequential pass over the table per as many evictions as it holds records.
            let first_serial = self.ring.first_serial;
            self.index.retain(|slot| slot.serial >= first_serial);
            self.n_evicted = 0;
        }
    }

    fn n_live(&self, now: Timestamp) -> usize {
        let live = |slot: &&Slot| self.ring.get(slot.serial).is_some_and(|r| now < r.expires_at);
        self.index.iter().filter(live).count()
    }
}

/// One shard's keys: a store per tenant, so that a tenant's keys are bounded, evicted and
/// erased on their own.
#[derive(Debug, Default)]
#[repr(align(128))] // each shard's lock word and header on lines of their own
pub(crate) struct KeyShard {
    tenants: HashMap<TenantId, KeyStore>,
}

impl KeyShard {
    /// The record of `id` if it is inside its window at `now` (its tenant's time).
    pub(crate) fn get(&self, id: &KeyRef, now: Timestamp) -> Option<&KeyRecord> {
        self.tenants.get(&id.tenant)?.get(id, now)
    }

    /// Remembers `record`, first forgetting its tenant's oldest keys in this shard while it has
    /// `n_max`. A key whose record expired but was not yet forgotten is being reused: the new
    /// record replaces it.
    pub(crate) fn insert(&mut self, record: KeyRecord, n_max: usize) {
        self.tenants.entry(record.key.tenant).or_default().insert(record, n_max);
    }

    /// Each tenant's records in insertion (= eviction) order, with the serial of the oldest:
    /// what a checkpoint keeps of this shard.
    pub(crate) fn tenants(
        &self,
    ) -> impl ExactSizeIterator<Item = (TenantId, u64, usize, impl Iterator<Item = &KeyRecord>)>
    {
        self.tenants.iter().map(|(tenant, store)| {
            let ring = &store.ring;
            let evicted = usize::try_from(ring.first_serial - ring.base_serial).unwrap_or(0);
            (*tenant, ring.first_serial, ring.len(), ring.chunks.iter().flatten().skip(evicted))
        })
    }

    /// Gives `tenant` the records a checkpoint kept, oldest first, the oldest numbered
    /// `first_serial`; each key's slot points at its newest record, as inserting them one by one
    /// left it. Refuses a tenant already restored or serials past `u64::MAX`.
    pub(crate) fn restore(
        &mut self,
        tenant: TenantId,
        first_serial: u64,
        records: Vec<KeyRecord>,
    ) -> Result<(), &'static str> {
        let Some(_) = first_serial.checked_add(records.len() as u64) else {
            return Err("idempotency serials overflow");
        };
        if self.tenants.contains_key(&tenant) {
            return Err("a tenant's keys appear twice in one shard");
        }
        let ring = Ring {
            base_serial: first_serial,
            first_serial,
            next_serial: first_serial,
            ..Ring::default()
        };
        let mut store = KeyStore { ring, ..KeyStore::default() };
        for record in records {
            // No bound while restoring: the records are exactly those the bound left.
            store.insert(record, usize::MAX);
        }
        self.tenants.insert(tenant, store);
        Ok(())
    }

    /// Keys still inside their window at `now`.
    pub(crate) fn n_live(&self, now: Timestamp) -> usize {
        self.tenants.values().map(|store| store.n_live(now)).sum()
    }

    /// Forgets every key of `tenant`, freeing its memory.
    pub(crate) fn forget_tenant(&mut self, tenant: TenantId) {
        self.tenants.remove(&tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountId;
    use crate::money::Currency;
    use crate::transfer::{Metadata, Mode};

    const TENANT: TenantId = TenantId(uuid::Uuid::from_u128(1));
    const OTHER: TenantId = TenantId(uuid::Uuid::from_u128(2));

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_unix_micros(micros)
    }

    fn key(text: &str) -> IdempotencyKey {
        let namespace = Namespace {
            name: Cow::Borrowed("test"),
            remember_rejections: true,
            retention: Duration::from_secs(60),
        };
        IdempotencyKey::new(Arc::new(namespace), text)
    }

    /// Inserts `text` for `tenant`, remembering `error` as the outcome so records are told apart.
    fn put(
        store: &mut KeyShard,
        tenant: TenantId,
        text: &str,
        expires: i64,
        error: Error,
        n_max: usize,
    ) {
        let key = KeyRef::of(tenant, &key(text));
        let usd = Currency::from_code("USD").unwrap_or_else(|| unreachable!());
        let transfer = Transfer::credit(tenant, AccountId(uuid::Uuid::nil()), Decimal::ONE, usd);
        let record = KeyRecord::new(key, at(expires), RequestPrint::of(&transfer), &Err(error));
        store.insert(record, n_max);
    }

    fn found(store: &KeyShard, tenant: TenantId, text: &str, now: i64) -> Option<Error> {
        let key = key(text);
        store.get(&KeyRef::of(tenant, &key), at(now)).map(|record| match record.outcome() {
            Err(error) => error,
            Ok(_) => unreachable!("tests store only errors"),
        })
    }

    #[test]
    fn a_request_print_tells_every_field_apart_but_not_equal_amounts() {
        let usd = Currency::from_code("USD").unwrap_or_else(|| unreachable!());
        let eur = Currency::from_code("EUR").unwrap_or_else(|| unreachable!());
        let (a, b) = (AccountId(uuid::Uuid::from_u128(7)), AccountId(uuid::Uuid::from_u128(8)));
        let base = Transfer::credit(TENANT, a, Decimal::new(100, 2), usd);
        let print = |t: &Transfer| RequestPrint::of(t);
        for same in [Decimal::new(1, 0), Decimal::new(10, 1), Decimal::new(1000, 3)] {
            assert_eq!(print(&base), print(&Transfer::credit(TENANT, a, same, usd)), "{same}");
        }
        let variants = [
            Transfer::credit(OTHER, a, Decimal::new(100, 2), usd),
            Transfer::credit(TENANT, b, Decimal::new(100, 2), usd),
            Transfer::debit(TENANT, a, Decimal::new(100, 2), usd),
            Transfer::credit(TENANT, a, Decimal::new(101, 2), usd),
            Transfer::credit(TENANT, a, Decimal::new(1001, 3), usd),
            Transfer::credit(TENANT, a, Decimal::new(100, 2), eur),
            base.clone().with_mode(Mode::Pending { expires_at: None }),
            base.clone().with_metadata(Metadata::from([("ref".to_string(), "x".to_string())])),
        ];
        for variant in &variants {
            assert_ne!(print(&base), print(variant), "{variant:?}");
        }
    }

    #[test]
    fn a_kept_receipt_gives_back_the_receipt_exactly_and_is_half_the_size() {
        let usd = Currency::from_code("USD").unwrap_or_else(|| unreachable!());
        let balances = |posted: i64, pending_debits: i64, deferred: i64| Balances {
            posted: Decimal::new(posted, 2),
            pending_debits: Decimal::new(pending_debits, 2),
            pending_credits: Decimal::new(7, 1),
            deferred: Decimal::new(deferred, 3),
            available: Decimal::new(posted, 2)
                - Decimal::new(pending_debits, 2)
                - Decimal::new(deferred, 3),
        };
        let change = |n: u128| AccountChange {
            account: AccountId(uuid::Uuid::from_u128(n)),
            before: balances(10_000, 250, 1_500),
            after: balances(9_000, 0, 0),
        };
        for (debit, credit) in [
            (Some(change(1)), None),
            (None, Some(change(2))),
            (Some(change(1)), Some(change(2))),
            (None, None),
        ] {
            let receipt = Receipt {
                id: crate::transfer::TransferId(42),
                at: at(7),
                amount: Decimal::new(1_000, 2),
                currency: usd,
                debit,
                credit,
            };
            let back = KeptReceipt::keep(&receipt).receipt();
            assert_eq!(back, receipt);
            let text = |r: &Receipt| format!("{r:?}");
            assert_eq!(text(&back), text(&receipt), "same scales too");
        }
        assert!(std::mem::size_of::<KeptReceipt>() * 2 <= std::mem::size_of::<Receipt>() + 16);
    }

    #[test]
    fn stale_slots_are_skipped_then_swept_across_many_evictions() {
        let mut shard = KeyShard::default();
        let n_max = 2_500; // more than two chunks, so chunks are dropped and reused
        // Key names cycle through 7,000, so each comes back after being evicted: its stale slot
        // (left behind by eviction) must never answer for it, before or after a sweep.
        for n in 0..20_000usize {
            let errors = [Error::AmountNotPositive, Error::AmountTooLarge];
            put(&mut shard, TENANT, &format!("k{}", n % 7_000), 100, errors[n % 2], n_max);
            let newest = n.saturating_sub(n_max - 1)..=n;
            for probe in
                [n, n.saturating_sub(n_max - 1), n.saturating_sub(n_max), n.saturating_sub(4_000)]
            {
                let expected = newest.contains(&probe).then_some(errors[probe % 2]);
                let got = found(&shard, TENANT, &format!("k{}", probe % 7_000), 50);
                assert_eq!(got, expected, "after {n}, key of {probe}");
            }
            let store = &shard.tenants[&TENANT];
            let stale_max = store.ring.len().max(SWEEP_EVICTIONS_MIN);
            assert!(store.index.len() <= store.ring.len() + stale_max, "swept");
            assert!(store.ring.chunks.len() <= n_max.div_ceil(CHUNK) + 1, "chunks freed");
        }
        assert_eq!(shard.n_live(at(50)), n_max);
        shard.forget_tenant(TENANT);
        assert_eq!(shard.n_live(at(50)), 0);
        assert!(shard.tenants.is_empty(), "a forgotten tenant's memory is freed");
    }

    #[test]
    fn past_the_bound_the_oldest_keys_go_first() {
        let mut store = KeyShard::default();
        for n in 0..5 {
            put(&mut store, TENANT, &format!("k{n}"), 100, Error::AmountNotPositive, 3);
        }
        let kept: Vec<bool> =
            (0..5).map(|n| found(&store, TENANT, &format!("k{n}"), 0).is_some()).collect();
        assert_eq!(kept, [false, false, true, true, true]);
        assert_eq!(store.n_live(at(0)), 3);
    }

    #[test]
    fn a_key_reused_after_expiry_replaces_its_record_and_survives_the_old_ones_eviction() {
        let mut store = KeyShard::default();
        put(&mut store, TENANT, "a", 10, Error::AmountNotPositive, 3);
        assert_eq!(found(&store, TENANT, "a", 11), None, "expired");
        // Reused before anything popped the expired record.
        put(&mut store, TENANT, "a", 50, Error::AmountTooLarge, 3);
        assert_eq!(found(&store, TENANT, "a", 11), Some(Error::AmountTooLarge));
        // Two more inserts push the stale record out, then the new one must still be found.
        put(&mut store, TENANT, "b", 50, Error::AmountNotPositive, 3);
        put(&mut store, TENANT, "c", 50, Error::AmountNotPositive, 3);
        assert_eq!(found(&store, TENANT, "a", 11), Some(Error::AmountTooLarge));
        assert_eq!(store.n_live(at(11)), 3);
        assert_eq!(store.n_live(at(50)), 0);
        assert_eq!(found(&store, TENANT, "a", 50), None);
    }

    #[test]
    fn a_key_lives_its_window_on_its_own_tenants_clock_whatever_others_do() {
        let mut store = KeyShard::default();
        put(&mut store, TENANT, "retry-me", 100, Error::AmountNotPositive, 10);
        // Another tenant, its clock far ahead, writes past its own bound.
        for n in 0..50 {
            put(&mut store, OTHER, &format!("o{n}"), 1_000_000 + n, Error::SameAccount, 10);
            assert!(found(&store, OTHER, "nothing", 999_999).is_none());
        }
        assert_eq!(found(&store, TENANT, "retry-me", 99), Some(Error::AmountNotPositive));
        assert_eq!(found(&store, TENANT, "retry-me", 100), None, "its own window ends");
        assert_eq!(store.n_live(at(0)), 11, "each tenant bounded on its own");
    }

    #[test]
    fn tenants_keys_are_apart_and_forgetting_one_leaves_the_other() {
        let mut store = KeyShard::default();
        put(&mut store, TENANT, "a", 100, Error::AmountNotPositive, 10);
        put(&mut store, OTHER, "a", 100, Error::AmountTooLarge, 10);
        assert_eq!(found(&store, TENANT, "a", 0), Some(Error::AmountNotPositive));
        assert_eq!(found(&store, OTHER, "a", 0), Some(Error::AmountTooLarge));
        store.forget_tenant(TENANT);
        assert_eq!(found(&store, TENANT, "a", 0), None);
        assert_eq!(found(&store, OTHER, "a", 0), Some(Error::AmountTooLarge));
        put(&mut store, TENANT, "a", 100, Error::SameAccount, 2);
        put(&mut store, TENANT, "b", 100, Error::SameAccount, 2);
        put(&mut store, TENANT, "c", 100, Error::SameAccount, 2);
        assert_eq!(found(&store, TENANT, "a", 0), None, "evicted as its tenant's oldest");
        assert_eq!(found(&store, OTHER, "a", 0), Some(Error::AmountTooLarge));
    }
}
