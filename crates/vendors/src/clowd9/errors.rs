//! Clowd9's documented error responses and how ledger outcomes map onto them.
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
//! `insufficient balance`. The internal rule that fired goes to `X-Sandbank-Reason` only.

use std::borrow::Cow;

use http::StatusCode;
use ledger::Error as LedgerError;
use uuid::Uuid;

use super::wire::{RpcStatus, TraceUuid, UpdateAccountBalanceFailure};
use crate::Response;

/// What a rejected request is told, as the seed's `reason` or the spec's `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Published by Clowd9 (seed): a daily load or spend limit would be broken.
    ExceedsDailyLimit,
    /// Published by Clowd9 (seed): the credit would take the balance over its maximum.
    ExceedsMaximumBalance,
    /// Published by Clowd9 (seed): the debit is more than the account can spend.
    InsufficientBalance,
    /// The account does not exist for this client (or is another tenant's).
    AccountNotFound,
    /// The account is frozen or closed.
    AccountNotActive,
    /// Above the account's per-transaction threshold.
    ExceedsTransactionLimit,
    /// The `reference_id` was already used on this account for a different request.
    DuplicateReferenceId,
    /// A transfer between accounts of different currencies.
    CurrencyMismatch,
    /// A transfer from an account to itself.
    SameAccount,
    /// The body is not a JSON object of the documented shape.
    InvalidBody,
    /// A `Content-Type` other than JSON.
    InvalidContentType,
    /// A required field is absent (or `null`).
    Missing(&'static str),
    /// A field or parameter has the wrong type, format, length or value.
    Invalid(&'static str),
    /// The body is over the server's size limit.
    BodyTooLarge,
    /// The client did not send the body in time.
    BodyTimeout,
}

impl Reason {
    /// The external text.
    pub(crate) fn text(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Reason::ExceedsDailyLimit => "exceeds daily limit",
            Reason::ExceedsMaximumBalance => "exceeds maximum balance",
            Reason::InsufficientBalance => "insufficient balance",
            Reason::AccountNotFound => "account not found",
            Reason::AccountNotActive => "account not active",
            Reason::ExceedsTransactionLimit => "exceeds transaction limit",
            Reason::DuplicateReferenceId => "duplicate reference_id",
            Reason::CurrencyMismatch => "currency mismatch",
            Reason::SameAccount => "source and destination account are the same",
            Reason::InvalidBody => "invalid request body",
            Reason::InvalidContentType => "invalid content type",
            Reason::BodyTooLarge => "request body too large",
            Reason::BodyTimeout => "request body timeout",
            Reason::Missing(field) => return Cow::Owned(format!("{field} is required")),
            Reason::Invalid(field) => return Cow::Owned(format!("invalid {field}")),
        })
    }
}

/// Every error Clowd9 answers with, plus the rule that fired (for `X-Sandbank-Reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clowd9Error {
    /// 400: the request or the balance change was refused.
    BadRequest {
        /// What the client is told.
        reason: Reason,
        /// Which rule fired.
        rule: String,
    },
    /// 401 `unauthorized`: no bearer token, or an unknown or expired one.
    Unauthorized {
        /// Which auth check failed.
        rule: &'static str,
    },
    /// 403 `You do not have correct access rights`: a valid token of the wrong kind.
    Forbidden {
        /// Which auth check failed.
        rule: &'static str,
    },
    /// 500 `Invalid authentication details`: wrong key or secret on `POST /v1/auth`.
    InvalidCredentials {
        /// Which credential check failed.
        rule: &'static str,
    },
    /// 405: the path exists with another method (the gRPC gateway's answer).
    MethodNotAllowed,
    /// 500: a bug or an unavailable journal; nothing was changed.
    Internal {
        /// What broke.
        rule: String,
    },
}

impl Clowd9Error {
    /// A 400 with `reason`, explained by `rule`.
    pub(crate) fn bad(reason: Reason, rule: impl Into<String>) -> Clowd9Error {
        Clowd9Error::BadRequest { reason, rule: rule.into() }
    }

