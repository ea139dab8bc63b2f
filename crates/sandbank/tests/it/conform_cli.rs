//! `sandbank conform` as a CI job runs it: the real binary, from a folder outside the checkout,
//! against an in-process sandbank. It never exits 0 having tested nothing, and it leaves no
//! tenant behind.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use server::testing::TestServer;

/// Exit codes the binary documents in `sandbank conform --help`.
const NOT_STARTED: i32 = 1;
const USAGE: i32 = 2;
const NOT_PASSED: i32 = 3;
const INTERRUPTED: i32 = 130;

/// A sandbank on a loopback port, served by its own runtime while the test blocks on the binary.
struct Sandbank {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
}

impl Sandbank {
    fn start() -> Sandbank {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(server::testing::spawn()).unwrap();
        Sandbank { runtime, server }
    }

    fn url(&self) -> &str {
        &self.server.base_url
    }

    fn token(&self) -> &str {
        &self.server.admin_token
    }

    /// The operator's admin call; `(status, body)`.
    fn admin(&self, method: reqwest::Method, path: &str) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.url());
        self.runtime.block_on(async {
            let resp = reqwest::Client::new()
                .request(method, url)
                .bearer_auth(self.token())
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or_default())
        })
    }

    /// How many tenants the server holds, when it can list them (`GET /__admin/tenants`).
    fn tenants(&self) -> usize {
        match self.admin(reqwest::Method::GET, "/__admin/tenants") {
            (200, body) => body["tenants"].as_array().unwrap().len(),
            (status, body) => panic!("GET /__admin/tenants answered {status}: {body}"),
        }
    }
}

/// What one run printed and how it ended.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Whether any case ran (each prints a progress line).
    fn ran_a_case(&self) -> bool {
        self.stderr.lines().any(|l| ["PASS ", "FAIL ", "SKIP "].iter().any(|p| l.starts_with(p)))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

fn conform_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sandbank"));
    cmd.arg("conform").args(args).current_dir(dir).env_remove("SANDBANK_ADMIN_TOKEN");
    cmd
}

/// Runs `sandbank conform ARGS` in `dir`.
fn conform_in(dir: &Path, args: &[&str]) -> Run {
    let out = conform_command(dir, args).output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh folder outside the checkout: nothing there to read suites, specs or snapshots from.
fn outside_the_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    assert!(!dir.path().canonicalize().unwrap().starts_with(&checkout));
    dir
}

/// Runs `sandbank conform ARGS` in a fresh folder outside the checkout.
fn conform(args: &[&str]) -> Run {
    conform_in(outside_the_checkout().path(), args)
}

/// Asserts that no tenant is left besides the default one.
fn assert_no_tenant_is_left(sandbank: &Sandbank, run: &Run) {
    assert_eq!(sandbank.tenants(), 1, "only the default tenant: {run:?}");
}

// See: issue item 14 (conform works only from the repository root).
#[test]
fn conform_from_outside_a_checkout_runs_the_built_in_suites_and_deletes_its_tenants() {
    let sandbank = Sandbank::start();
    let dir = outside_the_checkout();
    let run = conform_in(
        dir.path(),
        &["--target", sandbank.url(), "--admin-token", sandbank.token()]
            .into_iter()
            .chain(["--vendor", "amlyze", "--vendor", "pcaasa", "--junit", "report.xml"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("conformance: 31 passed, 0 failed, 0 skipped"), "{run:?}");
    assert!(run.stdout.contains("result: passed"), "{run:?}");
    assert!(run.stdout.contains("suites: conformance/suites (built in)"), "{run:?}");
    let junit = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"pcaasa\" tests=\"16\" failures=\"0\""), "{junit}");
    assert_no_tenant_is_left(&sandbank, &run);
}

