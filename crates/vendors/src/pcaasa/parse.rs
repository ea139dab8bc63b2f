//! Wire parameters → typed commands: the call selector, each documented parameter's rules
//! (types, lengths, uuids, money text), and the tranCode sign rule. Pure: nothing here reads
//! state, so a request that fails here has changed nothing.

pub(crate) mod body;

use std::borrow::Cow;

use ledger::{AMOUNT_MAX, MoneyError};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::Request;
use crate::common::json::{Field, integer_text};

use crate::pcaasa::errors::{AMOUNT_DECIMALS, AMOUNT_TOO_LARGE, AMOUNT_ZERO, PcaasaError};
use crate::pcaasa::wire;

/// A call this mock serves, selected by `?call=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `session-create-v1` (invented).
    SessionCreate,
    /// `account-balance-adjust-v1` (documented).
    AccountBalanceAdjust,
    /// `account-balance-get-v1` (invented).
    AccountBalanceGet,
}

/// The routing parameters a call's body may repeat: `app`, `object`, `action`, `version`.
struct Routing {
    app: &'static str,
    object: &'static str,
    action: &'static str,
}

/// The `call` query parameter, percent-decoded; borrowed from the query unless it had escapes.
pub(crate) fn call_param(req: &Request) -> Option<Cow<'_, str>> {
    let query = req.query.as_deref()?;
    // Every call is sent this way, as the only parameter, and a served call's name has nothing
    // to decode.
    let sent = query.strip_prefix("call=");
    if let Some(call) = Call::ALL.into_iter().find(|call| sent == Some(call.name())) {
        return Some(Cow::Borrowed(call.name()));
    }
    form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "call").map(|(_, value)| value)
}

/// The call a request names, if this mock serves it.
pub(crate) fn call(req: &Request) -> Option<Call> {
    let name = call_param(req)?;
    Call::ALL.into_iter().find(|call| call.name() == name)
}

impl Call {
    /// Every call, in the order the module doc lists them.
    pub(crate) const ALL: [Call; 3] =
        [Call::AccountBalanceAdjust, Call::SessionCreate, Call::AccountBalanceGet];

    /// Its name, as in `?call=`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Call::SessionCreate => "session-create-v1",
            Call::AccountBalanceAdjust => "account-balance-adjust-v1",
            Call::AccountBalanceGet => "account-balance-get-v1",
        }
    }

    fn routing(self) -> Routing {
        match self {
            Call::SessionCreate => {
                Routing { app: "core-session", object: "session", action: "create" }
            }
            Call::AccountBalanceAdjust => {
                Routing { app: "customer-account", object: "account-balance", action: "adjust" }
            }
            Call::AccountBalanceGet => {
                Routing { app: "customer-account", object: "account-balance", action: "get" }
            }
        }
    }
}

/// The documented tranCodes (P1), in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TranCode {
    /// `CIBKLVAC`, Verification ACH Credit.
    Cibklvac,
    /// `DOBKLVAD`, Verification ACH Debit: the only debiting code.
    Dobklvad,
    /// `CIVSCCAP`, Credit ACH Payment.
    Civsccap,
    /// `CIVSCCMP`, Credit Mobile Payment.
    Civsccmp,
    /// `CIVSCCTP`, Credit Telephone Payment.
    Civscctp,
    /// `CIVSCCBP`, Credit Branch Payment.
    Civsccbp,
    /// `CIVSCCCP`, Credit Check Payment.
    Civscccp,
}

impl TranCode {
    fn parse(text: &str) -> Option<TranCode> {
        match text {
            "CIBKLVAC" => Some(TranCode::Cibklvac),
            "DOBKLVAD" => Some(TranCode::Dobklvad),
            "CIVSCCAP" => Some(TranCode::Civsccap),
            "CIVSCCMP" => Some(TranCode::Civsccmp),
            "CIVSCCTP" => Some(TranCode::Civscctp),
            "CIVSCCBP" => Some(TranCode::Civsccbp),
            "CIVSCCCP" => Some(TranCode::Civscccp),
            _ => None,
        }
    }

