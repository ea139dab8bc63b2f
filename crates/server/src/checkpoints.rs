//! Checkpoints of the ledger taken while serving, so a start loads the newest and replays only
//! the events after it: start-up time stays flat however long a store's history grows.
//!
//! A thread looks ten times a second at how much was stored since the last checkpoint and takes
//! a new one past `Config::checkpoint_every` rows ([`EVERY_ROWS`] by default); a graceful stop
//! takes one last, so a restart after it replays nothing. Taking one holds the ledger's locks
//! while its state is encoded (requests wait meanwhile), so the thread also rests fifty times
//! as long as the last one took: a ledger so large that encoding it takes long is checkpointed
//! less often, and serving never waits more than about 2% of the time. Saving it happens on
//! this thread, in a database of its own, beside the store's commits.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::App;

/// Rows stored since the last checkpoint that make the next one worth taking, by default.
pub const EVERY_ROWS: u64 = 100_000;
/// How often the thread looks.
const POLL: Duration = Duration::from_millis(100);
/// A process's first checkpoint reserves this much per row stored since the start…
const FIRST_GUESS_BYTES_PER_ROW: usize = 150;
/// …up to this much.
const FIRST_GUESS_MAX: usize = 64 << 20;
/// How many times as long as the last checkpoint took the thread waits before the next.
const REST_FACTOR: u32 = 50;

/// Takes a checkpoint now if anything was stored since the last one, encoding it into `buf`;
/// whether one was taken.
///
/// The buffer is the thread's own, kept from one checkpoint to the next (so up to twice the
/// size of a checkpoint stays allocated): encoding into memory fresh from the system made
/// every writer waiting on it wait several times as long.
pub(crate) fn take(app: &App, buf: &mut Vec<u8>) -> bool {
    let Some(store) = &app.store else {
        return false;
    };
    if store.events_since_checkpoint() == 0 || store.failing() {
        return false;
    }
    // The ledger is encoded under its locks, so the buffer must not grow there: a growing
    // buffer is copied at every doubling, and fresh memory is paid for page by page. Room for
    // twice the last checkpoint (a state still filling its caps doubles between two), or for a
    // process's first a guess from the rows stored since the start, is made and touched here,
    // outside the locks.
    let room = match buf.len() {
        0 => usize::try_from(store.events_since_checkpoint())
            .unwrap_or(usize::MAX)
            .saturating_mul(FIRST_GUESS_BYTES_PER_ROW)
            .min(FIRST_GUESS_MAX),
        last => last.saturating_mul(2),
    };
    buf.clear();
    let before = buf.capacity();
    buf.reserve(room);
    if buf.capacity() > before {
        buf.resize(buf.capacity(), 0);
        buf.clear();
    }
    let started = Instant::now();
    let seq = app.ledger.checkpoint(buf);
    let encoded = started.elapsed();
    let upto = store.appended();
    let taken_at_micros = crate::clock::system_now().as_unix_micros();
    let bytes = buf.len();
    match store.save_checkpoint(seq, taken_at_micros, buf, upto) {
        Ok(()) => {
            tracing::debug!(seq, bytes, ?encoded, saved = ?started.elapsed(), "checkpoint");
            true
        }
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
            let mut rest_until = Instant::now();
            let mut buf = Vec::new();
            while !stop.load(Ordering::Acquire) {
                std::thread::sleep(POLL);
                let Some(app) = app.upgrade() else {
                    return;
                };
                let every = app.config.checkpoint_every.max(1);
                let due = app.store.as_ref().is_some_and(|s| s.events_since_checkpoint() >= every);
                if due && Instant::now() >= rest_until {
                    let started = Instant::now();
                    take(&app, &mut buf);
                    rest_until = Instant::now() + started.elapsed() * REST_FACTOR;
                }
            }
        })
        .map(Some)
}
