//! FirstVision requests → typed commands ("parse, don't validate").
//!
//! Two passes, as the vendor's stack works: first the schema (JSON types and lengths, answered
//! 400 like the Java service in front of VisionPLUS), then the VisionPLUS edits in the order
//! the service runs them (missing or malformed values, answered 422 with `VPL…` codes).
//! Scalar types are read the way the vendor's Java service reads them: a number where a
//! string is expected becomes its text (the vendor's own example sends `referenceNumber: 123`),
//! and a digit string where an integer is expected becomes the integer.

mod cash;

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::Deserialize;

pub(crate) use self::cash::{cash_l8v2, cash_v2};
use super::errors::{Failure, FvError, Vpl, bad, vpl};
use super::state::is_card_number;
use super::wire;
use super::wire::calendar::Date;
use crate::Request;
use crate::common::json::Field;

/// Most digits of an amount (`Length: 17`).
const AMOUNT_DIGITS_MAX: usize = 17;

/// The smallest mantissa with more than [`AMOUNT_DIGITS_MAX`] digits (compared as a number,
/// not as text, on every write).
const AMOUNT_MANTISSA_LIMIT: u128 = 100_000_000_000_000_000;

/// Which cash-in/cash-out call a command came from; it decides the answer's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `PUT /account/balance` (L8V2).
    L8v2,
    /// `PUT /account/v2/balance`.
    V2,
}

/// A cash-in or cash-out, from either version. Its texts borrow from the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CashCommand<'a> {
    pub(crate) version: Version,
    /// ASM organization (`asmOrganizationNumber` / `organizationNumber`).
    pub(crate) asm_org: u16,
    pub(crate) representative_id: Cow<'a, str>,
    /// v2 `accountData.organizationNumber`, when sent.
    pub(crate) account_org: Option<u16>,
    /// Account or card number.
    pub(crate) account_number: Cow<'a, str>,
    pub(crate) card_number: Option<Cow<'a, str>>,
    pub(crate) card_sequence: u32,
    pub(crate) action_code: Cow<'a, str>,
    pub(crate) effective_date: Cow<'a, str>,
    /// Positive, at most 17 digits; the currency's scale is checked once the account is known.
    pub(crate) amount: Decimal,
    pub(crate) plan_number: u32,
    pub(crate) plan_sequence: u32,
    pub(crate) store_number: u32,
    pub(crate) reference_number: Cow<'a, str>,
    pub(crate) resolution_reference_number: Cow<'a, str>,
    /// `true`: open-to-buy moves now (memo post); `false`: only when the day's batch posts.
    pub(crate) update_open_to_buy: bool,
    pub(crate) description: Cow<'a, str>,
    pub(crate) authorization_code: Cow<'a, str>,
    pub(crate) department_code: Cow<'a, str>,
    pub(crate) insurance_code: Cow<'a, str>,
    /// v2 `walletId` (currency, alphabetic or numeric).
    pub(crate) wallet_id: Option<Cow<'a, str>>,
}

/// `POST /account/balance/details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceInquiry<'a> {
    pub(crate) account_number: Cow<'a, str>,
    pub(crate) org: Option<u16>,
}

/// `GET /account/v2/accounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountInquiry {
    pub(crate) org: u16,
    pub(crate) number: AccountOrCard,
}

/// Which header named the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccountOrCard {
    Account(String),
    Card(String),
}

// ---------------------------------------------------------------------------------------------
// Bodies and headers

/// Refuses a body that is not JSON by its content type (415).
pub(crate) fn require_content_type(req: &Request, wanted: &str) -> Result<(), Failure> {
    let given = super::auth::header(req, &http::header::CONTENT_TYPE).unwrap_or("");
    let media = given.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case(wanted) {
        Ok(())
    } else {
        Err(Failure::new(
            FvError::UnsupportedMediaType,
            format!("header Content-Type: {given:?} is not {wanted}"),
        ))
    }
}

/// Reads a JSON body into its wire struct (400 when it is not JSON of that shape).
pub(crate) fn body<'a, T: Deserialize<'a>>(req: &'a Request) -> Result<T, Failure> {
    // serde skips unknown fields unchecked: the strict check covers them.
    let res = crate::common::json::read(&req.body)
        .map_err(|unread| bad(format!("body: not a valid request: {unread}")))?;
    // serde also reads a struct from a JSON array of its fields in order.
    if !req.body.trim_ascii_start().starts_with(b"{") {
        return Err(bad("body: not a valid request: not a JSON object"));
    }
    Ok(res)
}

