//! AMLYZE's error answers: the business rejections (`400 REQUEST_REJECTED` with an `errorCode`),
//! Spring Boot's default error bodies, the 401 body and the 500 body; and how ledger outcomes map
//! onto them.
//!
//! [`CATALOGUE`] names every error a fault rule can draw: a rejection by its `errorCode` where
//! that code names one error (`O005`), by code and description where several share it
//! (`O001_ext_id_mandatory`); Spring's bodies and the 401 by their `error` / `code` in snake
//! case (`not_found`, `unauthorized`); and the three outage names. AMLYZE documents no 429 or
//! 503, so both are its documented 500 body with their own status, and `Retry-After: 1`.

use std::borrow::Cow;

use http::StatusCode;
use ledger::{AccountError, Timestamp};

use super::handlers::batch::BATCH_ITEMS_MAX;
use super::wire::datetime;
use super::wire::{
    InternalErrorResponse, RejectedResponse, SpringErrorResponse, UnauthorizedError,
    UnauthorizedResponse,
};
use crate::common::failure::{self, Render};
use crate::{CatalogueEntry, Response, outage};

/// `resultType` of an accepted request.
pub(crate) const REQUEST_ACCEPTED: &str = "REQUEST_ACCEPTED";
/// `resultType` of a rejected request.
pub(crate) const REQUEST_REJECTED: &str = "REQUEST_REJECTED";

/// One business rejection: an `errorCode` and its `errorDescription`.
///
/// Codes and texts marked "documented" are copied from AMLYZE's pages (errors page, account
/// error list, the balance spec's example, the batch example); the others are the mock's choice
/// where AMLYZE publishes nothing (see the module doc's *Choices*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Documented: `001` CommunicationNumber is mandatory.
    CommunicationNumberMandatory,
    /// Documented: `001` Requester is mandatory.
    RequesterMandatory,
    /// `O001`: a text longer than its documented maximum.
    TooLong {
        /// The JSON property.
        field: &'static str,
        /// Its maximum length in characters.
        max: usize,
    },
    /// Documented text ("Business unit is mandatory"), code `O001`: a blank `businessUnit`.
    BusinessUnitMandatory,
    /// Documented (batch example): `O005` CommunicationNumber already used in amlyze.
    CommunicationNumberUsed,
    /// Documented (single customer example): the same duplicate under `O001`.
    CustomerCommunicationNumberUsed,
    /// Documented (the balance spec's 400 example): `O001` extId is mandatory.
    ExtIdMandatory,
    /// `O001`: no `balanceAt`.
    BalanceAtMandatory,
    /// `O001`: no `value`.
    ValueMandatory,
    /// `O001`: a `balanceType` outside the classifier.
    BalanceTypeUnknown,
    /// Documented: `500` failed processing account balance. Sent for values no exact decimal of
    /// the balance store holds.
    BalanceProcessingFailed,
    /// `404` (the errors page's "does not exist" code): no account with that `accountExtId`.
    AccountNotFound,
    /// `O001`: a batch body without `accountBalances`.
    AccountBalancesMandatory,
    /// `O001`: a `null` item in `accountBalances`.
    AccountBalanceMandatory,
    /// `O001`: more items than the mock handles in one batch.
    BatchTooLarge {
        /// The maximum.
        max: usize,
    },
    /// Documented text, code `O001`: AccountExtId is mandatory.
    AccountExtIdMandatory,
    /// Documented text, code `O001`: AccountNumber is mandatory.
    AccountNumberMandatory,
    /// Documented text, code `O001`: BusinessEntityExtId is mandatory.
    BusinessEntityExtIdMandatory,
    /// Documented: `404` BusinessEntity with given extId does not exist in Amlyze.
    BusinessEntityNotFound,
    /// Documented: `001` Currency does not exist in Amlyze.
    CurrencyUnknown,
    /// Documented: `003` Account already linked with other customer.
    AccountLinkedToOtherCustomer,
    /// Documented: `005` When using external account, BIC is mandatory.
    BicMandatory,
    /// Documented: `007` OpeningDate is mandatory.
    OpeningDateMandatory,
    /// Documented: `002` Invalid Account status, allowed values: ACTIVE, SUSPENDED, CLOSED.
    AccountStatusInvalid,
    /// Documented: `002` CLOSED account requires closingDate.
    ClosingDateRequired,
    /// Documented: `002` Non-closed account cannot have a closing date.
    ClosingDateNotAllowed,
    /// `O001`: a registered account named with another currency.
    CurrencyCannotChange,
    /// `O001`: a closed account registered again as active or suspended.
    AccountClosedFinal,
    /// `O001`: an `action` other than `CREATE` or `UPDATE`.
    ActionInvalid,
    /// Documented: `C002` CustomerExtId is mandatory.
    CustomerExtIdMandatory,
    /// Documented: `C012` ApplicationDate is mandatory.
    ApplicationDateMandatory,
    /// Documented code `AV07` (bad value format): an enumerated customer field out of range.
    InvalidValue {
        /// The JSON property.
        field: &'static str,
    },
}

