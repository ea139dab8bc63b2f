//! What the durable-state tests share: the built binary started with `serve --data DIR`,
//! stopped by SIGTERM or killed by SIGKILL, a blocking HTTP client for it, and the reads that
//! find which writes a store kept.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

/// How long a start-up (a store's replay included), a stop or a refusal to start may take.
pub(crate) const START_WAIT: Duration = Duration::from_secs(30);

/// `sandbank` with none of the user's `SANDBANK_*` settings.
pub(crate) fn sandbank() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sandbank"));
    prepare(&mut command);
    command
}

/// Clears the user's settings on a command that runs `sandbank`, directly or through a
/// wrapper such as `prlimit`.
pub(crate) fn prepare(command: &mut Command) {
    for var in [
        "SANDBANK_LISTEN",
        "SANDBANK_ADMIN_TOKEN",
        "SANDBANK_SEED",
        "SANDBANK_DATA",
        "SANDBANK_FIXTURES",
    ] {
        command.env_remove(var);
    }
    command.env_remove("SANDBANK_SYNC").env("SANDBANK_LOG", "warn").env("RUST_BACKTRACE", "0");
}

/// The arguments of a `serve` on a free loopback port keeping its state in `data`.
pub(crate) fn serve_args(data: &Path) -> Vec<String> {
    let data = data.to_str().unwrap().to_string();
    // Checkpoints every few changes, so kills and restarts meet them and the changes after them.
    ["serve", "--listen", "127.0.0.1:0", "--data", &data, "--checkpoint-every", "50"]
        .map(String::from)
        .to_vec()
}

/// A running `sandbank serve`; killed (SIGKILL) when dropped. Its [`Http`] (deref) talks
/// to it.
pub(crate) struct Server {
    child: Child,
    http: Http,
    /// The banner, up to the admin API line.
    pub(crate) banner: Vec<String>,
    /// The operator's admin token, from the banner.
    pub(crate) admin_token: String,
}

/// A client of one server, to clone into client threads.
#[derive(Clone)]
pub(crate) struct Http {
    /// `http://…` from the banner.
    pub(crate) base_url: String,
    client: Client,
}

