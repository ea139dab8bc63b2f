//! PCaaSA Processor API: `account-balance-adjust-v1` on the shared ledger, with the session and
//! balance-read calls a client needs around it.
//!
//! # Source
//!
//! docs.pcaasa.com reference pages (readme.io): *Account Balance Adjust V1* (seed
//! `004_48b4bcdb2343ed42`), whose copy drops the parameter names, reconstructed from sibling
//! pages (`account-update-v1`, `account-status-update-v1`, `payment-instrument-status-update-v1`,
//! …). Facts and their confidence: `shared/vendors/pcaasa.md`. Base URL in PCaaSA's UAT:
//! `https://processor-api.uat1.pcaasa.com/`; here, the server root.
//!
//! Every call is `POST /?call=<name>`; this module registers `POST /` once and dispatches on the
//! `call` query parameter:
//!
//! | call | status |
//! |---|---|
//! | `account-balance-adjust-v1` | documented (parameter names reconstructed) |
//! | `session-create-v1` | **invented**: PCaaSA's session call is in no copy we have |
//! | `account-balance-get-v1` | **invented**: PCaaSA publishes no balance read |
//!
//! Bodies may be JSON, `application/x-www-form-urlencoded` or `multipart/form-data` (text
//! fields); without a `Content-Type`, a body starting with `{` is JSON, anything else a form.
//!
//! # Amount scale
//!
//! USD only ("Dollar amount"): accounts open in USD or not at all. `amount` is a *signed delta*
//! in dollars, sent as text (or a JSON number, read from its own digits, never `f64`): 4 to 25
//! characters as the page says (`1.00`, `-10.00`, `1000`), at most 2 decimal places as written
//! (`1.000` is refused), not zero, at most 10^15 in size. A positive amount is a ledger credit
//! from the external account, a negative one a debit of its absolute value. Balances are
//! answered as strings with exactly 2 decimals (`"490.00"`).
//!
//! # Auth
//!
//! Every call but `session-create-v1` carries `sessionUuid` in the body ("used to validate
//! permissions"). A session is obtained from `session-create-v1` with the tenant's `apiKey` (a
//! uuid, in the body or the query string), and expires after 30 minutes without a call, on the
//! tenant's clock; each accepted call restarts the 30 minutes. A session is scoped to its
//! tenant: another tenant's accounts are `ACCOUNT_NOT_FOUND`. Each tenant also gets a standing
//! session that never expires. Well-known (default tenant) values:
//! `apiKey` = `5a4db4a4-0000-4000-8000-000000000001`,
//! `sessionUuid` = `5a4db4a4-0000-4000-8000-000000000002`.
//!
//! # Error shape
//!
//! **Invented** (PCaaSA shows only an empty "200"); see `errors.rs` and `wire.rs`:
//! `{"status":"error","call":"…","externalTranUuid":"…"|null,"errors":[{"code":"…",
//! "field":"…"|null,"message":"…"}]}`, success being `{"status":"success","call":"…",
//! "externalTranUuid":…,"data":{…}}`. HTTP 200 for every processed call, business failures
//! included (RPC style, auth is in the body so never 401); 400 for a missing or unknown `call`,
//! an unsupported content type or an unparseable body; 405/408/413 for the server's refusals;
//! 500/503 when we fail (nothing changed).
//!
//! # Idempotency
//!
//! `externalTranUuid` ("identifier for tracking this API call", optional) is the key of
//! `account-balance-adjust-v1`, per tenant, for 24 hours of the tenant's clock: the same value
//! with the same request answers the original response again and moves no money; with a
//! different request (account, amount, tranCode or description) it is
//! `DUPLICATE_EXTERNAL_TRAN_UUID`. A refused adjustment does not occupy its key, so it may be
//! retried once the cause is fixed. Without `externalTranUuid` every call posts.
//!
//! # Choices
//!
//! Where PCaaSA is silent (each is marked "inferred" in the notes):
//! - The whole response envelope, its codes and statuses (above). It copies the Processor API's
//!   RPC feel: the body repeats the call's routing, so the answer echoes `call` and the
//!   caller's tracking id, and failures are data, not HTTP errors.
//! - The reference-number parameter's name is lost from the page: both
//!   `paymentInstrumentReferenceNumber` and `cardReferenceNumber` (the sibling pages' name)
//!   are accepted; both at once must agree. With `accountUuid` as well, all must name the same
//!   account (`ACCOUNT_IDENTIFIER_MISMATCH`).
//! - `tranCode` is optional as published: without it the amount's sign alone decides, and the
//!   log description is "Balance Adjustment". With it, a crediting code (`CI…`) needs a
//!   positive amount and the one debiting code (`DOBKLVAD`) a negative one.
//! - `description` defaults to the tranCode's meaning ("Verification ACH Debit").
//! - A debit may not take the available balance below the account's minimum (zero unless the
//!   account has a credit line): `INSUFFICIENT_FUNDS`.
//! - `app`/`object`/`action`/`version` may be omitted; when sent they must match the call
//!   (`ROUTING_MISMATCH`). `debug` is validated (`0`/`1`/`true`/`false`) and ignored.
//! - An empty string counts as an absent parameter (HTML forms send empty fields); unknown
//!   parameters are ignored. Validation stops at the first failure, in the page's order, after
//!   the routing parameters and the session.
//! - `transactionUuid` is derived from the ledger transfer (a v4-shaped uuid), so a replay
//!   answers the same one.
//! - `account-balance-get-v1` answers `availableBalance`, `currentBalance` (posted),
//!   `pendingBalance` (= current − available), `creditLine` (how far available may go below
//!   zero) and `accountStatus` (`Open`/`Blocked`/`Closed`, the statuses of
//!   `account-status-update-v1`).
//! - Admin-opened accounts take `vendor_ids` `accountUuid` (uuid) and
//!   `paymentInstrumentReferenceNumber` (or `cardReferenceNumber`; 12–50 printable
//!   characters); missing ones are generated (a v4 uuid, a 16-digit reference).
//! - Sessions survive a tenant reset, like credentials, so a client keeps working.
//!
//! # Known gaps
//!
//! - `Blocked` accounts refuse credits too (`ACCOUNT_BLOCKED`): the ledger moves money only on
//!   active accounts; the notes suggested allowing credits.
//! - No strict mode requiring `tranCode`; no "reject every duplicate `externalTranUuid`" mode.
//! - Multipart file parts are read as text; no other PCaaSA call (account-create, status
//!   update, session delete, …) is served.
//! - One account has one payment instrument here; PCaaSA accounts may have several.

