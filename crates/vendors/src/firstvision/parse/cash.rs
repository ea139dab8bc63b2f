//! The two cash-in / cash-out bodies (L8V2 and v2) → one [`CashCommand`]: the schema pass
//! (400) in field order, then the VisionPLUS edits (422) in the service's order. Each pass is
//! cut into steps run in sequence, so the first problem in that order is the one answered.

use std::borrow::Cow;

use super::super::errors::{Failure, Vpl, bad, vpl};
use super::super::wire;
use super::{
    CashCommand, Version, account_number_shape, amount, boolean, card_number_shape, effective_date,
    filled, integer, organization, required_text, text, u32_of,
};

type Refused = Failure;

const TX: &str = "transactionData";

// ---------------------------------------------------------------------------------------------
// PUT /account/balance

/// What the L8V2 schema pass read: the values its edits still judge, and the rest as final.
#[derive(Default)]
struct L8v2Schema<'a> {
    representative_id: Option<Cow<'a, str>>,
    account_number: Option<Cow<'a, str>>,
    foreign_use: Option<Cow<'a, str>>,
    card_number: Option<Cow<'a, str>>,
    card_sequence: Option<i64>,
    action_code: Option<Cow<'a, str>>,
    plan_number: Option<i64>,
    plan_sequence: i64,
    store_number: i64,
    authorization_code: Option<Cow<'a, str>>,
    reference_number: Option<Cow<'a, str>>,
    resolution_reference_number: Option<Cow<'a, str>>,
    update_open_to_buy: bool,
    description: Cow<'a, str>,
    department_code: Option<Cow<'a, str>>,
}

/// `ModifyAccountBalanceRequest` → a cash command.
pub(crate) fn cash_l8v2<'a>(
    wire: &wire::ModifyAccountBalanceRequest<'a>,
) -> Result<CashCommand<'a>, Refused> {
    let empty = wire::ModifyAccountBalanceTxData::default();
    let tx = wire.transaction_data.as_deref().unwrap_or(&empty);
    let schema = l8v2_schema(wire, tx)?;
    l8v2_edits(wire, tx, schema)
}

/// The L8V2 schema pass (400), in field order.
fn l8v2_schema<'a>(
    wire: &wire::ModifyAccountBalanceRequest<'a>,
    tx: &wire::ModifyAccountBalanceTxData<'a>,
) -> Result<L8v2Schema<'a>, Refused> {
    let representative_id =
        text(wire.representative_id.as_ref(), "representativeId", 3).map_err(bad)?;
    let account_number = account_number_shape(wire.account_number.as_ref(), "accountNumber")?;
    let foreign_use = text(wire.foreign_use.as_ref(), "foreignUse", 1).map_err(bad)?;
    let card_number = card_number_shape(tx.card_number.as_ref(), "transactionData.cardNumber")?;
    let card_sequence =
        integer(tx.card_sequence.as_ref(), "transactionData.cardSequence", 4).map_err(bad)?;
    let action_code =
        text(tx.action_code.as_ref(), "transactionData.actionCode", 4).map_err(bad)?;
    let plan_number =
        integer(tx.plan_number.as_ref(), "transactionData.planNumber", 5).map_err(bad)?;
    let plan_sequence = integer(tx.plan_sequence.as_ref(), "transactionData.planSequence", 2)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.planSequence: is required")))?;
    let store_number = integer(tx.store_number.as_ref(), "transactionData.storeNumber", 9)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.storeNumber: is required")))?;
    let authorization_code =
        text(tx.authorization_code.as_ref(), "transactionData.authorizationCode", 6)
            .map_err(bad)?;
    let reference_number =
        text(tx.reference_number.as_ref(), "transactionData.referenceNumber", 12).map_err(bad)?;
    let resolution_reference_number = text(
        tx.resolution_reference_number.as_ref(),
        "transactionData.resolutionReferenceNumber",
        14,
    )
    .map_err(bad)?;
    let update_open_to_buy = otb_update_indicator(tx)?;
    let description =
        required_text(tx.description.as_ref(), "transactionData.description", 0..=40)?;
    let department_code =
        text(tx.department_code.as_ref(), "transactionData.departmentCode", 4).map_err(bad)?;
    Ok(L8v2Schema {
        representative_id,
        account_number,
        foreign_use,
        card_number,
        card_sequence,
        action_code,
        plan_number,
        plan_sequence,
        store_number,
        authorization_code,
        reference_number,
        resolution_reference_number,
        update_open_to_buy,
        description,
        department_code,
    })
}

