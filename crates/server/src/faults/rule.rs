//! One fault rule as the admin API takes it: read field by field from its JSON, every problem
//! named by the field's path (`when.probability: …`), and checked against what the server
//! serves (the vendor, its operations, its error catalogue, the tenant's accounts) before the
//! rule exists.

use std::time::Duration;

use serde_json::{Map, Value};

use super::matcher::{BodyEquals, HeaderEquals, Matcher, PathPattern};
use super::schedule::Schedule;

/// The most a rule may delay an answer, and the longest it may hold one.
pub const LATENCY_MS_MAX: u64 = 600_000;
/// How long `"transport": "hang"` holds a request when the rule names no `hang_ms`.
pub const HANG_MS_DEFAULT: u64 = 600_000;

/// Every field a rule has.
const FIELDS: [&str; 9] =
    ["name", "match", "when", "phase", "latency_ms", "error", "transport", "hang_ms", "note"];

/// When the fault happens relative to the request's own effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Instead of handling the request: nothing it asks for happens.
    Before,
    /// After the request was handled and its effects committed: the client gets the fault
    /// instead of the answer.
    After,
}

impl Phase {
    /// Its name in rules and reports.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::After => "after",
        }
    }
}

/// What goes wrong on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The connection is reset (TCP RST), no answer.
    Reset,
    /// The status line and headers are sent, then the connection closes before the body.
    CloseAfterHeaders,
    /// No answer: the request is held until the client gives up (or `hang_ms` passes), then
    /// the connection closes.
    Hang,
    /// The headers promise the whole body; half of it is sent, then the connection closes.
    Truncate,
    /// A complete HTTP answer whose body is cut in half: not the JSON it should be.
    Malformed,
}

impl Transport {
    const ALL: [(&'static str, Transport); 5] = [
        ("reset", Transport::Reset),
        ("close_after_headers", Transport::CloseAfterHeaders),
        ("hang", Transport::Hang),
        ("truncate", Transport::Truncate),
        ("malformed", Transport::Malformed),
    ];

    /// Its name in rules and reports.
    pub fn name(self) -> &'static str {
        Transport::ALL.iter().find(|(_, t)| *t == self).map_or("", |(name, _)| name)
    }

    /// Whether it delivers some answer (whose body it then spoils).
    pub fn needs_answer(self) -> bool {
        matches!(self, Transport::CloseAfterHeaders | Transport::Truncate | Transport::Malformed)
    }
}

/// A delay before the answer: fixed, or drawn uniformly from a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Shortest delay, in milliseconds.
    pub min_ms: u64,
    /// Longest delay, in milliseconds (equal to `min_ms` when fixed).
    pub max_ms: u64,
}

/// A rule, checked: what it matches, when it fires, and what it does.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique within the tenant; `X-Sandbank-Fault` names a rule by it.
    pub name: String,
    /// Which requests it applies to.
    pub matcher: Matcher,
    /// Which of those it fires on.
    pub schedule: Schedule,
    /// Before or after the request's own effects.
    pub phase: Phase,
    /// A delay before answering.
    pub latency: Option<Latency>,
    /// A catalogue error of the vendor answered instead of the real answer.
    pub error: Option<String>,
    /// What goes wrong on the connection.
    pub transport: Option<Transport>,
    /// How long a `hang` holds the request.
    pub hang: Duration,
    /// The rule as given, normalised: what listing shows and the store keeps.
    pub spec: Value,
}

/// What checking a rule needs to know of the server and the tenant.
pub trait Known {
    /// Whether a vendor of this name is served.
    fn vendor(&self, name: &str) -> bool;
    /// The operations a vendor (or, for `None`, any vendor) serves.
    fn operations(&self, vendor: Option<&str>) -> Vec<&'static str>;
    /// Whether `name` is in `vendor`'s error catalogue (any vendor's catalogue for `None`
    /// accepts only the names every vendor has).
    fn error(&self, vendor: Option<&str>, name: &str) -> bool;
    /// Every identifier of the tenant's account that `id` (its ledger id or any of its vendor
    /// identifiers) names; `None` when no account of the tenant has it.
    fn account(&self, id: &str) -> Option<Vec<String>>;
    /// A seed for a probability rule that names none: from the tenant's own generator.
    fn seed(&self) -> u64;
}

