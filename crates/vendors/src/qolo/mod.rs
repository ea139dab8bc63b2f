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
//!   documented guesses. 429 rate limiting is never emulated.
//! - `SYSTEM` and `OPTOUT` statuses do not exist in the ledger (only `ACTIVE`, `FREEZE`,
//!   `CLOSED`); `mask_account_number`, `advance_account_details`,
//!   `status_change_nonmon_detail` and card PAN data are always null.
//! - Amounts in exponent form (`1e2`), which .NET would read, are refused.
//! - The ledger keeps an account's newest 65,536 history entries. A replay of a request whose
//!   transfer is older than all kept entries answers with `last_txn_*` as unknown, and a last
//!   credit or debit made before it but after the kept range falls back to the first one (the
//!   fields otherwise come from a fold cached since the account's opening).

mod auth;
mod errors;
mod parse;
mod state;
mod time;
mod wire;

#[cfg(test)]
mod tests;

use crate::common::HashMap;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Method, StatusCode};
use ledger::{
    AccountView, IdempotencyKey, Metadata, Namespace, Status, TenantId, Transfer, TransferId,
};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use uuid::Uuid;

use self::errors::QoloError;
use self::parse::{Adjustment, BasedOn, Direction, Target};
use self::state::{AccountRecord, Activity, Card, QoloBalances, State, Wallet};
use self::wire::{DateTime, Guid};
use crate::common::accounts::{self, AccountSpec, OpenedAccount};
use crate::common::ids::IdGen;
use crate::common::index::AccountIndex;
use crate::{Ctx, Refusal, Request, Response, Route, Vendor};

/// The content type of every successful body (ASP.NET's default).
const JSON: &str = "application/json; charset=utf-8";

/// How long an `IdempotencyKey` or `client_reference_id` is remembered.
const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// Whether a repeated `client_reference_id` replays (same request) or is refused (different
/// request) when no `IdempotencyKey` is sent. Qolo documents the field as the transaction's
/// unique id but not what happens on a repeat; on, it catches double submissions.
const CLIENT_REFERENCE_ID_UNIQUE: bool = true;

/// Bytes reserved for a success body (an AdjustBalance answer is about 1.2 KB).
const RESPONSE_BYTES_TYPICAL: usize = 2048;

/// The index kind of account guids.
const ACCOUNT_GUID: &str = "account_guid";

/// The program name wallets show (sandbank keeps no program data).
const PROGRAM_NAME: &str = "sandbank program";
/// The program short name wallets show.
const PROGRAM_SHORT_NAME: &str = "SANDBANK";

/// How long a generated card stays logically valid.
const CARD_LIFETIME: Duration = Duration::from_secs(1096 * 24 * 60 * 60);

static ROUTES: [Route; 7] = [
    Route { method: Method::POST, path: "/api/{version}/auth/login", operation: "Login" },
    Route {
        method: Method::POST,
        path: "/api/{version}/accounts/AdjustBalance",
        operation: "AdjustBalance",
    },
    Route { method: Method::GET, path: "/api/{version}/accounts", operation: "SearchAccount" },
    Route {
        method: Method::GET,
        path: "/api/{version}/accounts/program/{program_guid}",
        operation: "GetAccountsByProgram",
    },
    Route {
        method: Method::GET,
        path: "/api/{version}/accounts/{account_guid}",
        operation: "GetAccountById",
    },
    Route { method: Method::GET, path: "/api/{version}/wallets", operation: "SearchWallet" },
    Route {
        method: Method::GET,
        path: "/api/{version}/wallets/{wallet_guid}",
        operation: "GetWalletById",
    },
];

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(Qolo::new())
}

