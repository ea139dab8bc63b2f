//! Idempotency keys: a retried request with the same key returns the first outcome instead of
//! moving money twice.
//!
//! Keys are scoped by tenant and a caller-chosen namespace (one per vendor, say), kept for the
//! namespace's retention window of ledger time, and bounded in number: past the bound the oldest
//! key is forgotten first.

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
/// tenant, namespace name and key text, computed once (hashing the text at each step was 7% of
/// a request). `hash` picks the shard and the table slot; with `check` it makes a 128-bit
/// fingerprint that stands for the text: a record keeps no text to free when it is evicted,
/// cold, and two different keys share a fingerprint with odds of 2⁻¹²⁸.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyRef {
    pub(crate) tenant: TenantId,
    pub(crate) hash: u64,
    check: u64,
}

impl KeyRef {
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
/// metadata alive, then freeing it long after, cold, was a quarter of a keyed write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestPrint(u128);

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
/// every time, a slow 96-bit division loop that was 4% of a keyed write.
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

    /// The outcome first given, to give again.
    pub(crate) fn outcome(&self) -> Result<Receipt, Error> {
        self.outcome.as_ref().map(KeptReceipt::receipt).map_err(|error| *error)
    }

    fn is(&self, id: &KeyRef) -> bool {
        self.key == *id
    }
}

/// Where a record is (or was, if its serial was evicted): its key's full hash, compared before any record is read (the
/// table's own 7-bit tags match a wrong slot often enough that reading cold records to rule them
/// out was a tenth of a keyed write), and its serial number.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    serial: u64,
}

/// One shard's keys.
///
/// Records live in a ring in insertion order, which is also expiry and eviction order, found
/// through a table of their positions: no allocation per record, a lookup
/// reads no record it does not want, and eviction touches neither the table nor any record but
/// the evicted one. Boxed records in a map cost a quarter of a keyed write, most of it cache
/// misses freeing and reallocating them.
#[derive(Debug, Default)]
#[repr(align(128))] // each shard's lock word and header on lines of their own
pub(crate) struct KeyStore {
    /// Where records are, by key hash. Eviction leaves a record's slot behind (finding it
    /// again was a cold probe per keyed write): a slot whose serial is before `first_serial`
    /// is stale, skipped by every lookup and swept out in bulk once they are as many as the
    /// records.
    index: HashTable<Slot>,
    /// Records, oldest first; `records[i]` has serial `first_serial + i`. A record replaced under
    /// its key, or of a reset tenant, stays until its turn to be evicted, unreachable.
    records: VecDeque<KeyRecord>,
    /// Each record's expiry, in the same order: what expiry reads.
    expiries: VecDeque<Timestamp>,
    first_serial: u64,
    /// Records evicted since the last sweep (an upper bound on stale slots).
    n_evicted: usize,
}

/// Most records reserved at once per shard (the default bound per key shard): a larger
/// configured bound grows as it fills.
const RECORDS_RESERVED_MAX: usize = 16_384;

/// Fewest evictions between two sweeps of stale slots, so a small store is not swept often.
const SWEEP_EVICTIONS_MIN: usize = 1024;

/// The record with `serial` in a ring whose front has `first_serial`, or `None` when it was
/// evicted (its slot is stale).
fn record_in(records: &VecDeque<KeyRecord>, first_serial: u64, serial: u64) -> Option<&KeyRecord> {
    records.get(usize::try_from(serial.checked_sub(first_serial)?).ok()?)
}

impl KeyStore {
    fn record(&self, serial: u64) -> Option<&KeyRecord> {
        record_in(&self.records, self.first_serial, serial)
    }

    pub(crate) fn get(&self, id: &KeyRef, now: Timestamp) -> Option<&KeyRecord> {
        let is_it = |slot: &Slot| {
            slot.hash == id.hash && self.record(slot.serial).is_some_and(|r| r.is(id))
        };
        let slot = self.index.find(id.hash, is_it)?;
        self.record(slot.serial).filter(|record| now < record.expires_at)
    }

    /// Remembers `record`, first forgetting the oldest keys while at `n_max`. A key whose
    /// record expired but was not yet forgotten is being reused: the new record replaces it.
    pub(crate) fn insert(&mut self, record: KeyRecord, n_max: usize) {
        while self.records.len() >= n_max.max(1) {
            self.evict_oldest();
        }
        if self.records.capacity() == 0 {
            // Room for the bound at once: growing by doubling copied every record several times
            // under load, a millisecond's pause each under this shard's lock. Untouched capacity
            // costs address space, not memory. The table holds up to one stale slot per live one.
            let n = n_max.min(RECORDS_RESERVED_MAX);
            self.records.reserve_exact(n);
            self.expiries.reserve_exact(n);
            self.index.reserve(2 * n, |slot| slot.hash);
        }
        let slot =
            Slot { hash: record.key.hash, serial: self.first_serial + self.records.len() as u64 };
        let replaces = |old: &Slot| {
            old.hash == slot.hash
                && record_in(&self.records, self.first_serial, old.serial)
                    .is_some_and(|old| old.is(&record.key))
        };
        match self.index.find_mut(slot.hash, replaces) {
            Some(old) => *old = slot,
            None => {
                self.index.insert_unique(slot.hash, slot, |slot| slot.hash);
            }
        }
        self.expiries.push_back(record.expires_at);
        self.records.push_back(record);
    }

