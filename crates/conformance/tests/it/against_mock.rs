//! Every suite in `conformance/suites/` against an in-process sandbank: must be 100% green.

use std::path::PathBuf;
use std::time::Duration;

use conformance::{Files, Options, Outcome, UpdateMode};

fn repo() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.join("../..").canonicalize().unwrap_or(manifest)
}

pub(crate) fn options(target: &str, admin_token: Option<String>) -> Options {
    Options {
        target: target.to_string(),
        vendors: Vec::new(),
        suites: Files::Dir(repo().join("conformance/suites")),
        specs: Files::Dir(repo().join("specs")),
        snapshots: Files::Dir(repo().join("conformance/snapshots")),
        fixtures: None,
        admin_token,
        // insta's switch: INSTA_UPDATE=always rewrites, =no (and CI) only compares; by default a
        // mismatch fails and is written as .snap.new for review.
        update: match std::env::var("INSTA_UPDATE").as_deref() {
            Ok("always") => UpdateMode::Always,
            Ok("no") => UpdateMode::No,
            _ if std::env::var_os("CI").is_some() => UpdateMode::No,
            _ => UpdateMode::New,
        },
        jobs: 8,
        timeout: Duration::from_secs(30),
        allow_skips: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_suite_passes_against_sandbank() {
    let server = server::testing::spawn().await.unwrap();
    let report =
        conformance::run(&options(&server.base_url, Some(server.admin_token.clone())), |_| {})
            .await
            .unwrap();
    let (passed, failed, skipped) = report.counts();
    assert!(passed > 0, "no case passed: {}", report.summary());
    assert_eq!((failed, skipped), (0, 0), "{}", report.summary());
    assert!(report.cases.iter().all(|c| matches!(c.outcome, Outcome::Passed)));
    assert!(report.orphan_snapshots.is_empty(), "{:?}", report.orphan_snapshots);
    assert!(report.succeeded(), "{}", report.summary());
    // One tenant per case plus the preflight's, each deleted again.
    assert_eq!(report.cleanup.made, report.cases.len() + 1);
    assert_eq!(report.cleanup.warning, None);
    assert_eq!(report.cleanup.deleted, report.cleanup.made);
    // The machine-readable reports describe the same run.
    let json = report.json();
    assert_eq!(json["passed"], passed);
    let junit = report.junit();
    for vendor in report.cases.iter().map(|c| c.vendor.as_str()) {
        let n = report.cases.iter().filter(|c| c.vendor == vendor).count();
        assert!(junit.contains(&format!("<testsuite name=\"{vendor}\" tests=\"{n}\"")), "{junit}");
    }
    let html = report.html();
    assert!(html.contains(&format!("<dt>target</dt><dd>{}</dd>", server.base_url)), "{html}");
    assert!(html.contains(&format!("<dt>sandbank</dt><dd>{}</dd>", report.version)), "{html}");
    assert!(report.duration > Duration::ZERO);
    assert_eq!(json["vendors"].as_array().unwrap().len(), report.by_vendor().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_sandbank_without_a_token_cases_are_skipped_with_their_true_reason() {
    let server = server::testing::spawn().await.unwrap();
    // No admin token: the runner treats sandbank like any vendor sandbox, and with no
    // fixtures file every case that needs accounts or the clock is skipped, not failed.
    let report = conformance::run(&options(&server.base_url, None), |_| {}).await.unwrap();
    let (_, failed, skipped) = report.counts();
    assert_eq!(failed, 0, "{}", report.summary());
    assert!(skipped > 0);
    let reasons: Vec<&str> = report
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Skipped(reason) => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    // The reasons say what is true: no fixtures file was given (not that it lacks an entry),
    // and the target is sandbank (not that it is not).
    assert!(reasons.iter().any(|r| r.contains("no --fixtures was given")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("the target is sandbank, but no --admin-token")));
    assert!(!reasons.iter().any(|r| r.contains("fixtures file has no")), "{reasons:?}");
    assert!(!reasons.iter().any(|r| r.contains("not sandbank")), "{reasons:?}");
    // Skips are not a pass unless allowed.
    assert!(!report.succeeded());
    assert!(report.summary().contains("result: FAILED"), "{}", report.summary());
}
