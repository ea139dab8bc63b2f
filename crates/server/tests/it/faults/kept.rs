//! Rules that outlive a request: loaded from a `--faults` file before the first request, and
//! kept by a durable store across a restart (their counts start again), a file loaded again on
//! the same store duplicating nothing.

use reqwest::Method;
use serde_json::{Value, json};

use super::rule;
use crate::common::{Reply, Sandbox};
use crate::restarts::{DataDir, restart, start, stop};

async fn listed(sb: &Sandbox) -> Vec<Value> {
    let reply = Reply::read(sb.admin(Method::GET, "/__admin/faults", None).await).await;
    reply.body["faults"].as_array().unwrap().clone()
}

fn names(rules: &[Value]) -> Vec<&str> {
    rules.iter().map(|r| r["name"].as_str().unwrap()).collect()
}

/// A file of rules in a fresh temporary place.
fn file(dir: &DataDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("sandbank-faults-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let _ = dir;
    path
}

#[tokio::test]
async fn a_faults_file_makes_its_rules_before_the_first_request_and_a_bad_one_names_rule_and_field()
{
    let dir = DataDir::new("faults-file");
    let good = file(
        &dir,
        "good.yaml",
        "- name: slow\n  latency_ms: [1, 2]\n- name: down\n  match: { vendor: qolo }\n  error: unavailable\n",
    );
    let config = server::Config { faults: Some(good.clone()), ..server::Config::default() };
    let sb = Sandbox::with_server(server::testing::spawn_with(config).await.unwrap());
    assert_eq!(names(&listed(&sb).await), ["slow", "down"]);
    drop(sb);
    let bad = file(
        &dir,
        "bad.yaml",
        "faults:\n  - name: ok\n    latency_ms: 1\n  - name: coin\n    when: { probability: 2 }\n    error: internal\n",
    );
    let config = server::Config { faults: Some(bad.clone()), ..server::Config::default() };
    let err = server::testing::spawn_with(config).await.err().expect("refused").to_string();
    assert!(err.contains("rule 2 (coin): when.probability:"), "{err}");
    assert!(err.contains(&bad.display().to_string()), "{err}");
    let _ = std::fs::remove_file(good);
    let _ = std::fs::remove_file(bad);
}

#[tokio::test]
async fn a_durable_store_keeps_rules_across_a_restart_and_a_file_loaded_again_duplicates_nothing() {
    let dir = DataDir::new("faults-kept");
    let sb = start(&dir).await;
    rule(&sb, json!({"name": "kept", "phase": "after", "error": "internal"})).await;
    rule(&sb, json!({"name": "gone", "latency_ms": 5})).await;
    assert_eq!(sb.admin(Method::DELETE, "/__admin/faults/gone", None).await.status(), 204);
    let sb = restart(sb, &dir).await;
    let rules = listed(&sb).await;
    assert_eq!(names(&rules), ["kept"]);
    assert_eq!(rules[0]["id"], json!("flt_1"));
    assert_eq!(
        rule(&sb, json!({"name": "next", "latency_ms": 1})).await["id"],
        json!("flt_3"),
        "ids are not reused"
    );
    assert_eq!(sb.admin(Method::DELETE, "/__admin/faults", None).await.status(), 200);
    let sb = restart(sb, &dir).await;
    assert!(listed(&sb).await.is_empty(), "a delete-all is kept too");
    stop(sb).await;
    // The same file on every start of one store: its rules once, however many starts.
    let path =
        file(&dir, "again.yaml", "- name: a\n  latency_ms: 1\n- name: b\n  error: rate_limited\n");
    for _ in 0..2 {
        let config = server::Config {
            data: Some(dir.path().to_path_buf()),
            faults: Some(path.clone()),
            ..server::Config::default()
        };
        let sb = Sandbox::with_server(server::testing::spawn_with(config).await.unwrap());
        assert_eq!(names(&listed(&sb).await), ["a", "b"]);
        stop(sb).await;
    }
    let _ = std::fs::remove_file(path);
}
