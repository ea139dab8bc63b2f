//! FirstVision's documented error responses (the `hasError` / `errors` / `data` envelope with
//! VisionPLUS codes such as `VPL8SMA71E`) and how ledger outcomes map onto them.

use http::StatusCode;
use ledger::Status;

use super::wire::{DResponse, ErrorItem};
use crate::common::failure::{self, Render};
use crate::{CatalogueEntry, Refusal, Request, Response, outage};

/// A VisionPLUS error code with the message the service prints, answered as 422.
///
/// `VPL8SMA…` codes belong to the cash-in/cash-out service (`M.ASM.MONETARY.ACT`), `VPJ8SMA…`
/// to its v2 flags, `VPL5S0…` to the balance inquiry (`M.CMS.BALANCE.INQ`) and `VPL5SAI…` to the
/// account inquiry (`M.CMS.ACCOUNT.INQ`).
///
/// TODO-coverage: the rest of the ~110 `M.ASM.MONETARY.ACT` codes (prepaid load limits
/// `VPL8SMA35E`–`45E`, representative tables, plans, monthly limits, Falcon declines) are not
/// emulated; the module doc lists them under *Known gaps*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vpl {
    /// `asmOrganizationNumber` / `organizationNumber` missing or outside 000–998.
    OrgInvalid,
    /// `representativeId` missing or blank.
    RepBlank,
    /// `foreignUse` other than 0 or 1.
    ForeignUseInvalid,
    /// `accountNumber` missing or blank.
    AccountRequired,
    /// `actionCode` missing or blank.
    ActionCodeRequired,
    /// `transactionAmount` not a usable number (text, negative, too many digits or decimals).
    AmountNotNumeric,
    /// `accountData.organizationNumber` is not the account's organization.
    AccountOrgMismatch,
    /// No such account or card for this client (or the card is not the account's).
    AccountNotFound,
    /// `effectiveDate` missing.
    EffectiveDateRequired,
    /// `transactionAmount` missing or zero.
    AmountRequired,
    /// The ASM organization is not one of the client's organizations.
    AsmOrgNotFound,
    /// `planNumber` missing or zero.
    PlanRequired,
    /// The ASM organization differs from the account's organization.
    RepOrgNotAllowed,
    /// The action code is not in the organization's action-code table.
    ActionCodeNotOnFile,
    /// Above the account's per-transaction maximum.
    AmountOverRepLimit,
    /// `cardNumber` missing or blank.
    CardRequired,
    /// `cardSequence` missing.
    CardSequenceRequired,
    /// `resolutionReferenceNumber` missing or blank.
    ResolutionRefRequired,
    /// The transaction does not fit the account (wallet, reused reference).
    NotValidForAccount,
    /// `effectiveDate` is not a calendar date.
    InvalidEffectiveDate,
    /// The account is closed.
    InvalidAccountStatus,
    /// `referenceNumber` missing or blank.
    ReferenceBlank,
    /// A cash-out above the open-to-buy.
    OtbInsufficient,
    /// One of the account's daily limits.
    DailyLimitExceeded,
    /// A cash-in above the account's maximum balance.
    BalanceExceeded,
    /// The account is blocked (frozen).
    AccountBlocked,
    /// v2 `isOpenToBuy` not a boolean.
    OtbCheckFlagInvalid,
    /// v2 `ecommerceTransactionLimitsIndicator` not a boolean.
    EcommerceFlagInvalid,
    /// v2 `paymentAcceptIndicator` not a boolean.
    PaymentFlagInvalid,
    /// Balance inquiry: the requested organization is not one of the client's.
    InquiryOrgNotFound,
    /// Balance inquiry: account number missing or not numeric.
    InquiryAccountNotNumeric,
    /// Balance inquiry: no such account.
    InquiryAccountNotFound,
    /// Balance inquiry: organization outside 001–998.
    InquiryOrgRange,
    /// Balance inquiry: `dualCurrencyIndicator` other than blank, `L` or `F`.
    InquiryForeignIndicator,
    /// Balance inquiry: the account exists, but not under the requested organization.
    InquiryAccountNotInOrg,
    /// Balance inquiry: foreign (dual-currency) organization asked for; none exists.
    InquiryForeignOrgNotOnFile,
    /// Account inquiry: `organization-number` not numeric or outside 000–998.
    AccountInquiryOrgInvalid,
    /// Account inquiry: neither account nor card number, or an account number not numeric.
    AccountInquiryNumberInvalid,
    /// Account inquiry: `foreignUse` other than blank, 0 or 1.
    AccountInquiryForeignUseInvalid,
    /// Account inquiry: the organization is not one of the client's.
    AccountInquiryOrgNotFound,
    /// Account inquiry: foreign organization asked for; none exists.
    AccountInquiryForeignOrgNotFound,
    /// Account inquiry: no such account or card.
    AccountInquiryNotFound,
    /// Account inquiry: the account exists, but not under the requested organization.
    AccountInquiryNotOnFile,
}

