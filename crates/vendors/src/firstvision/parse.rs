//! FirstVision requests → typed commands ("parse, don't validate").
//!
//! Two passes, as the vendor's stack works: first the schema (JSON types and lengths, answered
//! 400 like the Java service in front of VisionPLUS), then the VisionPLUS edits in the order
//! the service runs them (missing or malformed values, answered 422 with `VPL…` codes).
//! Scalar types are read the way the vendor's Java service reads them: a number where a
//! string is expected becomes its text (the vendor's own example sends `referenceNumber: 123`),
//! and a digit string where an integer is expected becomes the integer.

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::wire::calendar::Date;
use super::errors::{FvError, Vpl, bad, vpl};
use crate::common::failure::Failure;
use super::state::is_card_number;
use super::wire;
use crate::Request;

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

/// A cash-in or cash-out, from either version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CashCommand {
    pub(crate) version: Version,
    /// ASM organization (`asmOrganizationNumber` / `organizationNumber`).
    pub(crate) asm_org: u16,
    pub(crate) representative_id: String,
    /// v2 `accountData.organizationNumber`, when sent.
    pub(crate) account_org: Option<u16>,
    /// Account or card number.
    pub(crate) account_number: String,
    pub(crate) card_number: Option<String>,
    pub(crate) card_sequence: u32,
    pub(crate) action_code: String,
    pub(crate) effective_date: String,
    /// Positive, at most 17 digits; the currency's scale is checked once the account is known.
    pub(crate) amount: Decimal,
    pub(crate) plan_number: u32,
    pub(crate) plan_sequence: u32,
    pub(crate) store_number: u32,
    pub(crate) reference_number: String,
    pub(crate) resolution_reference_number: String,
    /// `true`: open-to-buy moves now (memo post); `false`: only when the day's batch posts.
    pub(crate) update_open_to_buy: bool,
    pub(crate) description: String,
    pub(crate) authorization_code: String,
    pub(crate) department_code: String,
    pub(crate) insurance_code: String,
    /// v2 `walletId` (currency, alphabetic or numeric).
    pub(crate) wallet_id: Option<String>,
}

/// `POST /account/balance/details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceInquiry {
    pub(crate) account_number: String,
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
pub(crate) fn require_content_type(req: &Request, wanted: &str) -> Result<(), Failure<FvError>> {
    let given = req.header("content-type").unwrap_or("");
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
pub(crate) fn body<T: DeserializeOwned>(req: &Request) -> Result<T, Failure<FvError>> {
    let res = serde_json::from_slice(&req.body)
        .map_err(|err| bad(format!("body: not a valid request: {err}")))?;
    // serde skips unknown fields unchecked and keeps the last of a key repeated in a field
    // read as a `Value`.
    crate::common::json::check(&req.body).map_err(|problem| {
        bad(format!("body: not a valid request: {problem}"))
    })?;
    // serde also reads a struct from a JSON array of its fields in order.
    if !req.body.trim_ascii_start().starts_with(b"{") {
        return Err(bad("body: not a valid request: not a JSON object"));
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Scalars

/// A string field: strings as sent, numbers and booleans as their text. `None` when absent or
/// null. The error is the reason text.
fn text(value: Option<&Value>, field: &str, chars_max: usize) -> Result<Option<String>, String> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Array(_) | Value::Object(_)) => {
            return Err(format!("field {field}: must be a string"));
        }
    };
    if text.chars().count() > chars_max {
        return Err(format!("field {field}: longer than {chars_max} characters"));
    }
    Ok(Some(text))
}