mod auth;
mod body;
mod errors;
mod parse;
mod state;
mod wire;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use ledger::{
    AccountId, Currency, IdempotencyKey, Metadata, Namespace, Status, TenantId, Transfer,
    TransferId,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::common::ids::IdGen;
use crate::common::json::Field;
use crate::pcaasa::auth::{Credentials, Keys, SESSION_IDLE, SessionProblem, Sessions};
use crate::pcaasa::errors::{Failure, PcaasaError};
use crate::pcaasa::parse::{Adjust, Call};
use crate::pcaasa::state::Accounts;
use crate::{AccountSpec, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor};

/// The one operation: the Processor API's RPC endpoint.
const OPERATION: &str = "processorApiCall";

static ROUTES: [Route; 1] = [Route { method: Method::POST, path: "/", operation: OPERATION }];

/// How long an `externalTranUuid` is remembered, in the tenant's time.
const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The log description of an adjustment sent without `tranCode` or `description`.
const DESCRIPTION_DEFAULT: &str = "Balance Adjustment";

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(Pcaasa::new())
}

/// PCaaSA's state: credentials, sessions, account identifiers; balances live in the ledger.
struct Pcaasa {
    keys: Keys,
    sessions: Sessions,
    accounts: Accounts,
    /// `externalTranUuid` keys.
    namespace: Arc<Namespace>,
    usd: Currency,
}

impl Pcaasa {
    fn new() -> Pcaasa {
        #[expect(clippy::expect_used, reason = "USD is in the ISO 4217 table")]
        let usd = Currency::from_code("USD").expect("USD is a currency");
        Pcaasa {
            keys: Keys::default(),
            sessions: Sessions::default(),
            accounts: Accounts::default(),
            namespace: Arc::new(Namespace {
                name: "pcaasa.externalTranUuid".into(),
                remember_rejections: false,
                retention: IDEMPOTENCY_RETENTION,
            }),
            usd,
        }
    }

    /// The tenant whose live session `value` names.
    fn authenticate(&self, ctx: &Ctx<'_>, value: &Option<Field<'_>>) -> Result<TenantId, Failure> {
        let session = parse::session_uuid(value)?;
        self.sessions.check(session, |tenant| ctx.now(tenant)).map_err(|problem| match problem {
            SessionProblem::Unknown => Failure::from(PcaasaError::SessionInvalid),
            SessionProblem::Expired { tenant } => {
                Failure::from(PcaasaError::SessionExpired).for_tenant(tenant)
            }
        })
    }