// See: issue item 7 (green with a wrong admin token: 73 skipped).
#[test]
fn conform_with_a_refused_admin_token_fails_before_running_a_case() {
    let sandbank = Sandbank::start();
    let run = conform(&["--target", sandbank.url(), "--admin-token", "sbk_admin_wrong"]);
    assert_eq!(run.code, Some(NOT_STARTED), "{run:?}");
    assert!(run.stderr.contains("the target refused the admin token"), "{run:?}");
    assert!(!run.ran_a_case(), "{run:?}");

    // A tenant's own admin token cannot make tenants: refused the same way, named as such.
    let (status, tenant) = sandbank.admin(reqwest::Method::POST, "/__admin/tenants");
    assert_eq!(status, 201);
    let run = conform(&[
        "--target",
        sandbank.url(),
        "--admin-token",
        tenant["admin_token"].as_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(NOT_STARTED), "{run:?}");
    assert!(run.stderr.contains("the admin token is a tenant's, not the operator's"), "{run:?}");
    assert!(!run.ran_a_case(), "{run:?}");
}

// See: issue item 7 (green with an empty admin token).
#[test]
fn conform_with_an_empty_admin_token_is_a_usage_error() {
    let sandbank = Sandbank::start();
    let run = conform(&["--target", sandbank.url(), "--admin-token", ""]);
    assert_eq!(run.code, Some(USAGE), "{run:?}");
    assert!(run.stderr.contains("the admin token is empty"), "{run:?}");
    // The same through the environment, as `--admin-token "$SANDBANK_ADMIN_TOKEN"` with the
    // variable set but empty.
    let dir = outside_the_checkout();
    let out = conform_command(dir.path(), &["--target", sandbank.url()])
        .env("SANDBANK_ADMIN_TOKEN", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(USAGE), "{}", String::from_utf8_lossy(&out.stderr));
}

// See: issue item 7 (green with nothing listening at the target).
#[test]
fn conform_with_nothing_listening_at_the_target_fails_before_running_a_case() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    for token in [None, Some("sbk_admin_test")] {
        let mut args = vec!["--target", &target];
        args.extend(token.iter().flat_map(|t| ["--admin-token", t]));
        let run = conform(&args);
        assert_eq!(run.code, Some(NOT_STARTED), "{run:?}");
        assert!(run.stderr.contains(&format!("nothing answers at {target}")), "{run:?}");
        assert!(run.stderr.contains("Connection refused"), "{run:?}");
        assert!(!run.ran_a_case(), "{run:?}");
    }
}

// See: issue item 7 (a target without a scheme: every case skipped with "builder error").
#[test]
fn conform_with_a_target_without_a_scheme_is_a_usage_error() {
    for target in ["127.0.0.1:4700", "localhost:4700", "ftp://127.0.0.1:4700"] {
        let run = conform(&["--target", target]);
        assert_eq!(run.code, Some(USAGE), "{run:?}");
        assert!(run.stderr.contains("e.g. http://127.0.0.1:4700"), "{run:?}");
        assert!(!run.ran_a_case(), "{run:?}");
    }
}

// See: issue item 7 (an unknown --vendor ran 0 cases and exited 0).
#[test]
fn conform_with_an_unknown_vendor_is_a_usage_error_listing_the_suites() {
    let run = conform(&["--target", "http://127.0.0.1:9", "--vendor", "qolo", "--vendor", "visa"]);
    assert_eq!(run.code, Some(USAGE), "{run:?}");
    assert!(run.stderr.contains("unknown vendor \"visa\""), "{run:?}");
    assert!(run.stderr.contains("amlyze, clowd9, firstvision, pcaasa, qolo"), "{run:?}");

    // The valid names are the suites found, so `--suite` changes them.
    let dir = outside_the_checkout();
    std::fs::create_dir_all(dir.path().join("suites/acme")).unwrap();
    let run = conform_in(
        dir.path(),
        &["--target", "http://127.0.0.1:9", "--suite", "suites", "--vendor", "qolo"],
    );
    assert_eq!(run.code, Some(USAGE), "{run:?}");
    assert!(run.stderr.contains("the suites in suites are acme"), "{run:?}");
}

