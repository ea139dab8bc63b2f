//! The admin API (`/__admin/…`): tenants, accounts, the virtual clock, the request journal,
//! reset and health. Specified in `specs/admin.yaml`; its DTOs are its own, converted by hand
//! from ledger types.

use std::str::FromStr;

use http::{Method, StatusCode};
use ledger::{
    AccountId, AccountView, Currency, Cursor, Direction, Entry, EntryKind, Limits, Order, Status,
    TenantId, Timestamp,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use vendors::{AccountSpec, Ctx, Refusal, Request, Response};

use crate::App;
use crate::tenants::{DEFAULT_TENANT, Tenant};

/// Most journal entries one `GET /__admin/requests` returns.
const REQUESTS_PAGE_MAX: usize = 1000;

/// An admin error: status, a stable code and a message.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let message = message.into();
    Response::json(status, &json!({ "error": code, "message": message }))
        .with_reason(format!("admin: {message}"))
}

/// Problems found before the admin API saw the request.
pub(crate) fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::PayloadTooLarge { limit_bytes } => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("body over {limit_bytes} bytes"),
        ),
        Refusal::BodyTimeout => {
            error(StatusCode::REQUEST_TIMEOUT, "body_timeout", "body not received in time")
        }
        Refusal::MethodNotAllowed => {
            error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed")
        }
        Refusal::Internal => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error"),
    }
}

/// Answers one admin request.
pub(crate) fn handle(app: &App, req: &Request) -> Response {
    let path = req.path.trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    if segments == ["health"] {
        return match req.method {
            Method::GET => Response::json(StatusCode::OK, &json!({ "status": "ok" })),
            _ => refuse(Refusal::MethodNotAllowed),
        };
    }
    let Some(token) = vendors::common::auth::bearer(&req.headers) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "missing admin bearer token");
    };
    let Some(tenant) = app.tenants.by_admin_token(token) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "unknown admin token");
    };
    let resp = match (&req.method, segments.as_slice()) {
        (&Method::POST, ["tenants"]) => create_tenant(app, &tenant),
        (&Method::GET, ["accounts"]) => list_accounts(app, &tenant, req),
        (&Method::POST, ["accounts"]) => open_account(app, &tenant, req),
        (&Method::GET, ["accounts", id]) => with_account(app, &tenant, id, |view| {
            let mut out = account_out(view, None);
            let vendor = view.labels.get(vendors::common::accounts::VENDOR_LABEL);
            out.vendor_state = app
                .vendors
                .iter()
                .find(|v| Some(v.name()) == vendor.map(String::as_str))
                .and_then(|v| v.inspect_account(tenant.id, view.id));
            Response::json(StatusCode::OK, &out)
        }),
        (&Method::PATCH, ["accounts", id]) => patch_account(app, &tenant, id, req),
        (&Method::GET, ["accounts", id, "entries"]) => entries(app, &tenant, id, req),
        (&Method::GET, ["clock"]) => clock_response(&tenant),
        (&Method::POST, ["clock"]) => set_clock(&tenant, req),
        (&Method::GET, ["requests"]) => requests(&tenant, req),
        (&Method::POST, ["reset"]) => reset(app, &tenant),
        (_, ["tenants" | "accounts" | "clock" | "requests" | "reset"])
        | (_, ["accounts", _] | ["accounts", _, "entries"]) => refuse(Refusal::MethodNotAllowed),
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no admin route {} {}", req.method, req.path),
        ),
    };
    resp.with_tenant(tenant.id)
}

