//! AMLYZE (anti-money-laundering monitoring): the account-balance API, with the customer and
//! account registration calls it depends on. Balances here are **snapshots** the client
//! reports (history per account and balance type), not postings: registering one never moves
//! money in the ledger.
//!
//! Routes (all under `/amlyze-ws-rest/`):
//!
//! | method | path | operation |
//! |---|---|---|
//! | PUT | `account-balance` | `registerAccountBalance`: store one balance snapshot |
//! | POST | `batch-account-balances` | `registerBatchAccountBalances`: store many, per-item results |
//! | POST | `validate-batch-account-balances` | `validateBatchAccountBalances`: the same checks, nothing stored |
//! | POST | `account` | `postAccount`: register (or update) an account; opens a ledger account |
//! | POST | `customer` | `postCustomer_1`: register (or update) a customer |
//! | GET, POST, PUT, DELETE, PATCH | `{*path}` | `notFound`: Spring's 404 (or 405 for a known path) |
//!
//! # Source
//!
//! The OpenAPI of `PUT /amlyze-ws-rest/account-balance` on api.amlyze.com
//! (`/api/openapi_api_adapter.json`, seed `002`), the batch and account-import pages, the
//! authorization and errors pages, and the older GitHub docs
//! (`Amlyze/api-integration-documentation`: `Rest/accountBalance`, `Rest/account`,
//! `Rest/customer`). Our notes: `shared/vendors/amlyze.md`.
//!
//! # Amount scale
//!
//! `value` and `equivalentValue` are Java `BigDecimal`s: read exactly from the JSON number's
//! text (a numeric string is accepted too, as Jackson does; so is an exponent, `1e3`) and kept
//! with the digits sent (`100000.5665` stays four places). They are not tied to the account
//! currency's minor unit: AMLYZE's own example has four decimals on an unspecified currency.
//! Negative and zero balances are accepted (an overdraft and an emptied account are exactly what
//! monitoring looks for). A value with more than 28 significant digits, or of magnitude 10^20 or
//! more (the ledger's own balance bound), is refused with the documented balance error `500`
//! "failed processing account balance" (HTTP 400).
//!
//! # Auth
//!
//! One static token per tenant, `Authorization: Bearer <token>`; no token endpoint, no expiry.
//! The default tenant's token is `sandbank-amlyze-token`; others get `amlyze_<32 hex>`. A
//! missing, non-Bearer or unknown token is 401 `{"error":{"code":"unauthorized"}}`, checked
//! before anything else (as Spring Security does), including unknown paths.
//!
//! # Error shape
//!
//! - Business rejection: 400 `{"resultType":"REQUEST_REJECTED","errorCode":"…","errorDescription":"…"}`.
//! - What Spring itself refuses: its default `{"timestamp","status","error","path"}` with 400
//!   (no body, malformed JSON, a value Jackson cannot read: an object for a string, `"abc"` for
//!   a number, a bad date-time), 404 (unknown path), 405 (wrong method, with `Allow`), 408, 413
//!   and 415 (media type not JSON). `timestamp` is the tenant's clock, `2024-05-26T16:49:50.237+00:00`.
//! - Internal: 500 `{"resultType":"REQUEST_REJECTED","status":500,"error":"Internal Server Error"}`.
//! - Batch calls answer 200 with a result per item (`errorCode`/`errorDescription` on
//!   rejected items) unless the body as a whole is unreadable.
//! - Fault rules draw an entry of the error catalogue (`errors::CATALOGUE`: a rejection by its
//!   `errorCode`, or code and description where a code is shared, `O001_ext_id_mandatory`;
//!   Spring's and the 401 by name; `unavailable`, `rate_limited`, `internal`) on any route, a
//!   batch's as a whole. AMLYZE documents no 429 or 503: both are the 500 body with their own
//!   `status` and `error`, and `Retry-After: 1`.
//!
//! # Idempotency
//!
//! There is no idempotency key: `communicationNumber` is unique per request, and a second
//! accepted use is **rejected**, not replayed (`O005` "CommunicationNumber already used in
//! amlyze" for balances and accounts, `O001` with the same text for customers, as documented).
//! Numbers are unique per tenant across all calls and business units; only accepted requests
//! (and accepted batch items) use one up, so a corrected retry of a rejected request may reuse
//! its number. The last 100 000 numbers per tenant are remembered. No ledger `Namespace` is
//! needed since no call moves money.
//!
//! # Choices
//!
//! Where AMLYZE is silent (all `[inferred]` in the notes):
//! - Snapshot history is kept per (business unit, `accountExtId`, `balanceType`), ordered by
//!   `balanceAt`; a second snapshot with the same `balanceAt` replaces the first (the call is
//!   "Update account balance"). `balanceType` is optional (current spec); a snapshot without one
//!   goes to its own series. At most 1 000 instants per series (the earliest go first). AMLYZE
//!   has no balance read: the history is visible through [`Amlyze::balance_history`] only.
//! - `balanceType` comes from a fixed classifier: `DAILY_BALANCE`, `STATEMENT_BALANCE`; any other
//!   value is `O001` "BalanceType does not exist in Amlyze".
//! - Validation order and texts for the balance call: `communicationNumber` (`001`
//!   "CommunicationNumber is mandatory"), `requester` (`001` "Requester is mandatory"; more than
//!   100 characters `O001`), `accountExtId` (`O001` "extId is mandatory", the spec's example),
//!   `businessUnit` (blank: `O001` "Business unit is mandatory"), `balanceAt` (`O001` "BalanceAt
//!   is mandatory"), `value` (`O001` "Value is mandatory"), `equivalentValue`, `balanceType`;
//!   then a used `communicationNumber` (`O005`), then an unknown account (`404` "Account with
//!   given extId does not exist in amlyze", HTTP 400). Another tenant's account is unknown.
//! - Tenants are single-organisation: `businessUnit` is optional and defaults to `sandbox` (the
//!   spec example's unit); any non-blank unit is accepted and scopes customers and accounts.
//! - Date-times accept `…T…[:ss[.fraction]]` with `Z`, an offset, or no zone (taken as UTC):
//!   AMLYZE's examples use both `2023-09-05T08:07:34.605Z` and `2024-05-26T16:49:50.237`.
//! - Customer and account calls answer 200 `{"resultType":"REQUEST_ACCEPTED"}`. `CREATE` and
//!   `UPDATE` both register or replace; an account id already linked to another customer is
//!   `003`; changing a registered account's currency is `O001` (its ledger account has one
//!   currency). `accountStatus` is the ledger account's status (`SUSPENDED` ↔ frozen, `CLOSED` ↔
//!   closed): the account call sets it and compares with it, AMLYZE keeps no copy, so an admin
//!   status change is what AMLYZE sees (the snapshot view has no status; the admin account read
//!   shows it). A closed account cannot be reopened (`O001`). An account's owner
//!   must be a customer of the same business unit (`404` "BusinessEntity with given extId does
//!   not exist in Amlyze").
//! - Accounts registered through `POST /account` are ledger accounts in `currencyCode` with a
//!   zero balance and default limits, labelled `accountExtId`, `accountNumber`,
//!   `businessEntityExtId`, `businessUnit` (labels keep the first registration's values).
//! - `open_account` (admin): takes those four vendor ids, generating any that is absent
//!   (`ACC<yyyymmdd><6 digits>`, a checksum-valid Lithuanian IBAN in the fictional bank 99999,
//!   `CUS<yyyymmdd><6 digits>`, `sandbox`), and registers the owner as an organisation customer if
//!   needed. The opening balance is posted to the ledger only; no snapshot is recorded.
//! - Batches: at most 1 000 items; `timeElapsedMs` is always 0 (the mock reads no clock);
//!   validate-only items answer `REQUEST_ACCEPTED` when they would be accepted; a `null` item is
//!   rejected on its own (`O001` "AccountBalance is mandatory"); a missing `accountBalances` is
//!   `O001` "AccountBalances is mandatory".
//! - Customers: `customerExtId` (`C002`) and `applicationDate` (`C012`) are required;
//!   `entityType`, `customerStatus`, `sourceOfRiskLevel` and `riskLevel` are checked against
//!   their documented values when present (`AV07`); other properties are accepted and ignored.
//! - AMLYZE identifiers are indexed in the tenant's own state (by business unit, then
//!   `accountExtId`/`customerExtId`) rather than in `common::index::AccountIndex`: every lookup
//!   needs the whole record (owner, currency, snapshots), not just the ledger id.
//! - Spring's media-type rule: `application/json` or `application/*+json` (any parameters);
//!   otherwise 415, before the body is read.
//! - A refused request (`refuse`) has no clock. Every handled request and every admin account
//!   opening notes the time its tenant's clock shows (the last time seen, not the latest: a
//!   clock set back shows an earlier time). A refusal's Spring `timestamp` is the time last seen
//!   on the clock of the tenant whose bearer token it carries; else (no token, an unknown one,
//!   or a tenant AMLYZE never saw) the time last seen on any tenant's clock; else, when AMLYZE
//!   has seen no clock at all since start, the Unix epoch (the vendor reads no clock itself).
//! - With a store (`serve --data`), customers, accounts, snapshots and used
//!   `communicationNumber`s are recorded before they change and restored at restart
//!   (`state/record.rs`); a store that cannot write refuses the call with the internal error
//!   (500; a batch as a whole) and uses no number up. The time last seen is not recorded on
//!   its own: after a restart a refusal shows the time of the tenant's last recorded change
//!   until its next request.
//!
//! # Known gaps
//!
//! - No call moves money, so ledger limits (insufficient funds, maximum balance, daily limits)
//!   never apply to AMLYZE requests; the ledger outcome mapping in `errors.rs` is total but
//!   unused by today's calls.
//! - No Basic auth (older pages mention it) and no IP allow-list.
//! - TODO-coverage: "Tenant header is mandatory" (the header is unnamed), "Tenant business unit
//!   does not exist", `400` "Cannot register account for lead customer" (no leads), `005` "Given
//!   BIC does not belong to your institution", `006` AccountType and `C007`
//!   RiskManagementCategory classifier checks (client-configured lists; any value is accepted).
//! - The batch 500 variant is only produced for an internal failure inside an item.
//! - Not served: batch customer/account calls, operations, contracts, classifiers,
//!   communication events, webhooks (AMLYZE documents no event for balance registration).

