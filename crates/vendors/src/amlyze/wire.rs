//! AMLYZE's JSON bodies exactly as its OpenAPI (`openapi_api_adapter.json`) and examples show
//! them: the requests of the balance, batch, account and customer calls, and every response and
//! error shape.
//!
//! The service is Java (Spring Boot + Jackson), so request properties are read with Jackson's
//! default coercions (`java`). Unknown properties are ignored, as Jackson does in Spring Boot.
//! No `flatten`/`untagged` around numbers (house style §3.3).

pub(crate) mod datetime;
pub(crate) mod history;
mod java;

use std::borrow::Cow;

use bytes::Bytes;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub(crate) use self::java::{JavaBoolean, JavaDateTime, JavaDecimal, JavaString};
use super::parse::DEFAULT_BUSINESS_UNIT;
use super::state::BalanceType;
use crate::Response;
use crate::common::json::Object;

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// `AccountBalanceApi`: the body of `PUT /amlyze-ws-rest/account-balance` and one item of the
/// batch calls. Fields in the order of the spec's `mandatory_fields` example.
#[derive(Debug, Deserialize)]
pub(crate) struct AccountBalanceApi<'a> {
    /// Unique number of this communication; a second use is refused (`O005`).
    #[serde(rename = "communicationNumber", borrow)]
    pub(crate) communication_number: Option<JavaString<'a>>,
    /// Name of the calling system, at most 100 characters.
    #[serde(borrow)]
    pub(crate) requester: Option<JavaString<'a>>,
    /// From the `accountBalanceType` classifier: `DAILY_BALANCE`, `STATEMENT_BALANCE`.
    #[serde(rename = "balanceType", borrow)]
    pub(crate) balance_type: Option<JavaString<'a>>,
    /// The account's external id, as registered through `POST /amlyze-ws-rest/account`.
    #[serde(rename = "accountExtId", borrow)]
    pub(crate) account_ext_id: Option<JavaString<'a>>,
    /// The business unit (multi-organisation clients).
    #[serde(rename = "businessUnit", borrow)]
    pub(crate) business_unit: Option<JavaString<'a>>,
    /// When the balance was observed.
    #[serde(rename = "balanceAt", borrow)]
    pub(crate) balance_at: Option<JavaDateTime<'a>>,
    /// The balance, in the account's currency.
    pub(crate) value: Option<JavaDecimal>,
    /// The balance converted to the institution's base currency.
    #[serde(rename = "equivalentValue")]
    pub(crate) equivalent_value: Option<JavaDecimal>,
}

/// `BatchAccountBalancesRequestApi`: the body of both batch balance calls.
#[derive(Debug, Deserialize)]
pub(crate) struct BatchAccountBalancesRequestApi<'a> {
    /// The balances, each handled on its own.
    #[serde(rename = "accountBalances", borrow)]
    pub(crate) account_balances: Option<Vec<Option<Object<AccountBalanceApi<'a>>>>>,
}

