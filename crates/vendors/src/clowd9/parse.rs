//! Wire → ledger commands: every check on a Clowd9 request body or query, so that what reaches
//! the ledger is a fully typed command and anything else is a 400 naming the field.
//!
//! Amounts are JSON integers of minor units (`1000` is 10.00 GBP): read from the number's own
//! text, refused when fractional, in exponent form, a string, zero or negative (where not
//! allowed) or beyond `int64`. Scaling to the account's currency happens in
//! [`BalanceCommand::into_transfer`], once the account is known.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use ledger::{Cursor, Direction, IdempotencyKey, Metadata, Namespace, Order, TenantId, Transfer};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::{Clowd9Error, Failure};
use super::state::AccountEntry;
use super::wire::{
    AuthenticateApiRequest, CorrectAccountBalanceRequest, IncreaseAccountBalanceRequest,
    TransferFromAccountToAccountRequest, UpdateAccountBalanceRequest, time,
};
use crate::Request;
use crate::common::json::{self, Field};

/// Longest `reference_name` / `type` (OpenAPI `maxLength: 30`).
const REFERENCE_NAME_CHARS_MAX: usize = 30;
/// Longest `reference` and correction `reason` (OpenAPI `maxLength: 100`).
const REFERENCE_CHARS_MAX: usize = 100;
/// Longest `reference_id`, `destination` and `correction_type`: Clowd9 states none; ours keeps
/// idempotency keys and history small.
const FREE_TEXT_CHARS_MAX: usize = 100;
/// Fewest characters of a transfer's account ids (OpenAPI `minLength: 36`, their only rule).
const TRANSFER_ACCOUNT_ID_CHARS_MIN: usize = 36;
/// Longest `key` / `secret` we compare.
const CREDENTIAL_CHARS_MAX: usize = 256;
/// Most entries one ledger-entries page returns (`limit` pattern `^([1-9][0-9]?|100)$`).
pub(crate) const ENTRIES_PAGE_MAX: usize = 100;

/// Metadata keys a Clowd9 balance call leaves in history.
pub(crate) mod meta {
    /// What kind of change: `credit`, `debit`, `increase`, `decrease`, `InternalCorrection`,
    /// `transfer`.
    pub(crate) const ENTRY_TYPE: &str = "entry_type";
    /// `reference` as sent.
    pub(crate) const REFERENCE: &str = "reference";
    /// `reference_id` as sent.
    pub(crate) const REFERENCE_ID: &str = "reference_id";
    /// `reference_name` (or the seed's `type`) as sent.
    pub(crate) const REFERENCE_NAME: &str = "reference_name";
    /// The seed's `destination`.
    pub(crate) const DESTINATION: &str = "destination";
    /// The seed's `client_id`.
    pub(crate) const CLIENT_ID: &str = "client_id";
    /// A correction's `reason`.
    pub(crate) const CORRECTION_REASON: &str = "correction_reason";
    /// A correction's `correction_type`.
    pub(crate) const CORRECTION_TYPE: &str = "correction_type";
}

/// Reads a JSON object body of type `T`: JSON content type (or none), an object, then serde.
pub(crate) fn body<'a, T: Deserialize<'a>>(req: &'a Request) -> Result<T, Failure> {
    if let Some(content_type) = req.headers.get(http::header::CONTENT_TYPE) {
        let is_json = content_type.to_str().ok().is_some_and(|text| {
            let essence = text.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/json")
        });
        if !is_json {
            return Err(Failure::new(
                Clowd9Error::InvalidContentType,
                format!("content type {content_type:?} is not application/json"),
            ));
        }
    }
    // serde would also read a struct from a JSON array of its fields in order; Clowd9 bodies
    // are objects only.
    let first = req.body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first.is_some_and(|byte| *byte != b'{') {
        return Err(Failure::new(Clowd9Error::InvalidBody, "body: not a JSON object"));
    }
    // serde skips unknown fields unchecked and refuses only a known field twice: the strict
    // check covers the rest.
    json::read(&req.body)
        .map_err(|unread| Failure::new(Clowd9Error::InvalidBody, format!("body: {unread}")))
}

/// A Clowd9 UUID identifier (`^[a-fA-F0-9]{8}-…-[a-fA-F0-9]{12}$`), nothing looser.
pub(crate) fn uuid(text: &str, field: &'static str) -> Result<Uuid, Failure> {
    // At 36 bytes the uuid crate reads exactly the hyphenated form (hex digits, dashes at 8,
    // 13, 18 and 23); the length check keeps out its other forms (simple, braced, URN).
    match Uuid::try_parse(text) {
        Ok(uuid) if text.len() == 36 => Ok(uuid),
        _ => Err(Failure::new(
            Clowd9Error::Invalid(field),
            format!("field {field}: not a UUID (8-4-4-4-12 hex digits)"),
        )),
    }
}

