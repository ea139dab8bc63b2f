//! The one sandbank binary: parses the command line and runs a subcommand.
//!
//! `serve` (the mock vendor APIs) and `conform` (the conformance runner) arrive with their
//! issues; until then the binary answers `--help` and `--version`.

use clap::Parser;

/// A stateful sandbox for card-issuing and banking APIs, on an exact double-entry ledger.
#[derive(Debug, Parser)]
#[command(name = "sandbank", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
        Some(command) => match command {},
    }
}
