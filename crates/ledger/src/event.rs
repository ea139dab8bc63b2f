//! Every state change as an event: what a journal appends, and what [`crate::Ledger::replay`]
//! folds back into the same state.
//!
//! Events are commands that were accepted, stamped with their commit sequence and time. Folding
//! re-executes them in sequence order; because the ledger is deterministic given `now`, the
//! result is the same state, ids included. Lazy effects of time (a hold lapsing, deferred funds
//! maturing, a daily limit resetting) are not events: they follow from the stamped times.

use rust_decimal::Decimal;

use crate::account::{AccountId, Limits, NewAccount, Status, TenantId};
use crate::clock::Timestamp;
use crate::error::Error;
use crate::transfer::{Transfer, TransferId};

/// One committed state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Commit sequence, from 1, without gaps: the order to fold in.
    pub seq: u64,
    /// The `now` the change was made at.
    pub at: Timestamp,
    /// What changed.
    pub change: Change,
}

/// The kinds of state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An account was opened, already holding `opening_balance`.
    AccountOpened {
        /// The account.
        account: NewAccount,
        /// Its opening balance (zero for most).
        opening_balance: Decimal,
    },
    /// An account's status was set.
    StatusSet {
        /// Its tenant.
        tenant: TenantId,
        /// The account.
        account: AccountId,
        /// The new status.
        status: Status,
    },
    /// An account's limits were set.
    LimitsSet {
        /// Its tenant.
        tenant: TenantId,
        /// The account.
        account: AccountId,
        /// The new limits.
        limits: Limits,
    },
    /// An account's status and limits were set in one step (`None`: left as it was).
    AccountUpdated {
        /// Its tenant.
        tenant: TenantId,
        /// The account.
        account: AccountId,
        /// The new status, if it changed.
        status: Option<Status>,
        /// The new limits, if they changed.
        limits: Option<Limits>,
    },
    /// A transfer was committed; its id is the event's `seq`.
    TransferCommitted(Transfer),
    /// A transfer was rejected and its idempotency key now remembers that.
    TransferRejected {
        /// The request.
        transfer: Transfer,
        /// Why.
        error: Error,
    },
    /// A hold was posted, in full or in part.
    PendingPosted {
        /// Its tenant.
        tenant: TenantId,
        /// The hold.
        pending: TransferId,
        /// The amount posted; `None` posts the full amount.
        amount: Option<Decimal>,
    },
    /// A hold was voided.
    PendingVoided {
        /// Its tenant.
        tenant: TenantId,
        /// The hold.
        pending: TransferId,
    },
    /// Everything of a tenant was erased.
    TenantReset {
        /// The tenant.
        tenant: TenantId,
    },
}

/// A journal refused an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("journal refused the event: {0}")]
pub struct JournalError(pub String);

/// Where events go as they are committed: a file, a database, a test's vector.
///
/// `append` is called while the affected accounts are locked and before the change is applied,
/// so a journal that fails leaves the ledger unchanged, and events of one account arrive in
/// order. Events of unrelated accounts may arrive out of `seq` order; a journal that needs a
/// total order sorts by `seq` (the sequence has no gaps).
pub trait Journal: Send + Sync {
    /// Records one event durably, or refuses it.
    fn append(&self, event: &Event) -> Result<(), JournalError>;

    /// A transfer was answered from an earlier outcome (its idempotency key's) instead of
    /// changing anything. That earlier change may not be durable yet: a journal that answers
    /// only what is durable holds this answer until it is (the server's store does).
    fn replayed(&self) {}
}

/// Why a fold of events did not reproduce the recorded history.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The events' sequence numbers are not 1, 2, 3, …
    #[error("event sequence has a gap or duplicate at seq {0}")]
    Gap(u64),
    /// Re-executing the event gave a different outcome than the one recorded.
    #[error("event {seq} did not replay: {detail}")]
    Diverged {
        /// The event.
        seq: u64,
        /// What differed.
        detail: String,
    },
}