    /// The code as PCaaSA spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TranCode::Cibklvac => "CIBKLVAC",
            TranCode::Dobklvad => "DOBKLVAD",
            TranCode::Civsccap => "CIVSCCAP",
            TranCode::Civsccmp => "CIVSCCMP",
            TranCode::Civscctp => "CIVSCCTP",
            TranCode::Civsccbp => "CIVSCCBP",
            TranCode::Civscccp => "CIVSCCCP",
        }
    }

    /// The page's meaning, used as the transaction log's default description.
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            TranCode::Cibklvac => "Verification ACH Credit",
            TranCode::Dobklvad => "Verification ACH Debit",
            TranCode::Civsccap => "Credit ACH Payment",
            TranCode::Civsccmp => "Credit Mobile Payment",
            TranCode::Civscctp => "Credit Telephone Payment",
            TranCode::Civsccbp => "Credit Branch Payment",
            TranCode::Civscccp => "Credit Check Payment",
        }
    }

    /// Whether it raises the balance (so needs a positive amount).
    pub(crate) fn is_credit(self) -> bool {
        match self {
            TranCode::Dobklvad => false,
            TranCode::Cibklvac
            | TranCode::Civsccap
            | TranCode::Civsccmp
            | TranCode::Civscctp
            | TranCode::Civsccbp
            | TranCode::Civscccp => true,
        }
    }
}

/// Which account a call names, borrowing from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// By `accountUuid`.
    Account(Uuid),
    /// By payment-instrument reference number (`field` is the name it came under).
    Reference { reference: &'a str, field: &'static str },
    /// Both given: they must name the same account.
    Both { account: Uuid, reference: &'a str, field: &'static str },
}

/// `account-balance-adjust-v1`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Adjust<'a> {
    /// The account.
    pub(crate) target: Target<'a>,
    /// The idempotency key, lower-case hyphenated.
    pub(crate) external_tran_uuid: Option<Uuid>,
    /// The signed delta: never zero, at most 2 decimals, at most `AMOUNT_MAX` in size, and of
    /// the sign `tran_code` requires.
    pub(crate) amount: Decimal,
    /// The custom log text, 1–20 characters.
    pub(crate) description: Option<&'a str>,
    /// The code, when sent.
    pub(crate) tran_code: Option<TranCode>,
}

/// `account-balance-get-v1`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceGet<'a> {
    /// The account.
    pub(crate) target: Target<'a>,
}

/// `f` of what `req`'s body carries besides its call's own parameters (credentials, tracking
/// id), read from any encoding as a call reads its body; `None` when the body cannot be read.
pub(crate) fn carried<T>(req: &Request, f: impl FnOnce(Option<&wire::Carried<'_>>) -> T) -> T {
    let params = body::decode(req).ok();
    let carried = params.as_deref().and_then(|params| body::into_wire(params).ok());
    f(carried.as_ref())
}

/// The request's `externalTranUuid` to echo back: only a valid uuid, as sent.
pub(crate) fn echo<'a>(value: &'a Option<Field<'_>>) -> Option<&'a str> {
    tracking(value).map(|(text, _)| text)
}

/// The request's `externalTranUuid` when it is a valid uuid: its text as sent, to echo, and
/// its value, so an adjustment reads it once.
pub(crate) fn tracking<'a>(value: &'a Option<Field<'_>>) -> Option<(&'a str, Uuid)> {
    match value {
        Some(Field::String(text)) => parse_uuid(text).map(|id| (text.as_ref(), id)),
        _ => None,
    }
}

