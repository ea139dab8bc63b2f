//! Qolo's account-balance API: `POST /api/{version}/accounts/AdjustBalance` on the ledger, the
//! login that issues its bearer JWTs, and the account and wallet reads that show the balances.
//!
//! # Source
//!
//! Qolo's live API reference (devdocs.qolopay.com, `openapi/qoloreference`: AdjustBalance,
//! GetAccountById, GetAccountsByProgram; our seed `003`), the older OpenAPI source of that portal
//! (`openapi/qolostag.yaml`, "Qolo API" v1: schemas `AdjustBalanceRequest/Response`, `Account`,
//! `AccountDTO`, `WalletDTO`, `CardDTO`, `ProblemDetails`, the `*SearchResponse` envelopes, and
//! the Authentication, Errors, Idempotent Requests and Versioning texts) and the guides
//! "Getting started", "Account Balance" and "Request codes". Our notes:
//! `shared/vendors/qolo.md`. Routes, all under `/api/{version}` with `version` = `v1`:
//!
//! | method | path | operation |
//! |---|---|---|
//! | POST | `/api/{version}/auth/login` | `Login` |
//! | POST | `/api/{version}/accounts/AdjustBalance` | `AdjustBalance` |
//! | GET | `/api/{version}/accounts` | `SearchAccount` |
//! | GET | `/api/{version}/accounts/{account_guid}` | `GetAccountById` |
//! | GET | `/api/{version}/accounts/program/{program_guid}` | `GetAccountsByProgram` |
//! | GET | `/api/{version}/wallets` | `SearchWallet` |
//! | GET | `/api/{version}/wallets/{wallet_guid}` | `GetWalletById` |
//!
//! # Amount scale
//!
//! Amounts and balances are JSON numbers (`double` in Qolo's schema) in **major units**
//! (`12.34` USD). `amount` is read from the number's exact text, never through a float, and
//! refused with 400 when it has more fractional digits than the currency's ISO 4217 exponent
//! (USD 2, JPY 0, KWD 3), when it is zero or negative (the `request_code` gives the direction),
//! when it is above 10^15, or when it is written with an exponent. Numbers are written the way
//! .NET writes a `double` — shortest form, no trailing zeros (`100`, `12.5`) — from the exact
//! decimal.
//!
//! # Auth
//!
//! `POST /api/v1/auth/login` with `{"login_id": …, "api_key": …}` (`loginid`/`apikey` also
//! accepted) returns `{"access_token": <HS256 JWT>, "token_type": "Bearer", "expires_in":
//! 43200}`; every other call sends `Authorization: Bearer <JWT>`. A token lives 12 hours of the
//! tenant's clock; there is no refresh, clients log in again. No, malformed, unknown or expired
//! token, or wrong login credentials → 401. The well-known tenant's values are `login_id`
//! `sandbank-qolo-login`, `api_key` `sandbank-qolo-key`, program
//! `5a4db0c1-7e57-4a00-9f00-000000000001`; other tenants get random ones.
//!
//! With a store (`serve --data`), issued tokens, accounts, wallets and cards survive a restart
//! (`state/record.rs`): a token keeps working until its own expiry. A login whose token the
//! store refuses is a 500 and hands out nothing.
//!
//! # Error shape
//!
//! RFC 7807 `ProblemDetails` as ASP.NET Core writes it (`application/problem+json;
//! charset=utf-8`): `type`, `title`, `status`, `detail`, `instance` (the request path), and a W3C
//! `traceId` extension carrying the server's trace id. Invalid request fields give ASP.NET's
//! 400 `ValidationProblemDetails` ("One or more validation errors occurred.") with an `errors`
//! map of every problem found, keyed by member name or JSON path (`$.amount`). Business rules
//! (funds, limits, account status, currency, idempotency) give a 400 with a `detail` sentence;
//! unknown accounts, card proxies, wallets, programs and API versions give 404; a body that is
//! not JSON gives 415; 401 also sends `WWW-Authenticate: Bearer`.
//!
//! Fault rules draw an entry of the error catalogue (`errors::CATALOGUE`: named after what its
//! `detail` says, `insufficient_funds`, plus `unavailable`, `rate_limited`, `internal`) on any
//! route, with that request's path and trace id. The 429 (documented for Qolo's gateway) and
//! the 503 are ASP.NET's default problems for their status, with `Retry-After: 1`.
//!
//! # Idempotency
//!
//! The `IdempotencyKey` header (Qolo's spelling) on AdjustBalance: the same key with the same
//! request replays the first 201 — same body, no money moved again; the same key with a
//! different request is a 400. Keys live 24 hours of the tenant's clock. Declined requests do
//! not occupy their key, so a client may retry after fixing the cause. Without the header, a
//! non-null `client_reference_id` (documented as the transaction's unique id) acts as the key in
//! its own namespace: a repeat replays, a reuse for a different request is a 400.
//!
//! # Choices
//!
//! Where Qolo is silent we chose, for the mock:
//! - AdjustBalance is a single-sided posting between the account and the outside world (the
//!   external movement is at the bank); it is always posted, raising or lowering ledger and
//!   available balance together.
//! - Direction comes from the `request_code`: its prefix (`LT`/`LA`/`UR`/`FR`/`FU`/`FL` credit,
//!   `LR`/`UT`/`ST`/`FT`/`FC` debit), or for adjustments (`AT-`) the name's ending (`_CR`/`_IN`
//!   credit, `_DR`/`_OUT` debit; `AR-` reversals the opposite). `NT-` (non-monetary) and any
//!   other code are a 400. Codes are at most 16 characters, as in Qolo's ledger.
//! - The account is named by `account_guid`, else `card_proxy` (the card's wallet's account in
//!   the request's `currency`), else `account.account_guid`; none → 400, unknown → 404. The
//!   other members of the `account` object are type-checked and otherwise ignored. The currency
//!   must be the account's (400 otherwise).
//! - Unknown members are refused (the schema says `additionalProperties: false`).
//! - A debit may not take the available balance below the account's minimum (0 unless the admin
//!   set an overdraft): 400 "Insufficient funds". Limits (maximum balance, per-transaction and
//!   daily amounts and counts) come from the account's ledger limits: 400 each.
//! - Balances: `ledger_balance` = posted minus credits not yet cleared; `available_balance` =
//!   ledger minus holds; `suspense_balance` = credits not yet cleared (deferred or pending).
//! - The `Account` object is the account after the change; `last_txn_guid`, `last_credit_*`,
//!   `first_debit_*` and `last_debit_*` are folded from the ledger's history (so admin credits
//!   count too); the amounts are 0 and the dates null until there is such a movement.
//!   `starting_balance_*` is the opening balance and the opening time; status dates are the
//!   opening time; `holder_account_status` is `ACTIVE`.
//! - Transaction guids are derived from the ledger's transfer ids (stable, so a replay shows the
//!   same `last_txn_guid`).
//! - Each account belongs to a wallet (`wallet_guid`, generated unless the admin names an existing
//!   or new one) with a holder (`person_guid`), a program (`program_guid`, the tenant's unless
//!   given), a 12-digit `wallet_id` and one card (`card_proxy`, 13 digits unless given).
//!   `open_account` accepts these names in `vendor_ids`, plus `account_guid`, `account_type`
//!   (default `GENERAL`) and `account_name` (default `<type> <currency>`).
//! - Searches return everything found on one page (`start_index` 1, `end_index` = `count`; both 0
//!   when empty). Search Accounts needs `person_guid` or `wallet_guid` and answers 200 with an
//!   empty list when nothing matches; Search Wallets needs one criterion and answers 404 when
//!   nothing matches (as its spec declares). The by-balance listing returns at most 50 accounts
//!   (`count` above 50 is a 400) in the newer envelope with `cache_utcdate`, and 404 for a
//!   program the tenant does not have.
//! - Person data is not kept: `person_info` has only the guid, the wallet id and `CLEARED`.
//!
//! # Known gaps
//!
//! - The rest of Qolo's API (persons, cards, transfers, transactions, account status changes,
//!   velocity limits, webhooks) is not served; `last_txn_guid` cannot be looked up.
//! - Qolo's real request-code list, source-code list and error messages are not public; ours are
//!   documented guesses. 429 rate limiting is never emulated on its own; only a fault rule
//!   draws it.
//! - `SYSTEM` and `OPTOUT` statuses do not exist in the ledger (only `ACTIVE`, `FREEZE`,
//!   `CLOSED`); `mask_account_number`, `advance_account_details`,
//!   `status_change_nonmon_detail` and card PAN data are always null.
//! - Amounts in exponent form (`1e2`), which .NET would read, are refused.
//! - The ledger keeps an account's newest 65,536 history entries. A replay of a request whose
//!   transfer is older than all kept entries answers with `last_txn_*` as unknown, and a last
//!   credit or debit made before it but after the kept range falls back to the first one (the
//!   fields otherwise come from a fold cached since the account's opening). After a restart
//!   that fold starts again from the oldest kept entry, so for such an account the first
//!   credit and debit are the oldest kept ones.