impl Vpl {
    /// The code and the message, as the service prints them.
    pub(crate) const fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            // Typos ("NUMBERIC", "VALES") are the service's own.
            Vpl::OrgInvalid => {
                ("VPL8SMA01E", "ORGANIZATION VALUE MUST BE NUMBERIC AND VALID VALES ARE 000-998")
            }
            Vpl::RepBlank => ("VPL8SMA02E", "ASM REP INVALID MUST BE GREATER THAN SPACES"),
            Vpl::ForeignUseInvalid => {
                ("VPL8SMA03E", "FOREIGN USE INDICATOR INVALID - MUST BE 0 OR 1")
            }
            Vpl::AccountRequired => ("VPL8SMA04E", "ACCOUNT OR CARD NUMBER REQUIRED"),
            Vpl::ActionCodeRequired => ("VPL8SMA05E", "ACTION CODE IS REQUIRED"),
            Vpl::AmountNotNumeric => ("VPL8SMA07E", "TRANSACTION AMOUNT MUST BE NUMERIC"),
            Vpl::AccountOrgMismatch => {
                ("VPL8SMA07S", "INPUT ACCT ORG DOES NOT MATCH WITH ORG DETERMINED")
            }
            Vpl::AccountNotFound => ("VPL8SMA15S", "ACCOUNT OR CARD NOT FOUND"),
            Vpl::EffectiveDateRequired => ("VPL8SMA16E", "EFFECTIVE DATE IS REQUIRED"),
            Vpl::AmountRequired => ("VPL8SMA17E", "TRANSACTION AMOUNT IS REQUIRED"),
            Vpl::AsmOrgNotFound => ("VPL8SMA17S", "ASM ORG NOT FOUND"),
            Vpl::PlanRequired => ("VPL8SMA18E", "PLAN NUMBER IS REQUIRED"),
            Vpl::RepOrgNotAllowed => ("VPL8SMA19S", "ASM REP NOT ALLOWED TO ACCESS ACCOUNT ORG"),
            Vpl::ActionCodeNotOnFile => ("VPL8SMA20S", "ASM ACTION CODE IS NOT ON FILE"),
            Vpl::AmountOverRepLimit => {
                ("VPL8SMA21S", "TRANSACTION AMOUNT IS GREATER THAN THE REP LIMIT")
            }
            Vpl::CardRequired => ("VPL8SMA27E", "CARD NUMBER IS REQUIRED"),
            Vpl::CardSequenceRequired => ("VPL8SMA28E", "CARD SEQUENCE IS REQUIRED"),
            Vpl::ResolutionRefRequired => ("VPL8SMA31E", "R/REFERENCE NUMBER IS REQUIRED"),
            Vpl::NotValidForAccount => ("VPL8SMA34E", "TRANSACTION NOT VALID FOR ACCOUNT"),
            Vpl::InvalidEffectiveDate => ("VPL8SMA53E", "INVALID EFFECTIVE DATE"),
            Vpl::InvalidAccountStatus => {
                ("VPL8SMA54E", "INVALID ACCT STATUS, USE TRANSFERRED TO ACCT")
            }
            Vpl::ReferenceBlank => ("VPL8SMA68E", "REFERENCE NUMBER CANNOT BE SPACES"),
            Vpl::OtbInsufficient => ("VPL8SMA71E", "ACCOUNT OTB INSUFFICIENT"),
            Vpl::DailyLimitExceeded => ("VPL8SMA73E", "DAILY LIMIT EXCEEDED"),
            Vpl::BalanceExceeded => ("VPL8SMA75E", "BALANCE EXCEEDED"),
            Vpl::AccountBlocked => ("VPL8SMA85E", "ACCOUNT BLOCKED FOR CASHIN/CASHOUT"),
            Vpl::OtbCheckFlagInvalid => {
                ("VPJ8SMA01S", "OTB CHECK FLAG IS AL-NUMERIC, VALID VALUES ARE SPACES/ 0/ 1")
            }
            Vpl::EcommerceFlagInvalid => {
                ("VPJ8SMA02S", "SPNDLT ECOM FLAG IS AL-NUMERIC, VALID VALUES ARE SPACES/ 0/ 1")
            }
            Vpl::PaymentFlagInvalid => {
                ("VPJ8SMA03S", "PMNT ACC-REJ FLAG IS AL-NUMERIC, VALID VALUES ARE SPACES/ 0/ 1")
            }
            Vpl::InquiryOrgNotFound => ("VPL5S0006S", "REQUESTED ORG NOT FOUND"),
            Vpl::InquiryAccountNotNumeric => ("VPL5S0007E", "CARD/ACCT NUMBER NOT NUMERIC"),
            Vpl::InquiryAccountNotFound => ("VPL5S0012S", "ACCOUNT NOT FOUND ON FILE"),
            Vpl::InquiryOrgRange => ("VPL5S0029S", "ORGANIZATION MUST BE 001-998"),
            Vpl::InquiryForeignIndicator => ("VPL5S0056E", "INVALID LOCAL/FOREIGN INDICATOR"),
            Vpl::InquiryAccountNotInOrg => ("VPL5S9002S", "ACCOUNT NUMBER NOT FOUND ON FILE"),
            Vpl::InquiryForeignOrgNotOnFile => ("VPL5S9006S", "ORG RECORD NOT ON FILE"),
            Vpl::AccountInquiryOrgInvalid => {
                ("VPL5SAI03E", "ORGANIZATION IS NOT NUMERIC OR MUST BE VALUE BETWEEN 000 AND 998")
            }
            Vpl::AccountInquiryNumberInvalid => {
                ("VPL5SAI04E", "REQUESTED CARD/ACCT NUMBER IS NOT NUMERIC OR EQUAL SPACES")
            }
            Vpl::AccountInquiryForeignUseInvalid => {
                ("VPL5SAI05E", "INVALID FOREIGN USE IND SPECIFIED - VALID VALUES ARE SPACE 0 OR 1")
            }
            Vpl::AccountInquiryOrgNotFound => ("VPL5SAI07S", "ORGANIZATION NOT FOUND ON FILE"),
            Vpl::AccountInquiryForeignOrgNotFound => {
                ("VPL5SAI08S", "FOREIGN ORGANIZATION NOT FOUND ON FILE")
            }
            Vpl::AccountInquiryNotFound => ("VPL5SAI09S", "ACCOUNT NUMBER NOT FOUND"),
            Vpl::AccountInquiryNotOnFile => ("VPL5SAI10S", "ACCOUNT NUMBER NOT FOUND ON FILE"),
        }
    }
}

