//! The one sandbank binary: parses the command line and runs a subcommand.
//!
//! `serve` runs the mock vendor APIs; `conform` runs the conformance suites against any base URL.

use std::net::SocketAddr;
use std::path::PathBuf;

mod logs;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser};

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
    ///
    /// Exit codes: 0 every case ran and passed; 1 the run could not start (nothing answers at
    /// the target, the admin token is refused, a suite or spec is broken); 2 usage error; 3 a
    /// case failed, a case was skipped (without --allow-skips), or no case ran; 130
    /// interrupted by Ctrl-C or SIGTERM (the tenants made so far are deleted first).
    Conform(ConformArgs),
    /// Check a stopped server's store offline: fold every record back as a start would, run
    /// the ledger's verify(), print what it holds.
    ///
    /// Exit codes: 0 consistent; 1 unreadable, refused (a server holds it) or inconsistent.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The store's directory, as given to `serve --data`.
    #[arg(long, env = "SANDBANK_DATA", value_name = "DIR")]
    data: PathBuf,
}

/// `sandbank conform`'s command line.
#[derive(Debug, clap::Args)]
struct ConformArgs {
    /// Base URL under test, with its scheme, e.g. http://127.0.0.1:4700.
    #[arg(long)]
    target: String,
    /// Only these vendors (repeatable; the names of the suites' folders).
    #[arg(long = "vendor")]
    vendors: Vec<String>,
    /// Folder of suites (one folder per vendor) [default: the suites built into sandbank].
    #[arg(long = "suite")]
    suite_dir: Option<PathBuf>,
    /// Folder of OpenAPI specs [default: the specs built into sandbank].
    #[arg(long = "specs")]
    spec_dir: Option<PathBuf>,
    /// Folder of snapshots [default: the snapshots built into sandbank].
    #[arg(long = "snapshots")]
    snapshot_dir: Option<PathBuf>,
    /// Credentials and account ids for a target that is not sandbank (YAML).
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Sandbank's admin token; when given, each case gets a fresh tenant through the admin API,
    /// deleted again at the end.
    #[arg(long, env = "SANDBANK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Let a run with skipped cases pass (a vendor's sandbox, where cases that need sandbank's
    /// admin API cannot run). A run in which no case ran never passes.
    #[arg(long)]
    allow_skips: bool,
    /// Write a JUnit XML report.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write a JSON report.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Rewrite snapshots that differ or are missing, in --snapshots (default, from the root of a
    /// checkout: conformance/snapshots).
    #[arg(long)]
    update_snapshots: bool,
    /// Cases run at once.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on, HOST:PORT: an IP address or a host name (`localhost` is
    /// 127.0.0.1; another name is resolved, its first IPv4 address preferred). Port 0 picks a
    /// free port.
    #[arg(
        long,
        env = "SANDBANK_LISTEN",
        value_name = "HOST:PORT",
        default_value = "127.0.0.1:4700",
        value_parser = parse_listen
    )]
    listen: SocketAddr,
    /// Serve only these vendors (repeatable, or comma-separated); every vendor when absent.
    #[arg(long = "vendor", value_name = "NAME", value_delimiter = ',')]
    vendors: Vec<String>,
    /// The default tenant's admin token (also the operator's); random when unset.
    #[arg(long, env = "SANDBANK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Seed of the default tenant's ids (and of trace ids): the same script against a fresh
    /// server with the same seed gets the same answers. Random when unset; the banner shows it.
    #[arg(long, env = "SANDBANK_SEED", value_name = "N")]
    seed: Option<u64>,
    /// Keep state in an embedded SQLite store in this directory (created if missing): every
    /// change is stored before it is acknowledged and comes back after a restart or a crash.
    /// In memory when absent.
    #[arg(long, env = "SANDBANK_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// With --data: `full` syncs every commit to disk before answering (nothing acknowledged is
    /// lost, even on power loss); `off` leaves syncing to the OS (a crash of sandbank loses
    /// nothing, a crash of the machine may lose the last moments).
    #[arg(long, env = "SANDBANK_SYNC", value_enum, default_value = "full")]
    sync: SyncArg,
    /// With --data: take a checkpoint of the ledger after this many stored changes, so a start
    /// loads it and replays only the changes after it (a graceful stop always takes one).
    #[arg(
        long,
        env = "SANDBANK_CHECKPOINT_EVERY",
        value_name = "CHANGES",
        default_value_t = server::checkpoints::EVERY_ROWS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    checkpoint_every: u64,
    /// Fault rules for the default tenant, made before the first request: a YAML or JSON list
    /// of rules as `POST /__admin/faults` takes them (a rule of the same name is replaced).
    #[arg(long, env = "SANDBANK_FAULTS", value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Tenants (fixed admin tokens and seeds), accounts, clocks and fault rules made before
    /// the first request, in YAML or JSON (format: specs/fixtures.schema.json); applying the
    /// same file again on a --data store duplicates nothing.
    #[arg(long, env = "SANDBANK_FIXTURES", value_name = "FILE")]
    fixtures: Option<PathBuf>,
    /// `GET /metrics` answers only with the operator's admin token (`Authorization: Bearer`,
    /// as --admin-token sets it); open to anyone who reaches the port when absent.
    #[arg(long, env = "SANDBANK_METRICS_REQUIRE_TOKEN")]
    metrics_require_token: bool,
    /// Log filter, e.g. `info`, `warn`, `sandbank::request=off`.
    #[arg(long, env = "SANDBANK_LOG", default_value = "info")]
    log: String,
    /// How logs are written to stderr: `text` lines for a person, or `json`, one object per
    /// line (a request's: timestamp, tenant, vendor, operation, method, path, status,
    /// latency_us, trace_id, reason, fault) for a log pipeline.
    #[arg(long, env = "SANDBANK_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: logs::LogFormat,
}

