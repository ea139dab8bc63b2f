//! One function per operation: the Processor API's one route, which picks the call named by
//! `?call=` from its table of calls, and each call from its parameters to its answer.

use ledger::{AccountId, IdempotencyKey, Metadata, Status, TenantId, Transfer, TransferId};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::common::explain::{self, Refused, Units};
use crate::pcaasa::Pcaasa;
use crate::pcaasa::auth::SESSION_IDLE;
use crate::pcaasa::errors::{Failure, PcaasaError, Stage};
use crate::pcaasa::parse::{self, Adjust, Call, body};
use crate::pcaasa::wire::{self, Echo};
use crate::{Ctx, Request, Response};

/// What a call's handler is: the vendor, the context, the request and its body's parameters
/// (as the text of one JSON object) to an answer.
type CallHandler = fn(&Pcaasa, &Ctx<'_>, &Request, &[u8]) -> Response;

/// Every call this mock serves, with its handler: the one place a call's name meets its code.
static CALLS: [(Call, CallHandler); 3] = [
    (Call::SessionCreate, session_create),
    (Call::AccountBalanceAdjust, account_balance_adjust),
    (Call::AccountBalanceGet, account_balance_get),
];

/// The log description of an adjustment sent without `tranCode` or `description`.
const DESCRIPTION_DEFAULT: &str = "Balance Adjustment";

/// `POST /?call=<name>`: the call's handler, found once by its name, on the decoded body.
pub(super) fn processor_api_call(vendor: &Pcaasa, ctx: &Ctx<'_>, req: &Request) -> Response {
    let Some(name) = parse::call_param(req) else {
        return Failure::from(PcaasaError::CallMissing).into_response(Echo::new(None, None));
    };
    let Some(&(call, handle)) = CALLS.iter().find(|(call, _)| call.name() == name) else {
        let shown: String = name.chars().take(64).collect();
        let failure = Failure::from(PcaasaError::CallUnknown { call: shown.clone() });
        return failure.into_response(Echo::new(Some(&shown), None));
    };
    match body::decode(req) {
        Ok(params) => handle(vendor, ctx, req, &params),
        Err(err) => Failure::from(err).into_response(Echo::new(Some(call.name()), None)),
    }
}

/// `error` as this route answers it to `req`, echoing what the handler has read of `req` by the
/// time it finds such an error ([`Stage`]), with `reason`, for `tenant`: a fault rule's answer.
/// A missing or unknown call's error names the request's own call, as the handler's does.
pub(super) fn render_as_handler(
    req: &Request,
    error: PcaasaError,
    reason: String,
    tenant: Option<TenantId>,
) -> Response {
    let served = parse::call(req).map(Call::name);
    let answer = |error: PcaasaError, echo: Echo<'_>| {
        Failure { error, reason: reason.clone(), tenant }.into_response(echo)
    };
    match error.stage() {
        Stage::Routing => match parse::call_param(req) {
            None => answer(PcaasaError::CallMissing, Echo::new(None, None)),
            Some(name) => {
                let shown: String = name.chars().take(64).collect();
                let echo = Echo::new(Some(&shown), None);
                answer(PcaasaError::CallUnknown { call: shown.clone() }, echo)
            }
        },
        Stage::Unread => answer(error, Echo::new(served, None)),
        // The body is read only for a call the mock serves, as the handler reads it.
        Stage::Read => match served {
            None => answer(error, Echo::new(None, None)),
            Some(call) => parse::carried(req, |carried| {
                let tracked = carried.and_then(|carried| parse::echo(&carried.external_tran_uuid));
                answer(error, Echo::new(Some(call), tracked))
            }),
        },
    }
}

/// `session-create-v1`: a new session for the tenant whose `apiKey` is sent.
fn session_create(vendor: &Pcaasa, ctx: &Ctx<'_>, req: &Request, params: &[u8]) -> Response {
    let call = Call::SessionCreate;
    let wire: wire::SessionCreateRequest<'_> = match body::into_wire(params) {
        Ok(wire) => wire,
        Err(err) => return Failure::from(err).into_response(Echo::new(Some(call.name()), None)),
    };
    let echo = Echo::new(Some(call.name()), parse::echo(&wire.external_tran_uuid));
    create_session(vendor, ctx, req, &wire, echo).unwrap_or_else(|f| f.into_response(echo))
}