/// The body as a JSON object (an empty body is an empty object), or the error answer.
fn body_object(req: &Request) -> Result<Map<String, Value>, Box<Response>> {
    if req.body.is_empty() {
        return Ok(Map::new());
    }
    match vendors::common::json::parse(&req.body) {
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

fn create_tenant(app: &App, caller: &Tenant) -> Response {
    if caller.id != DEFAULT_TENANT {
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the operator token may create tenants",
        );
    }
    let id = TenantId(uuid::Uuid::new_v4());
    let tenant =
        app.provision_tenant(id, format!("sbk_admin_{}", uuid::Uuid::new_v4().simple()), false);
    Response::json(
        StatusCode::CREATED,
        &json!({
            "tenant_id": tenant.id.to_string(),
            "admin_token": tenant.admin_token,
            "credentials": tenant.credentials,
        }),
    )
}

/// Money as exact text at the currency's scale.
fn money(currency: Currency, amount: Decimal) -> String {
    currency.format(amount)
}

fn timestamp(at: Timestamp) -> String {
    jiff::Timestamp::from_microsecond(at.as_unix_micros())
        .map_or_else(|_| at.as_unix_micros().to_string(), |t| t.to_string())
}

#[derive(Serialize)]
struct AccountOut {
    id: String,
    vendor: Option<String>,
    currency: &'static str,
    status: &'static str,
    balances: BalancesOut,
    limits: Value,
    daily_usage: Value,
    vendor_ids: Map<String, Value>,
    opened_at: String,
    n_entries: usize,
    /// Vendor-side state the ledger does not hold (AMLYZE's balance snapshots).
    #[serde(skip_serializing_if = "Option::is_none")]
    vendor_state: Option<Value>,
}

#[derive(Serialize)]
struct BalancesOut {
    posted: String,
    pending_debits: String,
    pending_credits: String,
    deferred: String,
    available: String,
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Frozen => "frozen",
        Status::Closed => "closed",
    }
}

fn account_out(view: &AccountView, vendor_ids: Option<Map<String, Value>>) -> AccountOut {
    let c = view.currency;
    let b = view.balances;
    let limits = &view.limits;
    let opt = |amount: Option<Decimal>| amount.map_or(Value::Null, |a| Value::String(money(c, a)));
    AccountOut {
        id: view.id.to_string(),
        vendor: view.labels.get(vendors::common::accounts::VENDOR_LABEL).cloned(),
        currency: c.code(),
        status: status_name(view.status),
        balances: BalancesOut {
            posted: money(c, b.posted),
            pending_debits: money(c, b.pending_debits),
            pending_credits: money(c, b.pending_credits),
            deferred: money(c, b.deferred),
            available: money(c, b.available),
        },
        limits: json!({
            "balance_min": money(c, limits.balance_min),
            "balance_max": opt(limits.balance_max),
            "transfer_amount_max": opt(limits.transfer_amount_max),
            "daily_debit_amount_max": opt(limits.daily_debit_amount_max),
            "daily_debit_count_max": limits.daily_debit_count_max,
            "daily_credit_amount_max": opt(limits.daily_credit_amount_max),
            "daily_credit_count_max": limits.daily_credit_count_max,
        }),
        daily_usage: json!({
            "debit_amount": money(c, view.daily.debit_amount),
            "debit_count": view.daily.debit_count,
            "credit_amount": money(c, view.daily.credit_amount),
            "credit_count": view.daily.credit_count,
        }),
        vendor_ids: vendor_ids.unwrap_or_else(|| {
            view.labels
                .iter()
                .filter(|(k, _)| k.as_str() != vendors::common::accounts::VENDOR_LABEL)
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect()
        }),
        opened_at: timestamp(view.opened_at),
        n_entries: view.n_entries,
        vendor_state: None,
    }
}

fn account_response(status: StatusCode, view: &AccountView) -> Response {
    Response::json(status, &account_out(view, None))
}

fn list_accounts(app: &App, tenant: &Tenant, req: &Request) -> Response {
    let vendor = req.query_param("vendor");
    let accounts: Vec<AccountOut> = app
        .ledger
        .accounts(tenant.clock.now(), tenant.id)
        .iter()
        .filter(|v| {
            vendor
                .as_deref()
                .is_none_or(|name| v.labels.get("vendor").map(String::as_str) == Some(name))
        })
        .map(|v| account_out(v, None))
        .collect();
    Response::json(StatusCode::OK, &json!({ "accounts": accounts }))
}

fn with_account(
    app: &App,
    tenant: &Tenant,
    id: &str,
    f: impl FnOnce(&AccountView) -> Response,
) -> Response {
    let Ok(uuid) = uuid::Uuid::parse_str(id) else {
        return error(StatusCode::NOT_FOUND, "not_found", format!("account {id} not found"));
    };
    match app.ledger.account(tenant.clock.now(), tenant.id, AccountId(uuid)) {
        Some(view) => f(&view),
        None => error(StatusCode::NOT_FOUND, "not_found", format!("account {id} not found")),
    }
}

