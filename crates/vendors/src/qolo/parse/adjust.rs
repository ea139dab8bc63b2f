//! AdjustBalance: the request body typed member by member, every problem found and named at
//! once, then the account it names and the amount's scale for the currency.

use std::borrow::Cow;
use std::cell::Cell;

use ledger::{AMOUNT_MAX, Currency, MoneyError};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::body::{self, Problems};
use super::{CODE_CHARS_MAX, DESCRIPTION_CHARS_MAX, MEMO_CODE_CHARS_MAX, REFERENCE_CHARS_MAX};
use crate::common::json::Field;
use crate::common::json::scan::Scan;
use crate::qolo::errors::{self, Failure};
use crate::qolo::wire::request::{AccountRequest, AdjustBalanceRequest, Nested};

/// Which way an adjustment moves the account's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Credit,
    Debit,
}

/// The direction a request code implies, or why it implies none.
///
/// Qolo's list of AdjustBalance codes is not public. We follow its published prefixes
/// (`LT-ACH_IN`: load → credit, `UT-ACH_OUT`: unload → debit, …). Adjustments (`AT-`) take their
/// direction from the name's ending (`_CR`/`_IN` credit, `_DR`/`_OUT` debit) and adjustment
/// reversals (`AR-`) the opposite one; `NT-` codes are non-monetary.
pub(crate) fn request_code_direction(code: &str) -> Result<Direction, &'static str> {
    let Some((prefix, name)) = code.split_once('-') else {
        return Err("is not of the form XX-NAME (e.g. LT-ACH_IN, AT-ADJ_CR)");
    };
    let name_ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_/".contains(&b));
    if !name_ok {
        return Err("has a name that is not upper-case letters, digits, '_' or '/'");
    }
    let by_suffix = || {
        if name.ends_with("_CR") || name.ends_with("_IN") {
            Ok(Direction::Credit)
        } else if name.ends_with("_DR") || name.ends_with("_OUT") {
            Ok(Direction::Debit)
        } else {
            Err("is an adjustment code whose name does not end in _CR, _IN, _DR or _OUT")
        }
    };
    match prefix {
        "LT" | "LA" | "UR" | "FR" | "FU" | "FL" => Ok(Direction::Credit),
        "LR" | "UT" | "ST" | "FT" | "FC" => Ok(Direction::Debit),
        "AT" => by_suffix(),
        "AR" => by_suffix().map(|direction| match direction {
            Direction::Credit => Direction::Debit,
            Direction::Debit => Direction::Credit,
        }),
        "NT" => Err("is a non-monetary code"),
        _ => Err("has an unknown prefix (LT, LA, LR, UT, UR, ST, FT, FR, FC, FU, FL, AT, AR)"),
    }
}

/// How the request names the account to adjust, in precedence order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// `account_guid`.
    AccountGuid(Uuid),
    /// `card_proxy`: the account of the card's wallet in the request's currency.
    CardProxy(Cow<'a, str>),
    /// `account.account_guid`.
    AccountObject(Uuid),
}

/// The request members AdjustBalance echoes and keeps with the transaction, borrowed from the
/// body unless they had escapes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Echo<'a> {
    pub(crate) client_reference_id: Option<Cow<'a, str>>,
    pub(crate) description: Option<Cow<'a, str>>,
    pub(crate) memo_code: Option<Cow<'a, str>>,
    pub(crate) card_proxy: Option<Cow<'a, str>>,
    pub(crate) user_guid: Option<Uuid>,
    pub(crate) source_code: Option<Cow<'a, str>>,
    pub(crate) wire_date: Option<Cow<'a, str>>,
}

/// A parsed AdjustBalance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Adjustment<'a> {
    pub(crate) request_code: Cow<'a, str>,
    pub(crate) direction: Direction,
    /// Positive, in major units, within the currency's scale.
    pub(crate) amount: Decimal,
    pub(crate) currency: Currency,
    pub(crate) target: Target<'a>,
    pub(crate) echo: Echo<'a>,
}

