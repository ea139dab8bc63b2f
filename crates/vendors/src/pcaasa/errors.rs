//! PCaaSA's error catalogue, how each entry draws itself ([`Render`]) and how ledger refusals
//! map onto it.
//!
//! PCaaSA publishes no error list, so the codes below are ours (see *Choices* in the module
//! doc). Every code lives here, with its HTTP status and its external message; a refusal's
//! one-line reason is the entry's own (parse and auth) or the shared explainer's (the ledger).
//! Changing the envelope means changing this file and `wire.rs` only.

use http::StatusCode;
use ledger::{DailyLimit, Status};

use crate::common::failure::Render;
use crate::pcaasa::wire;
use crate::{CatalogueEntry, REQUEST_BODY_BYTES_MAX, Response, outage};

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
    /// Too many requests (drawn only by a fault rule: the mock never throttles); nothing changed.
    RateLimited,
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
            PcaasaError::RateLimited => "RATE_LIMITED",
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
            | PcaasaError::RateLimited
            | PcaasaError::SystemError
            | PcaasaError::SystemUnavailable => None,
        }
    }

    /// How far the handler has read a request when it finds this error.
    pub(crate) fn stage(&self) -> Stage {
        match self {
            PcaasaError::CallMissing | PcaasaError::CallUnknown { .. } => Stage::Routing,
            PcaasaError::ContentTypeUnsupported
            | PcaasaError::BodyMalformed { .. }
            | PcaasaError::MethodNotAllowed
            | PcaasaError::PayloadTooLarge { .. }
            | PcaasaError::RequestTimeout => Stage::Unread,
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
            | PcaasaError::DuplicateExternalTranUuid
            | PcaasaError::RateLimited
            | PcaasaError::SystemError
            | PcaasaError::SystemUnavailable => Stage::Read,
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
            PcaasaError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
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
            PcaasaError::RateLimited => {
                "Too many requests; retry after the Retry-After delay".into()
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
            PcaasaError::RateLimited => "rate limit: too many requests".into(),
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

    /// The error envelope, with `Retry-After` on the two answers that ask the client to come
    /// back.
    fn render(&self, echo: wire::Echo<'_>) -> Response {
        let message = self.message();
        let item = wire::ErrorItem { code: self.code(), field: self.field(), message: &message };
        let resp = wire::error(self.status(), echo, item);
        if matches!(self, PcaasaError::RateLimited | PcaasaError::SystemUnavailable) {
            resp.with_header("retry-after", RETRY_AFTER_SECONDS)
        } else {
            resp
        }
    }
}

/// How far the handler has read a request when it finds an error: what the answer echoes of
/// it ([`wire::Echo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Choosing the call: the answer echoes the `call` as sent (cut to 64 characters), or null.
    Routing,
    /// Before the body's parameters are read (an unreadable body, a server refusal): the call
    /// if the mock serves it, no tracking id.
    Unread,
    /// Running the call: the call and the request's `externalTranUuid` when it is a valid uuid.
    /// Outages are drawn here too, so a client can match a 5xx to the call it retries.
    Read,
}

/// The `Retry-After` of a 429 and a 503, in seconds. PCaaSA documents neither status nor a
/// value; one second tells a client to back off without stalling a test run.
const RETRY_AFTER_SECONDS: &str = "1";

/// How a catalogue entry makes its error (a function: some errors hold text).
type Draw = fn() -> PcaasaError;

const fn entry(name: &'static str, status: u16, meaning: &'static str) -> CatalogueEntry {
    CatalogueEntry { name, status, meaning }
}

/// The error catalogue, in the order of the spec's `ErrorCode` list: each entry and the error
/// it draws. A parametric error draws one representative parameter, named in its meaning;
/// `CALL_UNKNOWN` echoes the request's own call (or says it is missing), as the handler does.
/// PCaaSA publishes no error list: every code is sandbank's (see `specs/pcaasa.yaml`).
const TABLE: &[(CatalogueEntry, Draw)] = &[
    (
        entry(
            "CALL_UNKNOWN",
            400,
            "The call query parameter is missing or names a call this API does not serve; send \
             ?call=account-balance-adjust-v1 (or another served call).",
        ),
        || PcaasaError::CallMissing,
    ),
    (
        entry(
            "CONTENT_TYPE_UNSUPPORTED",
            400,
            "The body is not JSON, form-urlencoded or multipart; send one of those Content-Types.",
        ),
        || PcaasaError::ContentTypeUnsupported,
    ),
    (
        entry(
            "BODY_MALFORMED",
            400,
            "The body does not parse in its encoding (drawn with the detail 'invalid JSON: \
             expected value at line 1 column 1'); fix the body.",
        ),
        || PcaasaError::BodyMalformed {
            detail: "invalid JSON: expected value at line 1 column 1".into(),
        },
    ),
    (
        entry(
            "METHOD_NOT_ALLOWED",
            405,
            "A method other than POST was used; send every call with POST.",
        ),
        || PcaasaError::MethodNotAllowed,
    ),
    (
        entry(
            "REQUEST_TIMEOUT",
            408,
            "The body did not arrive in time; send the request again, promptly.",
        ),
        || PcaasaError::RequestTimeout,
    ),
    (
        entry(
            "PAYLOAD_TOO_LARGE",
            413,
            "The body is larger than 65536 bytes; send a smaller body.",
        ),
        || PcaasaError::PayloadTooLarge { limit_bytes: REQUEST_BODY_BYTES_MAX },
    ),
    (
        entry(
            "SESSION_INVALID",
            200,
            "HTTP 200 with status error: sessionUuid was never issued; get a session from \
             session-create-v1 and retry.",
        ),
        || PcaasaError::SessionInvalid,
    ),
    (
        entry(
            "SESSION_EXPIRED",
            200,
            "HTTP 200 with status error: the session was idle for more than 30 minutes; get a new \
             one from session-create-v1 and retry.",
        ),
        || PcaasaError::SessionExpired,
    ),
    (
        entry(
            "API_KEY_INVALID",
            200,
            "HTTP 200 with status error: session-create-v1 got an apiKey never issued; use the \
             tenant's API key.",
        ),
        || PcaasaError::ApiKeyInvalid,
    ),
    (
        entry(
            "REQUIRED_FIELD_MISSING",
            200,
            "HTTP 200 with status error: a required parameter is absent or empty (drawn for \
             amount: 'amount is required'); send it.",
        ),
        || PcaasaError::RequiredFieldMissing { field: "amount", message: "amount is required" },
    ),
    (
        entry(
            "INVALID_FORMAT",
            200,
            "HTTP 200 with status error: a parameter has the wrong type, length or characters \
             (drawn for amount: 'amount must be a money amount such as -10.00'); fix its value.",
        ),
        || PcaasaError::InvalidFormat {
            field: "amount",
            rule: "must be a money amount such as -10.00",
        },
    ),
    (
        entry(
            "ROUTING_MISMATCH",
            200,
            "HTTP 200 with status error: app/object/action/version disagree with the call (drawn \
             for version: 'version must be 1 for this call'); send the call's own routing or leave \
             it out.",
        ),
        || PcaasaError::RoutingMismatch { field: "version", expected: "1" },
    ),
    (
        entry(
            "TRANCODE_INVALID",
            200,
            "HTTP 200 with status error: tranCode is not one of the seven documented codes; send a \
             documented tranCode or none.",
        ),
        || PcaasaError::TranCodeInvalid,
    ),
    (
        entry(
            "AMOUNT_INVALID",
            200,
            "HTTP 200 with status error: the amount is zero, has more than 2 decimal places or is \
             too large (drawn as 'amount must not be zero'); send a valid non-zero amount.",
        ),
        || PcaasaError::AmountInvalid { rule: AMOUNT_ZERO },
    ),
    (
        entry(
            "AMOUNT_SIGN_MISMATCH",
            200,
            "HTTP 200 with status error: the amount's sign disagrees with the tranCode (drawn as a \
             positive amount for the debiting DOBKLVAD); send a negative amount for DOBKLVAD, a \
             positive one for the others.",
        ),
        || PcaasaError::AmountSignMismatch { tran_code: "DOBKLVAD", credit: false },
    ),
    (
        entry(
            "ACCOUNT_IDENTIFIER_MISMATCH",
            200,
            "HTTP 200 with status error: two account identifiers name different accounts (drawn \
             for paymentInstrumentReferenceNumber and accountUuid); send one identifier, or \
             matching ones.",
        ),
        || PcaasaError::AccountIdentifierMismatch {
            field: "paymentInstrumentReferenceNumber",
            other: "accountUuid",
        },
    ),
    (
        entry(
            "ACCOUNT_NOT_FOUND",
            200,
            "HTTP 200 with status error: no such account for this session's client (drawn for \
             accountUuid); check the identifier and the session's tenant.",
        ),
        || PcaasaError::AccountNotFound { field: "accountUuid" },
    ),
    (
        entry(
            "ACCOUNT_CLOSED",
            200,
            "HTTP 200 with status error: the account is Closed and nothing moved; it takes no more \
             adjustments.",
        ),
        || PcaasaError::AccountClosed,
    ),
    (
        entry(
            "ACCOUNT_BLOCKED",
            200,
            "HTTP 200 with status error: the account is Blocked and nothing moved; unblock it \
             first.",
        ),
        || PcaasaError::AccountBlocked,
    ),
    (
        entry(
            "INSUFFICIENT_FUNDS",
            200,
            "HTTP 200 with status error: a debit past the available balance was refused and \
             nothing moved; debit less or credit the account first.",
        ),
        || PcaasaError::InsufficientFunds,
    ),
    (
        entry(
            "BALANCE_LIMIT_EXCEEDED",
            200,
            "HTTP 200 with status error: a credit past the account's maximum balance was refused \
             and nothing moved; credit less.",
        ),
        || PcaasaError::BalanceLimitExceeded,
    ),
    (
        entry(
            "AMOUNT_LIMIT_EXCEEDED",
            200,
            "HTTP 200 with status error: the adjustment is above the account's largest single \
             adjustment and nothing moved; split it.",
        ),
        || PcaasaError::AmountLimitExceeded,
    ),
    (
        entry(
            "DAILY_LIMIT_EXCEEDED",
            200,
            "HTTP 200 with status error: one of the account's daily limits would be exceeded \
             (drawn for the daily debit amount) and nothing moved; retry the next UTC day or with \
             less.",
        ),
        || PcaasaError::DailyLimitExceeded { limit: DailyLimit::DebitAmount },
    ),
    (
        entry(
            "DUPLICATE_EXTERNAL_TRAN_UUID",
            200,
            "HTTP 200 with status error: externalTranUuid was already used in the last 24 hours \
             for a different adjustment and nothing moved; use a new one.",
        ),
        || PcaasaError::DuplicateExternalTranUuid,
    ),
    (
        entry(
            outage::RATE_LIMITED,
            429,
            "Too many requests (code RATE_LIMITED) and nothing changed; wait the Retry-After \
             seconds (1) and retry the same request.",
        ),
        || PcaasaError::RateLimited,
    ),
    (
        entry(
            outage::INTERNAL,
            500,
            "PCaaSA failed inside (code SYSTEM_ERROR) and nothing changed; the same request may be \
             retried.",
        ),
        || PcaasaError::SystemError,
    ),
    (
        entry(
            outage::UNAVAILABLE,
            503,
            "PCaaSA is unavailable (code SYSTEM_UNAVAILABLE) and nothing changed; wait the \
             Retry-After seconds (1) and retry the same request.",
        ),
        || PcaasaError::SystemUnavailable,
    ),
];

/// Every error the mock answers, by the name a fault rule gives it ([`crate::Vendor::errors`]).
pub(crate) static CATALOGUE: [CatalogueEntry; TABLE.len()] = catalogue();

const fn catalogue<const N: usize>() -> [CatalogueEntry; N] {
    let mut entries = [entry("", 0, ""); N];
    let mut idx = 0;
    while idx < N {
        entries[idx] = TABLE[idx].0;
        idx += 1;
    }
    entries
}

/// The catalogued error called `name`, if there is one.
pub(crate) fn catalogued(name: &str) -> Option<PcaasaError> {
    TABLE.iter().find(|(entry, _)| entry.name == name).map(|(_, error)| error())
}