/// L8V2 `otbUpdateIndicator`: `0` memo-posts (open-to-buy moves now), `1` does not.
fn otb_update_indicator(tx: &wire::ModifyAccountBalanceTxData<'_>) -> Result<bool, Refused> {
    let otb = integer(tx.otb_update_indicator.as_ref(), "transactionData.otbUpdateIndicator", 1)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.otbUpdateIndicator: is required")))?;
    match otb {
        0 => Ok(true),
        1 => Ok(false),
        other => Err(bad(format!(
            "field {TX}.otbUpdateIndicator: {other} is not 0 (update OTB) or 1 (do not)"
        ))),
    }
}

/// The L8V2 VisionPLUS edits (422), in the service's order.
fn l8v2_edits<'a>(
    wire: &wire::ModifyAccountBalanceRequest<'a>,
    tx: &wire::ModifyAccountBalanceTxData<'a>,
    schema: L8v2Schema<'a>,
) -> Result<CashCommand<'a>, Refused> {
    let asm_org = organization(wire.asm_organization_number.as_ref(), "asmOrganizationNumber")?;
    let representative_id = filled(schema.representative_id)
        .ok_or_else(|| vpl(Vpl::RepBlank, "field representativeId: is blank"))?;
    foreign_use(schema.foreign_use.as_deref())?;
    let account_number = schema
        .account_number
        .ok_or_else(|| vpl(Vpl::AccountRequired, "field accountNumber: is missing or blank"))?;
    let action_code = filled(schema.action_code).ok_or_else(|| {
        vpl(Vpl::ActionCodeRequired, "field transactionData.actionCode: is missing")
    })?;
    let amount = amount(tx.transaction_amount.as_ref(), "transactionData.transactionAmount")?;
    let effective_date =
        effective_date(tx.effective_date.as_ref(), "transactionData.effectiveDate")?;
    let plan_number = schema.plan_number.filter(|plan| *plan > 0).ok_or_else(|| {
        vpl(Vpl::PlanRequired, "field transactionData.planNumber: is missing or zero")
    })?;
    let card_number = schema
        .card_number
        .ok_or_else(|| vpl(Vpl::CardRequired, "field transactionData.cardNumber: is missing"))?;
    let card_sequence = schema.card_sequence.ok_or_else(|| {
        vpl(Vpl::CardSequenceRequired, "field transactionData.cardSequence: is missing")
    })?;
    let resolution_reference_number =
        filled(schema.resolution_reference_number).ok_or_else(|| {
            vpl(
                Vpl::ResolutionRefRequired,
                "field transactionData.resolutionReferenceNumber: is missing",
            )
        })?;
    let reference_number = filled(schema.reference_number).ok_or_else(|| {
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
        plan_sequence: u32_of(schema.plan_sequence),
        store_number: u32_of(schema.store_number),
        reference_number,
        resolution_reference_number,
        update_open_to_buy: schema.update_open_to_buy,
        description: schema.description,
        authorization_code: schema.authorization_code.unwrap_or_default(),
        department_code: schema.department_code.unwrap_or_default(),
        insurance_code: Cow::Borrowed(""),
        wallet_id: None,
    })
}

