//! Clowd9's JSON bodies, field for field and in the order the vendor shows them: the seed's
//! "Update Account Balance" (S3) and the OpenAPI 1.10.4 operations (S1).
//!
//! Request fields are `Option<Field>` (borrowed from the body) so `parse.rs` can name the exact
//! field that is missing or has the wrong type (serde's own messages do not); unknown fields are
//! ignored, as Clowd9's
//! gRPC gateway does. Amounts stay exact: `serde_json`'s `arbitrary_precision` keeps a number's
//! text, and balances go out as integer strings of minor units written without allocation.

pub(crate) mod time;

use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use super::auth::Issued;
use crate::common::json::Field;
use crate::common::json::writer::Writer;
use crate::{Ctx, Request, Response};

/// The header that asks for the seed example's misspelled keys, and its value.
const SPELLING_HEADER: &str = "x-sandbank-clowd9-spelling";
const SPELLING_AS_EXAMPLE: &str = "example";

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// `POST /v1/auth` (`AuthenticateApi`): `{ "key", "secret" }`, both required.
#[derive(Debug, Deserialize)]
pub(crate) struct AuthenticateApiRequest<'a> {
    #[serde(borrow)]
    pub(crate) key: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) secret: Option<Field<'a>>,
}

/// The seed's "Update Account Balance" request (S3), in the seed's table order.
#[derive(Debug, Deserialize)]
pub(crate) struct UpdateAccountBalanceRequest<'a> {
    #[serde(borrow)]
    pub(crate) client_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) account_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) amount: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) direction: Option<Field<'a>>,
    #[serde(rename = "type", borrow)]
    pub(crate) r#type: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) destination: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_id: Option<Field<'a>>,
}

/// `POST /v1/accounts/{account_id}/increase` and `/decrease` (S1): the two bodies are the same.
#[derive(Debug, Deserialize)]
pub(crate) struct IncreaseAccountBalanceRequest<'a> {
    #[serde(borrow)]
    pub(crate) amount: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_name: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_id: Option<Field<'a>>,
}

/// `POST /v1/accounts/{account_id}/correct` (`CorrectAccountBalance`).
#[derive(Debug, Deserialize)]
pub(crate) struct CorrectAccountBalanceRequest<'a> {
    #[serde(borrow)]
    pub(crate) amount: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reason: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) correction_type: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_id: Option<Field<'a>>,
}

/// `POST /v1/accounts/transfer` (`TransferFromAccountToAccount`).
#[derive(Debug, Deserialize)]
pub(crate) struct TransferFromAccountToAccountRequest<'a> {
    #[serde(borrow)]
    pub(crate) source_account_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) destination_account_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) amount: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_name: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_id: Option<Field<'a>>,
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// An integer count of minor units written as a JSON string (`"100"`, `"-250"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MinorText(pub(crate) i128);

impl Serialize for MinorText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A trace id as the OpenAPI patterns it: 32 lower-case hex digits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TraceHex(pub(crate) Uuid);

impl Serialize for TraceHex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.simple())
    }
}

/// A trace id as the seed's page shows it: a dashed lower-case UUID.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TraceUuid(pub(crate) Uuid);

impl Serialize for TraceUuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.hyphenated())
    }
}

/// Any `Display` value written as a JSON string without an intermediate `String`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Text<T>(pub(crate) T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// `200` of `POST /v1/auth` and `POST /v1/auth/refresh`.
#[derive(Serialize)]
pub(crate) struct AuthenticateApiResponse<'a> {
    pub(crate) access_token: &'a str,
    pub(crate) refresh_token: &'a str,
    pub(crate) trace_id: TraceHex,
    pub(crate) api_id: TraceUuid,
}

/// Whether the request asks for the seed example's spelling of the success body's keys.
pub(crate) fn spelled_as_example(req: &Request) -> bool {
    req.header(SPELLING_HEADER).is_some_and(|value| value.eq_ignore_ascii_case(SPELLING_AS_EXAMPLE))
}

/// The seed's `*_direction`: `credit` for a balance ≥ 0, `debit` below.
fn balance_direction(minor: i128) -> &'static str {
    if minor < 0 { "debit" } else { "credit" }
}

