//! Clowd9's error catalogue, how each entry is drawn, and how ledger refusals map onto it.
//!
//! Two bodies exist. Every OpenAPI operation answers errors with the `rpcStatus` body
//! `{"code":<status>,"message":"…","details":[]}` (400 bad request, 401 token missing, wrong or
//! expired, 403 token without access, 500 invalid credentials on `/v1/auth*`). The seed's
//! "Update Account Balance" answers a rejected change with `{account_id, reason, trace_id}`; we
//! use that body, with 400, for every 400 of that one operation, and `rpcStatus` for its auth
//! failures (the seed documents none).
//!
//! The external text (`reason` / `message`) is lower case like the seed's three published
//! reasons, which are kept byte-exact: `exceeds daily limit`, `exceeds maximum balance`,
//! `insufficient balance`. The rule that fired travels beside it in [`Failure`] and goes to
//! `X-Sandbank-Reason` only.
//!
//! [`CATALOGUE`] lists every entry by the name a fault rule gives it: the published reason in
//! snake case (`insufficient_balance`), plus the three outage names. Clowd9 publishes no rate
//! limit, no 503 and no `Retry-After`, so the 429 and the 503 are drawn in `rpcStatus` like the
//! gRPC gateway's other answers, with `Retry-After: 1`.

use std::borrow::Cow;

use http::StatusCode;
use ledger::Error as LedgerError;
use uuid::Uuid;

use super::wire::{RpcStatus, TraceUuid, UpdateAccountBalanceFailure};
use crate::common::failure::Render;
use crate::{CatalogueEntry, Refusal, Response, outage};

/// A refused Clowd9 request: its catalogue entry, the rule that fired, the tenant.
pub(crate) type Failure = crate::common::failure::Failure<Clowd9Error>;

