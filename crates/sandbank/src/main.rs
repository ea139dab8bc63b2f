//! The one sandbank binary: parses the command line and runs a subcommand.
//!
//! `serve` runs the mock vendor APIs; `conform` runs the conformance suites against any base URL.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Check any implementation (sandbank or a vendor's sandbox) against the specs and suites.
    Conform(ConformArgs),
}

#[derive(Debug, clap::Args)]
struct ConformArgs {
    /// Base URL under test, e.g. http://127.0.0.1:4700.
    #[arg(long)]
    target: String,
    /// Only these vendors (repeatable).
    #[arg(long = "vendor")]
    vendors: Vec<String>,
    /// Folder of suites (one folder per vendor).
    #[arg(long = "suite", default_value = "conformance/suites")]
    suite_dir: PathBuf,
    /// Folder of OpenAPI specs.
    #[arg(long = "specs", default_value = "specs")]
    spec_dir: PathBuf,
    /// Folder of snapshots.
    #[arg(long = "snapshots", default_value = "conformance/snapshots")]
    snapshot_dir: PathBuf,
    /// Credentials and account ids for a target that is not sandbank (YAML).
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Sandbank's admin token; when given, each case gets a fresh tenant through the admin API.
    #[arg(long, env = "SANDBANK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Write a JUnit XML report.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write a JSON report.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Rewrite snapshots that differ or are missing.
    #[arg(long)]
    update_snapshots: bool,
    /// Cases run at once.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
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
        Some(Command::Conform(args)) => conform(args),
    }
}

/// Exit code of a run with failures (2 is clap's usage error, 1 anyhow's).
const EXIT_FAILED: i32 = 3;

fn conform(args: ConformArgs) -> anyhow::Result<()> {
    let update = if args.update_snapshots {
        conformance::UpdateMode::Always
    } else if std::env::var_os("CI").is_some() {
        conformance::UpdateMode::No
    } else {
        conformance::UpdateMode::New
    };
    let options = conformance::Options {
        target: args.target,
        vendors: args.vendors,
        suite_dir: args.suite_dir,
        spec_dir: args.spec_dir,
        snapshot_dir: args.snapshot_dir,
        fixtures: args.fixtures,
        admin_token: args.admin_token,
        update,
        jobs: args.jobs,
        timeout: std::time::Duration::from_secs(30),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let report = runtime.block_on(conformance::run(&options, |case| {
        let label = match &case.outcome {
            conformance::Outcome::Passed => "PASS",
            conformance::Outcome::Failed(_) => "FAIL",
            conformance::Outcome::Skipped(_) => "SKIP",
        };
        eprintln!("{label} {}/{} ({} ms)", case.vendor, case.name, case.duration.as_millis());
    }))?;
    #[expect(clippy::print_stdout, reason = "the report summary is the command's output")]
    {
        print!("{}", report.summary());
    }
    let write = |path: &Option<PathBuf>, text: String| -> anyhow::Result<()> {
        if let Some(path) = path {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    };
    write(&args.junit, report.junit())?;
    write(&args.json, serde_json::to_string_pretty(&report.json()).unwrap_or_default())?;
    write(&args.html, report.html())?;
    if !report.succeeded() {
        std::process::exit(EXIT_FAILED);
    }
    Ok(())
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