/// Parses an AdjustBalance body. Every member is checked and every problem reported at once;
/// then the target account and the amount's scale for the currency.
pub(crate) fn adjust_balance(body: &[u8]) -> Result<Adjustment<'_>, Failure> {
    let sent = match flat_unchecked(body) {
        Some(sent) => sent,
        None => body::read_with(body, "AdjustBalanceRequest", flat)?,
    };
    let mut problems = Problems::default();
    if !sent.unknown.0.is_empty() {
        problems.unknown(&sent.unknown.0, "", "AdjustBalanceRequest");
    }
    let client_reference_id =
        problems.string(sent.client_reference_id, "", "client_reference_id", REFERENCE_CHARS_MAX);
    let request_code = request_code(sent.request_code, &mut problems);
    let amount = amount(sent.amount.as_ref(), &mut problems);
    let currency = currency(sent.currency.as_ref(), &mut problems);
    let description = problems.string(sent.description, "", "description", DESCRIPTION_CHARS_MAX);
    let memo_code = problems.string(sent.memo_code, "", "memo_code", MEMO_CODE_CHARS_MAX);
    let account_guid = problems.guid(sent.account_guid.as_ref(), "", "account_guid", true);
    let wire_date = problems.date_time(sent.wire_date, "", "wire_date");
    let card_proxy = problems.string(sent.card_proxy, "", "card_proxy", REFERENCE_CHARS_MAX);
    let account_object_guid = match &sent.account {
        None | Some(Nested::Other(Field::Null)) => None,
        Some(Nested::Object(account)) => account_object(account, &mut problems),
        Some(Nested::Other(_)) => {
            problems.not_convertible("account", "Account");
            None
        }
    };
    let user_guid = problems.guid(sent.user_guid.as_ref(), "", "user_guid", false);
    let source_code = problems.string(sent.source_code, "", "source_code", CODE_CHARS_MAX);
    let target = target(account_guid, card_proxy.as_ref(), account_object_guid, &mut problems);
    if let (Some(amount), Some(currency)) = (amount, currency)
        && !currency.fits_scale(amount)
    {
        problems.add(
            "amount",
            format!(
                "The field amount has more decimal places than {} allows ({}).",
                currency.code(),
                currency.exponent()
            ),
        );
    }
    problems.into_result()?;
    let echo = Echo {
        client_reference_id,
        description,
        memo_code,
        card_proxy,
        user_guid,
        source_code,
        wire_date,
    };
    match (request_code, amount, currency, target) {
        (Some((request_code, direction)), Some(amount), Some(currency), Some(target)) => {
            Ok(Adjustment { request_code, direction, amount, currency, target, echo })
        }
        _ => Err(errors::internal("AdjustBalance: parsed without a value")),
    }
}

/// The request read without serde when it is a flat object, as nearly every one is.
pub(crate) fn flat(text: &str) -> Option<AdjustBalanceRequest<'_>> {
    read_flat(Scan::new(text))
}

/// [`flat`] of a body nobody checked yet, by one walk as strict as the check; `None` also for
/// a body with an escape, an unknown member or `account`, which take the checked path.
pub(crate) fn flat_unchecked(body: &[u8]) -> Option<AdjustBalanceRequest<'_>> {
    read_flat(Scan::unchecked(body)?)
}