/// The bytes transaction guids are made from (see `Qolo::txn_guid`).
const TXN_SALT: u128 = 0x9d3c_51a2_7e64_4b0f_a8c1_35e9_07d2_6f4b;

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

    /// The guid Qolo shows for ledger transfer `id`: the salt with the id mixed into its last
    /// seven bytes, marked as a version-4 uuid. Distinct ids below 2^56 give distinct guids.
    fn txn_guid(&self, id: TransferId) -> Uuid {
        let mut bytes = self.txn_salt;
        for (byte, id_byte) in bytes.iter_mut().skip(9).zip(id.0.to_be_bytes().iter().skip(1)) {
            *byte ^= id_byte;
        }
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// Runs an authenticated operation: version, then bearer token, then `op`.
    fn authenticated(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        op: impl FnOnce(TenantId) -> Result<Response, QoloError>,
    ) -> Response {
        let tenant = match parse::version(req)
            .and_then(|()| self.auth.authenticate(&req.headers, ctx.clock))
        {
            Ok(tenant) => tenant,
            Err(err) => return err.into_response(&req.path, ctx.trace_id),
        };
        match op(tenant) {
            Ok(resp) => resp,
            Err(err) => err.into_response(&req.path, ctx.trace_id),
        }
        .with_tenant(tenant)
    }

    fn login(&self, ctx: &Ctx<'_>, req: &Request) -> Response {
        let outcome = parse::version(req)
            .and_then(|()| parse::json_content_type(req))
            .and_then(|()| parse::login(&req.body))
            .and_then(|login| self.auth.login(&login.login_id, &login.api_key, ctx.clock, ctx.ids));
        match outcome {
            Ok((tenant, access_token)) => {
                let expires_in = u32::try_from(auth::TOKEN_LIFETIME.as_secs()).unwrap_or(u32::MAX);
                let body = wire::LoginResponse { access_token, token_type: "Bearer", expires_in };
                ok(StatusCode::OK, &body).with_tenant(tenant)
            }
            Err(err) => err.into_response(&req.path, ctx.trace_id),
        }
    }

    /// The account an adjustment names, with its guid and details.
    fn resolve(
        &self,
        tenant: TenantId,
        adjustment: &Adjustment,
    ) -> Result<(Uuid, AccountRecord), QoloError> {
        self.state.read(tenant, |state| {
            let by_guid = |guid: Uuid, how: &str| {
                let mut text = Uuid::encode_buffer();
                let text = guid.hyphenated().encode_lower(&mut text);
                let known = self.index.get(tenant, ACCOUNT_GUID, text);
                let record = state.and_then(|s| s.accounts.get(&guid));
                match (known, record) {
                    (Some(_), Some(record)) => Ok((guid, record.clone())),
                    _ => Err(QoloError::not_found(
                        "Account not found.",
                        format!("{how}: no account {guid} in this tenant"),
                    )),
                }
            };
            match &adjustment.target {
                Target::AccountGuid(guid) => by_guid(*guid, "field account_guid"),
                Target::AccountObject(guid) => by_guid(*guid, "field account.account_guid"),
                Target::CardProxy(proxy) => {
                    let wallet = state
                        .and_then(|s| s.cards.get(proxy.as_str()).and_then(|w| s.wallets.get(w)));
                    let Some(wallet) = wallet else {
                        return Err(QoloError::not_found(
                            "Card not found.",
                            format!("field card_proxy: no card {proxy:?} in this tenant"),
                        ));
                    };
                    let found = wallet.accounts.iter().find_map(|guid| {
                        state
                            .and_then(|s| s.accounts.get(guid))
                            .filter(|record| record.currency == adjustment.currency)
                            .map(|record| (*guid, record.clone()))
                    });
                    found.ok_or_else(|| {
                        QoloError::not_found(
                            "Account not found.",
                            format!(
                                "field card_proxy: the card's wallet has no {} account",
                                adjustment.currency
                            ),
                        )
                    })
                }
            }
        })
    }

    fn adjust_balance(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, QoloError> {
        parse::json_content_type(req)?;
        let header_key = parse::idempotency_key(req)?;
        let adjustment = parse::adjust_balance(&req.body)?;
        let (account_guid, record) = self.resolve(tenant, &adjustment)?;
        if record.currency != adjustment.currency {
            return Err(QoloError::bad_request(
                format!(
                    "The currency {} does not match the account currency {}.",
                    adjustment.currency, record.currency
                ),
                format!(
                    "field currency: {} but account {account_guid} is in {}",
                    adjustment.currency, record.currency
                ),
            ));
        }

        let now = ctx.now(tenant);
        let transfer = match adjustment.direction {
            Direction::Credit => {
                Transfer::credit(tenant, record.id, adjustment.amount, adjustment.currency)
            }
            Direction::Debit => {
                Transfer::debit(tenant, record.id, adjustment.amount, adjustment.currency)
            }
        }
        .with_metadata(metadata(&adjustment));
        let reference =
            adjustment.echo.client_reference_id.as_deref().filter(|_| CLIENT_REFERENCE_ID_UNIQUE);
        let (transfer, keyed_by_reference) = match (header_key, reference) {
            (Some(key), _) => {
                (transfer.with_key(IdempotencyKey::new(self.idempotency.clone(), key)), false)
            }
            (None, Some(reference)) => {
                (transfer.with_key(IdempotencyKey::new(self.references.clone(), reference)), true)
            }
            (None, None) => (transfer, false),
        };

        let receipt = match ctx.ledger.transfer(now, transfer) {
            Ok(applied) => applied.receipt().clone(),
            Err(err) => {
                return Err(self.ledger_error(ctx, tenant, &record, &adjustment, &err, {
                    keyed_by_reference
                }));
            }
        };
        let change = match adjustment.direction {
            Direction::Credit => receipt.credit,
            Direction::Debit => receipt.debit,
        };
        let Some(change) = change else {
            return Err(QoloError::Internal {
                reason: "ledger: receipt has no account side for AdjustBalance".into(),
            });
        };
        let activity = record.activity(ctx.ledger, tenant, Some(receipt.id));
        let account = self.account_object(
            account_guid,
            &record,
            Status::Active,
            change.after.into(),
            &activity,
        );
        let echo = &adjustment.echo;
        let body = wire::AdjustBalanceResponse {
            client_reference_id: echo.client_reference_id.as_deref(),
            request_code: &adjustment.request_code,
            amount: number(adjustment.amount),
            currency: adjustment.currency.code(),
            description: echo.description.as_deref(),
            account_guid: Some(Guid(account_guid)),
            card_proxy: echo.card_proxy.as_deref(),
            account,
            user_guid: Guid(echo.user_guid.unwrap_or(Uuid::nil())),
            source_code: echo.source_code.as_deref(),
        };
        Ok(ok(StatusCode::CREATED, &body))
    }

    /// A refused adjustment in Qolo's words, with the numbers behind it in the reason.
    fn ledger_error(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        record: &AccountRecord,
        adjustment: &Adjustment,
        err: &ledger::Error,
        keyed_by_reference: bool,
    ) -> QoloError {
        let mapped = QoloError::from(err);
        let amount = adjustment.amount;
        let view = || ctx.ledger.account(ctx.now(tenant), tenant, record.id);
        match err {
            ledger::Error::IdempotencyConflict if keyed_by_reference => QoloError::bad_request(
                "The client_reference_id was already used for a different request.",
                "ledger: client_reference_id reused with a different request",
            ),
            ledger::Error::InsufficientFunds => match view() {
                Some(view) => mapped.with_reason(format!(
                    "ledger: insufficient funds (available {}, debit {amount}, minimum {})",
                    view.balances.available, view.limits.balance_min
                )),
                None => mapped,
            },
            ledger::Error::BalanceMaximumExceeded => match view() {
                Some(view) => mapped.with_reason(format!(
                    "ledger: balance would exceed the maximum (ledger {}, credit {amount}, \
                     maximum {})",
                    view.balances.posted,
                    view.limits.balance_max.map_or("none".to_string(), |m| m.to_string())
                )),
                None => mapped,
            },
            ledger::Error::TransferMaximumExceeded => match view() {
                Some(view) => mapped.with_reason(format!(
                    "ledger: amount {amount} exceeds the per-transfer maximum {}",
                    view.limits.transfer_amount_max.map_or("none".to_string(), |m| m.to_string())
                )),
                None => mapped,
            },
            ledger::Error::DailyLimitExceeded { limit } => match view() {
                Some(view) => {
                    let (used, max) = match limit {
                        ledger::DailyLimit::CreditAmount => (
                            view.daily.credit_amount.to_string(),
                            view.limits.daily_credit_amount_max.map(|m| m.to_string()),
                        ),
                        ledger::DailyLimit::CreditCount => (
                            view.daily.credit_count.to_string(),
                            view.limits.daily_credit_count_max.map(|m| m.to_string()),
                        ),
                        ledger::DailyLimit::DebitAmount => (
                            view.daily.debit_amount.to_string(),
                            view.limits.daily_debit_amount_max.map(|m| m.to_string()),
                        ),
                        ledger::DailyLimit::DebitCount => (
                            view.daily.debit_count.to_string(),
                            view.limits.daily_debit_count_max.map(|m| m.to_string()),
                        ),
                    };
                    mapped.with_reason(format!(
                        "ledger: {limit} limit exceeded (used today {used}, limit {}, this \
                         request {amount})",
                        max.unwrap_or_else(|| "none".into())
                    ))
                }
                None => mapped,
            },
            _ => mapped,
        }
    }

    /// The `Account` object of an AdjustBalance answer.
    fn account_object<'a>(
        &self,
        account_guid: Uuid,
        record: &'a AccountRecord,
        status: Status,
        balances: QoloBalances,
        activity: &Activity,
    ) -> wire::Account<'a> {
        let opened = DateTime(record.opened_at);
        let movement = |m: Option<state::Movement>| {
            (m.map(|m| DateTime(m.at)), number(m.map_or(Decimal::ZERO, |m| m.amount)))
        };
        let (last_credit_date, last_credit_amount) = movement(activity.last_credit);
        let (first_debit_date, first_debit_amount) = movement(activity.first_debit);
        let (last_debit_date, last_debit_amount) = movement(activity.last_debit);
        let updated = activity.last_txn.map_or(record.opened_at, |t| t.at.max(record.opened_at));
        wire::Account {
            account_guid: Guid(account_guid),
            wallet_guid: Guid(record.wallet_guid),
            account_type: record.account_type,
            account_name: &record.account_name,
            account_currency: record.currency.code(),
            available_balance: number(balances.available),
            ledger_balance: number(balances.ledger),
            suspense_balance: number(balances.suspense),
            starting_balance_date: Some(opened),
            starting_balance_amount: number(record.opening_balance),
            last_credit_date,
            last_credit_amount,
            first_debit_date,
            first_debit_amount,
            last_debit_date,
            last_debit_amount,
            account_status: state::status_name(status),
            account_status_date: opened,
            holder_account_status: "ACTIVE",
            holder_account_status_date: opened,
            sys_utcinserted: opened,
            sys_utcupdated: DateTime(updated),
            last_txn_guid: activity.last_txn.map(|t| Guid(self.txn_guid(t.id))),
            interest_rate_strategy: None,
        }
    }

    /// An `AccountDTO` from the account's current view.
    fn account_dto<'a>(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        account_guid: Uuid,
        record: &'a AccountRecord,
        view: &AccountView,
    ) -> wire::AccountDto<'a> {
        let activity = record.activity(ctx.ledger, tenant, None);
        let balances = QoloBalances::from(view.balances);
        wire::AccountDto {
            account_guid: Guid(account_guid),
            wallet_guid: Guid(record.wallet_guid),
            account_currency: record.currency.code(),
            account_name: &record.account_name,
            account_type: record.account_type,
            available_balance: number(balances.available),
            ledger_balance: number(balances.ledger),
            suspense_balance: number(balances.suspense),
            advance_account_details: None,
            account_status: state::status_name(view.status),
            last_txn_guid: activity.last_txn.map(|t| Guid(self.txn_guid(t.id))),
            post_date: activity.last_txn.map(|t| DateTime(t.at)),
            amount: activity.last_txn.map(|t| number(t.amount)),
            mask_account_number: None,
            sys_utcinserted: DateTime(record.opened_at),
            status_change_nonmon_detail: None,
        }
    }

    /// Copies of the named accounts' records, in opening order, with their current views;
    /// accounts the ledger no longer has are left out.
    fn accounts_now(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        guids: impl IntoIterator<Item = Uuid>,
    ) -> Vec<(Uuid, AccountRecord, AccountView)> {
        let guids: Vec<Uuid> = guids.into_iter().collect();
        let mut records: Vec<(Uuid, AccountRecord)> = self.state.read(tenant, |state| {
            let Some(state) = state else { return Vec::new() };
            guids
                .iter()
                .filter_map(|guid| state.accounts.get(guid).map(|r| (*guid, r.clone())))
                .collect()
        });
        records.sort_by_key(|(_, record)| record.seq);
        let now = ctx.now(tenant);
        records
            .into_iter()
            .filter_map(|(guid, record)| {
                let view = ctx.ledger.account(now, tenant, record.id)?;
                Some((guid, record, view))
            })
            .collect()
    }

    fn get_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, QoloError> {
        let text = req.param("account_guid").unwrap_or_default();
        let guid = parse::guid_param("account_guid", text)?;
        let found = self.accounts_now(ctx, tenant, [guid]);
        let Some((guid, record, view)) = found.first() else {
            return Err(QoloError::not_found(
                "Account not found.",
                format!("path account_guid: no account {guid} in this tenant"),
            ));
        };
        Ok(ok(StatusCode::OK, &self.account_dto(ctx, tenant, *guid, record, view)))
    }

    fn search_accounts(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, QoloError> {
        let person_guid = parse::guid_query(req, "person_guid")?;
        let wallet_guid = parse::guid_query(req, "wallet_guid")?;
        if person_guid.is_none() && wallet_guid.is_none() {
            return Err(QoloError::field(
                "person_guid",
                "At least one of person_guid or wallet_guid is required.",
            ));
        }
        let guids: Vec<Uuid> = self.state.read(tenant, |state| {
            let Some(state) = state else { return Vec::new() };
            state
                .wallets
                .iter()
                .filter(|(guid, wallet)| {
                    wallet_guid.is_none_or(|w| w == **guid)
                        && person_guid.is_none_or(|p| p == wallet.person_guid)
                })
                .flat_map(|(_, wallet)| wallet.accounts.iter().copied())
                .collect()
        });
        let found = self.accounts_now(ctx, tenant, guids);
        let data: Vec<_> = found
            .iter()
            .map(|(guid, record, view)| self.account_dto(ctx, tenant, *guid, record, view))
            .collect();
        Ok(ok(StatusCode::OK, &wire::SearchResponse::one_page(data, false)))
    }

    fn accounts_by_program(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, QoloError> {
        let text = req.param("program_guid").unwrap_or_default();
        let program = parse::guid_param("program_guid", text)?;
        let query = parse::program_query(req)?;
        let default_program = self.auth.credentials(tenant).map(|c| c.program_guid);
        let (known, holders) = self.state.read(tenant, |state| {
            let Some(state) = state else {
                return (default_program == Some(program), HashMap::default());
            };
            let known = default_program == Some(program) || state.has_program(program);
            // Account guid → the wallet's holder and wallet id.
            let holders: HashMap<Uuid, (Uuid, String)> = state
                .wallets
                .values()
                .filter(|wallet| wallet.program_guid == program)
                .flat_map(|wallet| {
                    wallet
                        .accounts
                        .iter()
                        .map(|guid| (*guid, (wallet.person_guid, wallet.wallet_id.clone())))
                })
                .collect();
            (known, holders)
        });
        if !known {
            return Err(QoloError::not_found(
                "Program not found.",
                format!("path program_guid: no program {program} in this tenant"),
            ));
        }
        let found = self.accounts_now(ctx, tenant, holders.keys().copied());
        let mut rows: Vec<_> = found
            .iter()
            .filter_map(|(guid, record, view)| {
                let balances = QoloBalances::from(view.balances);
                let key = match query.based_on {
                    BasedOn::Ledger => balances.ledger,
                    BasedOn::Available => balances.available,
                };
                let status = state::status_name(view.status);
                let keep =
                    (query.include_negative_balances || !key.is_sign_negative() || key.is_zero())
                        && query.account_status.is_none_or(|wanted| wanted == status);
                keep.then_some((key, guid, record, balances, status))
            })
            .collect();
        // Stable sort: equal balances stay in opening order.
        rows.sort_by(|a, b| if query.descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        let has_more = rows.len() > query.count;
        rows.truncate(query.count);
        let data: Vec<_> = rows
            .into_iter()
            .filter_map(|(_, guid, record, balances, status)| {
                let (person, wallet_id) = holders.get(guid)?;
                Some(wire::ProgramAccount {
                    account_guid: Guid(*guid),
                    wallet_guid: Guid(record.wallet_guid),
                    account_currency: record.currency.code(),
                    account_name: &record.account_name,
                    account_type: record.account_type,
                    available_balance: number(balances.available),
                    ledger_balance: number(balances.ledger),
                    suspense_balance: number(balances.suspense),
                    account_status: status,
                    person_info: wire::PersonInfo::holder(Guid(*person), wallet_id),
                })
            })
            .collect();
        let count = data.len();
        let body = wire::ProgramAccountsResponse {
            cache_utcdate: DateTime(ctx.now(tenant)),
            count,
            start_index: usize::from(count > 0),
            end_index: count,
            has_more,
            data,
        };
        Ok(ok(StatusCode::OK, &body))
    }

    /// A `WalletDTO` with its accounts (as read now) and cards.
    fn wallet_dto<'a>(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        wallet_guid: Uuid,
        wallet: &'a Wallet,
        accounts: &'a [(Uuid, AccountRecord, AccountView)],
    ) -> wire::WalletDto<'a> {
        wire::WalletDto {
            wallet_guid: Guid(wallet_guid),
            wallet_id: &wallet.wallet_id,
            person_guid: Guid(wallet.person_guid),
            program_guid: Guid(wallet.program_guid),
            program_name: Some(PROGRAM_NAME),
            program_short_name: Some(PROGRAM_SHORT_NAME),
            parent_program_guid: None,
            top_program_guid: Some(Guid(wallet.program_guid)),
            company_dba_name: None,
            company_short_name: None,
            account_status: Some("ACTIVE"),
            wallet_created: Some(DateTime(wallet.created_at)),
            accounts: accounts
                .iter()
                .map(|(guid, record, view)| self.account_dto(ctx, tenant, *guid, record, view))
                .collect(),
            cards: wallet
                .cards
                .iter()
                .map(|card| card_dto(wallet_guid, &wallet.wallet_id, card))
                .collect(),
            account_instruments: [],
            account_shared_persons: [],
        }
    }

    fn get_wallet(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, QoloError> {
        let text = req.param("wallet_guid").unwrap_or_default();
        let guid = parse::guid_param("wallet_guid", text)?;
        let wallet = self.state.read(tenant, |state| state?.wallets.get(&guid).cloned());
        let Some(wallet) = wallet else {
            return Err(QoloError::not_found(
                "Wallet not found.",
                format!("path wallet_guid: no wallet {guid} in this tenant"),
            ));
        };
        let accounts = self.accounts_now(ctx, tenant, wallet.accounts.iter().copied());
        Ok(ok(StatusCode::OK, &self.wallet_dto(ctx, tenant, guid, &wallet, &accounts)))
    }

    fn search_wallets(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        req: &Request,
    ) -> Result<Response, QoloError> {
        let card_proxy = req.query_param("card_proxy").filter(|v| !v.is_empty());
        let client_reference_id = req.query_param("client_reference_id").filter(|v| !v.is_empty());
        let person_guid = parse::guid_query(req, "person_guid")?;
        let account_guid = parse::guid_query(req, "account_guid")?;
        let wallet_guid = parse::guid_query(req, "wallet_guid")?;
        let instrument_guid = parse::guid_query(req, "account_instrument_guid")?;
        let no_criteria = card_proxy.is_none()
            && client_reference_id.is_none()
            && person_guid.is_none()
            && account_guid.is_none()
            && wallet_guid.is_none()
            && instrument_guid.is_none();
        if no_criteria {
            return Err(QoloError::field(
                "card_proxy",
                "At least one search criteria is required: card_proxy, client_reference_id, \
                 person_guid, account_guid, wallet_guid or account_instrument_guid.",
            ));
        }
        let mut found: Vec<(Uuid, Wallet)> = self.state.read(tenant, |state| {
            let Some(state) = state else { return Vec::new() };
            state
                .wallets
                .iter()
                .filter(|(guid, wallet)| {
                    // sandbank keeps no persons' reference ids and no account instruments, so
                    // those criteria match nothing.
                    client_reference_id.is_none()
                        && instrument_guid.is_none()
                        && wallet_guid.is_none_or(|w| w == **guid)
                        && person_guid.is_none_or(|p| p == wallet.person_guid)
                        && account_guid.is_none_or(|a| wallet.accounts.contains(&a))
                        && card_proxy
                            .as_deref()
                            .is_none_or(|c| wallet.cards.iter().any(|card| card.proxy == c))
                })
                .map(|(guid, wallet)| (*guid, wallet.clone()))
                .collect()
        });
        if found.is_empty() {
            return Err(QoloError::not_found(
                "Wallet not found.",
                "query: no wallet of this tenant matches the search criteria",
            ));
        }
        found.sort_by_key(|(_, wallet)| wallet.seq);
        let per_wallet: Vec<_> = found
            .iter()
            .map(|(_, wallet)| self.accounts_now(ctx, tenant, wallet.accounts.iter().copied()))
            .collect();
        let data: Vec<wire::WalletDto<'_>> = found
            .iter()
            .zip(&per_wallet)
            .map(|((guid, wallet), accounts)| self.wallet_dto(ctx, tenant, *guid, wallet, accounts))
            .collect();
        Ok(ok(StatusCode::OK, &wire::SearchResponse::one_page(data, false)))
    }
}

/// Where a new account goes: its wallet (new or existing) and the identifiers it will show.
#[derive(Debug, Clone)]
struct Placement {
    wallet_guid: Uuid,
    wallet_id: String,
    person_guid: Uuid,
    program_guid: Uuid,
    /// A card to add to the wallet.
    new_card: Option<String>,
    /// The card proxy the account is reachable by (the wallet's first card).
    card_proxy: Option<String>,
}

impl Qolo {
    fn open(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        let ids = parse::open_ids(&spec.vendor_ids)?;
        let idgen = ctx.ids(tenant);
        let account_guid = ids.account_guid.unwrap_or_else(|| idgen.uuid());
        let guid_text = account_guid.hyphenated().to_string();
        if self.index.contains(tenant, ACCOUNT_GUID, &guid_text) {
            return Err(format!("account_guid {guid_text} is already in use"));
        }
        let account_type = ids.account_type.unwrap_or("GENERAL");
        let account_name =
            ids.account_name.clone().unwrap_or_else(|| format!("{account_type} {}", spec.currency));
        let default_program = self.auth.credentials(tenant).map(|c| c.program_guid);
        let placement =
            self.state.write(tenant, |state| place(state, &ids, default_program, &idgen))?;

        let mut vendor_ids = Map::new();
        let mut put = |key: &str, value: String| {
            vendor_ids.insert(key.to_string(), Value::String(value));
        };
        put("account_guid", guid_text.clone());
        put("wallet_guid", placement.wallet_guid.hyphenated().to_string());
        put("wallet_id", placement.wallet_id.clone());
        if let Some(proxy) = &placement.card_proxy {
            put("card_proxy", proxy.clone());
        }
        put("person_guid", placement.person_guid.hyphenated().to_string());
        put("program_guid", placement.program_guid.hyphenated().to_string());
        put("account_type", account_type.to_string());
        put("account_name", account_name.clone());

        let view = accounts::open(ctx, tenant, "qolo", spec, &vendor_ids)?;
        self.index.insert(tenant, ACCOUNT_GUID, &guid_text, view.id)?;
        let opened_at = view.opened_at;
        self.state.write(tenant, |state| {
            // Re-checked under the write lock: another opening may have taken the card meanwhile.
            if let Some(proxy) = &placement.new_card {
                if state.cards.get(proxy).is_some_and(|owner| *owner != placement.wallet_guid) {
                    return Err(format!("card_proxy {proxy} is already in use"));
                }
            }
            let seq = state.take_seq();
            let wallet = state.wallets.entry(placement.wallet_guid).or_insert_with(|| Wallet {
                wallet_id: placement.wallet_id.clone(),
                person_guid: placement.person_guid,
                program_guid: placement.program_guid,
                created_at: opened_at,
                seq,
                accounts: Vec::new(),
                cards: Vec::new(),
            });
            wallet.accounts.push(account_guid);
            if let Some(proxy) = &placement.new_card {
                if !wallet.cards.iter().any(|card| card.proxy == *proxy) {
                    wallet.cards.push(Card { proxy: proxy.clone(), issued_at: opened_at });
                }
                state.cards.insert(proxy.clone(), placement.wallet_guid);
            }
            state.accounts.insert(
                account_guid,
                AccountRecord {
                    id: view.id,
                    currency: spec.currency,
                    wallet_guid: placement.wallet_guid,
                    account_type,
                    account_name: Arc::from(account_name),
                    opened_at,
                    opening_balance: spec.opening_balance,
                    seq,
                    activity: Arc::default(),
                },
            );
            Ok(())
        })?;
        Ok(OpenedAccount { account: view, vendor_ids })
    }
}

/// Chooses the wallet of a new account from the admin's ids: an existing wallet (whose holder,
/// program and id must agree with any given) or a new one, and its card.
fn place(
    state: &mut state::TenantState,
    ids: &parse::OpenIds,
    default_program: Option<Uuid>,
    idgen: &IdGen,
) -> Result<Placement, String> {
    let existing = ids.wallet_guid.and_then(|guid| state.wallets.get(&guid).map(|w| (guid, w)));
    if let Some(proxy) = &ids.card_proxy {
        let owner = state.cards.get(proxy);
        if owner.is_some_and(|owner| Some(*owner) != existing.map(|(guid, _)| guid)) {
            return Err(format!("card_proxy {proxy} belongs to another wallet"));
        }
    }
    if let Some((wallet_guid, wallet)) = existing {
        let clash = |name: &str, given: Option<String>, have: String| match given {
            Some(given) if given != have => {
                Err(format!("{name} {given} does not match wallet {wallet_guid}'s {have}"))
            }
            _ => Ok(()),
        };
        let text = |guid: Uuid| guid.hyphenated().to_string();
        clash("person_guid", ids.person_guid.map(text), text(wallet.person_guid))?;
        clash("program_guid", ids.program_guid.map(text), text(wallet.program_guid))?;
        clash("wallet_id", ids.wallet_id.clone(), wallet.wallet_id.clone())?;
        let new_card =
            ids.card_proxy.clone().filter(|p| !wallet.cards.iter().any(|c| c.proxy == *p));
        let card_proxy =
            ids.card_proxy.clone().or_else(|| wallet.cards.first().map(|c| c.proxy.clone()));
        return Ok(Placement {
            wallet_guid,
            wallet_id: wallet.wallet_id.clone(),
            person_guid: wallet.person_guid,
            program_guid: wallet.program_guid,
            new_card,
            card_proxy,
        });
    }
    if let Some(wallet_id) = &ids.wallet_id {
        if state.wallets.values().any(|w| w.wallet_id == *wallet_id) {
            return Err(format!("wallet_id {wallet_id} is already in use"));
        }
    }
    let wallet_id = match &ids.wallet_id {
        Some(wallet_id) => wallet_id.clone(),
        None => {
            unused(|| digits(idgen, 12), |id| state.wallets.values().all(|w| w.wallet_id != *id))
        }
    };
    let card = match &ids.card_proxy {
        Some(proxy) => proxy.clone(),
        None => unused(|| digits(idgen, 13), |proxy| !state.cards.contains_key(proxy)),
    };
    let program_guid = ids
        .program_guid
        .or(default_program)
        .unwrap_or_else(|| *state.fallback_program.get_or_insert_with(|| idgen.uuid()));
    Ok(Placement {
        wallet_guid: ids.wallet_guid.unwrap_or_else(|| idgen.uuid()),
        wallet_id,
        person_guid: ids.person_guid.unwrap_or_else(|| idgen.uuid()),
        program_guid,
        new_card: Some(card.clone()),
        card_proxy: Some(card),
    })
}

/// `n` generated decimal digits (at most 19).
fn digits(idgen: &IdGen, n: u32) -> String {
    idgen.digits(n.min(19))
}

/// A generated value `free` accepts; random values of 12+ digits practically never collide,
/// and after a few tries the last one is used anyway.
fn unused(generate: impl Fn() -> String, free: impl Fn(&String) -> bool) -> String {
    let mut candidate = generate();
    for _ in 0..8 {
        if free(&candidate) {
            break;
        }
        candidate = generate();
    }
    candidate
}

/// A `CardDTO` for a wallet's card.
fn card_dto<'a>(wallet_guid: Uuid, wallet_id: &'a str, card: &'a Card) -> wire::CardDto<'a> {
    wire::CardDto {
        card_number: None,
        card_proxy: &card.proxy,
        mask_card_pan: None,
        wallet_guid: Guid(wallet_guid),
        wallet_id,
        issuance_type: "VIRTUAL",
        base_iin: None,
        card_condition: "ORIGINAL",
        card_status: "ACTIVE",
        activation_date: Some(DateTime(card.issued_at)),
        activation_method: "ONISSUE",
        expiration_date: None,
        cvx2: None,
        logical_expiration_date: DateTime(card.issued_at.saturating_add(CARD_LIFETIME)),
        person_card_status: "ACTIVE",
        card_tracking_detail: None,
        sys_utcinserted: DateTime(card.issued_at),
        sys_utcupdated: DateTime(card.issued_at),
    }
}

/// A JSON number as .NET writes a `double`: `100`, `12.5`, `0`.
fn number(amount: Decimal) -> wire::Amount {
    wire::Amount(amount)
}

/// A 2xx JSON answer with ASP.NET's content type.
fn ok<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    // Sized for an AdjustBalance answer, so serializing rarely reallocates.
    let mut bytes = Vec::with_capacity(RESPONSE_BYTES_TYPICAL);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => {
            let mut resp = Response::json_bytes(status, bytes);
            // A static value: `with_header` would parse and copy it on every answer.
            resp.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(JSON));
            resp
        }
        Err(err) => {
            QoloError::Internal { reason: format!("internal: serialization failed: {err}") }
                .into_response("", Uuid::nil())
        }
    }
}

