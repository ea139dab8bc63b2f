//! From AMLYZE's wire bodies to checked commands: the media type and JSON are read the way
//! Spring reads them, then each field is validated in a fixed order and the first failure is
//! AMLYZE's rejection. Nothing here touches state.

pub(crate) mod body;
pub(crate) mod decimal;

use ledger::Currency;
use rust_decimal::Decimal;

use super::errors::{self, Failure, Rejection};
use super::state::{AccountStatus, BalanceType, EntityType};
use super::wire::datetime::DateTime;
use super::wire::{
    AccountBalanceApi, AmlyzeAccountApi, AmlyzeCustomerApi, JavaBoolean, JavaDateTime, JavaDecimal,
    JavaString,
};

/// The business unit of a request that names none: single-organisation tenants use this one,
/// the unit of the spec's example.
pub(crate) const DEFAULT_BUSINESS_UNIT: &str = "sandbox";

/// `communicationNumber`'s maximum length (the account and customer schemas' `maxLength`).
const COMMUNICATION_NUMBER_CHARS_MAX: usize = 255;
/// `requester`'s maximum length (`maxLength: 100` in the balance schema).
const REQUESTER_CHARS_MAX: usize = 100;
/// Every other text field's maximum length (the older field tables' 255).
const TEXT_CHARS_MAX: usize = 255;
/// Largest absolute balance accepted: 10^20, the ledger's own bound for any balance, so a
/// snapshot value could always be compared with a ledger balance exactly.
const VALUE_ABS_MAX: Decimal = ledger::BALANCE_ABS_MAX;

/// A checked balance registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceCommand<'a> {
    pub(crate) communication_number: &'a str,
    pub(crate) requester: &'a str,
    pub(crate) account_ext_id: &'a str,
    /// The request's unit, or [`DEFAULT_BUSINESS_UNIT`].
    pub(crate) business_unit: &'a str,
    pub(crate) balance_type: Option<BalanceType>,
    pub(crate) balance_at: DateTime,
    pub(crate) balance_at_text: &'a str,
    pub(crate) value: Decimal,
    pub(crate) equivalent_value: Option<Decimal>,
}

/// Checks one `AccountBalanceApi`, in this order: `communicationNumber`, `requester`,
/// `accountExtId`, `businessUnit`, `balanceAt`, `value`, `equivalentValue`, `balanceType`.
pub(crate) fn balance<'a>(body: &'a AccountBalanceApi<'_>) -> Result<BalanceCommand<'a>, Failure> {
    let communication_number = communication_number(&body.communication_number)?;
    let requester = requester(&body.requester)?;
    let account_ext_id =
        required(&body.account_ext_id, "accountExtId", TEXT_CHARS_MAX, Rejection::ExtIdMandatory)?;
    let business_unit = business_unit(&body.business_unit)?;
    let (balance_at, balance_at_text) = match &body.balance_at {
        Some(JavaDateTime::At { at, text }) => (*at, &**text),
        Some(JavaDateTime::Blank) | None => {
            return Err(missing("balanceAt", Rejection::BalanceAtMandatory));
        }
    };
    let value = match amount(&body.value, "value")? {
        Some(value) => value,
        None => return Err(missing("value", Rejection::ValueMandatory)),
    };
    let equivalent_value = amount(&body.equivalent_value, "equivalentValue")?;
    let balance_type = match optional(&body.balance_type, "balanceType", TEXT_CHARS_MAX)? {
        None => None,
        Some(text) => Some(BalanceType::parse(text).ok_or_else(|| {
            errors::rejected(
                Rejection::BalanceTypeUnknown,
                format!(
                    "field balanceType: {text:?} is not in the classifier (DAILY_BALANCE, \
                     STATEMENT_BALANCE)"
                ),
            )
        })?),
    };
    Ok(BalanceCommand {
        communication_number,
        requester,
        account_ext_id,
        business_unit,
        balance_type,
        balance_at,
        balance_at_text,
        value,
        equivalent_value,
    })
}

/// `CREATE` or `UPDATE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Update,
}

/// A checked account registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountCommand<'a> {
    pub(crate) communication_number: &'a str,
    pub(crate) business_unit: &'a str,
    pub(crate) action: Action,
    pub(crate) customer_ext_id: &'a str,
    pub(crate) account_ext_id: &'a str,
    pub(crate) account_number: &'a str,
    pub(crate) status: AccountStatus,
    pub(crate) currency: Currency,
    pub(crate) opening_date: DateTime,
}

