//! Every fault action, before and after the request is handled, on every vendor's keyed
//! balance write, seen as a client sees it (status, headers, how much of the body came, how the
//! connection ended, how long it took) and in the account: a fault before changes nothing and
//! the client's retry then applies the write once; a fault after leaves the write committed and
//! the retry with the same key replays it without moving anything again.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::target::Target;
use super::{Ending, Raw, last_vendor_entry, raw, raw_at, rule, shown};
use crate::common::{Reply, Sandbox};

/// A client's patience: long enough for every fault here but a hang.
const PATIENCE: Duration = Duration::from_secs(10);

/// One case: what the rule does.
#[derive(Debug, Clone)]
enum Action {
    Error(String, u16),
    Latency(u64),
    Reset,
    CloseAfterHeaders,
    Hang,
    Truncate,
    Malformed,
}

impl Action {
    /// The rule's action fields; spoiling actions before the write spoil the vendor's 503.
    fn fields(&self, phase: &str) -> Value {
        let spoil = |transport: &str| match phase {
            "before" => json!({ "transport": transport, "error": "unavailable" }),
            _ => json!({ "transport": transport }),
        };
        match self {
            Action::Error(name, _) => json!({ "error": name }),
            Action::Latency(ms) => json!({ "latency_ms": ms }),
            Action::Reset => json!({ "transport": "reset" }),
            Action::CloseAfterHeaders => spoil("close_after_headers"),
            Action::Hang => json!({ "transport": "hang", "hang_ms": 300 }),
            Action::Truncate => spoil("truncate"),
            Action::Malformed => spoil("malformed"),
        }
    }

    /// What the client must have seen.
    fn check_seen(&self, seen: &Raw, phase: &str, case: &str) {
        let reason = seen.header("x-sandbank-reason").unwrap_or_default();
        match self {
            Action::Error(_, status) => {
                assert_eq!(seen.status(), Some(*status), "{case}: {seen:?}");
                assert!(reason.starts_with("fault: rule "), "{case}: {reason}");
                assert_eq!(seen.content_length(), Some(seen.body().len()), "{case}");
                if matches!(status, 429 | 503) {
                    assert!(seen.header("retry-after").is_some(), "{case}: Retry-After");
                }
            }
            Action::Latency(ms) => {
                assert!(seen.elapsed >= Duration::from_millis(*ms), "{case}: {:?}", seen.elapsed);
                assert!(seen.status().is_some_and(|s| s < 300), "{case}: {seen:?}");
                assert!(seen.json().is_some(), "{case}: the real answer, whole");
                assert!(reason.contains(&format!("latency {ms} ms")), "{case}: {reason}");
            }
            Action::Reset => {
                assert_eq!((seen.ending, seen.bytes.len()), (Ending::Reset, 0), "{case}");
            }
            Action::Hang => {
                assert_eq!((seen.ending, seen.bytes.len()), (Ending::Closed, 0), "{case}");
                assert!(seen.elapsed >= Duration::from_millis(300), "{case}: {:?}", seen.elapsed);
            }
            Action::CloseAfterHeaders | Action::Truncate | Action::Malformed => {
                let expected_status = if phase == "before" { Some(503) } else { None };
                if let Some(status) = expected_status {
                    assert_eq!(seen.status(), Some(status), "{case}: {seen:?}");
                } else {
                    assert!(seen.status().is_some_and(|s| s < 300), "{case}: {seen:?}");
                }
                assert_eq!(seen.ending, Ending::Closed, "{case}");
                let promised = seen.content_length().unwrap_or(usize::MAX);
                let got = seen.body().len();
                match self {
                    Action::CloseAfterHeaders => {
                        assert!(got == 0 && promised > 0, "{case}: {got}/{promised}")
                    }
                    Action::Truncate => {
                        assert!(got > 0 && got < promised, "{case}: {got}/{promised}")
                    }
                    _ => {
                        assert_eq!(got, promised, "{case}: a complete HTTP answer");
                        assert!(
                            seen.json().is_none(),
                            "{case}: not JSON: {:?}",
                            String::from_utf8_lossy(seen.body())
                        );
                    }
                }
            }
        }
    }

    /// Whether the client got no answer at all (the journal then shows no status).
    fn sends_nothing(&self) -> bool {
        matches!(self, Action::Reset | Action::Hang)
    }
}