mod auth;
mod errors;
mod handlers;
mod parse;
mod state;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use ledger::{AccountId, TenantId, Timestamp};

use self::auth::Credentials;
use self::errors::Scene;
use self::handlers::Call;
use self::state::Tenants;
use crate::{
    AccountSpec, CatalogueEntry, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor,
};

/// The vendor's one-word name.
const NAME: &str = "amlyze";

/// An operation: the authenticated request in, the answer or AMLYZE's error out.
type Handler = fn(&Call<'_>) -> Result<Response, errors::Failure>;

routes! { Handler;
    PUT "/amlyze-ws-rest/account-balance" "registerAccountBalance" => handlers::register_balance,
    POST "/amlyze-ws-rest/batch-account-balances" "registerBatchAccountBalances"
        => handlers::register_batch,
    POST "/amlyze-ws-rest/validate-batch-account-balances" "validateBatchAccountBalances"
        => handlers::validate_batch,
    POST "/amlyze-ws-rest/account" "postAccount" => handlers::register_account,
    POST "/amlyze-ws-rest/customer" "postCustomer_1" => handlers::register_customer,
    // The catch-all that gives unknown paths under the prefix Spring's 404 body.
    GET "/amlyze-ws-rest/{*path}" "notFound" => handlers::not_found,
    POST "/amlyze-ws-rest/{*path}" "notFound" => handlers::not_found,
    PUT "/amlyze-ws-rest/{*path}" "notFound" => handlers::not_found,
    DELETE "/amlyze-ws-rest/{*path}" "notFound" => handlers::not_found,
    PATCH "/amlyze-ws-rest/{*path}" "notFound" => handlers::not_found,
}

/// The AMLYZE mock. Cloning shares the state, so sandbank can keep a handle for
/// [`Amlyze::balance_history`] next to the boxed [`Vendor`].
#[derive(Debug, Clone, Default)]
pub struct Amlyze {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    credentials: Credentials,
    tenants: Tenants,
}

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(Amlyze::new())
}