/// Reads the L8V2 cash body: one strict walk of the unchecked body when it proves it, else the
/// scan of [`wire::scan`] when it reads the checked text, else [`body`] (serde, and its words
/// for a body it refuses).
pub(crate) fn l8v2_body(req: &Request) -> Result<wire::ModifyAccountBalanceRequest<'_>, Failure> {
    if let Some(wire) = wire::scan::l8v2_unchecked(&req.body) {
        return Ok(wire);
    }
    if let Ok(text) = crate::common::json::check(&req.body)
        && let Some(wire) = wire::scan::l8v2(text)
    {
        return Ok(wire);
    }
    body(req)
}

// ---------------------------------------------------------------------------------------------
// Scalars

/// A string field: strings as sent, numbers and booleans as their text. `None` when absent or
/// null. The error is the reason text.
fn text<'a>(
    value: Option<&Field<'a>>,
    field: &str,
    chars_max: usize,
) -> Result<Option<Cow<'a, str>>, String> {
    let Some(sent) = value else { return Ok(None) };
    let text = match sent {
        Field::Null => return Ok(None),
        Field::String(text) => text.clone(),
        Field::Number(number) => Cow::Borrowed(*number),
        Field::Bool(flag) => Cow::Borrowed(if *flag { "true" } else { "false" }),
        Field::Array | Field::Object => return Err(format!("field {field}: must be a string")),
    };
    // A text has at most as many characters as bytes: most are counted by their length.
    if text.len() > chars_max && text.chars().count() > chars_max {
        return Err(format!("field {field}: longer than {chars_max} characters"));
    }
    Ok(Some(text))
}

/// A non-negative integer field of at most `digits_max` digits: JSON integers or digit
/// strings.
fn integer(value: Option<&Field<'_>>, field: &str, digits_max: u32) -> Result<Option<i64>, String> {
    let parsed = match value {
        None | Some(Field::Null) => return Ok(None),
        // The number's own text, never through a float.
        Some(Field::Number(number)) => integer_text(number),
        Some(Field::String(text)) => {
            let digits = text.trim();
            let unsigned = digits.strip_prefix('-').unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                digits.parse().ok()
            }
        }
        Some(_) => None,
    };
    let Some(number) = parsed else {
        return Err(format!("field {field}: must be an integer"));
    };
    if number < 0 {
        return Err(format!("field {field}: must not be negative"));
    }
    if number.unsigned_abs() >= 10u64.pow(digits_max) {
        return Err(format!("field {field}: more than {digits_max} digits"));
    }
    Ok(Some(number))
}

/// [`crate::common::json::integer_text`], with plain digit strings (every integer a write
/// sends) folded directly instead of searched for `.`/`e` and parsed.
fn integer_text(text: &str) -> Option<i64> {
    // Up to 18 digits cannot overflow an `i64`.
    if (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.bytes().fold(0, |value, b| value * 10 + i64::from(b - b'0')));
    }
    crate::common::json::integer_text(text)
}

/// A boolean field: JSON booleans, or the strings `true` / `false`.
fn boolean(value: Option<&Field<'_>>, field: &str) -> Result<Option<bool>, String> {
    let Some(sent) = value else { return Ok(None) };
    match sent {
        Field::Null => Ok(None),
        Field::Bool(flag) => Ok(Some(*flag)),
        Field::String(text) if text == "true" => Ok(Some(true)),
        Field::String(text) if text == "false" => Ok(Some(false)),
        _ => Err(format!("field {field}: must be true or false")),
    }
}

/// Blank text counts as absent, as VisionPLUS reads spaces.
fn filled(text: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    text.filter(|text| !text.trim().is_empty())
}

fn u32_of(number: i64) -> u32 {
    // `integer` already refused negatives and bounded the digits (at most 9), so this fits.
    u32::try_from(number).unwrap_or(0)
}

/// Text that is required by the schema (400 when absent), with a length range.
fn required_text<'a>(
    value: Option<&Field<'a>>,
    field: &str,
    chars: std::ops::RangeInclusive<usize>,
) -> Result<Cow<'a, str>, Failure> {
    let text = text(value, field, *chars.end()).map_err(bad)?;
    match text {
        Some(text) if text.chars().count() >= *chars.start() => Ok(text),
        Some(_) => Err(bad(format!("field {field}: shorter than {} characters", chars.start()))),
        None => Err(bad(format!("field {field}: is required"))),
    }
}

