//! Transfers: the commands that move money, their receipts, and the history entries they leave.

use std::borrow::Cow;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::account::{AccountId, Balances, TenantId};
use crate::clock::Timestamp;
use crate::idempotency::IdempotencyKey;
use crate::money::Currency;

/// A committed change's id: its position in the ledger's commit order, starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(pub u64);

/// One side of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// A customer account of the transfer's tenant.
    Account(AccountId),
    /// The tenant's system account for the outside world in the transfer's currency: money from
    /// a branch, a wire, a card network. It keeps every currency's balances summing to zero.
    External,
}

/// When a transfer's money moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Posted now, available now.
    Posted,
    /// A hold: reserves the amount on both sides now; posted or voided later. It lapses at
    /// `expires_at`, if given.
    Pending {
        /// When the hold lapses if neither posted nor voided.
        expires_at: Option<Timestamp>,
    },
    /// Posted now, but the credited funds become available only at `available_at` (next-day
    /// funds, a suspense balance).
    Deferred {
        /// When the credited funds become spendable.
        available_at: Timestamp,
    },
}

/// Free-form vendor data carried with a transfer into history: reference ids, codes,
/// descriptions. The ledger stores it and compares it for idempotency, never interprets it.
///
/// Pairs kept sorted by key, keys usually `&'static str`, values concatenated in one string:
/// two allocations whatever the number of pairs. A `BTreeMap` of `String`s cost ~700 bytes
/// per posting, and a `String` per value was most of a fifteen-pair write's allocations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Metadata {
    /// Keys in order, each with the end of its value in `text`.
    keys: Vec<(Cow<'static, str>, usize)>,
    /// Every value, in key order.
    text: String,
}

impl Metadata {
    /// No pairs.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// No pairs yet, with room for `n_pairs` whose values total `text_len` bytes.
    pub(crate) fn with_capacity(n_pairs: usize, text_len: usize) -> Metadata {
        Metadata { keys: Vec::with_capacity(n_pairs), text: String::with_capacity(text_len) }
    }

    fn start(&self, idx: usize) -> usize {
        idx.checked_sub(1).map_or(0, |prev| self.keys[prev].1)
    }

    fn value_at(&self, idx: usize) -> &str {
        &self.text[self.start(idx)..self.keys[idx].1]
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl AsRef<str>,
    ) -> Option<String> {
        let (key, value) = (key.into(), value.as_ref());
        // Pairs usually come in key order (a vendor lists them so): append without a search.
        if self.keys.last().is_none_or(|(last, _)| last.as_ref() < key.as_ref()) {
            self.text.push_str(value);
            self.keys.push((key, self.text.len()));
            return None;
        }
        let found = self.keys.binary_search_by(|(k, _)| k.as_ref().cmp(key.as_ref()));
        let (idx, replaced) = match found {
            Ok(idx) => {
                let range = self.start(idx)..self.keys[idx].1;
                let old = self.text[range.clone()].to_string();
                self.text.replace_range(range, value);
                (idx, Some(old))
            }
            Err(idx) => {
                let at = self.start(idx);
                self.text.insert_str(at, value);
                self.keys.insert(idx, (key, at));
                (idx, None)
            }
        };
        // Every end from this pair on moves by the change in length.
        let old_len = replaced.as_ref().map_or(0, String::len);
        for (_, end) in &mut self.keys[idx..] {
            *end = *end + value.len() - old_len;
        }
        replaced
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let idx = self.keys.binary_search_by(|(k, _)| k.as_ref().cmp(key)).ok()?;
        Some(self.value_at(idx))
    }

    /// Every pair, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.keys.iter().enumerate().map(|(idx, (key, _))| (key.as_ref(), self.value_at(idx)))
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl<K: Into<Cow<'static, str>>, V: AsRef<str>, const N: usize> From<[(K, V); N]> for Metadata {
    fn from(pairs: [(K, V); N]) -> Metadata {
        // Sized once: growing the text pair by pair reallocated it several times.
        let text_len = pairs.iter().map(|(_, value)| value.as_ref().len()).sum();
        let mut metadata =
            Metadata { keys: Vec::with_capacity(N), text: String::with_capacity(text_len) };
        for (key, value) in pairs {
            metadata.insert(key, value);
        }
        metadata
    }
}

/// A request to move `amount` of `currency` from `debit` to `credit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The tenant both accounts belong to.
    pub tenant: TenantId,
    /// The side whose balance goes down.
    pub debit: Party,
    /// The side whose balance goes up.
    pub credit: Party,
    /// Positive, at most the currency's exponent in fractional digits.
    pub amount: Decimal,
    /// Must be each account's currency.
    pub currency: Currency,
    /// Now, as a hold, or with deferred availability.
    pub mode: Mode,
    /// Makes retries safe: the same key and request returns the first outcome.
    pub idempotency: Option<IdempotencyKey>,
    /// Vendor data kept in history.
    pub metadata: Option<Arc<Metadata>>,
}

impl Transfer {
    /// Money arriving from outside into `account`.
    pub fn credit(
        tenant: TenantId,
        account: AccountId,
        amount: Decimal,
        currency: Currency,
    ) -> Transfer {
        Transfer::between(tenant, Party::External, Party::Account(account), amount, currency)
    }