/// A refused FirstVision request: its error, the rule that fired, the tenant once known.
pub(crate) type Failure = failure::Failure<FvError>;

/// Every error FirstVision answers: gateway statuses (no documented body; we send the
/// envelope with the status number as the code) and VisionPLUS codes (422).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FvError {
    /// 400: the body or a header is not what the schema says (JSON, types, lengths).
    BadRequest,
    /// 401: apikey, access token, client credentials or signature refused.
    Unauthorized,
    /// 403: the apikey is not entitled to the `X-ClientID` organization.
    Forbidden,
    /// 405: the path exists with another method.
    MethodNotAllowed,
    /// 408: the body did not arrive in time.
    RequestTimeout,
    /// 413: the body is over the server's size limit (refused before it is read).
    PayloadTooLarge,
    /// 415: the body's content type is not the one the call takes.
    UnsupportedMediaType,
    /// 429: too many requests (a fault rule only; the mock itself never throttles).
    RateLimited,
    /// 500: a bug or a back-end failure; nothing was changed.
    Backend,
    /// 503: the service is down or overloaded (a fault rule only).
    Unavailable,
    /// 422: a VisionPLUS edit or business error.
    Vpl(Vpl),
}

impl From<&ledger::Error> for FvError {
    fn from(err: &ledger::Error) -> FvError {
        // No wildcard arm: a new ledger variant must be mapped here deliberately.
        match err {
            // VisionPLUS keeps no idempotency keys; a reference number reused for another
            // transaction is "not valid for the account".
            ledger::Error::IdempotencyConflict => FvError::Vpl(Vpl::NotValidForAccount),
            ledger::Error::AmountNotPositive => FvError::Vpl(Vpl::AmountRequired),
            ledger::Error::AmountScaleExceeded | ledger::Error::AmountTooLarge => {
                FvError::Vpl(Vpl::AmountNotNumeric)
            }
            ledger::Error::AccountNotFound => FvError::Vpl(Vpl::AccountNotFound),
            ledger::Error::SameAccount | ledger::Error::CurrencyMismatch => {
                FvError::Vpl(Vpl::NotValidForAccount)
            }
            ledger::Error::AccountNotActive { status } => match status {
                Status::Frozen => FvError::Vpl(Vpl::AccountBlocked),
                Status::Closed => FvError::Vpl(Vpl::InvalidAccountStatus),
                // The ledger never refuses an active account for its status.
                Status::Active => FvError::Backend,
            },
            ledger::Error::TransferMaximumExceeded => FvError::Vpl(Vpl::AmountOverRepLimit),
            ledger::Error::DailyLimitExceeded { .. } => FvError::Vpl(Vpl::DailyLimitExceeded),
            ledger::Error::InsufficientFunds => FvError::Vpl(Vpl::OtbInsufficient),
            ledger::Error::BalanceMaximumExceeded => FvError::Vpl(Vpl::BalanceExceeded),
            // Cash-in/cash-out never creates holds, so these cannot happen; if they do, it is a
            // bug and nothing was changed.
            ledger::Error::PendingNotFound
            | ledger::Error::PendingAlreadyPosted
            | ledger::Error::PendingAlreadyVoided
            | ledger::Error::PendingExpired
            | ledger::Error::PendingAmountExceeded => FvError::Backend,
            ledger::Error::JournalUnavailable => FvError::Backend,
        }
    }
}