impl std::ops::Deref for Server {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.http
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sandbank serve` on `data` and waits for its banner.
pub(crate) fn start(data: &Path) -> Server {
    let mut command = sandbank();
    command.args(serve_args(data));
    start_command(command)
}

/// Starts a command that runs `sandbank serve` and waits for its banner.
pub(crate) fn start_command(mut command: Command) -> Server {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (errors_tx, errors_rx) = mpsc::channel();
    // Drains stderr (the log) so the server never blocks on it; kept to say why a start failed.
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = errors_tx.send(text);
    });
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
        match lines_rx.recv_timeout(left) {
            Ok(line) => banner.push(line),
            Err(e) => {
                let _ = child.kill();
                let log = errors_rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                panic!("no banner in time ({e}); so far: {banner:?}; stderr: {log}")
            }
        }
    }
    let base_url = banner[0].strip_prefix("sandbank listening on ").unwrap().to_string();
    let admin_token = banner_value(&banner, "admin token (Authorization: Bearer …): ");
    let client = Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    Server { child, http: Http { base_url, client }, banner, admin_token }
}

/// The rest of the banner line that starts with `prefix`.
pub(crate) fn banner_value(banner: &[String], prefix: &str) -> String {
    let line = banner.iter().find(|line| line.starts_with(prefix));
    line.unwrap_or_else(|| panic!("no {prefix:?} in {banner:?}"))[prefix.len()..].to_string()
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
pub(crate) type Answer = (u16, Value);

impl Server {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL, as a crash would, and reaps it.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Stops the server with SIGTERM and waits for it to exit: its exit status.
    pub(crate) fn terminate(mut self) -> ExitStatus {
        let pid = self.pid().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + START_WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop on SIGTERM in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Http {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends a request with a bearer token and an optional JSON body; `Err` when no complete
    /// answer came back (the server died, or the connection failed).
    pub(crate) fn try_send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send()?;
        let status = resp.status().as_u16();
        let text = resp.text()?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Like [`Server::try_send`], for a server that must answer.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Answer {
        self.try_send(method, path, token, body)
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    /// `GET path` with `token`, which must answer 200: its body.
    pub(crate) fn read(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.send("GET", path, token, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Opens an account through the admin API: its answer.
    pub(crate) fn open(&self, token: &str, vendor: &str, currency: &str, opening: &str) -> Value {
        let body = json!({ "vendor": vendor, "currency": currency, "opening_balance": opening });
        let (status, answer) = self.send("POST", "/__admin/accounts", token, Some(&body));
        assert_eq!(status, 201, "opening a {vendor} account: {answer}");
        answer
    }

    /// Every entry of an account, oldest first, through the admin API.
    pub(crate) fn entries(&self, token: &str, account: &str) -> Vec<Value> {
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        for _page in 0..10_000 {
            let mut path = format!("/__admin/accounts/{account}/entries?limit=100");
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let page = self.read(&path, token);
            entries.extend(page["entries"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return entries,
            }
        }
        panic!("account {account}: more pages than any test writes");
    }

    /// Logs in to Clowd9 with the default tenant's well-known key: an access token.
    pub(crate) fn clowd9_login(&self) -> String {
        let body = json!({ "key": "sandbank-clowd9-key", "secret": "sandbank-clowd9-secret" });
        let (status, answer) = self.send("POST", "/v1/auth", "", Some(&body));
        assert_eq!(status, 200, "clowd9 login: {answer}");
        answer["access_token"].as_str().unwrap().to_string()
    }
}

/// A Clowd9 balance credit keyed by its `reference_id`.
pub(crate) fn clowd9_credit(account_id: &str, amount_minor: i64, reference_id: &str) -> Value {
    json!({
        "account_id": account_id,
        "amount": amount_minor,
        "direction": "Credit",
        "reference_id": reference_id,
    })
}

/// An amount of the admin API (`"12.34"`, two decimals: GBP) in minor units, exactly.
pub(crate) fn minor(text: &str) -> i64 {
    let (units, cents) = text.split_once('.').unwrap_or((text, "00"));
    assert_eq!(cents.len(), 2, "{text} has two decimals");
    let sign = if units.starts_with('-') { -1 } else { 1 };
    let units: i64 = units.trim_start_matches('-').parse().unwrap();
    sign * (units * 100 + cents.parse::<i64>().unwrap())
}

/// How many entries of an account carry each `reference_id`, with each one's amount.
pub(crate) fn references(entries: &[Value]) -> BTreeMap<String, (usize, i64)> {
    let mut found: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    for entry in entries {
        if let Some(reference) = entry["metadata"]["reference_id"].as_str() {
            let amount = minor(entry["amount"].as_str().unwrap());
            let slot = found.entry(reference.to_string()).or_insert((0, amount));
            slot.0 += 1;
        }
    }
    found
}

/// `sandbank check --data DIR`: its exit code, stdout and stderr.
pub(crate) fn check(data: &Path) -> (Option<i32>, String, String) {
    let mut child = sandbank()
        .args(["check", "--data", data.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let status = child.wait().unwrap();
    (status.code(), out, errors.join().unwrap())
}

/// `sandbank check` on a stopped server's store says it is consistent.
pub(crate) fn assert_check_ok(data: &Path) {
    let (code, out, err) = check(data);
    assert_eq!(code, Some(0), "sandbank check: {out}{err}");
    assert!(out.lines().any(|line| line == "verify: ok"), "sandbank check: {out}");
}

/// Runs `sandbank ARGS`, expecting it to exit by itself within [`START_WAIT`]: its exit code
/// and stderr.
pub(crate) fn run_to_exit(args: &[&str]) -> (Option<i32>, String) {
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
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (code, stderr)
}

/// Where two JSON values differ, one line per difference (JSON pointer: left vs right), so a
/// failing comparison of large reads says what changed.
pub(crate) fn differences(left: &Value, right: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(left, right, String::new(), &mut out);
    out
}

fn walk(left: &Value, right: &Value, at: String, out: &mut Vec<String>) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            let keys: std::collections::BTreeSet<&String> = l.keys().chain(r.keys()).collect();
            for key in keys {
                let (a, b) =
                    (l.get(key).unwrap_or(&Value::Null), r.get(key).unwrap_or(&Value::Null));
                walk(a, b, format!("{at}/{key}"), out);
            }
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => {
            for (idx, (a, b)) in l.iter().zip(r).enumerate() {
                walk(a, b, format!("{at}/{idx}"), out);
            }
        }
        (l, r) if l != r => out.push(format!("{at}: {l} vs {r}")),
        _ => {}
    }
}