/// Every error Clowd9 answers with, as the client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clowd9Error {
    /// 400, published by Clowd9 (seed): a daily load or spend limit would be broken.
    ExceedsDailyLimit,
    /// 400, published by Clowd9 (seed): the credit would take the balance over its maximum.
    ExceedsMaximumBalance,
    /// 400, published by Clowd9 (seed): the debit is more than the account can spend.
    InsufficientBalance,
    /// 400: the account does not exist for this client (or is another tenant's).
    AccountNotFound,
    /// 400: the account is frozen or closed.
    AccountNotActive,
    /// 400: above the account's per-transaction threshold.
    ExceedsTransactionLimit,
    /// 400: the `reference_id` was already used on this account for a different request.
    DuplicateReferenceId,
    /// 400: a transfer between accounts of different currencies.
    CurrencyMismatch,
    /// 400: a transfer from an account to itself.
    SameAccount,
    /// 400: the body is not a JSON object of the documented shape.
    InvalidBody,
    /// 400: a `Content-Type` other than JSON.
    InvalidContentType,
    /// 400: a required field is absent (or `null`).
    Missing(&'static str),
    /// 400: a field or parameter has the wrong type, format, length or value.
    Invalid(&'static str),
    /// 400: the body is over the server's size limit.
    BodyTooLarge,
    /// 400: the client did not send the body in time.
    BodyTimeout,
    /// 401 `unauthorized`: no bearer token, or an unknown or expired one.
    Unauthorized,
    /// 403 `You do not have correct access rights`: a valid token of the wrong kind.
    Forbidden,
    /// 500 `Invalid authentication details`: wrong key or secret on `POST /v1/auth`.
    InvalidCredentials,
    /// 405: the path exists with another method (the gRPC gateway's answer).
    MethodNotAllowed,
    /// 500: a bug or an unavailable journal; nothing was changed.
    Internal,
    /// 429: too many requests (drawn only by a fault rule; Clowd9 publishes no rate limit).
    RateLimited,
    /// 503: the service is unavailable (drawn only by a fault rule).
    Unavailable,
}

/// `Retry-After` on a 429 or 503, in seconds: Clowd9 documents neither answer nor a wait, so
/// the shortest whole wait a client can honour.
const RETRY_AFTER_SECONDS: &str = "1";

/// Every error a fault rule can draw, by name; [`catalogued`] gives each one's error.
pub(crate) static CATALOGUE: &[CatalogueEntry] = &[
    entry(
        "exceeds_daily_limit",
        400,
        "A daily credit or debit limit (amount or count) of the account would be broken; retry \
         after 00:00 UTC or with a smaller amount.",
    ),
    entry(
        "exceeds_maximum_balance",
        400,
        "The credit would take the account over its maximum balance; credit less.",
    ),
    entry(
        "insufficient_balance",
        400,
        "The debit is more than the account's available balance plus overdraft; debit less or fund \
         the account first.",
    ),
    entry(
        "account_not_found",
        400,
        "No account with this account_id belongs to this client; check the id.",
    ),
    entry(
        "account_not_active",
        400,
        "The account is frozen or closed, so its balance cannot change.",
    ),
    entry(
        "exceeds_transaction_limit",
        400,
        "The amount is over the account's per-transaction maximum; split it.",
    ),
    entry(
        "duplicate_reference_id",
        400,
        "This reference_id was already used on the account for a different request; send a new \
         reference_id.",
    ),
    entry(
        "currency_mismatch",
        400,
        "A transfer between accounts of different currencies; pick accounts of one currency.",
    ),
    entry(
        "source_and_destination_account_are_the_same",
        400,
        "A transfer from an account to itself; name two different accounts.",
    ),
    entry(
        "invalid_request_body",
        400,
        "The body is not a JSON object of the documented shape; fix the JSON.",
    ),
    entry("invalid_content_type", 400, "Content-Type is not application/json; send JSON."),
    entry(
        "amount_is_required",
        400,
        "A required field is absent or null (drawn for `amount`; the message names the missing \
         field as `<field> is required`).",
    ),
    entry(
        "invalid_amount",
        400,
        "A field has the wrong type, format, length or value (drawn for `amount`; the message \
         names the field as `invalid <field>`).",
    ),
    entry("request_body_too_large", 400, "The body is over the 64 KiB limit; send a smaller body."),
    entry("request_body_timeout", 400, "The body did not arrive in time; send it again."),
    entry(
        "unauthorized",
        401,
        "The bearer token is missing, unknown or expired; log in again with POST /v1/auth.",
    ),
    entry(
        "you_do_not_have_correct_access_rights",
        403,
        "The token is of the wrong kind (a refresh token on an API call, an access token on \
         refresh); send the other token.",
    ),
    entry(
        "invalid_authentication_details",
        500,
        "The key or secret sent to POST /v1/auth is wrong (Clowd9 answers this with 500); check \
         the credentials.",
    ),
    entry(
        outage::INTERNAL,
        500,
        "Clowd9 failed inside (`internal error`) and changed nothing; retry later.",
    ),
    entry(
        outage::RATE_LIMITED,
        429,
        "Too many requests (`too many requests`); wait the `Retry-After: 1` second before \
         retrying.",
    ),
    entry(
        outage::UNAVAILABLE,
        503,
        "Clowd9 is unavailable (`service unavailable`) and changed nothing; retry after the \
         `Retry-After: 1` second.",
    ),
];

const fn entry(name: &'static str, status: u16, meaning: &'static str) -> CatalogueEntry {
    CatalogueEntry { name, status, meaning }
}

/// The error [`CATALOGUE`] names `name`.
pub(crate) fn catalogued(name: &str) -> Option<Clowd9Error> {
    Some(match name {
        "exceeds_daily_limit" => Clowd9Error::ExceedsDailyLimit,
        "exceeds_maximum_balance" => Clowd9Error::ExceedsMaximumBalance,
        "insufficient_balance" => Clowd9Error::InsufficientBalance,
        "account_not_found" => Clowd9Error::AccountNotFound,
        "account_not_active" => Clowd9Error::AccountNotActive,
        "exceeds_transaction_limit" => Clowd9Error::ExceedsTransactionLimit,
        "duplicate_reference_id" => Clowd9Error::DuplicateReferenceId,
        "currency_mismatch" => Clowd9Error::CurrencyMismatch,
        "source_and_destination_account_are_the_same" => Clowd9Error::SameAccount,
        "invalid_request_body" => Clowd9Error::InvalidBody,
        "invalid_content_type" => Clowd9Error::InvalidContentType,
        "amount_is_required" => Clowd9Error::Missing("amount"),
        "invalid_amount" => Clowd9Error::Invalid("amount"),
        "request_body_too_large" => Clowd9Error::BodyTooLarge,
        "request_body_timeout" => Clowd9Error::BodyTimeout,
        "unauthorized" => Clowd9Error::Unauthorized,
        "you_do_not_have_correct_access_rights" => Clowd9Error::Forbidden,
        "invalid_authentication_details" => Clowd9Error::InvalidCredentials,
        outage::INTERNAL => Clowd9Error::Internal,
        outage::RATE_LIMITED => Clowd9Error::RateLimited,
        outage::UNAVAILABLE => Clowd9Error::Unavailable,
        _ => return None,
    })
}

/// Where an error is shown: the `rpcStatus` body of the S1 operations, or the seed's call,
/// whose 400s echo its `account_id` (as sent) and the request's trace id.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scene<'a> {
    /// An S1 operation (and every non-400 of the seed's call).
    Rpc,
    /// The seed's "Update Account Balance".
    Seed {
        /// `account_id` as the request sent it (`""` when absent or not a string).
        account_id: &'a str,
        /// This request's trace id.
        trace_id: Uuid,
    },
}