impl Rejection {
    /// The `errorCode`.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Rejection::CommunicationNumberMandatory
            | Rejection::RequesterMandatory
            | Rejection::CurrencyUnknown => "001",
            Rejection::AccountStatusInvalid
            | Rejection::ClosingDateRequired
            | Rejection::ClosingDateNotAllowed => "002",
            Rejection::AccountLinkedToOtherCustomer => "003",
            Rejection::BicMandatory => "005",
            Rejection::OpeningDateMandatory => "007",
            Rejection::AccountNotFound | Rejection::BusinessEntityNotFound => "404",
            Rejection::BalanceProcessingFailed => "500",
            Rejection::CommunicationNumberUsed => "O005",
            Rejection::CustomerExtIdMandatory => "C002",
            Rejection::ApplicationDateMandatory => "C012",
            Rejection::InvalidValue { .. } => "AV07",
            Rejection::TooLong { .. }
            | Rejection::BusinessUnitMandatory
            | Rejection::CustomerCommunicationNumberUsed
            | Rejection::ExtIdMandatory
            | Rejection::BalanceAtMandatory
            | Rejection::ValueMandatory
            | Rejection::BalanceTypeUnknown
            | Rejection::AccountBalancesMandatory
            | Rejection::AccountBalanceMandatory
            | Rejection::BatchTooLarge { .. }
            | Rejection::AccountExtIdMandatory
            | Rejection::AccountNumberMandatory
            | Rejection::BusinessEntityExtIdMandatory
            | Rejection::CurrencyCannotChange
            | Rejection::AccountClosedFinal
            | Rejection::ActionInvalid => "O001",
        }
    }

    /// The `errorDescription`.
    pub(crate) fn description(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Rejection::CommunicationNumberMandatory => "CommunicationNumber is mandatory",
            Rejection::RequesterMandatory => "Requester is mandatory",
            Rejection::TooLong { field, max } => {
                return Cow::Owned(format!("{field} must not be longer than {max} characters"));
            }
            Rejection::BusinessUnitMandatory => "Business unit is mandatory",
            Rejection::CommunicationNumberUsed | Rejection::CustomerCommunicationNumberUsed => {
                "CommunicationNumber already used in amlyze"
            }
            Rejection::ExtIdMandatory => "extId is mandatory",
            Rejection::BalanceAtMandatory => "BalanceAt is mandatory",
            Rejection::ValueMandatory => "Value is mandatory",
            Rejection::BalanceTypeUnknown => "BalanceType does not exist in Amlyze",
            Rejection::BalanceProcessingFailed => "failed processing account balance",
            Rejection::AccountNotFound => "Account with given extId does not exist in amlyze",
            Rejection::AccountBalancesMandatory => "AccountBalances is mandatory",
            Rejection::AccountBalanceMandatory => "AccountBalance is mandatory",
            Rejection::BatchTooLarge { max } => {
                return Cow::Owned(format!("Batch must not contain more than {max} items"));
            }
            Rejection::AccountExtIdMandatory => "AccountExtId is mandatory",
            Rejection::AccountNumberMandatory => "AccountNumber is mandatory",
            Rejection::BusinessEntityExtIdMandatory => "BusinessEntityExtId is mandatory",
            Rejection::BusinessEntityNotFound => {
                "BusinessEntity with given extId does not exist in Amlyze"
            }
            Rejection::CurrencyUnknown => "Currency does not exist in Amlyze",
            Rejection::AccountLinkedToOtherCustomer => "Account already linked with other customer",
            Rejection::BicMandatory => "When using external account, BIC is mandatory",
            Rejection::OpeningDateMandatory => "OpeningDate is mandatory",
            Rejection::AccountStatusInvalid => {
                "Invalid Account status, allowed values: ACTIVE, SUSPENDED, CLOSED"
            }
            Rejection::ClosingDateRequired => "CLOSED account requires closingDate",
            Rejection::ClosingDateNotAllowed => "Non-closed account cannot have a closing date",
            Rejection::CurrencyCannotChange => "Currency of a registered account cannot be changed",
            Rejection::AccountClosedFinal => "CLOSED account cannot be reopened",
            Rejection::ActionInvalid => "Invalid action, allowed values: CREATE, UPDATE",
            Rejection::CustomerExtIdMandatory => "CustomerExtId is mandatory",
            Rejection::ApplicationDateMandatory => "ApplicationDate is mandatory",
            Rejection::InvalidValue { field } => {
                return Cow::Owned(format!("Invalid value format of field {field}"));
            }
        })
    }
}