/// L8V2 `foreignUse`: blank or `0` (local); `1` asks for a foreign account, which the mock has
/// none of.
fn foreign_use(value: Option<&str>) -> Result<(), Refused> {
    match value.map(str::trim) {
        None | Some("" | "0") => Ok(()),
        Some("1") => Err(vpl(
            Vpl::AccountNotFound,
            "field foreignUse: 1 asks for the foreign account; mock accounts are local only",
        )),
        Some(other) => {
            Err(vpl(Vpl::ForeignUseInvalid, format!("field foreignUse: {other:?} is not 0 or 1")))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PUT /account/v2/balance

/// What the v2 schema pass read, filled step by step.
#[derive(Default)]
struct V2Schema<'a> {
    representative_id: Option<Cow<'a, str>>,
    is_foreign: Option<bool>,
    account_number: Option<Cow<'a, str>>,
    account_org: Option<i64>,
    action_code: Option<Cow<'a, str>>,
    authorization_code: Cow<'a, str>,
    department_code: Cow<'a, str>,
    update_open_to_buy: bool,
    reference_number: Option<i64>,
    store_number: i64,
    wallet_id: Cow<'a, str>,
    plan_number: Option<i64>,
    plan_sequence: Option<i64>,
    card_number: Option<Cow<'a, str>>,
    card_sequence: Option<i64>,
    insurance_code: Option<Cow<'a, str>>,
    description: Option<Cow<'a, str>>,
    resolution_reference_number: Option<Cow<'a, str>>,
}

/// `PurchaseAndCashAdvanceRequest` → a cash command.
pub(crate) fn cash_v2<'a>(
    wire: &wire::PurchaseAndCashAdvanceRequest<'a>,
) -> Result<CashCommand<'a>, Refused> {
    let empty = wire::PurchaseTransactionData::default();
    let tx = wire.transaction_data.as_deref().unwrap_or(&empty);
    let mut schema = V2Schema::default();
    v2_head(wire, tx, &mut schema)?;
    v2_transaction(tx, &mut schema)?;
    v2_tail(wire, tx)?;
    v2_edits(wire, tx, schema)
}

/// The v2 schema pass (400), first part: the request's head, the account, priority, referral,
/// and the transaction's codes.
fn v2_head<'a>(
    wire: &wire::PurchaseAndCashAdvanceRequest<'a>,
    tx: &wire::PurchaseTransactionData<'a>,
    schema: &mut V2Schema<'a>,
) -> Result<(), Refused> {
    let empty = wire::PurchaseAccountData::default();
    let account = wire.account_data.as_deref().unwrap_or(&empty);
    schema.representative_id =
        text(wire.representative_id.as_ref(), "representativeId", 3).map_err(bad)?;
    schema.is_foreign = boolean(wire.is_foreign.as_ref(), "isForeign").map_err(bad)?;
    schema.account_number = account_number_shape(account.number.as_ref(), "accountData.number")?;
    schema.account_org =
        integer(account.organization_number.as_ref(), "accountData.organizationNumber", 3)
            .map_err(bad)?;
    let priority = integer(wire.action_code_priority.as_ref(), "actionCodePriority", 1)
        .map_err(bad)?
        .ok_or_else(|| bad("field actionCodePriority: is required"))?;
    if !(0..=3).contains(&priority) {
        return Err(bad(format!("field actionCodePriority: {priority} is not 0-3")));
    }
    if boolean(wire.has_referral.as_ref(), "hasReferral").map_err(bad)? == Some(true) {
        let empty = wire::ReferralRepresentation::default();
        let referral = wire.referral_representation.as_deref().unwrap_or(&empty);
        integer(referral.organization.as_ref(), "referralRepresentation.organization", 3)
            .map_err(bad)?
            .ok_or_else(|| {
                bad("field referralRepresentation.organization: is required when hasReferral is \
                     true")
            })?;
        required_text(referral.id.as_ref(), "referralRepresentation.id", 1..=3)?;
    }
    let action_code =
        text(tx.action_code.as_ref(), "transactionData.actionCode", 4).map_err(bad)?;
    if let Some(code) = filled(action_code.clone())
        && code.chars().count() != 4
    {
        return Err(bad(format!("field {TX}.actionCode: must be exactly 4 characters")));
    }
    schema.action_code = action_code;
    schema.authorization_code =
        required_text(tx.authorization_code.as_ref(), "transactionData.authorizationCode", 6..=6)?;
    schema.department_code =
        required_text(tx.department_code.as_ref(), "transactionData.departmentCode", 1..=4)?;
    Ok(())
}

