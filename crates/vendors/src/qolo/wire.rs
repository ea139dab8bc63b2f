//! Qolo's JSON bodies as its OpenAPI documents them, field for field and in the documented order:
//! the login answer, `AdjustBalanceResponse` with its `Account`, `AccountDTO`, `WalletDTO`,
//! `CardDTO`, the `*SearchResponse` envelopes, the by-balance listing with its `PersonDTO`, and
//! `ProblemDetails` (plain and with ASP.NET's validation `errors` map); the request bodies are in
//! [`request`].
//!
//! Every balance and amount is a JSON number in major units, written as .NET writes a `double`:
//! shortest form, no trailing zeros (`100`, `12.5`), but built from the exact decimal, never
//! through a float.

mod adjust;
pub(crate) mod request;
pub(crate) mod time;

pub(crate) use self::adjust::AccountStatics;

use std::fmt::{self, Write as _};

use http::{HeaderMap, HeaderValue, StatusCode};

use ledger::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::{Error as _, SerializeMap, Serializer};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::errors::{self, Failure};
use crate::Response;
use crate::common::json;

/// The content type of every successful body (ASP.NET's default).
const JSON: &str = "application/json; charset=utf-8";

/// Bytes reserved for a success body (an AdjustBalance answer is about 1.2 KB).
const RESPONSE_BYTES_TYPICAL: usize = 2048;

/// A 2xx JSON answer with ASP.NET's content type.
pub(crate) fn ok<T: Serialize>(status: StatusCode, body: &T) -> Result<Response, Failure> {
    // Sized for an AdjustBalance answer, so serializing rarely reallocates.
    let mut bytes = Vec::with_capacity(RESPONSE_BYTES_TYPICAL);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => Ok(json_answer(status, bytes)),
        Err(err) => Err(errors::internal(format!("internal: serialization failed: {err}"))),
    }
}

/// A 2xx answer of these JSON bytes, with ASP.NET's content type.
pub(crate) fn json_answer(status: StatusCode, bytes: Vec<u8>) -> Response {
    // Room for the trace id the server adds to every answer: growing the map cost more.
    let mut headers = HeaderMap::with_capacity(2);
    // A static value: `with_header` would parse and copy it on every answer.
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    Response { status, headers, body: bytes.into(), tenant: None, reason: None }
}

/// A documented field we never fill (a nullable object or string): always `null`.
pub(crate) type Null = Option<()>;

/// A guid as .NET writes one: lower-case and hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Guid(pub(crate) Uuid);

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
    }
}

/// A date-time as .NET writes a UTC `DateTime`: `2026-01-01T00:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateTime(pub(crate) Timestamp);

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = StackText::new();
        time::write(self.0, &mut text).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(text.as_str())
    }
}