/// Every entry of the vendor's catalogue, by the admin API.
async fn catalogue(sb: &Sandbox, vendor: &str) -> Vec<(String, u16)> {
    let reply = Reply::read(
        sb.admin(Method::GET, &format!("/__admin/vendors/{vendor}/errors"), None).await,
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let entries = reply.body["errors"].as_array().unwrap().clone();
    entries
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                u16::try_from(e["status"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// One action in one phase: the rule fires on the first write, then the client retries.
async fn case(sb: &Sandbox, target: &Target, action: &Action, phase: &str, n: usize) {
    let case = format!("{} {phase} {action:?}", target.vendor);
    let mut spec = json!({ "name": format!("case-{n}"), "match": { "vendor": target.vendor }, "when": { "first": 1 }, "phase": phase });
    spec.as_object_mut().unwrap().extend(action.fields(phase).as_object().unwrap().clone());
    let made = rule(sb, spec).await;
    let id = made["id"].as_str().unwrap();
    let key = target.key();
    let before = target.state(sb).await;
    let seen = raw(sb, &target.request(&key, &[]), PATIENCE).await;
    action.check_seen(&seen, phase, &case);
    let after_fault = target.state(sb).await;
    let entry = last_vendor_entry(sb).await;
    assert_eq!(entry["fault"]["rule_id"], json!(id), "{case}: {entry}");
    assert_eq!(entry["fault"]["phase"], json!(phase), "{case}");
    assert_eq!(entry["status"].is_null(), action.sends_nothing(), "{case}: {entry}");
    // A delay alone only makes the request late: it is handled in either phase.
    let applied = phase == "after" || matches!(action, Action::Latency(_));
    if applied {
        assert_ne!(after_fault, before, "{case}: the write committed");
    } else {
        assert_eq!(after_fault, before, "{case}: a fault before the write changes nothing");
    }
    let counts = shown(sb, id).await;
    assert_eq!(
        (counts["matched"].as_u64(), counts["fired"].as_u64()),
        (Some(1), Some(1)),
        "{case}"
    );
    // The rule fired its one time: the client's retry with the same key goes through.
    let retry = raw(sb, &target.request(&key, &[]), PATIENCE).await;
    assert!(retry.json().is_some(), "{case}: the retry is answered whole: {retry:?}");
    let after_retry = target.state(sb).await;
    if applied {
        assert_eq!(after_retry, after_fault, "{case}: the retry replayed, moving nothing again");
    } else {
        assert_ne!(after_retry, before, "{case}: the retry applied the write");
    }
    let deleted = sb.admin(Method::DELETE, &format!("/__admin/faults/{id}"), None).await;
    assert_eq!(deleted.status(), 204, "{case}");
}

async fn every_action_in_both_phases(vendor: &'static str) {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, vendor).await;
    let errors = catalogue(&sb, vendor).await;
    assert!(errors.len() >= 4, "{vendor}: {errors:?}");
    let mut n = 0;
    // Every catalogue entry, drawn before the write (nothing changes).
    for (name, status) in &errors {
        n += 1;
        case(&sb, &target, &Action::Error(name.clone(), *status), "before", n).await;
    }
    let specific =
        errors.iter().find(|(name, _)| !vendors::outage::ALL.contains(&name.as_str())).unwrap();
    let mut actions = vec![
        Action::Error("unavailable".into(), 503),
        Action::Error(specific.0.clone(), specific.1),
        Action::Latency(150),
        Action::Reset,
        Action::CloseAfterHeaders,
        Action::Hang,
        Action::Truncate,
        Action::Malformed,
    ];
    for phase in ["before", "after"] {
        for action in &actions {
            n += 1;
            case(&sb, &target, action, phase, n).await;
        }
    }
    actions.clear();
}

#[tokio::test]
async fn every_fault_action_before_and_after_a_firstvision_write() {
    every_action_in_both_phases("firstvision").await;
}

#[tokio::test]
async fn every_fault_action_before_and_after_a_clowd9_write() {
    every_action_in_both_phases("clowd9").await;
}

#[tokio::test]
async fn every_fault_action_before_and_after_an_amlyze_write() {
    every_action_in_both_phases("amlyze").await;
}

#[tokio::test]
async fn every_fault_action_before_and_after_a_qolo_write() {
    every_action_in_both_phases("qolo").await;
}

#[tokio::test]
async fn every_fault_action_before_and_after_a_pcaasa_write() {
    every_action_in_both_phases("pcaasa").await;
}

/// A hang holds the request until the client gives up; the write committed (phase after) is
/// there for the retry to replay.
#[tokio::test]
async fn a_hang_after_the_write_holds_until_the_client_gives_up_and_the_retry_replays() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "clowd9").await;
    let made = rule(
        &sb,
        json!({"name": "hang", "phase": "after", "transport": "hang", "when": {"times": 1}}),
    )
    .await;
    let key = target.key();
    let before = target.state(&sb).await;
    let seen = raw(&sb, &target.request(&key, &[]), Duration::from_millis(400)).await;
    assert_eq!((seen.ending, seen.bytes.len()), (Ending::GaveUp, 0), "{seen:?}");
    let committed = target.state(&sb).await;
    assert_ne!(committed, before);
    let retry = raw(&sb, &target.request(&key, &[]), PATIENCE).await;
    assert_eq!(retry.status(), Some(200), "{retry:?}");
    assert_eq!(target.state(&sb).await, committed, "replayed, not posted twice");
    assert_eq!(shown(&sb, made["id"].as_str().unwrap()).await["fired"], json!(1));
}

/// A latency range draws each delay inside it.
#[tokio::test]
async fn a_latency_range_delays_each_answer_within_it() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "qolo").await;
    rule(&sb, json!({"name": "slow", "match": {"vendor": "qolo"}, "latency_ms": [100, 250]})).await;
    for _ in 0..4 {
        let seen = raw(&sb, &target.request(&target.key(), &[]), PATIENCE).await;
        assert_eq!(seen.status(), Some(201), "{seen:?}");
        assert!(seen.elapsed >= Duration::from_millis(100), "{:?}", seen.elapsed);
        assert!(seen.elapsed < Duration::from_millis(2_000), "{:?}", seen.elapsed);
    }
}

/// A request a hang holds does not hold up a graceful stop: the server lets it go at once.
#[tokio::test]
async fn a_graceful_stop_lets_a_hanging_request_go() {
    let sb = Sandbox::start().await;
    let target = Target::open(&sb, "clowd9").await;
    rule(&sb, json!({"name": "forever", "transport": "hang", "match": {"vendor": "clowd9"}})).await;
    let request = target.request(&target.key(), &[]);
    let base_url = sb.server.base_url.clone();
    let held =
        tokio::spawn(async move { raw_at(&base_url, &request, Duration::from_secs(30)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let Sandbox { server, .. } = sb;
    let stopped = tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await;
    assert!(stopped.is_ok(), "the stop waited on the held request");
    let seen = held.await.unwrap();
    assert_eq!((seen.ending, seen.bytes.len()), (Ending::Closed, 0), "{seen:?}");
    assert!(seen.elapsed < Duration::from_secs(5), "{:?}", seen.elapsed);
}
