//! FirstVision's per-tenant state besides the ledger: each account's VisionPLUS identity
//! (organization, logo, account and card numbers), the credit limit each of its cash
//! transfers showed, and each organization's action-code table (which ASM action codes credit
//! and which debit).

mod record;

pub(crate) use record::{Record, direction_name};

use std::collections::VecDeque;

use crate::common::HashMap;
use crate::common::ids::IdGen;
use crossbeam_utils::sync::ShardedLock;
use std::sync::{Arc, Mutex};

use ledger::{AccountId, Currency, Direction, TenantId, Timestamp, TransferId};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// The organization an account gets when the admin API names none: the vendor's own examples
/// use 970 (`X-ClientID: 00970`).
pub(crate) const DEFAULT_ORG: u16 = 970;

/// The logo (product) an account gets when none is named; 401 is the logo of the vendor's
/// sample account `9704010000000001467`.
pub(crate) const DEFAULT_LOGO: u16 = 401;

/// An account's VisionPLUS identity.
#[derive(Debug)]
pub(crate) struct AccountMeta {
    pub(crate) id: AccountId,
    /// Account organization (`AZXMAO-ACCT-ORG`).
    pub(crate) org: u16,
    /// Account logo, the product (`AZXMAO-ACCT-LOGO`).
    pub(crate) logo: u16,
    /// The 19-digit account number.
    pub(crate) account_number: String,
    /// The card (or PAN token), 19 characters, zero-padded.
    pub(crate) card_number: String,
    /// The card's sequence number.
    pub(crate) card_sequence: u32,
    /// The account's currency (every amount on it is in this currency).
    pub(crate) currency: Currency,
    /// The credit limit each cash transfer's answer showed, for its replays.
    pub(crate) credit_limits: CreditLimitLog,
    /// The unchanging parts of its cash answers, written when it opened.
    pub(crate) layout: super::wire::cash::Layout,
}

/// Most transfers whose credit limit one account remembers; past it the oldest go first (a
/// replay of one of those shows the current credit limit).
const CREDIT_LIMITS_PER_ACCOUNT_MAX: usize = 1 << 18;

/// The credit limit each of an account's cash transfers showed, by ledger transfer, while its
/// `referenceNumber` can be replayed. The ledger's receipt keeps the balances of the time but
/// not the limits, which the admin API can change; a replay must answer the first answer.
#[derive(Debug, Default)]
pub(crate) struct CreditLimitLog {
    /// `(transfer, forget after, credit limit)`, by transfer id.
    entries: Mutex<VecDeque<(TransferId, Timestamp, Decimal)>>,
}

impl CreditLimitLog {
    /// Remembers the credit limit `transfer`'s answer showed until `expires_at`, forgetting
    /// entries expired at `now`.
    pub(crate) fn record(
        &self,
        transfer: TransferId,
        credit_limit: Decimal,
        now: Timestamp,
        expires_at: Timestamp,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while entries.front().is_some_and(|(_, expires_at, _)| *expires_at <= now) {
            entries.pop_front();
        }
        // Transfers of one account arrive almost in commit order: keep the log sorted.
        let idx = entries.iter().rposition(|(id, _, _)| *id < transfer).map_or(0, |idx| idx + 1);
        entries.insert(idx, (transfer, expires_at, credit_limit));
        if entries.len() > CREDIT_LIMITS_PER_ACCOUNT_MAX {
            entries.pop_front();
        }
    }

    /// The credit limit `transfer`'s answer showed, if still remembered.
    pub(crate) fn get(&self, transfer: TransferId) -> Option<Decimal> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let idx = entries.binary_search_by(|(id, _, _)| id.cmp(&transfer)).ok()?;
        entries.get(idx).map(|(_, _, credit_limit)| *credit_limit)
    }
}

/// What an ASM action code does (one row of the organization's AMAC file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionCode {
    /// Credit (cash-in) or debit (cash-out).
    pub(crate) direction: Direction,
    /// The CMS transaction code the action posts (`transactionCode` in the answer).
    pub(crate) transaction_code: &'static str,
    /// `actionDescription` in the answer (at most 20 characters).
    pub(crate) description: &'static str,
}

const CASH_IN: ActionCode =
    ActionCode { direction: Direction::Credit, transaction_code: "271", description: "CASH IN" };
const CASH_OUT: ActionCode =
    ActionCode { direction: Direction::Debit, transaction_code: "272", description: "CASH OUT" };

/// The action codes every organization starts with: `FUND` loads and `FREV` unloads (the
/// vendor's own transfer example pairs them), and the numeric codes of the vendor's examples
/// (`8000`/`8002`/`8016` credit, `8001`/`8017` debit; their direction is our reading).
const DEFAULT_ACTION_CODES: [(&str, ActionCode); 7] = [
    ("FUND", CASH_IN),
    ("FREV", CASH_OUT),
    ("8000", CASH_IN),
    ("8001", CASH_OUT),
    ("8002", CASH_IN),
    ("8016", CASH_IN),
    ("8017", CASH_OUT),
];

/// One organization's action-code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrgTable {
    pub(crate) action_codes: HashMap<String, ActionCode>,
}

impl Default for OrgTable {
    fn default() -> OrgTable {
        OrgTable {
            action_codes: DEFAULT_ACTION_CODES
                .iter()
                .map(|(code, action)| ((*code).to_string(), action.clone()))
                .collect(),
        }
    }
}

