//! One function per Clowd9 operation, each what its route in `mod.rs` points at: parse the
//! request into a typed command, apply it to the ledger, write the answer or the failure.
//!
//! API handlers get the tenant of the request's access token (checked once, before them) and
//! render their own failures: the seed's call in its own unsuccessful body, the rest in
//! `rpcStatus`.

mod admin;
mod reads;

use ledger::{AccountChange, Direction, Party, TenantId, Transfer};
use rust_decimal::Decimal;
use uuid::Uuid;

pub(super) use self::admin::open_account;
pub(super) use self::reads::{get_account, get_account_balance, get_ledger_entries_for_account};
use super::Clowd9;
use super::errors::{self, Clowd9Error, Failure, Scene};
use super::parse;
use super::state::AccountEntry;
use super::wire::{self, UpdateAccountBalanceRequest};
use crate::common::explain::{self, Refused, Units};
use crate::{Ctx, Request, Response};

/// The seed's "Update Account Balance" route, whose 400s show the seed's own body.
const SEED_PATH: &str = "/v1/accounts/balance";

/// The request field whose value keys a change's idempotency.
const KEY_FIELD: &str = "reference_id";

/// An amount as integer minor units of its currency (exact: balances never have more decimals
/// than the currency allows, and `i128` holds any ledger balance).
fn minor(amount: Decimal, currency: ledger::Currency) -> i128 {
    let mut scaled = amount;
    scaled.rescale(currency.exponent());
    scaled.mantissa()
}

/// An S1 operation's outcome, failures in `rpcStatus`.
fn rpc(res: Result<Response, Failure>) -> Response {
    res.unwrap_or_else(|failure| failure.into_response(Scene::Rpc))
}

/// The catalogue entry `name` as `req`'s route answers it (a fault rule's answer): on the seed's
/// call a 400 shows the seed's body, echoing `account_id` as sent and the trace id; the server's
/// refusals of a body, every other status and every other operation show `rpcStatus`.
pub(super) fn catalogued(
    ctx: &Ctx<'_>,
    name: &str,
    req: &Request,
    tenant: Option<TenantId>,
) -> Option<Response> {
    let error = errors::catalogued(name)?;
    let failure = Failure::catalogued(error, name, tenant);
    // The server refuses an oversized or late body before the handler runs, in `rpcStatus`.
    let refused_by_server = matches!(error, Clowd9Error::BodyTooLarge | Clowd9Error::BodyTimeout);
    let seed_call = req.method == http::Method::POST && req.path == SEED_PATH;
    if refused_by_server || !seed_call {
        return Some(failure.into_response(Scene::Rpc));
    }
    let trace_id = ctx.trace_id(tenant);
    let body: Result<UpdateAccountBalanceRequest<'_>, Failure> = parse::body(req);
    let account_id = body.as_ref().map_or("", parse::echoed_account_id);
    Some(failure.into_response(Scene::Seed { account_id, trace_id }))
}

/// `POST /v1/auth`: key and secret for an access and a refresh token.
pub(super) fn authenticate_api(clowd9: &Clowd9, ctx: &Ctx<'_>, req: &Request) -> Response {
    let res = parse::body(req).and_then(|body: wire::AuthenticateApiRequest<'_>| {
        let (key, secret) = parse::credentials(&body)?;
        clowd9.auth.login(ctx, key, secret)
    });
    rpc(res.map(|issued| wire::issued(ctx, &issued)))
}

/// `POST /v1/auth/refresh`: the refresh token as bearer for a new access token, issued only
/// once the body is read too.
pub(super) fn refresh_token(clowd9: &Clowd9, ctx: &Ctx<'_>, req: &Request) -> Response {
    let res = clowd9.auth.refresh_grant(ctx, req).and_then(|(token, grant)| {
        parse::refresh_body(req).map_err(|failure| failure.for_tenant(grant.tenant))?;
        Ok(wire::issued(ctx, &clowd9.auth.renew(ctx, token, &grant)?))
    });
    rpc(res)
}

/// The seed's "Update Account Balance", the hot path: one index read, one ledger call.
pub(super) fn update_account_balance(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    let trace_id = ctx.trace_id(Some(tenant));
    let body: UpdateAccountBalanceRequest<'_> = match parse::body(req) {
        Ok(body) => body,
        Err(failure) => return failure.into_response(Scene::Seed { account_id: "", trace_id }),
    };
    let account_id = parse::echoed_account_id(&body);
    apply_update(clowd9, ctx, tenant, &body, req)
        .unwrap_or_else(|failure| failure.into_response(Scene::Seed { account_id, trace_id }))
}

