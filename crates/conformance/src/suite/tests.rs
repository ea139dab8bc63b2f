//! The scenario format's own rules: what serde reads and what the loader refuses after it.

use super::*;

fn case(yaml: &str) -> Result<Case, String> {
    serde_yaml_ng::from_str(yaml).map_err(|e| e.to_string())
}

const WRITE: &str = "describe: d\nsteps:\n  - name: write\n    request: { method: POST, path: /x";

#[test]
fn timeout_ms_is_read_per_request_and_absent_by_default() {
    let timed = case(&format!("{WRITE}, timeout_ms: 1000 }}\n")).unwrap();
    assert_eq!(timed.steps[0].request.as_ref().unwrap().timeout_ms, Some(1000));
    let untimed = case(&format!("{WRITE} }}\n")).unwrap();
    assert_eq!(untimed.steps[0].request.as_ref().unwrap().timeout_ms, None);
    for bad in ["-1", "soon", "1.5"] {
        let err = case(&format!("{WRITE}, timeout_ms: {bad} }}\n")).unwrap_err();
        assert!(err.contains("timeout_ms"), "{bad}: {err}");
    }
}

#[test]
fn no_answer_is_read_and_off_by_default() {
    let step = |expect: &str| {
        case(&format!("{WRITE} }}\n    expect: {expect}\n")).unwrap().steps.remove(0)
    };
    assert!(step("{ no_answer: true }").expect.no_answer);
    assert!(!step("{ status: 200 }").expect.no_answer);
}

#[test]
fn a_zero_timeout_and_no_answer_with_answer_checks_are_refused_by_name() {
    let problem = |yaml: String| step_problem(&case(&yaml).unwrap().steps[0]);
    let err = problem(format!("{WRITE}, timeout_ms: 0 }}\n")).unwrap_err();
    assert_eq!(err, r#"step "write": timeout_ms: a whole number of milliseconds from 1"#);
    for (extra, name) in [
        ("status: 200", "status"),
        ("fields: [{ path: /a, exists: true }]", "fields"),
        ("snapshot: s", "snapshot"),
        ("headers: { a: b }", "headers"),
    ] {
        let err = problem(format!("{WRITE} }}\n    expect: {{ no_answer: true, {extra} }}\n"))
            .unwrap_err();
        assert!(err.ends_with(&format!("cannot also have {name}")), "{err}");
    }
    let saves = format!("{WRITE} }}\n    expect: {{ no_answer: true }}\n    save: {{ a: /a }}\n");
    assert!(problem(saves).unwrap_err().ends_with("cannot also have save"));
    let fine =
        format!("{WRITE}, timeout_ms: 1 }}\n    expect: {{ no_answer: true, schema: false }}\n");
    assert_eq!(problem(fine), Ok(()));
}

#[test]
fn the_loader_refuses_a_case_whose_step_has_a_problem() {
    let root = std::env::temp_dir().join(format!("sbk-suite-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(root.join("clowd9")).unwrap();
    let file = root.join("clowd9/001-hangs.yaml");
    std::fs::write(&file, format!("{WRITE} }}\n    expect: {{ no_answer: true, status: 200 }}\n"))
        .unwrap();
    let res = load(&Files::Dir(root.clone()), &[]);
    std::fs::remove_dir_all(&root).unwrap();
    let err = res.unwrap_err();
    let SuiteError::Invalid { path, message } = err else { panic!("{err:?}") };
    assert!(path.ends_with("clowd9/001-hangs.yaml"), "{}", path.display());
    assert!(message.ends_with("cannot also have status"), "{message}");
}