/// A non-negative integer field of at most `digits_max` digits: JSON integers or digit
/// strings.
fn integer(value: Option<&Value>, field: &str, digits_max: u32) -> Result<Option<i64>, String> {
    let parsed = match value {
        None | Some(Value::Null) => return Ok(None),
        // The number's own text (`arbitrary_precision`), read in place rather than copied.
        Some(Value::Number(number)) => crate::common::json::integer_text(number.as_str()),
        Some(Value::String(text)) => {
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

/// A boolean field: JSON booleans, or the strings `true` / `false`.
fn boolean(value: Option<&Value>, field: &str) -> Result<Option<bool>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(Value::String(text)) if text == "true" => Ok(Some(true)),
        Some(Value::String(text)) if text == "false" => Ok(Some(false)),
        Some(_) => Err(format!("field {field}: must be true or false")),
    }
}

/// Blank text counts as absent, as VisionPLUS reads spaces.
fn filled(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

fn u32_of(number: i64) -> u32 {
    // `integer` already refused negatives and bounded the digits (at most 9), so this fits.
    u32::try_from(number).unwrap_or(0)
}

/// Text that is required by the schema (400 when absent), with a length range.
fn required_text(
    value: Option<&Value>,
    field: &str,
    chars: std::ops::RangeInclusive<usize>,
) -> Result<String, Failure<FvError>> {
    let text = text(value, field, *chars.end()).map_err(bad)?;
    match text {
        Some(text) if text.chars().count() >= *chars.start() => Ok(text),
        Some(_) => Err(bad(format!("field {field}: shorter than {} characters", chars.start()))),
        None => Err(bad(format!("field {field}: is required"))),
    }
}

/// An ASM or account organization: 000–998 (VPL8SMA01E otherwise).
fn organization(value: Option<&Value>, field: &str) -> Result<u16, Failure<FvError>> {
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
fn amount(value: Option<&Value>, field: &str) -> Result<Decimal, Failure<FvError>> {
    let not_numeric =
        |why: &str| vpl(Vpl::AmountNotNumeric, format!("field {field}: {why}"));
    let parsed = match value {
        None | Some(Value::Null) => {
            return Err(vpl(Vpl::AmountRequired, format!("field {field}: is missing")));
        }
        Some(Value::Number(number)) => ledger::parse_decimal(number.as_str()),
        Some(Value::String(text)) if text.trim().is_empty() => {
            return Err(vpl(Vpl::AmountRequired, format!("field {field}: is blank")));
        }
        Some(Value::String(text)) => ledger::parse_decimal(text.trim()),
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
fn effective_date(value: Option<&Value>, field: &str) -> Result<String, Failure<FvError>> {
    match value {
        None | Some(Value::Null) => {
            Err(vpl(Vpl::EffectiveDateRequired, format!("field {field}: is missing")))
        }
        Some(Value::String(text)) if text.trim().is_empty() => {
            Err(vpl(Vpl::EffectiveDateRequired, format!("field {field}: is blank")))
        }
        // `Date::parse` takes only the canonical `YYYY-MM-DD`, so a date it accepts is its own
        // ISO text: no need to format it again.
        Some(Value::String(text)) => Date::parse(text).map(|_| text.clone()).ok_or_else(|| {
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
fn account_number_shape(value: Option<&Value>, field: &str) -> Result<Option<String>, Failure<FvError>> {
    let text = filled(text(value, field, 19).map_err(bad)?);
    if let Some(text) = &text {
        if text.chars().count() != 19 {
            return Err(bad(format!("field {field}: must be 19 characters")));
        }
    }
    Ok(text)
}

/// A card number given in the body: 12–19 characters when present.
fn card_number_shape(value: Option<&Value>, field: &str) -> Result<Option<String>, Failure<FvError>> {
    let text = filled(text(value, field, 19).map_err(bad)?);
    if let Some(text) = &text {
        if text.chars().count() < 12 {
            return Err(bad(format!("field {field}: shorter than 12 characters")));
        }
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// PUT /account/balance

/// `ModifyAccountBalanceRequest` → a cash command.
#[expect(clippy::too_many_lines, reason = "split in the vendor skeleton step")]
pub(crate) fn cash_l8v2(wire: wire::ModifyAccountBalanceRequest) -> Result<CashCommand, Failure<FvError>> {
    let transaction = wire.transaction_data.unwrap_or_default();
    const TX: &str = "transactionData";

    // Schema pass (400).
    let representative_id =
        text(wire.representative_id.as_ref(), "representativeId", 3).map_err(bad)?;
    let account_number = account_number_shape(wire.account_number.as_ref(), "accountNumber")?;
    let foreign_use = text(wire.foreign_use.as_ref(), "foreignUse", 1).map_err(bad)?;
    let card_number =
        card_number_shape(transaction.card_number.as_ref(), "transactionData.cardNumber")?;
    let card_sequence =
        integer(transaction.card_sequence.as_ref(), "transactionData.cardSequence", 4)
            .map_err(bad)?;
    let action_code =
        text(transaction.action_code.as_ref(), "transactionData.actionCode", 4).map_err(bad)?;
    let plan_number =
        integer(transaction.plan_number.as_ref(), "transactionData.planNumber", 5).map_err(bad)?;
    let plan_sequence =
        integer(transaction.plan_sequence.as_ref(), "transactionData.planSequence", 2)
            .map_err(bad)?
            .ok_or_else(|| bad(format!("field {TX}.planSequence: is required")))?;
    let store_number = integer(transaction.store_number.as_ref(), "transactionData.storeNumber", 9)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.storeNumber: is required")))?;
    let authorization_code =
        text(transaction.authorization_code.as_ref(), "transactionData.authorizationCode", 6)
            .map_err(bad)?;
    let reference_number =
        text(transaction.reference_number.as_ref(), "transactionData.referenceNumber", 12)
            .map_err(bad)?;
    let resolution_reference_number = text(
        transaction.resolution_reference_number.as_ref(),
        "transactionData.resolutionReferenceNumber",
        14,
    )
    .map_err(bad)?;
    let otb =
        integer(transaction.otb_update_indicator.as_ref(), "transactionData.otbUpdateIndicator", 1)
            .map_err(bad)?
            .ok_or_else(|| bad(format!("field {TX}.otbUpdateIndicator: is required")))?;
    let update_open_to_buy = match otb {
        0 => true,
        1 => false,
        other => {
            return Err(bad(format!(
                "field {TX}.otbUpdateIndicator: {other} is not 0 (update OTB) or 1 (do not)"
            )));
        }
    };
    let description =
        required_text(transaction.description.as_ref(), "transactionData.description", 0..=40)?;
    let department_code =
        text(transaction.department_code.as_ref(), "transactionData.departmentCode", 4)
            .map_err(bad)?;

    // VisionPLUS edits (422), in the service's order.
    let asm_org = organization(wire.asm_organization_number.as_ref(), "asmOrganizationNumber")?;
    let representative_id = filled(representative_id)
        .ok_or_else(|| vpl(Vpl::RepBlank, "field representativeId: is blank"))?;
    match foreign_use.as_deref().map(str::trim) {
        None | Some("" | "0") => {}
        Some("1") => {
            return Err(vpl(
                Vpl::AccountNotFound,
                "field foreignUse: 1 asks for the foreign account; mock accounts are local only",
            ));
        }
        Some(other) => {
            return Err(vpl(
                Vpl::ForeignUseInvalid,
                format!("field foreignUse: {other:?} is not 0 or 1"),
            ));
        }
    }
    let account_number = account_number.ok_or_else(|| {
        vpl(Vpl::AccountRequired, "field accountNumber: is missing or blank")
    })?;
    let action_code = filled(action_code).ok_or_else(|| {
        vpl(Vpl::ActionCodeRequired, "field transactionData.actionCode: is missing")
    })?;
    let amount =
        amount(transaction.transaction_amount.as_ref(), "transactionData.transactionAmount")?;
    let effective_date =
        effective_date(transaction.effective_date.as_ref(), "transactionData.effectiveDate")?;
    let plan_number = plan_number.filter(|plan| *plan > 0).ok_or_else(|| {
        vpl(Vpl::PlanRequired, "field transactionData.planNumber: is missing or zero")
    })?;
    let card_number = card_number.ok_or_else(|| {
        vpl(Vpl::CardRequired, "field transactionData.cardNumber: is missing")
    })?;
    let card_sequence = card_sequence.ok_or_else(|| {
        vpl(Vpl::CardSequenceRequired, "field transactionData.cardSequence: is missing")
    })?;
    let resolution_reference_number = filled(resolution_reference_number).ok_or_else(|| {
        vpl(
            Vpl::ResolutionRefRequired,
            "field transactionData.resolutionReferenceNumber: is missing",
        )
    })?;
    let reference_number = filled(reference_number).ok_or_else(|| {
        vpl(Vpl::ReferenceBlank, "field transactionData.referenceNumber: is missing")
    })?;

    Ok(CashCommand {
        version: Version::L8v2,
        asm_org,
        representative_id,
        account_org: None,
        account_number,
        card_number: Some(card_number),
        card_sequence: u32_of(card_sequence),
        action_code,
        effective_date,
        amount,
        plan_number: u32_of(plan_number),
        plan_sequence: u32_of(plan_sequence),
        store_number: u32_of(store_number),
        reference_number,
        resolution_reference_number,
        update_open_to_buy,
        description,
        authorization_code: authorization_code.unwrap_or_default(),
        department_code: department_code.unwrap_or_default(),
        insurance_code: String::new(),
        wallet_id: None,
    })
}

// ---------------------------------------------------------------------------------------------
// PUT /account/v2/balance

/// `PurchaseAndCashAdvanceRequest` → a cash command.
#[expect(clippy::too_many_lines, reason = "split in the vendor skeleton step")]
pub(crate) fn cash_v2(wire: wire::PurchaseAndCashAdvanceRequest) -> Result<CashCommand, Failure<FvError>> {
    let account = wire.account_data.unwrap_or_default();
    let transaction = wire.transaction_data.unwrap_or_default();
    const TX: &str = "transactionData";

    // Schema pass (400).
    let representative_id =
        text(wire.representative_id.as_ref(), "representativeId", 3).map_err(bad)?;
    let is_foreign = boolean(wire.is_foreign.as_ref(), "isForeign").map_err(bad)?;
    let account_number = account_number_shape(account.number.as_ref(), "accountData.number")?;
    let account_org =
        integer(account.organization_number.as_ref(), "accountData.organizationNumber", 3)
            .map_err(bad)?;
    let priority = integer(wire.action_code_priority.as_ref(), "actionCodePriority", 1)
        .map_err(bad)?
        .ok_or_else(|| bad("field actionCodePriority: is required".to_string()))?;
    if !(0..=3).contains(&priority) {
        return Err(bad(format!("field actionCodePriority: {priority} is not 0-3")));
    }
    if boolean(wire.has_referral.as_ref(), "hasReferral").map_err(bad)? == Some(true) {
        let referral = wire.referral_representation.unwrap_or_default();
        integer(referral.organization.as_ref(), "referralRepresentation.organization", 3)
            .map_err(bad)?
            .ok_or_else(|| {
                bad("field referralRepresentation.organization: is required when hasReferral is \
                     true"
                    .to_string())
            })?;
        required_text(referral.id.as_ref(), "referralRepresentation.id", 1..=3)?;
    }
    let action_code =
        text(transaction.action_code.as_ref(), "transactionData.actionCode", 4).map_err(bad)?;
    if let Some(code) = filled(action_code.clone()) {
        if code.chars().count() != 4 {
            return Err(bad(format!("field {TX}.actionCode: must be exactly 4 characters")));
        }
    }
    let authorization_code = required_text(
        transaction.authorization_code.as_ref(),
        "transactionData.authorizationCode",
        6..=6,
    )?;
    let department_code = required_text(
        transaction.department_code.as_ref(),
        "transactionData.departmentCode",
        1..=4,
    )?;
    let update_open_to_buy = boolean(
        transaction.open_to_buy_update_indicator.as_ref(),
        "transactionData.openToBuyUpdateIndicator",
    )
    .map_err(bad)?
    .ok_or_else(|| bad(format!("field {TX}.openToBuyUpdateIndicator: is required")))?;
    required_text(
        transaction.purchase_order_number.as_ref(),
        "transactionData.purchaseOrderNumber",
        1..=16,
    )?;
    let reference_number =
        integer(transaction.reference_number.as_ref(), "transactionData.referenceNumber", 12)
            .map_err(bad)?;
    required_text(transaction.sales_clerk.as_ref(), "transactionData.salesClerk", 1..=12)?;
    integer(
        transaction.stock_keeping_unit_number.as_ref(),
        "transactionData.stockKeepingUnitNumber",
        9,
    )
    .map_err(bad)?
    .ok_or_else(|| bad(format!("field {TX}.stockKeepingUnitNumber: is required")))?;
    let store_number = integer(transaction.store_number.as_ref(), "transactionData.storeNumber", 9)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.storeNumber: is required")))?;
    required_text(transaction.ticket_number.as_ref(), "transactionData.ticketNumber", 1..=15)?;
    let wallet_id =
        required_text(transaction.wallet_id.as_ref(), "transactionData.walletId", 1..=3)?;
    let plan_number =
        integer(transaction.plan_number.as_ref(), "transactionData.planNumber", 5).map_err(bad)?;
    let plan_sequence =
        integer(transaction.plan_sequence.as_ref(), "transactionData.planSequence", 2)
            .map_err(bad)?;
    if let Some(letter) = &transaction.letter_information {
        text(letter.code.as_ref(), "transactionData.letterInformation.code", 3).map_err(bad)?;
        text(letter.organization.as_ref(), "transactionData.letterInformation.organization", 3)
            .map_err(bad)?;
    }
    let card_number =
        card_number_shape(transaction.card_number.as_ref(), "transactionData.cardNumber")?;
    let card_sequence =
        integer(transaction.card_sequence.as_ref(), "transactionData.cardSequence", 4)
            .map_err(bad)?;
    let insurance_code =
        text(transaction.insurance_code.as_ref(), "transactionData.insuranceCode", 2)
            .map_err(bad)?;
    integer(transaction.installment_number.as_ref(), "transactionData.installmentNumber", 2)
        .map_err(bad)?;
    let description =
        text(transaction.description.as_ref(), "transactionData.description", 40).map_err(bad)?;
    let resolution_reference_number = text(
        transaction.resolution_reference_number.as_ref(),
        "transactionData.resolutionReferenceNumber",
        14,
    )
    .map_err(bad)?;
    boolean(transaction.is_reversed_memo.as_ref(), "transactionData.isReversedMemo")
        .map_err(bad)?;
    boolean(transaction.monetary_supress.as_ref(), "transactionData.monetarySupress")
        .map_err(bad)?;
    boolean(transaction.account_level_by_pass.as_ref(), "transactionData.accountLevelByPass")
        .map_err(bad)?;
    if let Some(fraud) = &wire.fraud_prevention_data {
        let fields = [
            ("identifier", 4),
            ("keyTracing", 30),
            ("paymentDescription", 20),
            ("cardLabelId", 22),
        ];
        for (name, chars_max) in fields {
            text(fraud.get(name), &format!("fraudPreventionData.{name}"), chars_max)
                .map_err(bad)?;
        }
    }
    if let Some(account) = &wire.meta_data {
        for (idx, line) in account.memo_line.iter().flatten().enumerate() {
            integer(line.id.as_ref(), &format!("metaData.memoLine[{idx}].id"), 2).map_err(bad)?;
            text(line.value.as_ref(), &format!("metaData.memoLine[{idx}].value"), 60)
                .map_err(bad)?;
        }
    }

    // VisionPLUS edits (422).
    let asm_org = organization(wire.organization_number.as_ref(), "organizationNumber")?;
    let representative_id = filled(representative_id)
        .ok_or_else(|| vpl(Vpl::RepBlank, "field representativeId: is blank"))?;
    if is_foreign == Some(true) {
        return Err(vpl(
            Vpl::AccountNotFound,
            "field isForeign: true asks for the foreign account; mock accounts are local only",
        ));
    }
    let account_number = account_number.ok_or_else(|| {
        vpl(Vpl::AccountRequired, "field accountData.number: is missing or blank")
    })?;
    let action_code = filled(action_code).ok_or_else(|| {
        vpl(Vpl::ActionCodeRequired, "field transactionData.actionCode: is missing")
    })?;
    let amount =
        amount(transaction.transaction_amount.as_ref(), "transactionData.transactionAmount")?;
    let effective_date =
        effective_date(transaction.effective_date.as_ref(), "transactionData.effectiveDate")?;
    let reference_number =
        reference_number.filter(|reference| *reference > 0).ok_or_else(|| {
            vpl(Vpl::ReferenceBlank, "field transactionData.referenceNumber: is missing")
        })?;
    if boolean(transaction.is_open_to_buy.as_ref(), "transactionData.isOpenToBuy").is_err() {
        return Err(vpl(
            Vpl::OtbCheckFlagInvalid,
            "field transactionData.isOpenToBuy: must be true or false",
        ));
    }
    if boolean(
        transaction.ecommerce_transaction_limits_indicator.as_ref(),
        "transactionData.ecommerceTransactionLimitsIndicator",
    )
    .is_err()
    {
        return Err(vpl(
            Vpl::EcommerceFlagInvalid,
            "field transactionData.ecommerceTransactionLimitsIndicator: must be true or false",
        ));
    }
    if boolean(
        transaction.payment_accept_indicator.as_ref(),
        "transactionData.paymentAcceptIndicator",
    )
    .is_err()
    {
        return Err(vpl(
            Vpl::PaymentFlagInvalid,
            "field transactionData.paymentAcceptIndicator: must be true or false",
        ));
    }

    Ok(CashCommand {
        version: Version::V2,
        asm_org,
        representative_id,
        account_org: account_org.map(|org| u16::try_from(org).unwrap_or(u16::MAX)),
        account_number,
        card_number,
        card_sequence: card_sequence.map_or(0, u32_of),
        action_code,
        effective_date,
        amount,
        plan_number: plan_number.map_or(0, u32_of),
        plan_sequence: plan_sequence.map_or(0, u32_of),
        store_number: u32_of(store_number),
        reference_number: reference_number.to_string(),
        resolution_reference_number: resolution_reference_number.unwrap_or_default(),
        update_open_to_buy,
        description: description.unwrap_or_default(),
        authorization_code,
        department_code,
        insurance_code: insurance_code.unwrap_or_default(),
        wallet_id: Some(wallet_id),
    })
}

// ---------------------------------------------------------------------------------------------
// Reads

/// The balance inquiry body.
pub(crate) fn balance_inquiry(
    wire: wire::BalanceInquiryRequest,
) -> Result<BalanceInquiry, Failure<FvError>> {
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
pub(crate) fn account_inquiry(req: &Request) -> Result<AccountInquiry, Failure<FvError>> {
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
    if let Some(AccountOrCard::Account(text) | AccountOrCard::Card(text)) = &number {
        if !(12..=19).contains(&text.chars().count()) {
            return Err(bad(
                "header account-number / card-number: must be 12-19 characters".to_string()
            ));
        }
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