/// AMLYZE's error catalogue: which of its answer shapes an error takes, and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AmlyzeError {
    /// 401 `{"error":{"code":"unauthorized"}}`.
    Unauthorized,
    /// Spring Boot's default `{timestamp,status,error,path}` with this status.
    Spring {
        /// 400, 404, 405, 408, 413 or 415.
        status: StatusCode,
        /// The `Allow` header of a 405.
        allow: Option<String>,
    },
    /// 400 `{resultType: REQUEST_REJECTED, errorCode, errorDescription}`.
    Rejected(Rejection),
    /// 500 `{resultType: REQUEST_REJECTED, status: 500, error: "Internal Server Error"}`.
    Internal,
    /// 429 in the 500's shape (drawn only by a fault rule; AMLYZE publishes no rate limit).
    TooManyRequests,
    /// 503 in the 500's shape (drawn only by a fault rule).
    ServiceUnavailable,
}

/// `Retry-After` on a 429 or 503, in seconds: AMLYZE documents neither answer nor a wait, so
/// the shortest whole wait a client can honour.
const RETRY_AFTER_SECONDS: &str = "1";

/// Every error a fault rule can draw, by name; [`catalogued`] gives each one's error.
pub(crate) static CATALOGUE: &[CatalogueEntry] = &[
    entry(
        "001_communication_number_mandatory",
        400,
        "communicationNumber is missing or blank; send a unique number per request.",
    ),
    entry(
        "001_requester_mandatory",
        400,
        "requester is missing or blank; name who sends the request.",
    ),
    entry(
        "001_currency_unknown",
        400,
        "The currency code is not one AMLYZE knows; send an ISO 4217 code.",
    ),
    entry(
        "002_account_status_invalid",
        400,
        "accountStatus is not ACTIVE, SUSPENDED or CLOSED; send one of those.",
    ),
    entry("002_closing_date_required", 400, "A CLOSED account needs its closingDate; send it."),
    entry(
        "002_closing_date_not_allowed",
        400,
        "Only a CLOSED account may have a closingDate; drop it or close the account.",
    ),
    entry(
        "003",
        400,
        "The account is already linked to another customer; use that customer or another account.",
    ),
    entry("005", 400, "An external account needs its BIC; send it."),
    entry("007", 400, "openingDate is missing; send it."),
    entry(
        "404_account_not_found",
        400,
        "No account with this accountExtId in this business unit; register the account first (POST \
         /account).",
    ),
    entry(
        "404_business_entity_not_found",
        400,
        "No customer with this businessEntityExtId in this business unit; register the customer \
         first (POST /customer).",
    ),
    entry(
        "500",
        400,
        "AMLYZE could not process the balance (errorCode 500 in an HTTP 400; sandbank sends it for \
         a value of 10^20 or more, or over 28 digits); send a value it can hold.",
    ),
    entry(
        "O005",
        400,
        "This communicationNumber was already used by an accepted request; send a new one.",
    ),
    entry(
        "O001_communication_number_used",
        400,
        "A customer call's communicationNumber was already used by an accepted request; send a new \
         one.",
    ),
    entry(
        "O001_too_long",
        400,
        "A text is longer than its limit (drawn for `requester`, 100 characters: \"requester must \
         not be longer than 100 characters\"); shorten it.",
    ),
    entry(
        "O001_business_unit_mandatory",
        400,
        "businessUnit is blank; leave it out (sandbox) or name the unit.",
    ),
    entry(
        "O001_ext_id_mandatory",
        400,
        "accountExtId is missing or blank (AMLYZE's own example); send it.",
    ),
    entry(
        "O001_balance_at_mandatory",
        400,
        "balanceAt is missing or blank; send the balance's date-time.",
    ),
    entry("O001_value_mandatory", 400, "value is missing or null; send the balance."),
    entry(
        "O001_balance_type_unknown",
        400,
        "balanceType is not DAILY_BALANCE or STATEMENT_BALANCE; send one of those or leave it out.",
    ),
    entry(
        "O001_account_balances_mandatory",
        400,
        "A batch without accountBalances; send the list.",
    ),
    entry(
        "O001_account_balance_mandatory",
        400,
        "A null item in accountBalances; send an object per item.",
    ),
    entry("O001_batch_too_large", 400, "A batch of more than 1000 items; split it."),
    entry("O001_account_ext_id_mandatory", 400, "An account call without accountExtId; send it."),
    entry("O001_account_number_mandatory", 400, "An account call without accountNumber; send it."),
    entry(
        "O001_business_entity_ext_id_mandatory",
        400,
        "An account call without businessEntityExtId; send the owner's id.",
    ),
    entry(
        "O001_currency_cannot_change",
        400,
        "The account is registered with another currency; keep its currency.",
    ),
    entry(
        "O001_account_closed_final",
        400,
        "A CLOSED account cannot be reopened; register a new account.",
    ),
    entry("O001_action_invalid", 400, "action is not CREATE or UPDATE; send one of those."),
    entry("C002", 400, "A customer call without customerExtId; send it."),
    entry("C012", 400, "A customer call without applicationDate; send it."),
    entry(
        "AV07",
        400,
        "An enumerated customer field has a value out of its list (drawn for `riskLevel`); send a \
         listed value.",
    ),
    entry(
        "bad_request",
        400,
        "Spring could not read the body (malformed JSON, wrong types, a bad date-time); fix the \
         JSON.",
    ),
    entry("not_found", 404, "Spring's 404: no AMLYZE endpoint at this path; check the path."),
    entry("request_timeout", 408, "The body did not arrive in time; send it again."),
    entry(
        "payload_too_large",
        413,
        "The body is over the 64 KiB limit; send a smaller body or batch.",
    ),
    entry("unsupported_media_type", 415, "Content-Type is not JSON; send application/json."),
    entry(
        "unauthorized",
        401,
        "No, non-Bearer or unknown token; send Authorization: Bearer with your AMLYZE token.",
    ),
    entry(
        outage::INTERNAL,
        500,
        "AMLYZE failed inside (its documented 500 body) and stored nothing; retry later.",
    ),
    entry(
        outage::RATE_LIMITED,
        429,
        "Too many requests (the 500 body's shape, status 429); wait the `Retry-After: 1` second \
         before retrying.",
    ),
    entry(
        outage::UNAVAILABLE,
        503,
        "AMLYZE is unavailable (the 500 body's shape, status 503) and stored nothing; retry after \
         the `Retry-After: 1` second.",
    ),
];

