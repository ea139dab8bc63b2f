//! Requests → typed commands, with every check Qolo's ASP.NET model binding and our documented
//! choices make: API version, content type, JSON shape and types, lengths, the request code, the
//! amount's sign, size and scale, and query parameters. Nothing here touches state; a request
//! that fails here changes nothing.

use ledger::{AMOUNT_MAX, Currency, MoneyError};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::QoloError;
use super::state::{ACCOUNT_STATUSES, ACCOUNT_TYPES};
use super::time;
use crate::Request;
use crate::common::json::{self, Field};

/// The API versions served; Qolo documents only `v1`.
pub(crate) const VERSIONS: [&str; 1] = ["v1"];

/// Longest `IdempotencyKey` header we keep.
pub(crate) const IDEMPOTENCY_KEY_CHARS_MAX: usize = 255;
/// Longest `request_code` and `source_code` (Qolo's ledger columns are 16 characters).
const CODE_CHARS_MAX: usize = 16;
/// Longest `description` (documented).
const DESCRIPTION_CHARS_MAX: usize = 48;
/// Longest `memo_code` (documented).
const MEMO_CODE_CHARS_MAX: usize = 64;
/// Longest `client_reference_id` and `card_proxy` (not documented; our bound).
const REFERENCE_CHARS_MAX: usize = 64;
/// Most accounts one by-balance listing returns (documented: "up to 50").
pub(crate) const PROGRAM_ACCOUNTS_MAX: usize = 50;

/// Refuses any API version but the served ones, with Qolo's 404.
pub(crate) fn version(req: &Request) -> Result<(), QoloError> {
    let version = req.param("version").unwrap_or_default();
    if VERSIONS.contains(&version) {
        return Ok(());
    }
    Err(QoloError::not_found(
        format!("API version '{version}' is not supported."),
        format!("path: API version {version:?} is not supported (served: v1)"),
    ))
}

/// Refuses a body that is not JSON (`application/json`, `text/json`, `application/*+json`),
/// as ASP.NET's input formatter does, with 415.
pub(crate) fn json_content_type(req: &Request) -> Result<(), QoloError> {
    let given = req.header("content-type").unwrap_or_default();
    let media = given.split(';').next().unwrap_or_default().trim().as_bytes();
    // Compared ignoring case in place rather than through a lower-cased copy.
    let starts = |prefix: &str| {
        media.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    let ends = |suffix: &str| {
        media
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| media.get(at..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
    };
    let json = media.eq_ignore_ascii_case(b"application/json")
        || media.eq_ignore_ascii_case(b"text/json")
        || (starts("application/") && ends("+json"));
    if json {
        return Ok(());
    }
    let reason = if given.is_empty() {
        "header Content-Type: missing; send application/json".to_string()
    } else {
        format!("header Content-Type: {given:?} is not JSON; send application/json")
    };
    Err(QoloError::UnsupportedMediaType { reason })
}

/// The request's `IdempotencyKey` header, if any.
pub(crate) fn idempotency_key(req: &Request) -> Result<Option<&str>, QoloError> {
    let Some(value) = req.headers.get("idempotencykey") else { return Ok(None) };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.chars().count() > IDEMPOTENCY_KEY_CHARS_MAX {
        return Err(QoloError::field(
            "IdempotencyKey",
            format!(
                "The IdempotencyKey header must be between 1 and {IDEMPOTENCY_KEY_CHARS_MAX} \
                 visible ASCII characters."
            ),
        ));
    }
    Ok(Some(key))
}

/// Parses a body as a JSON object, or says why not in ASP.NET's words.
fn object(body: &[u8], type_name: &str) -> Result<Map<String, Value>, QoloError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(QoloError::field("", "A non-empty request body is required."));
    }
    match json::parse(body) {
        // A `Value` keeps the last of a repeated key; the strict check refuses it.
        Ok(Value::Object(map)) => match json::check(body) {
            Ok(()) => Ok(map),
            Err(problem) => {
                Err(QoloError::field("$", format!("The JSON value is not valid: {problem}.")))
            }
        },
        Ok(_) => Err(QoloError::field(
            "$",
            format!("The JSON value could not be converted to {type_name}. Path: $."),
        )),
        Err(err) => Err(QoloError::field("$", format!("The JSON value is not valid: {err}."))),
    }
}