/// `app`/`object`/`action`/`version`, when sent, must match the call.
pub(crate) fn routing(
    call: Call,
    app: &Option<Field<'_>>,
    object: &Option<Field<'_>>,
    action: &Option<Field<'_>>,
    version: &Option<Field<'_>>,
) -> Result<(), PcaasaError> {
    let routing = call.routing();
    for (field, value, expected) in [
        ("app", app, routing.app),
        ("object", object, routing.object),
        ("action", action, routing.action),
    ] {
        if let Some(text) = string(field, value)?
            && text != expected
        {
            return Err(PcaasaError::RoutingMismatch { field, expected });
        }
    }
    let version_ok = match version {
        None => true,
        Some(Field::String(text)) => text.is_empty() || text == "1",
        Some(Field::Number(number)) => integer_text(number) == Some(1),
        Some(_) => false,
    };
    if !version_ok {
        return Err(PcaasaError::RoutingMismatch { field: "version", expected: "1" });
    }
    Ok(())
}

/// The required `sessionUuid`.
pub(crate) fn session_uuid(value: &Option<Field<'_>>) -> Result<Uuid, PcaasaError> {
    uuid("sessionUuid", value)?.ok_or(PcaasaError::RequiredFieldMissing {
        field: "sessionUuid",
        message: "sessionUuid is required",
    })
}

/// `session-create-v1`'s `apiKey`; `query_key` is one from the query string (as PCaaSA's Card
/// Info API sends its key), used when the body has none.
pub(crate) fn api_key(
    value: &Option<Field<'_>>,
    query_key: Option<&str>,
) -> Result<Uuid, PcaasaError> {
    let from_query = query_key.map(|key| Field::String(Cow::Borrowed(key)));
    let key = if value.is_some() { value } else { &from_query };
    uuid("apiKey", key)?
        .ok_or(PcaasaError::RequiredFieldMissing { field: "apiKey", message: "apiKey is required" })
}

/// `session-create-v1`'s parameters after `apiKey`.
pub(crate) fn session_create(req: &wire::SessionCreateRequest<'_>) -> Result<(), PcaasaError> {
    uuid("externalTranUuid", &req.external_tran_uuid)?;
    debug(&req.debug)?;
    Ok(())
}

/// `account-balance-adjust-v1`'s parameters after `sessionUuid`, in the page's order, then the
/// sign rule.
///
/// `tracked` is the `externalTranUuid` [`tracking`] already read, if valid.
pub(crate) fn adjust<'a>(
    req: &'a wire::AccountBalanceAdjustRequest<'_>,
    tracked: Option<Uuid>,
) -> Result<Adjust<'a>, PcaasaError> {
    let external_tran_uuid = match tracked {
        Some(id) => Some(id),
        None => uuid("externalTranUuid", &req.external_tran_uuid)?,
    };
    let target = target(
        &req.account_uuid,
        &req.payment_instrument_reference_number,
        &req.card_reference_number,
    )?;
    let amount = amount(&req.amount)?;
    let description = match string("description", &req.description)? {
        None => None,
        Some(text) => {
            let n_chars = text.chars().count();
            if n_chars > 20 || text.chars().any(char::is_control) {
                return Err(PcaasaError::InvalidFormat {
                    field: "description",
                    rule: "must be 1 to 20 characters without control characters",
                });
            }
            Some(text)
        }
    };
    let tran_code = match string("tranCode", &req.tran_code)? {
        None => None,
        Some(text) => Some(TranCode::parse(text).ok_or(PcaasaError::TranCodeInvalid)?),
    };
    debug(&req.debug)?;
    if let Some(code) = tran_code {
        let positive = amount.is_sign_positive();
        if code.is_credit() != positive {
            return Err(PcaasaError::AmountSignMismatch {
                tran_code: code.as_str(),
                credit: code.is_credit(),
            });
        }
    }
    Ok(Adjust { target, external_tran_uuid, amount, description, tran_code })
}

/// `account-balance-get-v1`'s parameters after `sessionUuid`.
pub(crate) fn balance_get<'a>(
    req: &'a wire::AccountBalanceGetRequest<'_>,
) -> Result<BalanceGet<'a>, PcaasaError> {
    uuid("externalTranUuid", &req.external_tran_uuid)?;
    let target = target(
        &req.account_uuid,
        &req.payment_instrument_reference_number,
        &req.card_reference_number,
    )?;
    debug(&req.debug)?;
    Ok(BalanceGet { target })
}