/// An amount or balance as .NET writes a `double`: `100`, `12.5`, `0`, from the exact decimal.
/// Serialized from text on the stack: an `Account` carries seven of these, and a `Number`
/// costs two heap strings each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount(pub(crate) Decimal);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let amount = self.0.normalize();
        if amount.scale() == 0
            && let Ok(whole) = i64::try_from(amount.mantissa())
        {
            return serializer.serialize_i64(whole);
        }
        let mut text = StackText::new();
        if write!(text, "{amount}").is_err() {
            // Longer than any decimal's text; the heap path writes the same digits.
            return json::number(amount).serialize(serializer);
        }
        // Borrowed raw JSON: the digits go into the body as they are, like a `Number`'s.
        let raw: &RawValue = serde_json::from_str(text.as_str()).map_err(S::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// A short text built on the stack: a date-time or a decimal's digits.
pub(crate) struct StackText {
    bytes: [u8; 48],
    len: usize,
}

impl StackText {
    pub(crate) fn new() -> StackText {
        StackText { bytes: [0; 48], len: 0 }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only whole `str`s are ever written in.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes, for a writer that takes them without checking them again.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl fmt::Write for StackText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }

    /// Dates are written digit by digit: an ASCII character goes in as its byte, without the
    /// UTF-8 encoding round trip of the default.
    fn write_char(&mut self, c: char) -> fmt::Result {
        match (u8::try_from(c), self.bytes.get_mut(self.len)) {
            (Ok(byte), Some(slot)) if byte.is_ascii() => {
                *slot = byte;
                self.len += 1;
                Ok(())
            }
            _ => self.write_str(c.encode_utf8(&mut [0; 4])),
        }
    }
}

/// `POST /api/v1/auth/login` → 200. The body is not published; this OAuth-style shape is our
/// documented guess.
#[derive(Debug, Serialize)]
pub(crate) struct LoginResponse {
    pub(crate) access_token: String,
    pub(crate) token_type: &'static str,
    /// Seconds until the token expires (12 hours).
    pub(crate) expires_in: u32,
}

/// `AdjustBalanceResponse`, in the order of the live reference's response sample.
#[derive(Debug, Serialize)]
pub(crate) struct AdjustBalanceResponse<'a> {
    pub(crate) client_reference_id: Option<&'a str>,
    pub(crate) request_code: &'a str,
    pub(crate) amount: Amount,
    pub(crate) currency: &'a str,
    pub(crate) description: Option<&'a str>,
    pub(crate) account_guid: Option<Guid>,
    pub(crate) card_proxy: Option<&'a str>,
    pub(crate) account: Account<'a>,
    /// A non-nullable `Guid` in the schema: all zeros when the request had none.
    pub(crate) user_guid: Guid,
    pub(crate) source_code: Option<&'a str>,
}

/// The `Account` object of AdjustBalance: the account after the adjustment.
#[derive(Debug, Serialize)]
pub(crate) struct Account<'a> {
    pub(crate) account_guid: Guid,
    pub(crate) wallet_guid: Guid,
    pub(crate) account_type: &'static str,
    pub(crate) account_name: &'a str,
    pub(crate) account_currency: &'static str,
    pub(crate) available_balance: Amount,
    pub(crate) ledger_balance: Amount,
    pub(crate) suspense_balance: Amount,
    pub(crate) starting_balance_date: Option<DateTime>,
    pub(crate) starting_balance_amount: Amount,
    pub(crate) last_credit_date: Option<DateTime>,
    pub(crate) last_credit_amount: Amount,
    pub(crate) first_debit_date: Option<DateTime>,
    pub(crate) first_debit_amount: Amount,
    pub(crate) last_debit_date: Option<DateTime>,
    pub(crate) last_debit_amount: Amount,
    pub(crate) account_status: &'static str,
    pub(crate) account_status_date: DateTime,
    pub(crate) holder_account_status: &'static str,
    pub(crate) holder_account_status_date: DateTime,
    pub(crate) sys_utcinserted: DateTime,
    pub(crate) sys_utcupdated: DateTime,
    pub(crate) last_txn_guid: Option<Guid>,
    pub(crate) interest_rate_strategy: Option<&'static str>,
}

/// `AccountDTO`, in the order of the live Retrieve Account sample.
#[derive(Debug, Serialize)]
pub(crate) struct AccountDto<'a> {
    pub(crate) account_guid: Guid,
    pub(crate) wallet_guid: Guid,
    pub(crate) account_currency: &'static str,
    pub(crate) account_name: &'a str,
    pub(crate) account_type: &'static str,
    pub(crate) available_balance: Amount,
    pub(crate) ledger_balance: Amount,
    pub(crate) suspense_balance: Amount,
    /// Only for credit-advance products.
    pub(crate) advance_account_details: Null,
    pub(crate) account_status: &'static str,
    pub(crate) last_txn_guid: Option<Guid>,
    /// When the last transaction posted.
    pub(crate) post_date: Option<DateTime>,
    /// The last transaction's amount.
    pub(crate) amount: Option<Amount>,
    pub(crate) mask_account_number: Null,
    pub(crate) sys_utcinserted: DateTime,
    pub(crate) status_change_nonmon_detail: Null,
}

