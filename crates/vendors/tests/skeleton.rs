//! The tidy check of the vendor skeleton: every vendor folder has the same files with the same
//! roles (ARCHITECTURE.md, "Adding a vendor"), so a reader who knows one vendor finds their way
//! in the next, and a new vendor starts from the same shape.

use std::collections::BTreeSet;
use std::path::Path;

/// The files every vendor folder has, each with one role.
const SKELETON: [&str; 7] =
    ["mod.rs", "handlers.rs", "parse.rs", "wire.rs", "errors.rs", "auth.rs", "state.rs"];

/// Code lines (not comments, not blank) a vendor's `mod.rs` may hold: its route table and the
/// `impl Vendor` glue, no handlers.
const MOD_CODE_LINES_MAX: usize = 200;

fn code_lines(text: &str) -> usize {
    text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with("//")).count()
}

#[test]
fn every_vendor_folder_has_the_skeleton_and_nothing_else() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for vendor in vendors::NAMES {
        let dir = src.join(vendor);
        let entries: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for file in SKELETON {
            if !entries.contains(file) {
                problems.push(format!("{vendor}: no {file}"));
            }
        }
        for entry in &entries {
            let is_skeleton = SKELETON.contains(&entry.as_str());
            // A role too large for one file becomes a folder of that role's name.
            let is_role_folder = SKELETON.iter().any(|file| {
                file.strip_suffix(".rs").is_some_and(|role| role == entry && role != "mod")
            });
            let is_tests = matches!(entry.as_str(), "tests.rs" | "tests" | "snapshots");
            if !(is_skeleton || is_role_folder || is_tests) {
                problems.push(format!("{vendor}: {entry} is not part of the skeleton"));
            }
        }
        let module = std::fs::read_to_string(dir.join("mod.rs")).unwrap_or_default();
        if !module.contains("routes! {") {
            problems.push(format!("{vendor}: mod.rs declares no route table with routes!"));
        }
        let errors = std::fs::read_to_string(dir.join("errors.rs")).unwrap_or_default();
        let shared_failure = errors.contains("pub(crate) type Failure = ")
            && errors.contains("Failure<")
            && errors.contains("impl Render for ");
        if !shared_failure {
            problems.push(format!(
                "{vendor}: errors.rs must name its failure `Failure` (common::failure::Failure of \
                 its error catalogue) and render the catalogue with `impl Render`"
            ));
        }
        let lines = code_lines(&module);
        if lines > MOD_CODE_LINES_MAX {
            problems.push(format!(
                "{vendor}: mod.rs has {lines} lines of code (at most {MOD_CODE_LINES_MAX}: \
                 handlers belong in handlers.rs)"
            ));
        }
    }
    assert!(problems.is_empty(), "vendor skeleton:\n{}", problems.join("\n"));
}
