//! Clowd9: the seed's "Update Account Balance" (a `direction` of Credit or Debit on the
//! `account_id` in the body) and the OpenAPI generation of the same API (increase, decrease,
//! correct, transfer, balances, account, ledger entries), behind key/secret login with JWTs.
//!
//! # Source
//!
//! - Seed 001, <https://docs.clowd9.com/docs/account-balance> ("Update Account Balance"): the
//!   request, success and unsuccessful bodies (S3 in `shared/vendors/clowd9.md`).
//! - The OpenAPI 3.0.1 document "CLOWD9 API" 1.10.4 (registry entry `@clowd9/v1.11`): paths,
//!   schemas, status codes, the `rpcStatus` error body, the auth calls and token lifetimes (S1).
//! - Guide pages on amounts in minor units, balances, limits and account statuses (S6–S12).
//!
//! Routes (`operationId` as in S1; the seed's call has none, so it is ours):
//!
//! | method | path | operation |
//! |---|---|---|
//! | POST | `/v1/auth` | `AuthenticateApi` |
//! | POST | `/v1/auth/refresh` | `RefreshToken` |
//! | POST | `/v1/accounts/balance` | `UpdateAccountBalance` (seed; path is our choice) |
//! | POST | `/v1/accounts/transfer` | `TransferFromAccountToAccount` |
//! | POST | `/v1/accounts/{account_id}/increase` | `IncreaseAccountBalance` |
//! | POST | `/v1/accounts/{account_id}/decrease` | `DecreaseAccountBalance` |
//! | POST | `/v1/accounts/{account_id}/correct` | `CorrectAccountBalance` |
//! | GET | `/v1/accounts/{account_id}/balances` | `GetAccountBalance` |
//! | GET | `/v1/accounts/{account_id}/ledger-entries` | `GetLedgerEntriesForAccount` |
//! | GET | `/v1/accounts/{account_id}` | `GetAccount` |
//!
//! # Amount scale
//!
//! Every amount on the wire is an integer count of the account currency's minor unit (ISO 4217
//! exponent: `1000` is 10.00 GBP, 1000 JPY, 1.000 KWD). Request amounts must be JSON integers
//! that fit `int64`: a fraction (`10.5`, even `10.0`), an exponent (`1e3`), a string, `null`, zero
//! or a negative value (except for a correction, which is signed and non-zero) is a 400 `invalid
//! amount`; an amount over the ledger's per-transfer maximum (10^15 major units) too. The amount
//! becomes `Currency::from_minor(amount)`, so it can never have too many decimals. Balances go out
//! as integer strings of minor units (`"100"`, `"-250"`), except `GetAccount`'s
//! `actual_balance`/`available_balance`, which S1 types as JSON integers. The seed's body shows
//! the magnitude with the sign in `*_direction` (`credit` when ≥ 0, `debit` when negative).
//!
//! # Auth
//!
//! `POST /v1/auth` with `{"key","secret"}` returns `access_token` (HS256 JWT, 120 minutes),
//! `refresh_token` (the session, 720 minutes from login), `trace_id` and `api_id`. Every other
//! call needs `Authorization: Bearer <access_token>`. `POST /v1/auth/refresh` takes the
//! *refresh* token as bearer and returns a new access token (never past the session's end)
//! with the same refresh token. Expiry follows each tenant's clock. Wrong key or secret is 500
//! `Invalid authentication details` (as S1 shows); a missing, unknown or expired token is 401
//! `unauthorized`; a valid token of the wrong kind (refresh token on an API call, access token
//! on refresh) is 403 `You do not have correct access rights`. Well-known test-mode credentials
//! of the default tenant: key `sandbank-clowd9-key`, secret `sandbank-clowd9-secret`.
//!
//! With a store (`serve --data`), issued tokens and account identifiers survive a restart
//! (`state/record.rs`): a token keeps working until its own expiry. A login or refresh whose
//! tokens the store refuses is a 500 and hands out nothing.
//!
//! # Error shape
//!
//! S1 operations: `{"code":<HTTP status>,"message":"…","details":[]}`. The seed's call: 400 with
//! `{"account_id","reason","trace_id"}` for every rejection of the request or the change, the
//! S1 body for auth failures. Reasons (S3 `reason` = S1 `message`): the three published ones
//! byte-exact (`exceeds daily limit`, `exceeds maximum balance`, `insufficient balance`), then
//! ours in the same style: `account not found`, `account not active`, `exceeds transaction
//! limit`, `duplicate reference_id`, `currency mismatch`, `source and destination account are
//! the same`, `invalid request body`, `invalid content type`, `<field> is required`,
//! `invalid <field>`. See `errors.rs`.
//!
//! Fault rules draw an entry of the error catalogue (`errors::CATALOGUE`: each reason in snake
//! case, `insufficient_balance`, plus `unavailable`, `rate_limited`, `internal`) on any route,
//! in the body that route answers with. Clowd9 documents no 429 and no 503, so those two are
//! `rpcStatus` (`too many requests`, `service unavailable`) with `Retry-After: 1`.
//!
//! # Idempotency
//!
//! Clowd9 has no idempotency header; `reference_id` is "the unique reference" of a change. A
//! change with a `reference_id` is keyed by `<account_id>/<reference_id>` (source account for a
//! transfer) in the ledger namespace `clowd9.reference_id` for 7 days of ledger time: the same
//! key with the same body replays the first outcome (same balances, nothing moves again); with a
//! different body (any field, or another operation) it is 400 `duplicate reference_id`.
//! Rejected changes are not remembered, so a declined change can be retried with its
//! `reference_id` once the cause is fixed. Without `reference_id` nothing is deduplicated.
//! S1 declares `minLength: 1` only on increase, decrease and transfer, where `""` is 400
//! `invalid reference_id`; a correction's and the seed's call's `reference_id` is a plain
//! string (the seed's own example sends `""`), and an empty one there keys nothing, like an
//! absent one.
//!
//! # Choices
//!
//! Where Clowd9 is silent (each marked **\[inferred\]** in `shared/vendors/clowd9.md`):
//! - The seed's call is served at `POST /v1/accounts/balance` (body-addressed, like S1's
//!   `/v1/accounts/transfer`), answers 200 on success and 400 with its unsuccessful body.
//! - The seed's success body uses the field table's spelling `previous_account_balance_direction`
//!   / `new_account_balance_direction`; the JSON example's misspelling (`..._driection`) is sent
//!   instead when the request carries `X-Sandbank-Clowd9-Spelling: example`.
//! - `direction` is accepted in any case (`Credit`, `credit`, `CREDIT`); directions in responses
//!   are lower case as in the example. `account_balance` is the actual (posted) balance. Both of
//!   the seed's bodies echo `account_id` as sent (`""` when it was absent or not a string).
//! - `trace_id` is this request's trace id: a dashed UUID on the seed's call (as the seed shows),
//!   32 hex digits on S1 calls (as S1 patterns it). A replay gets its own trace id.
//! - An unknown `account_id`, or another tenant's, is 400 `account not found` (S6 lists it as an
//!   ordinary rejection; S1 declares no 404). A transfer's `source_account_id` /
//!   `destination_account_id` need only be 36 characters long (S1 gives them no UUID pattern):
//!   a shorter one is `invalid <field>`, one of 36 or more characters that is no UUID names no
//!   account and is `account not found` too.
//! - Insufficient balance is judged on the available balance down to the account's minimum
//!   (`overdraft_value` = minus the minimum), not on the actual balance as S6 words it.
//! - Increase/decrease/correct move actual and available alike (posted transfers). Credits check
//!   the maximum balance and daily credit limits; debits the daily debit limits and available
//!   funds; every daily limit (amount or count, credit or debit) answers `exceeds daily limit`.
//!   Daily limits reset at 00:00 UTC.
//! - Unparseable, non-object or wrongly typed bodies and non-JSON `Content-Type` are 400; a body
//!   without `Content-Type` is read as JSON. Unknown body fields are ignored. `RefreshToken`
//!   accepts an empty body or any JSON object.
//! - `rpcStatus.message` of a 400 is the same reason text as the seed's `reason` (S1's only
//!   400 example says `Unauthorized`, a copy slip); `code` is the HTTP status.
//! - Text limits: `reference_name` and the seed's `type` ≤ 30 characters, `reference` and a
//!   correction's `reason` ≤ 100 (S1); `reference_id`, `destination`, `correction_type` ≤ 100
//!   (ours; S1 states none). `client_id`, when sent, must be a UUID and is only recorded.
//! - Ledger entries: one row per ledger entry (`balance_type` `Actual` for postings, `Available`
//!   for holds); `from_date`..`to_date` are whole UTC days, both included, narrowed by
//!   `from_time`/`to_time` (inclusive to the second); `sort=asc` (default) is oldest first (S1's
//!   wording, "from the newest (asc) to the oldest", is garbled; we keep the usual meaning);
//!   `limit` 1–100, default 100; `count` is the rows in this page;
//!   `next_page_token` is `""` on the last page; `entry_source` is `API` for changes made
//!   through these calls and `Sandbank` for admin postings (opening balance).
//! - `GetAccount`: `account_type` `single`, `multi_currency` `n`, `account_status` `active` /
//!   `freeze` / `closed`; `account_name` and `external_id` are `""` when not set.
//! - Refusals: a wrong method is 405 and an oversized or late body 400, all in `rpcStatus`.
//! - `open_account` takes `account_id`, `account_profile_id`, `main_account_id` (UUIDs),
//!   `account_name`, `external_id` (unique per tenant) from `vendor_ids`; `account_id` and
//!   `account_profile_id` are generated when absent.
//!
//! # Known gaps
//!
//! - The seed's example request is a template (`"amount": ,` is not JSON); it is answered 400
//!   `invalid request body`. Filled in with the field table's samples, or with only `amount`
//!   and `direction` (its other values staying `""`), it is accepted.
//! - The notes' switches (S3 path, 400 vs 404 for unknown accounts, reference_id policy,
//!   trace_id formats, actual vs available for insufficient funds) are fixed choices: there is
//!   no per-tenant configuration surface yet.
//! - Not served: `/healthz`, `/v1/clowd9api`, account creation and status (`POST /v1/accounts`,
//!   `/v1/accounts/{account_id}/status`; accounts come from the admin API), customers, cards,
//!   behaviours; the older flat account read (S7).
//! - A correction is a plain posted transfer, so it is subject to the account's limits (a real
//!   `InternalCorrection` may bypass them).
//! - `details[]` of `rpcStatus` is always empty.

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
use uuid::Uuid;

