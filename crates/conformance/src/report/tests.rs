//! The reports of a hand-made run: what a person reading the HTML page and a script reading
//! the JSON find in them.

use std::time::Duration;

use super::{CaseResult, Cleanup, Failure, Outcome, Report, VendorSummary};
use crate::runner::{Exchange, Status};

fn case(vendor: &str, name: &str, outcome: Outcome, millis: u64) -> CaseResult {
    CaseResult {
        vendor: vendor.to_string(),
        name: name.to_string(),
        describe: format!("{name} <behaves>"),
        file: format!("conformance/suites/{vendor}/{name}.yaml"),
        outcome,
        warnings: Vec::new(),
        duration: Duration::from_millis(millis),
    }
}

/// A failure whose answer was sandbank's refusal, with its reason header.
fn refused() -> Outcome {
    Outcome::Failed(Box::new(Failure {
        step: "credit".to_string(),
        expectation: "status 200, got 422".to_string(),
        exchange: Some(Box::new(Exchange {
            method: "POST".to_string(),
            url: "http://127.0.0.1:4700/v1/accounts/balance".to_string(),
            request_headers: vec![("content-type".to_string(), "application/json".to_string())],
            request_body: r#"{"amount":100}"#.to_string(),
            status: Status::Answered(422),
            response_headers: vec![(
                "x-sandbank-reason".to_string(),
                "limit: balance_max 10.00 exceeded".to_string(),
            )],
            response_body: r#"{"error":"<limit>"}"#.to_string(),
        })),
    }))
}

/// Two vendors: `alpha` all green, `beta` with a pass, a skip and a failure, in run order.
fn report() -> Report {
    Report {
        target: "http://127.0.0.1:4700".to_string(),
        sources: "suites: built in".to_string(),
        cases: vec![
            case("alpha", "001-open", Outcome::Passed, 12),
            case("alpha", "002-read", Outcome::Passed, 30),
            case("beta", "001-open", Outcome::Passed, 5),
            case("beta", "002-credit", refused(), 40),
            case("beta", "003-clock", Outcome::Skipped("needs the admin API".to_string()), 1),
        ],
        orphan_snapshots: Vec::new(),
        allow_skips: false,
        cleanup: Cleanup { made: 6, deleted: 6, warning: None },
        duration: Duration::from_millis(2_345),
        version: "9.8.7".to_string(),
    }
}

#[test]
fn each_vendor_is_summed_by_outcome_and_time() {
    let summary = report().by_vendor();
    let line = |vendor: &str, counts: (usize, usize, usize), millis: u64| VendorSummary {
        vendor: vendor.to_string(),
        passed: counts.0,
        failed: counts.1,
        skipped: counts.2,
        duration: Duration::from_millis(millis),
    };
    assert_eq!(summary, vec![line("alpha", (2, 0, 0), 42), line("beta", (1, 1, 1), 46)]);
}

#[test]
fn the_html_report_names_the_run_its_version_target_and_time_and_sums_each_vendor() {
    let html = report().html();
    assert!(html.contains("<dt>target</dt><dd>http://127.0.0.1:4700</dd>"), "{html}");
    assert!(html.contains("<dt>sandbank</dt><dd>9.8.7</dd>"), "{html}");
    assert!(html.contains("<dt>run time</dt><dd>2.3 s</dd>"), "{html}");
    assert!(html.contains("FAILED: 1 failed; 1 skipped"), "{html}");
    let beta = "<th scope=\"row\">beta</th><td class=\"n\">1</td><td class=\"n\">1</td>\
                <td class=\"n\">1</td><td class=\"n\">46 ms</td>";
    assert!(html.contains(beta), "{html}");
    assert!(html.contains("<th scope=\"row\">alpha</th><td class=\"n\">2</td>"), "{html}");
    // Each case's own time.
    assert!(html.contains("<td class=\"n\">40 ms</td>"), "{html}");
}

#[test]
fn the_html_report_lists_failures_first_then_skips_with_the_exchange_folded_in_details() {
    let html = report().html();
    let cases = &html[html.find("<h2>Cases</h2>").unwrap()..];
    let at = |needle: &str| cases.find(needle).unwrap_or_else(|| panic!("no {needle}: {cases}"));
    let failed = at("<td>002-credit</td>");
    assert!(failed < at("<td>003-clock</td>"), "the failure before the skip");
    assert!(at("<td>003-clock</td>") < at("<td>001-open</td>"), "the skip before the passes");
    assert!(at("<td>001-open</td>") < at("<td>002-read</td>"), "passes keep the run's order");
    // One `<details>`, the failure's, whose summary is the cause and which holds the whole
    // exchange, escaped.
    assert_eq!(cases.matches("<details>").count(), 1);
    let details = &cases[at("<details>")..at("</details>")];
    assert!(details.contains("<summary><b>credit</b>: status 200, got 422</summary>"), "{details}");
    assert!(details.contains("POST http://127.0.0.1:4700/v1/accounts/balance"), "{details}");
    assert!(details.contains("content-type: application/json"), "{details}");
    assert!(details.contains("x-sandbank-reason: limit: balance_max 10.00 exceeded"), "{details}");
    assert!(details.contains("{&quot;error&quot;:&quot;&lt;limit&gt;&quot;}"), "{details}");
    assert!(details.contains("curl -i -X POST"), "{details}");
    assert!(!html.contains("<behaves>"), "text is escaped");
}

#[test]
fn the_json_report_keeps_the_request_and_answer_headers_of_a_failure() {
    let json = report().json();
    let failed = &json["cases"][3];
    assert_eq!(failed["outcome"], "failed");
    let response = &failed["detail"]["response"];
    assert_eq!(response["status"], 422);
    assert_eq!(
        response["headers"],
        serde_json::json!([{"name": "x-sandbank-reason", "value": "limit: balance_max 10.00 exceeded"}])
    );
    assert_eq!(
        failed["detail"]["request"]["headers"],
        serde_json::json!([{"name": "content-type", "value": "application/json"}])
    );
    assert_eq!(json["version"], "9.8.7");
    assert_eq!(json["duration_ms"], 2345);
    assert_eq!(json["vendors"][1]["vendor"], "beta");
    assert_eq!(
        (json["vendors"][1]["failed"].as_u64(), json["vendors"][1]["duration_ms"].as_u64()),
        (Some(1), Some(46))
    );
}