/// The seed's successful "Update Account Balance" body: `account_id` as sent, the actual
/// balance before and after as magnitudes with the sign in their direction, the trace id
/// dashed. Keys are spelled as the field table spells them (`..._direction`), or as the seed's
/// JSON example does (`..._driection`) for a client written byte for byte against it.
///
/// Written by hand: this is the write's hot path (the fields and their order are pinned by
/// the fixtures' snapshots and the spec checks). `account_id` was read as a UUID to get here,
/// so its text (hex digits and dashes) needs no escaping.
pub(crate) fn updated(
    account_id: &str,
    previous: i128,
    new: i128,
    trace_id: Uuid,
    as_example: bool,
) -> Response {
    let direction_key: &str = if as_example { "_driection\":\"" } else { "_direction\":\"" };
    let mut trace = [0; uuid::fmt::Hyphenated::LENGTH];
    let mut w = Writer::with_capacity(256);
    w.raw(r#"{"account_id":""#).raw(account_id);
    w.raw(r#"","previous_account_balance":""#);
    magnitude(&mut w, previous);
    w.raw(r#"","previous_account_balance"#).raw(direction_key).raw(balance_direction(previous));
    w.raw(r#"","new_account_balance":""#);
    magnitude(&mut w, new);
    w.raw(r#"","new_account_balance"#).raw(direction_key).raw(balance_direction(new));
    w.raw(r#"","trace_id":""#).raw(trace_id.hyphenated().encode_lower(&mut trace)).raw(r#""}"#);
    Response::json_bytes(StatusCode::OK, w.finish())
}

/// Every two-digit number, `00` to `99`, for writing digits in pairs.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
    5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/// Writes `minor`'s magnitude in decimal digits, two at a time: `fmt` costs several times more
/// per number on the write's answer, and any balance in `u64` range (every real one) takes
/// this path.
fn magnitude(w: &mut Writer, minor: i128) {
    let Ok(mut rest) = u64::try_from(minor.unsigned_abs()) else {
        w.display(minor.unsigned_abs());
        return;
    };
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while rest >= 10 {
        let pair = usize::try_from(rest % 100).unwrap_or(0) * 2;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        rest /= 100;
    }
    if rest > 0 || start == digits.len() {
        start -= 1;
        digits[start] = b'0' + u8::try_from(rest).unwrap_or(0);
    }
    w.raw(std::str::from_utf8(&digits[start..]).unwrap_or("0"));
}

/// `200` of increase, decrease and correct: actual and available before and after, as
/// `[previous actual, new actual, previous available, new available]` minor units.
pub(crate) fn balance_changed(minor: [i128; 4], trace_id: Uuid) -> Response {
    let [previous_actual, new_actual, previous_available, new_available] = minor.map(MinorText);
    Response::json(
        StatusCode::OK,
        &BalanceChangeResponse {
            previous_actual_balance: previous_actual,
            new_actual_balance: new_actual,
            previous_available_balance: previous_available,
            new_available_balance: new_available,
            trace_id: TraceHex(trace_id),
        },
    )
}

/// `200` of `POST /v1/accounts/transfer`.
pub(crate) fn transferred(trace_id: Uuid) -> Response {
    Response::json(
        StatusCode::OK,
        &TransferFromAccountToAccountResponse { trace_id: TraceHex(trace_id) },
    )
}

/// `200` of a login or refresh, attributed to its tenant.
pub(crate) fn issued(ctx: &Ctx<'_>, issued: &Issued) -> Response {
    Response::json(
        StatusCode::OK,
        &AuthenticateApiResponse {
            access_token: &issued.access_token,
            refresh_token: &issued.refresh_token,
            trace_id: TraceHex(ctx.trace_id(Some(issued.tenant))),
            api_id: TraceUuid(issued.api_id),
        },
    )
    .with_tenant(issued.tenant)
}

/// The seed's unsuccessful "Update Account Balance" body.
#[derive(Serialize)]
pub(crate) struct UpdateAccountBalanceFailure<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) trace_id: TraceUuid,
}

/// `200` of increase, decrease and correct (S1): signed integer strings.
#[derive(Serialize)]
pub(crate) struct BalanceChangeResponse {
    pub(crate) previous_actual_balance: MinorText,
    pub(crate) new_actual_balance: MinorText,
    pub(crate) previous_available_balance: MinorText,
    pub(crate) new_available_balance: MinorText,
    pub(crate) trace_id: TraceHex,
}

/// `200` of `POST /v1/accounts/transfer`.
#[derive(Serialize)]
pub(crate) struct TransferFromAccountToAccountResponse {
    pub(crate) trace_id: TraceHex,
}

/// `200` of `GET /v1/accounts/{account_id}/balances`.
#[derive(Serialize)]
pub(crate) struct GetAccountBalanceResponse {
    pub(crate) actual_balance: MinorText,
    pub(crate) available_balance: MinorText,
    pub(crate) overdraft_value: MinorText,
    pub(crate) authorized: MinorText,
    pub(crate) trace_id: TraceHex,
}

/// `200` of `GET /v1/accounts/{account_id}`: an array even for one account.
#[derive(Serialize)]
pub(crate) struct GetAccountResponse<'a> {
    pub(crate) account_details: [AccountDetails<'a>; 1],
}

/// One element of `account_details`. `actual_balance` and `available_balance` are JSON
/// integers here, unlike everywhere else (as the OpenAPI document types them).
#[derive(Serialize)]
pub(crate) struct AccountDetails<'a> {
    pub(crate) account_id: Text<uuid::fmt::Hyphenated>,
    pub(crate) account_profile_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) main_account_id: Option<&'a str>,
    pub(crate) account_name: &'a str,
    pub(crate) account_status: &'static str,
    pub(crate) account_currency_code: Text<CurrencyNumeric>,
    pub(crate) account_currency: &'static str,
    pub(crate) account_type: &'static str,
    pub(crate) multi_currency: &'static str,
    pub(crate) external_id: &'a str,
    pub(crate) actual_balance: i128,
    pub(crate) available_balance: i128,
    pub(crate) overdraft_value: MinorText,
    pub(crate) authorized: MinorText,
    pub(crate) trace_id: TraceHex,
}

/// An ISO 4217 numeric code as three digits (`"826"`, `"036"`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CurrencyNumeric(pub(crate) u16);

impl fmt::Display for CurrencyNumeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// `200` of `GET /v1/accounts/{account_id}/ledger-entries`.
#[derive(Serialize)]
pub(crate) struct GetLedgerEntriesResponse<'a> {
    pub(crate) accounts: Vec<LedgerEntry<'a>>,
    pub(crate) next_page_token: String,
    pub(crate) count: Text<usize>,
    pub(crate) trace_id: TraceHex,
}

/// One ledger entry.
#[derive(Serialize)]
pub(crate) struct LedgerEntry<'a> {
    pub(crate) account_id: Text<uuid::fmt::Hyphenated>,
    pub(crate) amount: MinorText,
    pub(crate) balance_type: &'static str,
    pub(crate) date_time: Text<time::DateTime>,
    pub(crate) entry_source: &'a str,
    pub(crate) entry_type: &'a str,
    pub(crate) reference: &'a str,
    pub(crate) reference_id: &'a str,
    pub(crate) reference_name: &'a str,
}