/// `serve --sync`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SyncArg {
    Full,
    Off,
}

fn main() -> anyhow::Result<()> {
    let cli = parse_command_line();
    match cli.command {
        None => {
            Cli::command().print_help()?;
            Ok(())
        }
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Conform(args)) => conform(args),
        Some(Command::Check(args)) => check(&args),
    }
}

/// The command line, with `serve --vendor`'s valid values taken from the server's own vendor
/// set, so a wrong name is a usage error (exit 2) that lists them.
fn parse_command_line() -> Cli {
    let mut command = Cli::command().mut_subcommand("serve", |serve| {
        serve.mut_arg("vendors", |arg| {
            arg.value_parser(clap::builder::PossibleValuesParser::new(server::vendor_names()))
        })
    });
    let matches = command.get_matches_mut();
    if let Some(serve) = matches.subcommand_matches("serve") {
        refuse_store_flags_without_data(&command, serve);
    }
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.format(&mut command).exit())
}

/// `--sync` and `--checkpoint-every` given on the command line without a store are a usage
/// error (the user asked for something that cannot happen). Set in the environment they are
/// ignored: a deployment's settings must not stop an in-memory server.
fn refuse_store_flags_without_data(command: &clap::Command, serve: &clap::ArgMatches) {
    if serve.contains_id("data") {
        return;
    }
    for (id, flag) in [("sync", "--sync"), ("checkpoint_every", "--checkpoint-every")] {
        if serve.value_source(id) == Some(clap::parser::ValueSource::CommandLine) {
            let message = format!("{flag} needs --data DIR: without a store, state is in memory");
            // On the error path only: a copy of `serve`'s usage, for the message's usage line.
            let mut usage = command.find_subcommand("serve").unwrap_or(command).clone();
            usage.error(clap::error::ErrorKind::MissingRequiredArgument, message).exit();
        }
    }
}

/// `--listen`'s value: `IP:PORT`, or `HOST:PORT` with the host resolved once, at start-up.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err("expected HOST:PORT, e.g. 127.0.0.1:4700 or localhost:4700".to_string());
    };
    let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port number"))?;
    // RFC 6761 §6.3: `localhost` is the loopback address, whatever a resolver says.
    if host.trim_end_matches('.').eq_ignore_ascii_case("localhost") {
        return Ok(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port)));
    }
    let resolved: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|err| format!("cannot resolve {host:?}: {err}"))?
        .collect();
    resolved
        .iter()
        .find(|addr| addr.is_ipv4())
        .or(resolved.first())
        .copied()
        .ok_or_else(|| format!("{host:?} resolves to no address"))
}