/// An optional string field of at most `chars_max` characters.
fn optional_text<'a>(
    value: &'a Option<Field<'_>>,
    field: &'static str,
    chars_max: usize,
) -> Result<Option<&'a str>, Failure> {
    match value {
        None => Ok(None),
        // A text of at most `chars_max` bytes has at most as many characters: no count needed.
        Some(Field::String(text))
            if text.len() <= chars_max || text.chars().count() <= chars_max =>
        {
            Ok(Some(text))
        }
        Some(Field::String(_)) => Err(Failure::new(
            Clowd9Error::Invalid(field),
            format!("field {field}: longer than {chars_max} characters"),
        )),
        Some(other) => Err(Failure::new(
            Clowd9Error::Invalid(field),
            format!("field {field}: {} where a string is expected", other.type_name()),
        )),
    }
}

/// A required, non-empty string field.
fn required_text<'a>(
    value: &'a Option<Field<'_>>,
    field: &'static str,
    chars_max: usize,
) -> Result<&'a str, Failure> {
    match optional_text(value, field, chars_max)? {
        Some(text) if !text.is_empty() => Ok(text),
        Some(_) => Err(Failure::new(Clowd9Error::Missing(field), format!("field {field}: empty"))),
        None => Err(Failure::new(Clowd9Error::Missing(field), format!("field {field}: missing"))),
    }
}

/// `reference_id` of increase, decrease and transfer: optional, but at least one character
/// when sent (the CLOWD9 API's `minLength: 1` on those three operations).
fn reference_id<'a>(value: &'a Option<Field<'_>>) -> Result<Option<&'a str>, Failure> {
    match optional_text(value, "reference_id", FREE_TEXT_CHARS_MAX)? {
        Some("") => Err(Failure::new(
            Clowd9Error::Invalid("reference_id"),
            "field reference_id: empty (minLength 1)",
        )),
        other => Ok(other),
    }
}

/// `reference_id` of a correction and of the seed's call, where the vendor declares a plain
/// string (and the seed's own example sends `""`): an empty one is accepted and, naming no
/// change, keys nothing, so it is treated as absent.
fn reference_id_or_empty<'a>(value: &'a Option<Field<'_>>) -> Result<Option<&'a str>, Failure> {
    Ok(optional_text(value, "reference_id", FREE_TEXT_CHARS_MAX)?.filter(|text| !text.is_empty()))
}

/// A required JSON integer of minor units that fits `int64` (sign checked by the caller).
fn amount(value: &Option<Field<'_>>) -> Result<i64, Failure> {
    match value {
        None => Err(Failure::new(Clowd9Error::Missing("amount"), "field amount: missing")),
        Some(Field::Number(number)) => json::integer_text(number).ok_or_else(|| {
            Failure::new(
                Clowd9Error::Invalid("amount"),
                format!(
                    "field amount: {number} is not an integer count of minor units within int64"
                ),
            )
        }),
        Some(other) => Err(Failure::new(
            Clowd9Error::Invalid("amount"),
            format!(
                "field amount: {} where an integer of minor units is expected",
                other.type_name()
            ),
        )),
    }
}

/// A required positive amount of minor units.
fn positive_amount(value: &Option<Field<'_>>) -> Result<i64, Failure> {
    let minor = amount(value)?;
    if minor <= 0 {
        return Err(Failure::new(
            Clowd9Error::Invalid("amount"),
            format!("field amount: {minor} is not positive"),
        ));
    }
    Ok(minor)
}

fn insert(metadata: &mut Metadata, key: &'static str, value: Option<&str>) {
    if let Some(value) = value {
        metadata.insert(key, value);
    }
}

/// One balance change of one account, ready to be scaled to the account's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceCommand {
    /// The Clowd9 account.
    pub(crate) account_id: Uuid,
    /// Positive minor units.
    pub(crate) amount_minor: i64,
    /// Credit raises the balance, debit lowers it.
    pub(crate) direction: Direction,
    /// Reference fields and the entry type, kept in history.
    pub(crate) metadata: Metadata,
    /// The idempotency key text (`<account_id>/<reference_id>`), when a `reference_id` was sent.
    pub(crate) key: Option<String>,
}

