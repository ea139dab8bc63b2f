//! An account's history: entries appended in fixed-size chunks, so a long history grows
//! without ever copying what it already holds (doubling a `Vec` moved every entry again and
//! was a tenth of a transfer's time).

use crate::transfer::Entry;

const CHUNK_ENTRIES: usize = 256;

/// Entries in commit order.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    chunks: Vec<Vec<Entry>>,
    len: usize,
}

impl History {
    pub(crate) fn push(&mut self, entry: Entry) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK_ENTRIES => chunk.push(entry),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK_ENTRIES);
                chunk.push(entry);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Entries with index in `start..end`, oldest first.
    pub(crate) fn range(
        &self,
        start: usize,
        end: usize,
    ) -> impl DoubleEndedIterator<Item = &Entry> {
        let end = end.min(self.len);
        let start = start.min(end);
        let first_chunk = start / CHUNK_ENTRIES;
        let end_chunk = end.div_ceil(CHUNK_ENTRIES).max(first_chunk);
        self.chunks[first_chunk..end_chunk].iter().enumerate().flat_map(move |(i, chunk)| {
            let base = (first_chunk + i) * CHUNK_ENTRIES;
            let lo = start.saturating_sub(base).min(chunk.len());
            let hi = (end - base).min(chunk.len());
            &chunk[lo..hi]
        })
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.chunks.iter().flatten()
    }
}
