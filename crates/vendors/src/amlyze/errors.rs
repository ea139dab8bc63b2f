//! AMLYZE's error answers: the business rejections (`400 REQUEST_REJECTED` with an `errorCode`),
//! Spring Boot's default error bodies, the 401 body and the 500 body; and how ledger outcomes map
//! onto them.

use std::borrow::Cow;

use http::StatusCode;
use ledger::{AccountError, Timestamp};

use super::wire::datetime;
use super::wire::{
    InternalErrorResponse, RejectedResponse, SpringErrorResponse, UnauthorizedError,
    UnauthorizedResponse,
};
use crate::Response;
use crate::common::failure::{self, Render};

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
            AmlyzeError::Unauthorized | AmlyzeError::Spring { .. } | AmlyzeError::Internal => {
                ("500", Cow::Borrowed("Processing failed"))
            }
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
            AmlyzeError::Internal => Response::json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &InternalErrorResponse {
                    result_type: REQUEST_REJECTED,
                    status: 500,
                    error: "Internal Server Error",
                },
            ),
        }
    }
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
