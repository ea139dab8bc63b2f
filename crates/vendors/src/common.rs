//! Code shared by two or more vendors: opening accounts, exact JSON numbers, credentials and
//! tokens, per-tenant identifier indexes, reproducible id generators, the calendar, and the
//! records vendor-side state is saved as.

pub mod accounts;
pub mod auth;
pub mod calendar;
pub mod explain;
pub mod failure;
pub mod ids;
pub mod index;
pub mod json;
pub mod persist;
pub mod record_fields;

/// The vendors' hash maps and sets: keyed by bearer tokens and identifiers a request names,
/// looked up on every call. A fast, per-process seeded hasher: SipHash over a 300-byte token
/// was a measurable part of a request.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// See [`HashMap`].
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