    /// Money leaving `account` to the outside.
    pub fn debit(
        tenant: TenantId,
        account: AccountId,
        amount: Decimal,
        currency: Currency,
    ) -> Transfer {
        Transfer::between(tenant, Party::Account(account), Party::External, amount, currency)
    }

    /// Money moving between two parties of one tenant.
    pub fn between(
        tenant: TenantId,
        debit: Party,
        credit: Party,
        amount: Decimal,
        currency: Currency,
    ) -> Transfer {
        Transfer {
            tenant,
            debit,
            credit,
            amount,
            currency,
            mode: Mode::Posted,
            idempotency: None,
            metadata: None,
        }
    }

    /// The same transfer with this mode.
    pub fn with_mode(mut self, mode: Mode) -> Transfer {
        self.mode = mode;
        self
    }

    /// The same transfer with this idempotency key.
    pub fn with_key(mut self, key: IdempotencyKey) -> Transfer {
        self.idempotency = Some(key);
        self
    }

    /// The same transfer with this metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Transfer {
        self.metadata = Some(Arc::new(metadata));
        self
    }
}

/// How a customer account's balances changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountChange {
    /// The account.
    pub account: AccountId,
    /// Balances just before.
    pub before: Balances,
    /// Balances just after.
    pub after: Balances,
}

/// What a committed transfer (or posting or voiding) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The change's id; for a hold, the id to post or void it by.
    pub id: TransferId,
    /// When it was committed.
    pub at: Timestamp,
    /// The amount moved (or held, or released).
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
    /// The debited customer account; `None` when the debit side is external.
    pub debit: Option<AccountChange>,
    /// The credited customer account; `None` when the credit side is external.
    pub credit: Option<AccountChange>,
}

/// A successful transfer: new, or a replay of an earlier one with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Committed by this call.
    New(Receipt),
    /// Committed earlier; this call changed nothing and returns the original receipt.
    Replayed(Receipt),
}

impl Applied {
    /// The receipt, new or original.
    pub fn receipt(&self) -> &Receipt {
        match self {
            Applied::New(receipt) | Applied::Replayed(receipt) => receipt,
        }
    }
}

/// Which way an entry moved an account's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Lowers the balance.
    Debit,
    /// Raises the balance.
    Credit,
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A posting: the balance moved.
    Posted,
    /// A hold was placed: pending moved, posted did not.
    Pending,
    /// A hold was posted: the balance moved by the posted amount.
    PendingPosted,
    /// A hold was voided: its pending amount was released.
    PendingVoided,
}

/// One line of an account's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The change that made it (for hold postings and voids, the hold's own id is in
    /// `pending_id`).
    pub transfer_id: TransferId,
    /// The hold this entry posts or voids.
    pub pending_id: Option<TransferId>,
    /// When it was committed.
    pub at: Timestamp,
    /// What happened.
    pub kind: EntryKind,
    /// Which way.
    pub direction: Direction,
    /// How much.
    pub amount: Decimal,
    /// For a deferred credit, when its funds become available.
    pub available_at: Option<Timestamp>,
    /// Running posted balance after this entry.
    pub posted_after: Decimal,
    /// Running available balance after this entry.
    pub available_after: Decimal,
    /// The transfer's vendor data.
    pub metadata: Option<Arc<Metadata>>,
}

impl Entry {
    /// This entry's effect on the posted balance.
    pub fn posted_delta(&self) -> Decimal {
        match (self.kind, self.direction) {
            (EntryKind::Posted | EntryKind::PendingPosted, Direction::Credit) => self.amount,
            (EntryKind::Posted | EntryKind::PendingPosted, Direction::Debit) => -self.amount,
            (EntryKind::Pending | EntryKind::PendingVoided, _) => Decimal::ZERO,
        }
    }
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The entries, in the order asked for.
    pub entries: Vec<Entry>,
    /// Pass back to get the next page; `None` at the end.
    pub next: Option<Cursor>,
    /// The position, counted from the account's first entry ever, of the oldest entry in
    /// `entries`: with `entries.len()`, where a reader that folds history stands, even when a
    /// cursor into dropped history was moved up to the oldest kept entry.
    pub oldest_index: u64,
}

/// An opaque position in an account's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor(pub u64);

/// Which end of history a page starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Oldest first.
    OldestFirst,
    /// Newest first.
    NewestFirst,
}

#[cfg(test)]
mod tests {
    use super::Metadata;

    #[test]
    fn metadata_keeps_pairs_sorted_replaces_in_place_and_compares_by_content() {
        let mut built = Metadata::new();
        assert_eq!(built.insert("b", "two"), None);
        assert_eq!(built.insert("a", "1"), None);
        assert_eq!(built.insert("c", ""), None);
        assert_eq!(built.insert("b", "2"), Some("two".to_string()));
        assert_eq!(built.insert("c", "three"), Some(String::new()));
        let pairs: Vec<(&str, &str)> = built.iter().collect();
        assert_eq!(pairs, [("a", "1"), ("b", "2"), ("c", "three")]);
        assert_eq!(
            (built.get("b"), built.get("c"), built.get("z")),
            (Some("2"), Some("three"), None)
        );
        // The same pairs in any insertion order are equal; moving a boundary is not.
        assert_eq!(built, Metadata::from([("c", "three"), ("a", "1"), ("b", "2")]));
        assert_ne!(built, Metadata::from([("a", "12"), ("b", ""), ("c", "three")]));
        assert_eq!(built.len(), 3);
    }
}
