//! The request journal: each tenant's recent requests, newest first, with the rule that fired
//! for every non-2xx answer (WireMock's "near miss" idea). Bounded in entries and bytes.
//!
//! Each serving thread records into its own shard, so two threads answering one tenant never
//! take the same lock nor free each other's entries; a read merges the shards by arrival.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_utils::CachePadded;
use ledger::Timestamp;

/// Most entries kept per tenant; older ones are dropped.
pub const JOURNAL_ENTRIES_MAX: usize = 1000;

/// Most body bytes kept per entry and direction; longer bodies are cut.
pub const JOURNAL_BODY_BYTES_MAX: usize = 4096;

/// How many shards a journal has; a serving thread records into shard (its number mod this).
pub const JOURNAL_SHARDS: usize = 8;

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// When it arrived, in real monotonic time: orders entries across shards (the tenant's
    /// clock can be set back).
    pub received: Instant,
    /// When it arrived, in the tenant's clock.
    pub at: Timestamp,
    /// The trace id also sent back in `X-Sandbank-Trace-Id`.
    pub trace_id: uuid::Uuid,
    /// HTTP method.
    pub method: http::Method,
    /// Answer status; `None` when a fault sent no answer (a reset, a hang).
    pub status: Option<u16>,
    /// The vendor that answered (`None` for the admin API or an unknown path).
    pub vendor: Option<&'static str>,
    /// The operation, as in the vendor's route table.
    pub operation: Option<&'static str>,
    /// Time spent inside sandbank, in microseconds.
    pub duration_micros: u64,
    /// For a non-2xx answer: the rule that fired.
    pub reason: Option<String>,
    /// The path and both bodies.
    pub text: ExchangeText,
    /// The fault rule that fired on it, if one did.
    pub fault: Option<Box<JournalFault>>,
}

/// A fault that fired on a request, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalFault {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's name.
    pub name: String,
    /// `before` or `after`.
    pub phase: &'static str,
    /// What it did: `"latency 200 ms, error unavailable"`.
    pub action: String,
}

impl JournalFault {
    /// The journal's note of `fired`.
    pub fn of(fired: &crate::faults::Fired) -> JournalFault {
        JournalFault {
            rule_id: fired.id.clone(),
            name: fired.name.clone(),
            phase: fired.phase.name(),
            action: fired.action(),
        }
    }
}

impl JournalEntry {
    /// Path and query as sent.
    pub fn path(&self) -> &str {
        self.text.path()
    }

    /// The request body (cut at [`JOURNAL_BODY_BYTES_MAX`]).
    pub fn request_body(&self) -> &[u8] {
        self.text.request_body()
    }

    /// The response body (cut likewise).
    pub fn response_body(&self) -> &[u8] {
        self.text.response_body()
    }
}

/// An exchange's path and bodies (each body cut at [`JOURNAL_BODY_BYTES_MAX`]), copied into
/// one allocation: an entry is made per request and freed a thousand requests later, cold, so
/// one buffer instead of three (and no shared handle on the response body) is measurably
/// cheaper. Copying also keeps no slice of the connection's read buffer alive, which made hyper
/// allocate a fresh buffer per request.
#[derive(Debug, Clone)]
pub struct ExchangeText {
    bytes: Box<[u8]>,
    path_end: usize,
    request_end: usize,
}

impl ExchangeText {
    /// Copies `path` and the first [`JOURNAL_BODY_BYTES_MAX`] bytes of each body.
    pub fn new(path: &str, request_body: &[u8], response_body: &[u8]) -> ExchangeText {
        let request_body = &request_body[..request_body.len().min(JOURNAL_BODY_BYTES_MAX)];
        let response_body = &response_body[..response_body.len().min(JOURNAL_BODY_BYTES_MAX)];
        let mut bytes = Vec::with_capacity(path.len() + request_body.len() + response_body.len());
        bytes.extend_from_slice(path.as_bytes());
        bytes.extend_from_slice(request_body);
        bytes.extend_from_slice(response_body);
        ExchangeText {
            bytes: bytes.into_boxed_slice(),
            path_end: path.len(),
            request_end: path.len() + request_body.len(),
        }
    }

    /// Path and query as sent.
    pub fn path(&self) -> &str {
        // Copied from a `&str` whole, so always valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.path_end]).unwrap_or_default()
    }

