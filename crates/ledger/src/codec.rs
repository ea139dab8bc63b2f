//! A compact, versioned binary encoding of [`Event`]s: what a durable journal writes before a
//! change is acknowledged, and reads back for [`Ledger::replay`](crate::Ledger::replay).
//!
//! Why binary, and written by hand: the ledger knows no JSON and its types derive no serde
//! (serialization otherwise lives at the boundary), yet only the ledger can see every field of
//! its events. An event is encoded on every durable write, so the format is small (a plain
//! transfer takes a few dozen bytes) and cheap to write: `encode` appends to the caller's
//! buffer and allocates nothing else.
//!
//! Every event starts with [`CODEC_VERSION`]. The bytes are on users' disks: when the format
//! changes, the version changes, and the version byte is how a store written by an older build
//! is recognised (refused with [`DecodeError::Version`], or read by the old version's reader
//! kept for it) instead of being misread. The layout of version 1, fields in the order their
//! types declare them:
//!
//! | item | bytes |
//! |---|---|
//! | an event | version (1), `seq` (varint), `at` (timestamp), change (tag, then its fields) |
//! | varint: `u64`, `u32`, lengths, counts | LEB128, 7 bits a byte, least significant first, shortest form |
//! | timestamp | 8: microseconds since the epoch, `i64` little-endian |
//! | tenant or account id | 16: the uuid's bytes |
//! | transfer id | varint |
//! | `Decimal` | 1: sign (bit 7) and scale (bits 0–4); then the 96-bit mantissa as a varint |
//! | currency | 3: its ISO 4217 alphabetic code |
//! | string | varint byte length, then UTF-8 |
//! | `bool`, `Option` | 1: 0 or 1 (`Some` is followed by its value) |
//! | enum (change, party, mode, status, error, daily limit) | 1: tag (numbers in the code), then its fields |
//! | labels, metadata | varint count, then each key and value as strings, keys strictly ascending |
//! | idempotency key | namespace name, `remember_rejections`, retention (varint seconds, varint nanoseconds), key text |
//!
//! A namespace is written whole (name and policy), not by name: the ledger keeps no registry of
//! namespaces to look a name up in, and a key's behaviour on replay depends on its policy. A
//! currency is written by its code, not its place in the table (which moves when ISO adds a
//! code); so a code dropped from the table makes the events that name it undecodable.
//!
//! Decoding is strict: it accepts only bytes `encode` writes (shortest varints, 0 or 1 for a
//! flag, keys in order, nothing left over), so re-encoding a decoded event gives back its bytes
//! and a corrupted byte cannot pass for a different spelling of the same event. It never
//! panics, and allocates only for what the bytes really hold: a length or count beyond the
//! bytes that remain is [`DecodeError::Truncated`], not an allocation. The format carries no
//! checksum; detecting a torn or rotten record is the store's job.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::account::{AccountId, Labels, Limits, NewAccount, Status, TenantId};
use crate::clock::Timestamp;
use crate::error::{DailyLimit, Error};
use crate::event::{Change, Event};
use crate::idempotency::{IdempotencyKey, Namespace};
use crate::money::Currency;
use crate::transfer::{Metadata, Mode, Party, Transfer, TransferId};

use self::DecodeError::{Invalid, Truncated};

/// The first byte of every encoded event: the format's version.
pub const CODEC_VERSION: u8 = 1;

/// Why bytes did not decode to an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Written in another version of the format.
    #[error("event encoded in codec version {found}; this build reads version {supported}")]
    Version {
        /// The version byte found.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// The bytes end before the event does.
    #[error("event encoding is truncated")]
    Truncated,
    /// Bytes no event encodes to; says which part.
    #[error("invalid event encoding: {0}")]
    Invalid(&'static str),
    /// Bytes follow a complete event.
    #[error("bytes left over after the event")]
    Trailing,
}

/// Appends the encoding of `event` to `out`.
pub fn encode(event: &Event, out: &mut Vec<u8>) {
    let mut writer = Writer(out);
    writer.byte(CODEC_VERSION);
    writer.varint(event.seq);
    writer.timestamp(event.at);
    writer.change(&event.change);
}

/// Decodes exactly one event from `bytes`, all of which it must use.
pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
    let mut reader = Reader { rest: bytes };
    let found = reader.byte()?;
    if found != CODEC_VERSION {
        return Err(DecodeError::Version { found, supported: CODEC_VERSION });
    }
    let seq = reader.varint()?;
    let at = reader.timestamp()?;
    let change = reader.change()?;
    if !reader.rest.is_empty() {
        return Err(DecodeError::Trailing);
    }
    Ok(Event { seq, at, change })
}