/// The v2 schema pass, second part: the transaction's flags, numbers and texts.
fn v2_transaction<'a>(
    tx: &wire::PurchaseTransactionData<'a>,
    schema: &mut V2Schema<'a>,
) -> Result<(), Refused> {
    schema.update_open_to_buy = boolean(
        tx.open_to_buy_update_indicator.as_ref(),
        "transactionData.openToBuyUpdateIndicator",
    )
    .map_err(bad)?
    .ok_or_else(|| bad(format!("field {TX}.openToBuyUpdateIndicator: is required")))?;
    required_text(
        tx.purchase_order_number.as_ref(),
        "transactionData.purchaseOrderNumber",
        1..=16,
    )?;
    schema.reference_number =
        integer(tx.reference_number.as_ref(), "transactionData.referenceNumber", 12)
            .map_err(bad)?;
    required_text(tx.sales_clerk.as_ref(), "transactionData.salesClerk", 1..=12)?;
    integer(tx.stock_keeping_unit_number.as_ref(), "transactionData.stockKeepingUnitNumber", 9)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.stockKeepingUnitNumber: is required")))?;
    schema.store_number = integer(tx.store_number.as_ref(), "transactionData.storeNumber", 9)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("field {TX}.storeNumber: is required")))?;
    required_text(tx.ticket_number.as_ref(), "transactionData.ticketNumber", 1..=15)?;
    schema.wallet_id = required_text(tx.wallet_id.as_ref(), "transactionData.walletId", 1..=3)?;
    schema.plan_number =
        integer(tx.plan_number.as_ref(), "transactionData.planNumber", 5).map_err(bad)?;
    schema.plan_sequence =
        integer(tx.plan_sequence.as_ref(), "transactionData.planSequence", 2).map_err(bad)?;
    if let Some(letter) = &tx.letter_information {
        text(letter.code.as_ref(), "transactionData.letterInformation.code", 3).map_err(bad)?;
        text(letter.organization.as_ref(), "transactionData.letterInformation.organization", 3)
            .map_err(bad)?;
    }
    schema.card_number = card_number_shape(tx.card_number.as_ref(), "transactionData.cardNumber")?;
    schema.card_sequence =
        integer(tx.card_sequence.as_ref(), "transactionData.cardSequence", 4).map_err(bad)?;
    schema.insurance_code =
        text(tx.insurance_code.as_ref(), "transactionData.insuranceCode", 2).map_err(bad)?;
    integer(tx.installment_number.as_ref(), "transactionData.installmentNumber", 2).map_err(bad)?;
    schema.description =
        text(tx.description.as_ref(), "transactionData.description", 40).map_err(bad)?;
    schema.resolution_reference_number = text(
        tx.resolution_reference_number.as_ref(),
        "transactionData.resolutionReferenceNumber",
        14,
    )
    .map_err(bad)?;
    Ok(())
}

/// The v2 schema pass, last part: flags that change nothing, fraud data and memo lines.
fn v2_tail(
    wire: &wire::PurchaseAndCashAdvanceRequest<'_>,
    tx: &wire::PurchaseTransactionData<'_>,
) -> Result<(), Refused> {
    boolean(tx.is_reversed_memo.as_ref(), "transactionData.isReversedMemo").map_err(bad)?;
    boolean(tx.monetary_supress.as_ref(), "transactionData.monetarySupress").map_err(bad)?;
    boolean(tx.account_level_by_pass.as_ref(), "transactionData.accountLevelByPass")
        .map_err(bad)?;
    if let Some(fraud) = &wire.fraud_prevention_data {
        let fields = [
            (&fraud.identifier, "fraudPreventionData.identifier", 4),
            (&fraud.key_tracing, "fraudPreventionData.keyTracing", 30),
            (&fraud.payment_description, "fraudPreventionData.paymentDescription", 20),
            (&fraud.card_label_id, "fraudPreventionData.cardLabelId", 22),
        ];
        for (value, name, chars_max) in fields {
            text(value.as_ref(), name, chars_max).map_err(bad)?;
        }
    }
    if let Some(meta) = &wire.meta_data {
        for (idx, line) in meta.memo_line.iter().flatten().enumerate() {
            integer(line.id.as_ref(), &format!("metaData.memoLine[{idx}].id"), 2).map_err(bad)?;
            text(line.value.as_ref(), &format!("metaData.memoLine[{idx}].value"), 60)
                .map_err(bad)?;
        }
    }
    Ok(())
}

