//! Checkpoints of the ledger taken while serving, so a start loads the newest and replays only
//! the events after it: start-up time stays flat however long a store's history grows.
//!
//! A thread looks ten times a second at how much was stored since the last checkpoint and takes
//! a new one past `Config::checkpoint_every` rows ([`EVERY_ROWS`] by default); a graceful stop
//! takes one last, so a restart after it replays nothing. Taking one holds the ledger's locks while its state is copied out (the
//! writing happens on the store's thread).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::App;
use crate::store::Checkpoint;

/// Rows stored since the last checkpoint that make the next one worth taking, by default.
pub const EVERY_ROWS: u64 = 100_000;
/// How often the thread looks.
const POLL: Duration = Duration::from_millis(100);

/// Takes a checkpoint now if anything was stored since the last one; whether one was taken.
pub(crate) fn take(app: &App) -> bool {
    let Some(store) = &app.store else {
        return false;
    };
    if store.events_since_checkpoint() == 0 || store.failing() {
        return false;
    }
    let mut data = Vec::new();
    let seq = app.ledger.checkpoint(&mut data);
    let taken_at_micros = crate::clock::system_now().as_unix_micros();
    match store.append_checkpoint(Checkpoint { seq, taken_at_micros, data }) {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(%err, "checkpoint not stored; the next start replays more events");
            false
        }
    }
}

/// Starts the checkpoint thread for `app`'s store; it ends when `stop` is set or the app is
/// gone.
pub(crate) fn spawn(
    app: &Arc<App>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> std::io::Result<Option<std::thread::JoinHandle<()>>> {
    if app.store.is_none() {
        return Ok(None);
    }
    let app: Weak<App> = Arc::downgrade(app);
    std::thread::Builder::new()
        .name("sandbank-checkpoints".into())
        .spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Acquire) {
                std::thread::sleep(POLL);
                let Some(app) = app.upgrade() else {
                    return;
                };
                let every = app.config.checkpoint_every.max(1);
                let due = app.store.as_ref().is_some_and(|s| s.events_since_checkpoint() >= every);
                if due {
                    take(&app);
                }
            }
        })
        .map(Some)
}
