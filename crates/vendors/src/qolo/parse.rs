//! Requests → typed commands, with every check Qolo's ASP.NET model binding and our documented
//! choices make: API version, content type, JSON shape and types, lengths, the request code, the
//! amount's sign, size and scale, and query parameters. Nothing here touches state; a request
//! that fails here changes nothing.

mod adjust;
mod body;
mod open;
mod query;

use std::borrow::Cow;

use uuid::Uuid;

pub(crate) use self::adjust::{Adjustment, Direction, Target, adjust_balance};
#[cfg(test)]
pub(crate) use self::adjust::{currency_of, flat, flat_unchecked};
use self::body::Problems;
pub(crate) use self::open::{OpenIds, open_ids};
pub(crate) use self::query::{BasedOn, guid_param, guid_query, program_query};
use super::errors::{self, Failure, QoloError};
use super::wire::request::LoginRequest;
use crate::Request;
use crate::common::json::Field;

/// The API versions served; Qolo documents only `v1`.
pub(crate) const VERSIONS: [&str; 1] = ["v1"];

/// The `IdempotencyKey` header's name, parsed once (looking a header up by text parses it).
static IDEMPOTENCY_KEY: http::HeaderName = http::HeaderName::from_static("idempotencykey");

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
pub(crate) fn version(req: &Request) -> Result<(), Failure> {
    let version = req.param("version").unwrap_or_default();
    if VERSIONS.contains(&version) {
        return Ok(());
    }
    Err(errors::not_found(
        errors::version_not_supported(version),
        format!("path: API version {version:?} is not supported (served: v1)"),
    ))
}

/// Refuses a body that is not JSON (`application/json`, `text/json`, `application/*+json`),
/// as ASP.NET's input formatter does, with 415.
pub(crate) fn json_content_type(req: &Request) -> Result<(), Failure> {
    // By the typed name: looking a header up by text parses the name first.
    let given = req.headers.get(http::header::CONTENT_TYPE);
    let given = given.and_then(|value| value.to_str().ok()).unwrap_or_default();
    // What nearly every client sends, answered without taking the value apart.
    if given == "application/json" {
        return Ok(());
    }
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
    Err(Failure::new(QoloError::UnsupportedMediaType, reason))
}

/// The request's `IdempotencyKey` header, if any.
pub(crate) fn idempotency_key(req: &Request) -> Result<Option<&str>, Failure> {
    let Some(value) = req.headers.get(&IDEMPOTENCY_KEY) else { return Ok(None) };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.chars().count() > IDEMPOTENCY_KEY_CHARS_MAX {
        return Err(errors::field(
            "IdempotencyKey",
            format!(
                "The IdempotencyKey header must be between 1 and {IDEMPOTENCY_KEY_CHARS_MAX} \
                 visible ASCII characters."
            ),
        ));
    }
    Ok(Some(key))
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
pub(crate) struct Login<'a> {
    pub(crate) login_id: Cow<'a, str>,
    pub(crate) api_key: Cow<'a, str>,
}

/// Parses the login body: `login_id` and `api_key` (also accepted as `loginid` and `apikey`,
/// the spelling of Qolo's guide). Other members are ignored.
pub(crate) fn login(body: &[u8]) -> Result<Login<'_>, Failure> {
    let sent: LoginRequest<'_> = body::read(body, "LoginRequest")?;
    let mut problems = Problems::default();
    let login_id =
        credential(&mut problems, ("login_id", sent.login_id), ("loginid", sent.loginid));
    let api_key = credential(&mut problems, ("api_key", sent.api_key), ("apikey", sent.apikey));
    problems.into_result()?;
    match (login_id, api_key) {
        (Some(login_id), Some(api_key)) => Ok(Login { login_id, api_key }),
        _ => Err(errors::internal("login: parsed without a value")),
    }
}