/// Validation errors found so far, in field order; ASP.NET reports them all at once.
#[derive(Debug, Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    fn not_convertible(&mut self, path: &str, dotnet_type: &str) {
        self.add(
            format!("$.{path}"),
            format!("The JSON value could not be converted to {dotnet_type}. Path: $.{path}."),
        );
    }

    fn into_result(self) -> Result<(), QoloError> {
        let Some((field, message)) = self.0.first() else { return Ok(()) };
        let reason = super::errors::field_reason(field, message);
        Err(QoloError::Validation { reason, errors: self.0 })
    }

    /// A nullable string of at most `max` characters.
    fn string(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        name: &str,
        max: usize,
    ) -> Option<String> {
        match map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.chars().count() > max => {
                self.add(
                    name,
                    format!("The field {name} must be a string with a maximum length of {max}."),
                );
                None
            }
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.not_convertible(&format!("{path}{name}"), "System.String");
                None
            }
        }
    }

    /// A nullable guid in .NET's `D` format (`d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76`).
    fn guid(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        name: &str,
        nullable: bool,
    ) -> Option<Uuid> {
        let dotnet_type = if nullable { "System.Nullable`1[System.Guid]" } else { "System.Guid" };
        match map.get(name) {
            None => None,
            Some(Value::Null) if nullable => None,
            Some(Value::String(text)) if guid(text).is_some() => guid(text),
            Some(_) => {
                self.not_convertible(&format!("{path}{name}"), dotnet_type);
                None
            }
        }
    }

    /// A nullable date-time.
    fn date_time(&mut self, map: &Map<String, Value>, path: &str, name: &str) -> Option<String> {
        match map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if time::is_date_time(text) => Some(text.clone()),
            Some(_) => {
                self.not_convertible(
                    &format!("{path}{name}"),
                    "System.Nullable`1[System.DateTime]",
                );
                None
            }
        }
    }

    /// A number (a `double` in Qolo's schema); only its JSON type is checked.
    fn number(&mut self, map: &Map<String, Value>, path: &str, name: &str) {
        match map.get(name) {
            None | Some(Value::Number(_)) => {}
            Some(_) => self.not_convertible(&format!("{path}{name}"), "System.Double"),
        }
    }
}

/// A guid in .NET's `D` format.
pub(crate) fn guid(text: &str) -> Option<Uuid> {
    if text.len() != 36 {
        return None;
    }
    Uuid::try_parse(text).ok()
}

/// A login: the API login id and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Login {
    pub(crate) login_id: String,
    pub(crate) api_key: String,
}

/// Parses the login body: `login_id` and `api_key` (also accepted as `loginid` and `apikey`,
/// the spelling of Qolo's guide). Other members are ignored.
pub(crate) fn login(body: &[u8]) -> Result<Login, QoloError> {
    let map = object(body, "LoginRequest")?;
    let mut problems = Problems::default();
    let mut field = |names: [&str; 2]| -> Option<String> {
        let [name, alias] = names;
        let (key, value) = match (map.get(name), map.get(alias)) {
            (Some(value), _) => (name, value),
            (None, Some(value)) => (alias, value),
            (None, None) => {
                problems.add(name, format!("The {name} field is required."));
                return None;
            }
        };
        match value {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::String(_) | Value::Null => {
                problems.add(key, format!("The {name} field is required."));
                None
            }
            _ => {
                problems.not_convertible(key, "System.String");
                None
            }
        }
    };
    let login_id = field(["login_id", "loginid"]);
    let api_key = field(["api_key", "apikey"]);
    problems.into_result()?;
    match (login_id, api_key) {
        (Some(login_id), Some(api_key)) => Ok(Login { login_id, api_key }),
        _ => Err(QoloError::Internal { reason: "login: parsed without a value".into() }),
    }
}

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
pub(crate) enum Target {
    /// `account_guid`.
    AccountGuid(Uuid),
    /// `card_proxy`: the account of the card's wallet in the request's currency.
    CardProxy(String),
    /// `account.account_guid`.
    AccountObject(Uuid),
}

