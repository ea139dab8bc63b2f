//! Runs cases against a target: binds each case's `given` (through sandbank's admin API, or
//! from a fixtures file for any other target), sends its steps, and checks every expectation.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::RunError;
use crate::report::{CaseResult, Cleanup, Failure, Outcome};
use crate::schema::Spec;
use crate::snapshot::{Normalizer, Snapshots};
use crate::suite::{Case, Expect, RequestSpec, Step};
use crate::template::{self, Vars};

/// What the runner checks against.
pub(crate) struct Target {
    pub(crate) base_url: String,
    /// Sandbank's operator token when the target is sandbank (cases get fresh tenants).
    pub(crate) admin_token: Option<String>,
    /// Pre-provisioned credentials and accounts, per vendor, for any other target.
    pub(crate) fixtures: Value,
    /// The fixtures file, when one was given (skip reasons name it).
    pub(crate) fixtures_file: Option<PathBuf>,
    /// Whether the target answered sandbank's health check (skip reasons say so).
    pub(crate) is_sandbank: bool,
    /// Why tenants cannot be deleted, when the preflight found that they cannot.
    pub(crate) cleanup_unsupported: Option<String>,
    /// Every tenant this run made and has not deleted yet, to delete when it ends.
    pub(crate) tenants: Mutex<Vec<String>>,
    /// How many tenants this run made, deleted or not.
    pub(crate) n_tenants_made: AtomicUsize,
    /// One permit per tenant being made: the cleanup takes them all, so it waits for a
    /// tenant whose case was stopped while the target made it.
    pub(crate) making_tenants: Arc<tokio::sync::Semaphore>,
    pub(crate) client: reqwest::Client,
    /// The client's timeout for a request that sets no `timeout_ms` (failure messages say it).
    pub(crate) timeout: Duration,
}

impl Target {
    /// Makes a tenant for a case. The request runs in a task of its own, so stopping the
    /// case (Ctrl-C) cannot lose a tenant the target made: the task still records it.
    async fn make_tenant(self: &Arc<Self>, operator: &str) -> Result<Value, String> {
        let permit =
            self.making_tenants.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        let (target, operator) = (self.clone(), operator.to_string());
        let task = tokio::spawn(async move {
            let _permit = permit;
            let tenant = admin(&target, &operator, "POST", "/__admin/tenants", None).await?;
            if let Some(id) = tenant["tenant_id"].as_str() {
                target.made_tenant(id.to_string());
            }
            Ok(tenant)
        });
        task.await.map_err(|e| format!("making a tenant: {e}"))?
    }

    fn made_tenant(&self, tenant_id: String) {
        self.n_tenants_made.fetch_add(1, Ordering::Relaxed);
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner).push(tenant_id);
    }
}

/// A sent request and its answer, for reports and `curl` reproduction.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) request_headers: Vec<(String, String)>,
    pub(crate) request_body: String,
    /// The answer's status, or why no answer arrived (then the headers and body are empty).
    pub(crate) status: Status,
    pub(crate) response_headers: Vec<(String, String)>,
    pub(crate) response_body: String,
}

/// The status line that came back for a request, or why none did: a step expecting
/// `no_answer` needs the difference, and a report shows the request either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// A status line arrived.
    Answered(u16),
    /// None arrived: the client's timeout passed, or the connection was closed or reset first.
    NoAnswer(String),
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Answered(code) => write!(f, "{code}"),
            Status::NoAnswer(why) => write!(f, "no answer ({why})"),
        }
    }
}

impl Exchange {
    /// A `curl` command that sends the same request again.
    pub(crate) fn curl(&self) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut cmd = format!("curl -i -X {} {}", self.method, quote(&self.url));
        for (name, value) in &self.request_headers {
            cmd.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
        }
        if !self.request_body.is_empty() {
            cmd.push_str(&format!(" --data-raw {}", quote(&self.request_body)));
        }
        cmd
    }
}

