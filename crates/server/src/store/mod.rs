//! Durable state (`serve --data DIR`): every change — the ledger's events, the vendors'
//! records, the admin API's — is appended to an embedded SQLite database before the request
//! that made it is answered, and folded back at start-up.
//!
//! A request's life with a store: its handler appends rows while it runs (the ledger through
//! its [`ledger::Journal`] seam, under the accounts' locks; vendors through
//! [`vendors::common::persist::Recorder`]); appending only queues the row. One writer thread
//! takes everything queued, writes it in one SQLite transaction and syncs it (group commit:
//! concurrent requests share one fsync), then wakes the requests waiting on it. The server
//! answers a request only once everything appended before its answer was ready is committed
//! ([`Store::settle`]), so an answer a client sees is never lost by a crash.
//!
//! When the disk fails (full, read-only, I/O error) the writer keeps the batch and retries it;
//! meanwhile new appends are refused, so requests that would change something are answered
//! with their vendor's "unavailable" error and change nothing, reads keep working, and the
//! store recovers by itself once a retry succeeds. Requests whose changes were in the failed
//! batch are answered "unavailable" too (their outcome is unknown to the client, as after any
//! timeout: the batch is stored once the disk recovers, and a retry with the same idempotency
//! key replays it).

mod checkpoints_db;
mod record;
mod schema;
#[cfg(test)]
mod tests;
mod writer;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use ledger::{Event, Journal, JournalError, TenantId};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use vendors::common::persist::{Recorder, Unstored};

use checkpoints_db::CheckpointsDb;
pub use checkpoints_db::{FILE_NAME as CHECKPOINTS_FILE_NAME, SET_ASIDE as CHECKPOINTS_SET_ASIDE};
pub(crate) use record::Row;
pub use record::{AdminRecord, Record};
pub use schema::{FILE_NAME, FORMAT_VERSION, LOCK_NAME, Meta};

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sync {
    /// Every commit is fsynced before its requests are answered: nothing acknowledged is lost,
    /// even on power loss.
    #[default]
    Full,
    /// Commits reach the operating system but are not fsynced: a crash of sandbank loses
    /// nothing, a crash of the machine may lose the last moments.
    Off,
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `sandbank check` was pointed at a directory without a store.
    #[error("no store in {0} (it has no {FILE_NAME})", FILE_NAME = schema::FILE_NAME)]
    Missing(PathBuf),
    /// Another process holds the directory's lock.
    #[error("the store {0} is in use by another sandbank (its lock file is held)")]
    Locked(PathBuf),
    /// The store was written by a format this build does not read.
    #[error("the store {path} has format version {found}; this sandbank reads version {supported}")]
    Version {
        /// The database file.
        path: PathBuf,
        /// The version on disk.
        found: String,
        /// The version this build writes and reads.
        supported: u32,
    },
    /// A stored row could not be read back.
    #[error("the store {path} holds an unreadable row {id}: {detail}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The row.
        id: i64,
        /// What is wrong with it.
        detail: String,
    },
    /// SQLite refused.
    #[error("the store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The directory or lock file could not be made.
    #[error("the store directory {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// What the writer has done, for the requests waiting on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Every row with a ticket up to this one is committed.
    pub(crate) durable: u64,
    /// The last commit failed and the store is refusing appends until a retry succeeds.
    pub(crate) failed: bool,
}

/// The state shared by appenders, the writer thread and waiting requests.
#[derive(Debug)]
pub(crate) struct Shared {
    queue: Mutex<Vec<Row>>,
    queued: Condvar,
    /// The writer is waiting for rows (changed only under `queue`'s lock).
    writer_idle: AtomicBool,
    /// Tickets handed out: the number of rows appended so far.
    appended: AtomicU64,
    /// `appended` when the last checkpoint saved was taken.
    at_checkpoint: AtomicU64,
    failed: AtomicBool,
    progress: tokio::sync::watch::Sender<Progress>,
    stopping: AtomicBool,
    /// Tests hold the writer back with it, to see what waits on a commit.
    #[cfg(test)]
    paused: AtomicBool,
    /// Why the last commit failed, for the log and the reason header.
    last_error: Mutex<String>,
    /// Each group commit's duration in seconds and its rows, for `GET /metrics`.
    commit_seconds: prometheus_client::metrics::histogram::Histogram,
    commit_rows: prometheus_client::metrics::histogram::Histogram,
}

