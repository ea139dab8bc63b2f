//! `sandbank serve` as a user runs it: the built binary, real processes, real loopback ports.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a start-up, or a refusal to start, may take.
const START_WAIT: Duration = Duration::from_secs(30);

fn sandbank() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sandbank"));
    // The user's environment must not pick the port, token, seed or log level of these tests.
    command
        .env_remove("SANDBANK_LISTEN")
        .env_remove("SANDBANK_ADMIN_TOKEN")
        .env_remove("SANDBANK_SEED")
        .env("SANDBANK_LOG", "warn")
        .env("RUST_BACKTRACE", "0");
    command
}

/// A `sandbank serve` that started; killed when dropped.
struct Serving {
    child: Child,
    /// `http://…` from the banner.
    base_url: String,
    /// The banner, up to the admin API line.
    banner: Vec<String>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    /// `host:port` to connect to.
    fn addr(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    fn port(&self) -> u16 {
        self.addr().rsplit(':').next().unwrap().parse().unwrap()
    }
}

/// Starts `sandbank serve ARGS` and waits for its banner.
fn serve(args: &[&str]) -> Serving {
    serve_with_env(args, &[])
}

/// [`serve`] with these environment variables set.
fn serve_with_env(args: &[&str], env: &[(&str, &str)]) -> Serving {
    let mut child = sandbank()
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel();
    // Reads the banner, then keeps draining stdout so the server never blocks on it.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    let deadline = Instant::now() + START_WAIT;
    while !banner.last().is_some_and(|line: &String| line.starts_with("admin API:")) {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines_rx.recv_timeout(left).expect("the banner in time");
        banner.push(line);
    }
    let base_url = banner[0].strip_prefix("sandbank listening on ").unwrap().to_string();
    Serving { child, base_url, banner }
}

/// Runs `sandbank ARGS`, expecting it to exit by itself: its exit code (`None` when it was
/// still running at the deadline, and was killed) and its stderr.
fn run_to_exit(args: &[&str]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut child =
        sandbank().args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > START_WAIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (code, stderr, took)
}

/// `GET path` on a fresh connection: status and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nhost: sandbank\r\nconnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    (status, body)
}

/// The vendors `GET /` says are served.
fn indexed_vendors(serving: &Serving) -> Vec<String> {
    let (status, body) = get(serving.addr(), "/");
    assert_eq!(status, 200, "{body}");
    let index: serde_json::Value = serde_json::from_str(&body).unwrap();
    let vendors = index["vendors"].as_array().unwrap();
    vendors.iter().map(|v| v["name"].as_str().unwrap().to_string()).collect()
}

// See: issue item 6 (a second serve on a busy port started and split the connections).
#[test]
fn a_second_serve_on_a_busy_port_exits_non_zero_naming_the_port_and_the_first_keeps_serving() {
    let first = serve(&["--listen", "127.0.0.1:0"]);
    let port = first.port();
    for listen in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let (code, stderr, took) = run_to_exit(&["serve", "--listen", &listen]);
        assert!(code.is_some_and(|code| code != 0), "{listen}: exit {code:?}, stderr: {stderr}");
        assert!(took < Duration::from_secs(10), "{listen}: took {took:?} to give up");
        assert!(stderr.contains(&format!("port {port} is already in use")), "{stderr}");
    }
    // Every connection still reaches the first server's one state.
    for _ in 0..16 {
        assert_eq!(get(first.addr(), "/__admin/health").0, 200);
    }
}

// See: issue item 10 (`--vendor clowd` blamed the address).
#[test]
fn an_unknown_vendor_is_a_usage_error_listing_the_valid_names() {
    for vendors in ["clowd", "clowd9,qolo,nope"] {
        let (code, stderr, _) =
            run_to_exit(&["serve", "--listen", "127.0.0.1:0", "--vendor", vendors]);
        assert_eq!(code, Some(2), "--vendor {vendors}: {stderr}");
        assert!(stderr.contains("invalid value"), "{stderr}");
        assert!(!stderr.contains("cannot serve"), "not the address's fault: {stderr}");
        for name in server::vendor_names() {
            assert!(stderr.contains(name), "{stderr} should list {name}");
        }
    }
}

