//! Folding events back into a ledger: how a journal on disk or in a database becomes state again.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::engine::{Config, Ledger};
use crate::event::{Change, Event, Journal, ReplayError};
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
        let mut events: Vec<Event> = events.into_iter().collect();
        events.sort_by_key(|event| event.seq);
        let mut ledger = Ledger::new(config);
        let mut previous = 0;
        for event in events {
            if event.seq <= previous {
                return Err(ReplayError::Gap(event.seq));
            }
            previous = event.seq;
            // A refused journal append leaves a gap; the next change takes the event's number.
            ledger.seq.store(event.seq - 1, Ordering::Relaxed);
            let seq = event.seq;
            let diverged = |detail: String| ReplayError::Diverged { seq, detail };
            let at = event.at;
            match event.change {
                Change::AccountOpened { account, opening_balance } => {
                    ledger
                        .open_account_with_balance(at, account, opening_balance)
                        .map_err(|e| diverged(e.to_string()))?;
                }
                Change::StatusSet { tenant, account, status } => {
                    ledger
                        .set_status(at, tenant, account, status)
                        .map_err(|e| diverged(e.to_string()))?;
                }
                Change::LimitsSet { tenant, account, limits } => {
                    ledger
                        .set_limits(at, tenant, account, limits)
                        .map_err(|e| diverged(e.to_string()))?;
                }
                Change::AccountUpdated { tenant, account, status, limits } => {
                    ledger
                        .update_account(at, tenant, account, status, limits)
                        .map_err(|e| diverged(e.to_string()))?;
                }
                Change::TransferCommitted(transfer) => match ledger.transfer(at, transfer) {
                    Ok(Applied::New(receipt)) if receipt.id == TransferId(seq) => {}
                    other => {
                        return Err(diverged(format!("expected a new transfer, got {other:?}")));
                    }
                },
                Change::TransferRejected { transfer, error } => match ledger.transfer(at, transfer)
                {
                    Err(again) if again == error => {}
                    other => {
                        return Err(diverged(format!(
                            "expected rejection {error:?}, got {other:?}"
                        )));
                    }
                },
                Change::PendingPosted { tenant, pending, amount } => {
                    ledger
                        .post_pending(at, tenant, pending, amount)
                        .map_err(|e| diverged(e.to_string()))?;
                }
                Change::PendingVoided { tenant, pending } => {
                    ledger
                        .void_pending(at, tenant, pending)
                        .map_err(|e| diverged(e.to_string()))?;
                }
                Change::TenantReset { tenant } => {
                    ledger.reset_tenant(at, tenant).map_err(|e| diverged(e.to_string()))?;
                }
            }
            if ledger.seq.load(Ordering::Relaxed) != seq {
                return Err(diverged(
                    "the change did not take its recorded sequence number".into(),
                ));
            }
        }
        ledger.journal = journal;
        Ok(ledger)
    }
}