fn apply_update(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &UpdateAccountBalanceRequest<'_>,
    req: &Request,
) -> Result<Response, Failure> {
    let command = parse::update(body)?;
    let account = account(clowd9, tenant, command.account_id)?;
    let direction = command.direction;
    let applied = apply(ctx, tenant, command.into_transfer(tenant, account, &clowd9.namespace))?;
    let change = side(applied.receipt(), direction)?;
    let previous = minor(change.before.posted, account.currency);
    let new = minor(change.after.posted, account.currency);
    let as_example = wire::spelled_as_example(req);
    let account_id = parse::echoed_account_id(body);
    Ok(wire::updated(account_id, previous, new, ctx.trace_id(Some(tenant)), as_example))
}

/// Applies `transfer`; a refusal becomes the Clowd9 error with the figures behind it.
fn apply(ctx: &Ctx<'_>, tenant: TenantId, transfer: Transfer) -> Result<ledger::Applied, Failure> {
    let refused = Refused::of(&transfer).keyed_by(KEY_FIELD);
    ctx.ledger.transfer(ctx.now(tenant), transfer).map_err(|err| {
        let reason = explain::refusal(ctx, tenant, &err, &refused, Units::Minor);
        Failure::ledger(&err, reason)
    })
}

/// The change to `direction`'s side of a receipt: our account's before and after.
fn side(receipt: &ledger::Receipt, direction: Direction) -> Result<AccountChange, Failure> {
    let side = match direction {
        Direction::Credit => receipt.credit,
        Direction::Debit => receipt.debit,
    };
    side.ok_or_else(|| {
        Failure::new(Clowd9Error::Internal, "internal: receipt lacks the account's side")
    })
}

/// `POST /v1/accounts/{account_id}/increase`.
pub(super) fn increase_account_balance(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    rpc(change_balance(clowd9, ctx, tenant, req, |account_id| {
        parse::increase_or_decrease(account_id, &parse::body(req)?, Direction::Credit)
    }))
}

/// `POST /v1/accounts/{account_id}/decrease`.
pub(super) fn decrease_account_balance(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    rpc(change_balance(clowd9, ctx, tenant, req, |account_id| {
        parse::increase_or_decrease(account_id, &parse::body(req)?, Direction::Debit)
    }))
}

/// `POST /v1/accounts/{account_id}/correct`.
pub(super) fn correct_account_balance(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    rpc(change_balance(clowd9, ctx, tenant, req, |account_id| {
        parse::correct(account_id, &parse::body(req)?)
    }))
}

/// Increase, decrease and correct: the path's account, the body `command` parses.
fn change_balance(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
    command: impl FnOnce(Uuid) -> Result<parse::BalanceCommand, Failure>,
) -> Result<Response, Failure> {
    let account_id = parse::uuid(req.param("account_id").unwrap_or_default(), "account_id")?;
    let command = command(account_id)?;
    let account = account(clowd9, tenant, account_id)?;
    let direction = command.direction;
    let applied = apply(ctx, tenant, command.into_transfer(tenant, account, &clowd9.namespace))?;
    let change = side(applied.receipt(), direction)?;
    let currency = account.currency;
    Ok(wire::balance_changed(
        [
            change.before.posted,
            change.after.posted,
            change.before.available,
            change.after.available,
        ]
        .map(|amount| minor(amount, currency)),
        ctx.trace_id(Some(tenant)),
    ))
}

/// `POST /v1/accounts/transfer`.
pub(super) fn transfer_from_account_to_account(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    rpc(transfer(clowd9, ctx, tenant, req))
}

fn transfer(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let command = parse::transfer(&parse::body(req)?)?;
    let source = transfer_account(clowd9, tenant, command.source, "source_account_id")?;
    let destination =
        transfer_account(clowd9, tenant, command.destination, "destination_account_id")?;
    let mut transfer = Transfer::between(
        tenant,
        Party::Account(source.id),
        Party::Account(destination.id),
        source.currency.from_minor(command.amount_minor),
        source.currency,
    )
    .with_metadata(command.metadata);
    if let Some(key) = command.key {
        transfer = transfer.with_key(ledger::IdempotencyKey::new(clowd9.namespace.clone(), key));
    }
    apply(ctx, tenant, transfer)?;
    Ok(wire::transferred(ctx.trace_id(Some(tenant))))
}

/// The tenant's account `account_id`, or `account not found`.
fn account(clowd9: &Clowd9, tenant: TenantId, account_id: Uuid) -> Result<AccountEntry, Failure> {
    clowd9.accounts.get(tenant, account_id).ok_or_else(|| {
        Failure::new(
            Clowd9Error::AccountNotFound,
            format!("account {account_id}: no such account for this client"),
        )
    })
}

/// A transfer's account: an id that is no UUID (`None`) is as unknown as any other.
fn transfer_account(
    clowd9: &Clowd9,
    tenant: TenantId,
    account_id: Option<Uuid>,
    field: &'static str,
) -> Result<AccountEntry, Failure> {
    match account_id {
        Some(account_id) => account(clowd9, tenant, account_id),
        None => Err(Failure::new(
            Clowd9Error::AccountNotFound,
            format!("field {field}: not a UUID, so no account of this client"),
        )),
    }
}