impl FvError {
    /// The name a fault rule gives it: the VisionPLUS code, else the HTTP reason in snake case
    /// (the body's code is the bare status number, which names nothing), the three outage
    /// names for 429, 500 and 503.
    const fn name(self) -> &'static str {
        match self {
            FvError::BadRequest => "bad_request",
            FvError::Unauthorized => "unauthorized",
            FvError::Forbidden => "forbidden",
            FvError::MethodNotAllowed => "method_not_allowed",
            FvError::RequestTimeout => "request_timeout",
            FvError::PayloadTooLarge => "payload_too_large",
            FvError::UnsupportedMediaType => "unsupported_media_type",
            FvError::RateLimited => outage::RATE_LIMITED,
            FvError::Backend => outage::INTERNAL,
            FvError::Unavailable => outage::UNAVAILABLE,
            FvError::Vpl(vpl) => vpl.code_and_message().0,
        }
    }

    /// The HTTP status, and the `errors[0]` code and description.
    const fn parts(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            FvError::BadRequest => (StatusCode::BAD_REQUEST, "400", "Bad Request"),
            FvError::Unauthorized => (StatusCode::UNAUTHORIZED, "401", "Unauthorized"),
            FvError::Forbidden => (StatusCode::FORBIDDEN, "403", "Forbidden"),
            FvError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "405", "Method Not Allowed")
            }
            FvError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "408", "Request Timeout"),
            FvError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "413", "Payload Too Large"),
            FvError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "415", "Unsupported Media Type")
            }
            FvError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "429", "Too Many Requests"),
            FvError::Backend => (StatusCode::INTERNAL_SERVER_ERROR, "500", "Backend Error"),
            FvError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "503", "Service Unavailable"),
            FvError::Vpl(vpl) => {
                let (code, message) = vpl.code_and_message();
                (StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
        }
    }
}