    fn status_and_message(&self) -> (StatusCode, Cow<'static, str>) {
        match self {
            Clowd9Error::BadRequest { reason, .. } => (StatusCode::BAD_REQUEST, reason.text()),
            Clowd9Error::Unauthorized { .. } => {
                (StatusCode::UNAUTHORIZED, Cow::Borrowed("unauthorized"))
            }
            Clowd9Error::Forbidden { .. } => {
                (StatusCode::FORBIDDEN, Cow::Borrowed("You do not have correct access rights"))
            }
            Clowd9Error::InvalidCredentials { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, Cow::Borrowed("Invalid authentication details"))
            }
            Clowd9Error::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, Cow::Borrowed("Method Not Allowed"))
            }
            Clowd9Error::Internal { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, Cow::Borrowed("internal error"))
            }
        }
    }

    fn rule(&self) -> Cow<'_, str> {
        match self {
            Clowd9Error::BadRequest { rule, .. } | Clowd9Error::Internal { rule } => {
                Cow::Borrowed(rule)
            }
            Clowd9Error::Unauthorized { rule }
            | Clowd9Error::Forbidden { rule }
            | Clowd9Error::InvalidCredentials { rule } => Cow::Borrowed(rule),
            Clowd9Error::MethodNotAllowed => Cow::Borrowed("method not allowed on this path"),
        }
    }

    /// The `rpcStatus` body every OpenAPI operation documents.
    pub(crate) fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        let body = RpcStatus { code: status.as_u16(), message: &message, details: [] };
        Response::json(status, &body).with_reason(self.rule())
    }

    /// The seed's unsuccessful body for a 400 of "Update Account Balance"; other errors of that
    /// operation (auth) keep the `rpcStatus` body.
    pub(crate) fn into_update_response(self, account_id: &str, trace_id: Uuid) -> Response {
        let Clowd9Error::BadRequest { reason, rule } = &self else {
            return self.into_response();
        };
        let reason_text = reason.text();
        let body = UpdateAccountBalanceFailure {
            account_id,
            reason: &reason_text,
            trace_id: TraceUuid(trace_id),
        };
        Response::json(StatusCode::BAD_REQUEST, &body).with_reason(rule.as_str())
    }
}

impl From<&LedgerError> for Clowd9Error {
    fn from(err: &LedgerError) -> Clowd9Error {
        let rule = format!("ledger: {err}");
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        let reason = match err {
            LedgerError::IdempotencyConflict => Reason::DuplicateReferenceId,
            LedgerError::AmountNotPositive
            | LedgerError::AmountScaleExceeded
            | LedgerError::AmountTooLarge => Reason::Invalid("amount"),
            LedgerError::AccountNotFound => Reason::AccountNotFound,
            LedgerError::SameAccount => Reason::SameAccount,
            LedgerError::CurrencyMismatch => Reason::CurrencyMismatch,
            LedgerError::AccountNotActive { .. } => Reason::AccountNotActive,
            LedgerError::TransferMaximumExceeded => Reason::ExceedsTransactionLimit,
            LedgerError::DailyLimitExceeded { .. } => Reason::ExceedsDailyLimit,
            LedgerError::InsufficientFunds => Reason::InsufficientBalance,
            LedgerError::BalanceMaximumExceeded => Reason::ExceedsMaximumBalance,
            // Clowd9's balance calls never post or void a hold, so these cannot come back from
            // them; if one does it is our bug, and the ledger is unchanged.
            LedgerError::PendingNotFound
            | LedgerError::PendingAlreadyPosted
            | LedgerError::PendingAlreadyVoided
            | LedgerError::PendingExpired
            | LedgerError::PendingAmountExceeded
            | LedgerError::JournalUnavailable => return Clowd9Error::Internal { rule },
        };
        Clowd9Error::BadRequest { reason, rule }
    }
}
