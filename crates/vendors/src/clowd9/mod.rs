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
mod calendar;
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
    AccountChange, AccountView, DailyLimit, Direction, Entry, EntryKind, Namespace, Party, Status,
    TenantId, Transfer,
};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use uuid::Uuid;

use self::auth::Auth;
use self::errors::{Clowd9Error, Reason};
use self::state::{AccountEntry, Accounts};
use self::wire::{
    AccountDetails, AuthenticateApiResponse, BalanceChangeResponse, CurrencyNumeric,
    GetAccountBalanceResponse, GetAccountResponse, GetLedgerEntriesResponse, LedgerEntry,
    MinorText, Text, TraceHex, TraceUuid, TransferFromAccountToAccountResponse,
    UpdateAccountBalanceRequest, UpdateAccountBalanceResponse,
    UpdateAccountBalanceResponseAsExample,
};
use crate::common::accounts;
use crate::{AccountSpec, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor};

/// The vendor's one-word name.
const NAME: &str = "clowd9";

/// How long a `reference_id` is remembered, in ledger time.
const REFERENCE_ID_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The header that asks for the seed example's misspelled keys, and its value.
const SPELLING_HEADER: &str = "x-sandbank-clowd9-spelling";
const SPELLING_AS_EXAMPLE: &str = "example";

/// History entries read per ledger-entries request at most, so a narrow date filter over a long
/// history stays bounded; the page then ends early with a `next_page_token`.
const ENTRIES_SCANNED_MAX: usize = 10_000;

/// Literal paths come before `{account_id}` ones, so a router that tries routes in order
/// (the tests' one) prefers them, as `matchit` does.
static ROUTES: [Route; 10] = [
    Route { method: Method::POST, path: "/v1/auth", operation: "AuthenticateApi" },
    Route { method: Method::POST, path: "/v1/auth/refresh", operation: "RefreshToken" },
    Route { method: Method::POST, path: "/v1/accounts/balance", operation: "UpdateAccountBalance" },
    Route {
        method: Method::POST,
        path: "/v1/accounts/transfer",
        operation: "TransferFromAccountToAccount",
    },
    Route {
        method: Method::POST,
        path: "/v1/accounts/{account_id}/increase",
        operation: "IncreaseAccountBalance",
    },
    Route {
        method: Method::POST,
        path: "/v1/accounts/{account_id}/decrease",
        operation: "DecreaseAccountBalance",
    },
    Route {
        method: Method::POST,
        path: "/v1/accounts/{account_id}/correct",
        operation: "CorrectAccountBalance",
    },
    Route {
        method: Method::GET,
        path: "/v1/accounts/{account_id}/balances",
        operation: "GetAccountBalance",
    },
    Route {
        method: Method::GET,
        path: "/v1/accounts/{account_id}/ledger-entries",
        operation: "GetLedgerEntriesForAccount",
    },
    Route { method: Method::GET, path: "/v1/accounts/{account_id}", operation: "GetAccount" },
];

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

/// An amount as integer minor units of its currency (exact: balances never have more decimals
/// than the currency allows, and `i128` holds any ledger balance).
fn minor(amount: Decimal, currency: ledger::Currency) -> i128 {
    let mut scaled = amount;
    scaled.rescale(currency.exponent());
    scaled.mantissa()
}

/// The seed's `*_direction`: `credit` for a balance ≥ 0, `debit` below.
fn balance_direction(minor: i128) -> &'static str {
    if minor < 0 { "debit" } else { "credit" }
}

/// The change to `direction`'s side of a receipt: our account's before and after.
fn account_change(
    receipt: &ledger::Receipt,
    direction: Direction,
) -> Result<AccountChange, Clowd9Error> {
    let side = match direction {
        Direction::Credit => receipt.credit,
        Direction::Debit => receipt.debit,
    };
    side.ok_or_else(|| Clowd9Error::Internal {
        rule: "internal: receipt lacks the account's side".to_string(),
    })
}