    fn session_create(&self, ctx: &Ctx<'_>, req: &Request, params: &[u8]) -> Response {
        let call = Call::SessionCreate;
        let wire: wire::SessionCreateRequest<'_> = match body::into_wire(params) {
            Ok(wire) => wire,
            Err(err) => return Failure::from(err).render(Some(call.name()), None),
        };
        let echo = parse::echo(&wire.external_tran_uuid);
        let outcome = (|| {
            parse::routing(call, &wire.app, &wire.object, &wire.action, &wire.version)?;
            let api_key = parse::api_key(&wire.api_key, req.query_param("apiKey").as_deref())?;
            let tenant = self.keys.tenant(api_key).ok_or(PcaasaError::ApiKeyInvalid)?;
            parse::session_create(&wire).map_err(|e| Failure::from(e).for_tenant(tenant))?;
            let session =
                self.sessions.create(tenant, ctx.now(tenant), |t| ctx.now(t), &ctx.ids(tenant));
            let data = wire::SessionCreateData {
                session_uuid: session.to_string(),
                session_timeout_seconds: SESSION_IDLE.as_secs(),
            };
            Ok::<_, Failure>((tenant, data))
        })();
        reply(call, echo, outcome)
    }

    fn account_balance_adjust(&self, ctx: &Ctx<'_>, params: &[u8]) -> Response {
        let call = Call::AccountBalanceAdjust;
        let wire: wire::AccountBalanceAdjustRequest<'_> = match body::into_wire(params) {
            Ok(wire) => wire,
            Err(err) => return Failure::from(err).render(Some(call.name()), None),
        };
        let echo = parse::echo(&wire.external_tran_uuid);
        reply(call, echo, self.adjust(ctx, &wire))
    }

    fn adjust<'a>(
        &self,
        ctx: &Ctx<'_>,
        wire: &'a wire::AccountBalanceAdjustRequest<'_>,
    ) -> Result<(TenantId, wire::AccountBalanceAdjustData<'a>), Failure> {
        let call = Call::AccountBalanceAdjust;
        parse::routing(call, &wire.app, &wire.object, &wire.action, &wire.version)?;
        let tenant = self.authenticate(ctx, &wire.session_uuid)?;
        let failed = |err: PcaasaError| Failure::from(err).for_tenant(tenant);
        let cmd = parse::adjust(wire).map_err(failed)?;
        let (account, account_uuid) = self.accounts.resolve(tenant, &cmd.target).map_err(failed)?;
        let description = match (cmd.description, cmd.tran_code) {
            (Some(text), _) => text,
            (None, Some(code)) => code.meaning(),
            (None, None) => DESCRIPTION_DEFAULT,
        };
        let transfer = self.transfer(tenant, account, call, &cmd, description);
        let now = ctx.now(tenant);
        let applied = ctx
            .ledger
            .transfer(now, transfer)
            .map_err(|err| self.ledger_failure(ctx, tenant, account, &cmd, &err))?;
        let receipt = applied.receipt();
        let change =
            receipt.credit.or(receipt.debit).ok_or_else(|| failed(PcaasaError::SystemError))?;
        let data = wire::AccountBalanceAdjustData {
            account_uuid: wire::UuidText(account_uuid),
            transaction_uuid: wire::UuidText(transaction_uuid(tenant, receipt.id)),
            tran_code: cmd.tran_code.map(parse::TranCode::as_str),
            description,
            amount: wire::Money::new(self.usd, cmd.amount),
            available_balance: wire::Money::new(self.usd, change.after.available),
            current_balance: wire::Money::new(self.usd, change.after.posted),
        };
        Ok((tenant, data))
    }

    /// The ledger command for an adjustment: a credit for a positive amount, a debit of the
    /// absolute value for a negative one, keyed by `externalTranUuid` when sent.
    fn transfer(
        &self,
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
            (Some(external), Some(code)) => Metadata::from([
                call,
                description,
                ("externalTranUuid", external),
                ("tranCode", code),
            ]),
            (Some(external), None) => {
                Metadata::from([call, description, ("externalTranUuid", external)])
            }
            (None, Some(code)) => Metadata::from([call, description, ("tranCode", code)]),
            (None, None) => Metadata::from([call, description]),
        };
        let size = cmd.amount.abs();
        let transfer = if cmd.amount.is_sign_positive() {
            Transfer::credit(tenant, account, size, self.usd)
        } else {
            Transfer::debit(tenant, account, size, self.usd)
        };
        let transfer = transfer.with_metadata(metadata);
        match external {
            Some(external) => {
                transfer.with_key(IdempotencyKey::new(self.namespace.clone(), external))
            }
            None => transfer,
        }
    }

    /// A refused adjustment, with the balances or limit behind it in the reason.
    fn ledger_failure(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        account: AccountId,
        cmd: &Adjust<'_>,
        err: &ledger::Error,
    ) -> Failure {
        let mut failure = Failure::from(PcaasaError::from(err)).for_tenant(tenant);
        let view = ctx.ledger.account(ctx.now(tenant), tenant, account);
        let amount = self.usd.format(cmd.amount);
        let format = |value: Option<Decimal>| match value {
            Some(value) => self.usd.format(value),
            None => "none".into(),
        };
        failure.detail = match (err, view) {
            (ledger::Error::InsufficientFunds, Some(view)) => Some(format!(
                "available {}, adjustment {amount}",
                self.usd.format(view.balances.available)
            )),
            (ledger::Error::BalanceMaximumExceeded, Some(view)) => Some(format!(
                "current {}, maximum {}, adjustment {amount}",
                self.usd.format(view.balances.posted),
                format(view.limits.balance_max)
            )),
            (ledger::Error::TransferMaximumExceeded, Some(view)) => Some(format!(
                "maximum {}, adjustment {amount}",
                format(view.limits.transfer_amount_max)
            )),
            _ => None,
        };
        failure
    }

    fn account_balance_get(&self, ctx: &Ctx<'_>, params: &[u8]) -> Response {
        let call = Call::AccountBalanceGet;
        let wire: wire::AccountBalanceGetRequest<'_> = match body::into_wire(params) {
            Ok(wire) => wire,
            Err(err) => return Failure::from(err).render(Some(call.name()), None),
        };
        let echo = parse::echo(&wire.external_tran_uuid);
        let outcome = (|| {
            parse::routing(call, &wire.app, &wire.object, &wire.action, &wire.version)?;
            let tenant = self.authenticate(ctx, &wire.session_uuid)?;
            let failed = |err: PcaasaError| Failure::from(err).for_tenant(tenant);
            let cmd = parse::balance_get(&wire).map_err(failed)?;
            let (account, account_uuid) =
                self.accounts.resolve(tenant, &cmd.target).map_err(failed)?;
            let view = ctx
                .ledger
                .account(ctx.now(tenant), tenant, account)
                .ok_or_else(|| failed(PcaasaError::AccountNotFound { field: "accountUuid" }))?;
            let balances = view.balances;
            let data = wire::AccountBalanceGetData {
                account_uuid: account_uuid.to_string(),
                account_status: match view.status {
                    Status::Active => "Open",
                    Status::Frozen => "Blocked",
                    Status::Closed => "Closed",
                },
                available_balance: self.usd.format(balances.available),
                current_balance: self.usd.format(balances.posted),
                pending_balance: self.usd.format(balances.posted - balances.available),
                credit_line: self.usd.format(if view.limits.balance_min < Decimal::ZERO {
                    -view.limits.balance_min
                } else {
                    Decimal::ZERO
                }),
            };
            Ok::<_, Failure>((tenant, data))
        })();
        reply(call, echo, outcome)
    }
}