impl BalanceCommand {
    /// The ledger transfer on `account`, with `reference_id` as the idempotency key.
    pub(crate) fn into_transfer(
        self,
        tenant: TenantId,
        account: AccountEntry,
        namespace: &Arc<Namespace>,
    ) -> Transfer {
        let amount = account.currency.from_minor(self.amount_minor);
        let transfer = match self.direction {
            Direction::Credit => Transfer::credit(tenant, account.id, amount, account.currency),
            Direction::Debit => Transfer::debit(tenant, account.id, amount, account.currency),
        };
        let transfer = transfer.with_metadata(self.metadata);
        match self.key {
            Some(key) => transfer.with_key(IdempotencyKey::new(namespace.clone(), key)),
            None => transfer,
        }
    }
}

fn key(account_id: Uuid, reference_id: Option<&str>) -> Option<String> {
    reference_id.map(|reference_id| {
        let mut buf = [0; uuid::fmt::Hyphenated::LENGTH];
        let mut key = String::with_capacity(buf.len() + 1 + reference_id.len());
        key.push_str(account_id.hyphenated().encode_lower(&mut buf));
        key.push('/');
        key.push_str(reference_id);
        key
    })
}

/// The `account_id` of a seed-style body as sent, for echoing in its unsuccessful body.
pub(crate) fn echoed_account_id<'a>(body: &'a UpdateAccountBalanceRequest<'_>) -> &'a str {
    match &body.account_id {
        Some(Field::String(text)) => text,
        _ => "",
    }
}

/// The seed's "Update Account Balance": `account_id`, `amount` and `direction` required;
/// `direction` is `Credit` or `Debit` in any case.
pub(crate) fn update(body: &UpdateAccountBalanceRequest<'_>) -> Result<BalanceCommand, Failure> {
    let account_id = uuid(required_text(&body.account_id, "account_id", 36)?, "account_id")?;
    let amount_minor = positive_amount(&body.amount)?;
    let direction_text = required_text(&body.direction, "direction", 16)?;
    let direction = if direction_text.eq_ignore_ascii_case("credit") {
        Direction::Credit
    } else if direction_text.eq_ignore_ascii_case("debit") {
        Direction::Debit
    } else {
        return Err(Failure::new(
            Clowd9Error::Invalid("direction"),
            format!("field direction: {direction_text:?} is neither Credit nor Debit"),
        ));
    };
    let client_id = optional_text(&body.client_id, "client_id", 36)?;
    if let Some(client_id) = client_id {
        uuid(client_id, "client_id")?;
    }
    let reference_name = optional_text(&body.r#type, "type", REFERENCE_NAME_CHARS_MAX)?;
    let destination = optional_text(&body.destination, "destination", FREE_TEXT_CHARS_MAX)?;
    let reference = optional_text(&body.reference, "reference", REFERENCE_CHARS_MAX)?;
    let reference_id = reference_id_or_empty(&body.reference_id)?;

    let mut metadata = Metadata::new();
    let entry_type = match direction {
        Direction::Credit => "credit",
        Direction::Debit => "debit",
    };
    // In key order, so each pair is appended (see `ledger::Metadata::insert`).
    insert(&mut metadata, meta::CLIENT_ID, client_id);
    insert(&mut metadata, meta::DESTINATION, destination);
    metadata.insert(meta::ENTRY_TYPE, entry_type);
    insert(&mut metadata, meta::REFERENCE, reference);
    insert(&mut metadata, meta::REFERENCE_ID, reference_id);
    insert(&mut metadata, meta::REFERENCE_NAME, reference_name);
    Ok(BalanceCommand {
        account_id,
        amount_minor,
        direction,
        metadata,
        key: key(account_id, reference_id),
    })
}

/// `IncreaseAccountBalance` (credit) or `DecreaseAccountBalance` (debit) on the path's account.
pub(crate) fn increase_or_decrease(
    account_id: Uuid,
    body: &IncreaseAccountBalanceRequest<'_>,
    direction: Direction,
) -> Result<BalanceCommand, Failure> {
    let amount_minor = positive_amount(&body.amount)?;
    let reference_name =
        optional_text(&body.reference_name, "reference_name", REFERENCE_NAME_CHARS_MAX)?;
    let reference = optional_text(&body.reference, "reference", REFERENCE_CHARS_MAX)?;
    let reference_id = reference_id(&body.reference_id)?;
    let mut metadata = Metadata::new();
    let entry_type = match direction {
        Direction::Credit => "increase",
        Direction::Debit => "decrease",
    };
    metadata.insert(meta::ENTRY_TYPE, entry_type);
    insert(&mut metadata, meta::REFERENCE, reference);
    insert(&mut metadata, meta::REFERENCE_ID, reference_id);
    insert(&mut metadata, meta::REFERENCE_NAME, reference_name);
    Ok(BalanceCommand {
        account_id,
        amount_minor,
        direction,
        metadata,
        key: key(account_id, reference_id),
    })
}

/// `CorrectAccountBalance`: a signed, non-zero `amount` and a required `reason`.
pub(crate) fn correct(
    account_id: Uuid,
    body: &CorrectAccountBalanceRequest<'_>,
) -> Result<BalanceCommand, Failure> {
    let signed = amount(&body.amount)?;
    if signed == 0 {
        return Err(Failure::new(Clowd9Error::Invalid("amount"), "field amount: zero correction"));
    }
    let amount_minor = signed.checked_abs().ok_or_else(|| {
        Failure::new(Clowd9Error::Invalid("amount"), "field amount: out of range")
    })?;
    let direction = if signed > 0 { Direction::Credit } else { Direction::Debit };
    let reason = required_text(&body.reason, "reason", REFERENCE_CHARS_MAX)?;
    let correction_type =
        optional_text(&body.correction_type, "correction_type", FREE_TEXT_CHARS_MAX)?;
    let reference_id = reference_id_or_empty(&body.reference_id)?;
    let mut metadata = Metadata::new();
    metadata.insert(meta::CORRECTION_REASON, reason);
    insert(&mut metadata, meta::CORRECTION_TYPE, correction_type);
    metadata.insert(meta::ENTRY_TYPE, "InternalCorrection");
    insert(&mut metadata, meta::REFERENCE_ID, reference_id);
    Ok(BalanceCommand {
        account_id,
        amount_minor,
        direction,
        metadata,
        key: key(account_id, reference_id),
    })
}

/// An account-to-account transfer, ready to be scaled to the source account's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransferCommand {
    /// The account debited; `None` when the id is no UUID and so names no account.
    pub(crate) source: Option<Uuid>,
    /// The account credited; `None` when the id is no UUID and so names no account.
    pub(crate) destination: Option<Uuid>,
    pub(crate) amount_minor: i64,
    pub(crate) metadata: Metadata,
    pub(crate) key: Option<String>,
}

