//! The writer thread: group commit. It takes every row queued since its last commit, writes
//! them in one transaction (one fsync under `Sync::Full`), then tells the waiting requests how
//! far the store is durable. A failed commit keeps its rows and is retried with backoff while
//! the store refuses new appends; the first success clears the failure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rusqlite::{Connection, params};

use super::Shared;
use super::record::{Body, Data, Row};

/// The first wait after a failed commit; doubled up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_millis(20);
const RETRY_MAX: Duration = Duration::from_secs(1);
/// How long the writer lets a small batch fill before committing it.
const LINGER: Duration = Duration::from_micros(100);
/// A batch this large is committed at once.
const BATCH_FULL: usize = 64;
/// Retries of a failing commit at shutdown before its rows are given up (they were never
/// acknowledged).
const RETRIES_AT_SHUTDOWN: u32 = 3;

pub(super) fn spawn(
    conn: Connection,
    shared: Arc<Shared>,
    path: PathBuf,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("sandbank-store".into())
        .spawn(move || run(conn, &shared, &path))
}

fn run(mut conn: Connection, shared: &Shared, path: &Path) {
    let mut batch: Vec<Row> = Vec::new();
    let mut retry = RETRY_FIRST;
    let mut failures = 0;
    loop {
        if batch.is_empty() {
            let mut queue = shared.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            while queue.is_empty() && !shared.stopping.load(Ordering::Acquire) {
                shared.writer_idle.store(true, Ordering::Relaxed);
                queue =
                    shared.queued.wait(queue).unwrap_or_else(std::sync::PoisonError::into_inner);
                shared.writer_idle.store(false, Ordering::Relaxed);
            }
            if queue.is_empty() {
                return;
            }
            if queue.len() < BATCH_FULL && !shared.stopping.load(Ordering::Acquire) {
                // Let the batch fill: one commit's fixed cost (and the wake-ups of the threads
                // its requests wait on) shared by more rows is what lets a durable write cost
                // little more than an in-memory one.
                drop(queue);
                std::thread::sleep(LINGER);
                queue = shared.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            batch = std::mem::take(&mut *queue);
        }
        #[cfg(test)]
        while shared.paused.load(Ordering::Acquire) && !shared.stopping.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let started = std::time::Instant::now();
        match commit(&mut conn, &batch) {
            Ok(()) => {
                shared.commit_seconds.observe(started.elapsed().as_secs_f64());
                // A histogram observes an f64; a batch is far below 2^53 rows, so it is exact.
                shared.commit_rows.observe(batch.len() as f64);
                let durable = batch.last().map_or(0, |row| row.ticket);
                batch.clear();
                if shared.failed.swap(false, Ordering::AcqRel) {
                    tracing::warn!(store = %path.display(), "the store writes again");
                }
                (retry, failures) = (RETRY_FIRST, 0);
                shared.progress.send_modify(|p| {
                    p.durable = durable;
                    p.failed = false;
                });
            }
            Err(err) => {
                failures += 1;
                let reason = format!("store: cannot write ({err}); nothing new is acknowledged");
                if !shared.failed.swap(true, Ordering::AcqRel) {
                    tracing::error!(store = %path.display(), error = %err, "the store cannot write; refusing changes until it can");
                }
                *shared.last_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    reason;
                shared.progress.send_modify(|p| p.failed = true);
                if shared.stopping.load(Ordering::Acquire) && failures > RETRIES_AT_SHUTDOWN {
                    tracing::error!(
                        rows = batch.len(),
                        "giving up unacknowledged changes at shutdown"
                    );
                    return;
                }
                std::thread::sleep(retry);
                retry = (retry * 2).min(RETRY_MAX);
            }
        }
    }
}

/// Writes `rows` in one transaction. `BEGIN` and `COMMIT` are cached statements like the
/// inserts: parsing them again for every commit was a visible part of a durable write.
fn commit(conn: &mut Connection, rows: &[Row]) -> rusqlite::Result<()> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let done = insert(conn, rows).and_then(|()| conn.prepare_cached("COMMIT")?.execute([]));
    if done.is_err() && !conn.is_autocommit() {
        // A failed insert or commit leaves no open transaction behind for the retry.
        let _ = conn.execute_batch("ROLLBACK");
    }
    done.map(drop)
}

fn insert(tx: &Connection, rows: &[Row]) -> rusqlite::Result<()> {
    {
        let mut event = tx.prepare_cached(
            "INSERT INTO events (source, tenant, kind, seq, at_micros, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut meta =
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
        let mut tenant_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        for row in rows {
            match &row.body {
                Body::Event { source, tenant, kind, seq, at_micros, data } => {
                    let tenant = tenant.map(|t| &*t.0.hyphenated().encode_lower(&mut tenant_text));
                    let seq = seq.and_then(|s| i64::try_from(s).ok());
                    match data {
                        Data::Binary(bytes) => {
                            event.execute(params![source, tenant, kind, seq, at_micros, bytes])?
                        }
                        Data::Text(text) => {
                            event.execute(params![source, tenant, kind, seq, at_micros, text])?
                        }
                    };
                }
                Body::Meta { key, value } => {
                    meta.execute(params![key, value])?;
                }
            }
        }
    }
    Ok(())
}