/// The request members AdjustBalance echoes and keeps with the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Echo {
    pub(crate) client_reference_id: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) memo_code: Option<String>,
    pub(crate) card_proxy: Option<String>,
    pub(crate) user_guid: Option<Uuid>,
    pub(crate) source_code: Option<String>,
    pub(crate) wire_date: Option<String>,
}

/// A parsed AdjustBalance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Adjustment {
    pub(crate) request_code: String,
    pub(crate) direction: Direction,
    /// Positive, in major units, within the currency's scale.
    pub(crate) amount: Decimal,
    pub(crate) currency: Currency,
    pub(crate) target: Target,
    pub(crate) echo: Echo,
}

/// Members of `AdjustBalanceRequest` (the live reference's list; `additionalProperties: false`).
const ADJUST_BALANCE_MEMBERS: [&str; 12] = [
    "client_reference_id",
    "request_code",
    "amount",
    "currency",
    "description",
    "memo_code",
    "account_guid",
    "wire_date",
    "card_proxy",
    "account",
    "user_guid",
    "source_code",
];

/// Members of the `Account` object and their kinds.
const ACCOUNT_MEMBERS: [(&str, Kind); 24] = [
    ("account_guid", Kind::Guid),
    ("wallet_guid", Kind::Guid),
    ("account_type", Kind::String(20)),
    ("account_name", Kind::String(24)),
    ("account_currency", Kind::String(3)),
    ("available_balance", Kind::Number),
    ("ledger_balance", Kind::Number),
    ("suspense_balance", Kind::Number),
    ("starting_balance_date", Kind::DateTime),
    ("starting_balance_amount", Kind::Number),
    ("last_credit_date", Kind::DateTime),
    ("last_credit_amount", Kind::Number),
    ("first_debit_date", Kind::DateTime),
    ("first_debit_amount", Kind::Number),
    ("last_debit_date", Kind::DateTime),
    ("last_debit_amount", Kind::Number),
    ("account_status", Kind::String(8)),
    ("account_status_date", Kind::DateTime),
    ("holder_account_status", Kind::String(8)),
    ("holder_account_status_date", Kind::DateTime),
    ("sys_utcinserted", Kind::DateTime),
    ("sys_utcupdated", Kind::DateTime),
    ("last_txn_guid", Kind::Guid),
    ("interest_rate_strategy", Kind::String(64)),
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Guid,
    String(usize),
    Number,
    DateTime,
}

/// Parses an AdjustBalance body. Every member is checked and every problem reported at once;
/// then the target account and the amount's scale for the currency.
pub(crate) fn adjust_balance(body: &[u8]) -> Result<Adjustment, QoloError> {
    match valid_adjustment(body) {
        Some(adjustment) => Ok(adjustment),
        None => read_adjustment(body),
    }
}

