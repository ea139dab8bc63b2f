//! The specs: one OpenAPI 3.1 document per vendor in `specs/`, loaded as JSON, with each
//! operation's response schemas compiled by the `jsonschema` crate (draft 2020-12, which is
//! OpenAPI 3.1's dialect). A response is checked against the schema for its operation and
//! status; a status the spec does not list is itself a failure.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::files::Files;

/// One operation: method, path template and where it sits in the document.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case method.
    pub method: String,
    /// The path template, `/v1/accounts/{account_id}`.
    pub path: String,
    /// Its `operationId`.
    pub id: String,
    /// JSON pointer to the operation object.
    pointer: String,
    /// Base paths the operation is also served under (from `servers` URLs with a path).
    bases: Vec<String>,
}

/// One vendor's spec.
pub struct Spec {
    doc: Arc<Value>,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec").field("operations", &self.operations).finish_non_exhaustive()
    }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer made safe for a URI fragment (`{id}` becomes `%7Bid%7D`).
fn uri_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The path part of a server URL (`http://h:1/latam/portal` → `/latam/portal`, `/` → ``).
fn base_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        after_scheme.find('/').map_or("", |i| &after_scheme[i..])
    } else {
        url
    };
    path.trim_end_matches('/').to_string()
}

/// Whether `path` (no query) fits `template`, literal segments preferred by the caller.
fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