#[test]
fn store_settings_without_data_are_a_usage_error_as_flags_and_ignored_from_the_environment() {
    for flag in [["--sync", "off"], ["--checkpoint-every", "5"]] {
        let (code, stderr, _) =
            run_to_exit(&[&["serve", "--listen", "127.0.0.1:0"], &flag[..]].concat());
        assert_eq!(code, Some(2), "{flag:?}: {stderr}");
        assert!(stderr.contains(&format!("{} needs --data DIR", flag[0])), "{stderr}");
    }
    // A deployment's environment may set them for every instance, in-memory ones included.
    let env = [("SANDBANK_SYNC", "off"), ("SANDBANK_CHECKPOINT_EVERY", "5")];
    let serving = serve_with_env(&["--listen", "127.0.0.1:0"], &env);
    assert!(
        serving.banner.iter().any(|line| line.starts_with("state: in memory")),
        "{:?}",
        serving.banner
    );
}

#[test]
fn several_vendors_comma_separated_or_repeated_are_served_and_only_they() {
    for args in [&["--vendor", "clowd9,qolo"][..], &["--vendor", "qolo", "--vendor", "clowd9"]] {
        let serving = serve(&[&["--listen", "127.0.0.1:0"], args].concat());
        assert_eq!(indexed_vendors(&serving), ["clowd9", "qolo"], "{args:?}");
        // The banner lists each vendor's credentials on an indented line.
        let credentials: Vec<&str> = serving
            .banner
            .iter()
            .filter(|line| line.starts_with("  "))
            .map(|line| line.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(credentials, ["clowd9", "qolo"], "{:?}", serving.banner);
        assert_eq!(get(serving.addr(), "/v1/accounts/x/balances").0, 401, "clowd9 is served");
        assert_eq!(get(serving.addr(), "/account/v2/accounts").0, 404, "firstvision is not");
    }
}

// See: issue item 10 (`--listen localhost:4700` was refused).
#[test]
fn listen_takes_a_host_name_and_localhost_is_loopback() {
    let serving = serve(&["--listen", "localhost:0"]);
    assert!(serving.base_url.starts_with("http://127.0.0.1:"), "{}", serving.base_url);
    assert_eq!(get(serving.addr(), "/__admin/health").0, 200);

    let (code, stderr, _) = run_to_exit(&["serve", "--listen", "localhost"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("HOST:PORT"), "{stderr}");
}

/// `POST path` with a bearer token and a JSON body, on a fresh connection: status and body.
fn post(addr: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: sandbank\r\nconnection: close\r\nauthorization: Bearer \
         {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    (status, body)
}

/// The ids of one account of each of two vendors, opened on a fresh `serve --seed 7`.
fn ids_of_a_fresh_seeded_server() -> Vec<serde_json::Value> {
    let serving =
        serve(&["--listen", "127.0.0.1:0", "--seed", "7", "--admin-token", "sbk_admin_t"]);
    assert!(
        serving.banner.iter().any(|line| line.contains("(seed 7)")),
        "the banner shows the seed: {:?}",
        serving.banner
    );
    let mut ids = Vec::new();
    for (vendor, currency) in [("clowd9", "GBP"), ("qolo", "USD")] {
        let body = format!(r#"{{"vendor":"{vendor}","currency":"{currency}"}}"#);
        let (status, answer) = post(serving.addr(), "/__admin/accounts", "sbk_admin_t", &body);
        assert_eq!(status, 201, "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        ids.push(answer["id"].clone());
        ids.push(answer["vendor_ids"].clone());
    }
    ids
}

#[test]
fn serve_with_a_seed_prints_it_and_two_runs_open_accounts_with_the_same_ids() {
    let (first, second) = (ids_of_a_fresh_seeded_server(), ids_of_a_fresh_seeded_server());
    assert!(first[0].is_string(), "{first:?}");
    assert_eq!(first, second);
}

#[test]
fn serve_without_a_seed_prints_the_random_one_it_chose() {
    let serving = serve(&["--listen", "127.0.0.1:0"]);
    let line = serving.banner.iter().find(|line| line.starts_with("default tenant")).unwrap();
    let seed = line.rsplit_once("(seed ").unwrap().1.trim_end_matches(')');
    seed.parse::<u64>().unwrap();
}

#[test]
fn the_banner_links_the_dashboard_which_answers_without_a_token() {
    let serving = serve(&["--listen", "127.0.0.1:0"]);
    let expected =
        format!("dashboard: {}/__admin/ui (sign in with the admin token)", serving.base_url);
    assert!(serving.banner.contains(&expected), "{:?}", serving.banner);
    let (status, page) = get(serving.addr(), "/__admin/ui");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<title>sandbank dashboard</title>"), "{page}");
}