/// [`adjust_balance`] through a `Value` tree, every problem found and named.
#[expect(clippy::too_many_lines, reason = "split in the vendor skeleton step")]
fn read_adjustment(body: &[u8]) -> Result<Adjustment, QoloError> {
    let map = object(body, "AdjustBalanceRequest")?;
    let mut problems = Problems::default();
    for name in map.keys() {
        if !ADJUST_BALANCE_MEMBERS.contains(&name.as_str()) {
            problems.add(
                format!("$.{name}"),
                format!(
                    "The JSON property '{name}' could not be mapped to any .NET member contained \
                     in type 'AdjustBalanceRequest'."
                ),
            );
        }
    }
    let client_reference_id = problems.string(&map, "", "client_reference_id", REFERENCE_CHARS_MAX);

    let request_code = match map.get("request_code") {
        None | Some(Value::Null) => {
            problems.add("request_code", "The request_code field is required.");
            None
        }
        Some(Value::String(code)) if code.is_empty() => {
            problems.add("request_code", "The request_code field is required.");
            None
        }
        Some(Value::String(code)) if code.chars().count() > CODE_CHARS_MAX => {
            problems.add(
                "request_code",
                format!(
                    "The field request_code must be a string with a maximum length of \
                     {CODE_CHARS_MAX}."
                ),
            );
            None
        }
        Some(Value::String(code)) => {
            match request_code_direction(code) {
                Ok(direction) => Some((code.clone(), direction)),
                Err(why) => {
                    problems.add(
                    "request_code",
                    format!("The request_code '{code}' is not valid for balance adjustment: it {why}."),
                );
                    None
                }
            }
        }
        Some(_) => {
            problems.not_convertible("request_code", "System.String");
            None
        }
    };

    let amount = match map.get("amount") {
        None => {
            problems.add("amount", "The amount field is required.");
            None
        }
        Some(Value::Number(number)) => match json::decimal(number) {
            Ok(amount) if amount <= Decimal::ZERO => {
                problems.add(
                    "amount",
                    "The field amount must be greater than 0; the request_code decides whether \
                     the balance is credited or debited.",
                );
                None
            }
            Ok(amount) if amount > AMOUNT_MAX => {
                problems.add(
                    "amount",
                    format!("The field amount must not be greater than {AMOUNT_MAX}."),
                );
                None
            }
            Ok(amount) => Some(amount),
            Err(MoneyError::OutOfRange) => {
                problems.add("amount", "The field amount has too many digits.");
                None
            }
            Err(_) => {
                problems.add(
                    "amount",
                    "The field amount must be a plain decimal number (no exponent).",
                );
                None
            }
        },
        Some(_) => {
            problems.not_convertible("amount", "System.Double");
            None
        }
    };

    let currency = match map.get("currency") {
        None | Some(Value::Null) => {
            problems.add("currency", "The currency field is required.");
            None
        }
        Some(Value::String(code)) if code.chars().count() != 3 => {
            problems.add(
                "currency",
                "The field currency must be a string with a minimum length of 3 and a maximum \
                 length of 3.",
            );
            None
        }
        Some(Value::String(code)) => match Currency::from_code(code) {
            Some(currency) => Some(currency),
            None => {
                problems.add(
                    "currency",
                    format!("The currency '{code}' is not an ISO 4217 alphabetic code."),
                );
                None
            }
        },
        Some(_) => {
            problems.not_convertible("currency", "System.String");
            None
        }
    };

    let description = problems.string(&map, "", "description", DESCRIPTION_CHARS_MAX);
    let memo_code = problems.string(&map, "", "memo_code", MEMO_CODE_CHARS_MAX);
    let account_guid = problems.guid(&map, "", "account_guid", true);
    let wire_date = problems.date_time(&map, "", "wire_date");
    let card_proxy = problems.string(&map, "", "card_proxy", REFERENCE_CHARS_MAX);
    let account_object_guid = match map.get("account") {
        None | Some(Value::Null) => None,
        Some(Value::Object(account)) => account_object(account, &mut problems),
        Some(_) => {
            problems.not_convertible("account", "Account");
            None
        }
    };
    let user_guid = problems.guid(&map, "", "user_guid", false);
    let source_code = problems.string(&map, "", "source_code", CODE_CHARS_MAX);

    let target = match (account_guid, &card_proxy, account_object_guid) {
        (Some(guid), _, _) => Some(Target::AccountGuid(guid)),
        (None, Some(proxy), _) if !proxy.is_empty() => Some(Target::CardProxy(proxy.clone())),
        (None, _, Some(guid)) => Some(Target::AccountObject(guid)),
        _ => {
            if !problems.0.iter().any(|(field, _)| field.contains("account_guid")) {
                problems.add(
                    "account_guid",
                    "One of account_guid, card_proxy or account.account_guid is required.",
                );
            }
            None
        }
    };

    if let (Some(amount), Some(currency)) = (amount, currency) {
        if !currency.fits_scale(amount) {
            problems.add(
                "amount",
                format!(
                    "The field amount has more decimal places than {} allows ({}).",
                    currency.code(),
                    currency.exponent()
                ),
            );
        }
    }
    problems.into_result()?;

    match (request_code, amount, currency, target) {
        (Some((request_code, direction)), Some(amount), Some(currency), Some(target)) => {
            Ok(Adjustment {
                request_code,
                direction,
                amount,
                currency,
                target,
                echo: Echo {
                    client_reference_id,
                    description,
                    memo_code,
                    card_proxy,
                    user_guid,
                    source_code,
                    wire_date,
                },
            })
        }
        _ => Err(QoloError::Internal { reason: "AdjustBalance: parsed without a value".into() }),
    }
}