/// `CardDTO`: the card a wallet's `card_proxy` names.
#[derive(Debug, Serialize)]
pub(crate) struct CardDto<'a> {
    pub(crate) card_number: Null,
    pub(crate) card_proxy: &'a str,
    pub(crate) mask_card_pan: Null,
    pub(crate) wallet_guid: Guid,
    pub(crate) wallet_id: &'a str,
    pub(crate) issuance_type: &'static str,
    pub(crate) base_iin: Null,
    pub(crate) card_condition: &'static str,
    pub(crate) card_status: &'static str,
    pub(crate) activation_date: Option<DateTime>,
    pub(crate) activation_method: &'static str,
    pub(crate) expiration_date: Null,
    pub(crate) cvx2: Null,
    pub(crate) logical_expiration_date: DateTime,
    pub(crate) person_card_status: &'static str,
    pub(crate) card_tracking_detail: Null,
    pub(crate) sys_utcinserted: DateTime,
    pub(crate) sys_utcupdated: DateTime,
}

/// `WalletDTO`.
#[derive(Debug, Serialize)]
pub(crate) struct WalletDto<'a> {
    pub(crate) wallet_guid: Guid,
    pub(crate) wallet_id: &'a str,
    pub(crate) person_guid: Guid,
    pub(crate) program_guid: Guid,
    pub(crate) program_name: Option<&'static str>,
    pub(crate) program_short_name: Option<&'static str>,
    pub(crate) parent_program_guid: Option<Guid>,
    pub(crate) top_program_guid: Option<Guid>,
    pub(crate) company_dba_name: Null,
    pub(crate) company_short_name: Null,
    pub(crate) account_status: Option<&'static str>,
    pub(crate) wallet_created: Option<DateTime>,
    pub(crate) accounts: Vec<AccountDto<'a>>,
    pub(crate) cards: Vec<CardDto<'a>>,
    pub(crate) account_instruments: [(); 0],
    pub(crate) account_shared_persons: [(); 0],
}

/// The `*SearchResponse` envelope (`AccountDTOSearchResponse`, `WalletDTOSearchResponse`).
#[derive(Debug, Serialize)]
pub(crate) struct SearchResponse<T> {
    pub(crate) count: usize,
    pub(crate) start_index: usize,
    pub(crate) end_index: usize,
    pub(crate) has_more: bool,
    pub(crate) data: Vec<T>,
}

impl<T> SearchResponse<T> {
    /// Everything found, on one page: indexes count from 1, and are 0 when nothing was found.
    pub(crate) fn one_page(data: Vec<T>, has_more: bool) -> SearchResponse<T> {
        let count = data.len();
        SearchResponse {
            count,
            start_index: usize::from(count > 0),
            end_index: count,
            has_more,
            data,
        }
    }
}

/// `GET /api/{version}/accounts/program/{program_guid}` → 200, the live (cached) envelope.
#[derive(Debug, Serialize)]
pub(crate) struct ProgramAccountsResponse<'a> {
    pub(crate) cache_utcdate: DateTime,
    pub(crate) count: usize,
    pub(crate) start_index: usize,
    pub(crate) end_index: usize,
    pub(crate) has_more: bool,
    pub(crate) data: Vec<ProgramAccount<'a>>,
}

/// One account of the by-balance listing.
#[derive(Debug, Serialize)]
pub(crate) struct ProgramAccount<'a> {
    pub(crate) account_guid: Guid,
    pub(crate) wallet_guid: Guid,
    pub(crate) account_currency: &'static str,
    pub(crate) account_name: &'a str,
    pub(crate) account_type: &'static str,
    pub(crate) available_balance: Amount,
    pub(crate) ledger_balance: Amount,
    pub(crate) suspense_balance: Amount,
    pub(crate) account_status: &'static str,
    pub(crate) person_info: PersonInfo<'a>,
}