impl Clowd9Error {
    /// The HTTP status.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Clowd9Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Clowd9Error::Forbidden => StatusCode::FORBIDDEN,
            Clowd9Error::InvalidCredentials | Clowd9Error::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Clowd9Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Clowd9Error::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Clowd9Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            // No wildcard: a new entry must pick its status deliberately.
            Clowd9Error::ExceedsDailyLimit
            | Clowd9Error::ExceedsMaximumBalance
            | Clowd9Error::InsufficientBalance
            | Clowd9Error::AccountNotFound
            | Clowd9Error::AccountNotActive
            | Clowd9Error::ExceedsTransactionLimit
            | Clowd9Error::DuplicateReferenceId
            | Clowd9Error::CurrencyMismatch
            | Clowd9Error::SameAccount
            | Clowd9Error::InvalidBody
            | Clowd9Error::InvalidContentType
            | Clowd9Error::Missing(_)
            | Clowd9Error::Invalid(_)
            | Clowd9Error::BodyTooLarge
            | Clowd9Error::BodyTimeout => StatusCode::BAD_REQUEST,
        }
    }

    /// The external text: the seed's `reason`, the spec's `message`.
    pub(crate) fn text(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Clowd9Error::ExceedsDailyLimit => "exceeds daily limit",
            Clowd9Error::ExceedsMaximumBalance => "exceeds maximum balance",
            Clowd9Error::InsufficientBalance => "insufficient balance",
            Clowd9Error::AccountNotFound => "account not found",
            Clowd9Error::AccountNotActive => "account not active",
            Clowd9Error::ExceedsTransactionLimit => "exceeds transaction limit",
            Clowd9Error::DuplicateReferenceId => "duplicate reference_id",
            Clowd9Error::CurrencyMismatch => "currency mismatch",
            Clowd9Error::SameAccount => "source and destination account are the same",
            Clowd9Error::InvalidBody => "invalid request body",
            Clowd9Error::InvalidContentType => "invalid content type",
            Clowd9Error::BodyTooLarge => "request body too large",
            Clowd9Error::BodyTimeout => "request body timeout",
            Clowd9Error::Missing(field) => return Cow::Owned(format!("{field} is required")),
            Clowd9Error::Invalid(field) => return Cow::Owned(format!("invalid {field}")),
            Clowd9Error::Unauthorized => "unauthorized",
            Clowd9Error::Forbidden => "You do not have correct access rights",
            Clowd9Error::InvalidCredentials => "Invalid authentication details",
            Clowd9Error::MethodNotAllowed => "Method Not Allowed",
            Clowd9Error::Internal => "internal error",
            Clowd9Error::RateLimited => "too many requests",
            Clowd9Error::Unavailable => "service unavailable",
        })
    }
}