/// `AmlyzeAccountApi`: the body of `POST /amlyze-ws-rest/account`, in the order of the
/// documentation's field table.
#[derive(Debug, Deserialize)]
pub(crate) struct AmlyzeAccountApi<'a> {
    /// Unique number of this communication.
    #[serde(rename = "communicationNumber", borrow)]
    pub(crate) communication_number: Option<JavaString<'a>>,
    /// Name of the calling system.
    #[serde(borrow)]
    pub(crate) requester: Option<JavaString<'a>>,
    /// The owner: a customer's `customerExtId`.
    #[serde(rename = "businessEntityExtId", borrow)]
    pub(crate) business_entity_ext_id: Option<JavaString<'a>>,
    /// The id the balance call addresses the account by.
    #[serde(rename = "accountExtId", borrow)]
    pub(crate) account_ext_id: Option<JavaString<'a>>,
    /// IBAN, local number, wallet address…
    #[serde(rename = "accountNumber", borrow)]
    pub(crate) account_number: Option<JavaString<'a>>,
    /// `ACTIVE`, `SUSPENDED` or `CLOSED`.
    #[serde(rename = "accountStatus", borrow)]
    pub(crate) account_status: Option<JavaString<'a>>,
    /// ISO 4217 code from the `currency` classifier.
    #[serde(rename = "currencyCode", borrow)]
    pub(crate) currency_code: Option<JavaString<'a>>,
    /// When the account was opened.
    #[serde(rename = "openingDate", borrow)]
    pub(crate) opening_date: Option<JavaDateTime<'a>>,
    /// The business unit (multi-organisation clients).
    #[serde(rename = "businessUnit", borrow)]
    pub(crate) business_unit: Option<JavaString<'a>>,
    /// `CREATE` (default) or `UPDATE`.
    #[serde(borrow)]
    pub(crate) action: Option<JavaString<'a>>,
    /// Mandatory for an account at another institution.
    #[serde(borrow)]
    pub(crate) bic: Option<JavaString<'a>>,
    /// Whether the account is at another institution.
    #[serde(rename = "isOtherFinInstAccount")]
    pub(crate) is_other_fin_inst_account: Option<JavaBoolean>,
    /// Free text, e.g. `TBC bank`.
    #[serde(rename = "bankTitle", borrow)]
    pub(crate) bank_title: Option<JavaString<'a>>,
    /// Classifier value, e.g. `PURPOSE_INVEST`.
    #[serde(rename = "accountPurpose", borrow)]
    pub(crate) account_purpose: Option<JavaString<'a>>,
    /// Classifier value, e.g. `ORG_B2B`.
    #[serde(rename = "accountType", borrow)]
    pub(crate) account_type: Option<JavaString<'a>>,
    /// Only, and always, for a `CLOSED` account.
    #[serde(rename = "closingDate", borrow)]
    pub(crate) closing_date: Option<JavaDateTime<'a>>,
}

/// `AmlyzeCustomerApi`: the fields of `POST /amlyze-ws-rest/customer` the mock reads (the
/// minimal import of the documentation); every other customer property is accepted and ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct AmlyzeCustomerApi<'a> {
    /// Unique number of this communication.
    #[serde(rename = "communicationNumber", borrow)]
    pub(crate) communication_number: Option<JavaString<'a>>,
    /// Name of the calling system.
    #[serde(borrow)]
    pub(crate) requester: Option<JavaString<'a>>,
    /// The business unit (multi-organisation clients).
    #[serde(rename = "businessUnit", borrow)]
    pub(crate) business_unit: Option<JavaString<'a>>,
    /// `EVALUATE` (risk scoring) or `IMPORT` (store the given `riskLevel`).
    #[serde(rename = "sourceOfRiskLevel", borrow)]
    pub(crate) source_of_risk_level: Option<JavaString<'a>>,
    /// `NONE`, `LOW`, `MEDIUM`, `HIGH`, `EXTREME`.
    #[serde(rename = "riskLevel", borrow)]
    pub(crate) risk_level: Option<JavaString<'a>>,
    /// `PENDING`, `ACTIVE`, `REJECTED`, `SUSPENDED`, `CLOSED`.
    #[serde(rename = "customerStatus", borrow)]
    pub(crate) customer_status: Option<JavaString<'a>>,
    /// Client classifier, e.g. `IND`, `ORG`.
    #[serde(rename = "riskManagementCategory", borrow)]
    pub(crate) risk_management_category: Option<JavaString<'a>>,
    /// `INDIVIDUAL` or `ORGANIZATION`.
    #[serde(rename = "entityType", borrow)]
    pub(crate) entity_type: Option<JavaString<'a>>,
    /// The id accounts name as their `businessEntityExtId`.
    #[serde(rename = "customerExtId", borrow)]
    pub(crate) customer_ext_id: Option<JavaString<'a>>,
    /// When the customer applied.
    #[serde(rename = "applicationDate", borrow)]
    pub(crate) application_date: Option<JavaDateTime<'a>>,
    /// `CREATE` (default) or `UPDATE`.
    #[serde(borrow)]
    pub(crate) action: Option<JavaString<'a>>,
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// `ApiAdapterErrorResponse` as a business rejection: HTTP 400.
#[derive(Debug, Serialize)]
pub(crate) struct RejectedResponse<'a> {
    /// Always `REQUEST_REJECTED`.
    #[serde(rename = "resultType")]
    pub(crate) result_type: &'static str,
    /// `O001`, `001`, `O005`…: what clients branch on.
    #[serde(rename = "errorCode")]
    pub(crate) error_code: &'static str,
    /// Human text; may change.
    #[serde(rename = "errorDescription")]
    pub(crate) error_description: &'a str,
}

