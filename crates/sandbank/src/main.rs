//! The one sandbank binary: parses the command line and runs a subcommand.
//!
//! `serve` runs the mock vendor APIs; `conform` (the conformance runner) arrives with its issue.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A stateful sandbox for card-issuing and banking APIs, on an exact double-entry ledger.
#[derive(Debug, Parser)]
#[command(name = "sandbank", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Serve every vendor's API (and the admin API) on one port.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SANDBANK_LISTEN", default_value = "127.0.0.1:4700")]
    listen: SocketAddr,
    /// Serve only this vendor (firstvision, clowd9, amlyze, qolo, pcaasa).
    #[arg(long)]
    vendor: Option<String>,
    /// The default tenant's admin token (also the operator's); random when unset.
    #[arg(long, env = "SANDBANK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Log filter, e.g. `info`, `warn`, `sandbank::request=off`.
    #[arg(long, env = "SANDBANK_LOG", default_value = "info")]
    log: String,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
        Some(Command::Serve(args)) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log).context("invalid --log filter")?,
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .compact()
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async {
        let config = server::Config {
            listen: args.listen,
            admin_token: args.admin_token,
            only_vendor: args.vendor,
            ..server::Config::default()
        };
        let server = server::Server::bind(config)
            .await
            .with_context(|| format!("cannot serve on {}", args.listen))?;
        let base_url = format!("http://{}", server.local_addr()?);
        #[expect(clippy::print_stdout, reason = "the start-up banner is the binary's output")]
        {
            print!("{}", server.app().banner(&base_url));
        }
        server.run(shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