/// The (debit, credit) customer accounts of a change of `account` in `direction`.
fn sides(
    direction: Direction,
    account: AccountEntry,
) -> (Option<AccountEntry>, Option<AccountEntry>) {
    match direction {
        Direction::Credit => (None, Some(account)),
        Direction::Debit => (Some(account), None),
    }
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Frozen => "freeze",
        Status::Closed => "closed",
    }
}

impl Clowd9 {
    /// The tenant's account `account_id`, or `account not found`.
    fn account(&self, tenant: TenantId, account_id: Uuid) -> Result<AccountEntry, Clowd9Error> {
        self.accounts.get(tenant, account_id).ok_or_else(|| {
            Clowd9Error::bad(
                Reason::AccountNotFound,
                format!("account {account_id}: no such account for this client"),
            )
        })
    }

    /// A transfer's account: an id that is no UUID (`None`) is as unknown as any other.
    fn transfer_account(
        &self,
        tenant: TenantId,
        account_id: Option<Uuid>,
        field: &'static str,
    ) -> Result<AccountEntry, Clowd9Error> {
        match account_id {
            Some(account_id) => self.account(tenant, account_id),
            None => Err(Clowd9Error::bad(
                Reason::AccountNotFound,
                format!("field {field}: not a UUID, so no account of this client"),
            )),
        }
    }

    /// The Clowd9 error for a refused transfer, with the numbers behind a limit in the rule
    /// (read only on this failure path):
    /// `ledger: insufficient funds (available 60, minimum 0, debit 61 minor units)`.
    fn refused(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        err: &ledger::Error,
        amount_minor: i64,
        sides: (Option<AccountEntry>, Option<AccountEntry>),
    ) -> Clowd9Error {
        let mut error = Clowd9Error::from(err);
        let (debit, credit) = sides;
        let view = |side: Option<AccountEntry>| {
            side.and_then(|account| ctx.ledger.account(ctx.now(tenant), tenant, account.id))
        };
        let detail = match err {
            ledger::Error::InsufficientFunds => view(debit).map(|view| {
                let m = |amount| minor(amount, view.currency);
                format!(
                    "available {}, minimum {}, debit {amount_minor} minor units",
                    m(view.balances.available),
                    m(view.limits.balance_min)
                )
            }),
            ledger::Error::BalanceMaximumExceeded => view(credit).map(|view| {
                let m = |amount| minor(amount, view.currency);
                let max = view.limits.balance_max.map(m).map_or("none".into(), |n| n.to_string());
                format!(
                    "balance {}, incoming {}, credit {amount_minor}, maximum {max} minor units",
                    m(view.balances.posted),
                    m(view.balances.pending_credits)
                )
            }),
            ledger::Error::DailyLimitExceeded { limit } => {
                let (side, label) = match limit {
                    DailyLimit::DebitAmount | DailyLimit::DebitCount => (debit, "debit"),
                    DailyLimit::CreditAmount | DailyLimit::CreditCount => (credit, "credit"),
                };
                view(side).map(|view| {
                    let m = |amount| minor(amount, view.currency);
                    let (limits, daily) = (&view.limits, view.daily);
                    let shown =
                        |max: Option<Decimal>| max.map(m).map_or("none".into(), |n| n.to_string());
                    let shown_count =
                        |max: Option<u32>| max.map_or("none".into(), |n| n.to_string());
                    match limit {
                        DailyLimit::DebitAmount => format!(
                            "debited today {}, {label} {amount_minor}, daily maximum {} minor units",
                            m(daily.debit_amount),
                            shown(limits.daily_debit_amount_max)
                        ),
                        DailyLimit::CreditAmount => format!(
                            "credited today {}, {label} {amount_minor}, daily maximum {} minor units",
                            m(daily.credit_amount),
                            shown(limits.daily_credit_amount_max)
                        ),
                        DailyLimit::DebitCount => format!(
                            "debits today {}, daily maximum {}",
                            daily.debit_count,
                            shown_count(limits.daily_debit_count_max)
                        ),
                        DailyLimit::CreditCount => format!(
                            "credits today {}, daily maximum {}",
                            daily.credit_count,
                            shown_count(limits.daily_credit_count_max)
                        ),
                    }
                })
            }
            ledger::Error::TransferMaximumExceeded => {
                [debit, credit].into_iter().find_map(|side| {
                    let view = view(side)?;
                    let max = view.limits.transfer_amount_max?;
                    let max = minor(max, view.currency);
                    (i128::from(amount_minor) > max).then(|| {
                        format!("amount {amount_minor}, per-change maximum {max} minor units")
                    })
                })
            }
            _ => None,
        };
        if let (Clowd9Error::BadRequest { rule, .. }, Some(detail)) = (&mut error, detail) {
            rule.push_str(&format!(" ({detail})"));
        }
        error
    }