/// A transfer's `source_account_id` or `destination_account_id`. The CLOWD9 API asks only for
/// at least 36 characters here (no UUID pattern, unlike its `{account_id}` paths), so a shorter
/// id is `invalid <field>`, while a long enough one that is no UUID is `None`: it names no
/// account, and is answered like any unknown one.
fn transfer_account_id(
    value: &Option<Field<'_>>,
    field: &'static str,
) -> Result<Option<Uuid>, Failure> {
    // No maximum: the vendor states none, the id is never stored, and the body limit bounds it.
    let text = required_text(value, field, usize::MAX)?;
    if text.chars().count() < TRANSFER_ACCOUNT_ID_CHARS_MIN {
        return Err(Failure::new(
            Clowd9Error::Invalid(field),
            format!("field {field}: shorter than {TRANSFER_ACCOUNT_ID_CHARS_MIN} characters"),
        ));
    }
    Ok(uuid(text, field).ok())
}

/// `TransferFromAccountToAccount`.
pub(crate) fn transfer(
    body: &TransferFromAccountToAccountRequest<'_>,
) -> Result<TransferCommand, Failure> {
    let source = transfer_account_id(&body.source_account_id, "source_account_id")?;
    let destination = transfer_account_id(&body.destination_account_id, "destination_account_id")?;
    let amount_minor = positive_amount(&body.amount)?;
    let reference_name =
        optional_text(&body.reference_name, "reference_name", REFERENCE_NAME_CHARS_MAX)?;
    let reference = optional_text(&body.reference, "reference", REFERENCE_CHARS_MAX)?;
    let reference_id = reference_id(&body.reference_id)?;
    let mut metadata = Metadata::new();
    metadata.insert(meta::ENTRY_TYPE, "transfer");
    insert(&mut metadata, meta::REFERENCE, reference);
    insert(&mut metadata, meta::REFERENCE_ID, reference_id);
    insert(&mut metadata, meta::REFERENCE_NAME, reference_name);
    Ok(TransferCommand {
        source,
        destination,
        amount_minor,
        metadata,
        key: source.and_then(|source| key(source, reference_id)),
    })
}

