//! `X-Sandbank-Fault`: one request asks for a rule by name, so a test case targets one call
//! without a rule that fires on everyone's; a name that is no rule of the caller's tenant is
//! refused with sandbank's own 400 and changes nothing.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::target::Target;
use super::{raw, rule, shown};
use crate::common::Sandbox;

const PATIENCE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_rule_only_when_named_fires_only_on_the_request_that_names_it() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "qolo").await;
    let made = rule(
        &sb,
        json!({"name": "qolo-limit", "when": {"only_when_named": true}, "match": {"vendor": "qolo"}, "error": "rate_limited"}),
    )
    .await;
    let plain = raw(&sb, &target.request(&target.key(), &[]), PATIENCE).await;
    assert_eq!(plain.status(), Some(201), "{plain:?}");
    let before = target.state(&sb).await;
    let named =
        raw(&sb, &target.request(&target.key(), &[("X-Sandbank-Fault", "qolo-limit")]), PATIENCE)
            .await;
    assert_eq!(named.status(), Some(429), "{named:?}");
    assert!(named.header("retry-after").is_some());
    assert_eq!(target.state(&sb).await, before, "refused before the write");
    let counts = shown(&sb, made["id"].as_str().unwrap()).await;
    assert_eq!((counts["matched"].as_u64(), counts["fired"].as_u64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn a_named_after_rule_commits_then_fails_and_an_unknown_name_changes_nothing() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "pcaasa").await;
    rule(&sb, json!({"name": "lost-answer", "phase": "after", "when": {"only_when_named": true}, "transport": "reset"})).await;
    let before = target.state(&sb).await;
    let typo =
        raw(&sb, &target.request(&target.key(), &[("X-Sandbank-Fault", "lost-answr")]), PATIENCE)
            .await;
    assert_eq!(typo.status(), Some(400), "{typo:?}");
    assert_eq!(typo.json().unwrap()["error"], json!("unknown_fault"));
    assert_eq!(target.state(&sb).await, before, "a refused request changes nothing");
    let key = target.key();
    let reset =
        raw(&sb, &target.request(&key, &[("X-Sandbank-Fault", "lost-answer")]), PATIENCE).await;
    assert_eq!(reset.ending, super::Ending::Reset, "{reset:?}");
    let committed = target.state(&sb).await;
    assert_ne!(committed, before, "the write committed before the reset");
    let retry = raw(&sb, &target.request(&key, &[]), PATIENCE).await;
    assert_eq!(retry.status(), Some(200), "{retry:?}");
    assert_eq!(target.state(&sb).await, committed, "the retry replays");
    let journal = sb.journal().await;
    let faulted = journal.iter().find(|e| !e["fault"].is_null()).unwrap();
    assert_eq!(
        (faulted["fault"]["phase"].as_str(), faulted["status"].is_null()),
        (Some("after"), true)
    );
    let _ = sb.admin(Method::GET, "/__admin/faults", None).await;
}