    /// The `{account_id}` path parameter, validated and resolved.
    fn path_account(
        &self,
        tenant: TenantId,
        req: &Request,
    ) -> Result<(Uuid, AccountEntry), Clowd9Error> {
        let text = req.param("account_id").unwrap_or_default();
        let account_id = parse::uuid(text, "account_id")?;
        Ok((account_id, self.account(tenant, account_id)?))
    }

    fn view(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        account_id: Uuid,
        account: AccountEntry,
    ) -> Result<AccountView, Clowd9Error> {
        ctx.ledger.account(ctx.now(tenant), tenant, account.id).ok_or_else(|| {
            Clowd9Error::bad(
                Reason::AccountNotFound,
                format!("account {account_id}: indexed but gone from the ledger"),
            )
        })
    }

    fn authenticate_api(&self, ctx: &Ctx<'_>, req: &Request) -> Response {
        let res = parse::body(req).and_then(|body: wire::AuthenticateApiRequest<'_>| {
            let (key, secret) = parse::credentials(&body)?;
            self.auth.login(ctx, key, secret)
        });
        match res {
            Ok(issued) => issued_response(ctx, &issued),
            Err(err) => err.into_response(),
        }
    }

    fn refresh_token(&self, ctx: &Ctx<'_>, req: &Request) -> Response {
        match self.auth.refresh(ctx, req) {
            Ok(issued) => match parse::refresh_body(req) {
                Ok(()) => issued_response(ctx, &issued),
                Err(err) => err.into_response().with_tenant(issued.tenant),
            },
            Err(err) => err.into_response(),
        }
    }

    /// The seed's call: the hot path (token check, one index read, one ledger call).
    fn update_account_balance(&self, ctx: &Ctx<'_>, req: &Request) -> Response {
        let tenant = match self.auth.authenticate(ctx, req) {
            Ok(tenant) => tenant,
            Err(err) => return err.into_response(),
        };
        let body: UpdateAccountBalanceRequest<'_> = match parse::body(req) {
            Ok(body) => body,
            Err(err) => return err.into_update_response("", ctx.trace_id).with_tenant(tenant),
        };
        let echoed = parse::echoed_account_id(&body);
        let res = self.apply_update(ctx, tenant, &body, echoed, req);
        match res {
            Ok(resp) => resp,
            Err(err) => err.into_update_response(echoed, ctx.trace_id),
        }
        .with_tenant(tenant)
    }

    fn apply_update(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        body: &UpdateAccountBalanceRequest<'_>,
        echoed: &str,
        req: &Request,
    ) -> Result<Response, Clowd9Error> {
        let command = parse::update(body)?;
        let account = self.account(tenant, command.account_id)?;
        let (direction, amount_minor) = (command.direction, command.amount_minor);
        let transfer = command.into_transfer(tenant, account, &self.namespace);
        let applied = ctx.ledger.transfer(ctx.now(tenant), transfer).map_err(|err| {
            self.refused(ctx, tenant, &err, amount_minor, sides(direction, account))
        })?;
        let change = account_change(applied.receipt(), direction)?;
        let previous = minor(change.before.posted, account.currency);
        let new = minor(change.after.posted, account.currency);
        let trace_id = TraceUuid(ctx.trace_id);
        let as_example = req
            .header(SPELLING_HEADER)
            .is_some_and(|value| value.eq_ignore_ascii_case(SPELLING_AS_EXAMPLE));
        Ok(if as_example {
            Response::json(
                StatusCode::OK,
                &UpdateAccountBalanceResponseAsExample {
                    account_id: echoed,
                    previous_account_balance: MinorText(previous.abs()),
                    previous_account_balance_driection: balance_direction(previous),
                    new_account_balance: MinorText(new.abs()),
                    new_account_balance_driection: balance_direction(new),
                    trace_id,
                },
            )
        } else {
            Response::json(
                StatusCode::OK,
                &UpdateAccountBalanceResponse {
                    account_id: echoed,
                    previous_account_balance: MinorText(previous.abs()),
                    previous_account_balance_direction: balance_direction(previous),
                    new_account_balance: MinorText(new.abs()),
                    new_account_balance_direction: balance_direction(new),
                    trace_id,
                },
            )
        })
    }

    /// Runs `handler` for the tenant of the request's access token; renders either outcome.
    fn authenticated(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        handler: impl FnOnce(TenantId) -> Result<Response, Clowd9Error>,
    ) -> Response {
        match self.auth.authenticate(ctx, req) {
            Ok(tenant) => {
                handler(tenant).unwrap_or_else(Clowd9Error::into_response).with_tenant(tenant)
            }
            Err(err) => err.into_response(),
        }
    }

    /// Increase, decrease and correct: one account, S1 balance-change body.
    fn change_balance(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
        operation: Operation,
    ) -> Result<Response, Clowd9Error> {
        let account_id = parse::uuid(req.param("account_id").unwrap_or_default(), "account_id")?;
        let command = match operation {
            Operation::Increase => {
                parse::increase_or_decrease(account_id, &parse::body(req)?, Direction::Credit)?
            }
            Operation::Decrease => {
                parse::increase_or_decrease(account_id, &parse::body(req)?, Direction::Debit)?
            }
            Operation::Correct => parse::correct(account_id, &parse::body(req)?)?,
        };
        let account = self.account(tenant, account_id)?;
        let (direction, amount_minor) = (command.direction, command.amount_minor);
        let transfer = command.into_transfer(tenant, account, &self.namespace);
        let applied = ctx.ledger.transfer(ctx.now(tenant), transfer).map_err(|err| {
            self.refused(ctx, tenant, &err, amount_minor, sides(direction, account))
        })?;
        let change = account_change(applied.receipt(), direction)?;
        let currency = account.currency;
        Ok(Response::json(
            StatusCode::OK,
            &BalanceChangeResponse {
                previous_actual_balance: MinorText(minor(change.before.posted, currency)),
                new_actual_balance: MinorText(minor(change.after.posted, currency)),
                previous_available_balance: MinorText(minor(change.before.available, currency)),
                new_available_balance: MinorText(minor(change.after.available, currency)),
                trace_id: TraceHex(ctx.trace_id),
            },
        ))
    }

    fn transfer(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, Clowd9Error> {
        let command = parse::transfer(&parse::body(req)?)?;
        let source = self.transfer_account(tenant, command.source, "source_account_id")?;
        let destination =
            self.transfer_account(tenant, command.destination, "destination_account_id")?;
        let mut transfer = Transfer::between(
            tenant,
            Party::Account(source.id),
            Party::Account(destination.id),
            source.currency.from_minor(command.amount_minor),
            source.currency,
        )
        .with_metadata(command.metadata);
        if let Some(key) = command.key {
            transfer = transfer.with_key(ledger::IdempotencyKey::new(self.namespace.clone(), key));
        }
        ctx.ledger.transfer(ctx.now(tenant), transfer).map_err(|err| {
            let sides = (Some(source), Some(destination));
            self.refused(ctx, tenant, &err, command.amount_minor, sides)
        })?;
        Ok(Response::json(
            StatusCode::OK,
            &TransferFromAccountToAccountResponse { trace_id: TraceHex(ctx.trace_id) },
        ))
    }

    fn get_account_balance(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, Clowd9Error> {
        let (account_id, account) = self.path_account(tenant, req)?;
        let view = self.view(ctx, tenant, account_id, account)?;
        let currency = view.currency;
        Ok(Response::json(
            StatusCode::OK,
            &GetAccountBalanceResponse {
                actual_balance: MinorText(minor(view.balances.posted, currency)),
                available_balance: MinorText(minor(view.balances.available, currency)),
                overdraft_value: MinorText(minor(-view.limits.balance_min, currency)),
                authorized: MinorText(minor(view.balances.pending_debits, currency)),
                trace_id: TraceHex(ctx.trace_id),
            },
        ))
    }

    fn get_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, Clowd9Error> {
        let (account_id, account) = self.path_account(tenant, req)?;
        let view = self.view(ctx, tenant, account_id, account)?;
        let currency = view.currency;
        let label = |name: &str| view.labels.get(name).map(String::as_str);
        let details = AccountDetails {
            account_id: Text(account_id.hyphenated()),
            account_profile_id: label("account_profile_id").unwrap_or_default(),
            main_account_id: label("main_account_id"),
            account_name: label("account_name").unwrap_or_default(),
            account_status: status_text(view.status),
            account_currency_code: Text(CurrencyNumeric(currency.numeric())),
            account_currency: currency.code(),
            account_type: "single",
            multi_currency: "n",
            external_id: label("external_id").unwrap_or_default(),
            actual_balance: minor(view.balances.posted, currency),
            available_balance: minor(view.balances.available, currency),
            overdraft_value: MinorText(minor(-view.limits.balance_min, currency)),
            authorized: MinorText(minor(view.balances.pending_debits, currency)),
            trace_id: TraceHex(ctx.trace_id),
        };
        Ok(Response::json(StatusCode::OK, &GetAccountResponse { account_details: [details] }))
    }

    fn get_ledger_entries(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, Clowd9Error> {
        let (account_id, account) = self.path_account(tenant, req)?;
        let query = parse::entries_query(req)?;
        let (entries, next) = self.collect_entries(ctx, tenant, account_id, account, &query)?;
        let rows: Vec<LedgerEntry<'_>> =
            entries.iter().map(|entry| ledger_row(account_id, account.currency, entry)).collect();
        let count = rows.len();
        Ok(Response::json(
            StatusCode::OK,
            &GetLedgerEntriesResponse {
                accounts: rows,
                next_page_token: next
                    .map(|position| parse::page_token(query.order, position))
                    .unwrap_or_default(),
                count: Text(count),
                trace_id: TraceHex(ctx.trace_id),
            },
        ))
    }

    /// Walks history from the query's cursor in its order, keeping entries inside the time
    /// window, until `limit` are found, history ends, or [`ENTRIES_SCANNED_MAX`] were read.
    /// Returns them and the history position to resume from, if anything is left.
    fn collect_entries(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        account_id: Uuid,
        account: AccountEntry,
        query: &parse::EntriesQuery,
    ) -> Result<(Vec<Entry>, Option<u64>), Clowd9Error> {
        let mut found = Vec::new();
        let mut cursor = query.cursor;
        let mut n_scanned = 0;
        // The first read asks for just a page's worth (all of it when nothing is filtered out);
        // later reads, needed only when the time window skips entries, take the ledger's most.
        let mut n_wanted = query.limit;
        loop {
            let page = ctx
                .ledger
                .entries(tenant, account.id, cursor, n_wanted, query.order)
                .ok_or_else(|| {
                    Clowd9Error::bad(
                        Reason::AccountNotFound,
                        format!("account {account_id}: indexed but gone from the ledger"),
                    )
                })?;
            let n_page = page.entries.len();
            // The absolute history index of the page's first entry, and the step between
            // entries: oldest-first pages count up from the cursor, newest-first pages count
            // down to the next cursor (see `ledger::Ledger::entries`).
            let (first, step): (i128, i128) = match query.order {
                ledger::Order::OldestFirst => (i128::from(cursor.map_or(0, |c| c.0)), 1),
                ledger::Order::NewestFirst => {
                    let start = page.next.map_or(0, |c| c.0);
                    (i128::from(start) + i128::try_from(n_page).unwrap_or(0) - 1, -1)
                }
            };
            for (idx, entry) in page.entries.into_iter().enumerate() {
                n_scanned += 1;
                let at = entry.at.as_unix_micros();
                if (query.from_micros..query.to_micros).contains(&at) {
                    found.push(entry);
                }
                let more = idx + 1 < n_page || page.next.is_some();
                if more && (found.len() == query.limit || n_scanned >= ENTRIES_SCANNED_MAX) {
                    let position = first + step * i128::try_from(idx).unwrap_or(0);
                    // Resume after this entry: one further on for oldest-first; for newest-first
                    // the cursor is the exclusive end, i.e. this entry's own index.
                    let resume = match query.order {
                        ledger::Order::OldestFirst => position + 1,
                        ledger::Order::NewestFirst => position,
                    };
                    return Ok((found, u64::try_from(resume).ok()));
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok((found, None)),
            }
            n_wanted = ledger::PAGE_ENTRIES_MAX;
        }
    }
}

/// The three single-account S1 balance changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Increase,
    Decrease,
    Correct,
}

fn issued_response(ctx: &Ctx<'_>, issued: &auth::Issued) -> Response {
    Response::json(
        StatusCode::OK,
        &AuthenticateApiResponse {
            access_token: &issued.access_token,
            refresh_token: &issued.refresh_token,
            trace_id: TraceHex(ctx.trace_id),
            api_id: TraceUuid(issued.api_id),
        },
    )
    .with_tenant(issued.tenant)
}

/// One history entry as a Clowd9 ledger entry row.
fn ledger_row(account_id: Uuid, currency: ledger::Currency, entry: &Entry) -> LedgerEntry<'_> {
    let meta = |key: &str| entry.metadata.as_deref().and_then(|metadata| metadata.get(key));
    let magnitude = minor(entry.amount, currency);
    let raises = match (entry.kind, entry.direction) {
        (EntryKind::PendingVoided, Direction::Debit) => true,
        (EntryKind::PendingVoided, Direction::Credit) => false,
        (_, direction) => direction == Direction::Credit,
    };
    let balance_type = match entry.kind {
        EntryKind::Posted | EntryKind::PendingPosted => "Actual",
        EntryKind::Pending | EntryKind::PendingVoided => "Available",
    };
    let entry_type = meta(parse::meta::ENTRY_TYPE);
    LedgerEntry {
        account_id: Text(account_id.hyphenated()),
        amount: MinorText(if raises { magnitude } else { -magnitude }),
        balance_type,
        date_time: Text(calendar::DateTime(entry.at)),
        entry_source: if entry_type.is_some() { "API" } else { "Sandbank" },
        entry_type: entry_type.or_else(|| meta("description")).unwrap_or("adjustment"),
        reference: meta(parse::meta::REFERENCE).unwrap_or_default(),
        reference_id: meta(parse::meta::REFERENCE_ID).unwrap_or_default(),
        reference_name: meta(parse::meta::REFERENCE_NAME).unwrap_or_default(),
    }
}

/// Reads one `vendor_ids` value that must be a string of at most `chars_max` characters.
fn vendor_text<'a>(key: &str, value: &'a Value, chars_max: usize) -> Result<&'a str, String> {
    match value {
        Value::String(text) if !text.is_empty() && text.chars().count() <= chars_max => Ok(text),
        _ => Err(format!("{key} must be a non-empty string of at most {chars_max} characters")),
    }
}