fn create_session(
    vendor: &Pcaasa,
    ctx: &Ctx<'_>,
    req: &Request,
    wire: &wire::SessionCreateRequest<'_>,
    echo: Echo<'_>,
) -> Result<Response, Failure> {
    let call = Call::SessionCreate;
    parse::routing(call, &wire.app, &wire.object, &wire.action, &wire.version)?;
    let api_key = parse::api_key(&wire.api_key, req.query_param("apiKey").as_deref())?;
    let tenant = vendor.keys.tenant(api_key).ok_or(PcaasaError::ApiKeyInvalid)?;
    parse::session_create(wire).map_err(|e| Failure::from(e).for_tenant(tenant))?;
    let session = vendor
        .sessions
        .create(ctx, tenant)
        .map_err(|err| crate::pcaasa::auth::unavailable(&err).for_tenant(tenant))?;
    let data = wire::SessionCreateData {
        session_uuid: session.to_string(),
        session_timeout_seconds: SESSION_IDLE.as_secs(),
    };
    Ok(wire::success(echo, &data).with_tenant(tenant))
}

/// `account-balance-adjust-v1`: the signed amount credited to or debited from the account.
fn account_balance_adjust(vendor: &Pcaasa, ctx: &Ctx<'_>, _: &Request, params: &[u8]) -> Response {
    let call = Call::AccountBalanceAdjust;
    let wire: wire::AccountBalanceAdjustRequest<'_> = match body::into_wire(params) {
        Ok(wire) => wire,
        Err(err) => return Failure::from(err).into_response(Echo::new(Some(call.name()), None)),
    };
    let tracked = parse::tracking(&wire.external_tran_uuid);
    let echo = Echo::new(Some(call.name()), tracked.map(|(text, _)| text));
    let tracked = tracked.map(|(_, id)| id);
    adjust(vendor, ctx, &wire, tracked, echo).unwrap_or_else(|failure| failure.into_response(echo))
}

fn adjust(
    vendor: &Pcaasa,
    ctx: &Ctx<'_>,
    wire: &wire::AccountBalanceAdjustRequest<'_>,
    tracked: Option<Uuid>,
    echo: Echo<'_>,
) -> Result<Response, Failure> {
    let call = Call::AccountBalanceAdjust;
    parse::routing(call, &wire.app, &wire.object, &wire.action, &wire.version)?;
    let session = parse::session_uuid(&wire.session_uuid)?;
    let tenant = vendor.sessions.authenticate(session, ctx)?;
    let failed = |err: PcaasaError| Failure::from(err).for_tenant(tenant);
    let cmd = parse::adjust(wire, tracked).map_err(failed)?;
    let (account, account_uuid) = vendor.accounts.resolve(tenant, &cmd.target).map_err(failed)?;
    let description = match (cmd.description, cmd.tran_code) {
        (Some(text), _) => wire::Description::Sent(text),
        (None, Some(code)) => wire::Description::Ours(code.meaning()),
        (None, None) => wire::Description::Ours(DESCRIPTION_DEFAULT),
    };
    let transfer = transfer(vendor, tenant, account, call, &cmd, description.text());
    let refused = Refused::of(&transfer).keyed_by("externalTranUuid");
    let now = ctx.now(tenant);
    let applied = ctx.ledger.transfer(now, transfer).map_err(|err| {
        let reason = explain::refusal(ctx, tenant, &err, &refused, Units::Major);
        Failure::ledger(&err, reason).for_tenant(tenant)
    })?;
    let receipt = applied.receipt();
    let change =
        receipt.credit.or(receipt.debit).ok_or_else(|| failed(PcaasaError::SystemError))?;
    let data = wire::AccountBalanceAdjustData {
        account_uuid,
        transaction_uuid: transaction_uuid(tenant, receipt.id),
        tran_code: cmd.tran_code.map(parse::TranCode::as_str),
        description,
        amount: wire::Money::new(vendor.usd, cmd.amount),
        available_balance: wire::Money::new(vendor.usd, change.after.available),
        current_balance: wire::Money::new(vendor.usd, change.after.posted),
    };
    Ok(wire::adjusted(echo, &data).with_tenant(tenant))
}

