//! The scenario format: one YAML file per case under `conformance/suites/<vendor>/`, written so a
//! vendor's engineer can read and extend it without Rust.
//!
//! ```yaml
//! describe: A credit raises the balance, and the balance read shows it.
//! requires: [admin]            # optional: needs sandbank's admin API (clock, reset)
//! given:
//!   accounts:
//!     main: { currency: GBP, opening_balance: "100.00", limits: { balance_max: "1000.00" } }
//! steps:
//!   - name: log in
//!     request: { method: POST, path: /v1/auth, json: { key: "{{credentials.key}}", secret: "{{credentials.secret}}" } }
//!     expect: { status: 200 }
//!     save: { token: /access_token }
//!   - name: credit 10.00
//!     request:
//!       method: POST
//!       path: /v1/accounts/balance
//!       headers: { Authorization: "Bearer {{token}}" }
//!       json: { account_id: "{{accounts.main.account_id}}", amount: 1000, direction: Credit }
//!     expect:
//!       status: 200
//!       fields:
//!         - { path: /new_account_balance, equals: "11000" }
//!         - { path: /trace_id, matches: "^[0-9a-f-]{36}$" }
//!         - { path: /new_account_balance, decimal: "{{before}} + 1000" }
//!       snapshot: credit
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::files::Files;

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The behaviour a user would notice, in prose.
    pub describe: String,
    /// Capabilities the case needs from the target (`admin`: sandbank's admin API).
    #[serde(default)]
    pub requires: Vec<String>,
    /// Abstract preconditions, bound per target.
    #[serde(default)]
    pub given: Given,
    /// Requests and what their answers must be.
    pub steps: Vec<Step>,
    /// Extra redactions for this case's snapshots: JSON pointers whose values are dynamic.
    #[serde(default)]
    pub redact: Vec<String>,
    /// Set by the loader: the file, its vendor (folder) and name (file stem).
    #[serde(skip)]
    pub file: PathBuf,
    /// The vendor folder the case lives in.
    #[serde(skip)]
    pub vendor: String,
    /// `NNN-slug`.
    #[serde(skip)]
    pub name: String,
}

/// Preconditions: accounts to open (against sandbank) or to take from the fixtures file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Given {
    /// Accounts by the name the steps use.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountSpec>,
    /// Freeze the target's clock at this RFC 3339 instant first (needs `admin`).
    #[serde(default)]
    pub clock: Option<String>,
}

/// An account a case needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// ISO 4217 code.
    pub currency: String,
    /// Exact decimal text.
    #[serde(default)]
    pub opening_balance: Option<String>,
    /// Limits, as the admin API takes them.
    #[serde(default)]
    pub limits: Option<Value>,
    /// Vendor identifiers to ask for.
    #[serde(default)]
    pub vendor_ids: Option<Value>,
}

/// One request and its expectations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A short label for reports.
    pub name: String,
    /// A step that is not a request: advance the target's clock by an ISO 8601 duration
    /// (needs `admin`).
    #[serde(default)]
    pub advance_clock: Option<String>,
    /// The request.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// What the answer must be.
    #[serde(default)]
    pub expect: Expect,
    /// Values to remember for later steps: variable name → JSON pointer into the answer body
    /// (or `header:<name>`).
    #[serde(default)]
    pub save: BTreeMap<String, String>,
}

/// An HTTP request with `{{variables}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// GET, POST, …
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (sent with `Content-Type: application/json` unless a header says otherwise).
    #[serde(default)]
    pub json: Option<Value>,
    /// A raw body, sent as written.
    #[serde(default)]
    pub body: Option<String>,
    /// Sign the request the way a vendor requires: `firstvision-hmac` (needs `credentials.apikey`
    /// and `credentials.secret` or `credentials.clientSecret`).
    #[serde(default)]
    pub sign: Option<String>,
    /// How long the client waits for THIS request's answer before it gives up, in milliseconds
    /// (from 1); the run's per-request timeout otherwise (30 s from `sandbank conform`). A step
    /// expecting `no_answer` sets it short.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// Expectations on an answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The status.
    #[serde(default)]
    pub status: Option<u16>,
    /// Validate the body against the spec's schema for this operation and status (default on).
    #[serde(default)]
    pub schema: Option<bool>,
    /// Header assertions: name → exact value or `/regex/`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Field assertions.
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
    /// Name of a snapshot of the normalized exchange.
    #[serde(default)]
    pub snapshot: Option<String>,
    /// No answer may arrive: the step passes only if no status line comes back (the client's
    /// timeout passes, or the connection is closed or reset first), and fails, showing the
    /// answer, if one does. A fault rule that hangs or drops the answer is what it is for.
    #[serde(default)]
    pub no_answer: bool,
}