/// The `rpcStatus` error body every S1 operation declares: `{ code, message, details }`, with
/// the HTTP status in `code` as in every example of the spec.
#[derive(Serialize)]
pub(crate) struct RpcStatus<'a> {
    pub(crate) code: u16,
    pub(crate) message: &'a str,
    pub(crate) details: [(); 0],
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy as _;

    use super::*;

    proptest::proptest! {
        /// The hand-written digits are the standard library's, for every balance.
        #[test]
        fn magnitudes_are_written_as_display_writes_them(
            minor in proptest::prop_oneof![
                proptest::num::i64::ANY.prop_map(i128::from),
                (0_i128..100_000_000),
                proptest::num::i128::ANY,
            ],
        ) {
            let mut w = Writer::default();
            magnitude(&mut w, minor);
            proptest::prop_assert_eq!(w.finish(), minor.unsigned_abs().to_string().into_bytes());
        }
    }

    #[test]
    fn the_edges_of_u64_are_written_exactly() {
        for minor in [0, 9, 10, -1, i128::from(u64::MAX), -i128::from(u64::MAX), i128::MIN] {
            let mut w = Writer::default();
            magnitude(&mut w, minor);
            assert_eq!(w.finish(), minor.unsigned_abs().to_string().into_bytes(), "{minor}");
        }
    }
}
