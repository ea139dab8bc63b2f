//! The server's integration tests over real HTTP on 127.0.0.1:0: routing, limits, the admin
//! API, tenants, the virtual clock, the journal, shutdown, and each vendor end to end.

// A test may read top to bottom as one scenario; production functions stay under 100 lines.
#![allow(clippy::too_many_lines, reason = "a test reads as one scenario")]

mod admin;
mod amlyze;
mod checkpoints;
mod clowd9;
mod common;
mod edge;
mod faults;
mod firstvision;
mod fixtures;
mod ids;
mod metrics;
mod pcaasa;
mod qolo;
mod restarts;
mod routes;
mod strict_json;
mod tenant_keys;
mod tenants;
mod ui;