/// Runs one case to its outcome.
pub(crate) async fn run_case(
    target: Arc<Target>,
    spec: Option<Arc<Spec>>,
    snapshots: Arc<Snapshots>,
    case: Case,
) -> CaseResult {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let asserts_more_than_status = case.steps.iter().any(|s| {
        !s.expect.fields.is_empty()
            || s.expect.snapshot.is_some()
            || !s.expect.headers.is_empty()
            || (spec.is_some() && s.expect.schema != Some(false) && s.request.is_some())
            || !s.save.is_empty()
            || s.expect.no_answer
    });
    if !asserts_more_than_status {
        warnings.push("asserts nothing beyond the status code".to_string());
    }
    let outcome = match prepare(&target, &case).await {
        Err(Unprepared::Skip(reason)) => Outcome::Skipped(reason),
        Err(Unprepared::Fail(expectation)) => {
            Outcome::Failed(Box::new(Failure { step: "given".into(), expectation, exchange: None }))
        }
        Ok(vars) => match steps(&target, spec.as_deref(), &snapshots, &case, vars).await {
            Ok(()) => Outcome::Passed,
            Err(failure) => Outcome::Failed(Box::new(failure)),
        },
    };
    CaseResult {
        vendor: case.vendor.clone(),
        name: case.name.clone(),
        describe: case.describe.clone(),
        file: case.file.display().to_string(),
        outcome,
        warnings,
        duration: started.elapsed(),
    }
}

/// Why a case's `given` could not be bound.
enum Unprepared {
    /// The target cannot provide it (no admin API, nothing in the fixtures): not run.
    Skip(String),
    /// Sandbank's admin API refused it: the target is wrong.
    Fail(String),
}

/// Binds `given`: a fresh tenant with its accounts on sandbank, or the fixtures file elsewhere.
async fn prepare(target: &Arc<Target>, case: &Case) -> Result<Vars, Unprepared> {
    let needs_admin = case.requires.iter().any(|r| r == "admin")
        || case.given.clock.is_some()
        || case.steps.iter().any(|s| s.advance_clock.is_some());
    match &target.admin_token {
        Some(operator) => prepare_tenant(target, operator, case).await.map_err(Unprepared::Fail),
        None if needs_admin => Err(Unprepared::Skip(if target.is_sandbank {
            "needs sandbank's admin API (clock or reset): the target is sandbank, but no \
             --admin-token was given"
                .into()
        } else {
            "needs sandbank's admin API (clock or reset); the target is not sandbank".into()
        })),
        None => prepare_from_fixtures(target, case).map_err(Unprepared::Skip),
    }
}

/// Binds `given` from the fixtures file; `Err` is the true reason it cannot.
fn prepare_from_fixtures(target: &Target, case: &Case) -> Result<Vars, String> {
    let mut vars = Vars::new();
    let fixtures = target.fixtures.get(&case.vendor).cloned().unwrap_or(Value::Null);
    if let Some(credentials) = fixtures.get("credentials") {
        template::flatten_into(&mut vars, "credentials", credentials);
    }
    for name in case.given.accounts.keys() {
        let wanted = format!("{}.accounts.{name}", case.vendor);
        let Some(file) = &target.fixtures_file else {
            let hint = if target.is_sandbank {
                " (the target is sandbank: give --admin-token to open accounts through its admin API)"
            } else {
                ""
            };
            return Err(format!(
                "needs {wanted} from a fixtures file, and no --fixtures was given{hint}"
            ));
        };
        let Some(ids) = fixtures.get("accounts").and_then(|a| a.get(name)) else {
            return Err(format!("fixtures file {} has no {wanted}", file.display()));
        };
        template::flatten_into(&mut vars, &format!("accounts.{name}"), ids);
    }
    Ok(vars)
}

