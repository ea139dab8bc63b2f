//! Qolo's error catalogue: its documented error responses, how each is drawn ([`Render`]) and
//! how ledger outcomes map onto them.
//!
//! Every error is an RFC 7807 `ProblemDetails` body (`application/problem+json`) as ASP.NET Core
//! writes it: `type`, `title`, `status`, `detail`, `instance`, `traceId`. Field validation uses
//! ASP.NET's `ValidationProblemDetails` with an `errors` map instead of `detail`. Statuses are the
//! ones Qolo lists: 400, 401, 404, 405, 415, 429, 500 (plus 408 and 413 for what the server
//! refuses before Qolo's code would run, and 503 for a fault rule's outage).
//!
//! [`CATALOGUE`] names every error a fault rule can draw. Qolo's problem `type`s name only the
//! status, so an entry is named after what its `detail` says, in snake case
//! (`insufficient_funds`), plus the three outage names. Qolo documents the 429 (its API
//! gateway's rate limit) but no wait, so the 429 and the 503 send `Retry-After: 1`; sandbank
//! itself never rate-limits, only a fault rule draws them.

use std::borrow::Cow;

use http::{HeaderValue, StatusCode};
use uuid::Uuid;

use super::wire::{Errors, ProblemDetails, ValidationProblemDetails};
use crate::common::failure::{self, Render};
use crate::{CatalogueEntry, Response, outage};

const TYPE_400: &str = "https://tools.ietf.org/html/rfc7231#section-6.5.1";
const TYPE_401: &str = "https://tools.ietf.org/html/rfc7235#section-3.1";
const TYPE_404: &str = "https://tools.ietf.org/html/rfc7231#section-6.5.4";
const TYPE_405: &str = "https://tools.ietf.org/html/rfc7231#section-6.5.5";
const TYPE_408: &str = "https://tools.ietf.org/html/rfc7231#section-6.5.7";
const TYPE_413: &str = "https://tools.ietf.org/html/rfc7231#section-6.5.11";
const TYPE_415: &str = "https://tools.ietf.org/html/rfc7231#section-6.5.13";
const TYPE_429: &str = "https://tools.ietf.org/html/rfc6585#section-4";
const TYPE_500: &str = "https://tools.ietf.org/html/rfc7231#section-6.6.1";
const TYPE_503: &str = "https://tools.ietf.org/html/rfc7231#section-6.6.4";

/// `Retry-After` on a 429 or 503, in seconds: Qolo documents its gateway's 429 but no wait, so
/// the shortest whole wait a client can honour.
const RETRY_AFTER_SECONDS: &str = "1";

/// The content type of every error body.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json; charset=utf-8";

/// A refused Qolo request: the catalogue entry the client sees, why, and whose request it was.
pub(crate) type Failure = failure::Failure<QoloError>;

