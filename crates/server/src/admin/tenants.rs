//! `/__admin/tenants…`: creating, listing and deleting tenants, with the operator's token only
//! (the default tenant's admin token).

use http::StatusCode;
use ledger::TenantId;
use serde_json::{Value, json};
use vendors::common::ids::random_seed;
use vendors::{Request, Response};

use super::accounts::account_error;
use super::{body, clock, error, timestamp};
use crate::App;
use crate::store::AdminRecord;
use crate::tenants::{DEFAULT_TENANT, Tenant};

/// The operator's refusal of anyone else, for `what` ("create tenants").
fn operator_only(caller: &Tenant, what: &str) -> Result<(), Box<Response>> {
    if caller.id == DEFAULT_TENANT {
        return Ok(());
    }
    let message = format!("only the operator token may {what}");
    Err(Box::new(error(StatusCode::FORBIDDEN, "forbidden", message)))
}

/// Deleting a tenant takes no field; a body, if sent, must say so.
fn no_fields(req: &Request) -> Result<(), Box<Response>> {
    body::object(req, &[]).map(|_| ())
}

/// The optional `seed` of a new tenant: a whole number from 0 to 2^64 − 1.
fn seed_field(req: &Request) -> Result<Option<u64>, Box<Response>> {
    let fields = body::object(req, &["seed"])?;
    match fields.get("seed") {
        None => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| {
            Box::new(error(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                format!(
                    "field seed: must be a whole number from 0 to 18446744073709551615, not {value}"
                ),
            ))
        }),
    }
}

pub(super) fn create(app: &App, caller: &Tenant, req: &Request) -> Response {
    let seed = match operator_only(caller, "create tenants").and_then(|()| seed_field(req)) {
        Ok(seed) => seed.unwrap_or_else(random_seed),
        Err(resp) => return *resp,
    };
    // The new tenant's id and admin token come from the operator's generator, so a replayed
    // script creates the same tenants (the token from its secret stream: see `common::ids`).
    let operator = app.ids.of(caller.id);
    let id = TenantId(operator.uuid());
    let admin_token = operator.secret("sbk_admin_");
    let created_at = crate::clock::system_now();
    let stored = app.record(AdminRecord::TenantCreated {
        tenant: id.0,
        admin_token: admin_token.clone(),
        seed,
        well_known: false,
        created_at_micros: created_at.as_unix_micros(),
    });
    if let Err(resp) = stored {
        return *resp;
    }
    let tenant = app.provision_tenant_at(id, admin_token, false, seed, created_at);
    Response::json(
        StatusCode::CREATED,
        &json!({
            "tenant_id": tenant.id.to_string(),
            "seed": tenant.seed,
            "admin_token": tenant.admin_token,
            "credentials": tenant.credentials,
        }),
    )
}

/// Every tenant, the default one first, then by creation; no secrets.
pub(super) fn list(app: &App, caller: &Tenant) -> Response {
    if let Err(resp) = operator_only(caller, "list tenants") {
        return *resp;
    }
    let mut tenants = app.tenants.all();
    tenants.sort_by_key(|t| (t.id != DEFAULT_TENANT, t.created_at, t.id));
    let tenants: Vec<Value> = tenants
        .iter()
        .map(|tenant| {
            json!({
                "tenant_id": tenant.id.to_string(),
                "default": tenant.id == DEFAULT_TENANT,
                "seed": tenant.seed,
                "created_at": timestamp(tenant.created_at),
                "clock": clock::clock_json(tenant),
                "accounts": app.ledger.accounts(tenant.clock.now(), tenant.id).len(),
            })
        })
        .collect();
    Response::json(StatusCode::OK, &json!({ "tenants": tenants }))
}

/// `DELETE /__admin/tenants/{id}`: erases the tenant's ledger state, every vendor's state and
/// credentials for it, and the tenant itself (admin token, clock, journal).
pub(super) fn delete(app: &App, caller: &Tenant, id: &str, req: &Request) -> Response {
    if let Err(resp) = operator_only(caller, "delete tenants").and_then(|()| no_fields(req)) {
        return *resp;
    }
    let not_found = || error(StatusCode::NOT_FOUND, "not_found", format!("tenant {id} not found"));
    let Ok(uuid) = uuid::Uuid::parse_str(id) else {
        return not_found();
    };
    let id = TenantId(uuid);
    if id == DEFAULT_TENANT {
        return error(
            StatusCode::CONFLICT,
            "conflict",
            "the default tenant holds the operator token and cannot be deleted",
        );
    }
    // Held throughout, so no admin opening (which re-checks its tenant under this lock) puts
    // an account back into a tenant being deleted.
    let _one_at_a_time = app.opening.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(tenant) = app.tenants.get(id) else {
        return not_found();
    };
    // The ledger's erase and the store are the only steps that can be refused, and they come
    // first: a refusal leaves the tenant as it was (a store that refuses the removal has
    // refused the erase before it).
    if let Err(e) = app.ledger.reset_tenant(tenant.clock.now(), id) {
        return account_error(e);
    }
    if let Err(resp) = app.record(AdminRecord::TenantRemoved { tenant: id.0 }) {
        return *resp;
    }
    for vendor in &app.vendors {
        vendor.remove_tenant(id);
    }
    app.ids.remove(id);
    app.tenants.remove(id);
    // Now, not when the last request holding the tenant ends: its rules stop counting at once.
    tenant.faults.clear();
    Response::empty(StatusCode::NO_CONTENT)
}

/// The header with which the operator's token acts as another tenant (the dashboard's tenant
/// picker): every admin call then reads and changes that tenant, as its own token would.
pub(super) const ACT_AS_HEADER: &str = "x-sandbank-tenant";

/// The tenant an admin call acts for: the token's own, or the one the operator named in
/// `X-Sandbank-Tenant`. Naming one with a tenant's own token, or a tenant that does not exist,
/// is refused as the token not granting the call (401, documented on every route).
pub(super) fn acting_as(
    app: &App,
    caller: std::sync::Arc<Tenant>,
    req: &Request,
) -> Result<std::sync::Arc<Tenant>, Box<Response>> {
    let Some(named) = req.headers.get(ACT_AS_HEADER) else {
        return Ok(caller);
    };
    let refuse =
        |message: String| Box::new(error(StatusCode::UNAUTHORIZED, "unauthorized", message));
    if caller.id != DEFAULT_TENANT {
        return Err(refuse(
            "X-Sandbank-Tenant: only the operator token may act as another tenant".into(),
        ));
    }
    let text = named.to_str().unwrap_or_default().trim();
    uuid::Uuid::parse_str(text)
        .ok()
        .and_then(|uuid| app.tenants.get(TenantId(uuid)))
        .ok_or_else(|| refuse(format!("X-Sandbank-Tenant: no tenant {text}")))
}
