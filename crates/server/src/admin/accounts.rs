//! `/__admin/accounts…`: opening, reading, listing and changing accounts, and their history.
//! The DTOs are the admin API's own, converted by hand from ledger views.

use http::StatusCode;
use ledger::{
    AccountId, AccountView, Currency, Cursor, Direction, Entry, EntryKind, Limits, Order, Status,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use vendors::common::accounts::VENDOR_LABEL;
use vendors::{AccountSpec, Ctx, Request, Response, Vendor};

use super::{body, error, timestamp};
use crate::App;
use crate::tenants::Tenant;

/// The fields of `POST /__admin/accounts`.
const OPEN_KEYS: [&str; 5] = ["vendor", "currency", "opening_balance", "limits", "vendor_ids"];

/// The fields of `PATCH /__admin/accounts/{id}`.
const PATCH_KEYS: [&str; 2] = ["status", "limits"];

const LIMIT_KEYS: [&str; 7] = [
    "balance_min",
    "balance_max",
    "transfer_amount_max",
    "daily_debit_amount_max",
    "daily_debit_count_max",
    "daily_credit_amount_max",
    "daily_credit_count_max",
];

/// Money as exact text at the currency's scale.
fn money(currency: Currency, amount: Decimal) -> String {
    currency.format(amount)
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

/// The vendor that owns an account, if it is served here.
fn vendor_of<'a>(app: &'a App, view: &AccountView) -> Option<&'a dyn Vendor> {
    let name = view.labels.get(VENDOR_LABEL)?;
    app.vendors.iter().find(|v| v.name() == name).map(|v| &**v)
}

/// An account as the admin API shows it on every read: the vendor ids always come from the
/// vendor, in its JSON types, so an opening, a read and a listing agree.
fn account_out(app: &App, tenant: &Tenant, view: &AccountView) -> AccountOut {
    let c = view.currency;
    let b = view.balances;
    let limits = &view.limits;
    let opt = |amount: Option<Decimal>| amount.map_or(Value::Null, |a| Value::String(money(c, a)));
    let vendor_ids = match vendor_of(app, view) {
        Some(vendor) => vendor.vendor_ids(tenant.id, view),
        None => vendors::common::accounts::labelled_ids(view),
    };
    AccountOut {
        id: view.id.to_string(),
        vendor: view.labels.get(VENDOR_LABEL).cloned(),
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
        vendor_ids,
        opened_at: timestamp(view.opened_at),
        n_entries: view.n_entries,
        vendor_state: None,
    }
}

pub(super) fn list(app: &App, tenant: &Tenant, req: &Request) -> Response {
    let vendor = req.query_param("vendor");
    let accounts: Vec<AccountOut> = app
        .ledger
        .accounts(tenant.clock.now(), tenant.id)
        .iter()
        .filter(|v| {
            vendor
                .as_deref()
                .is_none_or(|name| v.labels.get(VENDOR_LABEL).map(String::as_str) == Some(name))
        })
        .map(|v| account_out(app, tenant, v))
        .collect();
    Response::json(StatusCode::OK, &json!({ "accounts": accounts }))
}

pub(super) fn get(app: &App, tenant: &Tenant, id: &str) -> Response {
    with_account(app, tenant, id, |view| {
        let mut out = account_out(app, tenant, view);
        out.vendor_state = vendor_of(app, view).and_then(|v| v.inspect_account(tenant.id, view.id));
        Response::json(StatusCode::OK, &out)
    })
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

/// Everything `POST /__admin/accounts` asks for, checked before anything is opened (also a
/// fixture file's accounts, `fixtures.rs`).
pub(crate) fn parse_opening<'a>(
    app: &'a App,
    map: &Map<String, Value>,
) -> Result<(&'a dyn Vendor, AccountSpec), String> {
    let Some(vendor_name) = map.get("vendor").and_then(Value::as_str) else {
        return Err(format!("field vendor: required ({})", crate::vendor_choices()));
    };
    let Some(vendor) = app.vendors.iter().find(|v| v.name() == vendor_name) else {
        return Err(format!("field vendor: {vendor_name:?} is not served here"));
    };
    let currency = match map.get("currency") {
        Some(Value::String(code)) => Currency::from_code(code)
            .ok_or_else(|| format!("field currency: {code:?} is not an active ISO 4217 code"))?,
        _ => return Err("field currency: required, an ISO 4217 code such as \"USD\"".into()),
    };
    let opening_balance = amount_field(map, "opening_balance")?.unwrap_or(Decimal::ZERO);
    if !currency.fits_scale(opening_balance) {
        return Err(format!("field opening_balance: more decimal places than {currency} allows"));
    }
    let limits = match map.get("limits") {
        None | Some(Value::Null) => Limits::default(),
        Some(given) => merge_limits(Limits::default(), given)?,
    };
    limits.validate(currency).map_err(|e| format!("field limits: {e}"))?;
    let vendor_ids = match map.get("vendor_ids") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(ids)) => ids.clone(),
        Some(_) => return Err("field vendor_ids: must be an object".into()),
    };
    Ok((&**vendor, AccountSpec { currency, opening_balance, limits, vendor_ids }))
}