/// `AuthenticateApi`: both `key` and `secret` required strings.
pub(crate) fn credentials<'a>(
    body: &'a AuthenticateApiRequest<'_>,
) -> Result<(&'a str, &'a str), Failure> {
    let key = required_text(&body.key, "key", CREDENTIAL_CHARS_MAX)?;
    let secret = required_text(&body.secret, "secret", CREDENTIAL_CHARS_MAX)?;
    Ok((key, secret))
}

/// `RefreshToken`'s body: the spec declares an (empty) JSON object; an empty body is let
/// through too.
pub(crate) fn refresh_body(req: &Request) -> Result<(), Failure> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    body::<serde::de::IgnoredAny>(req).map(|_| ())
}

/// The ledger-entries query, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntriesQuery {
    /// First instant included, microseconds since the epoch.
    pub(crate) from_micros: i64,
    /// First instant excluded.
    pub(crate) to_micros: i64,
    /// `asc` (oldest first, the default) or `desc`.
    pub(crate) order: Order,
    /// Entries per page, 1..=100 (100 by default).
    pub(crate) limit: usize,
    /// Where the previous page stopped.
    pub(crate) cursor: Option<Cursor>,
}

fn query_error(name: &'static str, rule: impl Into<String>) -> Failure {
    Failure::new(Clowd9Error::Invalid(name), rule)
}

/// `from_date`/`to_date` (required, `YYYY-MM-DD`), `from_time`/`to_time` (`HH:MM:SS` UTC,
/// defaulting to the whole days), `sort`, `limit`, `next_page_token`.
pub(crate) fn entries_query(req: &Request) -> Result<EntriesQuery, Failure> {
    let date = |name: &'static str| -> Result<i64, Failure> {
        let text = req.query_param(name).ok_or_else(|| {
            Failure::new(Clowd9Error::Missing(name), format!("query {name}: missing"))
        })?;
        time::parse_date(&text)
            .ok_or_else(|| query_error(name, format!("query {name}: {text:?} is not YYYY-MM-DD")))
    };
    let time = |name: &'static str| -> Result<Option<i64>, Failure> {
        let Some(text) = req.query_param(name) else { return Ok(None) };
        time::parse_time(&text)
            .map(Some)
            .ok_or_else(|| query_error(name, format!("query {name}: {text:?} is not HH:MM:SS")))
    };
    let from_micros = date("from_date")? + time("from_time")?.unwrap_or(0);
    // `to_time` is inclusive to the second: 23:59:59 of `to_date` when absent.
    let to_micros = date("to_date")? + time("to_time")?.unwrap_or(86_399_000_000) + 1_000_000;
    if to_micros <= from_micros {
        return Err(query_error("to_date", "query to_date/to_time: before from_date/from_time"));
    }
    let order = match req.query_param("sort") {
        None => Order::OldestFirst,
        Some(sort) if sort.eq_ignore_ascii_case("asc") => Order::OldestFirst,
        Some(sort) if sort.eq_ignore_ascii_case("desc") => Order::NewestFirst,
        Some(sort) => {
            return Err(query_error(
                "sort",
                format!("query sort: {sort:?} is neither asc nor desc"),
            ));
        }
    };
    let limit = match req.query_param("limit") {
        None => ENTRIES_PAGE_MAX,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=ENTRIES_PAGE_MAX).contains(n) && !text.starts_with(['0', '+']))
            .ok_or_else(|| query_error("limit", format!("query limit: {text:?} is not 1..100")))?,
    };
    let cursor = match req.query_param("next_page_token") {
        None => None,
        Some(token) if token.is_empty() => None,
        Some(token) => Some(page_token_cursor(&token, order).ok_or_else(|| {
            query_error("next_page_token", "query next_page_token: not one this server issued")
        })?),
    };
    Ok(EntriesQuery { from_micros, to_micros, order, limit, cursor })
}

fn order_tag(order: Order) -> char {
    match order {
        Order::OldestFirst => 'a',
        Order::NewestFirst => 'd',
    }
}

/// A `next_page_token`: URL-safe base64 (padded, like the spec's example) of the sort and the
/// history position to resume from, so it needs no escaping in a query string.
pub(crate) fn page_token(order: Order, position: u64) -> String {
    URL_SAFE.encode(format!("{}:{position}", order_tag(order)))
}

fn page_token_cursor(token: &str, order: Order) -> Option<Cursor> {
    let decoded = String::from_utf8(URL_SAFE.decode(token).ok()?).ok()?;
    let (tag, position) = decoded.split_once(':')?;
    if tag.len() != 1 || !tag.starts_with(order_tag(order)) {
        return None;
    }
    position.parse().ok().map(Cursor)
}