/// Reads an exact amount given as a JSON string or number.
fn amount_field(map: &Map<String, Value>, key: &str) -> Result<Option<Decimal>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            ledger::parse_decimal(text).map(Some).map_err(|e| format!("field {key}: {e}"))
        }
        Some(Value::Number(n)) => {
            vendors::common::json::decimal(n).map(Some).map_err(|e| format!("field {key}: {e}"))
        }
        Some(_) => Err(format!("field {key}: must be a decimal string or number")),
    }
}

fn count_field(map: &Map<String, Value>, key: &str) -> Result<Option<u32>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("field {key}: must be a non-negative integer")),
        Some(_) => Err(format!("field {key}: must be a non-negative integer")),
    }
}

const LIMIT_KEYS: [&str; 7] = [
    "balance_min",
    "balance_max",
    "transfer_amount_max",
    "daily_debit_amount_max",
    "daily_debit_count_max",
    "daily_credit_amount_max",
    "daily_credit_count_max",
];

/// Applies the keys present in `given` onto `base` (`null` clears an optional limit).
fn merge_limits(base: Limits, given: &Value) -> Result<Limits, String> {
    let Value::Object(map) = given else {
        return Err("field limits: must be an object".into());
    };
    if let Some(unknown) = map.keys().find(|k| !LIMIT_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "field limits.{unknown}: unknown limit (known: {})",
            LIMIT_KEYS.join(", ")
        ));
    }
    let mut limits = base;
    if map.contains_key("balance_min") {
        limits.balance_min = amount_field(map, "balance_min")?.unwrap_or(Decimal::ZERO);
    }
    let set_amount = |slot: &mut Option<Decimal>, key: &str| -> Result<(), String> {
        if map.contains_key(key) {
            *slot = amount_field(map, key)?;
        }
        Ok(())
    };
    set_amount(&mut limits.balance_max, "balance_max")?;
    set_amount(&mut limits.transfer_amount_max, "transfer_amount_max")?;
    set_amount(&mut limits.daily_debit_amount_max, "daily_debit_amount_max")?;
    set_amount(&mut limits.daily_credit_amount_max, "daily_credit_amount_max")?;
    if map.contains_key("daily_debit_count_max") {
        limits.daily_debit_count_max = count_field(map, "daily_debit_count_max")?;
    }
    if map.contains_key("daily_credit_count_max") {
        limits.daily_credit_count_max = count_field(map, "daily_credit_count_max")?;
    }
    Ok(limits)
}

fn open_account(app: &App, tenant: &Tenant, req: &Request) -> Response {
    let map = match body_object(req) {
        Ok(map) => map,
        Err(resp) => return *resp,
    };
    let bad = |message: String| error(StatusCode::BAD_REQUEST, "invalid_field", message);
    let Some(vendor_name) = map.get("vendor").and_then(Value::as_str) else {
        return bad("field vendor: required (firstvision, clowd9, amlyze, qolo or pcaasa)".into());
    };
    let Some(vendor) = app.vendors.iter().find(|v| v.name() == vendor_name) else {
        return bad(format!("field vendor: {vendor_name:?} is not served here"));
    };
    let currency = match map.get("currency") {
        Some(Value::String(code)) => match Currency::from_code(code) {
            Some(currency) => currency,
            None => return bad(format!("field currency: {code:?} is not an active ISO 4217 code")),
        },
        _ => return bad("field currency: required, an ISO 4217 code such as \"USD\"".into()),
    };
    let opening_balance = match amount_field(&map, "opening_balance") {
        Ok(amount) => amount.unwrap_or(Decimal::ZERO),
        Err(message) => return bad(message),
    };
    if !currency.fits_scale(opening_balance) {
        return bad(format!("field opening_balance: more decimal places than {currency} allows"));
    }
    let limits = match map.get("limits") {
        None | Some(Value::Null) => Limits::default(),
        Some(given) => match merge_limits(Limits::default(), given) {
            Ok(limits) => limits,
            Err(message) => return bad(message),
        },
    };
    if let Err(e) = limits.validate(currency) {
        return bad(format!("field limits: {e}"));
    }
    let vendor_ids = match map.get("vendor_ids") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(ids)) => ids.clone(),
        Some(_) => return bad("field vendor_ids: must be an object".into()),
    };
    let spec = AccountSpec { currency, opening_balance, limits, vendor_ids };
    let clock = |t| app.tenants.now(t);
    let ctx = Ctx { ledger: &app.ledger, clock: &clock, trace_id: uuid::Uuid::new_v4() };
    let _one_at_a_time = app.opening.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match vendor.open_account(&ctx, tenant.id, &spec) {
        Ok(opened) => Response::json(
            StatusCode::CREATED,
            &account_out(&opened.account, Some(opened.vendor_ids)),
        ),
        Err(message) => error(StatusCode::CONFLICT, "account_not_opened", message),
    }
}