/// The store could not keep a change, so it was not made (500, the backend error).
pub(crate) fn unstored(err: &crate::common::persist::Unstored) -> Failure {
    Failure::new(FvError::Backend, format!("{} ({err})", crate::common::persist::UNSTORED))
}

/// `vpl`, because of `reason` (422).
pub(crate) fn vpl(vpl: Vpl, reason: impl Into<String>) -> Failure {
    Failure::new(FvError::Vpl(vpl), reason)
}

/// A schema problem, because of `reason` (400).
pub(crate) fn bad(reason: impl Into<String>) -> Failure {
    Failure::new(FvError::BadRequest, reason)
}

/// Refused credentials, because of `reason` (401).
pub(crate) fn unauthorized(reason: impl Into<String>) -> Failure {
    Failure::new(FvError::Unauthorized, reason)
}

impl Render for FvError {
    /// FirstVision's error body shows nothing besides the error.
    type Scene<'a> = ();

    /// Status and `{hasError, errors, data}` body exactly as FirstVision sends them, with
    /// `Retry-After` on the two answers that ask the client to come back.
    fn render(&self, (): ()) -> Response {
        let (status, code, description) = self.parts();
        let errors = [ErrorItem { code, description }];
        let body: DResponse<'_, ()> = DResponse { has_error: true, errors: &errors, data: None };
        let resp = Response::json(status, &body);
        if matches!(self, FvError::RateLimited | FvError::Unavailable) {
            resp.with_header("retry-after", RETRY_AFTER_SECONDS)
        } else {
            resp
        }
    }
}

/// A problem the server found before the vendor saw the request, as FirstVision answers it.
pub(crate) fn refusal(refusal: Refusal, req: &Request) -> Failure {
    match refusal {
        Refusal::MethodNotAllowed => Failure::new(
            FvError::MethodNotAllowed,
            format!("route: {} is not served on {}", req.method, req.path),
        ),
        Refusal::PayloadTooLarge { limit_bytes } => {
            Failure::new(FvError::PayloadTooLarge, format!("body: larger than {limit_bytes} bytes"))
        }
        Refusal::BodyTimeout => Failure::new(FvError::RequestTimeout, "body: not received in time"),
        Refusal::Internal => {
            Failure::new(FvError::Backend, "internal: the handler failed; nothing was changed")
        }
        Refusal::Unavailable => Failure::new(FvError::Backend, crate::common::persist::UNSTORED),
    }
}

/// The `Retry-After` FirstVision's 429 and 503 carry, in seconds. The vendor lists both statuses
/// in its generic status table but documents no value; one second tells a client to back off
/// without stalling a test run.
const RETRY_AFTER_SECONDS: &str = "1";