/// Checks one `AmlyzeAccountApi`, in this order: `communicationNumber`, `requester`,
/// `businessUnit`, `action`, `businessEntityExtId`, `accountExtId`, `accountNumber`,
/// `accountStatus`, `currencyCode`, `openingDate`, `closingDate`, `bic`, other texts.
pub(crate) fn account<'a>(body: &'a AmlyzeAccountApi<'_>) -> Result<AccountCommand<'a>, Failure> {
    let communication_number = communication_number(&body.communication_number)?;
    requester(&body.requester)?;
    let business_unit = business_unit(&body.business_unit)?;
    let action = action(&body.action)?;
    let customer_ext_id = required(
        &body.business_entity_ext_id,
        "businessEntityExtId",
        TEXT_CHARS_MAX,
        Rejection::BusinessEntityExtIdMandatory,
    )?;
    let account_ext_id = required(
        &body.account_ext_id,
        "accountExtId",
        TEXT_CHARS_MAX,
        Rejection::AccountExtIdMandatory,
    )?;
    let account_number = required(
        &body.account_number,
        "accountNumber",
        TEXT_CHARS_MAX,
        Rejection::AccountNumberMandatory,
    )?;
    let status = match present(&body.account_status) {
        None => return Err(missing("accountStatus", Rejection::AccountStatusInvalid)),
        Some(text) => AccountStatus::parse(text).ok_or_else(|| {
            errors::rejected(
                Rejection::AccountStatusInvalid,
                format!("field accountStatus: {text:?} is not ACTIVE, SUSPENDED or CLOSED"),
            )
        })?,
    };
    let currency = match present(&body.currency_code) {
        None => return Err(missing("currencyCode", Rejection::CurrencyUnknown)),
        Some(code) => Currency::from_code(code).ok_or_else(|| {
            errors::rejected(
                Rejection::CurrencyUnknown,
                format!("field currencyCode: {code:?} is not an active ISO 4217 code"),
            )
        })?,
    };
    let opening_date = match &body.opening_date {
        Some(JavaDateTime::At { at, .. }) => *at,
        Some(JavaDateTime::Blank) | None => {
            return Err(missing("openingDate", Rejection::OpeningDateMandatory));
        }
    };
    let has_closing_date = matches!(body.closing_date, Some(JavaDateTime::At { .. }));
    if status == AccountStatus::Closed && !has_closing_date {
        return Err(errors::rejected(
            Rejection::ClosingDateRequired,
            "field closingDate: required when accountStatus is CLOSED",
        ));
    }
    if status != AccountStatus::Closed && has_closing_date {
        return Err(errors::rejected(
            Rejection::ClosingDateNotAllowed,
            format!("field closingDate: not allowed when accountStatus is {}", status.as_str()),
        ));
    }
    let other_institution = matches!(body.is_other_fin_inst_account, Some(JavaBoolean(Some(true))));
    let bic = optional(&body.bic, "bic", TEXT_CHARS_MAX)?;
    if other_institution && bic.is_none() {
        return Err(errors::rejected(
            Rejection::BicMandatory,
            "field bic: required when isOtherFinInstAccount is true",
        ));
    }
    optional(&body.bank_title, "bankTitle", TEXT_CHARS_MAX)?;
    optional(&body.account_purpose, "accountPurpose", TEXT_CHARS_MAX)?;
    optional(&body.account_type, "accountType", TEXT_CHARS_MAX)?;
    Ok(AccountCommand {
        communication_number,
        business_unit,
        action,
        customer_ext_id,
        account_ext_id,
        account_number,
        status,
        currency,
        opening_date,
    })
}

/// A checked customer registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerCommand<'a> {
    pub(crate) communication_number: &'a str,
    pub(crate) business_unit: &'a str,
    pub(crate) customer_ext_id: &'a str,
    pub(crate) entity_type: Option<EntityType>,
}

/// Checks one `AmlyzeCustomerApi`, in this order: `communicationNumber`, `requester`,
/// `businessUnit`, `action`, `customerExtId`, `applicationDate`, then the enumerated fields
/// (`entityType`, `customerStatus`, `sourceOfRiskLevel`, `riskLevel`) when present.
pub(crate) fn customer<'a>(
    body: &'a AmlyzeCustomerApi<'_>,
) -> Result<CustomerCommand<'a>, Failure> {
    let communication_number = communication_number(&body.communication_number)?;
    requester(&body.requester)?;
    let business_unit = business_unit(&body.business_unit)?;
    action(&body.action)?;
    let customer_ext_id = required(
        &body.customer_ext_id,
        "customerExtId",
        TEXT_CHARS_MAX,
        Rejection::CustomerExtIdMandatory,
    )?;
    if !matches!(body.application_date, Some(JavaDateTime::At { .. })) {
        return Err(missing("applicationDate", Rejection::ApplicationDateMandatory));
    }
    let entity_type = match present(&body.entity_type) {
        None => None,
        Some(text) => Some(
            EntityType::parse(text)
                .ok_or_else(|| invalid_value("entityType", text, "INDIVIDUAL, ORGANIZATION"))?,
        ),
    };
    one_of(
        &body.customer_status,
        "customerStatus",
        &["PENDING", "ACTIVE", "REJECTED", "SUSPENDED", "CLOSED"],
    )?;
    one_of(&body.source_of_risk_level, "sourceOfRiskLevel", &["EVALUATE", "IMPORT"])?;
    one_of(&body.risk_level, "riskLevel", &["NONE", "LOW", "MEDIUM", "HIGH", "EXTREME"])?;
    optional(&body.risk_management_category, "riskManagementCategory", TEXT_CHARS_MAX)?;
    Ok(CustomerCommand { communication_number, business_unit, customer_ext_id, entity_type })
}