/// Exit code of a run that could not start (nothing answers, the token is refused…).
const EXIT_NOT_STARTED: i32 = 1;
/// Exit code of a run that did not pass (2 is clap's usage error).
const EXIT_FAILED: i32 = 3;
/// Exit code after Ctrl-C, as a shell reports a process killed by SIGINT.
const EXIT_INTERRUPTED: i32 = 130;
/// Where `--update-snapshots` writes without `--snapshots`: the snapshots of a checkout, when
/// run from its root.
const CHECKOUT_SNAPSHOTS: &str = "conformance/snapshots";

/// Stops with a usage error (exit 2), as clap does for a bad flag.
fn usage_error(message: impl std::fmt::Display) -> ! {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let conform = cmd.find_subcommand_mut("conform").cloned().unwrap_or_default();
    conform.bin_name("sandbank conform").error(clap::error::ErrorKind::InvalidValue, message).exit()
}

/// The run's options from the command line; `Err` is a usage error.
fn conform_options(args: &ConformArgs) -> Result<conformance::Options, String> {
    use conformance::{Files, UpdateMode};
    let update = if args.update_snapshots {
        UpdateMode::Always
    } else if std::env::var_os("CI").is_some() {
        UpdateMode::No
    } else {
        UpdateMode::New
    };
    let snapshots = match (&args.snapshot_dir, args.update_snapshots) {
        (Some(dir), _) => Files::Dir(dir.clone()),
        (None, false) => Files::shipped_snapshots(),
        (None, true) if std::path::Path::new(CHECKOUT_SNAPSHOTS).is_dir() => {
            Files::Dir(PathBuf::from(CHECKOUT_SNAPSHOTS))
        }
        (None, true) => {
            return Err(format!(
                "--update-snapshots needs a folder to write: give --snapshots DIR (the shipped \
                 snapshots are built into sandbank; from the root of a checkout it writes \
                 ./{CHECKOUT_SNAPSHOTS})"
            ));
        }
    };
    if args.admin_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err("the admin token is empty (is SANDBANK_ADMIN_TOKEN set?)".into());
    }
    Ok(conformance::Options {
        target: args.target.clone(),
        vendors: args.vendors.clone(),
        suites: args.suite_dir.clone().map_or_else(Files::shipped_suites, Files::Dir),
        specs: args.spec_dir.clone().map_or_else(Files::shipped_specs, Files::Dir),
        snapshots,
        fixtures: args.fixtures.clone(),
        admin_token: args.admin_token.clone(),
        update,
        jobs: args.jobs,
        timeout: std::time::Duration::from_secs(30),
        allow_skips: args.allow_skips,
    })
}

/// Resolves on the first Ctrl-C or SIGTERM (a CI job cancelled); a second Ctrl-C ends the
/// process at once.
async fn interrupted() {
    shutdown_signal().await;
    eprintln!("interrupted: deleting the tenants this run made (Ctrl-C again to quit now)");
    tokio::spawn(async {
        let _ = tokio::signal::ctrl_c().await;
        std::process::exit(EXIT_INTERRUPTED);
    });
}