    /// Forgets keys whose window has passed.
    pub(crate) fn expire(&mut self, now: Timestamp) {
        while self.expiries.front().is_some_and(|expires_at| *expires_at <= now) {
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        if self.records.pop_front().is_none() {
            return;
        }
        self.expiries.pop_front();
        self.first_serial += 1;
        self.n_evicted += 1;
        if self.n_evicted >= self.records.len().max(SWEEP_EVICTIONS_MIN) {
            // One sequential pass over the table per as many evictions as it holds records.
            let first_serial = self.first_serial;
            self.index.retain(|slot| slot.serial >= first_serial);
            self.n_evicted = 0;
        }
    }

    /// Keys still inside their window at `now`.
    pub(crate) fn n_live(&self, now: Timestamp) -> usize {
        let live = |slot: &&Slot| self.record(slot.serial).is_some_and(|r| now < r.expires_at);
        self.index.iter().filter(live).count()
    }

    pub(crate) fn retain_tenants(&mut self, keep: impl Fn(TenantId) -> bool) {
        let (records, first_serial) = (&self.records, self.first_serial);
        self.index.retain(|slot| {
            record_in(records, first_serial, slot.serial).is_some_and(|r| keep(r.key.tenant))
        });
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
        store: &mut KeyStore,
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

    fn found(store: &KeyStore, tenant: TenantId, text: &str, now: i64) -> Option<Error> {
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
        let mut store = KeyStore::default();
        let n_max = 100;
        // Key names cycle through 300, so each comes back after being evicted: its stale slot
        // (left behind by eviction) must never answer for it, before or after a sweep.
        for n in 0..5_000usize {
            let errors = [Error::AmountNotPositive, Error::AmountTooLarge];
            put(&mut store, TENANT, &format!("k{}", n % 300), 100, errors[n % 2], n_max);
            let newest = n.saturating_sub(n_max - 1)..=n;
            for probe in [n, n.saturating_sub(n_max - 1), n.saturating_sub(n_max)] {
                let expected = newest.contains(&probe).then_some(errors[probe % 2]);
                let got = found(&store, TENANT, &format!("k{}", probe % 300), 50);
                assert_eq!(got, expected, "after {n}, key of {probe}");
            }
            assert!(store.index.len() <= store.records.len() + SWEEP_EVICTIONS_MIN, "swept");
        }
        assert_eq!(store.n_live(at(50)), n_max);
        store.retain_tenants(|tenant| tenant != TENANT);
        assert_eq!(store.n_live(at(50)), 0);
    }

    #[test]
    fn past_the_bound_the_oldest_keys_go_first() {
        let mut store = KeyStore::default();
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
        let mut store = KeyStore::default();
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
        store.expire(at(50));
        assert_eq!(store.n_live(at(0)), 0);
        assert_eq!(found(&store, TENANT, "a", 0), None);
    }

    #[test]
    fn tenants_keys_are_apart_and_a_reset_forgets_only_its_own() {
        let mut store = KeyStore::default();
        put(&mut store, TENANT, "a", 100, Error::AmountNotPositive, 10);
        put(&mut store, OTHER, "a", 100, Error::AmountTooLarge, 10);
        assert_eq!(found(&store, TENANT, "a", 0), Some(Error::AmountNotPositive));
        assert_eq!(found(&store, OTHER, "a", 0), Some(Error::AmountTooLarge));
        store.retain_tenants(|tenant| tenant != TENANT);
        assert_eq!(found(&store, TENANT, "a", 0), None);
        assert_eq!(found(&store, OTHER, "a", 0), Some(Error::AmountTooLarge));
        // The reset tenant's dead record is evicted in turn without disturbing the live one.
        put(&mut store, TENANT, "a", 100, Error::SameAccount, 2);
        put(&mut store, TENANT, "b", 100, Error::SameAccount, 2);
        assert_eq!(found(&store, TENANT, "a", 0), Some(Error::SameAccount));
        assert_eq!(found(&store, OTHER, "a", 0), None, "evicted as the oldest");
    }
}