const fn entry(name: &'static str, status: u16, meaning: &'static str) -> CatalogueEntry {
    CatalogueEntry { name, status, meaning }
}

/// The error [`CATALOGUE`] names `name`, with each parametric entry's representative value.
pub(crate) fn catalogued(name: &str) -> Option<AmlyzeError> {
    let spring = |status: StatusCode| AmlyzeError::Spring { status, allow: None };
    Some(match name {
        "bad_request" => spring(StatusCode::BAD_REQUEST),
        "not_found" => spring(StatusCode::NOT_FOUND),
        "request_timeout" => spring(StatusCode::REQUEST_TIMEOUT),
        "payload_too_large" => spring(StatusCode::PAYLOAD_TOO_LARGE),
        "unsupported_media_type" => spring(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        "unauthorized" => AmlyzeError::Unauthorized,
        outage::INTERNAL => AmlyzeError::Internal,
        outage::RATE_LIMITED => AmlyzeError::TooManyRequests,
        outage::UNAVAILABLE => AmlyzeError::ServiceUnavailable,
        name => AmlyzeError::Rejected(catalogued_rejection(name)?),
    })
}

fn catalogued_rejection(name: &str) -> Option<Rejection> {
    Some(match name {
        "001_communication_number_mandatory" => Rejection::CommunicationNumberMandatory,
        "001_requester_mandatory" => Rejection::RequesterMandatory,
        "001_currency_unknown" => Rejection::CurrencyUnknown,
        "002_account_status_invalid" => Rejection::AccountStatusInvalid,
        "002_closing_date_required" => Rejection::ClosingDateRequired,
        "002_closing_date_not_allowed" => Rejection::ClosingDateNotAllowed,
        "003" => Rejection::AccountLinkedToOtherCustomer,
        "005" => Rejection::BicMandatory,
        "007" => Rejection::OpeningDateMandatory,
        "404_account_not_found" => Rejection::AccountNotFound,
        "404_business_entity_not_found" => Rejection::BusinessEntityNotFound,
        "500" => Rejection::BalanceProcessingFailed,
        "O005" => Rejection::CommunicationNumberUsed,
        "O001_communication_number_used" => Rejection::CustomerCommunicationNumberUsed,
        "O001_too_long" => Rejection::TooLong { field: "requester", max: 100 },
        "O001_business_unit_mandatory" => Rejection::BusinessUnitMandatory,
        "O001_ext_id_mandatory" => Rejection::ExtIdMandatory,
        "O001_balance_at_mandatory" => Rejection::BalanceAtMandatory,
        "O001_value_mandatory" => Rejection::ValueMandatory,
        "O001_balance_type_unknown" => Rejection::BalanceTypeUnknown,
        "O001_account_balances_mandatory" => Rejection::AccountBalancesMandatory,
        "O001_account_balance_mandatory" => Rejection::AccountBalanceMandatory,
        "O001_batch_too_large" => Rejection::BatchTooLarge { max: BATCH_ITEMS_MAX },
        "O001_account_ext_id_mandatory" => Rejection::AccountExtIdMandatory,
        "O001_account_number_mandatory" => Rejection::AccountNumberMandatory,
        "O001_business_entity_ext_id_mandatory" => Rejection::BusinessEntityExtIdMandatory,
        "O001_currency_cannot_change" => Rejection::CurrencyCannotChange,
        "O001_account_closed_final" => Rejection::AccountClosedFinal,
        "O001_action_invalid" => Rejection::ActionInvalid,
        "C002" => Rejection::CustomerExtIdMandatory,
        "C012" => Rejection::ApplicationDateMandatory,
        "AV07" => Rejection::InvalidValue { field: "riskLevel" },
        _ => return None,
    })
}

/// A refused AMLYZE request: the catalogue entry, the rule that fired and the tenant.
pub(crate) type Failure = failure::Failure<AmlyzeError>;

/// What an AMLYZE error body shows besides the error: Spring's `path` and `timestamp`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scene<'a> {
    /// The request path.
    pub(crate) path: &'a str,
    /// The time Spring's `timestamp` shows.
    pub(crate) now: Timestamp,
}

