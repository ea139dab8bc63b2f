//! PCaaSA's wire format: each call's body parameters, in the order the reference pages list
//! them, and the response envelope (our design: PCaaSA publishes none, see *Choices*).
//!
//! Request fields are raw JSON fields borrowed from the body (form and multipart values arrive
//! as strings), so a wrong type becomes a PCaaSA error naming the parameter rather than a serde
//! message; `parse.rs` turns them into typed commands. Response uuids and amounts are written
//! straight into the body, without a `String` each.

mod money;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(crate) use crate::pcaasa::wire::money::Money;

use crate::Response;
use crate::common::json::Field;
use crate::common::json::writer::Writer;

/// `status` of a processed call.
const STATUS_SUCCESS: &str = "success";
/// `status` of a failed call.
const STATUS_ERROR: &str = "error";

/// `?call=account-balance-adjust-v1`, parameters in the order of the reference page (P1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceAdjustRequest<'a> {
    /// Defaults to `customer-account`.
    #[serde(borrow)]
    pub(crate) app: Option<Field<'a>>,
    /// Defaults to `account-balance`.
    #[serde(borrow)]
    pub(crate) object: Option<Field<'a>>,
    /// Defaults to `adjust`.
    #[serde(borrow)]
    pub(crate) action: Option<Field<'a>>,
    /// int32, defaults to `1`.
    #[serde(borrow)]
    pub(crate) version: Option<Field<'a>>,
    /// Required, uuid (36).
    #[serde(borrow)]
    pub(crate) session_uuid: Option<Field<'a>>,
    /// Optional uuid (36) tracking this call; our idempotency key.
    #[serde(borrow)]
    pub(crate) external_tran_uuid: Option<Field<'a>>,
    /// uuid (36); this or a reference number.
    #[serde(borrow)]
    pub(crate) account_uuid: Option<Field<'a>>,
    /// 12–50 characters; this or `accountUuid`. The page drops the name; see *Choices*.
    #[serde(borrow)]
    pub(crate) payment_instrument_reference_number: Option<Field<'a>>,
    /// The same reference under the name sibling pages use for it.
    #[serde(borrow)]
    pub(crate) card_reference_number: Option<Field<'a>>,
    /// Required, signed money text, 4–25 characters.
    #[serde(borrow)]
    pub(crate) amount: Option<Field<'a>>,
    /// Optional, 1–20 characters.
    #[serde(borrow)]
    pub(crate) description: Option<Field<'a>>,
    /// Optional enum; fixes the amount's sign.
    #[serde(borrow)]
    pub(crate) tran_code: Option<Field<'a>>,
    /// Optional boolean (0/1), default false; accepted and ignored.
    #[serde(borrow)]
    pub(crate) debug: Option<Field<'a>>,
}

/// `?call=account-balance-get-v1` (invented: PCaaSA publishes no balance read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceGetRequest<'a> {
    /// Defaults to `customer-account`.
    #[serde(borrow)]
    pub(crate) app: Option<Field<'a>>,
    /// Defaults to `account-balance`.
    #[serde(borrow)]
    pub(crate) object: Option<Field<'a>>,
    /// Defaults to `get`.
    #[serde(borrow)]
    pub(crate) action: Option<Field<'a>>,
    /// Defaults to `1`.
    #[serde(borrow)]
    pub(crate) version: Option<Field<'a>>,
    /// Required.
    #[serde(borrow)]
    pub(crate) session_uuid: Option<Field<'a>>,
    /// Optional; echoed.
    #[serde(borrow)]
    pub(crate) external_tran_uuid: Option<Field<'a>>,
    /// This or a reference number.
    #[serde(borrow)]
    pub(crate) account_uuid: Option<Field<'a>>,
    /// This or `accountUuid`.
    #[serde(borrow)]
    pub(crate) payment_instrument_reference_number: Option<Field<'a>>,
    /// Alias of the reference number.
    #[serde(borrow)]
    pub(crate) card_reference_number: Option<Field<'a>>,
    /// Accepted and ignored.
    #[serde(borrow)]
    pub(crate) debug: Option<Field<'a>>,
}

/// `?call=session-create-v1` (invented: PCaaSA's session call is not in any copy we have).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionCreateRequest<'a> {
    /// Defaults to `core-session`.
    #[serde(borrow)]
    pub(crate) app: Option<Field<'a>>,
    /// Defaults to `session`.
    #[serde(borrow)]
    pub(crate) object: Option<Field<'a>>,
    /// Defaults to `create`.
    #[serde(borrow)]
    pub(crate) action: Option<Field<'a>>,
    /// Defaults to `1`.
    #[serde(borrow)]
    pub(crate) version: Option<Field<'a>>,
    /// Required: the uuid API key issued to the client (may also come in the query string).
    #[serde(borrow)]
    pub(crate) api_key: Option<Field<'a>>,
    /// Optional; echoed.
    #[serde(borrow)]
    pub(crate) external_tran_uuid: Option<Field<'a>>,
    /// Accepted and ignored.
    #[serde(borrow)]
    pub(crate) debug: Option<Field<'a>>,
}

