//! The `sandbank` crate's integration tests: the binary's command line, and the project's
//! checkable rules (tidy).

mod cli;
mod tidy;