pub(super) fn open(app: &App, tenant: &Tenant, req: &Request) -> Response {
    let map = match body::object(req, &OPEN_KEYS) {
        Ok(map) => map,
        Err(resp) => return *resp,
    };
    let (vendor, spec) = match parse_opening(app, &map) {
        Ok(parsed) => parsed,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid_field", message),
    };
    match open_parsed(app, tenant, vendor, &spec) {
        Ok(opened) => Response::json(StatusCode::CREATED, &account_out(app, tenant, &opened)),
        Err(resp) => *resp,
    }
}

/// Opens a checked account through its vendor (also a fixture file's accounts); the admin
/// error otherwise.
pub(crate) fn open_parsed(
    app: &App,
    tenant: &Tenant,
    vendor: &dyn Vendor,
    spec: &AccountSpec,
) -> Result<AccountView, Box<Response>> {
    let clock = |t| app.tenants.now(t);
    let trace = vendors::common::ids::Trace::new(&app.trace_ids, &app.ids);
    let ctx = Ctx {
        ledger: &app.ledger,
        clock: &clock,
        trace: &trace,
        ids: &app.ids,
        recorder: app.recorder(),
    };
    let _one_at_a_time = app.opening.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // A tenant deleted while this request waited must not get an account back.
    if app.tenants.get(tenant.id).is_none() {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown admin token",
        )));
    }
    match vendor.open_account(&ctx, tenant.id, spec) {
        Ok(opened) => Ok(opened.account),
        // The store refused the opening's changes: not the request's fault, retry later.
        Err(message)
            if message.contains(vendors::common::persist::UNSTORED)
                || app.store.as_ref().is_some_and(crate::store::Store::failing) =>
        {
            Err(Box::new(super::refuse(vendors::Refusal::Unavailable).with_reason(message)))
        }
        Err(message) => Err(Box::new(error(StatusCode::CONFLICT, "account_not_opened", message))),
    }
}

pub(crate) fn parse_status(given: &Value) -> Result<Status, String> {
    match given.as_str() {
        Some("active") => Ok(Status::Active),
        Some("frozen") => Ok(Status::Frozen),
        Some("closed") => Ok(Status::Closed),
        _ => Err("field status: one of active, frozen, closed".into()),
    }
}

/// `PATCH /__admin/accounts/{id}`: the whole request is checked, then status and limits are
/// set in one ledger step, so a refused request changes neither.
pub(super) fn patch(app: &App, tenant: &Tenant, id: &str, req: &Request) -> Response {
    let map = match body::object(req, &PATCH_KEYS) {
        Ok(map) => map,
        Err(resp) => return *resp,
    };
    let status = match map.get("status").map(parse_status).transpose() {
        Ok(status) => status,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid_field", message),
    };
    with_account(app, tenant, id, |view| {
        let limits = match map.get("limits").map(|given| merge_limits(view.limits.clone(), given)) {
            None => None,
            Some(Ok(limits)) => Some(limits),
            Some(Err(message)) => {
                return error(StatusCode::BAD_REQUEST, "invalid_field", message);
            }
        };
        let now = tenant.clock.now();
        match app.ledger.update_account(now, tenant.id, view.id, status, limits) {
            Ok(updated) => Response::json(StatusCode::OK, &account_out(app, tenant, &updated)),
            Err(e) => account_error(e),
        }
    })
}

pub(super) fn account_error(e: ledger::AccountError) -> Response {
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

pub(super) fn entries(app: &App, tenant: &Tenant, id: &str, req: &Request) -> Response {
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