/// What the ledger keeps with an adjustment: every echoed member, so a replay answers the same
/// and a reused key with a different request is a conflict.
fn metadata(adjustment: &Adjustment) -> Metadata {
    let echo = &adjustment.echo;
    let mut metadata = Metadata::new();
    metadata.insert("operation", "AdjustBalance");
    metadata.insert("request_code", &adjustment.request_code);
    let mut user_guid = Uuid::encode_buffer();
    let optional = [
        ("client_reference_id", echo.client_reference_id.as_deref()),
        ("description", echo.description.as_deref()),
        ("memo_code", echo.memo_code.as_deref()),
        ("card_proxy", echo.card_proxy.as_deref()),
        ("user_guid", echo.user_guid.map(|g| &*g.hyphenated().encode_lower(&mut user_guid))),
        ("source_code", echo.source_code.as_deref()),
        ("wire_date", echo.wire_date.as_deref()),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            metadata.insert(key, value);
        }
    }
    metadata
}

impl Vendor for Qolo {
    fn name(&self) -> &'static str {
        "qolo"
    }

    fn routes(&self) -> &'static [Route] {
        &ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        let operation = ROUTES.get(route).map_or("", |route| route.operation);
        match operation {
            "Login" => self.login(ctx, req),
            "AdjustBalance" => {
                self.authenticated(ctx, req, |tenant| self.adjust_balance(ctx, tenant, req))
            }
            "SearchAccount" => {
                self.authenticated(ctx, req, |tenant| self.search_accounts(ctx, tenant, req))
            }
            "GetAccountById" => {
                self.authenticated(ctx, req, |tenant| self.get_account(ctx, tenant, req))
            }
            "GetAccountsByProgram" => {
                self.authenticated(ctx, req, |tenant| self.accounts_by_program(ctx, tenant, req))
            }
            "SearchWallet" => {
                self.authenticated(ctx, req, |tenant| self.search_wallets(ctx, tenant, req))
            }
            "GetWalletById" => {
                self.authenticated(ctx, req, |tenant| self.get_wallet(ctx, tenant, req))
            }
            other => QoloError::Internal { reason: format!("route: unknown operation {other}") }
                .into_response(&req.path, ctx.trace_id),
        }
    }

    fn refuse(&self, refusal: Refusal, req: &Request, trace_id: Uuid) -> Response {
        let err = match refusal {
            Refusal::MethodNotAllowed => QoloError::MethodNotAllowed,
            Refusal::PayloadTooLarge { limit_bytes } => QoloError::PayloadTooLarge { limit_bytes },
            Refusal::BodyTimeout => QoloError::RequestTimeout,
            Refusal::Internal => QoloError::Internal {
                reason: "internal: the handler failed; nothing was changed".into(),
            },
        };
        err.into_response(&req.path, trace_id)
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
        self.open(ctx, tenant, spec)
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.index.remove_tenant(tenant);
        self.state.remove(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.auth.remove_tenant(tenant);
        self.reset_tenant(tenant);
    }
}