impl Amlyze {
    /// A mock with no tenants.
    pub fn new() -> Amlyze {
        Amlyze::default()
    }

    /// The balance snapshots registered for the ledger account `account` of `tenant`, per
    /// balance type, earliest `balanceAt` first, with the account's AMLYZE identifiers; `None`
    /// if AMLYZE does not know the account. AMLYZE has no balance read, so this is the only way
    /// to see them (for sandbank's admin API and tests).
    pub fn balance_history(
        &self,
        tenant: TenantId,
        account: AccountId,
    ) -> Option<serde_json::Value> {
        let slot = self.inner.tenants.existing(tenant)?;
        let state = slot.lock();
        let (unit, ext_id, record) = state.account_by_ledger_id(account)?;
        Some(wire::history::account(unit, ext_id, record))
    }
}

impl Vendor for Amlyze {
    fn inspect_account(&self, tenant: TenantId, account: AccountId) -> Option<serde_json::Value> {
        self.balance_history(tenant, account)
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn routes(&self) -> &'static [Route] {
        ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        // Spring Security answers before anything else, unknown paths included.
        let tenant = match self.inner.credentials.authenticate(&req.headers) {
            Ok(tenant) => tenant,
            Err(problem) => {
                let scene = Scene { path: &req.path, now: Timestamp::EPOCH };
                return errors::unauthorized(problem.reason()).into_response(scene);
            }
        };
        let now = ctx.now(tenant);
        let slot = self.inner.tenants.slot(tenant);
        self.inner.tenants.saw(&slot, now);
        let call = Call { ctx, tenant, slot: &slot, now, req };
        let res = match HANDLERS.get(route) {
            Some(handler) => handler(&call),
            None => Err(errors::internal(format!("route: amlyze has no route {route}"))),
        };
        match res {
            Ok(resp) => resp,
            Err(failure) => failure.into_response(Scene { path: &req.path, now }),
        }
        .with_tenant(tenant)
    }

