//! The admin API (`/__admin/…`): tenants, accounts, the virtual clock, the request journal,
//! reset, health and the shipped specs. Specified in `specs/admin.yaml`; its DTOs are its own,
//! converted by hand from ledger types.
//!
//! Every call that changes something reads its whole request first (a strict JSON body with
//! only known fields, see `body.rs`) and is refused before anything changes.

pub(crate) mod accounts;
mod body;
pub(crate) mod clock;
pub(crate) mod faults;
pub(crate) mod specs;
mod tenants;
mod ui;

use http::{Method, StatusCode};
use ledger::Timestamp;
use serde_json::{Value, json};
use vendors::{Refusal, Request, Response};

use crate::App;
use crate::router::Dispatch;
use crate::store::AdminRecord;
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
        Refusal::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            vendors::common::persist::UNSTORED,
        ),
    }
}

/// One admin route: the method and path it serves (in `matchit` syntax) and what answers it.
pub(crate) struct AdminRoute {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    call: Call,
}

/// What answers an admin route.
#[derive(Clone, Copy)]
enum Call {
    /// Answered without a token (liveness).
    Open(fn(&App, &Request) -> Response),
    /// Answered for the tenant whose admin token the request carries.
    Tenant(fn(&App, &Tenant, &Request) -> Response),
}

/// The `{id}` a route's path captured; every route that reads it declares it.
fn id(req: &Request) -> &str {
    req.param("id").unwrap_or_default()
}

/// The admin API's route table, mounted by the server's router beside the vendors'. The paths
/// start with `ADMIN_BASE_PATH` (checked by a test).
pub(crate) static ROUTES: [AdminRoute; 22] = [
    AdminRoute {
        method: Method::GET,
        path: "/__admin/health",
        call: Call::Open(|_, _| Response::json(StatusCode::OK, &json!({ "status": "ok" }))),
    },
    // The dashboard's page and assets load without a token; the page asks for one.
    AdminRoute { method: Method::GET, path: "/__admin/ui", call: Call::Open(|_, _| ui::page()) },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/ui/{asset}",
        call: Call::Open(|_, req| ui::asset(req)),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/specs/{file}",
        call: Call::Open(|_, req| specs::get(req)),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/tenants",
        call: Call::Tenant(|app, tenant, _| tenants::list(app, tenant)),
    },
    AdminRoute {
        method: Method::POST,
        path: "/__admin/tenants",
        call: Call::Tenant(tenants::create),
    },
    AdminRoute {
        method: Method::DELETE,
        path: "/__admin/tenants/{id}",
        call: Call::Tenant(|app, tenant, req| tenants::delete(app, tenant, id(req), req)),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/accounts",
        call: Call::Tenant(accounts::list),
    },
    AdminRoute {
        method: Method::POST,
        path: "/__admin/accounts",
        call: Call::Tenant(accounts::open),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/accounts/{id}",
        call: Call::Tenant(|app, tenant, req| accounts::get(app, tenant, id(req))),
    },
    AdminRoute {
        method: Method::PATCH,
        path: "/__admin/accounts/{id}",
        call: Call::Tenant(|app, tenant, req| accounts::patch(app, tenant, id(req), req)),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/accounts/{id}/entries",
        call: Call::Tenant(|app, tenant, req| accounts::entries(app, tenant, id(req), req)),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/clock",
        call: Call::Tenant(|_, tenant, _| clock::get(tenant)),
    },
    AdminRoute { method: Method::POST, path: "/__admin/clock", call: Call::Tenant(clock::set) },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/requests",
        call: Call::Tenant(|_, tenant, req| requests(tenant, req)),
    },
    AdminRoute { method: Method::POST, path: "/__admin/reset", call: Call::Tenant(reset) },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/faults",
        call: Call::Tenant(|_, t, _| faults::list(t)),
    },
    AdminRoute {
        method: Method::POST,
        path: "/__admin/faults",
        call: Call::Tenant(faults::create),
    },
    AdminRoute {
        method: Method::DELETE,
        path: "/__admin/faults",
        call: Call::Tenant(faults::clear),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/faults/{id}",
        call: Call::Tenant(|_, tenant, req| faults::get(tenant, id(req))),
    },
    AdminRoute {
        method: Method::DELETE,
        path: "/__admin/faults/{id}",
        call: Call::Tenant(|app, tenant, req| faults::delete(app, tenant, id(req))),
    },
    AdminRoute {
        method: Method::GET,
        path: "/__admin/vendors/{vendor}/errors",
        call: Call::Tenant(|app, _, req| {
            faults::catalogue(app, req.param("vendor").unwrap_or_default())
        }),
    },
];

/// Answers one admin request, resolved by the server's router. A liveness route answers
/// without a token; every other answer, a wrong method or an unknown path included, needs a
/// valid admin token first, so a caller without one learns nothing of the API's shape.
pub(crate) fn handle(app: &App, dispatch: Dispatch, req: &Request) -> Response {
    let call = match dispatch {
        Dispatch::Route(idx) | Dispatch::WrongMethod(idx) => ROUTES.get(idx).map(|r| r.call),
        Dispatch::NoRoute => None,
    };
    match (dispatch, call) {
        (Dispatch::Route(_), Some(Call::Open(open))) => return open(app, req),
        (Dispatch::WrongMethod(_), Some(Call::Open(_))) => {
            return refuse(Refusal::MethodNotAllowed);
        }
        _ => {}
    }
    let Some(token) = vendors::common::auth::bearer(&req.headers) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "missing admin bearer token");
    };
    let Some(tenant) = app.tenants.by_admin_token(token) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "unknown admin token");
    };
    let tenant = match tenants::acting_as(app, tenant, req) {
        Ok(tenant) => tenant,
        Err(resp) => return *resp,
    };
    let resp = match (dispatch, call) {
        (Dispatch::Route(_), Some(Call::Tenant(answer))) => answer(app, &tenant, req),
        (Dispatch::WrongMethod(_), _) => refuse(Refusal::MethodNotAllowed),
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
                "fault": e.fault.as_ref().map(|f| json!({
                    "rule_id": f.rule_id,
                    "name": f.name,
                    "phase": f.phase,
                    "action": f.action,
                })),
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
    // After the ledger's own event: a store that refuses this has refused that first.
    if let Err(resp) = app.record(AdminRecord::TenantReset { tenant: tenant.id.0 }) {
        return *resp;
    }
    for vendor in &app.vendors {
        vendor.reset_tenant(tenant.id);
    }
    tenant.journal.clear();
    tenant.clock.reset();
    tenant.faults.clear();
    Response::json(StatusCode::OK, &json!({ "reset": true }))
}
