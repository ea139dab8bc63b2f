//! Runs cases against a target: binds each case's `given` (through sandbank's admin API, or
//! from a fixtures file for any other target), sends its steps, and checks every expectation.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::report::{CaseResult, Failure, Outcome};
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
    pub(crate) client: reqwest::Client,
}

/// A sent request and its answer, for reports and `curl` reproduction.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) request_headers: Vec<(String, String)>,
    pub(crate) request_body: String,
    pub(crate) status: u16,
    pub(crate) response_headers: Vec<(String, String)>,
    pub(crate) response_body: String,
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
    });
    if !asserts_more_than_status {
        warnings.push("asserts nothing beyond the status code".to_string());
    }
    let outcome = match prepare(&target, &case).await {
        Err(Skip(reason)) => Outcome::Skipped(reason),
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

struct Skip(String);

/// Binds `given`: a fresh tenant with its accounts on sandbank, or the fixtures file elsewhere.
async fn prepare(target: &Target, case: &Case) -> Result<Vars, Skip> {
    let mut vars = Vars::new();
    let needs_admin = case.requires.iter().any(|r| r == "admin")
        || case.given.clock.is_some()
        || case.steps.iter().any(|s| s.advance_clock.is_some());
    let Some(operator) = &target.admin_token else {
        if needs_admin {
            return Err(Skip(
                "needs sandbank's admin API (clock or reset); the target is not sandbank".into(),
            ));
        }
        let fixtures = target.fixtures.get(&case.vendor).cloned().unwrap_or(Value::Null);
        if let Some(credentials) = fixtures.get("credentials") {
            template::flatten_into(&mut vars, "credentials", credentials);
        }
        for name in case.given.accounts.keys() {
            let Some(ids) = fixtures.get("accounts").and_then(|a| a.get(name)) else {
                return Err(Skip(format!("fixtures file has no {}.accounts.{name}", case.vendor)));
            };
            template::flatten_into(&mut vars, &format!("accounts.{name}"), ids);
        }
        return Ok(vars);
    };
    // Against sandbank: every case gets its own tenant, so cases run in parallel in isolation.
    let tenant = admin(target, operator, "POST", "/__admin/tenants", None).await.map_err(Skip)?;
    let token = tenant["admin_token"].as_str().unwrap_or_default().to_string();
    vars.insert("admin_token".into(), Value::String(token.clone()));
    if let Some(credentials) = tenant["credentials"].get(&case.vendor) {
        template::flatten_into(&mut vars, "credentials", credentials);
    }
    if let Some(at) = &case.given.clock {
        admin(target, &token, "POST", "/__admin/clock", Some(json!({ "set": at, "freeze": true })))
            .await
            .map_err(Skip)?;
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
        let account =
            admin(target, &token, "POST", "/__admin/accounts", Some(body)).await.map_err(Skip)?;
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
    let resp = req.send().await.map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    let response_headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("<binary>").to_string()))
        .collect();
    let response_body = resp.text().await.map_err(|e| format!("reading the answer: {e}"))?;
    Ok(Exchange {
        method: spec.method.clone(),
        url,
        request_headers: headers,
        request_body: body,
        status,
        response_headers,
        response_body,
    })
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
    if let Some(status) = expect.status {
        if exchange.status != status {
            return Err(format!("status: expected {status}, got {}", exchange.status));
        }
    }
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
    if expect.schema != Some(false) {
        if let Some(spec) = spec {
            let path =
                exchange.url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_default();
            match spec.find(&exchange.method, &path) {
                None => {
                    return Err(format!(
                        "schema: the spec has no operation for {} {path}",
                        exchange.method
                    ));
                }
                Some(op) => {
                    let problems = spec.check(op, exchange.status, &exchange.response_body);
                    if !problems.is_empty() {
                        return Err(format!("schema ({}): {}", op.id, problems.join("; ")));
                    }
                }
            }
        }
    }
    let body: Value = serde_json::from_str(&exchange.response_body).unwrap_or(Value::Null);
    for field in &expect.fields {
        let got = body.pointer(&field.path);
        if let Some(exists) = field.exists {
            if got.is_some() != exists {
                return Err(format!(
                    "field {}: expected it {}",
                    field.path,
                    if exists { "present" } else { "absent" }
                ));
            }
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
        let content = normalizer
            .apply(&format!("{} /{path}\nHTTP {}\n\n{shown}", exchange.method, exchange.status));
        snapshots
            .check(&case.vendor, &case.name, name, &content)
            .map_err(|e| format!("snapshot ({}): {e}", step.name))?;
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

/// The target and the run's shared state.
pub(crate) fn target(
    base_url: &str,
    admin_token: Option<String>,
    fixtures: Value,
    timeout: Duration,
) -> Result<Target, String> {
    let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
    Ok(Target {
        base_url: base_url.trim_end_matches('/').to_string(),
        admin_token,
        fixtures,
        client,
    })
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
mod tests {
    use super::*;

    #[test]
    fn patterns_match_ids_and_codes() {
        let m = |p: &str, t: &str| regex_lite_match(p, t).unwrap();
        assert!(m("^[0-9a-f-]{36}$", "15bfc289-de75-4668-bb11-3998aadf226d"));
        assert!(!m("^[0-9a-f-]{36}$", "15bfc289"));
        assert!(m("^VPL8SMA\\d+[A-Z]$", "VPL8SMA71E"));
        assert!(regex_lite_match("(", "x").is_err());
    }
}