/// `PersonDTO` of the wallet's holder. sandbank keeps no person data, so everything but the
/// guid, the wallet id and the status is null.
#[derive(Debug, Serialize)]
pub(crate) struct PersonInfo<'a> {
    pub(crate) identifications: [(); 0],
    pub(crate) person_guid: Guid,
    pub(crate) birth_date: Null,
    pub(crate) email: Null,
    pub(crate) first_name: Null,
    pub(crate) middle_name: Null,
    pub(crate) last_name: Null,
    pub(crate) additional_data: Null,
    pub(crate) mobile_number: Null,
    pub(crate) home_number: Null,
    pub(crate) office_number: Null,
    pub(crate) base_address: Null,
    pub(crate) mailing_address: Null,
    pub(crate) billing_address: Null,
    pub(crate) nationality: Null,
    pub(crate) ip_address: Null,
    pub(crate) person_status: &'static str,
    pub(crate) client_reference_id: Null,
    pub(crate) verfication_mode: Null,
    pub(crate) verfication_level: Null,
    pub(crate) person_forget_mode: Null,
    pub(crate) person_forget_mode_date: Null,
    pub(crate) market_notification_optin: Null,
    pub(crate) market_notification_optin_date: Null,
    pub(crate) address_lat: u8,
    pub(crate) address_lon: u8,
    pub(crate) contact_type: Null,
    pub(crate) profile_dd_mode: Null,
    pub(crate) request_code: Null,
    pub(crate) wallet_id: &'a str,
    pub(crate) title: Null,
    pub(crate) person_relations: Null,
}

impl PersonInfo<'_> {
    /// The holder of a wallet.
    pub(crate) fn holder(person_guid: Guid, wallet_id: &str) -> PersonInfo<'_> {
        PersonInfo {
            identifications: [],
            person_guid,
            birth_date: None,
            email: None,
            first_name: None,
            middle_name: None,
            last_name: None,
            additional_data: None,
            mobile_number: None,
            home_number: None,
            office_number: None,
            base_address: None,
            mailing_address: None,
            billing_address: None,
            nationality: None,
            ip_address: None,
            person_status: "CLEARED",
            client_reference_id: None,
            verfication_mode: None,
            verfication_level: None,
            person_forget_mode: None,
            person_forget_mode_date: None,
            market_notification_optin: None,
            market_notification_optin_date: None,
            address_lat: 0,
            address_lon: 0,
            contact_type: None,
            profile_dd_mode: None,
            request_code: None,
            wallet_id,
            title: None,
            person_relations: None,
        }
    }
}

/// `ProblemDetails` (RFC 7807) as ASP.NET Core writes it: absent members left out, the
/// request's `traceId` last.
#[derive(Debug, Serialize)]
pub(crate) struct ProblemDetails<'a> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) title: &'static str,
    pub(crate) status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) instance: Option<&'a str>,
    #[serde(rename = "traceId")]
    pub(crate) trace_id: &'a str,
}

/// ASP.NET Core's `ValidationProblemDetails`: a `ProblemDetails` with an `errors` map from the
/// field (or JSON path) to its messages.
#[derive(Debug, Serialize)]
pub(crate) struct ValidationProblemDetails<'a> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) title: &'static str,
    pub(crate) status: u16,
    pub(crate) instance: &'a str,
    #[serde(rename = "traceId")]
    pub(crate) trace_id: &'a str,
    pub(crate) errors: Errors<'a>,
}

/// Field errors in the order found, grouped by field: `{"amount": ["…", "…"]}`.
#[derive(Debug)]
pub(crate) struct Errors<'a>(pub(crate) &'a [(String, String)]);

impl Serialize for Errors<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (idx, (field, _)) in self.0.iter().enumerate() {
            if self.0.iter().take(idx).any(|(seen, _)| seen == field) {
                continue;
            }
            let messages: Vec<&str> = self
                .0
                .iter()
                .filter(|(other, _)| other == field)
                .map(|(_, message)| message.as_str())
                .collect();
            map.serialize_entry(field, &messages)?;
        }
        map.end()
    }
}