/// One of Qolo's error answers, as the client sees it. Why it happened travels beside it, in
/// [`Failure::reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QoloError {
    /// 400 `ValidationProblemDetails`: field → message, in the order found.
    Validation(Vec<(String, String)>),
    /// 400 `ProblemDetails` with this `detail`: a business rule (funds, limits, status,
    /// currency, idempotency).
    BadRequest(Cow<'static, str>),
    /// 401: no, malformed, unknown or expired token, or wrong login credentials.
    Unauthorized { detail: &'static str, challenge: &'static str },
    /// 404 with this `detail`: unknown account, card proxy, wallet, program, or API version.
    NotFound(Cow<'static, str>),
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 408: the body did not arrive in time.
    RequestTimeout,
    /// 413: the body is over the server's limit.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 500: a bug or an unavailable journal; nothing changed.
    Internal,
    /// 429: Qolo's API gateway's rate limit (drawn only by a fault rule).
    TooManyRequests,
    /// 503: the service is unavailable (drawn only by a fault rule).
    ServiceUnavailable,
}

/// Every error a fault rule can draw, by name; [`catalogued`] gives each one's error.
pub(crate) static CATALOGUE: &[CatalogueEntry] = &[
    entry(
        "validation_failed",
        400,
        "A field is invalid (ASP.NET's `errors` map; drawn as `amount`: \"The field amount must be \
         greater than 0.\"); fix the named field.",
    ),
    entry(
        "insufficient_funds",
        400,
        "The debit is more than the account's available balance; debit less or fund the account \
         first.",
    ),
    entry(
        "maximum_balance_exceeded",
        400,
        "The credit would take the balance above the account's maximum balance; credit less.",
    ),
    entry(
        "transaction_amount_limit_exceeded",
        400,
        "The amount is over the account's per-transaction limit; split it.",
    ),
    entry(
        "daily_load_amount_limit_exceeded",
        400,
        "Today's credits would pass the account's daily load amount; retry after 00:00 UTC or \
         credit less.",
    ),
    entry(
        "daily_load_count_limit_exceeded",
        400,
        "The account had its daily number of credits; retry after 00:00 UTC.",
    ),
    entry(
        "daily_spending_amount_limit_exceeded",
        400,
        "Today's debits would pass the account's daily spending amount; retry after 00:00 UTC or \
         debit less.",
    ),
    entry(
        "daily_spending_count_limit_exceeded",
        400,
        "The account had its daily number of debits; retry after 00:00 UTC.",
    ),
    entry(
        "account_not_active",
        400,
        "The account's status does not allow balance adjustments (drawn for FREEZE; CLOSED reads \
         the same); reactivate the account.",
    ),
    entry(
        "currency_mismatch",
        400,
        "The currency is not the account's; send the account's currency.",
    ),
    entry(
        "idempotency_key_reused",
        400,
        "This IdempotencyKey was already used with a different request; send a new key.",
    ),
    entry(
        "client_reference_id_reused",
        400,
        "This client_reference_id was already used for a different request; send a new one.",
    ),
    entry(
        "unauthorized",
        401,
        "No, malformed, unknown or expired bearer token; log in again (POST /api/v1/auth/login).",
    ),
    entry(
        "invalid_login",
        401,
        "The login_id or api_key sent to the login is wrong; check the credentials.",
    ),
    entry(
        "account_not_found",
        404,
        "No account with this guid (or card proxy) in this program; check the account.",
    ),
    entry("card_not_found", 404, "No card with this card_proxy; check the card proxy."),
    entry(
        "wallet_not_found",
        404,
        "No wallet with this guid, or none matching the search; check the criteria.",
    ),
    entry(
        "program_not_found",
        404,
        "No program with this guid for this client; check the program guid.",
    ),
    entry(
        "api_version_not_supported",
        404,
        "The path's API version is not served (drawn for 'v2'); call /api/v1.",
    ),
    entry(
        "unsupported_media_type",
        415,
        "The body is not JSON; send Content-Type: application/json.",
    ),
    entry("request_timeout", 408, "The request body did not arrive in time; send it again."),
    entry("payload_too_large", 413, "The body is over the 64 KiB limit; send a smaller body."),
    entry(outage::INTERNAL, 500, "Qolo failed inside and changed nothing; retry later."),
    entry(
        outage::RATE_LIMITED,
        429,
        "Qolo's API gateway rate-limited the client; wait the `Retry-After: 1` second before \
         retrying.",
    ),
    entry(
        outage::UNAVAILABLE,
        503,
        "Qolo is unavailable and changed nothing; retry after the `Retry-After: 1` second.",
    ),
];

const fn entry(name: &'static str, status: u16, meaning: &'static str) -> CatalogueEntry {
    CatalogueEntry { name, status, meaning }
}

/// The error [`CATALOGUE`] names `name`, with each entry's representative detail.
pub(crate) fn catalogued(name: &str) -> Option<QoloError> {
    use ledger::{DailyLimit, Error as LedgerError};
    let ledger = |err: LedgerError| QoloError::from(&err);
    let not_found = |detail: &'static str| QoloError::NotFound(Cow::Borrowed(detail));
    Some(match name {
        "validation_failed" => ledger(LedgerError::AmountNotPositive),
        "insufficient_funds" => ledger(LedgerError::InsufficientFunds),
        "maximum_balance_exceeded" => ledger(LedgerError::BalanceMaximumExceeded),
        "transaction_amount_limit_exceeded" => ledger(LedgerError::TransferMaximumExceeded),
        "daily_load_amount_limit_exceeded" => {
            ledger(LedgerError::DailyLimitExceeded { limit: DailyLimit::CreditAmount })
        }
        "daily_load_count_limit_exceeded" => {
            ledger(LedgerError::DailyLimitExceeded { limit: DailyLimit::CreditCount })
        }
        "daily_spending_amount_limit_exceeded" => {
            ledger(LedgerError::DailyLimitExceeded { limit: DailyLimit::DebitAmount })
        }
        "daily_spending_count_limit_exceeded" => {
            ledger(LedgerError::DailyLimitExceeded { limit: DailyLimit::DebitCount })
        }
        "account_not_active" => {
            ledger(LedgerError::AccountNotActive { status: ledger::Status::Frozen })
        }
        "currency_mismatch" => ledger(LedgerError::CurrencyMismatch),
        "idempotency_key_reused" => ledger(LedgerError::IdempotencyConflict),
        "client_reference_id_reused" => {
            QoloError::BadRequest(Cow::Borrowed(CLIENT_REFERENCE_ID_REUSED))
        }
        "unauthorized" => QoloError::Unauthorized { detail: NO_TOKEN, challenge: "Bearer" },
        "invalid_login" => QoloError::Unauthorized { detail: BAD_LOGIN, challenge: "Bearer" },
        "account_not_found" => ledger(LedgerError::AccountNotFound),
        "card_not_found" => not_found("Card not found."),
        "wallet_not_found" => not_found("Wallet not found."),
        "program_not_found" => not_found("Program not found."),
        "api_version_not_supported" => QoloError::NotFound(version_not_supported("v2").into()),
        "unsupported_media_type" => QoloError::UnsupportedMediaType,
        "request_timeout" => QoloError::RequestTimeout,
        "payload_too_large" => QoloError::PayloadTooLarge,
        outage::INTERNAL => QoloError::Internal,
        outage::RATE_LIMITED => QoloError::TooManyRequests,
        outage::UNAVAILABLE => QoloError::ServiceUnavailable,
        _ => return None,
    })
}

/// The 401 `detail` of a missing, malformed, unknown or expired token.
pub(crate) const NO_TOKEN: &str = "No or invalid access token provided.";

/// The 401 `detail` of a wrong login.
pub(crate) const BAD_LOGIN: &str = "Invalid login_id or api_key.";

/// The 400 `detail` of a `client_reference_id` reused for a different request.
pub(crate) const CLIENT_REFERENCE_ID_REUSED: &str =
    "The client_reference_id was already used for a different request.";

/// The 404 `detail` of an API version not served.
pub(crate) fn version_not_supported(version: &str) -> String {
    format!("API version '{version}' is not supported.")
}

/// What a Qolo error body shows besides the error: `instance` is the request path, and
/// `trace_id` becomes the W3C `traceId` extension member.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scene<'a> {
    pub(crate) instance: &'a str,
    pub(crate) trace_id: Uuid,
}