/// The v2 VisionPLUS edits (422).
fn v2_edits<'a>(
    wire: &wire::PurchaseAndCashAdvanceRequest<'a>,
    tx: &wire::PurchaseTransactionData<'a>,
    schema: V2Schema<'a>,
) -> Result<CashCommand<'a>, Refused> {
    let asm_org = organization(wire.organization_number.as_ref(), "organizationNumber")?;
    let representative_id = filled(schema.representative_id)
        .ok_or_else(|| vpl(Vpl::RepBlank, "field representativeId: is blank"))?;
    if schema.is_foreign == Some(true) {
        return Err(vpl(
            Vpl::AccountNotFound,
            "field isForeign: true asks for the foreign account; mock accounts are local only",
        ));
    }
    let account_number = schema.account_number.ok_or_else(|| {
        vpl(Vpl::AccountRequired, "field accountData.number: is missing or blank")
    })?;
    let action_code = filled(schema.action_code).ok_or_else(|| {
        vpl(Vpl::ActionCodeRequired, "field transactionData.actionCode: is missing")
    })?;
    let amount = amount(tx.transaction_amount.as_ref(), "transactionData.transactionAmount")?;
    let effective_date =
        effective_date(tx.effective_date.as_ref(), "transactionData.effectiveDate")?;
    let reference_number =
        schema.reference_number.filter(|reference| *reference > 0).ok_or_else(|| {
            vpl(Vpl::ReferenceBlank, "field transactionData.referenceNumber: is missing")
        })?;
    v2_flags(tx)?;
    Ok(CashCommand {
        version: Version::V2,
        asm_org,
        representative_id,
        account_org: schema.account_org.map(|org| u16::try_from(org).unwrap_or(u16::MAX)),
        account_number,
        card_number: schema.card_number,
        card_sequence: schema.card_sequence.map_or(0, u32_of),
        action_code,
        effective_date,
        amount,
        plan_number: schema.plan_number.map_or(0, u32_of),
        plan_sequence: schema.plan_sequence.map_or(0, u32_of),
        store_number: u32_of(schema.store_number),
        reference_number: Cow::Owned(reference_number.to_string()),
        resolution_reference_number: schema.resolution_reference_number.unwrap_or_default(),
        update_open_to_buy: schema.update_open_to_buy,
        description: schema.description.unwrap_or_default(),
        authorization_code: schema.authorization_code,
        department_code: schema.department_code,
        insurance_code: schema.insurance_code.unwrap_or_default(),
        wallet_id: Some(schema.wallet_id),
    })
}

/// The v2 flags VisionPLUS edits with codes of their own (`VPJ8SMA01S`–`03S`).
fn v2_flags(tx: &wire::PurchaseTransactionData<'_>) -> Result<(), Refused> {
    let flags = [
        (&tx.is_open_to_buy, Vpl::OtbCheckFlagInvalid, "transactionData.isOpenToBuy"),
        (
            &tx.ecommerce_transaction_limits_indicator,
            Vpl::EcommerceFlagInvalid,
            "transactionData.ecommerceTransactionLimitsIndicator",
        ),
        (
            &tx.payment_accept_indicator,
            Vpl::PaymentFlagInvalid,
            "transactionData.paymentAcceptIndicator",
        ),
    ];
    for (value, code, field) in flags {
        if boolean(value.as_ref(), field).is_err() {
            return Err(vpl(code, format!("field {field}: must be true or false")));
        }
    }
    Ok(())
}
