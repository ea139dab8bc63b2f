//! The admin API (`/__admin/…`): tenants, accounts, the virtual clock, the request journal,
//! reset and health. Specified in `specs/admin.yaml`; its DTOs are its own, converted by hand
//! from ledger types.
//!
//! Every call that changes something reads its whole request first (a strict JSON body with
//! only known fields, see `body.rs`) and is refused before anything changes.

mod accounts;
mod body;
mod clock;
mod tenants;

use http::{Method, StatusCode};
use ledger::Timestamp;
use serde_json::{Value, json};
use vendors::{Refusal, Request, Response};

use crate::App;
use crate::tenants::Tenant;

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
        (&Method::GET, ["tenants"]) => tenants::list(app, &tenant),
        (&Method::POST, ["tenants"]) => tenants::create(app, &tenant, req),
        (&Method::DELETE, ["tenants", id]) => tenants::delete(app, &tenant, id, req),
        (&Method::GET, ["accounts"]) => accounts::list(app, &tenant, req),
        (&Method::POST, ["accounts"]) => accounts::open(app, &tenant, req),
        (&Method::GET, ["accounts", id]) => accounts::get(app, &tenant, id),
        (&Method::PATCH, ["accounts", id]) => accounts::patch(app, &tenant, id, req),
        (&Method::GET, ["accounts", id, "entries"]) => accounts::entries(app, &tenant, id, req),
        (&Method::GET, ["clock"]) => clock::get(&tenant),
        (&Method::POST, ["clock"]) => clock::set(&tenant, req),
        (&Method::GET, ["requests"]) => requests(&tenant, req),
        (&Method::POST, ["reset"]) => reset(app, &tenant, req),
        (_, ["tenants" | "accounts" | "clock" | "requests" | "reset"])
        | (_, ["tenants", _] | ["accounts", _] | ["accounts", _, "entries"]) => {
            refuse(Refusal::MethodNotAllowed)
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no admin route {} {}", req.method, req.path),
        ),
    };
    resp.with_tenant(tenant.id)
}

/// An instant as RFC 3339 text (UTC).
fn timestamp(at: Timestamp) -> String {
    jiff::Timestamp::from_microsecond(at.as_unix_micros())
        .map_or_else(|_| at.as_unix_micros().to_string(), |t| t.to_string())
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

/// `POST /__admin/reset`: the ledger's erase (the one step that can be refused) first.
fn reset(app: &App, tenant: &Tenant, req: &Request) -> Response {
    if let Err(resp) = body::object(req, &[]) {
        return *resp;
    }
    if let Err(e) = app.ledger.reset_tenant(tenant.clock.now(), tenant.id) {
        return accounts::account_error(e);
    }
    for vendor in &app.vendors {
        vendor.reset_tenant(tenant.id);
    }
    tenant.journal.clear();
    tenant.clock.reset();
    Response::json(StatusCode::OK, &json!({ "reset": true }))
}