impl Render for Clowd9Error {
    type Scene<'a> = Scene<'a>;

    /// The seed's unsuccessful body for a 400 of its call; `rpcStatus` for everything else.
    fn render(&self, scene: Scene<'_>) -> Response {
        let (status, text) = (self.status(), self.text());
        match scene {
            Scene::Seed { account_id, trace_id } if status == StatusCode::BAD_REQUEST => {
                let body = UpdateAccountBalanceFailure {
                    account_id,
                    reason: &text,
                    trace_id: TraceUuid(trace_id),
                };
                Response::json(status, &body)
            }
            Scene::Seed { .. } | Scene::Rpc => {
                let body = RpcStatus { code: status.as_u16(), message: &text, details: [] };
                let resp = Response::json(status, &body);
                if matches!(self, Clowd9Error::RateLimited | Clowd9Error::Unavailable) {
                    resp.with_header("retry-after", RETRY_AFTER_SECONDS)
                } else {
                    resp
                }
            }
        }
    }
}

impl From<&LedgerError> for Clowd9Error {
    fn from(err: &LedgerError) -> Clowd9Error {
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        match err {
            LedgerError::IdempotencyConflict => Clowd9Error::DuplicateReferenceId,
            LedgerError::AmountNotPositive
            | LedgerError::AmountScaleExceeded
            | LedgerError::AmountTooLarge => Clowd9Error::Invalid("amount"),
            LedgerError::AccountNotFound => Clowd9Error::AccountNotFound,
            LedgerError::SameAccount => Clowd9Error::SameAccount,
            LedgerError::CurrencyMismatch => Clowd9Error::CurrencyMismatch,
            LedgerError::AccountNotActive { .. } => Clowd9Error::AccountNotActive,
            LedgerError::TransferMaximumExceeded => Clowd9Error::ExceedsTransactionLimit,
            LedgerError::DailyLimitExceeded { .. } => Clowd9Error::ExceedsDailyLimit,
            LedgerError::InsufficientFunds => Clowd9Error::InsufficientBalance,
            LedgerError::BalanceMaximumExceeded => Clowd9Error::ExceedsMaximumBalance,
            // Clowd9's balance calls never post or void a hold, so these cannot come back from
            // them; if one does it is our bug, and the ledger is unchanged.
            LedgerError::PendingNotFound
            | LedgerError::PendingAlreadyPosted
            | LedgerError::PendingAlreadyVoided
            | LedgerError::PendingExpired
            | LedgerError::PendingAmountExceeded
            | LedgerError::JournalUnavailable => Clowd9Error::Internal,
        }
    }
}

/// A problem the server found before the vendor saw the request.
pub(crate) fn refusal(refusal: Refusal) -> Failure {
    match refusal {
        Refusal::MethodNotAllowed => {
            Failure::new(Clowd9Error::MethodNotAllowed, "method not allowed on this path")
        }
        Refusal::PayloadTooLarge { limit_bytes } => Failure::new(
            Clowd9Error::BodyTooLarge,
            format!("body: over the {limit_bytes}-byte limit"),
        ),
        Refusal::BodyTimeout => {
            Failure::new(Clowd9Error::BodyTimeout, "body: not received in time")
        }
        Refusal::Internal => {
            Failure::new(Clowd9Error::Internal, "internal: the handler failed; nothing was changed")
        }
        Refusal::Unavailable => {
            Failure::new(Clowd9Error::Internal, crate::common::persist::UNSTORED)
        }
    }
}

/// A route index the table does not have: a bug in the server's routing.
pub(crate) fn no_route(route: usize) -> Failure {
    Failure::new(Clowd9Error::Internal, format!("internal: no route at index {route}"))
}
