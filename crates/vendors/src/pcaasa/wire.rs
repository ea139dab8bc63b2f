//! PCaaSA's wire format: each call's body parameters, in the order the reference pages list
//! them, and the response envelope (our design: PCaaSA publishes none, see *Choices*).
//!
//! Request fields are raw JSON values (form and multipart values arrive as strings), so a wrong
//! type becomes a PCaaSA error naming the parameter rather than a serde message; `parse.rs`
//! turns them into typed commands.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `status` of a processed call.
pub(crate) const STATUS_SUCCESS: &str = "success";
/// `status` of a failed call.
pub(crate) const STATUS_ERROR: &str = "error";

/// `?call=account-balance-adjust-v1`, parameters in the order of the reference page (P1).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceAdjustRequest {
    /// Defaults to `customer-account`.
    pub(crate) app: Option<Value>,
    /// Defaults to `account-balance`.
    pub(crate) object: Option<Value>,
    /// Defaults to `adjust`.
    pub(crate) action: Option<Value>,
    /// int32, defaults to `1`.
    pub(crate) version: Option<Value>,
    /// Required, uuid (36).
    pub(crate) session_uuid: Option<Value>,
    /// Optional uuid (36) tracking this call; our idempotency key.
    pub(crate) external_tran_uuid: Option<Value>,
    /// uuid (36); this or a reference number.
    pub(crate) account_uuid: Option<Value>,
    /// 12–50 characters; this or `accountUuid`. The page drops the name; see *Choices*.
    pub(crate) payment_instrument_reference_number: Option<Value>,
    /// The same reference under the name sibling pages use for it.
    pub(crate) card_reference_number: Option<Value>,
    /// Required, signed money text, 4–25 characters.
    pub(crate) amount: Option<Value>,
    /// Optional, 1–20 characters.
    pub(crate) description: Option<Value>,
    /// Optional enum; fixes the amount's sign.
    pub(crate) tran_code: Option<Value>,
    /// Optional boolean (0/1), default false; accepted and ignored.
    pub(crate) debug: Option<Value>,
}

/// `?call=account-balance-get-v1` (invented: PCaaSA publishes no balance read).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceGetRequest {
    /// Defaults to `customer-account`.
    pub(crate) app: Option<Value>,
    /// Defaults to `account-balance`.
    pub(crate) object: Option<Value>,
    /// Defaults to `get`.
    pub(crate) action: Option<Value>,
    /// Defaults to `1`.
    pub(crate) version: Option<Value>,
    /// Required.
    pub(crate) session_uuid: Option<Value>,
    /// Optional; echoed.
    pub(crate) external_tran_uuid: Option<Value>,
    /// This or a reference number.
    pub(crate) account_uuid: Option<Value>,
    /// This or `accountUuid`.
    pub(crate) payment_instrument_reference_number: Option<Value>,
    /// Alias of the reference number.
    pub(crate) card_reference_number: Option<Value>,
    /// Accepted and ignored.
    pub(crate) debug: Option<Value>,
}

/// `?call=session-create-v1` (invented: PCaaSA's session call is not in any copy we have).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionCreateRequest {
    /// Defaults to `core-session`.
    pub(crate) app: Option<Value>,
    /// Defaults to `session`.
    pub(crate) object: Option<Value>,
    /// Defaults to `create`.
    pub(crate) action: Option<Value>,
    /// Defaults to `1`.
    pub(crate) version: Option<Value>,
    /// Required: the uuid API key issued to the client (may also come in the query string).
    pub(crate) api_key: Option<Value>,
    /// Optional; echoed.
    pub(crate) external_tran_uuid: Option<Value>,
    /// Accepted and ignored.
    pub(crate) debug: Option<Value>,
}

/// A processed call.
#[derive(Debug, Serialize)]
pub(crate) struct SuccessEnvelope<'a, T> {
    /// Always `success`.
    pub(crate) status: &'static str,
    /// The `call` query parameter.
    pub(crate) call: &'a str,
    /// The request's `externalTranUuid`, or null.
    #[serde(rename = "externalTranUuid")]
    pub(crate) external_tran_uuid: Option<&'a str>,
    /// The call's result.
    pub(crate) data: T,
}

/// A failed call.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorEnvelope<'a> {
    /// Always `error`.
    pub(crate) status: &'static str,
    /// The `call` query parameter, or null when absent.
    pub(crate) call: Option<&'a str>,
    /// The request's `externalTranUuid` when it was a valid uuid, or null.
    #[serde(rename = "externalTranUuid")]
    pub(crate) external_tran_uuid: Option<&'a str>,
    /// The first rule that failed (an array so more can be listed later).
    pub(crate) errors: [ErrorItem<'a>; 1],
}

/// One error of an [`ErrorEnvelope`].
#[derive(Debug, Serialize)]
pub(crate) struct ErrorItem<'a> {
    /// A stable upper-snake code (`INSUFFICIENT_FUNDS`).
    pub(crate) code: &'static str,
    /// The parameter concerned, or null.
    pub(crate) field: Option<&'static str>,
    /// Human-readable text.
    pub(crate) message: &'a str,
}

/// `data` of `session-create-v1`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionCreateData {
    /// The new session, to pass as `sessionUuid`.
    pub(crate) session_uuid: String,
    /// Idle lifetime: each call with the session restarts it.
    pub(crate) session_timeout_seconds: u64,
}

/// `data` of `account-balance-adjust-v1`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceAdjustData {
    /// The adjusted account.
    pub(crate) account_uuid: String,
    /// The posted transaction (stable across replays).
    pub(crate) transaction_uuid: String,
    /// As sent, or null.
    pub(crate) tran_code: Option<&'static str>,
    /// The text written to the transaction log.
    pub(crate) description: String,
    /// The signed delta, two decimals.
    pub(crate) amount: String,
    /// Available balance after the adjustment.
    pub(crate) available_balance: String,
    /// Current (ledger) balance after the adjustment.
    pub(crate) current_balance: String,
}

/// `data` of `account-balance-get-v1`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceGetData {
    /// The account.
    pub(crate) account_uuid: String,
    /// `Open`, `Blocked` or `Closed` (the statuses of account-status-update-v1).
    pub(crate) account_status: &'static str,
    /// Spendable now.
    pub(crate) available_balance: String,
    /// Every posted credit minus every posted debit.
    pub(crate) current_balance: String,
    /// `currentBalance - availableBalance`.
    pub(crate) pending_balance: String,
    /// How far the available balance may go below zero.
    pub(crate) credit_line: String,
}