/// Against sandbank: every case gets its own tenant, so cases run in parallel in isolation.
async fn prepare_tenant(target: &Arc<Target>, operator: &str, case: &Case) -> Result<Vars, String> {
    let mut vars = Vars::new();
    let tenant = target.make_tenant(operator).await?;
    let token = tenant["admin_token"].as_str().unwrap_or_default().to_string();
    vars.insert("admin_token".into(), Value::String(token.clone()));
    if let Some(credentials) = tenant["credentials"].get(&case.vendor) {
        template::flatten_into(&mut vars, "credentials", credentials);
    }
    if let Some(at) = &case.given.clock {
        admin(target, &token, "POST", "/__admin/clock", Some(json!({ "set": at, "freeze": true })))
            .await?;
    }
    for (name, spec) in &case.given.accounts {
        let mut body = json!({ "vendor": case.vendor, "currency": spec.currency });
        if let Some(opening) = &spec.opening_balance {
            body["opening_balance"] = Value::String(opening.clone());
        }
        if let Some(limits) = &spec.limits {
            body["limits"] = limits.clone();
        }
        if let Some(ids) = &spec.vendor_ids {
            body["vendor_ids"] = ids.clone();
        }
        let account = admin(target, &token, "POST", "/__admin/accounts", Some(body)).await?;
        vars.insert(format!("accounts.{name}.id"), account["id"].clone());
        template::flatten_into(&mut vars, &format!("accounts.{name}"), &account["vendor_ids"]);
    }
    Ok(vars)
}