/// The ledger command for an adjustment: a credit for a positive amount, a debit of the
/// absolute value for a negative one, keyed by `externalTranUuid` when sent.
fn transfer(
    vendor: &Pcaasa,
    tenant: TenantId,
    account: AccountId,
    call: Call,
    cmd: &Adjust<'_>,
    description: &str,
) -> Transfer {
    let mut buffer = Uuid::encode_buffer();
    let external = cmd.external_tran_uuid.map(|id| &*id.hyphenated().encode_lower(&mut buffer));
    // Whole arrays in key order: the text is sized once and each pair appended.
    let (call, description) = (("call", call.name()), ("description", description));
    let metadata = match (external, cmd.tran_code.map(parse::TranCode::as_str)) {
        (Some(external), Some(code)) => {
            Metadata::from([call, description, ("externalTranUuid", external), ("tranCode", code)])
        }
        (Some(external), None) => {
            Metadata::from([call, description, ("externalTranUuid", external)])
        }
        (None, Some(code)) => Metadata::from([call, description, ("tranCode", code)]),
        (None, None) => Metadata::from([call, description]),
    };
    let size = cmd.amount.abs();
    let transfer = if cmd.amount.is_sign_positive() {
        Transfer::credit(tenant, account, size, vendor.usd)
    } else {
        Transfer::debit(tenant, account, size, vendor.usd)
    };
    let transfer = transfer.with_metadata(metadata);
    match external {
        Some(external) => {
            transfer.with_key(IdempotencyKey::new(vendor.namespace.clone(), external))
        }
        None => transfer,
    }
}

/// `account-balance-get-v1`: the account's balances and status.
fn account_balance_get(vendor: &Pcaasa, ctx: &Ctx<'_>, _: &Request, params: &[u8]) -> Response {
    let call = Call::AccountBalanceGet;
    let wire: wire::AccountBalanceGetRequest<'_> = match body::into_wire(params) {
        Ok(wire) => wire,
        Err(err) => return Failure::from(err).into_response(Echo::new(Some(call.name()), None)),
    };
    let echo = Echo::new(Some(call.name()), parse::echo(&wire.external_tran_uuid));
    balance_get(vendor, ctx, &wire, echo).unwrap_or_else(|failure| failure.into_response(echo))
}

fn balance_get(
    vendor: &Pcaasa,
    ctx: &Ctx<'_>,
    wire: &wire::AccountBalanceGetRequest<'_>,
    echo: Echo<'_>,
) -> Result<Response, Failure> {
    let call = Call::AccountBalanceGet;
    parse::routing(call, &wire.app, &wire.object, &wire.action, &wire.version)?;
    let session = parse::session_uuid(&wire.session_uuid)?;
    let tenant = vendor.sessions.authenticate(session, ctx)?;
    let failed = |err: PcaasaError| Failure::from(err).for_tenant(tenant);
    let cmd = parse::balance_get(wire).map_err(failed)?;
    let (account, account_uuid) = vendor.accounts.resolve(tenant, &cmd.target).map_err(failed)?;
    let view = ctx
        .ledger
        .account(ctx.now(tenant), tenant, account)
        .ok_or_else(|| failed(PcaasaError::AccountNotFound { field: "accountUuid" }))?;
    let (balances, usd) = (view.balances, vendor.usd);
    let data = wire::AccountBalanceGetData {
        account_uuid: account_uuid.to_string(),
        account_status: match view.status {
            Status::Active => "Open",
            Status::Frozen => "Blocked",
            Status::Closed => "Closed",
        },
        available_balance: usd.format(balances.available),
        current_balance: usd.format(balances.posted),
        pending_balance: usd.format(balances.posted - balances.available),
        credit_line: usd.format(if view.limits.balance_min < Decimal::ZERO {
            -view.limits.balance_min
        } else {
            Decimal::ZERO
        }),
    };
    Ok(wire::success(echo, &data).with_tenant(tenant))
}

/// A transaction's uuid, derived from its tenant and ledger id so a replay answers the same
/// one; shaped as a v4 uuid like every PCaaSA uuid. The first half is a bijection of the id for
/// a given tenant, so two adjustments of one tenant differ in at least one of its 60 free bits.
fn transaction_uuid(tenant: TenantId, id: TransferId) -> Uuid {
    let (high, low) = tenant.0.as_u64_pair();
    let first = mix(high ^ mix(id.0 ^ 0x7063_6161_7361_7478));
    let second = mix(low ^ mix(id.0 ^ 0x7472_616e_7361_6374) ^ first);
    let bytes = ((u128::from(first) << 64) | u128::from(second)).to_be_bytes();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// SplitMix64's finalizer: a bijection of `u64` in which every input bit moves about half the
/// output bits (a hash's cost would be most of the write's).
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