/// A validation error on one field.
pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Failure {
    let (field, message) = (field.into(), message.into());
    let reason = field_reason(&field, &message);
    Failure::new(QoloError::Validation(vec![(field, message)]), reason)
}

/// A business-rule rejection.
pub(crate) fn bad_request(
    detail: impl Into<Cow<'static, str>>,
    reason: impl Into<String>,
) -> Failure {
    Failure::new(QoloError::BadRequest(detail.into()), reason)
}

/// A 404.
pub(crate) fn not_found(
    detail: impl Into<Cow<'static, str>>,
    reason: impl Into<String>,
) -> Failure {
    Failure::new(QoloError::NotFound(detail.into()), reason)
}

/// A 500: a bug on our side; nothing changed.
pub(crate) fn internal(reason: impl Into<String>) -> Failure {
    Failure::new(QoloError::Internal, reason)
}

impl Render for QoloError {
    type Scene<'a> = Scene<'a>;

    /// Status, headers and body exactly as Qolo's ASP.NET backend sends them.
    fn render(&self, scene: Scene<'_>) -> Response {
        let trace = format!("00-{}-{}-00", scene.trace_id.simple(), span_id(scene.trace_id));
        let problem = |status: StatusCode, kind, title, detail: Option<&str>| {
            let body = ProblemDetails {
                kind,
                title,
                status: status.as_u16(),
                detail,
                instance: Some(scene.instance),
                trace_id: &trace,
            };
            problem_json(Response::json(status, &body))
        };
        match self {
            QoloError::Validation(errors) => {
                let body = ValidationProblemDetails {
                    kind: TYPE_400,
                    title: "One or more validation errors occurred.",
                    status: 400,
                    instance: scene.instance,
                    trace_id: &trace,
                    errors: Errors(errors),
                };
                problem_json(Response::json(StatusCode::BAD_REQUEST, &body))
            }
            QoloError::BadRequest(detail) => {
                problem(StatusCode::BAD_REQUEST, TYPE_400, "Bad Request", Some(detail))
            }
            QoloError::Unauthorized { detail, challenge } => {
                problem(StatusCode::UNAUTHORIZED, TYPE_401, "Unauthorized", Some(detail))
                    .with_header("www-authenticate", challenge)
            }
            QoloError::NotFound(detail) => {
                problem(StatusCode::NOT_FOUND, TYPE_404, "Not Found", Some(detail))
            }
            QoloError::MethodNotAllowed => problem(
                StatusCode::METHOD_NOT_ALLOWED,
                TYPE_405,
                "Method Not Allowed",
                Some("The HTTP method is not allowed for this resource."),
            ),
            QoloError::RequestTimeout => problem(
                StatusCode::REQUEST_TIMEOUT,
                TYPE_408,
                "Request Timeout",
                Some("The request body was not received in time."),
            ),
            QoloError::PayloadTooLarge => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                TYPE_413,
                "Payload Too Large",
                Some("The request body is too large."),
            ),
            QoloError::UnsupportedMediaType => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                TYPE_415,
                "Unsupported Media Type",
                None,
            ),
            QoloError::Internal => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                TYPE_500,
                "An error occurred while processing your request.",
                None,
            ),
            QoloError::TooManyRequests => {
                problem(StatusCode::TOO_MANY_REQUESTS, TYPE_429, "Too Many Requests", None)
                    .with_header("retry-after", RETRY_AFTER_SECONDS)
            }
            QoloError::ServiceUnavailable => {
                problem(StatusCode::SERVICE_UNAVAILABLE, TYPE_503, "Service Unavailable", None)
                    .with_header("retry-after", RETRY_AFTER_SECONDS)
            }
        }
    }
}