/// `ApiAdapterErrorResponse` as Spring Boot's default error body (unknown path, unreadable
/// body, unsupported media type…).
#[derive(Debug, Serialize)]
pub(crate) struct SpringErrorResponse<'a> {
    /// `2024-05-26T16:49:50.237+00:00`.
    pub(crate) timestamp: String,
    /// The HTTP status again.
    pub(crate) status: u16,
    /// The status's reason phrase: `Not Found`.
    pub(crate) error: &'static str,
    /// The request path.
    pub(crate) path: &'a str,
}

/// `ApiAdapterErrorResponse` for an internal failure of a single call: HTTP 500 (and, in the
/// same shape, the 429 and 503 a fault rule draws).
#[derive(Debug, Serialize)]
pub(crate) struct InternalErrorResponse {
    /// Always `REQUEST_REJECTED`.
    #[serde(rename = "resultType")]
    pub(crate) result_type: &'static str,
    /// The HTTP status: 500 (429 or 503 for an outage).
    pub(crate) status: u16,
    /// Its reason phrase: `Internal Server Error`.
    pub(crate) error: &'static str,
}

/// The authorization page's 401 body: `{"error": {"code": "unauthorized"}}`.
#[derive(Debug, Serialize)]
pub(crate) struct UnauthorizedResponse {
    /// The error.
    pub(crate) error: UnauthorizedError,
}

/// The inner object of [`UnauthorizedResponse`].
#[derive(Debug, Serialize)]
pub(crate) struct UnauthorizedError {
    /// Always `unauthorized`.
    pub(crate) code: &'static str,
}

/// The batch calls' 200 body: one result per item, in order, and the total time.
#[derive(Debug, Serialize)]
pub(crate) struct BatchAccountBalancesResultApi<'a> {
    /// One per item of `accountBalances`.
    pub(crate) results: Vec<AccountBalanceItemResultApi<'a>>,
    /// Milliseconds the whole batch took.
    #[serde(rename = "timeElapsedMs")]
    pub(crate) time_elapsed_ms: u64,
}

/// One item's result. Absent values are left out (Jackson `NON_NULL`), as in the examples where
/// accepted items carry no `errorCode`.
#[derive(Debug, Serialize)]
pub(crate) struct AccountBalanceItemResultApi<'a> {
    /// `REQUEST_ACCEPTED` or `REQUEST_REJECTED`.
    #[serde(rename = "resultType")]
    pub(crate) result_type: &'static str,
    /// The item's `communicationNumber`, as sent.
    #[serde(rename = "communicationNumber", skip_serializing_if = "Option::is_none")]
    pub(crate) communication_number: Option<&'a str>,
    /// The item's `accountExtId`, as sent.
    #[serde(rename = "accountExtId", skip_serializing_if = "Option::is_none")]
    pub(crate) account_ext_id: Option<&'a str>,
    /// The item's `businessUnit`, as sent.
    #[serde(rename = "businessUnit", skip_serializing_if = "Option::is_none")]
    pub(crate) business_unit: Option<&'a str>,
    /// Why the item was rejected.
    #[serde(rename = "errorCode", skip_serializing_if = "Option::is_none")]
    pub(crate) error_code: Option<&'static str>,
    /// The rejection's text.
    #[serde(rename = "errorDescription", skip_serializing_if = "Option::is_none")]
    pub(crate) error_description: Option<Cow<'static, str>>,
    /// Milliseconds this item took.
    #[serde(rename = "timeElapsedMs")]
    pub(crate) time_elapsed_ms: u64,
}

/// The 200 answer of every accepted single call: `{"resultType":"REQUEST_ACCEPTED"}`
/// (`AccountBalanceResultApi`), the same bytes each time.
pub(crate) fn accepted() -> Response {
    Response::json_bytes(
        StatusCode::OK,
        Bytes::from_static(br#"{"resultType":"REQUEST_ACCEPTED"}"#),
    )
}

/// A tenant's AMLYZE credentials and defaults, for the admin API and the start-up banner.
pub(crate) fn provisioned(token: &str) -> serde_json::Value {
    json!({
        "token": token,
        "authorization": format!("Bearer {token}"),
        "businessUnit": DEFAULT_BUSINESS_UNIT,
        "balanceTypes": BalanceType::ALL.map(BalanceType::as_str),
    })
}