/// One of `accountUuid` / reference number is required. The reference may come as
/// `paymentInstrumentReferenceNumber` or `cardReferenceNumber`; both must then agree.
fn target<'a>(
    account: &Option<Field<'_>>,
    reference: &'a Option<Field<'_>>,
    card_reference: &'a Option<Field<'_>>,
) -> Result<Target<'a>, PcaasaError> {
    let account = uuid("accountUuid", account)?;
    let reference = reference_number("paymentInstrumentReferenceNumber", reference)?;
    let card_reference = reference_number("cardReferenceNumber", card_reference)?;
    let reference = match (reference, card_reference) {
        (Some(a), Some(b)) if a != b => {
            return Err(PcaasaError::AccountIdentifierMismatch {
                field: "cardReferenceNumber",
                other: "paymentInstrumentReferenceNumber",
            });
        }
        (Some(a), _) => Some((a, "paymentInstrumentReferenceNumber")),
        (None, Some(b)) => Some((b, "cardReferenceNumber")),
        (None, None) => None,
    };
    match (account, reference) {
        (Some(account), None) => Ok(Target::Account(account)),
        (None, Some((reference, field))) => Ok(Target::Reference { reference, field }),
        (Some(account), Some((reference, field))) => Ok(Target::Both { account, reference, field }),
        (None, None) => Err(PcaasaError::RequiredFieldMissing {
            field: "accountUuid",
            message: "accountUuid or paymentInstrumentReferenceNumber is required",
        }),
    }
}

/// The page's "money" type: signed decimal text (a JSON number is read from its own text),
/// 4 to 25 characters, at most 2 decimal places, not zero, at most `AMOUNT_MAX` in size.
pub(crate) fn amount(value: &Option<Field<'_>>) -> Result<Decimal, PcaasaError> {
    const NOT_MONEY: PcaasaError = PcaasaError::InvalidFormat {
        field: "amount",
        rule: "must be a money amount such as -10.00",
    };
    let text: &str = match value {
        None => None,
        Some(Field::String(text)) => (!text.is_empty()).then_some(text.as_ref()),
        // Its text as sent: a number is never read through `f64`.
        Some(Field::Number(number)) => Some(*number),
        Some(_) => return Err(NOT_MONEY),
    }
    .ok_or(PcaasaError::RequiredFieldMissing { field: "amount", message: "amount is required" })?;
    let amount = ledger::parse_decimal(text).map_err(|err| match err {
        MoneyError::NotANumber | MoneyError::TooManyDecimals | MoneyError::UnknownCurrency => {
            NOT_MONEY
        }
        MoneyError::OutOfRange => PcaasaError::AmountInvalid { rule: AMOUNT_TOO_LARGE },
    })?;
    if !(4..=25).contains(&text.len()) {
        return Err(PcaasaError::InvalidFormat {
            field: "amount",
            rule: "must be 4 to 25 characters long, such as 1.00",
        });
    }
    if amount.scale() > 2 {
        return Err(PcaasaError::AmountInvalid { rule: AMOUNT_DECIMALS });
    }
    if amount.is_zero() {
        return Err(PcaasaError::AmountInvalid { rule: AMOUNT_ZERO });
    }
    if amount.abs() > AMOUNT_MAX {
        return Err(PcaasaError::AmountInvalid { rule: AMOUNT_TOO_LARGE });
    }
    Ok(amount)
}

/// `debug`: a boolean drawn as 0/1; accepted as `true`/`false`/`1`/`0`, then ignored.
fn debug(value: &Option<Field<'_>>) -> Result<(), PcaasaError> {
    let valid = match value {
        None | Some(Field::Bool(_)) => true,
        Some(Field::Number(number)) => matches!(integer_text(number), Some(0 | 1)),
        Some(Field::String(text)) => matches!(text.as_ref(), "" | "0" | "false" | "1" | "true"),
        Some(_) => false,
    };
    if valid {
        Ok(())
    } else {
        Err(PcaasaError::InvalidFormat { field: "debug", rule: "must be 0, 1, true or false" })
    }
}