/// `resp` with the problem content type.
fn problem_json(mut resp: Response) -> Response {
    resp.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    resp
}

/// The one-line reason for a validation error: the member, or the body as a whole.
pub(crate) fn field_reason(field: &str, message: &str) -> String {
    match field {
        "" | "$" => format!("body: {message}"),
        field => format!("field {field}: {message}"),
    }
}

/// The W3C parent id paired with `trace_id`: its last 16 hex digits.
fn span_id(trace_id: Uuid) -> String {
    format!("{:016x}", trace_id.as_u64_pair().1)
}

impl From<&ledger::Error> for QoloError {
    fn from(err: &ledger::Error) -> QoloError {
        let validation = |message: &str| {
            QoloError::Validation(vec![("amount".to_string(), message.to_string())])
        };
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        match err {
            ledger::Error::IdempotencyConflict => QoloError::BadRequest(
                "The IdempotencyKey was already used with a different request.".into(),
            ),
            ledger::Error::AmountNotPositive => {
                validation("The field amount must be greater than 0.")
            }
            ledger::Error::AmountScaleExceeded => {
                validation("The field amount has more decimal places than the currency allows.")
            }
            ledger::Error::AmountTooLarge => {
                validation("The field amount must not be greater than 1000000000000000.")
            }
            ledger::Error::AccountNotFound => QoloError::NotFound("Account not found.".into()),
            ledger::Error::CurrencyMismatch => {
                QoloError::BadRequest("The currency does not match the account currency.".into())
            }
            ledger::Error::AccountNotActive { status } => QoloError::BadRequest(
                format!(
                    "The account status {} does not allow balance adjustments.",
                    super::state::status_name(*status)
                )
                .into(),
            ),
            ledger::Error::TransferMaximumExceeded => QoloError::BadRequest(
                "The amount exceeds the transaction amount limit of the account.".into(),
            ),
            ledger::Error::DailyLimitExceeded { limit } => QoloError::BadRequest(
                match limit {
                    ledger::DailyLimit::CreditAmount => "The daily load amount limit is exceeded.",
                    ledger::DailyLimit::CreditCount => "The daily load count limit is exceeded.",
                    ledger::DailyLimit::DebitAmount => {
                        "The daily spending amount limit is exceeded."
                    }
                    ledger::DailyLimit::DebitCount => "The daily spending count limit is exceeded.",
                }
                .into(),
            ),
            ledger::Error::InsufficientFunds => QoloError::BadRequest(
                "Insufficient funds: the available balance is less than the amount.".into(),
            ),
            ledger::Error::BalanceMaximumExceeded => QoloError::BadRequest(
                "The adjustment would take the balance above the account's maximum balance.".into(),
            ),
            // AdjustBalance is a single-sided posting: it never names two accounts and never
            // settles a hold, so these outcomes mean a bug on our side.
            ledger::Error::SameAccount
            | ledger::Error::PendingNotFound
            | ledger::Error::PendingAlreadyPosted
            | ledger::Error::PendingAlreadyVoided
            | ledger::Error::PendingExpired
            | ledger::Error::PendingAmountExceeded
            | ledger::Error::JournalUnavailable => QoloError::Internal,
        }
    }
}
