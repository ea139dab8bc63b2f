//! Counts of what the ledger's writes ended in: committed, refused (by reason) and replayed,
//! so a server can report them (sandbank's `GET /metrics`) without the ledger knowing how.
//!
//! Plain relaxed atomics: a count is read only for reporting, never to decide anything, so no
//! ordering with the ledger's state is needed, and an increment costs one atomic add.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;

/// The counts of one ledger, since it was made (a restore's replay counts nothing).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    committed: AtomicU64,
    replayed: AtomicU64,
    /// One count per reason, indexed by [`Error::index`].
    refused: [AtomicU64; Error::CODES.len()],
}

/// A copy of a ledger's counts at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcomes {
    /// Transfers, posts and voids of pending transfers that changed the ledger.
    pub committed: u64,
    /// Transfers answered from an earlier outcome with the same idempotency key.
    pub replayed: u64,
    /// Refusals, by reason: each of [`Error::CODES`] with its count, in that order.
    pub refused: Vec<(&'static str, u64)>,
}

impl Stats {
    pub(crate) fn committed(&self) {
        self.committed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn replayed(&self) {
        self.replayed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refused(&self, error: &Error) {
        self.refused[error.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an operation's result: committed, or refused with its reason.
    pub(crate) fn count<T>(&self, outcome: &Result<T, Error>) {
        match outcome {
            Ok(_) => self.committed(),
            Err(error) => self.refused(error),
        }
    }

    pub(crate) fn read(&self) -> Outcomes {
        Outcomes {
            committed: self.committed.load(Ordering::Relaxed),
            replayed: self.replayed.load(Ordering::Relaxed),
            refused: Error::CODES
                .iter()
                .zip(&self.refused)
                .map(|(code, n)| (*code, n.load(Ordering::Relaxed)))
                .collect(),
        }
    }
}