/// The action a direction names, as the admin API's `actionCodes` and records spell it.
pub(crate) fn action_code(direction: &str) -> Option<ActionCode> {
    match direction {
        "credit" => Some(CASH_IN),
        "debit" => Some(CASH_OUT),
        _ => None,
    }
}

/// Parses the admin API's `actionCodes` object (`{"LOAD": "credit", "UNLD": "debit"}`).
pub(crate) fn parse_action_codes(value: &Value) -> Result<Vec<(String, ActionCode)>, String> {
    let Value::Object(map) = value else {
        return Err("actionCodes must be an object of code -> \"credit\" | \"debit\"".into());
    };
    let mut res = Vec::with_capacity(map.len());
    for (code, direction) in map {
        if code.chars().count() != 4 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("action code {code:?} must be 4 letters or digits"));
        }
        let Some(action) = direction.as_str().and_then(action_code) else {
            return Err(format!("action code {code}: direction must be \"credit\" or \"debit\""));
        };
        res.push((code.clone(), action));
    }
    Ok(res)
}

/// Accounts and organizations of every tenant. Read on every request, written when the admin
/// API opens an account; `ShardedLock`s keep reads parallel, and no lock is held across a ledger call.
#[derive(Debug, Default)]
pub(crate) struct State {
    accounts: ShardedLock<HashMap<(TenantId, AccountId), Arc<AccountMeta>>>,
    orgs: ShardedLock<HashMap<(TenantId, u16), Arc<OrgTable>>>,
}

impl State {
    pub(crate) fn account(&self, tenant: TenantId, id: AccountId) -> Option<Arc<AccountMeta>> {
        let accounts = self.accounts.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.get(&(tenant, id)).cloned()
    }

    pub(crate) fn insert_account(&self, tenant: TenantId, meta: AccountMeta) {
        let mut accounts = self.accounts.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.insert((tenant, meta.id), Arc::new(meta));
    }

    /// The organization's table, if the tenant has any account in it.
    pub(crate) fn org(&self, tenant: TenantId, org: u16) -> Option<Arc<OrgTable>> {
        let orgs = self.orgs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        orgs.get(&(tenant, org)).cloned()
    }

    /// Makes sure the organization exists and applies `overrides` to its action codes.
    pub(crate) fn ensure_org(
        &self,
        tenant: TenantId,
        org: u16,
        overrides: Vec<(String, ActionCode)>,
    ) {
        let mut orgs = self.orgs.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let table = orgs.entry((tenant, org)).or_default();
        if !overrides.is_empty() {
            let table = Arc::make_mut(table);
            table.action_codes.extend(overrides);
        }
    }

    /// Forgets every account and organization of `tenant`.
    pub(crate) fn remove_tenant(&self, tenant: TenantId) {
        let mut accounts = self.accounts.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.retain(|(owner, _), _| *owner != tenant);
        drop(accounts);
        let mut orgs = self.orgs.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        orgs.retain(|(owner, _), _| *owner != tenant);
    }
}

/// The identifiers the admin API may give, in the vendor's names.
pub(crate) const VENDOR_ID_KEYS: [&str; 6] =
    ["organizationNumber", "logo", "accountNumber", "cardNumber", "cardSequence", "actionCodes"];

/// Reads an integer identifier given as a JSON number or digit string.
pub(crate) fn id_integer(
    ids: &Map<String, Value>,
    key: &str,
    max: u32,
) -> Result<Option<u32>, String> {
    let Some(value) = ids.get(key) else { return Ok(None) };
    let parsed = match value {
        Value::Number(number) => crate::common::json::integer(number),
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    };
    match parsed.and_then(|n| u32::try_from(n).ok()).filter(|n| *n <= max) {
        Some(n) => Ok(Some(n)),
        None => Err(format!("{key} must be an integer from 0 to {max}")),
    }
}

/// Reads a text identifier.
pub(crate) fn id_text<'a>(
    ids: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, String> {
    match ids.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

/// A realistic account number: organization (3), logo (3), then 13 digits, like the vendor's
/// `9704010000000001467`.
pub(crate) fn generate_account_number(ids: &IdGen, org: u16, logo: u16) -> String {
    format!("{org:03}{logo:03}{}", ids.digits(13))
}

/// A realistic card number: a 16-digit Visa-like PAN with a valid Luhn check digit, zero-padded
/// to 19 characters like the vendor's `0004444440000000558`.
pub(crate) fn generate_card_number(ids: &IdGen) -> String {
    let body = format!("4{}", ids.digits(14));
    format!("000{body}{}", luhn_check_digit(&body))
}

/// The Luhn check digit for `digits`.
pub(crate) fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(idx, b)| {
            let d = u32::from(b.saturating_sub(b'0'));
            if idx % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Whether `text` is a plausible card number or PAN token: 12–19 letters or digits.
pub(crate) fn is_card_number(text: &str) -> bool {
    (12..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `text` is a 19-digit account number.
pub(crate) fn is_account_number(text: &str) -> bool {
    text.len() == 19 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `X-ClientID` for an organization: zero-padded to five digits (`970` → `00970`).
pub(crate) fn client_id(org: u16) -> String {
    format!("{org:05}")
}