/// An AdjustBalance body as sent, member by member, borrowed from the body. `null` reads as
/// `Some(Field::Null)`: `user_guid` may be absent but not null.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustBalanceBody<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    client_reference_id: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    request_code: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    amount: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    currency: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    description: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    memo_code: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    account_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    wire_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    card_proxy: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    account: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    user_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    source_code: Option<Field<'a>>,
}

/// A member that is there, `null` included.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Field<'de>>, D::Error> {
    Field::deserialize(deserializer).map(Some)
}

/// The adjustment a body asks for when every member is valid, read in one typed pass over the
/// body instead of through a `Value` tree; `None` for anything else (an `account` object
/// included), which the full reading then explains in ASP.NET's words. It accepts only what
/// that reading accepts, and reads it the same.
fn valid_adjustment(body: &[u8]) -> Option<Adjustment> {
    // A struct also reads from a JSON array; the request must be an object.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') || json::check(body).is_err() {
        return None;
    }
    let sent: AdjustBalanceBody<'_> = serde_json::from_slice(body).ok()?;
    let text = |field: &Option<Field<'_>>, max: usize| -> Option<Option<String>> {
        match field {
            None | Some(Field::Null) => Some(None),
            Some(Field::String(text)) if text.chars().count() <= max => {
                Some(Some(text.to_string()))
            }
            Some(_) => None,
        }
    };
    let guid_member = |field: &Option<Field<'_>>, nullable: bool| -> Option<Option<Uuid>> {
        match field {
            None => Some(None),
            Some(Field::Null) if nullable => Some(None),
            Some(Field::String(text)) => guid(text).map(Some),
            Some(_) => None,
        }
    };
    let (request_code, direction) = match &sent.request_code {
        Some(Field::String(code)) if !code.is_empty() && code.chars().count() <= CODE_CHARS_MAX => {
            (code.to_string(), request_code_direction(code).ok()?)
        }
        _ => return None,
    };
    let amount = match sent.amount {
        Some(Field::Number(number)) => ledger::parse_decimal(number).ok()?,
        _ => return None,
    };
    let currency = match &sent.currency {
        Some(Field::String(code)) if code.chars().count() == 3 => Currency::from_code(code)?,
        _ => return None,
    };
    if amount <= Decimal::ZERO || amount > AMOUNT_MAX || !currency.fits_scale(amount) {
        return None;
    }
    let wire_date = match &sent.wire_date {
        None | Some(Field::Null) => None,
        Some(Field::String(date)) if time::is_date_time(date) => Some(date.to_string()),
        Some(_) => return None,
    };
    if !matches!(sent.account, None | Some(Field::Null)) {
        return None;
    }
    let card_proxy = text(&sent.card_proxy, REFERENCE_CHARS_MAX)?;
    let target = match (guid_member(&sent.account_guid, true)?, &card_proxy) {
        (Some(guid), _) => Target::AccountGuid(guid),
        (None, Some(proxy)) if !proxy.is_empty() => Target::CardProxy(proxy.clone()),
        _ => return None,
    };
    let echo = Echo {
        client_reference_id: text(&sent.client_reference_id, REFERENCE_CHARS_MAX)?,
        description: text(&sent.description, DESCRIPTION_CHARS_MAX)?,
        memo_code: text(&sent.memo_code, MEMO_CODE_CHARS_MAX)?,
        card_proxy,
        user_guid: guid_member(&sent.user_guid, false)?,
        source_code: text(&sent.source_code, CODE_CHARS_MAX)?,
        wire_date,
    };
    Some(Adjustment { request_code, direction, amount, currency, target, echo })
}

