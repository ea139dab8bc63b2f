//! An exact-decimal, double-entry ledger for sandbank's mock vendor APIs.
//!
//! What it guarantees:
//! - **Money is exact.** Amounts are `rust_decimal::Decimal` in an ISO 4217 currency and never
//!   have more fractional digits than the currency's minor unit.
//! - **Double entry.** Every movement debits one party and credits another of the same tenant
//!   and currency; money from or to the outside passes through the tenant's external account,
//!   so each tenant's balances of a currency sum to zero.
//! - **All or nothing.** An operation validates every rule (in the precedence order of
//!   [`Error`]) before it changes anything; a rejected operation changes nothing.
//! - **Idempotent.** A transfer with an [`IdempotencyKey`] already seen returns the first
//!   outcome; the same key with a different request is a conflict.
//! - **Time is an input.** Every operation takes `now`; the ledger reads no clock, does no I/O
//!   and uses no randomness, so a virtual clock can drive it and every run is replayable.
//! - **Every change is an [`Event`]**, handed to a [`Journal`] before it is applied and folded
//!   back by [`Ledger::replay`]; [`encode`] and [`decode`] turn one into compact, versioned
//!   bytes for a journal on disk.
//! - **Checkpointed.** [`Ledger::checkpoint`] writes the whole state at one sequence number as
//!   versioned bytes, [`Ledger::from_checkpoint`] loads it and [`Ledger::replay_onto`] folds the
//!   events after it, so a start need not fold all history.
//! - **Checkable.** [`Ledger::verify`] re-derives the invariants from the history.

mod account;
mod checkpoint;
mod clock;
mod codec;
mod engine;
mod error;
mod event;
mod history;
mod idempotency;
mod invariants;
mod money;
mod read;
mod replay;
mod stats;
mod store;
mod transfer;

#[cfg(test)]
mod tests;

use rust_decimal::Decimal;

pub use crate::account::{
    AccountId, AccountView, Balances, DailyUsage, Labels, Limits, NewAccount, Status, TenantId,
};
pub use crate::checkpoint::{CHECKPOINT_VERSION, CheckpointError};
pub use crate::clock::Timestamp;
pub use crate::codec::{CODEC_VERSION, DecodeError, decode, encode};
pub use crate::engine::{Config, Ledger};
pub use crate::error::{AccountError, DailyLimit, Error};
pub use crate::event::{Change, Event, Journal, JournalError, ReplayError};
pub use crate::idempotency::{IdempotencyKey, Namespace};
pub use crate::money::{Currency, MoneyError, parse_decimal};
pub use crate::read::{PAGE_ENTRIES_MAX, Snapshot, Violations};
pub use crate::stats::Outcomes;
pub use crate::store::PendingState;
pub use crate::transfer::{
    AccountChange, Applied, Cursor, Direction, Entry, EntryKind, Metadata, Mode, Order, Page,
    Party, Receipt, Transfer, TransferId,
};

/// The largest amount one transfer may move, in major units: 10^15.
pub const AMOUNT_MAX: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

/// The largest absolute balance an account may reach, in major units: 10^20. Keeps every sum
/// the ledger forms far inside `Decimal`'s 28 digits.
pub const BALANCE_ABS_MAX: Decimal = Decimal::from_parts(0x6310_0000, 0x6BC7_5E2D, 0x5, false, 0);
