//! The `sandbank` crate's integration tests: the binary's command line, `sandbank serve` as
//! real processes, `sandbank conform`'s exit codes and clean-up, and the project's checkable
//! rules (tidy).

mod cli;
mod conform_cli;
mod crash;
mod disk;
mod durable;
mod fixtures;
mod logs;
mod restart;
mod serve;
mod tidy;