// See: issue item 7 (a run with skipped cases exited 0; skip reasons were untrue).
#[test]
fn conform_with_skipped_cases_fails_unless_skips_are_allowed_and_says_why_they_skipped() {
    let sandbank = Sandbank::start();
    // No admin token and no fixtures: one AMLYZE case needs neither, the others are skipped.
    let run = conform(&["--target", sandbank.url(), "--vendor", "amlyze"]);
    assert_eq!(run.code, Some(NOT_PASSED), "{run:?}");
    assert!(run.stdout.contains("conformance: 1 passed, 0 failed, 14 skipped"), "{run:?}");
    assert!(run.stdout.contains("result: FAILED: 14 skipped"), "{run:?}");
    // The reasons are true: no fixtures file was given, and the target is sandbank.
    assert!(
        run.stdout.contains("no --fixtures was given (the target is sandbank: give --admin-token"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("the target is sandbank, but no --admin-token was given"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("fixtures file has no"), "{run:?}");
    assert!(!run.stdout.contains("not sandbank"), "{run:?}");

    let run = conform(&["--target", sandbank.url(), "--vendor", "amlyze", "--allow-skips"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("result: passed"), "{run:?}");
}

// See: issue item 7 (zero cases run is a failure).
#[test]
fn conform_in_which_no_case_ran_fails_even_with_skips_allowed() {
    let sandbank = Sandbank::start();
    // Every Qolo case needs an account, so without a token or fixtures none can run.
    let run = conform(&["--target", sandbank.url(), "--vendor", "qolo", "--allow-skips"]);
    assert_eq!(run.code, Some(NOT_PASSED), "{run:?}");
    assert!(run.stdout.contains("conformance: 0 passed, 0 failed, 16 skipped"), "{run:?}");
    assert!(run.stdout.contains("result: FAILED: no case ran, so nothing was tested"), "{run:?}");

    // A suite folder without a case cannot test anything either.
    let dir = outside_the_checkout();
    std::fs::create_dir_all(dir.path().join("suites/qolo")).unwrap();
    let run = conform_in(dir.path(), &["--target", sandbank.url(), "--suite", "suites"]);
    assert_eq!(run.code, Some(NOT_STARTED), "{run:?}");
    assert!(run.stderr.contains("no case to run"), "{run:?}");
}

// See: issue item 14 (`--update-snapshots` needs a real folder).
#[test]
fn update_snapshots_outside_a_checkout_writes_only_where_it_is_told() {
    let sandbank = Sandbank::start();
    let dir = outside_the_checkout();
    let base =
        ["--target", sandbank.url(), "--admin-token", sandbank.token(), "--vendor", "amlyze"];
    let run = conform_in(dir.path(), &[&base[..], &["--update-snapshots"]].concat());
    assert_eq!(run.code, Some(USAGE), "{run:?}");
    assert!(
        run.stderr.contains("--update-snapshots needs a folder to write: give --snapshots DIR")
    );
    assert!(!run.ran_a_case(), "{run:?}");

    // With a folder, the run writes every snapshot of the selected suites there, and they are
    // the shipped ones (the flags override the built-in files).
    let run = conform_in(
        dir.path(),
        &[&base[..], &["--update-snapshots", "--snapshots", "snaps"]].concat(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("snapshots: snaps"), "{run:?}");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/snapshots/amlyze");
    let mut n_snapshots = 0;
    for entry in std::fs::read_dir(&repo).unwrap() {
        let path = entry.unwrap().path();
        let written = dir.path().join("snaps/amlyze").join(path.file_name().unwrap());
        assert_eq!(
            std::fs::read_to_string(&written).unwrap(),
            std::fs::read_to_string(&path).unwrap()
        );
        n_snapshots += 1;
    }
    assert_eq!(std::fs::read_dir(dir.path().join("snaps/amlyze")).unwrap().count(), n_snapshots);
}

// See: issue item 11 (every run leaves ~73 tenants), when the run is stopped: Ctrl-C, or a
// cancelled CI job's SIGTERM.
#[test]
fn a_stopped_run_exits_130_after_deleting_its_tenants() {
    for signal in ["-INT", "-TERM"] {
        let sandbank = Sandbank::start();
        let dir = outside_the_checkout();
        let args = ["--target", sandbank.url(), "--admin-token", sandbank.token()];
        let mut child = conform_command(dir.path(), &args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        // Wait for the first case to end (the run is then well under way), then stop it.
        while !seen.lines().any(|l| l.starts_with("PASS ") || l.starts_with("FAIL ")) {
            assert_ne!(stderr.read_line(&mut seen).unwrap(), 0, "ended before a case: {seen}");
        }
        let killed = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        std::io::Read::read_to_string(&mut stderr, &mut seen).unwrap();
        let status = child.wait().unwrap();
        let run = Run { code: status.code(), stdout: String::new(), stderr: seen };
        assert_eq!(run.code, Some(INTERRUPTED), "{signal}: {run:?}");
        assert!(run.stderr.contains("interrupted: the run did not finish"), "{run:?}");
        assert!(run.stderr.contains(" made, "), "{run:?}");
        assert_no_tenant_is_left(&sandbank, &run);
    }
}
