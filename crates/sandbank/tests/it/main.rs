//! The `sandbank` crate's integration tests: the binary's command line, `sandbank serve` as
//! real processes, and the project's checkable rules (tidy).

mod cli;
mod serve;
mod tidy;
