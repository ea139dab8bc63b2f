//! Results and their renderings: the console summary per vendor, JUnit XML and JSON for CI, and
//! a self-contained HTML page a person can open (`report/html.rs`).

mod html;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::runner::{Exchange, Status, by_vendor};

/// How a case ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// The first expectation that did not hold.
    Failed(Box<Failure>),
    /// Not run, and why (counted per vendor as debt).
    Skipped(String),
}

/// A failed expectation with the exchange that broke it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The step's name.
    pub step: String,
    /// What was expected and what came instead.
    pub expectation: String,
    /// The request and answer, when the request was sent.
    pub(crate) exchange: Option<Box<Exchange>>,
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The vendor folder.
    pub vendor: String,
    /// `NNN-slug`.
    pub name: String,
    /// The case's prose.
    pub describe: String,
    /// The suite file.
    pub file: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Things worth a look that are not failures (a case asserting only a status).
    pub warnings: Vec<String>,
    /// Wall time.
    pub duration: Duration,
}

/// A whole run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The target.
    pub target: String,
    /// Where the suites, specs and snapshots came from.
    pub sources: String,
    /// Every case, in vendor and name order.
    pub cases: Vec<CaseResult>,
    /// Snapshot files no case checked.
    pub orphan_snapshots: Vec<String>,
    /// Whether skipped cases may leave the run passing.
    pub allow_skips: bool,
    /// The tenants the run made on sandbank, and what became of them.
    pub cleanup: Cleanup,
    /// The run's wall time, from start to the end of the clean-up.
    pub duration: Duration,
    /// The version of sandbank (its conformance runner) that checked the target.
    pub version: String,
}

/// The tenants a run made on sandbank (one per case, through the admin API) and deleted.
#[derive(Debug, Clone, Default)]
pub struct Cleanup {
    /// Tenants made.
    pub made: usize,
    /// Tenants deleted again.
    pub deleted: usize,
    /// Why some are left, when some are.
    pub warning: Option<String>,
}

/// One vendor's line of a report's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorSummary {
    /// The vendor folder.
    pub vendor: String,
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases skipped (debt: the target lacks what they need).
    pub skipped: usize,
    /// The vendor's cases' wall times, summed (cases run at once, so more than it took).
    pub duration: Duration,
}

impl Cleanup {
    /// The line a person reads at the end of a run; empty when no tenant was made.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if self.made > 0 {
            let _ = writeln!(out, "tenants: {} made, {} deleted", self.made, self.deleted);
        }
        if let Some(warning) = &self.warning {
            let _ = writeln!(out, "warning: {warning}");
        }
        out
    }
}