    fn refuse(&self, refusal: Refusal, req: &Request, _trace_id: uuid::Uuid) -> Response {
        let tenant = self.inner.credentials.authenticate(&req.headers);
        let now = self.inner.tenants.refusal_time(tenant.ok());
        let failure = handlers::refused(refusal, req, tenant);
        let failure = match tenant {
            Ok(tenant) => failure.for_tenant(tenant),
            Err(_) => failure,
        };
        failure.into_response(Scene { path: &req.path, now })
    }

    fn provision_tenant(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> serde_json::Value {
        let token = self.inner.credentials.issue(tenant, well_known, ids);
        self.inner.tenants.slot(tenant);
        wire::provisioned(&token)
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        let slot = self.inner.tenants.slot(tenant);
        self.inner.tenants.saw(&slot, ctx.now(tenant));
        handlers::account::open(ctx, tenant, &slot, spec)
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.inner.tenants.remove(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        // Revoked first, so that no request of the tenant recreates its state afterwards.
        self.inner.credentials.revoke(tenant);
        self.reset_tenant(tenant);
    }

    fn errors(&self) -> &'static [CatalogueEntry] {
        errors::CATALOGUE
    }

    fn render_error(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        req: &Request,
        tenant: Option<TenantId>,
    ) -> Option<Response> {
        handlers::catalogued(&self.inner.tenants, ctx, name, req, tenant)
    }

    /// The tenant of the request's bearer token: a lookup, nothing noted (tokens never expire;
    /// a revoked one names no tenant).
    fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        self.inner.credentials.authenticate(&req.headers).ok()
    }

    fn restore(&self, tenant: TenantId, record: &[u8]) -> Result<(), String> {
        self.restore_record(tenant, record)
    }
}