fn patch_account(app: &App, tenant: &Tenant, id: &str, req: &Request) -> Response {
    let map = match body_object(req) {
        Ok(map) => map,
        Err(resp) => return *resp,
    };
    if let Some(unknown) = map.keys().find(|k| !["status", "limits"].contains(&k.as_str())) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("field {unknown}: unknown (status, limits)"),
        );
    }
    with_account(app, tenant, id, |view| {
        let now = tenant.clock.now();
        let mut current = view.clone();
        if let Some(given) = map.get("limits") {
            let limits = match merge_limits(current.limits.clone(), given) {
                Ok(limits) => limits,
                Err(message) => return error(StatusCode::BAD_REQUEST, "invalid_field", message),
            };
            match app.ledger.set_limits(now, tenant.id, current.id, limits) {
                Ok(updated) => current = updated,
                Err(e) => return account_error(e),
            }
        }
        if let Some(given) = map.get("status") {
            let status = match given.as_str() {
                Some("active") => Status::Active,
                Some("frozen") => Status::Frozen,
                Some("closed") => Status::Closed,
                _ => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_field",
                        "field status: one of active, frozen, closed",
                    );
                }
            };
            match app.ledger.set_status(now, tenant.id, current.id, status) {
                Ok(updated) => current = updated,
                Err(e) => return account_error(e),
            }
        }
        account_response(StatusCode::OK, &current)
    })
}

fn account_error(e: ledger::AccountError) -> Response {
    match e {
        ledger::AccountError::AccountNotFound => {
            error(StatusCode::NOT_FOUND, "not_found", e.to_string())
        }
        ledger::AccountError::AccountClosed | ledger::AccountError::AccountExists => {
            error(StatusCode::CONFLICT, "conflict", e.to_string())
        }
        ledger::AccountError::InvalidLimits(_) => {
            error(StatusCode::BAD_REQUEST, "invalid_field", e.to_string())
        }
        ledger::AccountError::JournalUnavailable => {
            error(StatusCode::SERVICE_UNAVAILABLE, "journal_unavailable", e.to_string())
        }
    }
}

fn entry_out(currency: Currency, entry: &Entry) -> Value {
    json!({
        "transfer_id": entry.transfer_id.0,
        "pending_id": entry.pending_id.map(|id| id.0),
        "at": timestamp(entry.at),
        "kind": match entry.kind {
            EntryKind::Posted => "posted",
            EntryKind::Pending => "pending",
            EntryKind::PendingPosted => "pending_posted",
            EntryKind::PendingVoided => "pending_voided",
        },
        "direction": match entry.direction { Direction::Debit => "debit", Direction::Credit => "credit" },
        "amount": money(currency, entry.amount),
        "available_at": entry.available_at.map(timestamp),
        "posted_after": money(currency, entry.posted_after),
        "available_after": money(currency, entry.available_after),
        "metadata": entry.metadata.as_deref().map_or_else(Map::new, |m| {
            m.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect()
        }),
    })
}

