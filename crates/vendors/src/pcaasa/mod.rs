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
//! Every call is `POST /?call=<name>`; this module registers `POST /` once and its handler
//! dispatches on the `call` query parameter through its own table of calls
//! (`handlers.rs`):
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
//! With a store (`serve --data`), sessions and account identifiers survive a restart
//! (`state/record.rs`). A session's renewal is stored once it moved 3 minutes past the last
//! stored expiry, so a session used in the minutes before a restart may lapse up to 3 minutes
//! early after it, never late. A call whose session change the store refuses, and a
//! `session-create-v1` it refuses, answer 503 `SYSTEM_UNAVAILABLE` and change nothing.
//!
//! # Error shape
//!
//! **Invented** (PCaaSA shows only an empty "200"); see `errors.rs` and `wire.rs`:
//! `{"status":"error","call":"…","externalTranUuid":"…"|null,"errors":[{"code":"…",
//! "field":"…"|null,"message":"…"}]}`, success being `{"status":"success","call":"…",
//! "externalTranUuid":…,"data":{…}}`. HTTP 200 for every processed call, business failures
//! included (RPC style, auth is in the body so never 401); 400 for a missing or unknown `call`,
//! an unsupported content type or an unparseable body; 405/408/413 for the server's refusals;
//! 500/503 when we fail (nothing changed), the 503 with `Retry-After: 1`.
//!
//! The error catalogue (`errors::CATALOGUE`, what fault rules name) lists every code by name,
//! with `internal` (500 `SYSTEM_ERROR`), `unavailable` (503 `SYSTEM_UNAVAILABLE`) and
//! `rate_limited` (429 `RATE_LIMITED`, drawn only by a fault rule, `Retry-After: 1`). An entry
//! is drawn in the envelope the handler would use for the request: its call and tracking id
//! echoed, but for routing and body errors, which echo only what the handler had read.
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
mod errors;
mod handlers;
mod parse;
mod state;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use ledger::{Currency, Namespace, TenantId};
use serde_json::Value;

use crate::common::ids::IdGen;
use crate::pcaasa::auth::{Keys, Sessions};
use crate::pcaasa::errors::{Failure, PcaasaError};
use crate::pcaasa::parse::Call;
use crate::pcaasa::state::Accounts;
use crate::{
    AccountSpec, CatalogueEntry, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor,
};

/// What every route's handler is: the vendor, the context and the request to an answer.
type Handler = fn(&Pcaasa, &Ctx<'_>, &Request) -> Response;

routes! { Handler;
    // The one operation: the Processor API's RPC endpoint.
    POST "/" "processorApiCall" => handlers::processor_api_call,
}

/// The vendor's one-word name.
const NAME: &str = "pcaasa";

/// How long an `externalTranUuid` is remembered, in the tenant's time.
const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

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
}

impl Vendor for Pcaasa {
    fn name(&self) -> &'static str {
        NAME
    }

    fn routes(&self) -> &'static [Route] {
        ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        match HANDLERS.get(route) {
            Some(handle) => handle(self, ctx, req),
            None => Failure::new(PcaasaError::SystemError, format!("internal: no route {route}"))
                .into_response(wire::Echo::new(parse::call(req).map(Call::name), None)),
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
            Refusal::Unavailable => PcaasaError::SystemUnavailable,
        };
        Failure::from(error).into_response(wire::Echo::new(parse::call(req).map(Call::name), None))
    }

    fn provision_tenant(&self, tenant: TenantId, well_known: bool, ids: &IdGen) -> Value {
        auth::provision(&self.keys, &self.sessions, tenant, well_known, ids)
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        self.accounts.open(ctx, tenant, spec, self.usd)
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.accounts.remove_tenant(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.keys.remove(tenant);
        self.sessions.remove_tenant(tenant);
        self.reset_tenant(tenant);
    }

    fn errors(&self) -> &'static [CatalogueEntry] {
        &errors::CATALOGUE
    }

    fn render_error(
        &self,
        _ctx: &Ctx<'_>,
        name: &str,
        req: &Request,
        tenant: Option<TenantId>,
    ) -> Option<Response> {
        let error = errors::catalogued(name)?;
        Some(handlers::render_as_handler(req, error, format!("fault rule: {name}"), tenant))
    }

    fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        auth::tenant_of(&self.keys, &self.sessions, req)
    }

    fn restore(&self, tenant: TenantId, record: &[u8]) -> Result<(), String> {
        state::record::restore(self, tenant, record)
    }
}