fn read_flat(mut scan: Scan<'_>) -> Option<AdjustBalanceRequest<'_>> {
    let mut sent = AdjustBalanceRequest::default();
    scan.members(|scan, name| {
        let value = scan.field()?;
        // Nested values are serde's: the `account` object's members are type-checked there.
        if matches!(value, Field::Object | Field::Array) {
            return None;
        }
        Some(sent.set(name, value))
    })?;
    scan.finished().then_some(sent)
}

/// `request_code` and its direction.
fn request_code<'a>(
    field: Option<Field<'a>>,
    problems: &mut Problems,
) -> Option<(Cow<'a, str>, Direction)> {
    match field {
        None | Some(Field::Null) => {
            problems.add("request_code", "The request_code field is required.");
            None
        }
        Some(Field::String(code)) if code.is_empty() => {
            problems.add("request_code", "The request_code field is required.");
            None
        }
        Some(Field::String(code)) if code.chars().count() > CODE_CHARS_MAX => {
            problems.add(
                "request_code",
                format!(
                    "The field request_code must be a string with a maximum length of \
                     {CODE_CHARS_MAX}."
                ),
            );
            None
        }
        Some(Field::String(code)) => match request_code_direction(&code) {
            Ok(direction) => Some((code, direction)),
            Err(why) => {
                problems.add(
                    "request_code",
                    format!(
                        "The request_code '{code}' is not valid for balance adjustment: it {why}."
                    ),
                );
                None
            }
        },
        Some(_) => {
            problems.not_convertible("request_code", "System.String");
            None
        }
    }
}

/// `amount`: positive, at most [`AMOUNT_MAX`], from the number's exact text.
fn amount(field: Option<&Field<'_>>, problems: &mut Problems) -> Option<Decimal> {
    let number = match field {
        None => {
            problems.add("amount", "The amount field is required.");
            return None;
        }
        Some(Field::Number(number)) => number,
        Some(_) => {
            problems.not_convertible("amount", "System.Double");
            return None;
        }
    };
    match ledger::parse_decimal(number) {
        Ok(amount) if amount <= Decimal::ZERO => problems.add(
            "amount",
            "The field amount must be greater than 0; the request_code decides whether the \
             balance is credited or debited.",
        ),
        Ok(amount) if amount > AMOUNT_MAX => problems
            .add("amount", format!("The field amount must not be greater than {AMOUNT_MAX}.")),
        Ok(amount) => return Some(amount),
        Err(MoneyError::OutOfRange) => {
            problems.add("amount", "The field amount has too many digits.");
        }
        Err(_) => {
            problems
                .add("amount", "The field amount must be a plain decimal number (no exponent).");
        }
    }
    None
}

/// `currency`: an ISO 4217 alphabetic code.
fn currency(field: Option<&Field<'_>>, problems: &mut Problems) -> Option<Currency> {
    match field {
        None | Some(Field::Null) => {
            problems.add("currency", "The currency field is required.");
            None
        }
        Some(Field::String(code)) if code.chars().count() != 3 => {
            problems.add(
                "currency",
                "The field currency must be a string with a minimum length of 3 and a maximum \
                 length of 3.",
            );
            None
        }
        Some(Field::String(code)) => {
            let currency = currency_of(code);
            if currency.is_none() {
                problems.add(
                    "currency",
                    format!("The currency '{code}' is not an ISO 4217 alphabetic code."),
                );
            }
            currency
        }
        Some(_) => {
            problems.not_convertible("currency", "System.String");
            None
        }
    }
}

thread_local! {
    /// The currency last looked up on this thread: a client nearly always sends the same one,
    /// and comparing three bytes is cheaper than searching the ISO table.
    static LAST_CURRENCY: Cell<Option<Currency>> = const { Cell::new(None) };
}

/// [`Currency::from_code`], answered from [`LAST_CURRENCY`] when it is that code.
pub(crate) fn currency_of(code: &str) -> Option<Currency> {
    if let Some(last) = LAST_CURRENCY.get()
        && last.code() == code
    {
        return Some(last);
    }
    let currency = Currency::from_code(code)?;
    LAST_CURRENCY.set(Some(currency));
    Some(currency)
}