/// An optional string parameter; an empty string counts as absent (HTML forms send empty
/// fields), anything but a string is the wrong type.
fn string<'a>(
    field: &'static str,
    value: &'a Option<Field<'_>>,
) -> Result<Option<&'a str>, PcaasaError> {
    match value {
        None => Ok(None),
        Some(Field::String(text)) if text.is_empty() => Ok(None),
        Some(Field::String(text)) => Ok(Some(text)),
        Some(_) => Err(PcaasaError::InvalidFormat { field, rule: "must be a string" }),
    }
}

/// An optional uuid parameter: 36 characters, hyphenated hex.
fn uuid(field: &'static str, value: &Option<Field<'_>>) -> Result<Option<Uuid>, PcaasaError> {
    let Some(text) = string(field, value)? else { return Ok(None) };
    parse_uuid(text)
        .map(Some)
        .ok_or(PcaasaError::InvalidFormat { field, rule: "must be a 36-character UUID" })
}

/// A payment-instrument reference number: 12 to 50 printable ASCII characters.
fn reference_number<'a>(
    field: &'static str,
    value: &'a Option<Field<'_>>,
) -> Result<Option<&'a str>, PcaasaError> {
    let Some(text) = string(field, value)? else { return Ok(None) };
    if is_reference_number(text) {
        Ok(Some(text))
    } else {
        Err(PcaasaError::InvalidFormat {
            field,
            rule: "must be 12 to 50 printable characters without spaces",
        })
    }
}

/// Whether `text` is a valid payment-instrument reference number.
pub(crate) fn is_reference_number(text: &str) -> bool {
    (12..=50).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

/// A uuid in PCaaSA's 36-character hyphenated form (`8-4-4-4-12` hex digits): at that length
/// `Uuid::try_parse` takes nothing else.
pub(crate) fn parse_uuid(text: &str) -> Option<Uuid> {
    if text.len() == 36 { Uuid::try_parse(text).ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<Field<'_>> {
        Some(Field::String(s.into()))
    }

    #[test]
    fn amounts_follow_the_money_rules() {
        assert_eq!(amount(&text("-10.00")).unwrap().to_string(), "-10.00");
        assert_eq!(amount(&text("1000")).unwrap().to_string(), "1000");
        let body: std::collections::HashMap<&str, Field<'_>> =
            serde_json::from_slice(b"{\"a\": 12.50}").unwrap();
        assert_eq!(amount(&Some(body["a"].clone())).unwrap().to_string(), "12.50");
        let code = |s: &str| amount(&text(s)).unwrap_err().code();
        assert_eq!(code("1.5"), "INVALID_FORMAT"); // 3 characters
        assert_eq!(code("1.005"), "AMOUNT_INVALID");
        assert_eq!(code("0.00"), "AMOUNT_INVALID");
        assert_eq!(code("+1.00"), "INVALID_FORMAT");
        assert_eq!(code("1e10"), "INVALID_FORMAT");
        assert_eq!(code("10000000000000000.00"), "AMOUNT_INVALID");
        assert_eq!(code("12345678901234567890.12345"), "INVALID_FORMAT"); // 26 characters
        assert_eq!(amount(&None).unwrap_err().code(), "REQUIRED_FIELD_MISSING");
        assert_eq!(amount(&Some(Field::Bool(true))).unwrap_err().code(), "INVALID_FORMAT");
    }

    #[test]
    fn uuids_must_be_hyphenated_and_36_characters() {
        assert!(uuid("x", &text("4b3f0c36-2a8e-4f39-9d0b-2f8e8f0b6c11")).unwrap().is_some());
        assert!(uuid("x", &text("4b3f0c362a8e4f399d0b2f8e8f0b6c11")).is_err());
        assert!(uuid("x", &text("{4b3f0c36-2a8e-4f39-9d0b-2f8e8f0b6c1}")).is_err());
        assert!(uuid("x", &Some(Field::Number("5"))).is_err());
        assert_eq!(uuid("x", &text("")).unwrap(), None);
    }
}
