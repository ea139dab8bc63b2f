//! Folding events back into a ledger: how a journal on disk or in a database becomes state again.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::engine::{Config, Ledger};
use crate::event::{Change, Event, Journal, ReplayError};
use crate::stats::Stats;
use crate::transfer::{Applied, TransferId};

impl Ledger {
    /// Rebuilds a ledger from its events, re-executing each at its recorded time and checking
    /// it ends as recorded. The events may come in any order; they are folded by `seq`.
    /// `journal`, if given, receives the events committed after the fold (not the folded ones).
    pub fn replay(
        config: Config,
        events: impl IntoIterator<Item = Event>,
        journal: Option<Arc<dyn Journal>>,
    ) -> Result<Ledger, ReplayError> {
        let mut ledger = Ledger::replay_onto(Ledger::new(config), events)?;
        ledger.journal = journal;
        Ok(ledger)
    }

    /// Folds `events` onto `ledger`, as [`Ledger::replay`] does onto an empty one: how a start
    /// continues from a checkpoint ([`Ledger::from_checkpoint`]) with the events after it. Every
    /// event must come after the ledger's last sequence number (one at or before it is
    /// [`ReplayError::Gap`]). The ledger's journal receives only the changes made after the fold.
    pub fn replay_onto(
        mut ledger: Ledger,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<Ledger, ReplayError> {
        let mut events: Vec<Event> = events.into_iter().collect();
        events.sort_by_key(|event| event.seq);
        // The folded events are already journaled.
        let journal = ledger.journal.take();
        let mut previous = ledger.seq.load(Ordering::Relaxed);
        for event in events {
            if event.seq <= previous {
                return Err(ReplayError::Gap(event.seq));
            }
            previous = event.seq;
            ledger.fold(event)?;
        }
        ledger.journal = journal;
        // A fold re-executes what was counted when it first happened: reports count anew.
        ledger.stats = Stats::default();
        Ok(ledger)
    }

    /// Re-executes one event at its recorded time and sequence number.
    fn fold(&self, event: Event) -> Result<(), ReplayError> {
        // A refused journal append leaves a gap; the next change takes the event's number.
        self.seq.store(event.seq - 1, Ordering::Relaxed);
        let seq = event.seq;
        let diverged = |detail: String| ReplayError::Diverged { seq, detail };
        let at = event.at;
        match event.change {
            Change::AccountOpened { account, opening_balance } => {
                self.open_account_with_balance(at, account, opening_balance)
                    .map_err(|e| diverged(e.to_string()))?;
            }
            Change::StatusSet { tenant, account, status } => {
                self.set_status(at, tenant, account, status)
                    .map_err(|e| diverged(e.to_string()))?;
            }
            Change::LimitsSet { tenant, account, limits } => {
                self.set_limits(at, tenant, account, limits)
                    .map_err(|e| diverged(e.to_string()))?;
            }
            Change::AccountUpdated { tenant, account, status, limits } => {
                self.update_account(at, tenant, account, status, limits)
                    .map_err(|e| diverged(e.to_string()))?;
            }
            Change::TransferCommitted(transfer) => match self.transfer(at, transfer) {
                Ok(Applied::New(receipt)) if receipt.id == TransferId(seq) => {}
                other => {
                    return Err(diverged(format!("expected a new transfer, got {other:?}")));
                }
            },
            Change::TransferRejected { transfer, error } => match self.transfer(at, transfer) {
                Err(again) if again == error => {}
                other => {
                    return Err(diverged(format!("expected rejection {error:?}, got {other:?}")));
                }
            },
            Change::PendingPosted { tenant, pending, amount } => {
                self.post_pending(at, tenant, pending, amount)
                    .map_err(|e| diverged(e.to_string()))?;
            }
            Change::PendingVoided { tenant, pending } => {
                self.void_pending(at, tenant, pending).map_err(|e| diverged(e.to_string()))?;
            }
            Change::TenantReset { tenant } => {
                self.reset_tenant(at, tenant).map_err(|e| diverged(e.to_string()))?;
            }
        }
        if self.seq.load(Ordering::Relaxed) != seq {
            return Err(diverged("the change did not take its recorded sequence number".into()));
        }
        Ok(())
    }
}
