//! Why the ledger refused a change, in one line with the figures behind it: the reason every
//! vendor sends as `X-Sandbank-Reason` and keeps in the journal when a write is refused, so a
//! client debugging a decline reads the balance, limit or usage that decided it.
//!
//! `ledger: insufficient funds (available 60.00, minimum 0.00, debit 61.00)`.
//!
//! The accounts are read only on this failure path; a write that succeeds never pays for it.

use std::fmt::Write as _;

use ledger::{AccountId, AccountView, DailyLimit, Party, TenantId, Transfer};
use rust_decimal::Decimal;

use crate::Ctx;

/// How a vendor writes amounts on its wire, so the reason shows the numbers the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Decimal amounts in the currency's exponent: `100.00` USD, `100` JPY.
    Major,
    /// Integer counts of the currency's minor unit: `10000` for 100.00 USD.
    Minor,
}

/// A refused change: its amount, the customer accounts it debited and credited, and the request
/// field that keys it (named when a key is reused for another request).
#[derive(Debug, Clone, Copy)]
pub struct Refused<'a> {
    /// The amount the change moved, in major units.
    pub amount: Decimal,
    /// The account the change debited, if any.
    pub debit: Option<AccountId>,
    /// The account the change credited, if any.
    pub credit: Option<AccountId>,
    /// The request field the idempotency key came from (`client_reference_id`).
    pub key_field: Option<&'a str>,
}

impl<'a> Refused<'a> {
    /// The refused `transfer`'s amount and customer accounts.
    pub fn of(transfer: &Transfer) -> Refused<'a> {
        let account = |party: Party| match party {
            Party::Account(account) => Some(account),
            Party::External => None,
        };
        Refused {
            amount: transfer.amount,
            debit: account(transfer.debit),
            credit: account(transfer.credit),
            key_field: None,
        }
    }

    /// The same, naming the request field its idempotency key came from.
    #[must_use]
    pub fn keyed_by(self, field: &'a str) -> Refused<'a> {
        Refused { key_field: Some(field), ..self }
    }
}

/// `err` in one line with the figures behind it, read from `tenant`'s accounts now.
pub fn refusal(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    err: &ledger::Error,
    refused: &Refused<'_>,
    units: Units,
) -> String {
    let now = ctx.now(tenant);
    let view = |account: Option<AccountId>| ctx.ledger.account(now, tenant, account?);
    match err {
        ledger::Error::IdempotencyConflict => match refused.key_field {
            Some(field) => format!("ledger: {field} reused with a different request"),
            None => format!("ledger: {err}"),
        },
        ledger::Error::InsufficientFunds => {
            explained(err, units, view(refused.debit), |v, show| {
                let (available, minimum) = (v.balances.available, v.limits.balance_min);
                format!(
                    "available {}, minimum {}, debit {}",
                    show(available),
                    show(minimum),
                    show(refused.amount)
                )
            })
        }
        ledger::Error::BalanceMaximumExceeded => {
            explained(err, units, view(refused.credit), |v, show| {
                format!(
                    "balance {}, incoming {}, credit {}, maximum {}",
                    show(v.balances.posted),
                    show(v.balances.pending_credits),
                    show(refused.amount),
                    v.limits.balance_max.map_or_else(|| "none".into(), show)
                )
            })
        }
        ledger::Error::TransferMaximumExceeded => {
            // The side whose own maximum the amount is over.
            let over = [refused.debit, refused.credit].into_iter().find_map(|side| {
                let v = view(side)?;
                (refused.amount > v.limits.transfer_amount_max?).then_some(v)
            });
            explained(err, units, over, |v, show| {
                format!(
                    "amount {}, maximum {}",
                    show(refused.amount),
                    v.limits.transfer_amount_max.map_or_else(|| "none".into(), show)
                )
            })
        }
        ledger::Error::DailyLimitExceeded { limit } => {
            let side = match limit {
                DailyLimit::DebitAmount | DailyLimit::DebitCount => refused.debit,
                DailyLimit::CreditAmount | DailyLimit::CreditCount => refused.credit,
            };
            // Counts are no amounts: no unit after them.
            let units = match limit {
                DailyLimit::DebitCount | DailyLimit::CreditCount => Units::Major,
                DailyLimit::DebitAmount | DailyLimit::CreditAmount => units,
            };
            explained(err, units, view(side), |v, show| daily(*limit, v, refused.amount, show))
        }
        _ => format!("ledger: {err}"),
    }
}

/// `ledger: <err> (<figures>)` in `units`, or `ledger: <err>` when the account is gone.
fn explained(
    err: &ledger::Error,
    units: Units,
    view: Option<AccountView>,
    figures: impl FnOnce(&AccountView, &dyn Fn(Decimal) -> String) -> String,
) -> String {
    let mut line = format!("ledger: {err}");
    if let Some(view) = view {
        let exponent = view.currency.exponent();
        let show = |amount: Decimal| {
            let mut shown = amount;
            shown.rescale(exponent);
            match units {
                Units::Major => shown.to_string(),
                Units::Minor => shown.mantissa().to_string(),
            }
        };
        let unit = match units {
            Units::Major => "",
            Units::Minor => " minor units",
        };
        let _ = write!(line, " ({}{unit})", figures(&view, &show));
    }
    line
}