impl Report {
    /// Counts of (passed, failed, skipped).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for case in &self.cases {
            match case.outcome {
                Outcome::Passed => counts.0 += 1,
                Outcome::Failed(_) => counts.1 += 1,
                Outcome::Skipped(_) => counts.2 += 1,
            }
        }
        counts
    }

    /// Why the run does not pass: failures, skips (unless allowed), or no case run at all.
    /// Empty when it passes.
    pub fn problems(&self) -> Vec<String> {
        let (passed, failed, skipped) = self.counts();
        let mut problems = Vec::new();
        if failed > 0 {
            problems.push(format!("{failed} failed"));
        }
        if passed + failed == 0 {
            problems.push("no case ran, so nothing was tested".to_string());
        }
        if skipped > 0 && !self.allow_skips {
            problems.push(format!(
                "{skipped} skipped (a skipped case tested nothing; --allow-skips accepts skips, \
                 e.g. against a vendor's sandbox with a fixtures file)"
            ));
        }
        problems
    }

    /// (vendor, passed, failed, skipped, summed case time) per vendor, in vendor order.
    pub fn by_vendor(&self) -> Vec<VendorSummary> {
        by_vendor(&self.cases)
            .into_iter()
            .map(|(vendor, cases)| {
                let mut summary = VendorSummary { vendor, ..VendorSummary::default() };
                for case in cases {
                    match case.outcome {
                        Outcome::Passed => summary.passed += 1,
                        Outcome::Failed(_) => summary.failed += 1,
                        Outcome::Skipped(_) => summary.skipped += 1,
                    }
                    summary.duration += case.duration;
                }
                summary
            })
            .collect()
    }

    /// Whether the run passes: nothing failed, something ran, and nothing was skipped unless
    /// skips are allowed.
    pub fn succeeded(&self) -> bool {
        self.problems().is_empty()
    }

    /// The end-of-run text: failures in full, then a table per vendor.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for case in &self.cases {
            if let Outcome::Failed(failure) = &case.outcome {
                let _ = writeln!(out, "\nFAILED {}/{} — {}", case.vendor, case.name, case.describe);
                let _ = writeln!(out, "  file: {}", case.file);
                let _ = writeln!(out, "  step: {}", failure.step);
                let _ = writeln!(out, "  expected: {}", failure.expectation);
                if let Some(exchange) = &failure.exchange {
                    let _ = writeln!(out, "  request: {} {}", exchange.method, exchange.url);
                    if !exchange.request_body.is_empty() {
                        let _ = writeln!(out, "    {}", exchange.request_body);
                    }
                    let _ = writeln!(out, "  response: {}", exchange.status);
                    // No answer has no body to show.
                    if let Status::Answered(_) = exchange.status {
                        let _ = writeln!(
                            out,
                            "    {}",
                            exchange.response_body.chars().take(2000).collect::<String>()
                        );
                    }
                    let _ = writeln!(out, "  reproduce: {}", exchange.curl());
                }
            }
        }
        let _ =
            writeln!(out, "\n{:<12} {:>7} {:>7} {:>8}", "vendor", "passed", "failed", "skipped");
        for (vendor, cases) in by_vendor(&self.cases) {
            let (mut passed, mut failed, mut skipped) = (0, 0, 0);
            for case in &cases {
                match case.outcome {
                    Outcome::Passed => passed += 1,
                    Outcome::Failed(_) => failed += 1,
                    Outcome::Skipped(_) => skipped += 1,
                }
            }
            let _ = writeln!(out, "{vendor:<12} {passed:>7} {failed:>7} {skipped:>8}");
            for case in &cases {
                if let Outcome::Skipped(reason) = &case.outcome {
                    let _ = writeln!(out, "  skipped {}: {reason}", case.name);
                }
                for warning in &case.warnings {
                    let _ = writeln!(out, "  warning {}: {warning}", case.name);
                }
            }
        }
        for orphan in &self.orphan_snapshots {
            let _ = writeln!(out, "orphaned snapshot: {orphan}");
        }
        let _ = writeln!(out, "\ntarget: {}\n{}", self.target, self.sources);
        out.push_str(&self.cleanup.summary());
        let (passed, failed, skipped) = self.counts();
        let _ = writeln!(out, "\nconformance: {passed} passed, {failed} failed, {skipped} skipped");
        match self.problems().as_slice() {
            [] => out.push_str("result: passed\n"),
            problems => {
                let _ = writeln!(out, "result: FAILED: {}", problems.join("; "));
            }
        }
        out
    }

    /// JUnit XML: one testsuite per vendor.
    pub fn junit(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sandbank conformance\">\n",
        );
        for (vendor, cases) in by_vendor(&self.cases) {
            let failures = cases.iter().filter(|c| matches!(c.outcome, Outcome::Failed(_))).count();
            let skipped = cases.iter().filter(|c| matches!(c.outcome, Outcome::Skipped(_))).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
                xml(&vendor),
                cases.len()
            );
            for case in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    xml(&vendor),
                    xml(&case.name),
                    case.duration.as_secs_f64()
                );
                match &case.outcome {
                    Outcome::Passed => out.push_str("/>\n"),
                    Outcome::Skipped(reason) => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml(reason)
                        );
                    }
                    Outcome::Failed(failure) => {
                        let detail =
                            failure.exchange.as_ref().map(|e| e.curl()).unwrap_or_default();
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                            xml(&format!("{}: {}", failure.step, failure.expectation)),
                            xml(&detail)
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// The run as JSON.
    pub fn json(&self) -> Value {
        let (passed, failed, skipped) = self.counts();
        json!({
            "target": self.target,
            "version": self.version,
            "duration_ms": millis(self.duration),
            "vendors": self.by_vendor().iter().map(|v| json!({
                "vendor": v.vendor, "passed": v.passed, "failed": v.failed, "skipped": v.skipped,
                "duration_ms": millis(v.duration),
            })).collect::<Vec<_>>(),
            "passed": passed,
            "failed": failed,
            "skipped": skipped,
            "succeeded": self.succeeded(),
            "problems": self.problems(),
            "tenants": { "made": self.cleanup.made, "deleted": self.cleanup.deleted, "warning": self.cleanup.warning },
            "orphan_snapshots": self.orphan_snapshots,
            "cases": self.cases.iter().map(|c| {
                let (outcome, detail) = match &c.outcome {
                    Outcome::Passed => ("passed", Value::Null),
                    Outcome::Skipped(reason) => ("skipped", json!({ "reason": reason })),
                    Outcome::Failed(f) => ("failed", json!({
                        "step": f.step,
                        "expectation": f.expectation,
                        "request": f.exchange.as_ref().map(|e| json!({
                            "method": e.method, "url": e.url,
                            "headers": headers(&e.request_headers), "body": e.request_body,
                        })),
                        // `status` is null, and `no_answer` says why, when no answer arrived.
                        // The answer's headers carry sandbank's `x-sandbank-reason`.
                        "response": f.exchange.as_ref().map(|e| match &e.status {
                            Status::Answered(code) => json!({
                                "status": code, "headers": headers(&e.response_headers),
                                "body": e.response_body,
                            }),
                            Status::NoAnswer(why) => json!({
                                "status": null, "headers": [], "body": "", "no_answer": why,
                            }),
                        }),
                        "curl": f.exchange.as_ref().map(|e| e.curl()),
                    })),
                };
                json!({
                    "vendor": c.vendor, "name": c.name, "describe": c.describe, "file": c.file,
                    "outcome": outcome, "detail": detail, "warnings": c.warnings,
                    "duration_ms": millis(c.duration),
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// A self-contained HTML page: the run and each vendor at a glance, then every case,
    /// failures first, each failure's exchange folded under it.
    pub fn html(&self) -> String {
        html::render(self)
    }
}

/// Headers as HAR writes them: `[{"name": …, "value": …}]`, in the order sent, repeats kept.
fn headers(pairs: &[(String, String)]) -> Value {
    pairs.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect()
}

/// A duration in whole milliseconds, saturating.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Escapes text for XML and HTML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