thread_local! {
    /// The last ticket this thread was handed: a handler runs on one thread without awaiting,
    /// so the server learns whether (and up to where) a request appended by reading it after.
    static TICKET: Cell<u64> = const { Cell::new(0) };
}

impl Shared {
    fn append(&self, row: Row) -> Result<u64, String> {
        if self.failed.load(Ordering::Acquire) {
            return Err(self.reason());
        }
        let mut queue = self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let ticket = self.appended.fetch_add(1, Ordering::AcqRel) + 1;
        queue.push(row.with_ticket(ticket));
        // Read under the queue's lock, which the writer holds while it decides to sleep: a
        // busy writer takes this row with its next batch, so only a sleeping one is woken
        // (a wake is a system call, on every append it was a visible part of a write).
        let sleeping = self.writer_idle.load(Ordering::Relaxed);
        drop(queue);
        if sleeping {
            self.queued.notify_one();
        }
        TICKET.with(|last| last.set(ticket));
        Ok(ticket)
    }

    fn reason(&self) -> String {
        self.last_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// The open store: appends go to its writer thread; dropping it commits what is queued and
/// stops the writer.
#[derive(Debug)]
pub struct Store {
    shared: Arc<Shared>,
    writer: Option<std::thread::JoinHandle<()>>,
    path: PathBuf,
    sync: Sync,
    /// Written by the checkpoint thread, beside the writer's commits.
    checkpoints: Mutex<CheckpointsDb>,
    /// Held while the store is open: a second server on the same directory is refused.
    _lock: std::fs::File,
}

/// The ledger's whole state at one sequence number, as stored.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The last ledger sequence number it holds.
    pub seq: u64,
    /// When it was taken (real time, µs since the epoch).
    pub taken_at_micros: i64,
    /// `ledger::Ledger::checkpoint`'s bytes.
    pub data: Vec<u8>,
}

/// What [`Store::open`] found on disk, to fold back before serving.
#[derive(Debug)]
pub struct Loaded {
    /// The newest checkpoint, if any.
    pub checkpoint: Option<Checkpoint>,
    /// Why the checkpoints' database could not be read, if it could not (a start then sets it
    /// aside and replays every event).
    pub checkpoint_problem: Option<String>,
    /// Every stored record, in the order stored, less the ledger events the checkpoint holds.
    pub records: Vec<Record>,
    /// The store's settings from earlier lives (seed, server secret, restart count).
    pub meta: Meta,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, locks it, checks its format and reads
    /// every record back. The writer thread starts with it.
    pub fn open(
        dir: &Path,
        sync: Sync,
        defaults: &[(&str, String)],
    ) -> Result<(Store, Loaded), StoreError> {
        let io = |source| StoreError::Io { path: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = lock(dir)?;
        let path = dir.join(schema::FILE_NAME);
        let mut conn = schema::connect(&path, sync)?;
        let meta = schema::prepare(&mut conn, &path, defaults)?;
        let (checkpoints, checkpoint, checkpoint_problem) = CheckpointsDb::open_for_serving(dir)?;
        if let Some(problem) = &checkpoint_problem {
            tracing::warn!(store = %dir.display(), "the checkpoints' database is unreadable: {problem}");
        }
        let records = schema::load(&conn, &path, checkpoint.as_ref().map_or(0, |c| c.seq))?;
        let (progress, _) = tokio::sync::watch::channel(Progress { durable: 0, failed: false });
        let shared = Arc::new(Shared {
            queue: Mutex::new(Vec::new()),
            queued: Condvar::new(),
            writer_idle: AtomicBool::new(false),
            appended: AtomicU64::new(0),
            at_checkpoint: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            progress,
            stopping: AtomicBool::new(false),
            #[cfg(test)]
            paused: AtomicBool::new(false),
            last_error: Mutex::new(String::new()),
            commit_seconds: Histogram::new(exponential_buckets(0.000_05, 2.0, 16)),
            commit_rows: Histogram::new(exponential_buckets(1.0, 2.0, 12)),
        });
        let writer = writer::spawn(conn, Arc::clone(&shared), path.clone()).map_err(io)?;
        let checkpoints = Mutex::new(checkpoints);
        let store = Store { shared, writer: Some(writer), path, sync, checkpoints, _lock: lock };
        Ok((store, Loaded { checkpoint, checkpoint_problem, records, meta }))
    }

    /// Each group commit's duration (seconds) and size (rows), observed by the writer thread.
    pub(crate) fn commit_metrics(&self) -> (Histogram, Histogram) {
        (self.shared.commit_seconds.clone(), self.shared.commit_rows.clone())
    }

    /// Reads a store offline, changing nothing: its lock is taken (a store a server holds is
    /// refused), its format checked, its records read. For `sandbank check`.
    pub fn read(dir: &Path) -> Result<(Loaded, PathBuf), StoreError> {
        let path = dir.join(schema::FILE_NAME);
        if !path.exists() {
            return Err(StoreError::Missing(dir.to_path_buf()));
        }
        let _lock = lock(dir)?;
        let conn = schema::connect_read_only(&path)?;
        let meta = schema::read_meta(&conn, &path)?;
        // Read-only: an unreadable checkpoints' database is reported, not set aside.
        let (checkpoint, checkpoint_problem) = match CheckpointsDb::newest_in(dir) {
            Ok(newest) => (newest, None),
            Err(err) => (None, Some(err.to_string())),
        };
        let records = schema::load(&conn, &path, checkpoint.as_ref().map_or(0, |c| c.seq))?;
        Ok((Loaded { checkpoint, checkpoint_problem, records, meta }, path))
    }

    /// Every stored record, ledger events included, ignoring checkpoints: for a start whose
    /// checkpoint cannot be loaded, and for `sandbank check`'s second opinion.
    pub fn read_all(dir: &Path) -> Result<Vec<Record>, StoreError> {
        let path = dir.join(schema::FILE_NAME);
        let conn = schema::connect_read_only(&path)?;
        schema::load(&conn, &path, 0)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How commits are synced.
    pub fn sync(&self) -> Sync {
        self.sync
    }

    /// Saves one of the store's settings (written with the next commit).
    pub fn set_meta(&self, key: &'static str, value: String) -> Result<(), Unstored> {
        self.shared.append(Row::meta(key, value)).map(drop).map_err(Unstored)
    }

    /// How many rows were appended so far. Read right after a checkpoint of the ledger is
    /// taken, it covers every event the checkpoint holds (events are appended before they are
    /// applied): the `upto` of [`Store::save_checkpoint`].
    pub fn appended(&self) -> u64 {
        self.shared.appended.load(Ordering::Acquire)
    }

    /// Saves a checkpoint once every row up to `upto` is committed, so a start never loads a
    /// checkpoint holding events the log lost. Blocks the calling (checkpoint) thread, not the
    /// writer; refused while the store fails.
    pub fn save_checkpoint(
        &self,
        seq: u64,
        taken_at_micros: i64,
        data: &[u8],
        upto: u64,
    ) -> Result<(), Unstored> {
        let mut progress = self.shared.progress.subscribe();
        loop {
            let now = *progress.borrow_and_update();
            if now.durable >= upto {
                break;
            }
            if now.failed || self.shared.stopping.load(Ordering::Acquire) {
                return Err(Unstored(format!("not saved: {}", self.shared.reason())));
            }
            // The writer wakes waiters through a watch channel made for async code; a short
            // sleep is enough for a thread that runs every few seconds.
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let mut db = self.checkpoints.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        db.save(seq, taken_at_micros, data).map_err(|err| Unstored(err.to_string()))?;
        self.shared.at_checkpoint.fetch_max(upto, Ordering::AcqRel);
        Ok(())
    }

    /// How many rows were appended since the last checkpoint saved was taken.
    pub fn events_since_checkpoint(&self) -> u64 {
        self.shared.appended.load(Ordering::Acquire)
            - self.shared.at_checkpoint.load(Ordering::Acquire)
    }

    /// Appends one record; it is durable once [`Store::settle`] says so.
    pub fn append(&self, record: &Record) -> Result<(), Unstored> {
        self.shared.append(Row::of(record)).map(drop).map_err(Unstored)
    }

    /// The journal the ledger appends its events to.
    pub fn journal(&self) -> Arc<dyn Journal> {
        Arc::new(LedgerJournal(Arc::clone(&self.shared)))
    }

    /// Starts a request's accounting: forgets the ticket of this thread's previous request.
    pub fn begin_request() {
        TICKET.with(|last| last.set(0));
    }

    /// The last ticket the request that just ran on this thread was handed (0: it appended
    /// nothing). Read right after the handler, before any await.
    pub fn ticket() -> u64 {
        TICKET.with(Cell::get)
    }

    /// Waits until a request whose own last ticket is `own` may be answered: everything
    /// appended so far is committed, so the answer shows nothing a crash could take back.
    /// `Err` when its own rows did not commit (answer "unavailable"); while the disk fails, a
    /// request that appended nothing (a read) is answered without waiting.
    pub async fn settle(&self, own: u64) -> Result<(), Unstored> {
        let upto = self.shared.appended.load(Ordering::Acquire);
        if self.shared.progress.borrow().durable >= upto {
            return Ok(());
        }
        let mut progress = self.shared.progress.subscribe();
        let reached = progress.wait_for(|p| p.durable >= upto || p.failed).await.map(|p| *p);
        match reached {
            Ok(p) if p.durable >= own => Ok(()),
            Ok(_) | Err(_) => Err(Unstored(self.shared.reason())),
        }
    }

    /// Whether the last commit failed (the store refuses appends until it recovers).
    pub fn failing(&self) -> bool {
        self.shared.failed.load(Ordering::Acquire)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        {
            // Under the queue's lock, so the writer cannot miss it between its check and its wait.
            let _queue =
                self.shared.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            self.shared.stopping.store(true, Ordering::Release);
        }
        self.shared.queued.notify_all();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// Takes `dir`'s lock file, or says who holds it.
fn lock(dir: &Path) -> Result<std::fs::File, StoreError> {
    let path = dir.join(schema::LOCK_NAME);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::Io { path: path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Io { path, source }),
    }
}

/// The ledger's journal: its events become rows.
struct LedgerJournal(Arc<Shared>);

impl Journal for LedgerJournal {
    fn append(&self, event: &Event) -> Result<(), JournalError> {
        self.0.append(Row::ledger(event)).map(drop).map_err(JournalError)
    }

    /// A replay's answer depends on everything appended so far: the request is held (or
    /// refused while the store fails) as if it had appended it itself.
    fn replayed(&self) {
        let upto = self.0.appended.load(Ordering::Acquire);
        TICKET.with(|last| last.set(last.get().max(upto)));
    }
}

/// The vendors' recorder: their records become rows.
pub(crate) struct VendorRecorder(pub(crate) Arc<Shared>);

impl Recorder for VendorRecorder {
    fn enabled(&self) -> bool {
        true
    }

    fn record(
        &self,
        tenant: TenantId,
        vendor: &'static str,
        record: Vec<u8>,
    ) -> Result<(), Unstored> {
        self.0.append(Row::vendor(tenant, vendor, record)).map(drop).map_err(Unstored)
    }
}

impl Store {
    /// The recorder vendors record through.
    pub(crate) fn recorder(&self) -> VendorRecorder {
        VendorRecorder(Arc::clone(&self.shared))
    }
}
