//! `GET/POST /__admin/clock`: reading and moving a tenant's virtual clock.

use std::str::FromStr;

use http::StatusCode;
use ledger::Timestamp;
use serde_json::{Map, Value, json};
use vendors::{Request, Response};

use super::{body, error, timestamp};
use crate::App;
use crate::clock::Clock;
use crate::store::AdminRecord;
use crate::tenants::Tenant;

/// The clock's fields, in the order they are applied.
const KEYS: [&str; 5] = ["reset", "freeze", "set", "advance", "unfreeze"];

/// The clock as JSON: `{"now", "frozen"}`.
pub(super) fn clock_json(tenant: &Tenant) -> Value {
    json!({ "now": timestamp(tenant.clock.now()), "frozen": tenant.clock.is_frozen() })
}

pub(super) fn get(tenant: &Tenant) -> Response {
    Response::json(StatusCode::OK, &clock_json(tenant))
}

/// What a `POST /__admin/clock` asks for, read in full before the clock is touched.
struct Change {
    reset: bool,
    freeze: bool,
    set: Option<Timestamp>,
    advance: Option<std::time::Duration>,
    unfreeze: bool,
}

pub(super) fn set(app: &App, tenant: &Tenant, req: &Request) -> Response {
    match body::object(req, &KEYS).and_then(|map| change(app, tenant, &map)) {
        Ok(()) => get(tenant),
        Err(resp) => *resp,
    }
}

/// Checks and applies the clock fields in `map` (also a fixture file's `clock`); the admin
/// error otherwise, the clock unchanged.
pub(crate) fn change(
    app: &App,
    tenant: &Tenant,
    map: &Map<String, Value>,
) -> Result<(), Box<Response>> {
    let change = parse(map).map_err(bad)?;
    // Worked out on a copy, stored, and only then applied: a change the store refuses leaves
    // the clock as it was.
    let (offset, frozen) = tenant.clock.state();
    let next = Clock::new();
    next.restore(offset, frozen);
    // Freeze before setting, so "set X and freeze" stops exactly at X.
    if change.reset {
        next.reset();
    }
    if change.freeze {
        next.freeze();
    }
    if let Some(at) = change.set {
        next.set(at);
    }
    if let Some(duration) = change.advance {
        next.advance(duration);
    }
    if change.unfreeze {
        next.unfreeze();
    }
    let (offset_micros, frozen_at_micros) = next.state();
    app.record(AdminRecord::ClockSet { tenant: tenant.id.0, offset_micros, frozen_at_micros })?;
    tenant.clock.restore(offset_micros, frozen_at_micros);
    Ok(())
}

fn bad(message: String) -> Box<Response> {
    Box::new(error(StatusCode::BAD_REQUEST, "invalid_field", message))
}

fn parse(map: &Map<String, Value>) -> Result<Change, String> {
    if map.is_empty() {
        return Err(format!("give one of {}", KEYS.join(", ")));
    }
    let flag = |key: &str| match map.get(key) {
        None => Ok(false),
        Some(Value::Bool(on)) => Ok(*on),
        Some(_) => Err(format!("field {key}: true or false")),
    };
    let set = match map.get("set") {
        None => None,
        Some(Value::String(text)) => match jiff::Timestamp::from_str(text) {
            Ok(at) => Some(Timestamp::from_unix_micros(at.as_microsecond())),
            Err(e) => return Err(format!("field set: not RFC 3339: {e}")),
        },
        Some(_) => return Err("field set: an RFC 3339 string".into()),
    };
    let advance = match map.get("advance") {
        None => None,
        Some(Value::String(text)) => {
            Some(parse_duration(text).map_err(|message| format!("field advance: {message}"))?)
        }
        Some(_) => return Err("field advance: an ISO 8601 duration such as \"P1D\"".into()),
    };
    Ok(Change {
        reset: flag("reset")?,
        freeze: flag("freeze")?,
        set,
        advance,
        unfreeze: flag("unfreeze")?,
    })
}

/// An ISO 8601 duration (`P1D`, `PT2H30M`), days counted as 24 hours; forward only.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let span: jiff::Span = text.parse().map_err(|e| format!("not an ISO 8601 duration: {e}"))?;
    let signed = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("years and months are not fixed lengths: {e}"))?;
    std::time::Duration::try_from(signed).map_err(|_| "the clock only moves forward".to_string())
}
