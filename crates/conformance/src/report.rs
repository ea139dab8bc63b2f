//! Results and their renderings: the console summary per vendor, JUnit XML and JSON for CI, and
//! a self-contained HTML page a person can open.

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
                        "request": f.exchange.as_ref().map(|e| json!({"method": e.method, "url": e.url, "body": e.request_body})),
                        // `status` is null, and `no_answer` says why, when no answer arrived.
                        "response": f.exchange.as_ref().map(|e| match &e.status {
                            Status::Answered(code) => json!({"status": code, "body": e.response_body}),
                            Status::NoAnswer(why) => json!({"status": null, "body": "", "no_answer": why}),
                        }),
                        "curl": f.exchange.as_ref().map(|e| e.curl()),
                    })),
                };
                json!({
                    "vendor": c.vendor, "name": c.name, "describe": c.describe, "file": c.file,
                    "outcome": outcome, "detail": detail, "warnings": c.warnings,
                    "duration_ms": c.duration.as_millis() as u64,
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// A self-contained HTML page.
    pub fn html(&self) -> String {
        let (passed, failed, skipped) = self.counts();
        let mut rows = String::new();
        for case in &self.cases {
            let (class, label, detail) = match &case.outcome {
                Outcome::Passed => ("pass", "passed", String::new()),
                Outcome::Skipped(reason) => ("skip", "skipped", xml(reason)),
                Outcome::Failed(f) => (
                    "fail",
                    "failed",
                    format!(
                        "<b>{}</b>: {}<pre>{}</pre>",
                        xml(&f.step),
                        xml(&f.expectation),
                        xml(&f
                            .exchange
                            .as_ref()
                            .map(|e| format!(
                                "{}\n\n{} {}\n{}",
                                e.curl(),
                                e.status,
                                "",
                                e.response_body
                            ))
                            .unwrap_or_default())
                    ),
                ),
            };
            let _ = writeln!(
                rows,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{label}</td><td>{detail}</td></tr>",
                xml(&case.vendor),
                xml(&case.name),
                xml(&case.describe)
            );
        }
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>sandbank conformance</title>\n<style>\
             body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%}}\
             td,th{{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}}\
             .pass td:nth-child(4){{color:#070}}.fail td:nth-child(4){{color:#b00;font-weight:bold}}\
             .skip td:nth-child(4){{color:#886}}pre{{white-space:pre-wrap;max-width:60em}}</style></head>\n\
             <body><h1>sandbank conformance</h1><p>target {} — {passed} passed, {failed} failed, {skipped} skipped — {}</p>\n\
             <table><tr><th>vendor</th><th>case</th><th>behaviour</th><th>outcome</th><th>detail</th></tr>\n{rows}</table></body></html>\n",
            xml(&self.target),
            match self.problems().as_slice() {
                [] => "passed".to_string(),
                problems => xml(&format!("FAILED: {}", problems.join("; "))),
            }
        )
    }
}

/// Escapes text for XML and HTML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