/// Today's usage of `limit`, this change, and the limit.
fn daily(
    limit: DailyLimit,
    view: &AccountView,
    amount: Decimal,
    show: &dyn Fn(Decimal) -> String,
) -> String {
    let (usage, limits) = (&view.daily, &view.limits);
    let count = |today: u32, max: Option<u32>| {
        format!(
            "today {today}, daily maximum {}",
            max.map_or_else(|| "none".into(), |n| n.to_string())
        )
    };
    let sum = |today: Decimal, max: Option<Decimal>| {
        format!(
            "today {}, this one {}, daily maximum {}",
            show(today),
            show(amount),
            max.map_or_else(|| "none".into(), show)
        )
    };
    match limit {
        DailyLimit::DebitAmount => sum(usage.debit_amount, limits.daily_debit_amount_max),
        DailyLimit::CreditAmount => sum(usage.credit_amount, limits.daily_credit_amount_max),
        DailyLimit::DebitCount => count(usage.debit_count, limits.daily_debit_count_max),
        DailyLimit::CreditCount => count(usage.credit_count, limits.daily_credit_count_max),
    }
}

#[cfg(test)]
mod tests {
    use ledger::{Config, Currency, Labels, Ledger, Limits, NewAccount, Timestamp};

    use super::*;
    use crate::common::ids::Ids;

    const NOW: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);
    const TENANT: TenantId = TenantId(uuid::Uuid::from_u128(1));

    fn usd(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    /// The reason for `transfer` on a ledger holding one USD account with `limits` and 60.00.
    fn reason_for(
        limits: Limits,
        transfer: impl FnOnce(AccountId) -> Transfer,
        units: Units,
    ) -> String {
        let ledger = Ledger::new(Config::default());
        let id = AccountId(uuid::Uuid::from_u128(9));
        let new = NewAccount {
            id,
            tenant: TENANT,
            currency: Currency::from_code("USD").unwrap(),
            limits,
            labels: Labels::default(),
        };
        ledger.open_account_with_balance(NOW, new, usd("60.00")).unwrap();
        let transfer = transfer(id);
        let err = ledger.transfer(NOW, transfer.clone()).unwrap_err();
        let clock = |_: TenantId| NOW;
        let (ids, server) = (Ids::default(), crate::common::ids::IdGen::random());
        let trace = crate::common::ids::Trace::new(&server, &ids);
        let ctx = Ctx {
            ledger: &ledger,
            clock: &clock,
            trace: &trace,
            ids: &ids,
            recorder: &crate::common::persist::Memory,
        };
        refusal(&ctx, TENANT, &err, &Refused::of(&transfer).keyed_by("reference"), units)
    }

    fn usd_currency() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    #[test]
    fn a_refusal_shows_the_figures_that_decided_it_in_the_vendors_units() {
        let debit = |amount: &str| {
            let amount = usd(amount);
            move |id| Transfer::debit(TENANT, id, amount, usd_currency())
        };
        let credit = |amount: &str| {
            let amount = usd(amount);
            move |id| Transfer::credit(TENANT, id, amount, usd_currency())
        };
        assert_eq!(
            reason_for(Limits::default(), debit("61"), Units::Major),
            "ledger: insufficient funds (available 60.00, minimum 0.00, debit 61.00)"
        );
        assert_eq!(
            reason_for(Limits::default(), debit("61"), Units::Minor),
            "ledger: insufficient funds (available 6000, minimum 0, debit 6100 minor units)"
        );
        let capped = Limits { balance_max: Some(usd("100")), ..Limits::default() };
        assert_eq!(
            reason_for(capped, credit("40.01"), Units::Major),
            "ledger: balance would exceed the account's maximum balance (balance 60.00, incoming \
             0.00, credit 40.01, maximum 100.00)"
        );
        let per_transfer = Limits { transfer_amount_max: Some(usd("5")), ..Limits::default() };
        assert_eq!(
            reason_for(per_transfer, debit("5.01"), Units::Major),
            "ledger: amount exceeds the account's per-transfer maximum (amount 5.01, maximum 5.00)"
        );
        let daily = Limits { daily_debit_amount_max: Some(usd("1")), ..Limits::default() };
        assert_eq!(
            reason_for(daily, debit("2"), Units::Minor),
            "ledger: daily limit exceeded: daily debit amount (today 0, this one 200, daily \
             maximum 100 minor units)"
        );
        let counted = Limits { daily_credit_count_max: Some(0), ..Limits::default() };
        assert_eq!(
            reason_for(counted, credit("1"), Units::Minor),
            "ledger: daily limit exceeded: daily credit count (today 0, daily maximum 0)"
        );
    }
}
