//! FirstVision's records: every change of its state beside the ledger, as the store keeps it
//! ([`crate::common::persist`]), and how each is folded back at restart.
//!
//! What changes, and what is recorded:
//! - an account the admin API opens: its VisionPLUS identity (account and card numbers in the
//!   index, organization, logo, card sequence, currency) and the action codes it added to its
//!   organization — [`Record::Opened`], recorded after the ledger opened the account (the
//!   ledger draws its id), before the vendor indexes it;
//! - an access token: [`Record::Token`], with its expiry, so a token issued before a restart
//!   still works after it, and only until it would have expired;
//! - a signed request's `X-Client-Request-Id`: [`Record::Nonce`], so a request replayed across
//!   a restart inside its five minutes is still refused;
//! - the credit limit a new cash transfer's answer showed: [`Record::CreditLimit`], so a replay
//!   of its `referenceNumber` after a restart answers the first answer even after a limit
//!   change.
//!
//! Not recorded: credentials (`Auth::provision`: the server provisions the tenant again from
//! the same seed), the `referenceNumber` keys and every figure (the ledger's own events), a
//! reset or removal (the server replays those), and what is only a bound or a sweep — tokens
//! and request ids past their expiry, credit limits past their retention — which restoring
//! redoes from the instants the records carry, so it never reads a clock.

use std::borrow::Cow;

use ledger::{AccountId, Currency, Direction, TenantId, Timestamp, TransferId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::super::FirstVision;
use super::super::errors::{Failure, unstored};
use super::{AccountMeta, ActionCode, CreditLimitLog, action_code};
use crate::Ctx;
use crate::common::persist;
use crate::common::record_fields::{micros, text};

/// The vendor's name, as its records are filed.
const NAME: &str = "firstvision";

/// One change of FirstVision's state, as JSON in the store (`{"record": "token", …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Record<'a> {
    /// The admin API opened `account` under these identifiers.
    Opened {
        #[serde(with = "text")]
        account: uuid::Uuid,
        org: u16,
        logo: u16,
        account_number: Cow<'a, str>,
        card_number: Cow<'a, str>,
        card_sequence: u32,
        #[serde(with = "text")]
        currency: Currency,
        /// Action codes the opening added to its organization: code → `credit` | `debit`.
        action_codes: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    },
    /// An access token was issued at `issued_at`, good until `expires_at`.
    Token {
        token: Cow<'a, str>,
        #[serde(with = "micros")]
        issued_at: Timestamp,
        #[serde(with = "micros")]
        expires_at: Timestamp,
    },
    /// A signed request used `request_id` at `at`.
    Nonce {
        request_id: Cow<'a, str>,
        #[serde(with = "micros")]
        at: Timestamp,
    },
    /// A new cash transfer on `account` showed `credit_limit`, remembered until `expires_at`.
    CreditLimit {
        #[serde(with = "text")]
        account: uuid::Uuid,
        transfer: u64,
        #[serde(with = "text")]
        credit_limit: Decimal,
        #[serde(with = "micros")]
        at: Timestamp,
        #[serde(with = "micros")]
        expires_at: Timestamp,
    },
}

/// An action's direction as records and the admin API spell it.
pub(crate) fn direction_name(action: &ActionCode) -> &'static str {
    match action.direction {
        Direction::Credit => "credit",
        Direction::Debit => "debit",
    }
}

impl FirstVision {
    /// Records `record` for `tenant` before it is applied; a store that cannot take it is the
    /// vendor's backend error, and the caller applies nothing.
    pub(crate) fn save(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        record: &Record<'_>,
    ) -> Result<(), Failure> {
        ctx.record(tenant, NAME, record).map_err(|err| unstored(&err).for_tenant(tenant))
    }

    /// Folds one record back (at restart, in the order recorded, the ledger already rebuilt).
    pub(crate) fn restore_record(&self, tenant: TenantId, bytes: &[u8]) -> Result<(), String> {
        match persist::decode::<Record<'_>>(NAME, bytes)? {
            Record::Opened {
                account,
                org,
                logo,
                account_number,
                card_number,
                card_sequence,
                currency,
                action_codes,
            } => {
                let action_codes = action_codes
                    .into_iter()
                    .map(|(code, direction)| match action_code(&direction) {
                        Some(action) => Ok((code.into_owned(), action)),
                        None => Err(format!("{NAME}: action code {code}: {direction:?}")),
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                let meta = AccountMeta::new(
                    AccountId(account),
                    (org, logo),
                    account_number.into_owned(),
                    card_number.into_owned(),
                    card_sequence,
                    currency,
                );
                self.index_account(tenant, meta, action_codes)
                    .map_err(|err| format!("{NAME}: {err}"))
            }
            Record::Token { token, issued_at, expires_at } => {
                // The sweep the issue made, with the only clock a record has: this tenant's
                // time of issue (another tenant's tokens are left alone).
                let never = Timestamp::from_unix_micros(i64::MIN);
                let clock = |owner| if owner == tenant { issued_at } else { never };
                self.auth.keep_token(tenant, token.into_owned(), expires_at, clock);
                Ok(())
            }
            Record::Nonce { request_id, at } => {
                self.auth.restore_request_id(tenant, &request_id, at);
                Ok(())
            }
            Record::CreditLimit { account, transfer, credit_limit, at, expires_at } => {
                let meta = self.state.account(tenant, AccountId(account)).ok_or_else(|| {
                    format!("{NAME}: a credit limit for account {account}, never opened")
                })?;
                meta.credit_limits.record(TransferId(transfer), credit_limit, at, expires_at);
                Ok(())
            }
        }
    }
}

impl AccountMeta {
    /// An account's identity as opening gives it, with the unchanging parts of its cash
    /// answers laid out once.
    pub(crate) fn new(
        id: AccountId,
        (org, logo): (u16, u16),
        account_number: String,
        card_number: String,
        card_sequence: u32,
        currency: Currency,
    ) -> AccountMeta {
        AccountMeta {
            layout: super::super::wire::cash::Layout::of(
                org,
                logo,
                &account_number,
                &card_number,
                currency,
            ),
            id,
            org,
            logo,
            account_number,
            card_number,
            card_sequence,
            currency,
            credit_limits: CreditLimitLog::default(),
        }
    }
}