impl Vendor for Clowd9 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn routes(&self) -> &'static [Route] {
        &ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        let operation = ROUTES.get(route).map_or("", |route| route.operation);
        match operation {
            "UpdateAccountBalance" => self.update_account_balance(ctx, req),
            "IncreaseAccountBalance" => self.authenticated(ctx, req, |tenant| {
                self.change_balance(ctx, tenant, req, Operation::Increase)
            }),
            "DecreaseAccountBalance" => self.authenticated(ctx, req, |tenant| {
                self.change_balance(ctx, tenant, req, Operation::Decrease)
            }),
            "CorrectAccountBalance" => self.authenticated(ctx, req, |tenant| {
                self.change_balance(ctx, tenant, req, Operation::Correct)
            }),
            "TransferFromAccountToAccount" => {
                self.authenticated(ctx, req, |tenant| self.transfer(ctx, tenant, req))
            }
            "GetAccountBalance" => {
                self.authenticated(ctx, req, |tenant| self.get_account_balance(ctx, tenant, req))
            }
            "GetAccount" => {
                self.authenticated(ctx, req, |tenant| self.get_account(ctx, tenant, req))
            }
            "GetLedgerEntriesForAccount" => {
                self.authenticated(ctx, req, |tenant| self.get_ledger_entries(ctx, tenant, req))
            }
            "AuthenticateApi" => self.authenticate_api(ctx, req),
            "RefreshToken" => self.refresh_token(ctx, req),
            other => Clowd9Error::Internal { rule: format!("internal: no operation {other}") }
                .into_response(),
        }
    }

    fn refuse(&self, refusal: Refusal, _req: &Request, _trace_id: Uuid) -> Response {
        match refusal {
            Refusal::MethodNotAllowed => Clowd9Error::MethodNotAllowed,
            Refusal::PayloadTooLarge { limit_bytes } => Clowd9Error::bad(
                Reason::BodyTooLarge,
                format!("body: over the {limit_bytes}-byte limit"),
            ),
            Refusal::BodyTimeout => {
                Clowd9Error::bad(Reason::BodyTimeout, "body: not received in time")
            }
            Refusal::Internal => Clowd9Error::Internal {
                rule: "internal: the handler failed; nothing was changed".to_string(),
            },
        }
        .into_response()
    }

    fn provision_tenant(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> Value {
        self.auth.provision(tenant, well_known, ids)
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        let mut account_id = None;
        let mut account_profile_id = None;
        let mut main_account_id = None;
        let mut account_name = None;
        let mut external_id = None;
        let as_uuid = |key: &'static str, value: &Value| -> Result<Uuid, String> {
            let text = vendor_text(key, value, 36)?;
            parse::uuid(text, key).map_err(|_| format!("{key} {text:?} is not a UUID"))
        };
        for (key, value) in &spec.vendor_ids {
            match key.as_str() {
                "account_id" => account_id = Some(as_uuid("account_id", value)?),
                "account_profile_id" => {
                    account_profile_id = Some(as_uuid("account_profile_id", value)?);
                }
                "main_account_id" => main_account_id = Some(as_uuid("main_account_id", value)?),
                "account_name" => account_name = Some(vendor_text(key, value, 100)?),
                "external_id" => external_id = Some(vendor_text(key, value, 100)?),
                other => {
                    return Err(format!(
                        "unknown clowd9 identifier {other:?}; known: account_id, \
                         account_profile_id, main_account_id, account_name, external_id"
                    ));
                }
            }
        }
        let ids = ctx.ids(tenant);
        let account_id = account_id.unwrap_or_else(|| ids.uuid());
        let account_profile_id = account_profile_id.unwrap_or_else(|| ids.uuid());
        let mut vendor_ids = Map::new();
        let uuid_value = |id: Uuid| Value::String(id.hyphenated().to_string());
        vendor_ids.insert("account_id".into(), uuid_value(account_id));
        vendor_ids.insert("account_profile_id".into(), uuid_value(account_profile_id));
        if let Some(main_account_id) = main_account_id {
            vendor_ids.insert("main_account_id".into(), uuid_value(main_account_id));
        }
        if let Some(account_name) = account_name {
            vendor_ids.insert("account_name".into(), Value::String(account_name.to_string()));
        }
        if let Some(external_id) = external_id {
            vendor_ids.insert("external_id".into(), Value::String(external_id.to_string()));
        }
        let account = self.accounts.open_with(tenant, account_id, external_id, || {
            let view = accounts::open(ctx, tenant, NAME, spec, &vendor_ids)?;
            let entry = AccountEntry { id: view.id, currency: view.currency };
            Ok((view, entry))
        })?;
        Ok(OpenedAccount { account, vendor_ids })
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.accounts.remove_tenant(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.reset_tenant(tenant);
        self.auth.remove_tenant(tenant);
    }
}