/// What any call's body may carry besides the call's own parameters: the credentials
/// (`sessionUuid`, or `apiKey` for `session-create-v1`) and the tracking id. Read to tell whose
/// a request is, and what an error drawn for it by name echoes, without running the call.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Carried<'a> {
    /// Every call's but `session-create-v1`.
    #[serde(borrow)]
    pub(crate) session_uuid: Option<Field<'a>>,
    /// `session-create-v1`'s (which may also send it in the query string).
    #[serde(borrow)]
    pub(crate) api_key: Option<Field<'a>>,
    /// Optional on every call; echoed when a valid uuid.
    #[serde(borrow)]
    pub(crate) external_tran_uuid: Option<Field<'a>>,
}

/// What every answer repeats of its request: the call and the caller's tracking id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Echo<'a> {
    /// The `call` query parameter, or null when absent.
    call: Option<&'a str>,
    /// The request's `externalTranUuid` when it was a valid uuid, or null.
    external_tran_uuid: Option<&'a str>,
}

impl<'a> Echo<'a> {
    /// Echoes `call` and `external_tran_uuid`.
    pub(crate) fn new(call: Option<&'a str>, external_tran_uuid: Option<&'a str>) -> Echo<'a> {
        Echo { call, external_tran_uuid }
    }
}

/// A processed call's success envelope around `data`.
pub(crate) fn success<T: Serialize>(echo: Echo<'_>, data: &T) -> Response {
    let body = SuccessEnvelope {
        status: STATUS_SUCCESS,
        call: echo.call.unwrap_or_default(),
        external_tran_uuid: echo.external_tran_uuid,
        data,
    };
    Response::json(StatusCode::OK, &body)
}

/// `account-balance-adjust-v1`'s success envelope, laid out by hand: the write's hot path, in
/// the field order and bytes serde's derive would write (the snapshots pin them).
pub(crate) fn adjusted(echo: Echo<'_>, data: &AccountBalanceAdjustData<'_>) -> Response {
    let mut out = Writer::with_capacity(384);
    // Only a description the client sent is free text; the call's name, the echoed uuid (only a
    // valid one is echoed), the tranCode and our descriptions need no escaping.
    out.raw(r#"{"status":"success","call":""#).raw(echo.call.unwrap_or_default());
    out.raw(r#"","externalTranUuid":"#);
    match echo.external_tran_uuid {
        Some(id) => out.raw("\"").raw(id).raw("\""),
        None => out.raw("null"),
    };
    out.raw(r#","data":{"accountUuid":"#);
    uuid(&mut out, data.account_uuid);
    out.raw(r#","transactionUuid":"#);
    uuid(&mut out, data.transaction_uuid);
    out.raw(r#","tranCode":"#);
    match data.tran_code {
        Some(code) => out.raw("\"").raw(code).raw("\""),
        None => out.raw("null"),
    };
    out.raw(r#","description":"#);
    match data.description {
        Description::Sent(text) => out.string(text),
        Description::Ours(text) => out.raw("\"").raw(text).raw("\""),
    };
    out.raw(r#","amount":"#);
    data.amount.write(&mut out);
    out.raw(r#","availableBalance":"#);
    data.available_balance.write(&mut out);
    out.raw(r#","currentBalance":"#);
    data.current_balance.write(&mut out);
    out.raw("}}");
    Response::json_bytes(StatusCode::OK, out.finish())
}

/// A uuid as PCaaSA writes one: 36 characters, lower-case, hyphenated, as a JSON string.
fn uuid(out: &mut Writer, id: Uuid) {
    out.raw("\"").raw(id.hyphenated().encode_lower(&mut Uuid::encode_buffer())).raw("\"");
}

/// A failed call's error envelope around its one error.
pub(crate) fn error(status: StatusCode, echo: Echo<'_>, item: ErrorItem<'_>) -> Response {
    let body = ErrorEnvelope {
        status: STATUS_ERROR,
        call: echo.call,
        external_tran_uuid: echo.external_tran_uuid,
        errors: [item],
    };
    Response::json(status, &body)
}

/// A processed call.
#[derive(Debug, Serialize)]
struct SuccessEnvelope<'a, T> {
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
struct ErrorEnvelope<'a> {
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

/// `data` of `account-balance-adjust-v1`, written by [`adjusted`].
#[derive(Debug)]
pub(crate) struct AccountBalanceAdjustData<'a> {
    /// The adjusted account.
    pub(crate) account_uuid: Uuid,
    /// The posted transaction (stable across replays).
    pub(crate) transaction_uuid: Uuid,
    /// As sent, or null.
    pub(crate) tran_code: Option<&'static str>,
    /// The text written to the transaction log.
    pub(crate) description: Description<'a>,
    /// The signed delta, two decimals.
    pub(crate) amount: Money,
    /// Available balance after the adjustment.
    pub(crate) available_balance: Money,
    /// Current (ledger) balance after the adjustment.
    pub(crate) current_balance: Money,
}

/// The text an adjustment writes to the transaction log.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Description<'a> {
    /// The client's `description`, free text.
    Sent(&'a str),
    /// Ours: the tranCode's meaning or the default, plain ASCII.
    Ours(&'static str),
}

impl<'a> Description<'a> {
    /// The text.
    pub(crate) fn text(self) -> &'a str {
        match self {
            Description::Sent(text) | Description::Ours(text) => text,
        }
    }
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