fn conform(args: ConformArgs) -> anyhow::Result<()> {
    let options = conform_options(&args).unwrap_or_else(|message| usage_error(message));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let run = conformance::run_until(
        &options,
        |case| {
            let label = match &case.outcome {
                conformance::Outcome::Passed => "PASS",
                conformance::Outcome::Failed(_) => "FAIL",
                conformance::Outcome::Skipped(_) => "SKIP",
            };
            eprintln!("{label} {}/{} ({} ms)", case.vendor, case.name, case.duration.as_millis());
        },
        interrupted(),
    );
    let report = match runtime.block_on(run) {
        Ok(report) => report,
        Err(conformance::RunError::Usage(message)) => usage_error(message),
        Err(conformance::RunError::Interrupted(cleanup)) => {
            eprint!("{}", cleanup.summary());
            eprintln!("interrupted: the run did not finish");
            std::process::exit(EXIT_INTERRUPTED);
        }
        Err(e) => {
            eprintln!("error: the run could not start: {e}");
            std::process::exit(EXIT_NOT_STARTED);
        }
    };
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
    logs::init(&args.log, args.log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async {
        survive_file_size_limit()?;
        let config = server::Config {
            listen: args.listen,
            admin_token: args.admin_token,
            only_vendors: args.vendors,
            seed: args.seed,
            data: args.data,
            checkpoint_every: args.checkpoint_every,
            faults: args.faults,
            fixtures: args.fixtures,
            metrics_require_token: args.metrics_require_token,
            sync: match args.sync {
                SyncArg::Full => server::store::Sync::Full,
                SyncArg::Off => server::store::Sync::Off,
            },
            ..server::Config::default()
        };
        let store = config.data.clone();
        let server = server::Server::bind(config).await.map_err(|err| {
            // Say what failed: a store that does not open is not the address's fault.
            let blamed = match (&err, &store) {
                (
                    server::ServerError::Store(_) | server::ServerError::Restore { .. },
                    Some(dir),
                ) => {
                    format!("cannot open the store in {}", dir.display())
                }
                (server::ServerError::Faults { .. } | server::ServerError::Fixtures(_), _) => {
                    "cannot start".to_string()
                }
                _ => format!("cannot serve on {}", args.listen),
            };
            anyhow::Error::new(err).context(blamed)
        })?;
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

/// Keeps a write past the file-size limit (`RLIMIT_FSIZE`, e.g. `prlimit --fsize`) from
/// killing the server: SIGXFSZ's default action ends the process, taking every queued change
/// and waiting request with it. Handled, the write fails with EFBIG instead, SQLite reports
/// it, and the store refuses changes until the disk takes writes again (see `server::store`).
/// tokio's handler stays installed for the life of the process once registered, so the
/// returned stream need not be kept; it is safe code, where ignoring the signal would take
/// `unsafe` (`libc::signal`), which the workspace forbids.
#[cfg(unix)]
fn survive_file_size_limit() -> anyhow::Result<()> {
    let kind = tokio::signal::unix::SignalKind::from_raw(libc::SIGXFSZ);
    drop(tokio::signal::unix::signal(kind).context("handling SIGXFSZ")?);
    Ok(())
}

#[cfg(not(unix))]
fn survive_file_size_limit() -> anyhow::Result<()> {
    Ok(())
}

/// `sandbank check`: the report on stdout; exit 1 when the store is not consistent.
fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let report = server::check(&args.data)
        .with_context(|| format!("cannot check the store in {}", args.data.display()))?;
    #[expect(clippy::print_stdout, reason = "the report is the command's output")]
    {
        println!(
            "store {} (format {}, opened by a server {} times)",
            report.path.display(),
            report.format_version,
            report.restarts + 1
        );
        println!(
            "tenants {}, accounts {}, transfers {}, events {} ({} ledger, {} admin and vendor)",
            report.tenants,
            report.accounts,
            report.transfers,
            report.events,
            report.ledger_events,
            report.events - report.ledger_events
        );
        match (report.checkpoint, &report.checkpoint_problem) {
            (_, Some(problem)) => println!(
                "checkpoint: unreadable ({problem}); a start sets the file aside and replays \
                 every event"
            ),
            (None, None) => println!("checkpoint: none (a start replays every event)"),
            (Some((seq, taken_at)), None) => {
                let age = server::clock::system_now().as_unix_micros().saturating_sub(taken_at);
                println!(
                    "checkpoint: at ledger sequence {seq}, taken {} s ago (a start replays only \
                     the events after it)",
                    age / 1_000_000
                );
            }
        }
        if report.violations.is_empty() {
            println!("verify: ok");
        } else {
            println!("verify: {} violations", report.violations.len());
            for violation in &report.violations {
                println!("  {violation}");
            }
        }
    }
    if !report.violations.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
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