impl Spec {
    /// Loads an OpenAPI document from YAML.
    pub fn load(path: &Path) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Spec::parse(path, &text)
    }

    /// Parses an OpenAPI document from YAML text; `path` names it in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Spec, String> {
        let doc: Value =
            serde_yaml_ng::from_str(text).map_err(|e| format!("{}: {e}", path.display()))?;
        let version = doc.get("openapi").and_then(Value::as_str).unwrap_or_default();
        if !version.starts_with("3.1") {
            return Err(format!("{}: openapi must be 3.1.x, found {version:?}", path.display()));
        }
        let problems = validate_openapi(&doc)?;
        if !problems.is_empty() {
            return Err(format!(
                "{}: not a valid OpenAPI 3.1 document: {}",
                path.display(),
                problems.join("; ")
            ));
        }
        let mut operations = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (template, item) in paths {
                let Some(item) = item.as_object() else { continue };
                for (method, op) in item {
                    if !["get", "put", "post", "delete", "patch", "head", "options"]
                        .contains(&method.as_str())
                    {
                        continue;
                    }
                    // Servers at the operation, else the path item, else the document.
                    let servers = op
                        .get("servers")
                        .or_else(|| item.get("servers"))
                        .or_else(|| doc.get("servers"))
                        .and_then(Value::as_array);
                    let bases = servers
                        .into_iter()
                        .flatten()
                        .filter_map(|server| server.get("url").and_then(Value::as_str))
                        .map(base_path)
                        .collect();
                    operations.push(Operation {
                        method: method.to_uppercase(),
                        path: template.clone(),
                        id: op
                            .get("operationId")
                            .and_then(Value::as_str)
                            .unwrap_or(template)
                            .to_string(),
                        pointer: format!("/paths/{}/{method}", escape_pointer(template)),
                        bases,
                    });
                }
            }
        }
        let spec = Spec { doc: Arc::new(doc), operations, validators: Mutex::new(HashMap::new()) };
        spec.compile_all()?;
        Ok(spec)
    }

    /// Every operation.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// Compiles every response schema once, so a broken spec fails at load, not mid-run.
    fn compile_all(&self) -> Result<(), String> {
        let mut pointers = Vec::new();
        for op in &self.operations {
            let Some(responses) =
                self.doc.pointer(&format!("{}/responses", op.pointer)).and_then(Value::as_object)
            else {
                continue;
            };
            for status in responses.keys() {
                if let Some(pointer) = self.schema_pointer(op, status) {
                    pointers.push(pointer);
                }
            }
        }
        for pointer in pointers {
            self.validator(&pointer)?;
        }
        Ok(())
    }

    /// The operation serving `method path`. As OpenAPI routes, the path item is chosen first
    /// (a literal path before a templated one), then the method: a method the chosen path does
    /// not serve finds nothing, even if a templated path would take it.
    pub fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or(path);
        let served = |op: &Operation| {
            let under = |base: &String| {
                path.strip_prefix(base.as_str())
                    .is_some_and(|rest| matches_template(&op.path, rest))
            };
            if op.bases.is_empty() {
                matches_template(&op.path, path)
            } else {
                op.bases.iter().any(under)
            }
        };
        let best = self
            .operations
            .iter()
            .filter(|op| served(op))
            .min_by_key(|op| op.path.matches('{').count())?;
        self.operations.iter().find(|op| op.path == best.path && op.method == method && served(op))
    }

    /// The JSON pointer of the JSON schema for `status` of `op`, following a `$ref`'d response.
    fn schema_pointer(&self, op: &Operation, status: &str) -> Option<String> {
        let mut pointer = format!("{}/responses/{status}", op.pointer);
        let mut response = self.doc.pointer(&pointer)?;
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            pointer = reference.trim_start_matches('#').to_string();
            response = self.doc.pointer(&pointer)?;
        }
        let content = response.get("content")?.as_object()?;
        let media =
            content.keys().find(|k| k.contains("json")).or_else(|| content.keys().next())?;
        let pointer = format!("{pointer}/content/{}/schema", escape_pointer(media));
        self.doc.pointer(&pointer).map(|_| pointer)
    }

    fn validator(&self, pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
        let mut cache = self.validators.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = cache.get(pointer) {
            return Ok(found.clone());
        }
        // The whole document is the root, so local `$ref`s (`#/components/schemas/…`) resolve.
        let mut root = (*self.doc).clone();
        if let Value::Object(map) = &mut root {
            map.insert("$ref".into(), Value::String(format!("#{}", uri_fragment(pointer))));
            map.insert(
                "$schema".into(),
                Value::String("https://json-schema.org/draft/2020-12/schema".into()),
            );
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .map_err(|e| format!("schema at {pointer} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        cache.insert(pointer.to_string(), validator.clone());
        Ok(validator)
    }

    /// Checks an answer: the status must be documented for the operation, and a JSON body must
    /// fit its schema. Each problem names the JSON pointer and the rule that failed.
    pub fn check(&self, op: &Operation, status: u16, body: &str) -> Vec<String> {
        let status_key = status.to_string();
        let responses =
            self.doc.pointer(&format!("{}/responses", op.pointer)).and_then(Value::as_object);
        let Some(responses) = responses else {
            return vec![format!("{} documents no responses", op.id)];
        };
        let key = if responses.contains_key(&status_key) {
            status_key
        } else if responses.contains_key(&format!("{}XX", status / 100)) {
            format!("{}XX", status / 100)
        } else if responses.contains_key("default") {
            "default".to_string()
        } else {
            return vec![format!(
                "status {status} is not documented for {} (documented: {})",
                op.id,
                responses.keys().cloned().collect::<Vec<_>>().join(", ")
            )];
        };
        let Some(pointer) = self.schema_pointer(op, &key) else {
            return Vec::new();
        };
        let instance: Value = match serde_json::from_str(body) {
            Ok(value) => value,
            Err(e) => {
                return vec![format!(
                    "body is not JSON ({e}) but {} {key} declares a schema",
                    op.id
                )];
            }
        };
        match self.validator(&pointer) {
            Ok(validator) => validator
                .iter_errors(&instance)
                .map(|e| {
                    format!(
                        "at {:?}: {} (schema {}{})",
                        e.instance_path.to_string(),
                        e,
                        pointer,
                        e.schema_path
                    )
                })
                .collect(),
            Err(message) => vec![message],
        }
    }
}

/// The OpenAPI 3.1 document schema (2022-10-07), as published by the OpenAPI Initiative.
const OPENAPI_3_1_SCHEMA: &str = include_str!("oas-3.1-schema.json");

/// The compiled OpenAPI 3.1 schema, compiled once: it is large, and every spec is checked
/// against it.
fn openapi_validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(OPENAPI_3_1_SCHEMA)
                .map_err(|e| format!("OpenAPI schema: {e}"))?;
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&schema)
                .map_err(|e| format!("OpenAPI schema does not compile: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks a document against the OpenAPI 3.1 schema; each problem names its JSON pointer.
pub fn validate_openapi(doc: &Value) -> Result<Vec<String>, String> {
    Ok(openapi_validator()?
        .iter_errors(doc)
        .map(|e| format!("at {:?}: {e}", e.instance_path.to_string()))
        .collect())
}

/// Every spec in `dir`, by vendor (file stem).
pub fn load_all(dir: &Path) -> Result<HashMap<String, Spec>, String> {
    load_from(&Files::Dir(dir.to_path_buf()))
}

/// Every `<vendor>.yaml` at the root of `files`, by vendor.
pub fn load_from(files: &Files) -> Result<HashMap<String, Spec>, String> {
    load_some(files, |_| true)
}

/// The `<vendor>.yaml` files at the root of `files` whose vendor `wanted` accepts, by vendor.
pub fn load_some(
    files: &Files,
    wanted: impl Fn(&str) -> bool,
) -> Result<HashMap<String, Spec>, String> {
    let root = Path::new("");
    let shown =
        |rel: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", files.show(rel).display());
    let mut specs = HashMap::new();
    for entry in files.list(root).map_err(|e| shown(root, &e))? {
        let rel = Path::new(&entry.name);
        if !entry.is_dir && (entry.name.ends_with(".yaml") || entry.name.ends_with(".yml")) {
            let vendor =
                rel.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if !wanted(&vendor) {
                continue;
            }
            let text = files.read(rel).map_err(|e| shown(rel, &e))?;
            specs.insert(vendor, Spec::parse(&files.show(rel), &text)?);
        }
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_schema_rejects_a_broken_document() {
        let broken = serde_json::json!({ "openapi": "3.1.0", "paths": { "/x": { "get": { "responses": 7 } } } });
        assert!(!validate_openapi(&broken).unwrap().is_empty());
        let fine = serde_json::json!({ "openapi": "3.1.0", "info": { "title": "t", "version": "1" }, "paths": {} });
        assert_eq!(validate_openapi(&fine).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn every_spec_in_the_repo_is_valid_openapi_3_1_and_every_schema_compiles() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
        let specs = load_all(&dir).unwrap();
        assert!(specs.contains_key("admin"), "{:?}", specs.keys().collect::<Vec<_>>());
        for (vendor, spec) in &specs {
            assert!(!spec.operations().is_empty(), "{vendor} has no operations");
        }
    }
}
