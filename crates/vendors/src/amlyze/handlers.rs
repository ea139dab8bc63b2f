//! The operations, one function each, as the route table names them: register a balance
//! (single, batch, validate-only batch), register an account and a customer, answer an unknown
//! path; plus the refusals the server finds before an operation runs. Each request is parsed in
//! full before the tenant's state is locked, and changes it only after every check passed.

pub(crate) mod account;
pub(crate) mod batch;

use http::StatusCode;
use ledger::{TenantId, Timestamp};

use super::errors::{self, Failure, Rejection};
use super::parse::{self, BalanceCommand};
use super::state::{
    BalanceSnapshot, Customer, Record, Snapshot, TenantSlot, TenantState, Tenants, save,
};
use super::wire::{self, AccountBalanceApi, AmlyzeAccountApi, AmlyzeCustomerApi};
use super::{ROUTES, auth::AuthProblem};
use crate::{Ctx, Refusal, Request, Response};

/// An authenticated request and what every operation works with.
pub(crate) struct Call<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) tenant: TenantId,
    pub(crate) slot: &'a TenantSlot,
    /// The tenant's clock, read once per request.
    pub(crate) now: Timestamp,
    pub(crate) req: &'a Request,
}

/// `PUT /amlyze-ws-rest/account-balance` (`registerAccountBalance`).
pub(crate) fn register_balance(call: &Call<'_>) -> Result<Response, Failure> {
    let body: AccountBalanceApi<'_> = parse::body::read(call.req, "AccountBalanceApi")?;
    let command = parse::balance(&body)?;
    let mut state = call.slot.lock();
    check_balance(&state, &command)?;
    save(call, || Record::Balances { at: call.now, items: vec![Snapshot::of(&command)] })?;
    store_balance(&mut state, &command, call.now);
    Ok(wire::accepted())
}

/// `POST /amlyze-ws-rest/batch-account-balances` (`registerBatchAccountBalances`): every
/// accepted item is stored.
pub(crate) fn register_batch(call: &Call<'_>) -> Result<Response, Failure> {
    batch::answer(call, true)
}

/// `POST /amlyze-ws-rest/validate-batch-account-balances` (`validateBatchAccountBalances`): the
/// same checks, nothing stored.
pub(crate) fn validate_batch(call: &Call<'_>) -> Result<Response, Failure> {
    batch::answer(call, false)
}

/// `POST /amlyze-ws-rest/account` (`postAccount`): see [`account::register`].
pub(crate) fn register_account(call: &Call<'_>) -> Result<Response, Failure> {
    let body: AmlyzeAccountApi<'_> = parse::body::read(call.req, "AmlyzeAccountApi")?;
    let command = parse::account(&body)?;
    account::register(call, &command)?;
    Ok(wire::accepted())
}

/// `POST /amlyze-ws-rest/customer` (`postCustomer_1`): registers or replaces a customer.
pub(crate) fn register_customer(call: &Call<'_>) -> Result<Response, Failure> {
    let body: AmlyzeCustomerApi<'_> = parse::body::read(call.req, "AmlyzeCustomerApi")?;
    let command = parse::customer(&body)?;
    let mut state = call.slot.lock();
    if state.communication_used(command.communication_number) {
        return Err(errors::rejected(
            Rejection::CustomerCommunicationNumberUsed,
            format!(
                "field communicationNumber: {:?} was already used by an accepted request",
                command.communication_number
            ),
        ));
    }
    if !state.can_upsert_customer(command.business_unit, command.customer_ext_id) {
        return Err(errors::internal(format!(
            "limit: tenant already has {} customers",
            super::state::CUSTOMERS_MAX
        )));
    }
    save(call, || Record::Customer {
        at: call.now,
        unit: command.business_unit.into(),
        ext_id: command.customer_ext_id.into(),
        entity_type: command.entity_type.map(|kind| kind.as_str().into()),
        communication_number: command.communication_number.into(),
    })?;
    let customer = Customer { entity_type: command.entity_type, registered_at: call.now };
    state.upsert_customer(command.business_unit, command.customer_ext_id, customer);
    state.remember_communication(command.communication_number);
    Ok(wire::accepted())
}

