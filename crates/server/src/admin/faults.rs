//! `/__admin/faults`: a tenant's fault rules (make, list, read, delete one, delete all), and
//! `GET /__admin/vendors/{vendor}/errors`, the error catalogue a rule's `error` names from.
//!
//! A rule is checked whole (its vendor, operation, error name and account must exist for the
//! tenant) and stored before it exists; a refused rule changes nothing.

use http::StatusCode;
use serde_json::{Value, json};
use vendors::{Request, Response, Vendor, outage};

use super::{body, error};
use crate::App;
use crate::faults::{self, Known, rule};
use crate::store::AdminRecord;
use crate::tenants::Tenant;

/// What a rule is checked against: the vendors served and the tenant's accounts.
struct Served<'a> {
    app: &'a App,
    tenant: &'a Tenant,
    /// The rule's name, for a default seed of its own.
    name: String,
}

impl Served<'_> {
    fn vendor_named(&self, name: &str) -> Option<&dyn Vendor> {
        self.app.vendors.iter().find(|v| v.name() == name).map(|v| &**v)
    }
}

impl Known for Served<'_> {
    fn vendor(&self, name: &str) -> bool {
        self.vendor_named(name).is_some()
    }

    fn operations(&self, vendor: Option<&str>) -> Vec<&'static str> {
        self.app
            .vendors
            .iter()
            .filter(|v| vendor.is_none_or(|name| v.name() == name))
            .flat_map(|v| v.routes().iter().map(|r| r.operation))
            .collect()
    }

    fn error(&self, vendor: Option<&str>, name: &str) -> bool {
        match vendor.and_then(|v| self.vendor_named(v)) {
            Some(vendor) => vendor.errors().iter().any(|entry| entry.name == name),
            None => outage::ALL.contains(&name),
        }
    }

    fn account(&self, id: &str) -> Option<Vec<String>> {
        let now = self.tenant.clock.now();
        self.app.ledger.accounts(now, self.tenant.id).iter().find_map(|view| {
            let vendor = view
                .labels
                .get(vendors::common::accounts::VENDOR_LABEL)
                .and_then(|name| self.vendor_named(name));
            let vendor_ids = match vendor {
                Some(vendor) => vendor.vendor_ids(self.tenant.id, view),
                None => vendors::common::accounts::labelled_ids(view),
            };
            let mut ids: Vec<String> = vendor_ids
                .values()
                .filter_map(|value| match value {
                    Value::String(text) => Some(text.clone()),
                    Value::Number(number) => Some(number.to_string()),
                    _ => None,
                })
                .collect();
            ids.push(view.id.to_string());
            ids.iter().any(|known| known == id).then_some(ids)
        })
    }

    fn seed(&self) -> u64 {
        self.tenant.seed ^ faults::fnv(self.name.as_bytes())
    }
}

fn invalid(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_field", message)
}

/// Checks `spec` for `tenant`.
fn check(app: &App, tenant: &Tenant, spec: &Value) -> Result<faults::Rule, String> {
    let name = spec.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    rule::parse(spec, &Served { app, tenant, name })
}

/// `POST /__admin/faults`: makes a rule, tried after the tenant's others.
pub(super) fn create(app: &App, tenant: &Tenant, req: &Request) -> Response {
    let map = match body_any(req) {
        Ok(map) => map,
        Err(resp) => return *resp,
    };
    let spec = Value::Object(map);
    add(app, tenant, &spec).unwrap_or_else(|resp| *resp)
}

/// Makes `spec` a rule of `tenant` (stored first); the rule as shown, or the admin error.
pub(crate) fn add(app: &App, tenant: &Tenant, spec: &Value) -> Result<Response, Box<Response>> {
    let rule = check(app, tenant, spec).map_err(|message| Box::new(invalid(message)))?;
    if tenant.faults.phase_of(&rule.name).is_some() {
        return Err(Box::new(error(
            StatusCode::CONFLICT,
            "conflict",
            format!("name: a rule named {:?} exists (delete it first)", rule.name),
        )));
    }
    let id = tenant.faults.next_id();
    app.record(AdminRecord::FaultAdded {
        tenant: tenant.id.0,
        id: id.clone(),
        rule: spec.to_string(),
    })
    .map_err(|resp| *resp)?;
    let shown = tenant
        .faults
        .add(id, rule)
        .map_err(|message| Box::new(error(StatusCode::CONFLICT, "conflict", message)))?;
    Ok(Response::json(StatusCode::CREATED, &shown))
}

/// A stored rule made again at a start; one that no longer checks (its vendor not served
/// this time, its account gone) is left out with a warning, not a refusal to start.
pub(crate) fn restore(app: &App, tenant: &Tenant, id: String, text: &str) {
    let checked = serde_json::from_str::<Value>(text)
        .map_err(|e| e.to_string())
        .and_then(|spec| check(app, tenant, &spec));
    match checked.and_then(|rule| tenant.faults.add(id.clone(), rule).map(drop)) {
        Ok(()) => {}
        Err(problem) => {
            tracing::warn!(tenant = %tenant.id, rule = id, %problem, "a stored fault rule is left out")
        }
    }
}