/// An ASM or account organization: 000–998 (VPL8SMA01E otherwise).
fn organization(value: Option<&Field<'_>>, field: &str) -> Result<u16, Failure> {
    let number = integer(value, field, 3)
        .map_err(|reason| vpl(Vpl::OrgInvalid, reason))?
        .ok_or_else(|| vpl(Vpl::OrgInvalid, format!("field {field}: is missing")))?;
    match u16::try_from(number) {
        Ok(org) if org <= 998 => Ok(org),
        _ => Err(vpl(
            Vpl::OrgInvalid,
            format!("field {field}: {number} is not an organization (000-998)"),
        )),
    }
}

/// `transactionAmount`: present, a plain positive number of at most 17 digits.
fn amount(value: Option<&Field<'_>>, field: &str) -> Result<Decimal, Failure> {
    let not_numeric = |why: &str| vpl(Vpl::AmountNotNumeric, format!("field {field}: {why}"));
    let parsed = match value {
        None | Some(Field::Null) => {
            return Err(vpl(Vpl::AmountRequired, format!("field {field}: is missing")));
        }
        Some(Field::Number(number)) => ledger::parse_decimal(number),
        Some(Field::String(text)) if text.trim().is_empty() => {
            return Err(vpl(Vpl::AmountRequired, format!("field {field}: is blank")));
        }
        Some(Field::String(text)) => ledger::parse_decimal(text.trim()),
        Some(_) => return Err(not_numeric("must be a number")),
    };
    let amount =
        parsed.map_err(|err| not_numeric(&format!("not a plain decimal number ({err})")))?;
    if amount.mantissa().unsigned_abs() >= AMOUNT_MANTISSA_LIMIT {
        return Err(not_numeric(&format!("more than {AMOUNT_DIGITS_MAX} digits")));
    }
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(not_numeric("must not be negative"));
    }
    if amount.is_zero() {
        return Err(vpl(Vpl::AmountRequired, format!("field {field}: is zero")));
    }
    Ok(amount)
}

/// `effectiveDate`: present (VPL8SMA16E) and a calendar date (VPL8SMA53E).
fn effective_date<'a>(value: Option<&Field<'a>>, field: &str) -> Result<Cow<'a, str>, Failure> {
    match value {
        None | Some(Field::Null) => {
            Err(vpl(Vpl::EffectiveDateRequired, format!("field {field}: is missing")))
        }
        Some(Field::String(text)) if text.trim().is_empty() => {
            Err(vpl(Vpl::EffectiveDateRequired, format!("field {field}: is blank")))
        }
        // `Date::parse` takes only the canonical `YYYY-MM-DD`, so a date it accepts is its own
        // ISO text: no need to format it again.
        Some(Field::String(text)) => Date::parse(text).map(|_| text.clone()).ok_or_else(|| {
            vpl(
                Vpl::InvalidEffectiveDate,
                format!("field {field}: {text:?} is not a YYYY-MM-DD calendar date"),
            )
        }),
        Some(_) => Err(vpl(
            Vpl::InvalidEffectiveDate,
            format!("field {field}: must be a YYYY-MM-DD string"),
        )),
    }
}

/// An account (or card) number given in the body: 19 characters when present.
fn account_number_shape<'a>(
    value: Option<&Field<'a>>,
    field: &str,
) -> Result<Option<Cow<'a, str>>, Failure> {
    let text = filled(text(value, field, 19).map_err(bad)?);
    if let Some(text) = &text
        && text.chars().count() != 19
    {
        return Err(bad(format!("field {field}: must be 19 characters")));
    }
    Ok(text)
}