/// Checks the `Account` object's members and returns its `account_guid`, the one member read.
fn account_object(account: &Map<String, Value>, problems: &mut Problems) -> Option<Uuid> {
    for name in account.keys() {
        if !ACCOUNT_MEMBERS.iter().any(|(member, _)| member == name) {
            problems.add(
                format!("$.account.{name}"),
                format!(
                    "The JSON property '{name}' could not be mapped to any .NET member contained \
                     in type 'Account'."
                ),
            );
        }
    }
    let mut account_guid = None;
    for (name, kind) in ACCOUNT_MEMBERS {
        match kind {
            Kind::Guid => {
                let guid = problems.guid(account, "account.", name, true);
                if name == "account_guid" {
                    account_guid = guid;
                }
            }
            Kind::String(max) => {
                problems.string(account, "account.", name, max);
            }
            Kind::Number => problems.number(account, "account.", name),
            Kind::DateTime => {
                problems.date_time(account, "account.", name);
            }
        }
    }
    account_guid
}

/// A guid path or query parameter, or ASP.NET's model-binding message.
pub(crate) fn guid_param(name: &str, value: &str) -> Result<Uuid, QoloError> {
    guid(value).ok_or_else(|| QoloError::field(name, format!("The value '{value}' is not valid.")))
}

/// An optional guid query parameter.
pub(crate) fn guid_query(req: &Request, name: &str) -> Result<Option<Uuid>, QoloError> {
    match req.query_param(name) {
        None => Ok(None),
        Some(value) if value.is_empty() => Ok(None),
        Some(value) => guid_param(name, &value).map(Some),
    }
}

/// Which balance the by-balance listing sorts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BasedOn {
    Ledger,
    Available,
}

/// The by-balance listing's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProgramQuery {
    pub(crate) based_on: BasedOn,
    pub(crate) descending: bool,
    pub(crate) count: usize,
    pub(crate) include_negative_balances: bool,
    pub(crate) account_status: Option<&'static str>,
}

/// Parses `based_on`, `sort_by`, `count`, `include_negative_balances`, `account_status` and
/// `refresh` (accepted and ignored: every read is fresh).
pub(crate) fn program_query(req: &Request) -> Result<ProgramQuery, QoloError> {
    let mut problems = Problems::default();
    let param = |name: &str| req.query_param(name).filter(|value| !value.is_empty());
    let based_on = match param("based_on").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("ledger") => BasedOn::Ledger,
        Some("available") => BasedOn::Available,
        Some(other) => {
            problems.add(
                "based_on",
                format!("The value '{other}' is not valid: use ledger or available."),
            );
            BasedOn::Ledger
        }
    };
    let descending = match param("sort_by").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            problems.add("sort_by", format!("The value '{other}' is not valid: use desc or asc."));
            true
        }
    };
    let count = match param("count") {
        None => PROGRAM_ACCOUNTS_MAX,
        Some(text) => match text.parse::<i32>() {
            Ok(n) if (1..=50).contains(&n) => usize::try_from(n).unwrap_or(PROGRAM_ACCOUNTS_MAX),
            Ok(_) => {
                problems.add(
                    "count",
                    format!("The field count must be between 1 and {PROGRAM_ACCOUNTS_MAX}."),
                );
                PROGRAM_ACCOUNTS_MAX
            }
            Err(_) => {
                problems.add("count", format!("The value '{text}' is not valid."));
                PROGRAM_ACCOUNTS_MAX
            }
        },
    };
    let mut boolean = |name: &str| match param(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            problems.add(name, format!("The value '{other}' is not valid."));
            false
        }
    };
    let include_negative_balances = boolean("include_negative_balances");
    boolean("refresh");
    let account_status = match param("account_status") {
        None => None,
        Some(text) => match ACCOUNT_STATUSES.iter().find(|s| s.eq_ignore_ascii_case(&text)) {
            Some(status) => Some(*status),
            None => {
                problems.add("account_status", format!("The value '{text}' is not valid."));
                None
            }
        },
    };
    problems.into_result()?;
    Ok(ProgramQuery { based_on, descending, count, include_negative_balances, account_status })
}

