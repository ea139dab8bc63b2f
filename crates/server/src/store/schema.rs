//! The database file: its tables, its format version, opening it, reading it back.
//!
//! Tables (documented for users in the README's "Durable state"):
//! - `meta(key, value)` — `format_version`, `seed` (the default tenant's), `server_secret`
//!   (keys every tenant's secret stream), `restarts` (how many times the store was opened),
//!   `created_at_micros` (when the store was made: the default tenant's creation time).
//! - `events(id, source, tenant, kind, seq, at_micros, data)` — every change in the order it
//!   was stored: `source` is `ledger`, `admin` or a vendor's name; `data` is the ledger's binary
//!   encoding or JSON text.
//!
//! Checkpoints of the ledger live in a database of their own (`checkpoints_db`).

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{Record, StoreError, Sync, record};

/// The database's file name in the data directory.
pub const FILE_NAME: &str = "sandbank.db";
/// The lock file's name in the data directory.
pub const LOCK_NAME: &str = "sandbank.lock";
/// The store format this build writes and reads. Raise it when a change to the tables or to an
/// encoding makes an older build misread a newer store.
pub const FORMAT_VERSION: u32 = 1;

/// The store's settings, as read at open.
#[derive(Debug, Clone, Default)]
pub struct Meta(BTreeMap<String, String>);

impl Meta {
    /// A setting's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Turns SQLite's error into the store's, naming the file.
pub(super) fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite { path: path.to_path_buf(), source }
}

/// Opens the file in WAL mode with the requested sync.
pub(super) fn connect(path: &Path, sync: Sync) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(sqlite(path))?;
    let synchronous = match sync {
        Sync::Full => "FULL",
        Sync::Off => "OFF",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
         PRAGMA busy_timeout = 5000;"
    ))
    .map_err(sqlite(path))?;
    Ok(conn)
}

/// Creates the tables of a new store, checks an existing one's format, fills in `defaults` for
/// settings not yet stored, counts this opening, and returns the settings.
pub(super) fn prepare(
    conn: &mut Connection,
    path: &Path,
    defaults: &[(&str, String)],
) -> Result<Meta, StoreError> {
    let tx = conn.transaction().map_err(sqlite(path))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS events (
             id INTEGER PRIMARY KEY,
             source TEXT NOT NULL,
             tenant TEXT,
             kind TEXT NOT NULL,
             seq INTEGER,
             at_micros INTEGER,
             data BLOB NOT NULL
         );",
    )
    .map_err(sqlite(path))?;
    let found: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'format_version'", [], |row| row.get(0))
        .optional()
        .map_err(sqlite(path))?;
    match found {
        None => {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('format_version', ?1)",
                params![FORMAT_VERSION.to_string()],
            )
            .map_err(sqlite(path))?;
        }
        Some(found) if found == FORMAT_VERSION.to_string() => {}
        Some(found) => {
            return Err(StoreError::Version {
                path: path.to_path_buf(),
                found,
                supported: FORMAT_VERSION,
            });
        }
    }
    for (key, value) in defaults {
        tx.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)", params![key, value])
            .map_err(sqlite(path))?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('restarts', '0')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [],
    )
    .map_err(sqlite(path))?;
    let meta = {
        let mut stmt = tx.prepare("SELECT key, value FROM meta").map_err(sqlite(path))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
            .map_err(sqlite(path))?;
        rows.collect::<Result<BTreeMap<_, _>, _>>().map_err(sqlite(path))?
    };
    tx.commit().map_err(sqlite(path))?;
    Ok(Meta(meta))
}

/// Opens an existing store for reading (a crash's write-ahead log is recovered on open, which
/// changes no content).
pub(super) fn connect_read_only(path: &Path) -> Result<Connection, StoreError> {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags).map_err(sqlite(path))
}

/// The settings of an existing store, its format checked.
pub(super) fn read_meta(conn: &Connection, path: &Path) -> Result<Meta, StoreError> {
    let mut stmt = conn.prepare("SELECT key, value FROM meta").map_err(sqlite(path))?;
    let rows = stmt
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
        .map_err(sqlite(path))?;
    let meta = Meta(rows.collect::<Result<BTreeMap<_, _>, _>>().map_err(sqlite(path))?);
    match meta.get("format_version") {
        Some(found) if found == FORMAT_VERSION.to_string() => Ok(meta),
        found => Err(StoreError::Version {
            path: path.to_path_buf(),
            found: found.unwrap_or("none").to_owned(),
            supported: FORMAT_VERSION,
        }),
    }
}

/// Every stored change in the order stored, except ledger events at or before `after_seq`
/// (those a checkpoint holds).
pub(super) fn load(
    conn: &Connection,
    path: &Path,
    after_seq: u64,
) -> Result<Vec<Record>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, source, tenant, data FROM events
             WHERE source != 'ledger' OR seq > ?1 ORDER BY id",
        )
        .map_err(sqlite(path))?;
    let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
    let mut rows = stmt.query([after]).map_err(sqlite(path))?;
    let mut records = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite(path))? {
        let id: i64 = row.get(0).map_err(sqlite(path))?;
        let source: String = row.get(1).map_err(sqlite(path))?;
        let tenant: Option<String> = row.get(2).map_err(sqlite(path))?;
        let data = match row.get_ref(3).map_err(sqlite(path))? {
            rusqlite::types::ValueRef::Blob(bytes) | rusqlite::types::ValueRef::Text(bytes) => {
                bytes
            }
            _ => &[],
        };
        let record = record::decode(&source, tenant.as_deref(), data)
            .map_err(|detail| StoreError::Corrupt { path: path.to_path_buf(), id, detail })?;
        records.push(record);
    }
    Ok(records)
}
