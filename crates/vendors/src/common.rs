//! Code shared by two or more vendors: opening accounts, exact JSON numbers, credentials and
//! tokens, and per-tenant identifier indexes.

pub mod accounts;
pub mod auth;
pub mod index;
pub mod json;