/// A card number given in the body: 12–19 characters when present.
fn card_number_shape<'a>(
    value: Option<&Field<'a>>,
    field: &str,
) -> Result<Option<Cow<'a, str>>, Failure> {
    let text = filled(text(value, field, 19).map_err(bad)?);
    if let Some(text) = &text
        && text.chars().count() < 12
    {
        return Err(bad(format!("field {field}: shorter than 12 characters")));
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// Reads

/// The balance inquiry body.
pub(crate) fn balance_inquiry<'a>(
    wire: &wire::BalanceInquiryRequest<'a>,
) -> Result<BalanceInquiry<'a>, Failure> {
    // Schema pass (400).
    let account_number = text(wire.account_number.as_ref(), "accountNumber", 19).map_err(bad)?;
    let org = integer(wire.organization_number.as_ref(), "organizationNumber", 3).map_err(bad)?;
    let indicator =
        text(wire.dual_currency_indicator.as_ref(), "dualCurrencyIndicator", 1).map_err(bad)?;

    let account_number = filled(account_number);
    if account_number.as_ref().is_some_and(|number| number.chars().count() != 19) {
        return Err(bad("field accountNumber: must be 19 characters".to_string()));
    }

    // VisionPLUS edits (422).
    let account_number = account_number.ok_or_else(|| {
        vpl(Vpl::InquiryAccountNotNumeric, "field accountNumber: is missing or blank")
    })?;
    if !account_number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(vpl(
            Vpl::InquiryAccountNotNumeric,
            format!("field accountNumber: {account_number:?} is not an account or card number"),
        ));
    }
    // Zeros mean "not given": the service determines the organization from the account.
    let org = match org {
        None | Some(0) => None,
        Some(org) => match u16::try_from(org) {
            Ok(org) if (1..=998).contains(&org) => Some(org),
            _ => {
                return Err(vpl(
                    Vpl::InquiryOrgRange,
                    format!("field organizationNumber: {org} is not 001-998"),
                ));
            }
        },
    };
    match indicator.as_deref().map(str::trim) {
        None | Some("" | "L") => {}
        Some("F") => {
            return Err(vpl(
                Vpl::InquiryForeignOrgNotOnFile,
                "field dualCurrencyIndicator: F asks for the foreign organization; mock accounts \
                 are local only",
            ));
        }
        Some(other) => {
            return Err(vpl(
                Vpl::InquiryForeignIndicator,
                format!("field dualCurrencyIndicator: {other:?} is not F, L or blank"),
            ));
        }
    }
    Ok(BalanceInquiry { account_number, org })
}

/// The account inquiry's headers and query.
pub(crate) fn account_inquiry(req: &Request) -> Result<AccountInquiry, Failure> {
    // Schema pass (400).
    let Some(org) = req.header("organization-number") else {
        return Err(bad("header organization-number: is required".to_string()));
    };
    let account = req.header("account-number").map(str::trim).filter(|n| !n.is_empty());
    let card = req.header("card-number").map(str::trim).filter(|n| !n.is_empty());
    let number = match (account, card) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "headers account-number and card-number: send one, not both".to_string()
            ));
        }
        (Some(account), None) => Some(AccountOrCard::Account(account.to_string())),
        (None, Some(card)) => Some(AccountOrCard::Card(card.to_string())),
        (None, None) => None,
    };
    if let Some(AccountOrCard::Account(text) | AccountOrCard::Card(text)) = &number
        && !(12..=19).contains(&text.chars().count())
    {
        return Err(bad(
            "header account-number / card-number: must be 12-19 characters".to_string()
        ));
    }

    // VisionPLUS edits (422).
    let org = Some(org.trim())
        .filter(|org| (1..=3).contains(&org.len()) && org.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|org| org.parse::<u16>().ok())
        .filter(|org| *org <= 998)
        .ok_or_else(|| {
            vpl(
                Vpl::AccountInquiryOrgInvalid,
                format!("header organization-number: {org:?} is not 000-998"),
            )
        })?;
    let number = number.ok_or_else(|| {
        vpl(
            Vpl::AccountInquiryNumberInvalid,
            "headers account-number / card-number: neither was sent",
        )
    })?;
    match &number {
        AccountOrCard::Account(text) if !text.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(vpl(
                Vpl::AccountInquiryNumberInvalid,
                format!("header account-number: {text:?} is not numeric"),
            ));
        }
        AccountOrCard::Card(text) if !is_card_number(text) => {
            return Err(vpl(
                Vpl::AccountInquiryNumberInvalid,
                format!("header card-number: {text:?} is not a card number or PAN token"),
            ));
        }
        _ => {}
    }
    match req.query_param("foreignUse").as_deref().map(str::trim) {
        None | Some("" | "0") => {}
        Some("1") => {
            return Err(vpl(
                Vpl::AccountInquiryForeignOrgNotFound,
                "query foreignUse: 1 asks for the foreign organization; mock accounts are local \
                 only",
            ));
        }
        Some(other) => {
            return Err(vpl(
                Vpl::AccountInquiryForeignUseInvalid,
                format!("query foreignUse: {other:?} is not 0, 1 or blank"),
            ));
        }
    }
    Ok(AccountInquiry { org, number })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The digit fold reads every number text as the common reader does.
        #[test]
        fn integers_are_read_as_the_common_reader_reads_them(
            text in "[0-9]{0,20}|-?[0-9.eE+-]{0,8}|[0-9]{1,3}[.eE][0-9]{1,2}",
        ) {
            prop_assert_eq!(super::integer_text(&text), crate::common::json::integer_text(&text));
        }
    }
}