/// A required non-empty string sent under its name or its alias (the name wins).
fn credential<'a>(
    problems: &mut Problems,
    (name, given): (&str, Option<Field<'a>>),
    (alias, alias_given): (&str, Option<Field<'a>>),
) -> Option<Cow<'a, str>> {
    let (key, value) = match (given, alias_given) {
        (Some(value), _) => (name, value),
        (None, Some(value)) => (alias, value),
        (None, None) => {
            problems.add(name, format!("The {name} field is required."));
            return None;
        }
    };
    match value {
        Field::String(text) if !text.is_empty() => Some(text),
        Field::String(_) | Field::Null => {
            problems.add(key, format!("The {name} field is required."));
            None
        }
        _ => {
            problems.not_convertible(key, "System.String");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::adjust::request_code_direction;
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
    fn valid_bodies_read_borrowed_and_every_refusal_names_its_member() {
        let guid = "d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76";
        let read = format!(
            r#" {{"account_guid":"{guid}","request_code":"AR-ADJ_CR","amount":12.50,"currency":"USD","description":"caf\u00e9","memo_code":null,"wire_date":"2019-08-24T14:15:22Z","user_guid":"{guid}","source_code":"API","account":null}}"#
        );
        let read = adjust_balance(read.as_bytes()).unwrap();
        assert_eq!(read.direction, Direction::Debit);
        assert_eq!(read.amount.to_string(), "12.50");
        assert_eq!(read.echo.description.as_deref(), Some("café"));
        assert!(matches!(read.request_code, Cow::Borrowed("AR-ADJ_CR")));
        let by_card = r#"{"card_proxy":"1234567890123","request_code":"UT-ACH_OUT","amount":0.001,"currency":"KWD"}"#;
        let by_card = adjust_balance(by_card.as_bytes()).unwrap();
        assert_eq!(by_card.target, Target::CardProxy(Cow::Borrowed("1234567890123")));
        let refused = [
            // A struct reads an array by position: this one would name a valid adjustment.
            (format!(r#"[null,"LT-ACH_IN",1,"USD",null,null,"{guid}"]"#), "$"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"currency":"USD","user_guid":null}}"#), "$.user_guid"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"amount":2,"currency":"USD"}}"#), "$"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"currency":"USD","extra":1}}"#), "$.extra"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1e2,"currency":"USD"}}"#), "amount"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1.001,"currency":"USD"}}"#), "amount"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"NT-ADDRESS","amount":1,"currency":"USD"}}"#), "request_code"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":"1","currency":"USD"}}"#), "$.amount"),
            (format!(r#"{{"account_guid":"{guid}","request_code":"LT-ACH_IN","amount":1,"currency":"usd"}}"#), "currency"),
            (r#"{"card_proxy":"","request_code":"LT-ACH_IN","amount":1,"currency":"USD"}"#.to_string(), "account_guid"),
            (r#"{"request_code":"LT-ACH_IN","amount":1,"currency":"USD","wire_date":"yesterday"}"#.to_string(), "$.wire_date"),
            (r#"{"account":{"account_guid":1,"zz":1,"aa":2},"request_code":"LT-ACH_IN","amount":1,"currency":"USD"}"#.to_string(), "$.account.aa"),
        ];
        for (body, field) in &refused {
            let failure = adjust_balance(body.as_bytes()).unwrap_err();
            let QoloError::Validation(errors) = failure.error else { panic!("{body}") };
            assert_eq!(errors[0].0, *field, "{body}: {errors:?}");
        }
        // The members of an `account` object are each checked; its account_guid names the account.
        let with_object = format!(
            r#"{{"account":{{"account_guid":"{guid}"}},"request_code":"LT-ACH_IN","amount":1,"currency":"USD"}}"#
        );
        let target = adjust_balance(with_object.as_bytes()).unwrap().target;
        assert_eq!(target, Target::AccountObject(guid.parse().unwrap()));
    }

    #[test]
    fn guids_must_be_in_the_hyphenated_form() {
        assert!(guid("d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76").is_some());
        assert!(guid("d2b7c9d285e74c5192d03f97a47f8d76").is_none());
        assert!(guid("{d2b7c9d2-85e7-4c51-92d0-3f97a47f8d76}").is_none());
        assert!(guid("d2b7c9d2-85e7-4c51-92d0-3f97a47f8d7g").is_none());
    }
}