/// The error catalogue, in the order the admin API lists it: gateway statuses, the VisionPLUS
/// codes by service, then the outages. Each error with what it tells an integrator; its name
/// and status come from the error itself, so the list cannot disagree with what is drawn.
///
/// Not listed: 413, which is sandbank's own limit and in none of the vendor's status tables.
const TABLE: &[(FvError, &str)] = &[
    (
        FvError::BadRequest,
        "The body or a header does not match the schema (not JSON, a wrong type or length, \
         X-ClientID missing or malformed); fix the request, retrying it as is fails again.",
    ),
    (
        FvError::Unauthorized,
        "The apikey, access token, client credentials or Signature were refused; get a new token \
         from the token call (or fix the signature) and retry.",
    ),
    (
        FvError::Forbidden,
        "The apikey is not entitled to the X-ClientID organization; send the organization of one \
         of the client's accounts.",
    ),
    (
        FvError::MethodNotAllowed,
        "The path exists with another method; use the method the Allow header names.",
    ),
    (FvError::RequestTimeout, "The body did not arrive in time; send it again, promptly."),
    (
        FvError::UnsupportedMediaType,
        "The Content-Type is not the one the call takes (application/json; the token call \
         application/x-www-form-urlencoded); fix the header.",
    ),
    (
        FvError::Vpl(Vpl::OrgInvalid),
        "asmOrganizationNumber / organizationNumber is missing or outside 000-998; send a valid \
         organization number.",
    ),
    (
        FvError::Vpl(Vpl::RepBlank),
        "representativeId is missing or blank; send the ASM representative (1-3 characters).",
    ),
    (
        FvError::Vpl(Vpl::ForeignUseInvalid),
        "foreignUse is neither 0 nor 1; send 0 (local) or 1 (foreign).",
    ),
    (
        FvError::Vpl(Vpl::AccountRequired),
        "The account number is missing or blank; send the 19-digit account or card number.",
    ),
    (
        FvError::Vpl(Vpl::ActionCodeRequired),
        "transactionData.actionCode is missing or blank; send one of the organization's action \
         codes (FUND, FREV, ...).",
    ),
    (
        FvError::Vpl(Vpl::AmountNotNumeric),
        "transactionAmount is not a usable number (text, negative, more decimals than the currency \
         or more than 17 digits); send a plain positive amount.",
    ),
    (
        FvError::Vpl(Vpl::AccountOrgMismatch),
        "accountData.organizationNumber is not the account's organization; send the account's own \
         organization or leave it out.",
    ),
    (
        FvError::Vpl(Vpl::AccountNotFound),
        "No such account or card for this client (or the card is not the account's); check the \
         numbers.",
    ),
    (
        FvError::Vpl(Vpl::EffectiveDateRequired),
        "transactionData.effectiveDate is missing; send it as YYYY-MM-DD.",
    ),
    (
        FvError::Vpl(Vpl::AmountRequired),
        "transactionAmount is missing or zero; send a positive amount.",
    ),
    (
        FvError::Vpl(Vpl::AsmOrgNotFound),
        "The ASM organization is not one of the client's organizations; send the organization of \
         one of its accounts.",
    ),
    (
        FvError::Vpl(Vpl::PlanRequired),
        "transactionData.planNumber is missing or zero; send the credit plan number.",
    ),
    (
        FvError::Vpl(Vpl::RepOrgNotAllowed),
        "The ASM organization differs from the account's; send the account's organization as the \
         ASM organization.",
    ),
    (
        FvError::Vpl(Vpl::ActionCodeNotOnFile),
        "The action code is not in the organization's action-code table; use one the organization \
         has (FUND/8000/8002/8016 credit, FREV/8001/8017 debit).",
    ),
    (
        FvError::Vpl(Vpl::AmountOverRepLimit),
        "The amount is above the account's per-transaction maximum; send a smaller amount or split \
         it.",
    ),
    (
        FvError::Vpl(Vpl::CardRequired),
        "transactionData.cardNumber is missing or blank; send the account's card number.",
    ),
    (
        FvError::Vpl(Vpl::CardSequenceRequired),
        "transactionData.cardSequence is missing; send the card's sequence number.",
    ),
    (
        FvError::Vpl(Vpl::ResolutionRefRequired),
        "transactionData.resolutionReferenceNumber is missing or blank; send it.",
    ),
    (
        FvError::Vpl(Vpl::NotValidForAccount),
        "The transaction does not fit the account (most often: referenceNumber already used today \
         for a different transaction); use a new referenceNumber.",
    ),
    (
        FvError::Vpl(Vpl::InvalidEffectiveDate),
        "effectiveDate is not a calendar date; send a real YYYY-MM-DD date.",
    ),
    (
        FvError::Vpl(Vpl::InvalidAccountStatus),
        "The account is closed; nothing can be posted to it.",
    ),
    (
        FvError::Vpl(Vpl::ReferenceBlank),
        "transactionData.referenceNumber is missing or blank; send a reference number.",
    ),
    (
        FvError::Vpl(Vpl::OtbInsufficient),
        "A cash-out above the account's open-to-buy was declined and nothing moved; cash out less \
         or load the account first.",
    ),
    (
        FvError::Vpl(Vpl::DailyLimitExceeded),
        "One of the account's daily limits would be exceeded and nothing moved; retry tomorrow or \
         with less.",
    ),
    (
        FvError::Vpl(Vpl::BalanceExceeded),
        "A cash-in would take the account past its maximum balance and nothing moved; load less.",
    ),
    (
        FvError::Vpl(Vpl::AccountBlocked),
        "The account is blocked for cash-in and cash-out; it must be unblocked first.",
    ),
    (
        FvError::Vpl(Vpl::OtbCheckFlagInvalid),
        "v2 transactionData.isOpenToBuy is not a boolean; send true or false.",
    ),
    (
        FvError::Vpl(Vpl::EcommerceFlagInvalid),
        "v2 transactionData.ecommerceTransactionLimitsIndicator is not a boolean; send true or \
         false.",
    ),
    (
        FvError::Vpl(Vpl::PaymentFlagInvalid),
        "v2 transactionData.paymentAcceptIndicator is not a boolean; send true or false.",
    ),
    (
        FvError::Vpl(Vpl::InquiryOrgNotFound),
        "Balance inquiry: organizationNumber is not one of the client's organizations; send the \
         account's organization.",
    ),
    (
        FvError::Vpl(Vpl::InquiryAccountNotNumeric),
        "Balance inquiry: accountNumber is missing or not numeric; send the 19-digit account \
         number.",
    ),
    (
        FvError::Vpl(Vpl::InquiryAccountNotFound),
        "Balance inquiry: no such account for this client; check the account number.",
    ),
    (
        FvError::Vpl(Vpl::InquiryOrgRange),
        "Balance inquiry: organizationNumber is outside 001-998; send a valid organization.",
    ),
    (
        FvError::Vpl(Vpl::InquiryForeignIndicator),
        "Balance inquiry: dualCurrencyIndicator is not blank, L or F; send L (local) or leave it \
         out.",
    ),
    (
        FvError::Vpl(Vpl::InquiryAccountNotInOrg),
        "Balance inquiry: the account exists but not under the organization sent; send the \
         account's organization.",
    ),
    (
        FvError::Vpl(Vpl::InquiryForeignOrgNotOnFile),
        "Balance inquiry: a foreign (dual-currency) organization was asked for and none exists; \
         ask for the local one (L).",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryOrgInvalid),
        "Account inquiry: the organization-number header is not numeric or outside 000-998; send a \
         valid organization.",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryNumberInvalid),
        "Account inquiry: neither account-number nor card-number was sent, or the account number \
         is not numeric; send one of them.",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryForeignUseInvalid),
        "Account inquiry: foreignUse is not blank, 0 or 1; send 0 or leave it out.",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryOrgNotFound),
        "Account inquiry: the organization is not one of the client's; send the account's \
         organization.",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryForeignOrgNotFound),
        "Account inquiry: a foreign organization was asked for and none exists; send foreignUse 0.",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryNotFound),
        "Account inquiry: no such account or card for this client; check the number.",
    ),
    (
        FvError::Vpl(Vpl::AccountInquiryNotOnFile),
        "Account inquiry: the account exists but not under the organization sent; send the \
         account's organization.",
    ),
    (
        FvError::RateLimited,
        "Too many requests; wait the Retry-After seconds (1) and retry the same request.",
    ),
    (
        FvError::Backend,
        "FirstVision failed inside and changed nothing; the same request may be retried.",
    ),
    (
        FvError::Unavailable,
        "FirstVision is down or overloaded and changed nothing; wait the Retry-After seconds (1) \
         and retry.",
    ),
];

/// Every error FirstVision documents and the mock draws ([`crate::Vendor::errors`]).
pub(crate) static CATALOGUE: [CatalogueEntry; TABLE.len()] = catalogue();

const fn catalogue<const N: usize>() -> [CatalogueEntry; N] {
    let mut entries = [CatalogueEntry { name: "", status: 0, meaning: "" }; N];
    let mut idx = 0;
    while idx < N {
        let (error, meaning) = TABLE[idx];
        let status = error.parts().0.as_u16();
        entries[idx] = CatalogueEntry { name: error.name(), status, meaning };
        idx += 1;
    }
    entries
}

/// The catalogued error called `name`, if there is one.
pub(crate) fn catalogued(name: &str) -> Option<FvError> {
    TABLE.iter().map(|(error, _)| *error).find(|error| error.name() == name)
}