/// Any other path under `/amlyze-ws-rest/` (`notFound`).
pub(crate) fn not_found(call: &Call<'_>) -> Result<Response, Failure> {
    Err(unknown_path(call.req))
}

/// The catalogue entry `name` as AMLYZE answers it to `req` (a fault rule's answer): Spring's
/// bodies show the request path and, as `timestamp`, `tenant`'s clock now; without a tenant,
/// the time a refusal would show (the time last seen on any tenant's clock).
pub(crate) fn catalogued(
    tenants: &Tenants,
    ctx: &Ctx<'_>,
    name: &str,
    req: &Request,
    tenant: Option<TenantId>,
) -> Option<Response> {
    let error = errors::catalogued(name)?;
    let now = tenant.map_or_else(|| tenants.refusal_time(None), |tenant| ctx.now(tenant));
    let failure = Failure::catalogued(error, name, tenant);
    Some(failure.into_response(errors::Scene { path: &req.path, now }))
}

/// What the server refused before an operation ran, as AMLYZE answers it; `tenant` is the
/// bearer token's tenant, if it names one.
pub(crate) fn refused(
    refusal: Refusal,
    req: &Request,
    tenant: Result<TenantId, AuthProblem>,
) -> Failure {
    match (refusal, tenant) {
        // Spring Security answers before Spring MVC finds the method wrong.
        (Refusal::MethodNotAllowed, Err(problem)) => errors::unauthorized(problem.reason()),
        (Refusal::MethodNotAllowed, Ok(_)) => unknown_path(req),
        (Refusal::PayloadTooLarge { limit_bytes }, _) => errors::spring(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body: larger than {limit_bytes} bytes"),
        ),
        (Refusal::BodyTimeout, _) => {
            errors::spring(StatusCode::REQUEST_TIMEOUT, "body: not received in time")
        }
        (Refusal::Internal, _) => errors::internal("internal: the handler failed"),
        (Refusal::Unavailable, _) => errors::internal(crate::common::persist::UNSTORED),
    }
}

/// Spring's 404 for a path AMLYZE does not serve, or its 405 (with `Allow`) when the path
/// exists with another method.
fn unknown_path(req: &Request) -> Failure {
    let allowed: Vec<&str> = ROUTES
        .iter()
        .filter(|route| route.path == req.path && !route.path.contains('{'))
        .map(|route| route.method.as_str())
        .collect();
    if allowed.is_empty() {
        errors::spring(StatusCode::NOT_FOUND, format!("route: no AMLYZE endpoint {}", req.path))
    } else {
        errors::method_not_allowed(
            allowed.join(", "),
            format!("route: {} takes {}, not {}", req.path, allowed.join(", "), req.method),
        )
    }
}

/// The checks a balance passes against the state: an unused `communicationNumber`, then an
/// account registered under that `accountExtId` in that business unit.
fn check_balance(state: &TenantState, command: &BalanceCommand<'_>) -> Result<(), Failure> {
    if state.communication_used(command.communication_number) {
        return Err(communication_number_used(command.communication_number));
    }
    if state.account(command.business_unit, command.account_ext_id).is_none() {
        return Err(errors::rejected(
            Rejection::AccountNotFound,
            format!(
                "field accountExtId: no account {:?} in business unit {:?}",
                command.account_ext_id, command.business_unit
            ),
        ));
    }
    Ok(())
}

fn communication_number_used(number: &str) -> Failure {
    errors::rejected(
        Rejection::CommunicationNumberUsed,
        format!("field communicationNumber: {number:?} was already used by an accepted request"),
    )
}

/// Stores a checked balance as a snapshot; it never posts to the ledger.
pub(crate) fn store_balance(state: &mut TenantState, command: &BalanceCommand<'_>, now: Timestamp) {
    let snapshot = BalanceSnapshot {
        balance_at: command.balance_at,
        balance_at_text: command.balance_at_text.into(),
        value: command.value,
        equivalent_value: command.equivalent_value,
        communication_number: command.communication_number.into(),
        requester: command.requester.into(),
        registered_at: now,
    };
    if let Some(account) = state.account_mut(command.business_unit, command.account_ext_id) {
        account.record(command.balance_type, snapshot);
    }
    state.remember_communication(command.communication_number);
}