/// One assertion on a field of the body, by JSON pointer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldCheck {
    /// JSON pointer (`/account/ledger_balance`); `""` is the whole body.
    pub path: String,
    /// Equal to this JSON value (after `{{variables}}`).
    #[serde(default)]
    pub equals: Option<Value>,
    /// Its text matches this regular expression.
    #[serde(default)]
    pub matches: Option<String>,
    /// Equal, as an exact decimal, to this arithmetic (`"{{before}} + 10.00 - 2"`).
    #[serde(default)]
    pub decimal: Option<String>,
    /// Present (true) or absent (false).
    #[serde(default)]
    pub exists: Option<bool>,
}

/// Why a suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// Reading a file or folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A file is not a valid case.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The vendors that have suites: the folders under the suites root.
pub fn vendors(files: &Files) -> Result<Vec<String>, SuiteError> {
    let root = Path::new("");
    let entries =
        files.list(root).map_err(|source| SuiteError::Io { path: files.show(root), source })?;
    Ok(entries.into_iter().filter(|e| e.is_dir).map(|e| e.name).collect())
}

/// Loads every `NNN-slug.yaml` under `<vendor>/` for the given vendors (all when empty).
pub fn load(files: &Files, vendors: &[String]) -> Result<Vec<Case>, SuiteError> {
    let io = |rel: &Path| {
        let path = files.show(rel);
        move |source| SuiteError::Io { path, source }
    };
    let mut cases = Vec::new();
    for vendor in self::vendors(files)? {
        if !vendors.is_empty() && !vendors.contains(&vendor) {
            continue;
        }
        let folder = Path::new(&vendor);
        let names = files
            .list(folder)
            .map_err(io(folder))?
            .into_iter()
            .filter(|e| !e.is_dir && (e.name.ends_with(".yaml") || e.name.ends_with(".yml")));
        for entry in names {
            let rel = folder.join(&entry.name);
            let text = files.read(&rel).map_err(io(&rel))?;
            let file = files.show(&rel);
            let mut case: Case = serde_yaml_ng::from_str(&text)
                .map_err(|e| SuiteError::Invalid { path: file.clone(), message: e.to_string() })?;
            case.name =
                rel.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            case.vendor = vendor.clone();
            case.file = file;
            if case.steps.is_empty() {
                return Err(SuiteError::Invalid {
                    path: case.file,
                    message: "a case needs steps".into(),
                });
            }
            if let Some(message) = case.steps.iter().find_map(|step| step_problem(step).err()) {
                return Err(SuiteError::Invalid { path: case.file, message });
            }
            cases.push(case);
        }
    }
    Ok(cases)
}

/// What serde cannot say about a step: a zero timeout, and a `no_answer` step that also
/// asserts on the answer it forbids (those assertions could never run, so the case would read
/// as checking more than it does).
fn step_problem(step: &Step) -> Result<(), String> {
    let at = |what: &str| format!("step {:?}: {what}", step.name);
    if step.request.as_ref().and_then(|r| r.timeout_ms) == Some(0) {
        return Err(at("timeout_ms: a whole number of milliseconds from 1"));
    }
    if !step.expect.no_answer {
        return Ok(());
    }
    if step.request.is_none() {
        return Err(at("no_answer needs a request"));
    }
    let expect = &step.expect;
    let asserted = [
        ("status", expect.status.is_some()),
        ("schema: true", expect.schema == Some(true)),
        ("headers", !expect.headers.is_empty()),
        ("fields", !expect.fields.is_empty()),
        ("snapshot", expect.snapshot.is_some()),
        ("save", !step.save.is_empty()),
    ];
    match asserted.iter().find(|(_, present)| *present) {
        Some((name, _)) => {
            Err(at(&format!("no_answer expects no answer, so it cannot also have {name}")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