/// The field's text unless it is absent or blank (Java `StringUtils.isBlank`).
fn present<'a>(field: &'a Option<JavaString<'_>>) -> Option<&'a str> {
    field.as_ref().map(JavaString::as_str).filter(|s| !s.trim().is_empty())
}

fn missing(field: &str, rejection: Rejection) -> Failure {
    errors::rejected(rejection, format!("field {field}: missing or blank"))
}

fn too_long(field: &'static str, max: usize) -> Failure {
    errors::rejected(
        Rejection::TooLong { field, max },
        format!("field {field}: longer than {max} characters"),
    )
}

fn required<'a>(
    field: &'a Option<JavaString<'_>>,
    name: &'static str,
    max: usize,
    when_missing: Rejection,
) -> Result<&'a str, Failure> {
    let text = present(field).ok_or_else(|| missing(name, when_missing))?;
    if text.chars().count() > max {
        return Err(too_long(name, max));
    }
    Ok(text)
}

fn optional<'a>(
    field: &'a Option<JavaString<'_>>,
    name: &'static str,
    max: usize,
) -> Result<Option<&'a str>, Failure> {
    match present(field) {
        Some(text) if text.chars().count() > max => Err(too_long(name, max)),
        other => Ok(other),
    }
}

fn communication_number<'a>(field: &'a Option<JavaString<'_>>) -> Result<&'a str, Failure> {
    required(
        field,
        "communicationNumber",
        COMMUNICATION_NUMBER_CHARS_MAX,
        Rejection::CommunicationNumberMandatory,
    )
}

fn requester<'a>(field: &'a Option<JavaString<'_>>) -> Result<&'a str, Failure> {
    required(field, "requester", REQUESTER_CHARS_MAX, Rejection::RequesterMandatory)
}

/// The request's business unit, [`DEFAULT_BUSINESS_UNIT`] when absent; a blank one is refused.
fn business_unit<'a>(field: &'a Option<JavaString<'_>>) -> Result<&'a str, Failure> {
    match field {
        None => Ok(DEFAULT_BUSINESS_UNIT),
        Some(JavaString(text)) if text.trim().is_empty() => {
            Err(errors::rejected(Rejection::BusinessUnitMandatory, "field businessUnit: blank"))
        }
        Some(JavaString(text)) if text.chars().count() > TEXT_CHARS_MAX => {
            Err(too_long("businessUnit", TEXT_CHARS_MAX))
        }
        Some(JavaString(text)) => Ok(text),
    }
}

fn action(field: &Option<JavaString<'_>>) -> Result<Action, Failure> {
    match present(field) {
        None | Some("CREATE") => Ok(Action::Create),
        Some("UPDATE") => Ok(Action::Update),
        Some(other) => Err(errors::rejected(
            Rejection::ActionInvalid,
            format!("field action: {other:?} is not CREATE or UPDATE"),
        )),
    }
}

fn amount(field: &Option<JavaDecimal>, name: &str) -> Result<Option<Decimal>, Failure> {
    let out_of_range = || {
        errors::rejected(
            Rejection::BalanceProcessingFailed,
            format!("field {name}: beyond the balance store's range (|value| < 10^20, 28 digits)"),
        )
    };
    match field {
        None | Some(JavaDecimal::Blank) => Ok(None),
        Some(JavaDecimal::OutOfRange) => Err(out_of_range()),
        Some(JavaDecimal::Exact(value)) if value.abs() >= VALUE_ABS_MAX => Err(out_of_range()),
        Some(JavaDecimal::Exact(value)) => Ok(Some(*value)),
    }
}

fn invalid_value(field: &'static str, text: &str, allowed: &str) -> Failure {
    errors::rejected(
        Rejection::InvalidValue { field },
        format!("field {field}: {text:?} is not one of {allowed}"),
    )
}

fn one_of(
    field: &Option<JavaString<'_>>,
    name: &'static str,
    allowed: &[&str],
) -> Result<(), Failure> {
    match present(field) {
        Some(text) if !allowed.contains(&text) => {
            Err(invalid_value(name, text, &allowed.join(", ")))
        }
        _ => Ok(()),
    }
}