// Tags are part of the format: a tag, once written to a disk, keeps its meaning.
const CHANGE_ACCOUNT_OPENED: u8 = 1;
const CHANGE_STATUS_SET: u8 = 2;
const CHANGE_LIMITS_SET: u8 = 3;
const CHANGE_ACCOUNT_UPDATED: u8 = 4;
const CHANGE_TRANSFER_COMMITTED: u8 = 5;
const CHANGE_TRANSFER_REJECTED: u8 = 6;
const CHANGE_PENDING_POSTED: u8 = 7;
const CHANGE_PENDING_VOIDED: u8 = 8;
const CHANGE_TENANT_RESET: u8 = 9;

const PARTY_EXTERNAL: u8 = 1;
const PARTY_ACCOUNT: u8 = 2;

const MODE_POSTED: u8 = 1;
const MODE_PENDING: u8 = 2;
const MODE_DEFERRED: u8 = 3;

const STATUS_ACTIVE: u8 = 1;
const STATUS_FROZEN: u8 = 2;
const STATUS_CLOSED: u8 = 3;

const DAILY_DEBIT_AMOUNT: u8 = 1;
const DAILY_DEBIT_COUNT: u8 = 2;
const DAILY_CREDIT_AMOUNT: u8 = 3;
const DAILY_CREDIT_COUNT: u8 = 4;

// Errors in their precedence order, as `Error` declares them.
const ERROR_IDEMPOTENCY_CONFLICT: u8 = 1;
const ERROR_AMOUNT_NOT_POSITIVE: u8 = 2;
const ERROR_AMOUNT_SCALE_EXCEEDED: u8 = 3;
const ERROR_AMOUNT_TOO_LARGE: u8 = 4;
const ERROR_ACCOUNT_NOT_FOUND: u8 = 5;
const ERROR_SAME_ACCOUNT: u8 = 6;
const ERROR_CURRENCY_MISMATCH: u8 = 7;
const ERROR_ACCOUNT_NOT_ACTIVE: u8 = 8;
const ERROR_TRANSFER_MAXIMUM_EXCEEDED: u8 = 9;
const ERROR_DAILY_LIMIT_EXCEEDED: u8 = 10;
const ERROR_INSUFFICIENT_FUNDS: u8 = 11;
const ERROR_BALANCE_MAXIMUM_EXCEEDED: u8 = 12;
const ERROR_PENDING_NOT_FOUND: u8 = 13;
const ERROR_PENDING_ALREADY_POSTED: u8 = 14;
const ERROR_PENDING_ALREADY_VOIDED: u8 = 15;
const ERROR_PENDING_EXPIRED: u8 = 16;
const ERROR_PENDING_AMOUNT_EXCEEDED: u8 = 17;
const ERROR_JOURNAL_UNAVAILABLE: u8 = 18;

/// The sign bit and the scale bits of a decimal's head byte.
const DECIMAL_NEGATIVE: u8 = 0x80;
const DECIMAL_SCALE: u8 = 0x1F;

/// Appends encodings to a buffer.
pub(crate) struct Writer<'a>(pub(crate) &'a mut Vec<u8>);

