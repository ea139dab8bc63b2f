//! The conformance runner: checks ANY implementation of the five vendors' APIs — sandbank, a
//! vendor's own sandbox, another mock — against the specs in `specs/` and the scenarios in
//! `conformance/suites/`, black-box over HTTP.
//!
//! It links none of sandbank's crates (the neural-network test): against sandbank it binds a
//! case's preconditions through the public admin API; against anything else, through a
//! fixtures file.

pub mod files;
pub mod report;
mod runner;
pub mod schema;
pub mod snapshot;
pub mod suite;
pub mod template;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use crate::files::Files;
pub use crate::report::{CaseResult, Cleanup, Outcome, Report};
pub use crate::snapshot::UpdateMode;

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The base URL under test (`http://` or `https://`).
    pub target: String,
    /// Vendors to run (all when empty); each must have a suite.
    pub vendors: Vec<String>,
    /// The suites, one folder per vendor.
    pub suites: Files,
    /// The OpenAPI specs, `<vendor>.yaml`.
    pub specs: Files,
    /// The snapshots, one folder per vendor.
    pub snapshots: Files,
    /// Credentials and account ids for a target that is not sandbank.
    pub fixtures: Option<PathBuf>,
    /// Sandbank's operator (default tenant admin) token; `None` treats the target as foreign.
    pub admin_token: Option<String>,
    /// Snapshot writing.
    pub update: UpdateMode,
    /// Cases run at once.
    pub jobs: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Whether a run with skipped cases may still pass (a vendor's sandbox with fixtures).
    pub allow_skips: bool,
}

/// Why a run could not start, or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options ask for something that cannot be: an unknown vendor, a target that is not
    /// an http(s) URL.
    #[error("{0}")]
    Usage(String),
    /// The suites could not be loaded.
    #[error(transparent)]
    Suite(#[from] suite::SuiteError),
    /// A spec, the fixtures file or the HTTP client could not be set up, or no case was found.
    #[error("{0}")]
    Setup(String),
    /// Nothing answers at the target.
    #[error("{0}")]
    Unreachable(String),
    /// The target refused the admin token (or has no admin API).
    #[error("{0}")]
    AdminRefused(String),
    /// Stopped before the end; the tenants made so far were cleaned up as far as possible.
    #[error("interrupted")]
    Interrupted(Cleanup),
}

/// Runs every selected case and returns the report; `progress` hears each case as it ends.
pub async fn run(
    options: &Options,
    progress: impl Fn(&CaseResult) + Send + Sync,
) -> Result<Report, RunError> {
    run_until(options, progress, std::future::pending()).await
}

/// [`run`], stopping early when `stop` resolves (Ctrl-C): the cases still running are dropped
/// and every tenant the run made is deleted before it returns [`RunError::Interrupted`].
pub async fn run_until(
    options: &Options,
    progress: impl Fn(&CaseResult) + Send + Sync,
    stop: impl Future<Output = ()>,
) -> Result<Report, RunError> {
    let started = std::time::Instant::now();
    let base_url = runner::check_target(&options.target).map_err(RunError::Usage)?;
    if options.admin_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(RunError::Usage("the admin token is empty".into()));
    }
    let cases = select_cases(options)?;
    // Only the specs the cases need: checking a spec against OpenAPI's schema takes a while.
    let specs: runner::Specs =
        schema::load_some(&options.specs, |v| cases.iter().any(|c| c.vendor == v))
            .map_err(RunError::Setup)?
            .into_iter()
            .map(|(vendor, spec)| (vendor, Arc::new(spec)))
            .collect();
    let fixtures = runner::load_fixtures(options.fixtures.as_ref()).map_err(RunError::Setup)?;
    let mut target = runner::target(&base_url, options, fixtures).map_err(RunError::Setup)?;
    runner::preflight(&mut target).await?;
    let target = Arc::new(target);
    let snapshots = Arc::new(snapshot::Snapshots::new(options.snapshots.clone(), options.update));
    let declared: Vec<(String, String, String)> = cases
        .iter()
        .flat_map(|c| {
            c.steps
                .iter()
                .filter_map(|s| s.expect.snapshot.clone())
                .map(|name| (c.vendor.clone(), c.name.clone(), name))
        })
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    spawn_cases(&mut tasks, &target, &specs, &snapshots, cases, options.jobs);
    let finished = tokio::select! {
        results = collect_results(&mut tasks, progress) => Some(results),
        () = stop => None,
    };
    // Stop whatever still runs (after Ctrl-C, or a case task that died) and wait for it, so
    // that no case makes a tenant after the cleanup.
    tasks.shutdown().await;
    let Some(results) = finished else {
        return Err(RunError::Interrupted(runner::cleanup(target).await));
    };
    // The tenants go whatever the cases did; a case task that died is reported after.
    let cleanup = runner::cleanup(target).await;
    let orphan_snapshots =
        snapshots.orphans(&declared).into_iter().map(|p| p.display().to_string()).collect();
    Ok(Report {
        target: options.target.clone(),
        sources: format!(
            "suites: {}, specs: {}, snapshots: {}",
            options.suites.describe(),
            options.specs.describe(),
            options.snapshots.describe()
        ),
        cases: results?,
        orphan_snapshots,
        allow_skips: options.allow_skips,
        cleanup,
        duration: started.elapsed(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// The cases of the selected vendors; naming a vendor without a suite is a usage error, and
/// a selection without a case cannot test anything.
fn select_cases(options: &Options) -> Result<Vec<suite::Case>, RunError> {
    let known = suite::vendors(&options.suites)?;
    let unknown: Vec<&String> = options.vendors.iter().filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|v| format!("{v:?}")).collect();
        return Err(RunError::Usage(format!(
            "unknown vendor {}: the suites in {} are {}",
            names.join(", "),
            options.suites.describe(),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    }
    let cases = suite::load(&options.suites, &options.vendors)?;
    if cases.is_empty() {
        return Err(RunError::Setup(format!(
            "no case to run: {} has no NNN-slug.yaml under a vendor folder",
            options.suites.describe()
        )));
    }
    Ok(cases)
}

/// One case's task: its index in suite order and its result.
type CaseTasks = tokio::task::JoinSet<(usize, CaseResult)>;

/// Starts every case; at most `jobs` run at a time.
fn spawn_cases(
    tasks: &mut CaseTasks,
    target: &Arc<runner::Target>,
    specs: &runner::Specs,
    snapshots: &Arc<snapshot::Snapshots>,
    cases: Vec<suite::Case>,
    jobs: usize,
) {
    let limit = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    for (idx, case) in cases.into_iter().enumerate() {
        let (target, snapshots, limit) = (target.clone(), snapshots.clone(), limit.clone());
        let spec = specs.get(&case.vendor).cloned();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (idx, runner::run_case(target, spec, snapshots, case).await)
        });
    }
}

/// Every case's result, in suite order, as the cases end.
async fn collect_results(
    tasks: &mut CaseTasks,
    progress: impl Fn(&CaseResult),
) -> Result<Vec<CaseResult>, RunError> {
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((idx, result)) => {
                progress(&result);
                results.push((idx, result));
            }
            Err(e) => return Err(RunError::Setup(format!("a case task failed: {e}"))),
        }
    }
    results.sort_by_key(|(idx, _)| *idx);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}
