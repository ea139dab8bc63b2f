//! The checkpoints database, `checkpoints.db` beside `sandbank.db`: the ledger's whole state at
//! one sequence number, the newest two kept.
//!
//! A file of its own, with its own connection, because SQLite lets one writer at a time into a
//! database: a checkpoint is megabytes, and writing it through the store's writer held every
//! request's commit behind it. Here the checkpoint thread writes while the writer commits.
//!
//! A checkpoint is saved only once every event it holds is committed to `sandbank.db`, so a
//! start never loads state the event log does not have. Its own commits are not synced: a crash
//! can lose the newest checkpoint (a start then replays more events), never tear one.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::schema::sqlite;
use super::{Checkpoint, StoreError};

/// The database's file name in the data directory.
pub const FILE_NAME: &str = "checkpoints.db";
/// What an unreadable checkpoints database is renamed to.
pub const SET_ASIDE: &str = "checkpoints.db.unreadable";

/// The open checkpoints database.
#[derive(Debug)]
pub(crate) struct CheckpointsDb {
    conn: Connection,
    path: PathBuf,
}

impl CheckpointsDb {
    /// Opens (creating if needed) the checkpoints database in `dir`.
    pub(crate) fn open(dir: &Path) -> Result<CheckpointsDb, StoreError> {
        let path = dir.join(FILE_NAME);
        let conn = Connection::open(&path).map_err(sqlite(&path))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS checkpoints (
                 id INTEGER PRIMARY KEY,
                 seq INTEGER NOT NULL,
                 taken_at_micros INTEGER NOT NULL,
                 data BLOB NOT NULL
             );",
        )
        .map_err(sqlite(&path))?;
        Ok(CheckpointsDb { conn, path })
    }

    /// The newest checkpoint in `dir`, if there is a checkpoints database holding one; reads
    /// without creating anything (for `sandbank check`).
    pub(crate) fn newest_in(dir: &Path) -> Result<Option<Checkpoint>, StoreError> {
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(None);
        }
        CheckpointsDb::open(dir)?.newest()
    }

    /// Opens the checkpoints database in `dir` for a server, with its newest checkpoint. A
    /// file that is not a readable checkpoints database (damaged, or something else's) only
    /// costs a longer start: it is renamed [`SET_ASIDE`] (kept for whoever wants to look) and
    /// a new one made; the warning says so.
    pub(crate) fn open_for_serving(
        dir: &Path,
    ) -> Result<(CheckpointsDb, Option<Checkpoint>, Option<String>), StoreError> {
        let opened = CheckpointsDb::open(dir).and_then(|db| {
            let newest = db.newest()?;
            Ok((db, newest))
        });
        match opened {
            Ok((db, newest)) => Ok((db, newest, None)),
            Err(err) => {
                let problem = format!(
                    "{err}; set aside as {SET_ASIDE}, every event is replayed and new \
                     checkpoints are taken"
                );
                for suffix in ["", "-wal", "-shm"] {
                    let from = dir.join(format!("{FILE_NAME}{suffix}"));
                    if from.exists() {
                        let to = dir.join(format!("{SET_ASIDE}{suffix}"));
                        std::fs::rename(&from, &to)
                            .map_err(|source| StoreError::Io { path: from, source })?;
                    }
                }
                Ok((CheckpointsDb::open(dir)?, None, Some(problem)))
            }
        }
    }

    /// The newest checkpoint, if any.
    pub(crate) fn newest(&self) -> Result<Option<Checkpoint>, StoreError> {
        self.conn
            .query_row(
                "SELECT seq, taken_at_micros, data FROM checkpoints ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok(Checkpoint {
                        seq: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                        taken_at_micros: row.get(1)?,
                        data: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(sqlite(&self.path))
    }

    /// Saves the ledger's checkpoint `data` at `seq` as the newest and drops all but the one
    /// before it.
    pub(crate) fn save(
        &mut self,
        seq: u64,
        taken_at_micros: i64,
        data: &[u8],
    ) -> Result<(), StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        let tx = self.conn.transaction().map_err(sqlite(&self.path))?;
        tx.execute(
            "INSERT INTO checkpoints (seq, taken_at_micros, data) VALUES (?1, ?2, ?3)",
            params![seq, taken_at_micros, data],
        )
        .map_err(sqlite(&self.path))?;
        tx.execute("DELETE FROM checkpoints WHERE id < (SELECT max(id) - 1 FROM checkpoints)", [])
            .map_err(sqlite(&self.path))?;
        tx.commit().map_err(sqlite(&self.path))
    }
}