async fn admin(
    target: &Target,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req =
        target.client.request(method, format!("{}{path}", target.base_url)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.map_err(|e| format!("admin {path}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("admin {path}: {e}"))?;
    if !status.is_success() {
        return Err(format!("admin {path} answered {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("admin {path}: {e}"))
}

async fn steps(
    target: &Target,
    spec: Option<&Spec>,
    snapshots: &Snapshots,
    case: &Case,
    mut vars: Vars,
) -> Result<(), Failure> {
    let mut normalizer = Normalizer::default();
    for step in &case.steps {
        let fail = |expectation: String, exchange: Option<&Exchange>| Failure {
            step: step.name.clone(),
            expectation,
            exchange: exchange.cloned().map(Box::new),
        };
        if let Some(duration) = &step.advance_clock {
            let token =
                vars.get("admin_token").and_then(Value::as_str).unwrap_or_default().to_string();
            admin(target, &token, "POST", "/__admin/clock", Some(json!({ "advance": duration })))
                .await
                .map_err(|e| fail(format!("advance the clock: {e}"), None))?;
            continue;
        }
        let Some(request) = &step.request else { continue };
        let exchange = send(target, request, &vars).await.map_err(|e| fail(e, None))?;
        check(spec, snapshots, case, step, &step.expect, &exchange, &vars, &mut normalizer)
            .map_err(|e| fail(e, Some(&exchange)))?;
        let body: Value = serde_json::from_str(&exchange.response_body).unwrap_or(Value::Null);
        for (name, source) in &step.save {
            let value = match source.strip_prefix("header:") {
                Some(header) => exchange
                    .response_headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(header))
                    .map(|(_, v)| Value::String(v.clone())),
                None => body.pointer(source).cloned(),
            };
            let value = value.ok_or_else(|| {
                fail(format!("save {name}: nothing at {source}"), Some(&exchange))
            })?;
            vars.insert(name.clone(), value);
        }
    }
    Ok(())
}

async fn send(target: &Target, spec: &RequestSpec, vars: &Vars) -> Result<Exchange, String> {
    let path = template::render_str(&spec.path, vars)?;
    let url = format!("{}{path}", target.base_url);
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &spec.headers {
        headers.push((name.clone(), template::render_str(value, vars)?));
    }
    let body = match (&spec.json, &spec.body) {
        (Some(json), _) => {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            serde_json::to_string(&template::render_value(json, vars)?)
                .map_err(|e| e.to_string())?
        }
        (None, Some(raw)) => template::render_str(raw, vars)?,
        (None, None) => String::new(),
    };
    if let Some(scheme) = &spec.sign {
        sign(scheme, &mut headers, &body, vars)?;
    }
    let method =
        reqwest::Method::from_bytes(spec.method.as_bytes()).map_err(|e| format!("method: {e}"))?;
    let mut req = target.client.request(method, &url);
    for (name, value) in &headers {
        req = req.header(name, value);
    }
    if !body.is_empty() {
        req = req.body(body.clone());
    }
    let timeout = spec.timeout_ms.map(Duration::from_millis);
    if let Some(timeout) = timeout {
        req = req.timeout(timeout);
    }
    let (status, resp) = match req.send().await {
        Ok(resp) => (Status::Answered(resp.status().as_u16()), Some(resp)),
        Err(e) => (Status::NoAnswer(no_answer(&e, timeout.unwrap_or(target.timeout))?), None),
    };
    let mut exchange = Exchange {
        method: spec.method.clone(),
        url,
        request_headers: headers,
        request_body: body,
        status,
        response_headers: Vec::new(),
        response_body: String::new(),
    };
    let Some(resp) = resp else { return Ok(exchange) };
    let status = resp.status().as_u16();
    exchange.response_headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("<binary>").to_string()))
        .collect();
    exchange.response_body = resp.text().await.map_err(|e| {
        format!("an answer arrived (status {status}), then reading its body failed: {}", causes(&e))
    })?;
    Ok(exchange)
}

/// Why a request got no answer, from the client's error; `Err` when it never reached the
/// target (nothing to connect to, a request the client cannot build), which is no "no answer"
/// a step may expect.
fn no_answer(error: &reqwest::Error, timeout: Duration) -> Result<String, String> {
    // Checked first: a timeout while connecting is still the client giving up.
    if error.is_timeout() {
        return Ok(format!("the client gave up after {} ms", timeout.as_millis()));
    }
    if error.is_connect() || error.is_builder() {
        return Err(format!("request failed: {}", causes(error)));
    }
    Ok(format!("the connection ended before a status line: {}", causes(error)))
}

/// A client error's causes: reqwest's own text ("error sending request") hides them
/// (connection refused, reset by peer, closed before the message completed, DNS).
fn causes(error: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        causes.push(inner.to_string());
        source = inner.source();
    }
    if error.is_timeout() || causes.is_empty() {
        causes.push(error.to_string());
    }
    causes.join(": ")
}

/// Signs a request the way a vendor requires.
fn sign(
    scheme: &str,
    headers: &mut Vec<(String, String)>,
    body: &str,
    vars: &Vars,
) -> Result<(), String> {
    use base64::Engine;
    use hmac::Mac;
    match scheme {
        "firstvision-hmac" => {
            let text = |name: &str| template::render_str(&format!("{{{{{name}}}}}"), vars);
            // sandbank names the secret `clientSecret`; a fixtures file may say `secret`.
            let secret =
                text("credentials.secret").or_else(|_| text("credentials.clientSecret"))?;
            let apikey = text("credentials.apikey")?;
            let header = |name: &str| {
                headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
            };
            let request_id = header("X-Client-Request-Id")
                .ok_or("firstvision-hmac needs an X-Client-Request-Id header")?;
            let timestamp =
                header("Timestamp").ok_or("firstvision-hmac needs a Timestamp header")?;
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                .map_err(|e| e.to_string())?;
            mac.update(format!("{apikey}{request_id}{timestamp}{body}").as_bytes());
            let signature =
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            headers.push(("Signature".into(), signature));
            Ok(())
        }
        other => Err(format!("unknown signing scheme {other:?} (known: firstvision-hmac)")),
    }
}

#[allow(clippy::too_many_arguments, reason = "one call site; the parts of one check")]
fn check(
    spec: Option<&Spec>,
    snapshots: &Snapshots,
    case: &Case,
    step: &Step,
    expect: &Expect,
    exchange: &Exchange,
    vars: &Vars,
    normalizer: &mut Normalizer,
) -> Result<(), String> {
    let Some(status) = check_answer(expect, exchange)? else { return Ok(()) };
    if let Some(expected) = expect.status
        && status != expected
    {
        return Err(format!("status: expected {expected}, got {status}"));
    }
    check_headers(expect, exchange, vars)?;
    if expect.schema != Some(false) {
        check_schema(spec, &exchange.method, &exchange.url, status, &exchange.response_body)?;
    }
    let body: Value = serde_json::from_str(&exchange.response_body).unwrap_or(Value::Null);
    check_fields(expect, &body, vars)?;
    if let Some(name) = &expect.snapshot {
        // The body's own bytes (key order and number formatting are part of the wire format);
        // a case's `redact` pointers replace their values' text wherever it appears.
        let mut shown = exchange.response_body.clone();
        for pointer in &case.redact {
            if let Some(value) = body.pointer(pointer) {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !text.is_empty() {
                    let placeholder = normalizer.redact("redacted", &text);
                    shown = shown.replace(&text, &placeholder);
                }
            }
        }
        let path = exchange.url.splitn(4, '/').nth(3).unwrap_or_default();
        let content =
            normalizer.apply(&format!("{} /{path}\nHTTP {status}\n\n{shown}", exchange.method));
        snapshots
            .check(&case.vendor, &case.name, name, &content)
            .map_err(|e| format!("snapshot ({}): {e}", step.name))?;
    }
    Ok(())
}

/// Whether an answer came as the step expects: the status to check further, or `None` when
/// the step expects no answer and none came (nothing more to check).
fn check_answer(expect: &Expect, exchange: &Exchange) -> Result<Option<u16>, String> {
    match (&exchange.status, expect.no_answer) {
        (Status::Answered(status), false) => Ok(Some(*status)),
        (Status::NoAnswer(_), true) => Ok(None),
        (Status::Answered(status), true) => {
            Err(format!("no_answer: expected no answer, got status {status}"))
        }
        (Status::NoAnswer(why), false) => Err(format!("an answer: got none, {why}")),
    }
}

/// The step's expected headers, each exact or a `/regex/`.
fn check_headers(expect: &Expect, exchange: &Exchange, vars: &Vars) -> Result<(), String> {
    for (name, expected) in &expect.headers {
        let expected = template::render_str(expected, vars)?;
        let got = exchange
            .response_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let ok = match (expected.strip_prefix('/').and_then(|e| e.strip_suffix('/')), got) {
            (Some(pattern), Some(got)) => regex_lite_match(pattern, got)?,
            (None, Some(got)) => got == expected,
            (_, None) => false,
        };
        if !ok {
            return Err(format!("header {name}: expected {expected:?}, got {got:?}"));
        }
    }
    Ok(())
}

/// The answer against its operation's schema in the spec, when there is a spec.
fn check_schema(
    spec: Option<&Spec>,
    method: &str,
    url: &str,
    status: u16,
    body: &str,
) -> Result<(), String> {
    if let Some(spec) = spec {
        let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_default();
        match spec.find(method, &path) {
            None => {
                // The vendor's spec never describes sandbank's own admin API.
                let hint = if path.starts_with("/__admin/") {
                    " (a step calling sandbank's admin API says `schema: false`)"
                } else {
                    ""
                };
                return Err(format!("schema: the spec has no operation for {method} {path}{hint}"));
            }
            Some(op) => {
                let problems = spec.check(op, status, body);
                if !problems.is_empty() {
                    return Err(format!("schema ({}): {}", op.id, problems.join("; ")));
                }
            }
        }
    }
    Ok(())
}

/// The step's expected body fields: present or absent, equal, matching, or a decimal.
fn check_fields(expect: &Expect, body: &Value, vars: &Vars) -> Result<(), String> {
    for field in &expect.fields {
        let got = body.pointer(&field.path);
        if let Some(exists) = field.exists
            && got.is_some() != exists
        {
            return Err(format!(
                "field {}: expected it {}",
                field.path,
                if exists { "present" } else { "absent" }
            ));
        }
        if let Some(expected) = &field.equals {
            let expected = template::render_value(expected, vars)?;
            if got != Some(&expected) {
                return Err(format!(
                    "field {}: expected {expected}, got {}",
                    field.path,
                    show(got)
                ));
            }
        }
        if let Some(pattern) = &field.matches {
            let text = got.map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            if !text.as_deref().map(|t| regex_lite_match(pattern, t)).transpose()?.unwrap_or(false)
            {
                return Err(format!(
                    "field {}: expected to match /{pattern}/, got {}",
                    field.path,
                    show(got)
                ));
            }
        }
        if let Some(expression) = &field.decimal {
            let expected = template::eval_decimal(&template::render_str(expression, vars)?)?;
            let actual = got.and_then(template::value_decimal);
            if actual != Some(expected) {
                return Err(format!(
                    "field {}: expected the decimal {expected} ({expression}), got {}",
                    field.path,
                    show(got)
                ));
            }
        }
    }
    Ok(())
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "nothing".to_string(), Value::to_string)
}

/// Whether `text` matches the regular expression `pattern`.
fn regex_lite_match(pattern: &str, text: &str) -> Result<bool, String> {
    let regex =
        regex_lite::Regex::new(pattern).map_err(|e| format!("bad pattern /{pattern}/: {e}"))?;
    Ok(regex.is_match(text))
}

/// Tenants being made at once, at most (a case makes one at a time, and `--jobs` run at once).
const TENANTS_MADE_AT_ONCE_MAX: u32 = 1024;

/// The base URL of `text`, or why it is not one: an `http://` or `https://` URL with a host,
/// without query or fragment.
pub(crate) fn check_target(text: &str) -> Result<String, String> {
    let example = "write it with its scheme, e.g. http://127.0.0.1:4700";
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("the target {text:?} is not a URL ({e}): {example}"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(format!("the target {text:?} is not an http:// or https:// URL: {example}"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("the target {text:?} is a base URL: it takes no query or fragment"));
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// The target and the run's shared state, before the preflight.
pub(crate) fn target(
    base_url: &str,
    options: &crate::Options,
    fixtures: Value,
) -> Result<Target, String> {
    let client =
        reqwest::Client::builder().timeout(options.timeout).build().map_err(|e| e.to_string())?;
    Ok(Target {
        base_url: base_url.to_string(),
        admin_token: options.admin_token.clone(),
        fixtures,
        fixtures_file: options.fixtures.clone(),
        is_sandbank: false,
        cleanup_unsupported: None,
        tenants: Mutex::new(Vec::new()),
        n_tenants_made: AtomicUsize::new(0),
        making_tenants: Arc::new(tokio::sync::Semaphore::new(TENANTS_MADE_AT_ONCE_MAX as usize)),
        client,
        timeout: options.timeout,
    })
}

/// Checks, before any case runs, that something answers at the target and, with an admin
/// token, that the token may make tenants (by making one, and deleting it again, which also
/// finds out whether the target can delete tenants).
pub(crate) async fn preflight(target: &mut Target) -> Result<(), RunError> {
    let Some(operator) = target.admin_token.clone() else {
        let url = format!("{}/__admin/health", target.base_url);
        let resp = target.client.get(&url).send().await.map_err(|e| unreachable(target, &e))?;
        // Any answer will do for a vendor's sandbox; sandbank's carries its trace header.
        target.is_sandbank =
            resp.status().is_success() && resp.headers().contains_key("x-sandbank-trace-id");
        return Ok(());
    };
    let url = format!("{}/__admin/tenants", target.base_url);
    let resp = target
        .client
        .post(&url)
        .bearer_auth(&operator)
        .send()
        .await
        .map_err(|e| unreachable(target, &e))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| unreachable(target, &e))?;
    let answered = format!("POST {url} answered {status}: {}", text.trim());
    match status.as_u16() {
        200..=299 => {}
        401 => {
            return Err(RunError::AdminRefused(format!(
                "the target refused the admin token ({answered}): give the operator token \
                 sandbank printed at start-up (or its SANDBANK_ADMIN_TOKEN)"
            )));
        }
        403 => {
            return Err(RunError::AdminRefused(format!(
                "the admin token is a tenant's, not the operator's ({answered}): give the \
                 operator token sandbank printed at start-up"
            )));
        }
        _ => {
            return Err(RunError::AdminRefused(format!(
                "the target has no sandbank admin API ({answered}): without --admin-token the \
                 runner treats it as a vendor's sandbox (with --fixtures)"
            )));
        }
    }
    target.is_sandbank = true;
    let tenant: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let Some(tenant_id) = tenant["tenant_id"].as_str() else {
        return Err(RunError::AdminRefused(format!("no tenant_id in the answer: {answered}")));
    };
    match delete_tenant(target, &operator, tenant_id).await {
        Deleted::Yes => {
            target.n_tenants_made.fetch_add(1, Ordering::Relaxed);
        }
        Deleted::Unsupported(reason) | Deleted::Failed(reason) => {
            target.made_tenant(tenant_id.to_string());
            target.cleanup_unsupported = Some(reason);
        }
    }
    Ok(())
}

fn unreachable(target: &Target, error: &reqwest::Error) -> RunError {
    let cause = causes(error);
    RunError::Unreachable(format!(
        "nothing answers at {} ({cause}): is the target running, and is the URL right?",
        target.base_url
    ))
}

/// How deleting one tenant went.
enum Deleted {
    /// Gone.
    Yes,
    /// The target has no `DELETE /__admin/tenants/{id}` (a sandbank before it had one).
    Unsupported(String),
    /// Anything else: a refusal, an error, no answer.
    Failed(String),
}

async fn delete_tenant(target: &Target, operator: &str, tenant_id: &str) -> Deleted {
    let url = format!("{}/__admin/tenants/{tenant_id}", target.base_url);
    let resp = match target.client.delete(&url).bearer_auth(operator).send().await {
        Ok(resp) => resp,
        Err(e) => return Deleted::Failed(format!("DELETE {url}: {e}")),
    };
    let status = resp.status();
    match status.as_u16() {
        200..=299 => Deleted::Yes,
        404 | 405 => Deleted::Unsupported(format!(
            "the target cannot delete tenants (DELETE {url} answered {status})"
        )),
        _ => Deleted::Failed(format!(
            "DELETE {url} answered {status}: {}",
            resp.text().await.unwrap_or_default().trim()
        )),
    }
}

/// Deletes every tenant the run made. A target that cannot delete tenants, or refuses to, is
/// a warning: the cases' results stand.
pub(crate) async fn cleanup(target: Arc<Target>) -> Cleanup {
    // Wait for every tenant still being made; no case runs any more, so none starts.
    let _all = target.making_tenants.acquire_many(TENANTS_MADE_AT_ONCE_MAX).await;
    let tenants =
        std::mem::take(&mut *target.tenants.lock().unwrap_or_else(PoisonError::into_inner));
    let made = target.n_tenants_made.load(Ordering::Relaxed);
    let mut cleanup = Cleanup { made, deleted: made - tenants.len(), warning: None };
    let Some(operator) = target.admin_token.clone() else { return cleanup };
    if let Some(reason) = &target.cleanup_unsupported {
        cleanup.warning =
            Some(format!("{} tenants are left on the target: {reason}", tenants.len()));
        return cleanup;
    }
    let mut tasks = tokio::task::JoinSet::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(8));
    for tenant_id in tenants {
        let (target, operator, limit) = (target.clone(), operator.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            delete_tenant(&target, &operator, &tenant_id).await
        });
    }
    let mut left = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            // The preflight deleted one, so a 404 now means this one is already gone.
            Ok(Deleted::Yes | Deleted::Unsupported(_)) => cleanup.deleted += 1,
            Ok(Deleted::Failed(reason)) => left.push(reason),
            Err(e) => left.push(e.to_string()),
        }
    }
    if let Some(first) = left.first() {
        cleanup.warning = Some(format!("{} tenants are left on the target: {first}", left.len()));
    }
    cleanup
}

/// Groups results by vendor, in name order.
pub(crate) fn by_vendor(results: &[CaseResult]) -> BTreeMap<String, Vec<&CaseResult>> {
    let mut map: BTreeMap<String, Vec<&CaseResult>> = BTreeMap::new();
    for result in results {
        map.entry(result.vendor.clone()).or_default().push(result);
    }
    map
}

/// Every spec by vendor, shared.
pub(crate) type Specs = HashMap<String, Arc<Spec>>;

/// The fixtures file, if any.
pub(crate) fn load_fixtures(path: Option<&PathBuf>) -> Result<Value, String> {
    match path {
        None => Ok(Value::Null),
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests;