/// An `AccountType` enum value, exactly as Qolo spells it.
pub(crate) fn account_type(text: &str) -> Option<&'static str> {
    ACCOUNT_TYPES.iter().copied().find(|t| *t == text)
}

/// What the admin may give for a new account in `vendor_ids`, by Qolo's names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OpenIds {
    pub(crate) account_guid: Option<Uuid>,
    pub(crate) wallet_guid: Option<Uuid>,
    pub(crate) wallet_id: Option<String>,
    pub(crate) card_proxy: Option<String>,
    pub(crate) person_guid: Option<Uuid>,
    pub(crate) program_guid: Option<Uuid>,
    pub(crate) account_type: Option<&'static str>,
    pub(crate) account_name: Option<String>,
}

/// The `vendor_ids` names `open_account` accepts.
pub(crate) const OPEN_ID_NAMES: [&str; 8] = [
    "account_guid",
    "wallet_guid",
    "wallet_id",
    "card_proxy",
    "person_guid",
    "program_guid",
    "account_type",
    "account_name",
];

/// Longest `wallet_id` (documented: 19).
const WALLET_ID_CHARS_MAX: usize = 19;
/// Longest `account_name` (documented: 24).
const ACCOUNT_NAME_CHARS_MAX: usize = 24;

/// Parses the admin's `vendor_ids` for a new account; the error says which name is wrong.
pub(crate) fn open_ids(ids: &Map<String, Value>) -> Result<OpenIds, String> {
    let mut res = OpenIds::default();
    for (name, value) in ids {
        let Value::String(text) = value else {
            return Err(format!("vendor_ids.{name} must be a string"));
        };
        let guid =
            || guid(text).ok_or_else(|| format!("vendor_ids.{name} must be a hyphenated guid"));
        match name.as_str() {
            "account_guid" => res.account_guid = Some(guid()?),
            "wallet_guid" => res.wallet_guid = Some(guid()?),
            "person_guid" => res.person_guid = Some(guid()?),
            "program_guid" => res.program_guid = Some(guid()?),
            "wallet_id" => {
                let n = text.chars().count();
                if n == 0 || n > WALLET_ID_CHARS_MAX {
                    return Err(format!(
                        "vendor_ids.wallet_id must have 1 to {WALLET_ID_CHARS_MAX} characters"
                    ));
                }
                res.wallet_id = Some(text.clone());
            }
            "card_proxy" => {
                let ok = !text.is_empty()
                    && text.len() <= REFERENCE_CHARS_MAX
                    && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !ok {
                    return Err(format!(
                        "vendor_ids.card_proxy must have 1 to {REFERENCE_CHARS_MAX} letters, \
                         digits, '-' or '_'"
                    ));
                }
                res.card_proxy = Some(text.clone());
            }
            "account_type" => {
                let Some(account_type) = account_type(text) else {
                    return Err(format!(
                        "vendor_ids.account_type must be one of {}",
                        ACCOUNT_TYPES.join(", ")
                    ));
                };
                res.account_type = Some(account_type);
            }
            "account_name" => {
                let n = text.chars().count();
                if n == 0 || n > ACCOUNT_NAME_CHARS_MAX {
                    return Err(format!(
                        "vendor_ids.account_name must have 1 to {ACCOUNT_NAME_CHARS_MAX} \
                         characters"
                    ));
                }
                res.account_name = Some(text.clone());
            }
            other => {
                return Err(format!(
                    "vendor_ids.{other} is not a Qolo identifier; use {}",
                    OPEN_ID_NAMES.join(", ")
                ));
            }
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_codes_take_their_direction_from_the_prefix_or_the_name() {
        let dir = request_code_direction;
        assert_eq!(dir("LT-ACH_IN"), Ok(Direction::Credit));
        assert_eq!(dir("UT-ACH_OUT"), Ok(Direction::Debit));
        assert_eq!(dir("FT-PURCHASE"), Ok(Direction::Debit));
        assert_eq!(dir("ST-ECOMM/MOTO"), Ok(Direction::Debit));
        assert_eq!(dir("AT-WIRE_IN"), Ok(Direction::Credit));
        assert_eq!(dir("AT-ADJ_DR"), Ok(Direction::Debit));
        assert_eq!(dir("AR-ADJ_CR"), Ok(Direction::Debit));
        assert_eq!(dir("AR-ADJ_DR"), Ok(Direction::Credit));
        assert!(dir("AT-ADJUST").is_err());
        assert!(dir("NT-ADDRESS").is_err());
        assert!(dir("string").is_err());
        assert!(dir("lt-ach_in").is_err());
        assert!(dir("XX-ACH_IN").is_err());
        assert!(dir("LT-").is_err());
    }

    #[test]
    fn the_one_pass_reading_takes_exactly_the_valid_bodies_and_reads_them_the_same() {
        let guid = "d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76";
        let valid = [
            format!(r#"{{"account_guid":"{guid}","request_code":"LT-CRD_PTNR_LOAD","amount":1,"currency":"USD","client_reference_id":"bench-1"}}"#),
            format!(r#" {{"account_guid":"{guid}","request_code":"AR-ADJ_CR","amount":12.50,"currency":"USD","description":"caf\u00e9","memo_code":null,"wire_date":"2019-08-24T14:15:22Z","user_guid":"{guid}","source_code":"API","account":null}}"#),
            r#"{"card_proxy":"1234567890123","request_code":"UT-ACH_OUT","amount":0.001,"currency":"KWD"}"#.to_string(),
        ];
        for body in &valid {
            let fast = valid_adjustment(body.as_bytes());
            assert!(fast.is_some(), "{body}");
            assert_eq!(fast, read_adjustment(body.as_bytes()).ok(), "{body}");
        }
        // Each is refused by the full reading, with its own message; the one pass declines it.
        let declined = [
            // A struct reads an array by position: this one would name a valid adjustment.
            format!(r#"[null,"LT-ACH_IN",1,"USD",null,null,"{guid}"]"#),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"currency":"USD","user_guid":null}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"amount":2,"currency":"USD"}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"currency":"USD","extra":1}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1e2,"currency":"USD"}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1.001,"currency":"USD"}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"NT-ADDRESS","amount":1,"currency":"USD"}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":"1","currency":"USD"}}"#
            ),
            format!(
                r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"currency":"usd"}}"#
            ),
            r#"{"card_proxy":"","request_code":"LT-ACH_IN","amount":1,"currency":"USD"}"#
                .to_string(),
            r#"{"request_code":"LT-ACH_IN","amount":1,"currency":"USD","wire_date":"yesterday"}"#
                .to_string(),
        ];
        for body in &declined {
            assert_eq!(valid_adjustment(body.as_bytes()), None, "{body}");
            assert!(read_adjustment(body.as_bytes()).is_err(), "{body}");
        }
        // An `account` object is left to the full reading, which checks all its members.
        let with_object = format!(
            r#"{{"account":{{"account_guid":"{guid}"}},"request_code":"LT-ACH_IN","amount":1,"currency":"USD"}}"#
        );
        assert_eq!(valid_adjustment(with_object.as_bytes()), None);
        assert!(adjust_balance(with_object.as_bytes()).is_ok());
    }

    #[test]
    fn guids_must_be_in_the_hyphenated_form() {
        assert!(guid("d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76").is_some());
        assert!(guid("d2b7c9d285e74c5192d03f97a47f8d76").is_none());
        assert!(guid("{d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76}").is_none());
        assert!(guid("d2b7c9d2-85e7-4c51-92d0-3f97a47f8d7g").is_none());
    }
}