/// The success or error envelope of a call's outcome.
fn reply<T: Serialize>(
    call: Call,
    echo: Option<&str>,
    outcome: Result<(TenantId, T), Failure>,
) -> Response {
    match outcome {
        Ok((tenant, data)) => {
            let body = wire::SuccessEnvelope {
                status: wire::STATUS_SUCCESS,
                call: call.name(),
                external_tran_uuid: echo,
                data,
            };
            Response::json(StatusCode::OK, &body).with_tenant(tenant)
        }
        Err(failure) => failure.render(Some(call.name()), echo),
    }
}

/// A transaction's uuid, derived from its tenant and ledger id so a replay answers the same
/// one; shaped as a v4 uuid like every PCaaSA uuid.
fn transaction_uuid(tenant: TenantId, id: TransferId) -> Uuid {
    let mut hasher = Sha256::new();
    hasher.update(b"pcaasa transaction");
    hasher.update(tenant.0.as_bytes());
    hasher.update(id.0.to_be_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0; 16];
    if let Some(head) = digest.first_chunk::<16>() {
        bytes = *head;
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The `call` query parameter, percent-decoded; borrowed from the query unless it had escapes.
fn call_param(req: &Request) -> Option<Cow<'_, str>> {
    let query = req.query.as_deref()?;
    form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "call").map(|(_, value)| value)
}

/// A fresh 16-digit payment-instrument reference number.
fn generate_reference(ids: &IdGen) -> String {
    ids.digits(16)
}