fn entries(app: &App, tenant: &Tenant, id: &str, req: &Request) -> Response {
    let limit = req.query_param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(100);
    let order = match req.query_param("order").as_deref() {
        None | Some("oldest") => Order::OldestFirst,
        Some("newest") => Order::NewestFirst,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("order {other:?}: oldest or newest"),
            );
        }
    };
    let cursor = match req.query_param("cursor") {
        None => None,
        Some(text) => match text.parse::<u64>() {
            Ok(n) => Some(Cursor(n)),
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "cursor: not one we gave out",
                );
            }
        },
    };
    with_account(app, tenant, id, |view| {
        match app.ledger.entries(tenant.id, view.id, cursor, limit, order) {
            Some(page) => Response::json(
                StatusCode::OK,
                &json!({
                    "entries": page.entries.iter().map(|e| entry_out(view.currency, e)).collect::<Vec<_>>(),
                    "next_cursor": page.next.map(|c| c.0.to_string()),
                }),
            ),
            None => error(StatusCode::NOT_FOUND, "not_found", format!("account {id} not found")),
        }
    })
}

fn clock_response(tenant: &Tenant) -> Response {
    Response::json(
        StatusCode::OK,
        &json!({ "now": timestamp(tenant.clock.now()), "frozen": tenant.clock.is_frozen() }),
    )
}

fn set_clock(tenant: &Tenant, req: &Request) -> Response {
    let map = match body_object(req) {
        Ok(map) => map,
        Err(resp) => return *resp,
    };
    const KEYS: [&str; 5] = ["reset", "set", "advance", "freeze", "unfreeze"];
    if map.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("give one of {}", KEYS.join(", ")),
        );
    }
    if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("field {unknown}: unknown ({})", KEYS.join(", ")),
        );
    }
    // Validate everything before changing anything.
    let set = match map.get("set") {
        None => None,
        Some(Value::String(text)) => match jiff::Timestamp::from_str(text) {
            Ok(at) => Some(Timestamp::from_unix_micros(at.as_microsecond())),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    format!("field set: not RFC 3339: {e}"),
                );
            }
        },
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "field set: an RFC 3339 string",
            );
        }
    };
    let advance = match map.get("advance") {
        None => None,
        Some(Value::String(text)) => match parse_duration(text) {
            Ok(duration) => Some(duration),
            Err(message) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    format!("field advance: {message}"),
                );
            }
        },
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "field advance: an ISO 8601 duration such as \"P1D\"",
            );
        }
    };
    let flag = |key: &str| map.get(key).and_then(Value::as_bool).unwrap_or(false);
    // Freeze before setting, so "set X and freeze" stops exactly at X.
    if flag("reset") {
        tenant.clock.reset();
    }
    if flag("freeze") {
        tenant.clock.freeze();
    }
    if let Some(at) = set {
        tenant.clock.set(at);
    }
    if let Some(duration) = advance {
        tenant.clock.advance(duration);
    }
    if flag("unfreeze") {
        tenant.clock.unfreeze();
    }
    clock_response(tenant)
}

/// An ISO 8601 duration (`P1D`, `PT2H30M`), days counted as 24 hours; forward only.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let span: jiff::Span = text.parse().map_err(|e| format!("not an ISO 8601 duration: {e}"))?;
    let signed = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("years and months are not fixed lengths: {e}"))?;
    std::time::Duration::try_from(signed).map_err(|_| "the clock only moves forward".to_string())
}

fn requests(tenant: &Tenant, req: &Request) -> Response {
    let limit = req
        .query_param("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100)
        .min(REQUESTS_PAGE_MAX);
    let entries: Vec<Value> = tenant
        .journal
        .recent(limit)
        .into_iter()
        .map(|e| {
            json!({
                "at": timestamp(e.at),
                "trace_id": e.trace_id.to_string(),
                "method": e.method.as_str(),
                "path": e.path(),
                "status": e.status,
                "vendor": e.vendor,
                "operation": e.operation,
                "duration_us": e.duration_micros,
                "reason": e.reason,
                "request_body": String::from_utf8_lossy(e.request_body()),
                "response_body": String::from_utf8_lossy(e.response_body()),
            })
        })
        .collect();
    Response::json(StatusCode::OK, &json!({ "requests": entries }))
}

fn reset(app: &App, tenant: &Tenant) -> Response {
    if let Err(e) = app.ledger.reset_tenant(tenant.clock.now(), tenant.id) {
        return account_error(e);
    }
    for vendor in &app.vendors {
        vendor.reset_tenant(tenant.id);
    }
    tenant.journal.clear();
    tenant.clock.reset();
    Response::json(StatusCode::OK, &json!({ "reset": true }))
}