/// The 401 of a missing, non-Bearer or unknown token.
pub(crate) fn unauthorized(reason: impl Into<String>) -> Failure {
    Failure::new(AmlyzeError::Unauthorized, reason)
}

/// Spring's default error body with `status`.
pub(crate) fn spring(status: StatusCode, reason: impl Into<String>) -> Failure {
    Failure::new(AmlyzeError::Spring { status, allow: None }, reason)
}

/// Spring's 405 with `Allow: allow`.
pub(crate) fn method_not_allowed(allow: String, reason: impl Into<String>) -> Failure {
    let status = StatusCode::METHOD_NOT_ALLOWED;
    Failure::new(AmlyzeError::Spring { status, allow: Some(allow) }, reason)
}

/// A business rejection.
pub(crate) fn rejected(rejection: Rejection, reason: impl Into<String>) -> Failure {
    Failure::new(AmlyzeError::Rejected(rejection), reason)
}

/// The 500 body: a bug or a limit of the mock, never the client's fault.
pub(crate) fn internal(reason: impl Into<String>) -> Failure {
    Failure::new(AmlyzeError::Internal, reason)
}

impl AmlyzeError {
    /// The `errorCode` and `errorDescription` a batch item shows for this error: the
    /// rejection's, or the documented batch 500 variant ("Processing failed").
    pub(crate) fn item_error(&self) -> (&'static str, Cow<'static, str>) {
        match self {
            AmlyzeError::Rejected(rejection) => (rejection.code(), rejection.description()),
            AmlyzeError::Unauthorized
            | AmlyzeError::Spring { .. }
            | AmlyzeError::Internal
            | AmlyzeError::TooManyRequests
            | AmlyzeError::ServiceUnavailable => ("500", Cow::Borrowed("Processing failed")),
        }
    }
}

impl Render for AmlyzeError {
    type Scene<'a> = Scene<'a>;