/// `value` as a rule, or the first problem, naming its field.
pub fn parse(value: &Value, known: &dyn Known) -> Result<Rule, String> {
    let Value::Object(map) = value else {
        return Err("a rule is a JSON object".into());
    };
    only(map, &FIELDS, "")?;
    let name = match map.get("name") {
        Some(Value::String(name)) if valid_name(name) => name.clone(),
        Some(_) => {
            return Err("name: 1 to 100 characters of letters, digits, '.', '_' or '-'".into());
        }
        None => return Err("name: missing (a rule needs a name to be named by)".into()),
    };
    let matcher = match map.get("match") {
        None => Matcher::default(),
        Some(Value::Object(m)) => parse_match(m, known)?,
        Some(_) => return Err("match: an object".into()),
    };
    let schedule = match map.get("when") {
        None => Schedule::always(),
        Some(Value::Object(w)) => {
            Schedule::parse(w, known.seed()).map_err(|e| format!("when.{e}"))?
        }
        Some(_) => return Err("when: an object".into()),
    };
    let phase = match map.get("phase").map(Value::as_str) {
        None | Some(Some("before")) => Phase::Before,
        Some(Some("after")) => Phase::After,
        Some(_) => return Err("phase: \"before\" or \"after\"".into()),
    };
    let latency = map.get("latency_ms").map(parse_latency).transpose()?;
    let error = match map.get("error") {
        None => None,
        Some(Value::String(name)) => {
            let vendor = matcher.vendor.as_deref();
            if !known.error(vendor, name) {
                return Err(match vendor {
                    Some(vendor) => format!(
                        "error: {name:?} is not in {vendor}'s catalogue (GET /__admin/vendors/{vendor}/errors)"
                    ),
                    None => format!(
                        "error: {name:?} without match.vendor: only unavailable, rate_limited and internal, which every vendor has"
                    ),
                });
            }
            Some(name.clone())
        }
        Some(_) => return Err("error: a name from the vendor's error catalogue".into()),
    };
    let transport = match map.get("transport") {
        None => None,
        Some(given) => Some(
            given
                .as_str()
                .and_then(|text| Transport::ALL.iter().find(|(name, _)| *name == text))
                .map(|(_, t)| *t)
                .ok_or_else(|| {
                    let names: Vec<&str> = Transport::ALL.iter().map(|(n, _)| *n).collect();
                    format!("transport: one of {}", names.join(", "))
                })?,
        ),
    };
    let hang_ms = match map.get("hang_ms") {
        None => HANG_MS_DEFAULT,
        Some(_) if transport != Some(Transport::Hang) => {
            return Err("hang_ms: only with \"transport\": \"hang\"".into());
        }
        Some(given) => millis(given, "hang_ms")?,
    };
    if let Some(note) = map.get("note")
        && !note.is_string()
    {
        return Err("note: a string".into());
    }
    if latency.is_none() && error.is_none() && transport.is_none() {
        return Err("a rule does something: give latency_ms, error or transport".into());
    }
    if phase == Phase::Before && error.is_none() && transport.is_some_and(Transport::needs_answer) {
        return Err(format!(
            "transport: {} before the request is handled spoils an answer: name the error to send (\"error\")",
            transport.map_or("", Transport::name)
        ));
    }
    Ok(Rule {
        name,
        matcher,
        schedule,
        phase,
        latency,
        error,
        transport,
        hang: Duration::from_millis(hang_ms),
        spec: value.clone(),
    })
}

fn valid_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Refuses a field `map` does not know, named under `prefix`.
pub(super) fn only(map: &Map<String, Value>, known: &[&str], prefix: &str) -> Result<(), String> {
    match map.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(format!("{prefix}{unknown}: unknown (known: {})", known.join(", "))),
        None => Ok(()),
    }
}

/// A whole number of milliseconds up to [`LATENCY_MS_MAX`].
fn millis(value: &Value, field: &str) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|ms| *ms <= LATENCY_MS_MAX)
        .ok_or_else(|| format!("{field}: whole milliseconds from 0 to {LATENCY_MS_MAX}"))
}

fn parse_latency(value: &Value) -> Result<Latency, String> {
    match value {
        Value::Array(range) => match range.as_slice() {
            [min, max] => {
                let (min_ms, max_ms) =
                    (millis(min, "latency_ms[0]")?, millis(max, "latency_ms[1]")?);
                if min_ms > max_ms {
                    return Err("latency_ms: [min, max] with min <= max".into());
                }
                Ok(Latency { min_ms, max_ms })
            }
            _ => Err("latency_ms: milliseconds, or a range [min, max]".into()),
        },
        fixed => {
            let ms = millis(fixed, "latency_ms")?;
            Ok(Latency { min_ms: ms, max_ms: ms })
        }
    }
}

const MATCH_FIELDS: [&str; 7] =
    ["vendor", "operation", "method", "path", "account", "header", "body"];

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text)),
        Some(_) => Err(format!("{key}: a non-empty string")),
    }
}

fn parse_match(map: &Map<String, Value>, known: &dyn Known) -> Result<Matcher, String> {
    only(map, &MATCH_FIELDS, "match.")?;
    let field = |key: &str| text(map, key).map_err(|e| format!("match.{e}"));
    let vendor = field("vendor")?.map(str::to_owned);
    if let Some(name) = &vendor
        && !known.vendor(name)
    {
        return Err(format!("match.vendor: {name:?} is not served here"));
    }
    let operation = field("operation")?.map(str::to_owned);
    if let Some(op) = &operation {
        let served = known.operations(vendor.as_deref());
        if !served.contains(&op.as_str()) {
            return Err(format!(
                "match.operation: {op:?} is not {}'s (known: {})",
                vendor.as_deref().unwrap_or("any vendor"),
                served.join(", ")
            ));
        }
    }
    let method = match field("method")? {
        None => None,
        Some(m) => Some(
            http::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("match.method: {m:?} is not an HTTP method"))?,
        ),
    };
    let path = field("path")?
        .map(|p| PathPattern::parse(p).map_err(|e| format!("match.path: {e}")))
        .transpose()?;
    let account = match field("account")? {
        None => None,
        Some(id) => Some(known.account(id).ok_or_else(|| {
            format!(
                "match.account: no account of this tenant has the id or vendor identifier {id:?}"
            )
        })?),
    };
    let header = match map.get("header") {
        None => None,
        Some(Value::Object(h)) => {
            Some(HeaderEquals::parse(h).map_err(|e| format!("match.header.{e}"))?)
        }
        Some(_) => return Err("match.header: an object {\"name\", \"value\"}".into()),
    };
    let body = match map.get("body") {
        None => None,
        Some(Value::Object(b)) => {
            Some(BodyEquals::parse(b).map_err(|e| format!("match.body.{e}"))?)
        }
        Some(_) => return Err("match.body: an object {\"pointer\", \"equals\"}".into()),
    };
    Ok(Matcher { vendor, operation, method, path, account, header, body })
}
