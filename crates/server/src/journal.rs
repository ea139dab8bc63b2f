//! The request journal: each tenant's recent requests, newest first, with the rule that fired
//! for every non-2xx answer (WireMock's "near miss" idea). Bounded in entries and bytes.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use ledger::Timestamp;

/// Most entries kept per tenant; older ones are dropped.
pub const JOURNAL_ENTRIES_MAX: usize = 1000;

/// Most body bytes kept per entry and direction; longer bodies are cut.
pub const JOURNAL_BODY_BYTES_MAX: usize = 4096;

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// When it arrived, in the tenant's clock.
    pub at: Timestamp,
    /// The trace id also sent back in `X-Sandbank-Trace-Id`.
    pub trace_id: uuid::Uuid,
    /// HTTP method.
    pub method: http::Method,
    /// Path and query as sent.
    pub path: Box<str>,
    /// Answer status.
    pub status: u16,
    /// The vendor that answered (`None` for the admin API or an unknown path).
    pub vendor: Option<&'static str>,
    /// The operation, as in the vendor's route table.
    pub operation: Option<&'static str>,
    /// Time spent inside sandbank, in microseconds.
    pub duration_micros: u64,
    /// The request body (cut at [`JOURNAL_BODY_BYTES_MAX`]).
    pub request_body: Bytes,
    /// The response body (cut likewise).
    pub response_body: Bytes,
    /// For a non-2xx answer: the rule that fired.
    pub reason: Option<String>,
}

/// At most [`JOURNAL_BODY_BYTES_MAX`] of a body, copied: a request body is a slice of the
/// connection's read buffer, and keeping it would keep the whole buffer from being reused
/// (hyper then allocated a fresh one per request, a tenth of a request's cost).
pub fn clip(body: &Bytes) -> Bytes {
    Bytes::copy_from_slice(&body[..body.len().min(JOURNAL_BODY_BYTES_MAX)])
}

/// One tenant's journal.
#[derive(Debug, Default)]
pub struct RequestJournal {
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl RequestJournal {
    /// Adds an entry, dropping the oldest past the cap.
    pub fn record(&self, entry: JournalEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= JOURNAL_ENTRIES_MAX {
            entries.pop_back();
        }
        entries.push_front(entry);
    }

    /// Up to `limit` entries, newest first.
    pub fn recent(&self, limit: usize) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.iter().take(limit).cloned().collect()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}