/// A body whose unknown fields are the rule's to name (the rule's own check names them with
/// their path), read as strictly as every admin body otherwise.
fn body_any(req: &Request) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    vendors::common::json::check(&req.body).map_err(|e| {
        Box::new(error(StatusCode::BAD_REQUEST, "invalid_json", format!("malformed JSON: {e}")))
    })?;
    match serde_json::from_slice(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "body must be a JSON object",
        ))),
        Err(e) => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("malformed JSON: {e}"),
        ))),
    }
}

/// `GET /__admin/faults`: every rule with its counts, in the order they are tried.
pub(super) fn list(tenant: &Tenant) -> Response {
    Response::json(StatusCode::OK, &json!({ "faults": tenant.faults.list() }))
}

/// `GET /__admin/faults/{id}`: one rule, by id or name.
pub(super) fn get(tenant: &Tenant, id: &str) -> Response {
    match tenant.faults.get(id) {
        Some(shown) => Response::json(StatusCode::OK, &shown),
        None => not_found(id),
    }
}

fn not_found(id: &str) -> Response {
    error(StatusCode::NOT_FOUND, "not_found", format!("fault rule {id} not found"))
}

/// `DELETE /__admin/faults/{id}`: one rule, by id or name.
pub(super) fn delete(app: &App, tenant: &Tenant, id: &str) -> Response {
    let Some(id) = tenant.faults.id_of(id) else {
        return not_found(id);
    };
    if let Err(resp) = app.record(AdminRecord::FaultRemoved { tenant: tenant.id.0, id: id.clone() })
    {
        return *resp;
    }
    tenant.faults.remove(&id);
    Response::empty(StatusCode::NO_CONTENT)
}

/// `DELETE /__admin/faults`: every rule of the tenant.
pub(super) fn clear(app: &App, tenant: &Tenant, req: &Request) -> Response {
    if let Err(resp) = body::object(req, &[]) {
        return *resp;
    }
    if let Err(resp) = app.record(AdminRecord::FaultsCleared { tenant: tenant.id.0 }) {
        return *resp;
    }
    let deleted = tenant.faults.clear();
    Response::json(StatusCode::OK, &json!({ "deleted": deleted }))
}

/// `GET /__admin/vendors/{vendor}/errors`: the vendor's error catalogue.
pub(super) fn catalogue(app: &App, name: &str) -> Response {
    match app.vendors.iter().find(|v| v.name() == name) {
        Some(vendor) => Response::json(
            StatusCode::OK,
            &json!({ "vendor": vendor.name(), "errors": vendor.errors() }),
        ),
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "no vendor {name:?} is served (served: {})",
                app.vendors.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
            ),
        ),
    }
}

/// `serve --faults FILE`: the default tenant's rules, from a YAML or JSON list of rules (or
/// an object whose `faults` is one). A rule whose name the tenant already has (a store
/// restarted with the same file) replaces it, so loading a file twice duplicates nothing.
pub(crate) fn load_file(app: &App, path: &std::path::Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let value: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("not YAML or JSON: {e}"))?;
    let rules = match value {
        Value::Array(rules) => rules,
        Value::Object(mut map) if map.len() == 1 && map.contains_key("faults") => {
            match map.remove("faults") {
                Some(Value::Array(rules)) => rules,
                _ => return Err("faults: a list of rules".into()),
            }
        }
        _ => return Err("a list of rules, or an object {\"faults\": [rules]}".into()),
    };
    let tenant = app.default_tenant().ok_or("no default tenant")?;
    apply_rules(app, &tenant, &rules).map_err(|(n, problem)| {
        let named = rules
            .get(n)
            .and_then(|spec| spec.get("name"))
            .and_then(Value::as_str)
            .map_or_else(String::new, |name| format!(" ({name})"));
        format!("rule {}{named}: {problem}", n + 1)
    })?;
    Ok(rules.len())
}

/// Makes `rules` rules of `tenant` (`serve --faults`, a fixture file's `faults`): a rule
/// whose name the tenant already has with the same spec is left as is, with another spec it
/// is replaced, so applying the same rules twice duplicates nothing. The first refused rule's
/// index and why.
pub(crate) fn apply_rules(
    app: &App,
    tenant: &Tenant,
    rules: &[Value],
) -> Result<(), (usize, String)> {
    for (n, spec) in rules.iter().enumerate() {
        let at = |problem: String| (n, problem);
        // Checked before the old one goes: a refused rule leaves the old in place.
        check(app, tenant, spec).map_err(at)?;
        let name = spec.get("name").and_then(Value::as_str).unwrap_or_default();
        if tenant.faults.spec_of(name).as_ref() == Some(spec) {
            continue;
        }
        if let Some(name) = spec.get("name").and_then(Value::as_str)
            && let Some(id) = tenant.faults.id_of(name)
        {
            let removed =
                app.record(AdminRecord::FaultRemoved { tenant: tenant.id.0, id: id.clone() });
            removed.map_err(|resp| at(resp.reason.unwrap_or_default()))?;
            tenant.faults.remove(&id);
        }
        add(app, tenant, spec).map_err(|resp| at(resp.reason.unwrap_or_default()))?;
    }
    Ok(())
}
