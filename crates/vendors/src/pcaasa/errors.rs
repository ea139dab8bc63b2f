//! PCaaSA's error catalogue, how each entry draws itself ([`Render`]) and how ledger refusals
//! map onto it.
//!
//! PCaaSA publishes no error list, so the codes below are ours (see *Choices* in the module
//! doc). Every code lives here, with its HTTP status and its external message; a refusal's
//! one-line reason is the entry's own (parse and auth) or the shared explainer's (the ledger).
//! Changing the envelope means changing this file and `wire.rs` only.

use http::StatusCode;
use ledger::{DailyLimit, Status};

use crate::Response;
use crate::common::failure::Render;
use crate::pcaasa::wire;

/// Every error the mock answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PcaasaError {
    /// No `call` query parameter.
    CallMissing,
    /// A `call` we do not serve (shown as sent, cut to 64 characters).
    CallUnknown { call: String },
    /// A body in an encoding other than JSON, form-urlencoded or multipart.
    ContentTypeUnsupported,
    /// A body that does not parse in its declared encoding.
    BodyMalformed { detail: String },
    /// The server's refusal: wrong method on `/`.
    MethodNotAllowed,
    /// The server's refusal: body over the limit.
    PayloadTooLarge { limit_bytes: usize },
    /// The server's refusal: body not sent in time.
    RequestTimeout,
    /// `sessionUuid` is well formed but was never issued (or belongs to nobody).
    SessionInvalid,
    /// `sessionUuid` was issued but has been idle longer than the session lifetime.
    SessionExpired,
    /// `session-create-v1` with an `apiKey` we never issued.
    ApiKeyInvalid,
    /// A required parameter is absent, null or empty.
    RequiredFieldMissing { field: &'static str, message: &'static str },
    /// A parameter has the wrong type, length or characters.
    InvalidFormat { field: &'static str, rule: &'static str },
    /// `app`/`object`/`action`/`version` disagree with the `call` query parameter.
    RoutingMismatch { field: &'static str, expected: &'static str },
    /// `tranCode` is not one of the seven documented codes.
    TranCodeInvalid,
    /// Zero, too many decimal places, or too large.
    AmountInvalid { rule: &'static str },
    /// The amount's sign disagrees with the `tranCode`'s direction.
    AmountSignMismatch { tran_code: &'static str, credit: bool },
    /// Two account identifiers (`field` and `other`) that name different accounts.
    AccountIdentifierMismatch { field: &'static str, other: &'static str },
    /// No such account for this session's client.
    AccountNotFound { field: &'static str },
    /// The account is `Closed`.
    AccountClosed,
    /// The account is `Blocked`.
    AccountBlocked,
    /// A debit past the available balance.
    InsufficientFunds,
    /// A credit past the account's maximum balance.
    BalanceLimitExceeded,
    /// Above the account's largest single adjustment.
    AmountLimitExceeded,
    /// One of the account's daily limits.
    DailyLimitExceeded { limit: DailyLimit },
    /// `externalTranUuid` already used for a different adjustment.
    DuplicateExternalTranUuid,
    /// A bug; nothing changed.
    SystemError,
    /// The ledger's journal refused the change; nothing changed.
    SystemUnavailable,
}

impl From<&ledger::Error> for PcaasaError {
    fn from(err: &ledger::Error) -> PcaasaError {
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        match err {
            ledger::Error::IdempotencyConflict => PcaasaError::DuplicateExternalTranUuid,
            ledger::Error::AmountNotPositive => PcaasaError::AmountInvalid { rule: AMOUNT_ZERO },
            ledger::Error::AmountScaleExceeded => {
                PcaasaError::AmountInvalid { rule: AMOUNT_DECIMALS }
            }
            ledger::Error::AmountTooLarge => PcaasaError::AmountInvalid { rule: AMOUNT_TOO_LARGE },
            ledger::Error::AccountNotFound => PcaasaError::AccountNotFound { field: "accountUuid" },
            ledger::Error::AccountNotActive { status: Status::Closed } => {
                PcaasaError::AccountClosed
            }
            ledger::Error::AccountNotActive { status: Status::Frozen } => {
                PcaasaError::AccountBlocked
            }
            ledger::Error::TransferMaximumExceeded => PcaasaError::AmountLimitExceeded,
            ledger::Error::DailyLimitExceeded { limit } => {
                PcaasaError::DailyLimitExceeded { limit: *limit }
            }
            ledger::Error::InsufficientFunds => PcaasaError::InsufficientFunds,
            ledger::Error::BalanceMaximumExceeded => PcaasaError::BalanceLimitExceeded,
            ledger::Error::JournalUnavailable => PcaasaError::SystemUnavailable,
            // An adjustment always pairs an active customer account in USD with the external
            // account and never touches a hold, so these cannot happen; if one does, it is our
            // bug, answered as a system error with nothing changed.
            ledger::Error::AccountNotActive { status: Status::Active }
            | ledger::Error::SameAccount
            | ledger::Error::CurrencyMismatch
            | ledger::Error::PendingNotFound
            | ledger::Error::PendingAlreadyPosted
            | ledger::Error::PendingAlreadyVoided
            | ledger::Error::PendingExpired
            | ledger::Error::PendingAmountExceeded => PcaasaError::SystemError,
        }
    }
}

/// The rule texts shared by parsing and the ledger mapping.
pub(crate) const AMOUNT_ZERO: &str = "must not be zero";
pub(crate) const AMOUNT_DECIMALS: &str = "must have at most 2 decimal places";
pub(crate) const AMOUNT_TOO_LARGE: &str = "must not exceed 1000000000000000.00 in either direction";

impl PcaasaError {
    /// The `code` of the error object.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            PcaasaError::CallMissing | PcaasaError::CallUnknown { .. } => "CALL_UNKNOWN",
            PcaasaError::ContentTypeUnsupported => "CONTENT_TYPE_UNSUPPORTED",
            PcaasaError::BodyMalformed { .. } => "BODY_MALFORMED",
            PcaasaError::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            PcaasaError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            PcaasaError::RequestTimeout => "REQUEST_TIMEOUT",
            PcaasaError::SessionInvalid => "SESSION_INVALID",
            PcaasaError::SessionExpired => "SESSION_EXPIRED",
            PcaasaError::ApiKeyInvalid => "API_KEY_INVALID",
            PcaasaError::RequiredFieldMissing { .. } => "REQUIRED_FIELD_MISSING",
            PcaasaError::InvalidFormat { .. } => "INVALID_FORMAT",
            PcaasaError::RoutingMismatch { .. } => "ROUTING_MISMATCH",
            PcaasaError::TranCodeInvalid => "TRANCODE_INVALID",
            PcaasaError::AmountInvalid { .. } => "AMOUNT_INVALID",
            PcaasaError::AmountSignMismatch { .. } => "AMOUNT_SIGN_MISMATCH",
            PcaasaError::AccountIdentifierMismatch { .. } => "ACCOUNT_IDENTIFIER_MISMATCH",
            PcaasaError::AccountNotFound { .. } => "ACCOUNT_NOT_FOUND",
            PcaasaError::AccountClosed => "ACCOUNT_CLOSED",
            PcaasaError::AccountBlocked => "ACCOUNT_BLOCKED",
            PcaasaError::InsufficientFunds => "INSUFFICIENT_FUNDS",
            PcaasaError::BalanceLimitExceeded => "BALANCE_LIMIT_EXCEEDED",
            PcaasaError::AmountLimitExceeded => "AMOUNT_LIMIT_EXCEEDED",
            PcaasaError::DailyLimitExceeded { .. } => "DAILY_LIMIT_EXCEEDED",
            PcaasaError::DuplicateExternalTranUuid => "DUPLICATE_EXTERNAL_TRAN_UUID",
            PcaasaError::SystemError => "SYSTEM_ERROR",
            PcaasaError::SystemUnavailable => "SYSTEM_UNAVAILABLE",
        }
    }

    /// The parameter the error is about, if any.
    pub(crate) fn field(&self) -> Option<&'static str> {
        match self {
            PcaasaError::CallMissing | PcaasaError::CallUnknown { .. } => Some("call"),
            PcaasaError::SessionInvalid | PcaasaError::SessionExpired => Some("sessionUuid"),
            PcaasaError::ApiKeyInvalid => Some("apiKey"),
            PcaasaError::RequiredFieldMissing { field, .. }
            | PcaasaError::InvalidFormat { field, .. }
            | PcaasaError::RoutingMismatch { field, .. }
            | PcaasaError::AccountIdentifierMismatch { field, .. }
            | PcaasaError::AccountNotFound { field } => Some(field),
            PcaasaError::TranCodeInvalid => Some("tranCode"),
            PcaasaError::AmountInvalid { .. }
            | PcaasaError::AmountSignMismatch { .. }
            | PcaasaError::InsufficientFunds
            | PcaasaError::BalanceLimitExceeded
            | PcaasaError::AmountLimitExceeded
            | PcaasaError::DailyLimitExceeded { .. } => Some("amount"),
            PcaasaError::DuplicateExternalTranUuid => Some("externalTranUuid"),
            PcaasaError::AccountClosed
            | PcaasaError::AccountBlocked
            | PcaasaError::ContentTypeUnsupported
            | PcaasaError::BodyMalformed { .. }
            | PcaasaError::MethodNotAllowed
            | PcaasaError::PayloadTooLarge { .. }
            | PcaasaError::RequestTimeout
            | PcaasaError::SystemError
            | PcaasaError::SystemUnavailable => None,
        }
    }

    /// The HTTP status: 200 for every call that was processed (RPC style, business failures
    /// included), 4xx/5xx only when the request could not be read or the server failed.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            PcaasaError::CallMissing
            | PcaasaError::CallUnknown { .. }
            | PcaasaError::ContentTypeUnsupported
            | PcaasaError::BodyMalformed { .. } => StatusCode::BAD_REQUEST,
            PcaasaError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            PcaasaError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            PcaasaError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            PcaasaError::SystemError => StatusCode::INTERNAL_SERVER_ERROR,
            PcaasaError::SystemUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            PcaasaError::SessionInvalid
            | PcaasaError::SessionExpired
            | PcaasaError::ApiKeyInvalid
            | PcaasaError::RequiredFieldMissing { .. }
            | PcaasaError::InvalidFormat { .. }
            | PcaasaError::RoutingMismatch { .. }
            | PcaasaError::TranCodeInvalid
            | PcaasaError::AmountInvalid { .. }
            | PcaasaError::AmountSignMismatch { .. }
            | PcaasaError::AccountIdentifierMismatch { .. }
            | PcaasaError::AccountNotFound { .. }
            | PcaasaError::AccountClosed
            | PcaasaError::AccountBlocked
            | PcaasaError::InsufficientFunds
            | PcaasaError::BalanceLimitExceeded
            | PcaasaError::AmountLimitExceeded
            | PcaasaError::DailyLimitExceeded { .. }
            | PcaasaError::DuplicateExternalTranUuid => StatusCode::OK,
        }
    }

    /// The human-readable `message`, the only text that goes on the wire.
    pub(crate) fn message(&self) -> String {
        match self {
            PcaasaError::CallMissing => "The call query parameter is required".into(),
            PcaasaError::CallUnknown { call } => format!("Unknown call: {call}"),
            PcaasaError::ContentTypeUnsupported => "Content-Type must be application/json, \
                 application/x-www-form-urlencoded or multipart/form-data"
                .into(),
            PcaasaError::BodyMalformed { detail } => {
                format!("The request body could not be parsed: {detail}")
            }
            PcaasaError::MethodNotAllowed => "Every call must be sent with POST".into(),
            PcaasaError::PayloadTooLarge { limit_bytes } => {
                format!("The request body exceeds {limit_bytes} bytes")
            }
            PcaasaError::RequestTimeout => "The request body was not received in time".into(),
            PcaasaError::SessionInvalid => "Invalid session".into(),
            PcaasaError::SessionExpired => "Session expired".into(),
            PcaasaError::ApiKeyInvalid => "Invalid API key".into(),
            PcaasaError::RequiredFieldMissing { message, .. } => (*message).into(),
            PcaasaError::InvalidFormat { field, rule } => format!("{field} {rule}"),
            PcaasaError::RoutingMismatch { field, expected } => {
                format!("{field} must be {expected} for this call")
            }
            PcaasaError::TranCodeInvalid => "tranCode must be one of CIBKLVAC, DOBKLVAD, \
                 CIVSCCAP, CIVSCCMP, CIVSCCTP, CIVSCCBP, CIVSCCCP"
                .into(),
            PcaasaError::AmountInvalid { rule } => format!("amount {rule}"),
            PcaasaError::AmountSignMismatch { tran_code, credit: true } => {
                format!("amount must be positive for crediting tranCode {tran_code}")
            }
            PcaasaError::AmountSignMismatch { tran_code, credit: false } => {
                format!("amount must be negative for debiting tranCode {tran_code}")
            }
            PcaasaError::AccountIdentifierMismatch { field, other } => {
                format!("{field} and {other} name different accounts")
            }
            PcaasaError::AccountNotFound { .. } => "Account not found".into(),
            PcaasaError::AccountClosed => "Account is closed".into(),
            PcaasaError::AccountBlocked => "Account is blocked".into(),
            PcaasaError::InsufficientFunds => "Insufficient available funds".into(),
            PcaasaError::BalanceLimitExceeded => {
                "Adjustment would exceed the account's maximum balance".into()
            }
            PcaasaError::AmountLimitExceeded => {
                "Adjustment exceeds the account's maximum adjustment amount".into()
            }
            PcaasaError::DailyLimitExceeded { limit } => {
                format!("Adjustment would exceed the account's {limit} limit")
            }
            PcaasaError::DuplicateExternalTranUuid => {
                "externalTranUuid was already used for a different request".into()
            }
            PcaasaError::SystemError => "An internal error occurred; nothing was changed".into(),
            PcaasaError::SystemUnavailable => {
                "The service is temporarily unavailable; nothing was changed".into()
            }
        }
    }

    /// The one-line rule that fired, for `X-Sandbank-Reason` and the journal, when the error is
    /// not a ledger refusal.
    fn reason(&self) -> String {
        match self {
            PcaasaError::CallMissing => "call: no call query parameter".into(),
            PcaasaError::CallUnknown { call } => format!("call: unknown call {call:?}"),
            PcaasaError::ContentTypeUnsupported => "body: unsupported content type".into(),
            PcaasaError::BodyMalformed { detail } => format!("body: {detail}"),
            PcaasaError::MethodNotAllowed => "method: only POST is served on /".into(),
            PcaasaError::PayloadTooLarge { limit_bytes } => {
                format!("body: larger than {limit_bytes} bytes")
            }
            PcaasaError::RequestTimeout => "body: not received in time".into(),
            PcaasaError::SessionInvalid => "auth: sessionUuid was never issued".into(),
            PcaasaError::SessionExpired => "auth: session idle past its lifetime".into(),
            PcaasaError::ApiKeyInvalid => "auth: apiKey was never issued".into(),
            PcaasaError::RequiredFieldMissing { field, .. } => format!("field {field}: required"),
            PcaasaError::InvalidFormat { field, rule } => format!("field {field}: {rule}"),
            PcaasaError::RoutingMismatch { field, expected } => {
                format!("field {field}: must be {expected} for this call")
            }
            PcaasaError::TranCodeInvalid => "field tranCode: not a documented tranCode".into(),
            PcaasaError::AmountInvalid { rule } => format!("field amount: {rule}"),
            PcaasaError::AmountSignMismatch { tran_code, credit } => {
                let sign = if *credit { "positive" } else { "negative" };
                format!("field amount: tranCode {tran_code} needs a {sign} amount")
            }
            PcaasaError::AccountIdentifierMismatch { field, other } => {
                format!("field {field}: names a different account than {other}")
            }
            PcaasaError::AccountNotFound { field } => {
                format!("field {field}: no such account for this client")
            }
            // Only the ledger refuses these, and its refusals are explained with their figures by
            // `common::explain`; this line is for a caller that has no refusal to explain.
            PcaasaError::AccountClosed
            | PcaasaError::AccountBlocked
            | PcaasaError::InsufficientFunds
            | PcaasaError::BalanceLimitExceeded
            | PcaasaError::AmountLimitExceeded
            | PcaasaError::DailyLimitExceeded { .. }
            | PcaasaError::DuplicateExternalTranUuid
            | PcaasaError::SystemUnavailable => format!("ledger: {}", self.message()),
            PcaasaError::SystemError => "internal: invariant broken, nothing changed".into(),
        }
    }
}

/// A refused call: PCaaSA's error, why, and whose call it was.
pub(crate) type Failure = crate::common::failure::Failure<PcaasaError>;

impl From<PcaasaError> for Failure {
    /// `error` with the reason it always has; a ledger refusal gets its figures from
    /// [`crate::common::explain::refusal`] instead.
    fn from(error: PcaasaError) -> Failure {
        let reason = error.reason();
        Failure::new(error, reason)
    }
}

impl Render for PcaasaError {
    type Scene<'a> = wire::Echo<'a>;

    fn render(&self, echo: wire::Echo<'_>) -> Response {
        let message = self.message();
        let item = wire::ErrorItem { code: self.code(), field: self.field(), message: &message };
        wire::error(self.status(), echo, item)
    }
}
