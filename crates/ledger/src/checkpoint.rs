//! Checkpoints: a ledger's whole state at one sequence number, as bytes, and back.
//!
//! Why: a durable store keeps every [`Event`](crate::Event), and folding them all back with
//! [`Ledger::replay`] costs a few microseconds each, so a start would grow with history. A
//! checkpoint taken now and then bounds it: a start loads the newest one
//! ([`Ledger::from_checkpoint`]) and folds only the events after it
//! ([`Ledger::replay_onto`]).
//!
//! What is in it: everything any future answer depends on. Every account (identity, status,
//! limits and when they were set, labels, posted balance, holds, deferred credits, the day's
//! usage, and its kept history with the absolute index and carried-forward balance of what was
//! dropped), each shard's stripe of every external account, every idempotency record of every
//! tenant in eviction order (key hashes, expiry, request fingerprint, outcome), the registry of
//! holds, the sequence number, and the [`Config`] it was taken with. A checkpoint loads only
//! into a ledger of that same config: the shard counts decide where accounts and keys live and
//! each key shard evicts on its own, so another config could not continue the same way; a start
//! with a new config folds the events instead. Left out, as no answer depends on them: the
//! journal (given again on loading), the idempotency index's stale slots and when it next sweeps
//! them (it is rebuilt from the records), spare buffers and capacities.
//!
//! It is consistent: [`Ledger::checkpoint`] takes every lock a change takes (all account shards,
//! all key shards, the hold registry, in the ledger's lock order) before reading the sequence
//! number, so the bytes hold exactly the changes numbered up to it. It encodes straight from the
//! locked structures and lets each go as soon as it is written: a change that needs an
//! already-written part proceeds (with a later number, so it is not in the checkpoint), one that
//! needs a part not yet written waits for it.
//!
//! Layout, with the primitives of the event codec (`codec.rs`: varints, 8-byte timestamps,
//! 16-byte ids, decimals, 3-letter currencies, strings, flags, options):
//!
//! | item | fields |
//! |---|---|
//! | checkpoint | version (1), config (`n_shards`, `n_key_shards`, `history_entries_max`, `idempotency_keys_max`, varints), `seq`, each key shard, hold registry, each account shard |
//! | account shard | count, accounts; count, external stripes (tenant, currency, balance) |
//! | account | id, tenant, currency, status, limits, labels, opened at, opened seq, limits set at, limits set at entry, posted, holds, deferred credits, daily usage, history |
//! | hold on an account | id, amount, expires at (option), direction |
//! | deferred credit | available at, amount |
//! | daily usage | day (`i64` little-endian), debit amount, debit count, credit amount, credit count |
//! | history | entries dropped, carried-forward balance, count, entries oldest first |
//! | entry | transfer id, pending id (option), at, kind, direction, amount, available at (option), posted after, available after, metadata (option) |
//! | key shard | count of tenants; each: tenant, serial of its oldest record, count, records oldest first |
//! | key record | key hash and check (8 bytes each, little-endian), expires at, request fingerprint (16 bytes), outcome: flag (1 = receipt), then a receipt or an error |
//! | receipt | id, at, amount, currency, debit side (option), credit side (option); a side is its account and four balances before and after (posted, pending debits, pending credits, deferred) |
//! | hold registry | count, hold records |
//! | hold record | id, tenant, debit party, credit party, amount, currency, expires at (option), state, metadata (option) |
//!
//! Counts are varints; enums are one tag byte (numbers in the code). Maps are written in their
//! own order, so two checkpoints of one state need not be the same bytes.
//!
//! Versioning: the first byte is [`CHECKPOINT_VERSION`], its own number (the event codec's
//! version moves on its own). The bytes are on users' disks: when the layout changes, the
//! version changes, and a checkpoint of another version is refused
//! ([`CheckpointError::Version`]) so that the caller falls back to folding events.
//!
//! The format carries no checksum: detecting a torn or rotten checkpoint is the store's job.
//! Reading is defensive, as in the codec: it never panics and allocates only for what the bytes
//! hold (a count beyond the bytes left is [`CheckpointError::Truncated`]). Beyond the format it
//! checks what later work relies on: each account and key in the shard its id picks, no id
//! twice, limits valid for the currency, and amounts within the ledger's range, so that later
//! arithmetic cannot overflow. It does not re-derive the invariants ([`Ledger::verify`] does).

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard, PoisonError};

