//! Path and query parameters: guids, and the by-balance listing's query.

use uuid::Uuid;

use super::body::Problems;
use super::{PROGRAM_ACCOUNTS_MAX, guid};
use crate::Request;
use crate::qolo::errors::{self, Failure};
use crate::qolo::state::ACCOUNT_STATUSES;

/// A guid path or query parameter, or ASP.NET's model-binding message.
pub(crate) fn guid_param(name: &str, value: &str) -> Result<Uuid, Failure> {
    guid(value).ok_or_else(|| errors::field(name, format!("The value '{value}' is not valid.")))
}

/// An optional guid query parameter.
pub(crate) fn guid_query(req: &Request, name: &str) -> Result<Option<Uuid>, Failure> {
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
pub(crate) fn program_query(req: &Request) -> Result<ProgramQuery, Failure> {
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
