//! An account's history: entries appended in fixed-size chunks, so a long history grows
//! without ever copying what it already holds (doubling a `Vec` moved every entry again, under
//! the account's lock), and bounded: past the ledger's per-account maximum the
//! oldest chunk is dropped, its effect on the posted balance kept as a carried-forward base.
//!
//! Indices are absolute (the `n`th entry ever), so cursors stay valid when old entries go.

use std::collections::VecDeque;

use rust_decimal::Decimal;

use crate::transfer::{Entry, TransferId};

pub(crate) const CHUNK_ENTRIES: usize = 256;

/// Entries in commit order.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    chunks: VecDeque<Vec<Entry>>,
    /// Entries ever pushed.
    len: usize,
    /// Entries dropped from the front.
    n_dropped: usize,
    /// The posted balance the dropped entries add up to: where the kept ones start from.
    base_posted: Decimal,
}

impl History {
    /// Appends `entry`, then unlinks the oldest chunk when more than `n_max` entries are kept.
    /// The chunk is handed back, not freed: its entries are cold, and freeing them inside the
    /// shard's lock made every writer of the account wait for it.
    #[must_use = "the dropped chunk should be freed outside the shard lock"]
    pub(crate) fn push(&mut self, entry: Entry, n_max: usize) -> Option<Vec<Entry>> {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < CHUNK_ENTRIES => chunk.push(entry),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK_ENTRIES);
                chunk.push(entry);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
        // One entry in, so at most one (full) chunk out.
        if self.len - self.n_dropped > n_max.max(CHUNK_ENTRIES) + CHUNK_ENTRIES {
            let oldest = self.chunks.pop_front()?;
            self.n_dropped += oldest.len();
            self.base_posted += oldest.iter().map(Entry::posted_delta).sum::<Decimal>();
            return Some(oldest);
        }
        None
    }

    /// A history as a checkpoint kept it: `n_dropped` entries gone, summing to `base_posted`,
    /// then `chunks`, each full ([`CHUNK_ENTRIES`]) but the newest, as `push` leaves them.
    pub(crate) fn from_chunks(
        n_dropped: usize,
        base_posted: Decimal,
        chunks: VecDeque<Vec<Entry>>,
    ) -> History {
        let len = n_dropped + chunks.iter().map(Vec::len).sum::<usize>();
        History { chunks, len, n_dropped, base_posted }
    }

    /// Entries ever pushed (kept or dropped).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Index of the oldest entry still kept.
    pub(crate) fn first_kept(&self) -> usize {
        self.n_dropped
    }

    /// The posted balance before the oldest kept entry.
    pub(crate) fn base_posted(&self) -> Decimal {
        self.base_posted
    }

    /// Kept entries with index in `start..end`, oldest first.
    pub(crate) fn range(
        &self,
        start: usize,
        end: usize,
    ) -> impl DoubleEndedIterator<Item = &Entry> {
        let end = end.min(self.len).max(self.n_dropped);
        let start = start.clamp(self.n_dropped, end);
        // Chunks are full except the newest, so a kept index maps to (chunk, offset) directly.
        let (start, end) = (start - self.n_dropped, end - self.n_dropped);
        let first_chunk = start / CHUNK_ENTRIES;
        let end_chunk = end.div_ceil(CHUNK_ENTRIES).max(first_chunk);
        self.chunks.range(first_chunk..end_chunk).enumerate().flat_map(move |(i, chunk)| {
            let base = (first_chunk + i) * CHUNK_ENTRIES;
            let lo = start.saturating_sub(base).min(chunk.len());
            let hi = (end - base).min(chunk.len());
            &chunk[lo..hi]
        })
    }

    /// The index of the first kept entry made after transfer `through` (`len()` if none): entries
    /// are in commit order, so a binary search over chunks, then within one.
    pub(crate) fn position_after(&self, through: TransferId) -> usize {
        let n_before = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|e| e.transfer_id <= through));
        let within = self
            .chunks
            .get(n_before)
            .map_or(0, |chunk| chunk.partition_point(|e| e.transfer_id <= through));
        self.n_dropped + n_before * CHUNK_ENTRIES + within
    }

    /// Every kept entry, oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.chunks.iter().flatten()
    }
}