impl Vendor for Pcaasa {
    fn name(&self) -> &'static str {
        "pcaasa"
    }

    fn routes(&self) -> &'static [Route] {
        &ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, _route: usize, req: &Request) -> Response {
        let Some(name) = call_param(req) else {
            return Failure::from(PcaasaError::CallMissing).render(None, None);
        };
        let Some(call) = Call::parse(&name) else {
            let shown: String = name.chars().take(64).collect();
            let failure = Failure::from(PcaasaError::CallUnknown { call: shown.clone() });
            return failure.render(Some(&shown), None);
        };
        let params = match body::decode(req) {
            Ok(params) => params,
            Err(err) => return Failure::from(err).render(Some(call.name()), None),
        };
        match call {
            Call::SessionCreate => self.session_create(ctx, req, &params),
            Call::AccountBalanceAdjust => self.account_balance_adjust(ctx, &params),
            Call::AccountBalanceGet => self.account_balance_get(ctx, &params),
        }
    }

    fn refuse(&self, refusal: Refusal, req: &Request, _trace_id: uuid::Uuid) -> Response {
        let error = match refusal {
            Refusal::MethodNotAllowed => PcaasaError::MethodNotAllowed,
            Refusal::PayloadTooLarge { limit_bytes } => {
                PcaasaError::PayloadTooLarge { limit_bytes }
            }
            Refusal::BodyTimeout => PcaasaError::RequestTimeout,
            Refusal::Internal => PcaasaError::SystemError,
        };
        let call = req.query_param("call").and_then(|name| Call::parse(&name));
        Failure::from(error).render(call.map(Call::name), None)
    }

    fn provision_tenant(&self, tenant: TenantId, well_known: bool, ids: &IdGen) -> Value {
        let credentials = if well_known {
            Credentials {
                api_key: auth::WELL_KNOWN_API_KEY,
                standing_session: auth::WELL_KNOWN_SESSION,
            }
        } else {
            Credentials { api_key: ids.secret_uuid(), standing_session: ids.secret_uuid() }
        };
        if let Some(old) = self.keys.insert(tenant, credentials) {
            self.sessions.remove(old.standing_session);
        }
        self.sessions.insert_standing(tenant, credentials.standing_session);
        serde_json::json!({
            "apiKey": credentials.api_key.to_string(),
            "sessionUuid": credentials.standing_session.to_string(),
            "sessionTimeoutSeconds": SESSION_IDLE.as_secs(),
        })
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        if spec.currency != self.usd {
            return Err(format!("pcaasa accounts are in USD, not {}", spec.currency));
        }
        let mut account_uuid = None;
        let mut reference = None;
        for (key, value) in &spec.vendor_ids {
            match key.as_str() {
                "accountUuid" => {
                    let parsed = value.as_str().and_then(parse::parse_uuid);
                    account_uuid = Some(parsed.ok_or("accountUuid must be a 36-character uuid")?);
                }
                "paymentInstrumentReferenceNumber" | "cardReferenceNumber" => {
                    let text = value.as_str().filter(|text| parse::is_reference_number(text));
                    let text = text.ok_or_else(|| {
                        format!("{key} must be 12 to 50 printable characters without spaces")
                    })?;
                    if reference.replace(text.to_string()).is_some() {
                        return Err("give paymentInstrumentReferenceNumber or \
                                    cardReferenceNumber, not both"
                            .into());
                    }
                }
                other => {
                    return Err(format!(
                        "unknown pcaasa identifier {other:?} (known: accountUuid, \
                         paymentInstrumentReferenceNumber)"
                    ));
                }
            }
        }
        let ids = ctx.ids(tenant);
        let account_uuid = account_uuid.unwrap_or_else(|| ids.uuid());
        let reference = reference.unwrap_or_else(|| generate_reference(&ids));
        if self.accounts.taken(tenant, account_uuid, &reference) {
            return Err(format!(
                "accountUuid {account_uuid} or paymentInstrumentReferenceNumber {reference} \
                 is already in use"
            ));
        }
        let mut vendor_ids = Map::new();
        vendor_ids.insert("accountUuid".into(), Value::String(account_uuid.to_string()));
        vendor_ids
            .insert("paymentInstrumentReferenceNumber".into(), Value::String(reference.clone()));
        let view = crate::common::accounts::open(ctx, tenant, self.name(), spec, &vendor_ids)?;
        self.accounts.insert(tenant, view.id, account_uuid, &reference)?;
        Ok(OpenedAccount { account: view, vendor_ids })
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.accounts.remove_tenant(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.keys.remove(tenant);
        self.sessions.remove_tenant(tenant);
        self.reset_tenant(tenant);
    }
}