/// The account the request names: `account_guid`, else `card_proxy`, else the `account`
/// object's `account_guid`.
fn target<'a>(
    account_guid: Option<Uuid>,
    card_proxy: Option<&Cow<'a, str>>,
    account_object_guid: Option<Uuid>,
    problems: &mut Problems,
) -> Option<Target<'a>> {
    match (account_guid, card_proxy, account_object_guid) {
        (Some(guid), _, _) => Some(Target::AccountGuid(guid)),
        (None, Some(proxy), _) if !proxy.is_empty() => Some(Target::CardProxy(proxy.clone())),
        (None, _, Some(guid)) => Some(Target::AccountObject(guid)),
        _ => {
            if !problems.names("account_guid") {
                problems.add(
                    "account_guid",
                    "One of account_guid, card_proxy or account.account_guid is required.",
                );
            }
            None
        }
    }
}

/// How each member of the `Account` object is checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Guid,
    String(usize),
    Number,
    DateTime,
}

/// Checks the `Account` object's members and returns its `account_guid`, the one member read.
fn account_object(account: &AccountRequest<'_>, problems: &mut Problems) -> Option<Uuid> {
    if !account.unknown.0.is_empty() {
        problems.unknown(&account.unknown.0, "account.", "Account");
    }
    let mut account_guid = None;
    for (name, kind, field) in account_members(account) {
        match kind {
            Kind::Guid => {
                let guid = problems.guid(field, "account.", name, true);
                if name == "account_guid" {
                    account_guid = guid;
                }
            }
            Kind::String(max) => {
                problems.string(field.cloned(), "account.", name, max);
            }
            Kind::Number => problems.number(field, "account.", name),
            Kind::DateTime => {
                problems.date_time(field.cloned(), "account.", name);
            }
        }
    }
    account_guid
}

/// The `Account` object's members in the schema's order, with their kinds.
fn account_members<'r, 'a>(
    a: &'r AccountRequest<'a>,
) -> [(&'static str, Kind, Option<&'r Field<'a>>); 24] {
    [
        ("account_guid", Kind::Guid, a.account_guid.as_ref()),
        ("wallet_guid", Kind::Guid, a.wallet_guid.as_ref()),
        ("account_type", Kind::String(20), a.account_type.as_ref()),
        ("account_name", Kind::String(24), a.account_name.as_ref()),
        ("account_currency", Kind::String(3), a.account_currency.as_ref()),
        ("available_balance", Kind::Number, a.available_balance.as_ref()),
        ("ledger_balance", Kind::Number, a.ledger_balance.as_ref()),
        ("suspense_balance", Kind::Number, a.suspense_balance.as_ref()),
        ("starting_balance_date", Kind::DateTime, a.starting_balance_date.as_ref()),
        ("starting_balance_amount", Kind::Number, a.starting_balance_amount.as_ref()),
        ("last_credit_date", Kind::DateTime, a.last_credit_date.as_ref()),
        ("last_credit_amount", Kind::Number, a.last_credit_amount.as_ref()),
        ("first_debit_date", Kind::DateTime, a.first_debit_date.as_ref()),
        ("first_debit_amount", Kind::Number, a.first_debit_amount.as_ref()),
        ("last_debit_date", Kind::DateTime, a.last_debit_date.as_ref()),
        ("last_debit_amount", Kind::Number, a.last_debit_amount.as_ref()),
        ("account_status", Kind::String(8), a.account_status.as_ref()),
        ("account_status_date", Kind::DateTime, a.account_status_date.as_ref()),
        ("holder_account_status", Kind::String(8), a.holder_account_status.as_ref()),
        ("holder_account_status_date", Kind::DateTime, a.holder_account_status_date.as_ref()),
        ("sys_utcinserted", Kind::DateTime, a.sys_utcinserted.as_ref()),
        ("sys_utcupdated", Kind::DateTime, a.sys_utcupdated.as_ref()),
        ("last_txn_guid", Kind::Guid, a.last_txn_guid.as_ref()),
        ("interest_rate_strategy", Kind::String(64), a.interest_rate_strategy.as_ref()),
    ]
}