use rust_decimal::Decimal;

use crate::BALANCE_ABS_MAX;
use crate::account::{Account, Balances, DailyUsage, Deferred, Hold, TenantId};
use crate::codec::{DecodeError, Reader, Writer};
use crate::engine::{Config, Ledger};
use crate::event::Journal;
use crate::history::{CHUNK_ENTRIES, History};
use crate::idempotency::{KeptReceipt, KeyRecord, KeyRef, KeyShard, RequestPrint};
use crate::store::{self, HashMap, PendingState, PendingTransfer, Shard};
use crate::transfer::{AccountChange, Direction, Entry, EntryKind, Receipt, TransferId};

/// The first byte of every checkpoint: the layout's version.
pub const CHECKPOINT_VERSION: u8 = 1;

/// Why bytes did not load as a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Written in another version of the layout.
    #[error("checkpoint in version {found}; this build reads version {supported}")]
    Version {
        /// The version byte found.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// Taken from a ledger built with another config.
    #[error("checkpoint taken with {found:?}; this ledger is built with {expected:?}")]
    Config {
        /// The checkpoint's config.
        found: Config,
        /// The config asked for.
        expected: Config,
    },
    /// The bytes end before the checkpoint does.
    #[error("checkpoint is truncated")]
    Truncated,
    /// Bytes no ledger checkpoints to; says which part.
    #[error("invalid checkpoint: {0}")]
    Invalid(&'static str),
    /// Bytes follow a complete checkpoint.
    #[error("bytes left over after the checkpoint")]
    Trailing,
}

impl From<DecodeError> for CheckpointError {
    fn from(error: DecodeError) -> CheckpointError {
        match error {
            DecodeError::Version { found, supported } => {
                CheckpointError::Version { found, supported }
            }
            DecodeError::Truncated => CheckpointError::Truncated,
            DecodeError::Invalid(what) => CheckpointError::Invalid(what),
            DecodeError::Trailing => CheckpointError::Trailing,
        }
    }
}

type Result<T, E = CheckpointError> = std::result::Result<T, E>;
use CheckpointError::Invalid;

// Tags are part of the format: a tag, once written to a disk, keeps its meaning.
const DIRECTION_DEBIT: u8 = 1;
const DIRECTION_CREDIT: u8 = 2;

const KIND_POSTED: u8 = 1;
const KIND_PENDING: u8 = 2;
const KIND_PENDING_POSTED: u8 = 3;
const KIND_PENDING_VOIDED: u8 = 4;

const STATE_PENDING: u8 = 1;
const STATE_POSTED: u8 = 2;
const STATE_VOIDED: u8 = 3;

/// The fewest bytes an account, an entry and a key record take (each with every option absent,
/// every count and number one byte): counts beyond what the bytes left could hold are refused
/// before anything is allocated for them.
const ACCOUNT_BYTES_MIN: usize = 85;
const ENTRY_BYTES_MIN: usize = 20;
const RECORD_BYTES_MIN: usize = 42;

/// The largest sum a stripe of an external account or a day's usage may hold: far beyond any
/// reachable one, far inside `Decimal`, so adding a transfer to it cannot overflow.
const SUM_ABS_MAX: Decimal = Decimal::from_parts(0xE800_0000, 0x9FD0_803C, 0x033B_2E3C, false, 0);

impl Ledger {
    /// Appends the whole state as of now to `out` and returns the sequence number it reflects:
    /// every change numbered up to it is in, none after. See the module doc for what it holds.
    ///
    /// `out` grows while parts of the ledger are locked: a caller that reserves about the last
    /// checkpoint's size first keeps the copying of a growing buffer out of the locks.
    pub fn checkpoint(&self, out: &mut Vec<u8>) -> u64 {
        // The ledger's lock order: account shards ascending, key shards, hold registry.
        let shards: Vec<_> = self.shards.iter().map(store::lock).collect();
        let key_shards: Vec<_> = self.key_shards.iter().map(store::lock).collect();
        let registry = store::lock(&self.pending);
        let seq = self.seq.load(Ordering::Relaxed);
        let mut writer = Writer(out);
        writer.byte(CHECKPOINT_VERSION);
        write_config(&mut writer, &self.config);
        writer.varint(seq);
        // Each part is unlocked as soon as it is written (a guard drops with its iteration).
        // Keys and holds first: every keyed write needs a key shard, and the account shards,
        // most of the work, then free up one by one.
        for keys in key_shards {
            write_key_shard(&mut writer, &keys);
        }
        write_registry(&mut writer, &registry);
        drop(registry);
        for shard in shards {
            write_shard(&mut writer, &shard);
        }
        seq
    }

    /// A ledger in exactly the state `bytes` (from [`Ledger::checkpoint`]) captured; `journal`,
    /// if given, receives the changes made after. `config` must be the one the checkpoint was
    /// taken with.
    pub fn from_checkpoint(
        config: Config,
        bytes: &[u8],
        journal: Option<Arc<dyn Journal>>,
    ) -> Result<Ledger> {
        let mut ledger = Ledger::new(config);
        let mut reader = Reader { rest: bytes };
        let found = reader.byte()?;
        if found != CHECKPOINT_VERSION {
            return Err(CheckpointError::Version { found, supported: CHECKPOINT_VERSION });
        }
        let found = read_config(&mut reader)?;
        if found != ledger.config {
            return Err(CheckpointError::Config { found, expected: ledger.config });
        }
        let seq = reader.varint()?;
        let n_key_shards = ledger.key_shards.len();
        for (idx, keys) in ledger.key_shards.iter_mut().enumerate() {
            read_key_shard(&mut reader, unpoisoned(keys.get_mut()), idx, n_key_shards)?;
        }
        read_registry(&mut reader, unpoisoned(ledger.pending.get_mut()))?;
        let n_shards = ledger.shards.len();
        for (idx, shard) in ledger.shards.iter_mut().enumerate() {
            read_shard(&mut reader, unpoisoned(shard.get_mut()), idx, n_shards)?;
        }
        if !reader.rest.is_empty() {
            return Err(CheckpointError::Trailing);
        }
        ledger.seq.store(seq, Ordering::Relaxed);
        ledger.journal = journal;
        Ok(ledger)
    }
}

/// A freshly built ledger's parts; nothing has locked them, so none is poisoned.
fn unpoisoned<T>(part: std::sync::LockResult<&mut T>) -> &mut T {
    part.unwrap_or_else(PoisonError::into_inner)
}

fn write_config(w: &mut Writer<'_>, config: &Config) {
    let Config { n_shards, n_key_shards, history_entries_max, idempotency_keys_max } = *config;
    for n in [n_shards, n_key_shards, history_entries_max, idempotency_keys_max] {
        w.len(n);
    }
}

fn read_config(r: &mut Reader<'_>) -> Result<Config> {
    let mut size = || -> Result<usize> {
        usize::try_from(r.varint()?).map_err(|_| Invalid("a config size over the word size"))
    };
    Ok(Config {
        n_shards: size()?,
        n_key_shards: size()?,
        history_entries_max: size()?,
        idempotency_keys_max: size()?,
    })
}

fn write_shard(w: &mut Writer<'_>, shard: &MutexGuard<'_, Shard>) {
    w.len(shard.accounts.len());
    for account in shard.accounts.values() {
        write_account(w, account);
    }
    w.len(shard.externals.len());
    for ((tenant, currency), stripe) in &shard.externals {
        w.uuid(tenant.0);
        w.currency(*currency);
        w.decimal(*stripe);
    }
}

fn read_shard(r: &mut Reader<'_>, shard: &mut Shard, idx: usize, n_shards: usize) -> Result<()> {
    let n_accounts = r.len(ACCOUNT_BYTES_MIN)?;
    shard.accounts.reserve(n_accounts);
    for _ in 0..n_accounts {
        let account = read_account(r)?;
        if store::account_shard(account.id, n_shards) != idx {
            return Err(Invalid("an account in another shard than its id picks"));
        }
        if shard.accounts.insert(account.id, account).is_some() {
            return Err(Invalid("an account appears twice"));
        }
    }
    // A stripe is a tenant, a currency and a decimal: at least 21 bytes.
    let n_stripes = r.len(21)?;
    for _ in 0..n_stripes {
        let key = (r.tenant()?, r.currency()?);
        let stripe = bounded(r, SUM_ABS_MAX)?;
        if shard.externals.insert(key, stripe).is_some() {
            return Err(Invalid("an external stripe appears twice"));
        }
    }
    Ok(())
}

/// A decimal whose magnitude is at most `max` (an integer).
fn bounded(r: &mut Reader<'_>, max: Decimal) -> Result<Decimal> {
    let value = r.decimal()?;
    // A mantissa within `max` is within it at any scale: one integer compare for nearly every
    // amount, where comparing decimals rescales (it showed in profiles of a load).
    if value.mantissa().unsigned_abs() > max.mantissa().unsigned_abs() && value.abs() > max {
        return Err(Invalid("an amount out of the ledger's range"));
    }
    Ok(value)
}

/// An account-level amount: a balance, a hold, an entry's amount or running balance.
fn money(r: &mut Reader<'_>) -> Result<Decimal> {
    bounded(r, BALANCE_ABS_MAX)
}

fn write_account(w: &mut Writer<'_>, account: &Account) {
    // Destructured whole, so a field added to the type cannot be forgotten here.
    let Account {
        id,
        tenant,
        currency,
        status,
        limits,
        labels,
        opened_at,
        opened_seq,
        limits_set_at,
        limits_set_entry_idx,
        posted,
        holds,
        deferred,
        daily,
        entries,
    } = account;
    w.uuid(id.0);
    w.uuid(tenant.0);
    w.currency(*currency);
    w.status(*status);
    w.limits(limits);
    w.len(labels.len());
    for (key, value) in labels.iter() {
        w.str(key);
        w.str(value);
    }
    w.timestamp(*opened_at);
    w.varint(*opened_seq);
    w.timestamp(*limits_set_at);
    w.len(*limits_set_entry_idx);
    w.decimal(*posted);
    w.len(holds.len());
    for Hold { id, amount, expires_at, direction } in holds {
        w.varint(id.0);
        w.decimal(*amount);
        w.option(*expires_at, Writer::timestamp);
        write_direction(w, *direction);
    }
    w.len(deferred.len());
    for Deferred { available_at, amount } in deferred {
        w.timestamp(*available_at);
        w.decimal(*amount);
    }
    write_daily(w, daily);
    write_history(w, entries);
}

fn read_account(r: &mut Reader<'_>) -> Result<Account> {
    let id = r.account()?;
    let tenant = r.tenant()?;
    let currency = r.currency()?;
    let status = r.status()?;
    let limits = r.limits()?;
    limits.validate(currency).map_err(|_| Invalid("account limits not valid for its currency"))?;
    let labels = Arc::new(r.labels()?);
    let opened_at = r.timestamp()?;
    let opened_seq = r.varint()?;
    let limits_set_at = r.timestamp()?;
    let limits_set_entry_idx = index(r)?;
    let posted = money(r)?;
    // A hold is at least 4 bytes, a deferred credit 10.
    let holds = (0..r.len(4)?)
        .map(|_| {
            Ok(Hold {
                id: r.transfer_id()?,
                amount: money(r)?,
                expires_at: r.option(Reader::timestamp)?,
                direction: read_direction(r)?,
            })
        })
        .collect::<Result<_>>()?;
    let deferred = (0..r.len(10)?)
        .map(|_| Ok(Deferred { available_at: r.timestamp()?, amount: money(r)? }))
        .collect::<Result<_>>()?;
    let daily = read_daily(r)?;
    let entries = read_history(r)?;
    Ok(Account {
        id,
        tenant,
        currency,
        status,
        limits,
        labels,
        opened_at,
        opened_seq,
        limits_set_at,
        limits_set_entry_idx,
        posted,
        holds,
        deferred,
        daily,
        entries,
    })
}

/// A position or count that must fit a `usize`.
fn index(r: &mut Reader<'_>) -> Result<usize> {
    usize::try_from(r.varint()?).map_err(|_| Invalid("an index over the word size"))
}

fn write_direction(w: &mut Writer<'_>, direction: Direction) {
    w.byte(match direction {
        Direction::Debit => DIRECTION_DEBIT,
        Direction::Credit => DIRECTION_CREDIT,
    });
}

fn read_direction(r: &mut Reader<'_>) -> Result<Direction> {
    match r.byte()? {
        DIRECTION_DEBIT => Ok(Direction::Debit),
        DIRECTION_CREDIT => Ok(Direction::Credit),
        _ => Err(Invalid("unknown direction")),
    }
}

fn write_daily(w: &mut Writer<'_>, daily: &DailyUsage) {
    let DailyUsage { day, debit_amount, debit_count, credit_amount, credit_count } = *daily;
    w.0.extend_from_slice(&day.to_le_bytes());
    w.decimal(debit_amount);
    w.varint(debit_count.into());
    w.decimal(credit_amount);
    w.varint(credit_count.into());
}

fn read_daily(r: &mut Reader<'_>) -> Result<DailyUsage> {
    Ok(DailyUsage {
        day: i64::from_le_bytes(r.array()?),
        debit_amount: bounded(r, SUM_ABS_MAX)?,
        debit_count: r.varint_u32()?,
        credit_amount: bounded(r, SUM_ABS_MAX)?,
        credit_count: r.varint_u32()?,
    })
}

fn write_history(w: &mut Writer<'_>, history: &History) {
    w.len(history.first_kept());
    w.decimal(history.base_posted());
    w.len(history.len() - history.first_kept());
    for entry in history.iter() {
        write_entry(w, entry);
    }
}

fn read_history(r: &mut Reader<'_>) -> Result<History> {
    let n_dropped = index(r)?;
    let base_posted = money(r)?;
    let n_kept = r.len(ENTRY_BYTES_MIN)?;
    if n_dropped.checked_add(n_kept).is_none() {
        return Err(Invalid("history longer than the word size counts"));
    }
    let mut chunks = VecDeque::with_capacity(n_kept.div_ceil(CHUNK_ENTRIES));
    let mut left = n_kept;
    while left > 0 {
        // Full chunks as `push` leaves them; the newest sized to what it holds.
        let n = left.min(CHUNK_ENTRIES);
        let chunk = (0..n).map(|_| read_entry(r)).collect::<Result<Vec<Entry>>>()?;
        chunks.push_back(chunk);
        left -= n;
    }
    Ok(History::from_chunks(n_dropped, base_posted, chunks))
}

fn write_entry(w: &mut Writer<'_>, entry: &Entry) {
    let Entry {
        transfer_id,
        pending_id,
        at,
        kind,
        direction,
        amount,
        available_at,
        posted_after,
        available_after,
        metadata,
    } = entry;
    w.varint(transfer_id.0);
    w.option(*pending_id, |w, id| w.varint(id.0));
    w.timestamp(*at);
    w.byte(match kind {
        EntryKind::Posted => KIND_POSTED,
        EntryKind::Pending => KIND_PENDING,
        EntryKind::PendingPosted => KIND_PENDING_POSTED,
        EntryKind::PendingVoided => KIND_PENDING_VOIDED,
    });
    write_direction(w, *direction);
    w.decimal(*amount);
    w.option(*available_at, Writer::timestamp);
    w.decimal(*posted_after);
    w.decimal(*available_after);
    w.option(metadata.as_deref(), Writer::metadata);
}

fn read_entry(r: &mut Reader<'_>) -> Result<Entry> {
    Ok(Entry {
        transfer_id: r.transfer_id()?,
        pending_id: r.option(Reader::transfer_id)?,
        at: r.timestamp()?,
        kind: match r.byte()? {
            KIND_POSTED => EntryKind::Posted,
            KIND_PENDING => EntryKind::Pending,
            KIND_PENDING_POSTED => EntryKind::PendingPosted,
            KIND_PENDING_VOIDED => EntryKind::PendingVoided,
            _ => return Err(Invalid("unknown entry kind")),
        },
        direction: read_direction(r)?,
        amount: money(r)?,
        available_at: r.option(Reader::timestamp)?,
        posted_after: money(r)?,
        available_after: money(r)?,
        metadata: r.option(Reader::metadata)?.map(Arc::new),
    })
}

fn write_key_shard(w: &mut Writer<'_>, keys: &MutexGuard<'_, KeyShard>) {
    let tenants = keys.tenants();
    w.len(tenants.len());
    for (tenant, first_serial, n_records, records) in tenants {
        w.uuid(tenant.0);
        w.varint(first_serial);
        w.len(n_records);
        for record in records {
            write_record(w, record);
        }
    }
}

fn read_key_shard(
    r: &mut Reader<'_>,
    keys: &mut KeyShard,
    idx: usize,
    n_key_shards: usize,
) -> Result<()> {
    // A tenant is its id, a serial and a count: at least 18 bytes.
    for _ in 0..r.len(18)? {
        let tenant = r.tenant()?;
        let first_serial = r.varint()?;
        let n_records = r.len(RECORD_BYTES_MIN)?;
        let mut records = Vec::with_capacity(n_records);
        for _ in 0..n_records {
            let record = read_record(r, tenant)?;
            if store::key_shard(record.key().hash, n_key_shards) != idx {
                return Err(Invalid("a key in another shard than its hash picks"));
            }
            records.push(record);
        }
        keys.restore(tenant, first_serial, records).map_err(Invalid)?;
    }
    Ok(())
}

fn write_record(w: &mut Writer<'_>, record: &KeyRecord) {
    let key = record.key();
    w.0.extend_from_slice(&key.hash.to_le_bytes());
    w.0.extend_from_slice(&key.check().to_le_bytes());
    w.timestamp(record.expires_at);
    w.0.extend_from_slice(&record.request.0.to_le_bytes());
    match record.kept_outcome() {
        Ok(kept) => {
            w.flag(true);
            write_kept_receipt(w, kept);
        }
        Err(error) => {
            w.flag(false);
            w.error(error);
        }
    }
}

fn read_record(r: &mut Reader<'_>, tenant: TenantId) -> Result<KeyRecord> {
    let hash = u64::from_le_bytes(r.array()?);
    let check = u64::from_le_bytes(r.array()?);
    let expires_at = r.timestamp()?;
    let request = RequestPrint(u128::from_le_bytes(r.array()?));
    let outcome = if r.flag()? { Ok(read_receipt(r)?) } else { Err(r.error()?) };
    Ok(KeyRecord::new(KeyRef::from_parts(tenant, hash, check), expires_at, request, &outcome))
}

/// The receipt `kept` stands for, written from its kept parts (id, time, amount, currency, then
/// each side's account and balances without the derived `available`, as [`read_receipt`] reads
/// it back): a checkpoint writes hundreds of thousands of these while the key shards are
/// locked, and rebuilding each receipt first was most of that time.
fn write_kept_receipt(w: &mut Writer<'_>, kept: &KeptReceipt) {
    let (id, at, amount, currency, sides) = kept.parts();
    w.varint(id.0);
    w.timestamp(at);
    w.decimal(amount);
    w.currency(currency);
    for side in sides {
        w.option(side, |w, (account, balances)| {
            w.uuid(account.0);
            for value in balances.iter().flatten() {
                w.decimal(*value);
            }
        });
    }
}

fn read_receipt(r: &mut Reader<'_>) -> Result<Receipt> {
    let id = r.transfer_id()?;
    let at = r.timestamp()?;
    let amount = money(r)?;
    let currency = r.currency()?;
    let mut side = || -> Result<Option<AccountChange>> {
        if !r.flag()? {
            return Ok(None);
        }
        let account = r.account()?;
        let mut balances = || -> Result<Balances> {
            let (posted, pending_debits) = (money(r)?, money(r)?);
            let (pending_credits, deferred) = (money(r)?, money(r)?);
            let available = posted - pending_debits - deferred;
            Ok(Balances { posted, pending_debits, pending_credits, deferred, available })
        };
        let before = balances()?;
        Ok(Some(AccountChange { account, before, after: balances()? }))
    };
    let debit = side()?;
    let credit = side()?;
    Ok(Receipt { id, at, amount, currency, debit, credit })
}

fn write_registry(w: &mut Writer<'_>, registry: &HashMap<TransferId, PendingTransfer>) {
    w.len(registry.len());
    for (id, hold) in registry {
        let PendingTransfer {
            tenant,
            debit,
            credit,
            amount,
            currency,
            expires_at,
            state,
            metadata,
        } = hold;
        w.varint(id.0);
        w.uuid(tenant.0);
        w.party(*debit);
        w.party(*credit);
        w.decimal(*amount);
        w.currency(*currency);
        w.option(*expires_at, Writer::timestamp);
        w.byte(match state {
            PendingState::Pending => STATE_PENDING,
            PendingState::Posted => STATE_POSTED,
            PendingState::Voided => STATE_VOIDED,
        });
        w.option(metadata.as_deref(), Writer::metadata);
    }
}

fn read_registry(
    r: &mut Reader<'_>,
    registry: &mut HashMap<TransferId, PendingTransfer>,
) -> Result<()> {
    // A hold record is at least 27 bytes.
    let n_holds = r.len(27)?;
    registry.reserve(n_holds);
    for _ in 0..n_holds {
        let id = r.transfer_id()?;
        let hold = PendingTransfer {
            tenant: r.tenant()?,
            debit: r.party()?,
            credit: r.party()?,
            amount: money(r)?,
            currency: r.currency()?,
            expires_at: r.option(Reader::timestamp)?,
            state: match r.byte()? {
                STATE_PENDING => PendingState::Pending,
                STATE_POSTED => PendingState::Posted,
                STATE_VOIDED => PendingState::Voided,
                _ => return Err(Invalid("unknown hold state")),
            },
            metadata: r.option(Reader::metadata)?.map(Arc::new),
        };
        if registry.insert(id, hold).is_some() {
            return Err(Invalid("a hold appears twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_bound_is_ten_to_the_twenty_seventh() {
        assert_eq!(SUM_ABS_MAX, Decimal::from(10u128.pow(27)));
    }

    #[test]
    fn an_amount_is_bounded_by_value_whatever_its_scale() {
        let read = |value: Decimal| {
            let mut bytes = Vec::new();
            Writer(&mut bytes).decimal(value);
            money(&mut Reader { rest: &bytes })
        };
        let max = BALANCE_ABS_MAX;
        for within in [max, -max, Decimal::new(1, 28), max - Decimal::new(1, 2)] {
            assert_eq!(read(within), Ok(within));
            let mut rescaled = within;
            rescaled.rescale(8); // a mantissa far above the bound's, the same value
            assert_eq!(read(rescaled), Ok(rescaled));
        }
        for beyond in [max + Decimal::new(1, 8), -max - Decimal::ONE, Decimal::MAX] {
            assert_eq!(read(beyond), Err(Invalid("an amount out of the ledger's range")));
        }
    }
}