    /// Status, headers and body exactly as AMLYZE sends them; the scene's `now` feeds Spring's
    /// `timestamp`.
    fn render(&self, scene: Scene<'_>) -> Response {
        match self {
            AmlyzeError::Unauthorized => Response::json(
                StatusCode::UNAUTHORIZED,
                &UnauthorizedResponse { error: UnauthorizedError { code: "unauthorized" } },
            ),
            AmlyzeError::Spring { status, allow } => {
                let body = SpringErrorResponse {
                    timestamp: datetime::format_spring(scene.now),
                    status: status.as_u16(),
                    error: status.canonical_reason().unwrap_or("Error"),
                    path: scene.path,
                };
                let resp = Response::json(*status, &body);
                match allow {
                    Some(allow) => resp.with_header("allow", allow),
                    None => resp,
                }
            }
            AmlyzeError::Rejected(rejection) => Response::json(
                StatusCode::BAD_REQUEST,
                &RejectedResponse {
                    result_type: REQUEST_REJECTED,
                    error_code: rejection.code(),
                    error_description: &rejection.description(),
                },
            ),
            AmlyzeError::Internal => internal_shape(StatusCode::INTERNAL_SERVER_ERROR),
            AmlyzeError::TooManyRequests => internal_shape(StatusCode::TOO_MANY_REQUESTS)
                .with_header("retry-after", RETRY_AFTER_SECONDS),
            AmlyzeError::ServiceUnavailable => internal_shape(StatusCode::SERVICE_UNAVAILABLE)
                .with_header("retry-after", RETRY_AFTER_SECONDS),
        }
    }
}

/// AMLYZE's documented 500 body, with `status` (500, or an outage a fault rule draws).
fn internal_shape(status: StatusCode) -> Response {
    let error = status.canonical_reason().unwrap_or("Internal Server Error");
    Response::json(
        status,
        &InternalErrorResponse { result_type: REQUEST_REJECTED, status: status.as_u16(), error },
    )
}

/// Ledger transfer outcomes in AMLYZE's terms.
///
/// No AMLYZE call moves money: balances are snapshots kept beside the ledger, so today no
/// transfer outcome reaches a client. The mapping is still total and explicit so that a future
/// money-moving call has to decide each case here. Amount and limit outcomes become the
/// balance call's documented `500 failed processing account balance`; a missing account is
/// the mock's `404`; a reused key is a reused `communicationNumber`. Such a call's reason is
/// the shared explainer's sentence ([`crate::common::explain::refusal`], in major units, keyed by
/// `communicationNumber`), not one of AMLYZE's own.
impl From<&ledger::Error> for AmlyzeError {
    fn from(err: &ledger::Error) -> AmlyzeError {
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        match err {
            ledger::Error::IdempotencyConflict => {
                AmlyzeError::Rejected(Rejection::CommunicationNumberUsed)
            }
            ledger::Error::AccountNotFound => AmlyzeError::Rejected(Rejection::AccountNotFound),
            ledger::Error::AmountNotPositive
            | ledger::Error::AmountScaleExceeded
            | ledger::Error::AmountTooLarge
            | ledger::Error::SameAccount
            | ledger::Error::CurrencyMismatch
            | ledger::Error::AccountNotActive { .. }
            | ledger::Error::TransferMaximumExceeded
            | ledger::Error::DailyLimitExceeded { .. }
            | ledger::Error::InsufficientFunds
            | ledger::Error::BalanceMaximumExceeded
            | ledger::Error::PendingNotFound
            | ledger::Error::PendingAlreadyPosted
            | ledger::Error::PendingAlreadyVoided
            | ledger::Error::PendingExpired
            | ledger::Error::PendingAmountExceeded => {
                AmlyzeError::Rejected(Rejection::BalanceProcessingFailed)
            }
            ledger::Error::JournalUnavailable => AmlyzeError::Internal,
        }
    }
}

/// Ledger account outcomes (the account call mirrors `accountStatus` onto the ledger account).
impl From<&AccountError> for AmlyzeError {
    fn from(err: &AccountError) -> AmlyzeError {
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        match err {
            AccountError::AccountClosed => AmlyzeError::Rejected(Rejection::AccountClosedFinal),
            AccountError::AccountNotFound => AmlyzeError::Rejected(Rejection::AccountNotFound),
            // The mock chooses fresh ids and default limits, so these are bugs.
            AccountError::AccountExists
            | AccountError::InvalidLimits(_)
            | AccountError::JournalUnavailable => AmlyzeError::Internal,
        }
    }
}
