//! The conformance runner: checks ANY implementation of the five vendors' APIs — sandbank, a
//! vendor's own sandbox, another mock — against the specs in `specs/` and the scenarios in
//! `conformance/suites/`, black-box over HTTP.
//!
//! It links none of sandbank's crates (the neural-network test): against sandbank it binds a
//! case's preconditions through the public admin API; against anything else, through a
//! fixtures file.

pub mod report;
mod runner;
pub mod schema;
pub mod snapshot;
pub mod suite;
pub mod template;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use crate::report::{CaseResult, Outcome, Report};
pub use crate::snapshot::UpdateMode;

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The base URL under test.
    pub target: String,
    /// Vendors to run (all when empty).
    pub vendors: Vec<String>,
    /// `conformance/suites`.
    pub suite_dir: PathBuf,
    /// `specs`.
    pub spec_dir: PathBuf,
    /// `conformance/snapshots`.
    pub snapshot_dir: PathBuf,
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
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The suites could not be loaded.
    #[error(transparent)]
    Suite(#[from] suite::SuiteError),
    /// A spec, the fixtures file or the HTTP client could not be set up.
    #[error("{0}")]
    Setup(String),
}

/// Runs every selected case and returns the report; `progress` hears each case as it ends.
pub async fn run(
    options: &Options,
    progress: impl Fn(&CaseResult) + Send + Sync,
) -> Result<Report, RunError> {
    let cases = suite::load(&options.suite_dir, &options.vendors)?;
    let specs: runner::Specs = schema::load_all(&options.spec_dir)
        .map_err(RunError::Setup)?
        .into_iter()
        .map(|(vendor, spec)| (vendor, Arc::new(spec)))
        .collect();
    let fixtures = runner::load_fixtures(options.fixtures.as_ref()).map_err(RunError::Setup)?;
    let target = Arc::new(
        runner::target(&options.target, options.admin_token.clone(), fixtures, options.timeout)
            .map_err(RunError::Setup)?,
    );
    let snapshots = Arc::new(snapshot::Snapshots::new(&options.snapshot_dir, options.update));
    let limit = Arc::new(tokio::sync::Semaphore::new(options.jobs.max(1)));
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
    for (idx, case) in cases.into_iter().enumerate() {
        let (target, snapshots, limit) = (target.clone(), snapshots.clone(), limit.clone());
        let spec = specs.get(&case.vendor).cloned();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (idx, runner::run_case(target, spec, snapshots, case).await)
        });
    }
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
    let orphan_snapshots =
        snapshots.orphans(&declared).into_iter().map(|p| p.display().to_string()).collect();
    Ok(Report {
        target: options.target.clone(),
        cases: results.into_iter().map(|(_, r)| r).collect(),
        orphan_snapshots,
    })
}