impl Writer<'_> {
    pub(crate) fn byte(&mut self, byte: u8) {
        self.0.push(byte);
    }

    pub(crate) fn flag(&mut self, flag: bool) {
        self.byte(u8::from(flag));
    }

    pub(crate) fn varint(&mut self, value: u64) {
        self.varint_wide(u128::from(value));
    }

    fn varint_wide(&mut self, mut value: u128) {
        while value >= 0x80 {
            // Truncation is the point: the low seven bits, with the continuation bit.
            self.byte((value as u8 & 0x7F) | 0x80);
            value >>= 7;
        }
        self.byte(value as u8);
    }

    pub(crate) fn len(&mut self, len: usize) {
        self.varint(len as u64);
    }

    pub(crate) fn str(&mut self, text: &str) {
        self.len(text.len());
        self.0.extend_from_slice(text.as_bytes());
    }

    pub(crate) fn timestamp(&mut self, at: Timestamp) {
        self.0.extend_from_slice(&at.as_unix_micros().to_le_bytes());
    }

    pub(crate) fn uuid(&mut self, id: Uuid) {
        self.0.extend_from_slice(id.as_bytes());
    }

    pub(crate) fn decimal(&mut self, value: Decimal) {
        // `serialize` gives the exact bits (scale and the sign of a zero included): flags in
        // bytes 0–3 (scale in byte 2, sign in the top bit of byte 3), then the mantissa.
        let raw = value.serialize();
        self.byte((raw[3] & DECIMAL_NEGATIVE) | (raw[2] & DECIMAL_SCALE));
        let mut mantissa = [0; 16];
        mantissa[..12].copy_from_slice(&raw[4..]);
        self.varint_wide(u128::from_le_bytes(mantissa));
    }

    pub(crate) fn currency(&mut self, currency: Currency) {
        self.0.extend_from_slice(currency.code().as_bytes());
    }

    pub(crate) fn option<T>(&mut self, value: Option<T>, mut write: impl FnMut(&mut Self, T)) {
        self.flag(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    pub(crate) fn status(&mut self, status: Status) {
        self.byte(match status {
            Status::Active => STATUS_ACTIVE,
            Status::Frozen => STATUS_FROZEN,
            Status::Closed => STATUS_CLOSED,
        });
    }

    fn change(&mut self, change: &Change) {
        match change {
            Change::AccountOpened { account, opening_balance } => {
                self.byte(CHANGE_ACCOUNT_OPENED);
                self.new_account(account);
                self.decimal(*opening_balance);
            }
            Change::StatusSet { tenant, account, status } => {
                self.byte(CHANGE_STATUS_SET);
                self.uuid(tenant.0);
                self.uuid(account.0);
                self.status(*status);
            }
            Change::LimitsSet { tenant, account, limits } => {
                self.byte(CHANGE_LIMITS_SET);
                self.uuid(tenant.0);
                self.uuid(account.0);
                self.limits(limits);
            }
            Change::AccountUpdated { tenant, account, status, limits } => {
                self.byte(CHANGE_ACCOUNT_UPDATED);
                self.uuid(tenant.0);
                self.uuid(account.0);
                self.option(*status, Self::status);
                self.option(limits.as_ref(), Self::limits);
            }
            Change::TransferCommitted(transfer) => {
                self.byte(CHANGE_TRANSFER_COMMITTED);
                self.transfer(transfer);
            }
            Change::TransferRejected { transfer, error } => {
                self.byte(CHANGE_TRANSFER_REJECTED);
                self.transfer(transfer);
                self.error(*error);
            }
            Change::PendingPosted { tenant, pending, amount } => {
                self.byte(CHANGE_PENDING_POSTED);
                self.uuid(tenant.0);
                self.varint(pending.0);
                self.option(*amount, Self::decimal);
            }
            Change::PendingVoided { tenant, pending } => {
                self.byte(CHANGE_PENDING_VOIDED);
                self.uuid(tenant.0);
                self.varint(pending.0);
            }
            Change::TenantReset { tenant } => {
                self.byte(CHANGE_TENANT_RESET);
                self.uuid(tenant.0);
            }
        }
    }

    fn new_account(&mut self, account: &NewAccount) {
        // Destructured whole, so a field added to the type cannot be forgotten here.
        let NewAccount { id, tenant, currency, limits, labels } = account;
        self.uuid(id.0);
        self.uuid(tenant.0);
        self.currency(*currency);
        self.limits(limits);
        self.len(labels.len());
        for (key, value) in labels {
            self.str(key);
            self.str(value);
        }
    }

    pub(crate) fn limits(&mut self, limits: &Limits) {
        let Limits {
            balance_min,
            balance_max,
            transfer_amount_max,
            daily_debit_amount_max,
            daily_debit_count_max,
            daily_credit_amount_max,
            daily_credit_count_max,
        } = limits;
        self.decimal(*balance_min);
        self.option(*balance_max, Self::decimal);
        self.option(*transfer_amount_max, Self::decimal);
        self.option(*daily_debit_amount_max, Self::decimal);
        self.option(*daily_debit_count_max, |w, n| w.varint(n.into()));
        self.option(*daily_credit_amount_max, Self::decimal);
        self.option(*daily_credit_count_max, |w, n| w.varint(n.into()));
    }

    fn transfer(&mut self, transfer: &Transfer) {
        let Transfer { tenant, debit, credit, amount, currency, mode, idempotency, metadata } =
            transfer;
        self.uuid(tenant.0);
        self.party(*debit);
        self.party(*credit);
        self.decimal(*amount);
        self.currency(*currency);
        self.mode(*mode);
        self.option(idempotency.as_ref(), Self::idempotency_key);
        self.option(metadata.as_deref(), Self::metadata);
    }

    pub(crate) fn party(&mut self, party: Party) {
        match party {
            Party::External => self.byte(PARTY_EXTERNAL),
            Party::Account(id) => {
                self.byte(PARTY_ACCOUNT);
                self.uuid(id.0);
            }
        }
    }

    fn mode(&mut self, mode: Mode) {
        match mode {
            Mode::Posted => self.byte(MODE_POSTED),
            Mode::Pending { expires_at } => {
                self.byte(MODE_PENDING);
                self.option(expires_at, Self::timestamp);
            }
            Mode::Deferred { available_at } => {
                self.byte(MODE_DEFERRED);
                self.timestamp(available_at);
            }
        }
    }

    fn idempotency_key(&mut self, key: &IdempotencyKey) {
        let IdempotencyKey { namespace, key } = key;
        let Namespace { name, remember_rejections, retention } = &**namespace;
        self.str(name);
        self.flag(*remember_rejections);
        self.varint(retention.as_secs());
        self.varint(retention.subsec_nanos().into());
        self.str(key);
    }

    pub(crate) fn metadata(&mut self, metadata: &Metadata) {
        self.len(metadata.len());
        for (key, value) in metadata.iter() {
            self.str(key);
            self.str(value);
        }
    }

    pub(crate) fn error(&mut self, error: Error) {
        // No wildcard: a variant added to `Error` must be given its tag here.
        let tag = match error {
            Error::IdempotencyConflict => ERROR_IDEMPOTENCY_CONFLICT,
            Error::AmountNotPositive => ERROR_AMOUNT_NOT_POSITIVE,
            Error::AmountScaleExceeded => ERROR_AMOUNT_SCALE_EXCEEDED,
            Error::AmountTooLarge => ERROR_AMOUNT_TOO_LARGE,
            Error::AccountNotFound => ERROR_ACCOUNT_NOT_FOUND,
            Error::SameAccount => ERROR_SAME_ACCOUNT,
            Error::CurrencyMismatch => ERROR_CURRENCY_MISMATCH,
            Error::AccountNotActive { status } => {
                self.byte(ERROR_ACCOUNT_NOT_ACTIVE);
                return self.status(status);
            }
            Error::TransferMaximumExceeded => ERROR_TRANSFER_MAXIMUM_EXCEEDED,
            Error::DailyLimitExceeded { limit } => {
                self.byte(ERROR_DAILY_LIMIT_EXCEEDED);
                return self.daily_limit(limit);
            }
            Error::InsufficientFunds => ERROR_INSUFFICIENT_FUNDS,
            Error::BalanceMaximumExceeded => ERROR_BALANCE_MAXIMUM_EXCEEDED,
            Error::PendingNotFound => ERROR_PENDING_NOT_FOUND,
            Error::PendingAlreadyPosted => ERROR_PENDING_ALREADY_POSTED,
            Error::PendingAlreadyVoided => ERROR_PENDING_ALREADY_VOIDED,
            Error::PendingExpired => ERROR_PENDING_EXPIRED,
            Error::PendingAmountExceeded => ERROR_PENDING_AMOUNT_EXCEEDED,
            Error::JournalUnavailable => ERROR_JOURNAL_UNAVAILABLE,
        };
        self.byte(tag);
    }

    fn daily_limit(&mut self, limit: DailyLimit) {
        self.byte(match limit {
            DailyLimit::DebitAmount => DAILY_DEBIT_AMOUNT,
            DailyLimit::DebitCount => DAILY_DEBIT_COUNT,
            DailyLimit::CreditAmount => DAILY_CREDIT_AMOUNT,
            DailyLimit::CreditCount => DAILY_CREDIT_COUNT,
        });
    }
}

/// Reads encodings from the front of a slice.
pub(crate) struct Reader<'a> {
    pub(crate) rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(Truncated);
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    pub(crate) fn byte(&mut self) -> Result<u8, DecodeError> {
        let [byte] = self.array()?;
        Ok(byte)
    }

    pub(crate) fn flag(&mut self) -> Result<bool, DecodeError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Invalid("a flag is neither 0 nor 1")),
        }
    }

    /// A varint of at most `bits` bits, in its shortest form.
    fn varint_wide(&mut self, bits: u32) -> Result<u128, DecodeError> {
        let mut value = 0u128;
        let mut shift = 0;
        loop {
            if shift >= bits {
                return Err(Invalid("varint too long"));
            }
            let byte = self.byte()?;
            value |= u128::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(Invalid("varint not in its shortest form"));
                }
                break;
            }
            shift += 7;
        }
        if value >> bits != 0 {
            return Err(Invalid("varint too large"));
        }
        Ok(value)
    }

    pub(crate) fn varint(&mut self) -> Result<u64, DecodeError> {
        u64::try_from(self.varint_wide(64)?).map_err(|_| Invalid("varint too large"))
    }

    pub(crate) fn varint_u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| Invalid("count over 32 bits"))
    }

    /// A length or count of items each at least `item_bytes_min` long: one the remaining
    /// bytes cannot hold is truncation, found before any work.
    pub(crate) fn len(&mut self, item_bytes_min: usize) -> Result<usize, DecodeError> {
        let len = usize::try_from(self.varint()?).map_err(|_| Truncated)?;
        if len.saturating_mul(item_bytes_min) > self.rest.len() {
            return Err(Truncated);
        }
        Ok(len)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, DecodeError> {
        let len = self.len(1)?;
        std::str::from_utf8(self.take(len)?).map_err(|_| Invalid("a string is not UTF-8"))
    }

    pub(crate) fn timestamp(&mut self) -> Result<Timestamp, DecodeError> {
        Ok(Timestamp::from_unix_micros(i64::from_le_bytes(self.array()?)))
    }

    pub(crate) fn uuid(&mut self) -> Result<Uuid, DecodeError> {
        Ok(Uuid::from_bytes(self.array()?))
    }

    pub(crate) fn tenant(&mut self) -> Result<TenantId, DecodeError> {
        self.uuid().map(TenantId)
    }

    pub(crate) fn account(&mut self) -> Result<AccountId, DecodeError> {
        self.uuid().map(AccountId)
    }

    pub(crate) fn decimal(&mut self) -> Result<Decimal, DecodeError> {
        let head = self.byte()?;
        let scale = head & !DECIMAL_NEGATIVE;
        if u32::from(scale) > Decimal::MAX_SCALE {
            return Err(Invalid("decimal scale over 28"));
        }
        let mantissa = self.varint_wide(96)?.to_le_bytes();
        let mut raw = [0; 16];
        raw[2] = scale;
        raw[3] = head & DECIMAL_NEGATIVE;
        raw[4..].copy_from_slice(&mantissa[..12]);
        // Every flag bit is valid here, so this is the exact value `serialize` gave, sign of
        // zero included (`from_parts` would turn a negative zero positive).
        Ok(Decimal::deserialize(raw))
    }

    pub(crate) fn currency(&mut self) -> Result<Currency, DecodeError> {
        let code = self.take(3)?;
        std::str::from_utf8(code)
            .ok()
            .and_then(Currency::from_code)
            .ok_or(Invalid("unknown currency"))
    }

    pub(crate) fn option<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        if self.flag()? { read(self).map(Some) } else { Ok(None) }
    }

    pub(crate) fn status(&mut self) -> Result<Status, DecodeError> {
        match self.byte()? {
            STATUS_ACTIVE => Ok(Status::Active),
            STATUS_FROZEN => Ok(Status::Frozen),
            STATUS_CLOSED => Ok(Status::Closed),
            _ => Err(Invalid("unknown status")),
        }
    }

    fn daily_limit(&mut self) -> Result<DailyLimit, DecodeError> {
        match self.byte()? {
            DAILY_DEBIT_AMOUNT => Ok(DailyLimit::DebitAmount),
            DAILY_DEBIT_COUNT => Ok(DailyLimit::DebitCount),
            DAILY_CREDIT_AMOUNT => Ok(DailyLimit::CreditAmount),
            DAILY_CREDIT_COUNT => Ok(DailyLimit::CreditCount),
            _ => Err(Invalid("unknown daily limit")),
        }
    }

    pub(crate) fn transfer_id(&mut self) -> Result<TransferId, DecodeError> {
        self.varint().map(TransferId)
    }

    fn change(&mut self) -> Result<Change, DecodeError> {
        let change = match self.byte()? {
            CHANGE_ACCOUNT_OPENED => Change::AccountOpened {
                account: self.new_account()?,
                opening_balance: self.decimal()?,
            },
            CHANGE_STATUS_SET => Change::StatusSet {
                tenant: self.tenant()?,
                account: self.account()?,
                status: self.status()?,
            },
            CHANGE_LIMITS_SET => Change::LimitsSet {
                tenant: self.tenant()?,
                account: self.account()?,
                limits: self.limits()?,
            },
            CHANGE_ACCOUNT_UPDATED => Change::AccountUpdated {
                tenant: self.tenant()?,
                account: self.account()?,
                status: self.option(Self::status)?,
                limits: self.option(Self::limits)?,
            },
            CHANGE_TRANSFER_COMMITTED => Change::TransferCommitted(self.transfer()?),
            CHANGE_TRANSFER_REJECTED => {
                Change::TransferRejected { transfer: self.transfer()?, error: self.error()? }
            }
            CHANGE_PENDING_POSTED => Change::PendingPosted {
                tenant: self.tenant()?,
                pending: self.transfer_id()?,
                amount: self.option(Self::decimal)?,
            },
            CHANGE_PENDING_VOIDED => {
                Change::PendingVoided { tenant: self.tenant()?, pending: self.transfer_id()? }
            }
            CHANGE_TENANT_RESET => Change::TenantReset { tenant: self.tenant()? },
            _ => return Err(Invalid("unknown change")),
        };
        Ok(change)
    }

    fn new_account(&mut self) -> Result<NewAccount, DecodeError> {
        Ok(NewAccount {
            id: self.account()?,
            tenant: self.tenant()?,
            currency: self.currency()?,
            limits: self.limits()?,
            labels: self.labels()?,
        })
    }

    /// Key and value pairs, keys strictly ascending (as a sorted map writes them), each handed
    /// to `insert` once checked.
    fn pairs(&mut self, mut insert: impl FnMut(&'a str, &'a str)) -> Result<(), DecodeError> {
        // A pair is at least its two length bytes.
        let n_pairs = self.len(2)?;
        let mut previous: Option<&str> = None;
        for _ in 0..n_pairs {
            let (key, value) = (self.str()?, self.str()?);
            if previous.is_some_and(|previous| previous >= key) {
                return Err(Invalid("keys out of order"));
            }
            previous = Some(key);
            insert(key, value);
        }
        Ok(())
    }

    pub(crate) fn labels(&mut self) -> Result<Labels, DecodeError> {
        let mut labels = Labels::new();
        self.pairs(|key, value| {
            labels.insert(key.to_owned(), value.to_owned());
        })?;
        Ok(labels)
    }

    pub(crate) fn metadata(&mut self) -> Result<Metadata, DecodeError> {
        // Sized first, by a pass over a copy of the reader: grown pair by pair, its two
        // buffers were a large part of the memory a checkpoint of history loads into.
        let (mut n_pairs, mut text_len) = (0, 0);
        Reader { rest: self.rest }.pairs(|_, value| {
            n_pairs += 1;
            text_len += value.len();
        })?;
        let mut metadata = Metadata::with_capacity(n_pairs, text_len);
        // In key order, each insert appends.
        self.pairs(|key, value| {
            metadata.insert(Cow::Owned(key.to_owned()), value);
        })?;
        Ok(metadata)
    }

    pub(crate) fn limits(&mut self) -> Result<Limits, DecodeError> {
        Ok(Limits {
            balance_min: self.decimal()?,
            balance_max: self.option(Self::decimal)?,
            transfer_amount_max: self.option(Self::decimal)?,
            daily_debit_amount_max: self.option(Self::decimal)?,
            daily_debit_count_max: self.option(Self::varint_u32)?,
            daily_credit_amount_max: self.option(Self::decimal)?,
            daily_credit_count_max: self.option(Self::varint_u32)?,
        })
    }

    fn transfer(&mut self) -> Result<Transfer, DecodeError> {
        Ok(Transfer {
            tenant: self.tenant()?,
            debit: self.party()?,
            credit: self.party()?,
            amount: self.decimal()?,
            currency: self.currency()?,
            mode: self.mode()?,
            idempotency: self.option(Self::idempotency_key)?,
            metadata: self.option(Self::metadata)?.map(Arc::new),
        })
    }

    pub(crate) fn party(&mut self) -> Result<Party, DecodeError> {
        match self.byte()? {
            PARTY_EXTERNAL => Ok(Party::External),
            PARTY_ACCOUNT => self.account().map(Party::Account),
            _ => Err(Invalid("unknown party")),
        }
    }

    fn mode(&mut self) -> Result<Mode, DecodeError> {
        match self.byte()? {
            MODE_POSTED => Ok(Mode::Posted),
            MODE_PENDING => Ok(Mode::Pending { expires_at: self.option(Self::timestamp)? }),
            MODE_DEFERRED => Ok(Mode::Deferred { available_at: self.timestamp()? }),
            _ => Err(Invalid("unknown mode")),
        }
    }

    fn idempotency_key(&mut self) -> Result<IdempotencyKey, DecodeError> {
        let name = self.str()?;
        let remember_rejections = self.flag()?;
        let secs = self.varint()?;
        let nanos = self.varint_u32()?;
        if nanos >= 1_000_000_000 {
            return Err(Invalid("retention nanoseconds over a second"));
        }
        let namespace = Namespace {
            name: Cow::Owned(name.to_owned()),
            remember_rejections,
            retention: Duration::new(secs, nanos),
        };
        Ok(IdempotencyKey::new(Arc::new(namespace), self.str()?))
    }

    pub(crate) fn error(&mut self) -> Result<Error, DecodeError> {
        Ok(match self.byte()? {
            ERROR_IDEMPOTENCY_CONFLICT => Error::IdempotencyConflict,
            ERROR_AMOUNT_NOT_POSITIVE => Error::AmountNotPositive,
            ERROR_AMOUNT_SCALE_EXCEEDED => Error::AmountScaleExceeded,
            ERROR_AMOUNT_TOO_LARGE => Error::AmountTooLarge,
            ERROR_ACCOUNT_NOT_FOUND => Error::AccountNotFound,
            ERROR_SAME_ACCOUNT => Error::SameAccount,
            ERROR_CURRENCY_MISMATCH => Error::CurrencyMismatch,
            ERROR_ACCOUNT_NOT_ACTIVE => Error::AccountNotActive { status: self.status()? },
            ERROR_TRANSFER_MAXIMUM_EXCEEDED => Error::TransferMaximumExceeded,
            ERROR_DAILY_LIMIT_EXCEEDED => Error::DailyLimitExceeded { limit: self.daily_limit()? },
            ERROR_INSUFFICIENT_FUNDS => Error::InsufficientFunds,
            ERROR_BALANCE_MAXIMUM_EXCEEDED => Error::BalanceMaximumExceeded,
            ERROR_PENDING_NOT_FOUND => Error::PendingNotFound,
            ERROR_PENDING_ALREADY_POSTED => Error::PendingAlreadyPosted,
            ERROR_PENDING_ALREADY_VOIDED => Error::PendingAlreadyVoided,
            ERROR_PENDING_EXPIRED => Error::PendingExpired,
            ERROR_PENDING_AMOUNT_EXCEEDED => Error::PendingAmountExceeded,
            ERROR_JOURNAL_UNAVAILABLE => Error::JournalUnavailable,
            _ => return Err(Invalid("unknown error")),
        })
    }
}
