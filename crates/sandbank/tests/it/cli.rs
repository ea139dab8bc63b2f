//! The binary answers `--help` and `--version` as a new user would try them first.

use std::process::Command;

fn sandbank(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sandbank")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn version_prints_the_crate_version() {
    let (ok, stdout) = sandbank(&["--version"]);
    assert!(ok);
    assert_eq!(stdout.trim(), format!("sandbank {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_describes_the_tool_and_its_usage() {
    let (ok, stdout) = sandbank(&["--help"]);
    assert!(ok);
    assert!(stdout.contains("Usage: sandbank"), "{stdout}");
    assert!(stdout.contains("sandbox"), "{stdout}");
}

#[test]
fn an_unknown_subcommand_fails_with_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_sandbank")).arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-command"));
}
