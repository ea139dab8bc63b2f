//! Outcomes a ledger operation can end in, other than success.

use std::fmt;

use crate::account::Status;

/// Why a transfer, or the posting or voiding of a pending transfer, was rejected.
///
/// Variants are listed in precedence order: when several rules are violated, the first listed
/// wins (`tests/scenarios.rs` pins this). No variant carries HTTP or vendor meaning; each vendor
/// maps them onto its own documented errors. A rejected operation changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Error {
    /// The idempotency key was already used, within its window, for a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyConflict,
    /// Zero or negative amount.
    #[error("amount must be positive")]
    AmountNotPositive,
    /// More fractional digits than the currency's minor unit.
    #[error("amount has more decimal places than the currency allows")]
    AmountScaleExceeded,
    /// Larger than [`crate::AMOUNT_MAX`].
    #[error("amount exceeds the largest amount the ledger accepts")]
    AmountTooLarge,
    /// No such account in this tenant (accounts of other tenants are not found either).
    #[error("account not found")]
    AccountNotFound,
    /// Debit and credit name the same account.
    #[error("debit and credit accounts must differ")]
    SameAccount,
    /// The transfer's currency is not the account's currency.
    #[error("currency does not match the account's currency")]
    CurrencyMismatch,
    /// The account is frozen or closed; only active accounts move money.
    #[error("account is {status}")]
    AccountNotActive {
        /// The account's status.
        status: Status,
    },
    /// Above the account's per-transfer maximum.
    #[error("amount exceeds the account's per-transfer maximum")]
    TransferMaximumExceeded,
    /// The transfer would break one of the account's daily limits.
    #[error("daily limit exceeded: {limit}")]
    DailyLimitExceeded {
        /// Which of the four daily limits.
        limit: DailyLimit,
    },
    /// The debit would take the available balance below the account's minimum balance.
    #[error("insufficient funds")]
    InsufficientFunds,
    /// The credit would take the balance above the account's maximum balance.
    #[error("balance would exceed the account's maximum balance")]
    BalanceMaximumExceeded,
    /// No pending transfer with that id in this tenant.
    #[error("pending transfer not found")]
    PendingNotFound,
    /// The pending transfer was already posted.
    #[error("pending transfer already posted")]
    PendingAlreadyPosted,
    /// The pending transfer was already voided.
    #[error("pending transfer already voided")]
    PendingAlreadyVoided,
    /// The pending transfer's hold ran out before it was posted.
    #[error("pending transfer expired")]
    PendingExpired,
    /// Posting more than the pending amount.
    #[error("amount exceeds the pending amount")]
    PendingAmountExceeded,
    /// The event journal refused the change, so it was not applied.
    #[error("journal unavailable: the change was not applied")]
    JournalUnavailable,
}

impl Error {
    /// Every reason's stable, snake_case code, in precedence order: what reports name a
    /// refusal by (`Error::code`).
    pub const CODES: [&'static str; 18] = [
        "idempotency_conflict",
        "amount_not_positive",
        "amount_scale_exceeded",
        "amount_too_large",
        "account_not_found",
        "same_account",
        "currency_mismatch",
        "account_not_active",
        "transfer_maximum_exceeded",
        "daily_limit_exceeded",
        "insufficient_funds",
        "balance_maximum_exceeded",
        "pending_not_found",
        "pending_already_posted",
        "pending_already_voided",
        "pending_expired",
        "pending_amount_exceeded",
        "journal_unavailable",
    ];

    /// The reason's position in [`Error::CODES`]; exhaustive, so a new reason must get a code.
    pub(crate) fn index(&self) -> usize {
        match self {
            Error::IdempotencyConflict => 0,
            Error::AmountNotPositive => 1,
            Error::AmountScaleExceeded => 2,
            Error::AmountTooLarge => 3,
            Error::AccountNotFound => 4,
            Error::SameAccount => 5,
            Error::CurrencyMismatch => 6,
            Error::AccountNotActive { .. } => 7,
            Error::TransferMaximumExceeded => 8,
            Error::DailyLimitExceeded { .. } => 9,
            Error::InsufficientFunds => 10,
            Error::BalanceMaximumExceeded => 11,
            Error::PendingNotFound => 12,
            Error::PendingAlreadyPosted => 13,
            Error::PendingAlreadyVoided => 14,
            Error::PendingExpired => 15,
            Error::PendingAmountExceeded => 16,
            Error::JournalUnavailable => 17,
        }
    }

    /// The reason's stable, snake_case code (`insufficient_funds`), without its details.
    pub fn code(&self) -> &'static str {
        Error::CODES[self.index()]
    }
}

/// One of an account's four daily limits; all reset at the UTC day boundary of `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DailyLimit {
    /// Sum of debits in the day.
    DebitAmount,
    /// Number of debits in the day.
    DebitCount,
    /// Sum of credits in the day.
    CreditAmount,
    /// Number of credits in the day.
    CreditCount,
}

impl fmt::Display for DailyLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DailyLimit::DebitAmount => "daily debit amount",
            DailyLimit::DebitCount => "daily debit count",
            DailyLimit::CreditAmount => "daily credit amount",
            DailyLimit::CreditCount => "daily credit count",
        })
    }
}

/// Why opening or changing an account failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum AccountError {
    /// An account with this id already exists.
    #[error("account already exists")]
    AccountExists,
    /// No such account in this tenant.
    #[error("account not found")]
    AccountNotFound,
    /// Closed is final: a closed account cannot change status or limits.
    #[error("account is closed")]
    AccountClosed,
    /// Limits that contradict themselves (a positive minimum, a maximum below the minimum,
    /// a negative amount limit, more fractional digits than the currency allows).
    #[error("limits are invalid: {0}")]
    InvalidLimits(&'static str),
    /// The event journal refused the change, so it was not applied.
    #[error("journal unavailable: the change was not applied")]
    JournalUnavailable,
}

/// A refused journal append is the one way a validated change can still fail: nothing of it
/// is applied, and the caller is told the journal was unavailable.
impl From<crate::event::JournalError> for Error {
    fn from(_: crate::event::JournalError) -> Error {
        Error::JournalUnavailable
    }
}

impl From<crate::event::JournalError> for AccountError {
    fn from(_: crate::event::JournalError) -> AccountError {
        AccountError::JournalUnavailable
    }
}
