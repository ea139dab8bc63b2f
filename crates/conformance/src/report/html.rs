//! The HTML report: one self-contained page (no script, no external asset) a person opens after
//! a run. The run and each vendor at a glance, then every case, failures first, each failure's
//! request and answer folded in a `<details>` under its one-line cause.

use std::fmt::Write as _;
use std::time::Duration;

use super::{CaseResult, Failure, Outcome, Report, xml};
use crate::runner::Status;

/// Plain, readable at any width; the outcome column's colour repeats its word, never replaces it.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:90em}\
    table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\
    td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}\
    td.n{text-align:right;font-variant-numeric:tabular-nums}\
    .pass .outcome{color:#070}.fail .outcome{color:#b00;font-weight:bold}.skip .outcome{color:#775}\
    .result-passed{color:#070}.result-failed{color:#b00}\
    summary{cursor:pointer}pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.4em 0}\
    dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dd{margin:0}";

/// The whole page.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::from("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(out, "<title>sandbank conformance: {}</title>", xml(&report.target));
    let _ = writeln!(out, "<style>{STYLE}</style></head>\n<body><h1>sandbank conformance</h1>");
    run(&mut out, report);
    vendors(&mut out, report);
    cases(&mut out, report);
    if !report.orphan_snapshots.is_empty() {
        out.push_str("<h2>Orphaned snapshots</h2><ul>");
        for orphan in &report.orphan_snapshots {
            let _ = write!(out, "<li>{}</li>", xml(orphan));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// The run: its result, target, version, time, sources and tenants.
fn run(out: &mut String, report: &Report) {
    let (passed, failed, skipped) = report.counts();
    let (class, result) = match report.problems().as_slice() {
        [] => ("result-passed", "passed".to_string()),
        problems => ("result-failed", format!("FAILED: {}", problems.join("; "))),
    };
    let _ = writeln!(out, "<p class=\"{class}\"><strong>{}</strong></p>", xml(&result));
    let facts = [
        ("target", xml(&report.target)),
        ("sandbank", xml(&report.version)),
        ("run time", seconds(report.duration)),
        ("cases", format!("{passed} passed, {failed} failed, {skipped} skipped")),
        ("sources", xml(&report.sources)),
        ("tenants", xml(report.cleanup.summary().trim())),
    ];
    out.push_str("<dl>");
    for (term, value) in facts.iter().filter(|(_, value)| !value.is_empty()) {
        let _ = write!(out, "<dt>{term}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n");
}

/// A table with one row per vendor.
fn vendors(out: &mut String, report: &Report) {
    out.push_str(
        "<h2>By vendor</h2>\n<table><tr><th scope=\"col\">vendor</th><th scope=\"col\">passed</th>\
         <th scope=\"col\">failed</th><th scope=\"col\">skipped</th>\
         <th scope=\"col\">time (cases summed)</th></tr>\n",
    );
    for v in report.by_vendor() {
        let class = if v.failed > 0 { "fail" } else { "pass" };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><th scope=\"row\">{}</th><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            xml(&v.vendor),
            v.passed,
            v.failed,
            v.skipped,
            millis(v.duration)
        );
    }
    out.push_str("</table>\n");
}

/// Every case: failed, then skipped, then passed, each in vendor and name order.
fn cases(out: &mut String, report: &Report) {
    out.push_str(
        "<h2>Cases</h2>\n<table><tr><th scope=\"col\">vendor</th><th scope=\"col\">case</th>\
         <th scope=\"col\">behaviour</th><th scope=\"col\">outcome</th>\
         <th scope=\"col\">time</th><th scope=\"col\">detail</th></tr>\n",
    );
    let rank = |case: &&CaseResult| match case.outcome {
        Outcome::Failed(_) => 0,
        Outcome::Skipped(_) => 1,
        Outcome::Passed => 2,
    };
    let mut ordered: Vec<&CaseResult> = report.cases.iter().collect();
    // Stable: within an outcome, the run's own vendor and name order stays.
    ordered.sort_by_key(rank);
    for case in ordered {
        let (class, label, mut detail) = match &case.outcome {
            Outcome::Passed => ("pass", "passed", String::new()),
            Outcome::Skipped(reason) => ("skip", "skipped", xml(reason)),
            Outcome::Failed(failure) => ("fail", "failed", failed(case, failure)),
        };
        for warning in &case.warnings {
            let _ = write!(detail, "<p>warning: {}</p>", xml(warning));
        }
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"outcome\">{label}</td>\
             <td class=\"n\">{}</td><td>{detail}</td></tr>",
            xml(&case.vendor),
            xml(&case.name),
            xml(&case.describe),
            millis(case.duration)
        );
    }
    out.push_str("</table>\n");
}

/// A failure: its cause on one line, and the exchange (request, answer, a curl to send it
/// again) folded under it.
fn failed(case: &CaseResult, failure: &Failure) -> String {
    let mut out = format!(
        "<details><summary><b>{}</b>: {}</summary><p>file: {}</p>",
        xml(&failure.step),
        xml(&failure.expectation),
        xml(&case.file)
    );
    if let Some(exchange) = &failure.exchange {
        let mut request = format!("{} {}\n", exchange.method, exchange.url);
        for (name, value) in &exchange.request_headers {
            let _ = writeln!(request, "{name}: {value}");
        }
        let _ = write!(request, "\n{}", exchange.request_body);
        let mut answer = format!("{}\n", exchange.status);
        if let Status::Answered(_) = exchange.status {
            for (name, value) in &exchange.response_headers {
                let _ = writeln!(answer, "{name}: {value}");
            }
            let _ = write!(answer, "\n{}", exchange.response_body);
        }
        let _ = write!(
            out,
            "<p>request</p><pre>{}</pre><p>answer</p><pre>{}</pre><p>reproduce</p><pre>{}</pre>",
            xml(&request),
            xml(&answer),
            xml(&exchange.curl())
        );
    }
    out.push_str("</details>");
    out
}

fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
