//! Vendor-side state that outlives the process: the contract between a vendor and the server's
//! store.
//!
//! The ledger journals its own changes. What a vendor keeps beside it (identifier indexes,
//! issued tokens, sessions, snapshots) is saved the same way: every change is encoded by the
//! vendor as one *record* — its own serde type, JSON on disk so a user can read it with the
//! `sqlite3` shell — handed to the [`Recorder`] **before** the change is applied, and folded
//! back at restart by [`crate::Vendor::restore`] in the order recorded, after the ledger has
//! been rebuilt. A record must carry every value the change needs (generated ids included):
//! restoring draws nothing from an id generator and reads no clock.
//!
//! What a record need not carry: what the server replays itself (a tenant's provisioning, its
//! resets and removal), and what follows from the ledger alone.
//!
//! In memory (no `--data`) the recorder is [`Memory`]: it keeps nothing, and
//! [`Recorder::enabled`] lets a vendor skip encoding altogether.

use ledger::TenantId;
use serde::Serialize;

/// The reason every vendor gives when a request is refused because the store cannot write.
pub const UNSTORED: &str = "store: cannot write (disk full, read-only or I/O error); nothing was acknowledged, retry later";

/// The store refused a record: the change must not be applied, and the request is answered with
/// the vendor's own "unavailable" error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the store cannot write: {0}")]
pub struct Unstored(pub String);

/// Where a vendor's state changes go before they are applied.
pub trait Recorder: Send + Sync {
    /// Whether records are kept; when not, a vendor need not encode them.
    fn enabled(&self) -> bool;

    /// Appends one record of `vendor`'s state for `tenant`. The request that made it is answered
    /// only once the record is durable (the server waits); `Err` means it was not taken.
    fn record(
        &self,
        tenant: TenantId,
        vendor: &'static str,
        record: Vec<u8>,
    ) -> Result<(), Unstored>;
}

/// The in-memory server's recorder: keeps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory;

impl Recorder for Memory {
    fn enabled(&self) -> bool {
        false
    }

    fn record(&self, _: TenantId, _: &'static str, _: Vec<u8>) -> Result<(), Unstored> {
        Ok(())
    }
}

/// Encodes `record` as JSON and appends it, unless the recorder keeps nothing.
pub fn record<R: Serialize>(
    recorder: &dyn Recorder,
    tenant: TenantId,
    vendor: &'static str,
    record: &R,
) -> Result<(), Unstored> {
    if !recorder.enabled() {
        return Ok(());
    }
    let bytes = serde_json::to_vec(record)
        .map_err(|err| Unstored(format!("{vendor} record did not encode: {err}")))?;
    recorder.record(tenant, vendor, bytes)
}

/// Decodes one of `vendor`'s records for [`crate::Vendor::restore`]; the error names the vendor.
pub fn decode<'de, R: serde::Deserialize<'de>>(
    vendor: &str,
    bytes: &'de [u8],
) -> Result<R, String> {
    serde_json::from_slice(bytes).map_err(|err| format!("{vendor}: unreadable record: {err}"))
}

/// A recorder that keeps every record in memory, for tests: record through a vendor, then
/// restore the records into a fresh one and compare what both answer.
#[derive(Debug, Default)]
pub struct Captured {
    records: std::sync::Mutex<Vec<(TenantId, &'static str, Vec<u8>)>>,
}

impl Captured {
    /// Every record so far, in order.
    pub fn all(&self) -> Vec<(TenantId, &'static str, Vec<u8>)> {
        self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl Recorder for Captured {
    fn enabled(&self) -> bool {
        true
    }

    fn record(
        &self,
        tenant: TenantId,
        vendor: &'static str,
        record: Vec<u8>,
    ) -> Result<(), Unstored> {
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((tenant, vendor, record));
        Ok(())
    }
}