mod auth;
mod errors;
mod handlers;
mod parse;
mod state;
mod wire;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use ledger::{Namespace, TenantId};
use serde_json::Value;
use uuid::Uuid;

use self::errors::{Failure, QoloError, Scene};
use self::state::State;
use crate::common::ids::IdGen;
use crate::common::index::AccountIndex;
use crate::{
    AccountSpec, CatalogueEntry, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor,
};

/// The vendor's one-word name.
const NAME: &str = "qolo";

/// How long an `IdempotencyKey` or `client_reference_id` is remembered.
const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The index kind of account guids.
const ACCOUNT_GUID: &str = "account_guid";

/// The bytes transaction guids are made from (see `Qolo::txn_guid`).
const TXN_SALT: u128 = 0x9d3c_51a2_7e64_4b0f_a8c1_35e9_07d2_6f4b;

/// What an operation needs before it runs, besides a served API version (every one checks it).
#[derive(Clone, Copy)]
enum Handler {
    /// The login: no token yet.
    Open(fn(&Qolo, &Ctx<'_>, &Request) -> Result<Response, Failure>),
    /// Every other operation: a valid bearer token, whose tenant it runs for.
    Authenticated(fn(&Qolo, &Ctx<'_>, TenantId, &Request) -> Result<Response, Failure>),
}

routes! { Handler;
    POST "/api/{version}/auth/login" "Login" => Handler::Open(handlers::login),
    POST "/api/{version}/accounts/AdjustBalance" "AdjustBalance"
        => Handler::Authenticated(handlers::adjust_balance),
    GET "/api/{version}/accounts" "SearchAccount"
        => Handler::Authenticated(handlers::search_accounts),
    GET "/api/{version}/accounts/program/{program_guid}" "GetAccountsByProgram"
        => Handler::Authenticated(handlers::accounts_by_program),
    GET "/api/{version}/accounts/{account_guid}" "GetAccountById"
        => Handler::Authenticated(handlers::get_account),
    GET "/api/{version}/wallets" "SearchWallet" => Handler::Authenticated(handlers::search_wallets),
    GET "/api/{version}/wallets/{wallet_guid}" "GetWalletById"
        => Handler::Authenticated(handlers::get_wallet),
}

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(Qolo::new())
}

/// Qolo's API over the shared ledger, with its own credentials, wallets and account details.
struct Qolo {
    auth: auth::Auth,
    state: State,
    /// `account_guid` → ledger account, per tenant.
    index: AccountIndex,
    /// Keys of the `IdempotencyKey` header.
    idempotency: Arc<Namespace>,
    /// `client_reference_id`s used as keys when no header is sent.
    references: Arc<Namespace>,
    /// Mixed into transaction guids so they look random but stay stable per transfer.
    txn_salt: [u8; 16],
}

impl Qolo {
    fn new() -> Qolo {
        let namespace = |name: &'static str| {
            Arc::new(Namespace {
                name: Cow::Borrowed(name),
                remember_rejections: false,
                retention: IDEMPOTENCY_RETENTION,
            })
        };
        Qolo {
            auth: auth::Auth::new(),
            state: State::default(),
            index: AccountIndex::default(),
            idempotency: namespace("qolo.IdempotencyKey"),
            references: namespace("qolo.client_reference_id"),
            // Fixed, so a replayed script sees the same transaction guids.
            txn_salt: TXN_SALT.to_be_bytes(),
        }
    }

    /// Runs `handler` after the checks every operation shares: the API version, then for all
    /// but the login the bearer token.
    fn run(&self, handler: Handler, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure> {
        parse::version(req)?;
        match handler {
            Handler::Open(handle) => handle(self, ctx, req),
            Handler::Authenticated(handle) => {
                let tenant = self.auth.authenticate(&req.headers, ctx.clock)?;
                match handle(self, ctx, tenant, req) {
                    Ok(resp) => Ok(resp.with_tenant(tenant)),
                    Err(failure) => Err(failure.for_tenant(tenant)),
                }
            }
        }
    }
}

impl Vendor for Qolo {
    fn name(&self) -> &'static str {
        NAME
    }

    fn routes(&self) -> &'static [Route] {
        ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        let res = match HANDLERS.get(route) {
            Some(handler) => self.run(*handler, ctx, req),
            None => Err(errors::internal(format!("route: no operation at index {route}"))),
        };
        res.unwrap_or_else(|failure| {
            let trace_id = ctx.trace_id(failure.tenant);
            failure.into_response(Scene { instance: &req.path, trace_id })
        })
    }

    fn refuse(&self, refusal: Refusal, req: &Request, trace_id: Uuid) -> Response {
        let failure = match refusal {
            Refusal::MethodNotAllowed => {
                Failure::new(QoloError::MethodNotAllowed, "route: method not allowed for this path")
            }
            Refusal::PayloadTooLarge { limit_bytes } => Failure::new(
                QoloError::PayloadTooLarge,
                format!("body: larger than {limit_bytes} bytes"),
            ),
            Refusal::BodyTimeout => {
                Failure::new(QoloError::RequestTimeout, "body: not received in time")
            }
            Refusal::Internal => {
                errors::internal("internal: the handler failed; nothing was changed")
            }
            Refusal::Unavailable => errors::internal(crate::common::persist::UNSTORED),
        };
        failure.into_response(Scene { instance: &req.path, trace_id })
    }

    fn provision_tenant(&self, tenant: TenantId, well_known: bool, ids: &IdGen) -> Value {
        let credentials = self.auth.provision(tenant, well_known, ids);
        serde_json::json!({
            "login_id": credentials.login_id,
            "api_key": credentials.api_key,
            "program_guid": credentials.program_guid.hyphenated().to_string(),
            "login": "POST /api/v1/auth/login {\"login_id\": …, \"api_key\": …}",
        })
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        state::open::open(self, ctx, tenant, spec)
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.index.remove_tenant(tenant);
        self.state.remove(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.auth.remove_tenant(tenant);
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
        handlers::catalogued(ctx, name, req, tenant)
    }

    fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        self.auth.tenant_of(req)
    }

    fn restore(&self, tenant: TenantId, record: &[u8]) -> Result<(), String> {
        state::record::restore(self, tenant, record)
    }
}