    /// The request body, cut.
    pub fn request_body(&self) -> &[u8] {
        &self.bytes[self.path_end..self.request_end]
    }

    /// The response body, cut.
    pub fn response_body(&self) -> &[u8] {
        &self.bytes[self.request_end..]
    }
}

/// One tenant's journal: per shard, at most [`JOURNAL_ENTRIES_MAX`] newest entries, so the
/// newest [`JOURNAL_ENTRIES_MAX`] overall are always held, in at most [`JOURNAL_SHARDS`] times
/// that.
#[derive(Debug, Default)]
pub struct RequestJournal {
    shards: [CachePadded<Mutex<VecDeque<JournalEntry>>>; JOURNAL_SHARDS],
}

/// This thread's shard number, handed out in order of first use.
fn shard_of_this_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: Cell<Option<usize>> = const { Cell::new(None) };
    }
    SHARD.with(|shard| match shard.get() {
        Some(n) => n,
        None => {
            let n = NEXT.fetch_add(1, Ordering::Relaxed) % JOURNAL_SHARDS;
            shard.set(Some(n));
            n
        }
    })
}

fn lock(
    shard: &Mutex<VecDeque<JournalEntry>>,
) -> std::sync::MutexGuard<'_, VecDeque<JournalEntry>> {
    shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RequestJournal {
    /// Adds an entry, dropping its shard's oldest past the cap.
    pub fn record(&self, entry: JournalEntry) {
        let mut entries = lock(&self.shards[shard_of_this_thread()]);
        if entries.len() >= JOURNAL_ENTRIES_MAX {
            entries.pop_back();
        }
        entries.push_front(entry);
    }

    /// Up to `limit` (at most [`JOURNAL_ENTRIES_MAX`]) entries, newest first.
    pub fn recent(&self, limit: usize) -> Vec<JournalEntry> {
        let limit = limit.min(JOURNAL_ENTRIES_MAX);
        let mut all: Vec<JournalEntry> = Vec::new();
        for shard in &self.shards {
            all.extend(lock(shard).iter().take(limit).cloned());
        }
        all.sort_by_key(|entry| std::cmp::Reverse(entry.received));
        all.truncate(limit);
        all
    }

    /// Forgets everything.
    pub fn clear(&self) {
        for shard in &self.shards {
            lock(shard).clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(received: Instant, n: u16) -> JournalEntry {
        JournalEntry {
            received,
            at: ledger::Timestamp::from_unix_micros(0),
            trace_id: uuid::Uuid::nil(),
            method: http::Method::GET,
            status: Some(n),
            vendor: None,
            operation: None,
            duration_micros: 0,
            reason: None,
            fault: None,
            text: ExchangeText::new("/pay?x=1", b"{\"a\":1}", &[b'z'; 5000]),
        }
    }

    #[test]
    fn entries_from_many_threads_read_back_newest_first_and_bounded() {
        let journal = RequestJournal::default();
        let start = Instant::now();
        // Four threads record interleaved arrivals, 600 each: 2,400 in all, past the cap.
        std::thread::scope(|scope| {
            for t in 0..4u16 {
                let journal = &journal;
                scope.spawn(move || {
                    for i in 0..600u16 {
                        let n = i * 4 + t;
                        let at = start + std::time::Duration::from_micros(u64::from(n));
                        journal.record(entry(at, n));
                    }
                });
            }
        });
        let statuses: Vec<u16> =
            journal.recent(usize::MAX).iter().filter_map(|e| e.status).collect();
        let expected: Vec<u16> = (1_400..2_400).rev().collect();
        assert_eq!(statuses, expected, "the newest 1,000 overall, newest first");
        let newest = &journal.recent(1)[0];
        assert_eq!(newest.path(), "/pay?x=1");
        assert_eq!(newest.request_body(), b"{\"a\":1}");
        assert_eq!(newest.response_body(), &[b'z'; JOURNAL_BODY_BYTES_MAX][..], "cut");
        assert_eq!(
            journal.recent(3).iter().filter_map(|e| e.status).collect::<Vec<_>>(),
            [2_399, 2_398, 2_397]
        );
        journal.clear();
        assert!(journal.recent(10).is_empty());
    }
}