use self::auth::Auth;
use self::errors::Scene;
use self::state::Accounts;
use crate::{
    AccountSpec, CatalogueEntry, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor,
};

/// The vendor's one-word name.
const NAME: &str = "clowd9";

/// How long a `reference_id` is remembered, in ledger time.
const REFERENCE_ID_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// What a route runs: the two auth calls check their own tokens; every other operation needs
/// an access token, checked once in [`Vendor::handle`] before its handler runs.
enum Handler {
    /// `POST /v1/auth` and `POST /v1/auth/refresh`.
    Auth(fn(&Clowd9, &Ctx<'_>, &Request) -> Response),
    /// An API call, given the tenant of its access token.
    Api(fn(&Clowd9, &Ctx<'_>, TenantId, &Request) -> Response),
}

// Literal paths come before `{account_id}` ones, so a router that tries routes in order (the
// tests' one) prefers them, as `matchit` does.
routes! { Handler;
    POST "/v1/auth" "AuthenticateApi" => Handler::Auth(handlers::authenticate_api),
    POST "/v1/auth/refresh" "RefreshToken" => Handler::Auth(handlers::refresh_token),
    POST "/v1/accounts/balance" "UpdateAccountBalance"
        => Handler::Api(handlers::update_account_balance),
    POST "/v1/accounts/transfer" "TransferFromAccountToAccount"
        => Handler::Api(handlers::transfer_from_account_to_account),
    POST "/v1/accounts/{account_id}/increase" "IncreaseAccountBalance"
        => Handler::Api(handlers::increase_account_balance),
    POST "/v1/accounts/{account_id}/decrease" "DecreaseAccountBalance"
        => Handler::Api(handlers::decrease_account_balance),
    POST "/v1/accounts/{account_id}/correct" "CorrectAccountBalance"
        => Handler::Api(handlers::correct_account_balance),
    GET "/v1/accounts/{account_id}/balances" "GetAccountBalance"
        => Handler::Api(handlers::get_account_balance),
    GET "/v1/accounts/{account_id}/ledger-entries" "GetLedgerEntriesForAccount"
        => Handler::Api(handlers::get_ledger_entries_for_account),
    GET "/v1/accounts/{account_id}" "GetAccount" => Handler::Api(handlers::get_account),
}

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(Clowd9::default())
}

/// Clowd9's state: credentials and tokens, account identifiers, the `reference_id` namespace.
struct Clowd9 {
    auth: Auth,
    accounts: Accounts,
    namespace: Arc<Namespace>,
}

impl Default for Clowd9 {
    fn default() -> Clowd9 {
        Clowd9 {
            auth: Auth::default(),
            accounts: Accounts::default(),
            namespace: Arc::new(Namespace {
                name: Cow::Borrowed("clowd9.reference_id"),
                remember_rejections: false,
                retention: REFERENCE_ID_RETENTION,
            }),
        }
    }
}

impl Vendor for Clowd9 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn routes(&self) -> &'static [Route] {
        ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        match HANDLERS.get(route) {
            Some(Handler::Auth(handler)) => handler(self, ctx, req),
            Some(Handler::Api(handler)) => match self.auth.authenticate(ctx, req) {
                Ok(tenant) => handler(self, ctx, tenant, req).with_tenant(tenant),
                Err(failure) => failure.into_response(Scene::Rpc),
            },
            None => errors::no_route(route).into_response(Scene::Rpc),
        }
    }

    fn refuse(&self, refusal: Refusal, _req: &Request, _trace_id: Uuid) -> Response {
        errors::refusal(refusal).into_response(Scene::Rpc)
    }

    fn provision_tenant(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> serde_json::Value {
        self.auth.provision(tenant, well_known, ids)
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        handlers::open_account(self, ctx, tenant, spec)
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.accounts.remove_tenant(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.reset_tenant(tenant);
        self.auth.remove_tenant(tenant);
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
