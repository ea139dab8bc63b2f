//! A naive reference model of the ledger for property tests: three USD accounts with fixed
//! limits, plain vectors instead of shards, every rule written the obvious way.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::{Balances, DailyLimit, Error, Limits, Status, Timestamp};

/// The limits of the three model accounts, by index.
pub(super) fn limits(account_idx: usize) -> Limits {
    match account_idx {
        0 => Limits::default(),
        1 => Limits {
            balance_min: Decimal::new(-100, 0),
            balance_max: Some(Decimal::new(1000, 0)),
            ..Limits::default()
        },
        _ => Limits {
            transfer_amount_max: Some(Decimal::new(50, 0)),
            daily_debit_amount_max: Some(Decimal::new(120, 0)),
            ..Limits::default()
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HoldState {
    Pending,
    Posted,
    Voided,
}

#[derive(Debug, Clone)]
pub(super) struct ModelHold {
    pub(super) id: u64,
    pub(super) account_idx: usize,
    pub(super) amount: Decimal,
    pub(super) expires_at: Option<Timestamp>,
    pub(super) state: HoldState,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ModelAccount {
    pub(super) posted: Decimal,
    pub(super) deferred: Vec<(Timestamp, Decimal)>,
    pub(super) frozen: bool,
    /// (day, debit amount) of the current day.
    pub(super) debit_day: (i64, Decimal),
}

/// What a request was, for idempotency comparison: (debit, credit, amount in cents text).
pub(super) type RequestShape = (Option<usize>, Option<usize>, Decimal);

#[derive(Debug, Default)]
pub(super) struct Model {
    pub(super) accounts: [ModelAccount; 3],
    pub(super) holds: Vec<ModelHold>,
    pub(super) seq: u64,
    pub(super) keys: HashMap<String, (Timestamp, RequestShape, Result<u64, Error>)>,
}

impl Model {
    pub(super) fn balances(&self, account_idx: usize, now: Timestamp) -> Balances {
        let account = &self.accounts[account_idx];
        let pending_debits: Decimal = self
            .holds
            .iter()
            .filter(|h| h.account_idx == account_idx && h.state == HoldState::Pending)
            .filter(|h| h.expires_at.is_none_or(|at| now < at))
            .map(|h| h.amount)
            .sum();
        let deferred: Decimal =
            account.deferred.iter().filter(|(at, _)| now < *at).map(|(_, a)| *a).sum();
        Balances {
            posted: account.posted,
            pending_debits,
            pending_credits: Decimal::ZERO,
            deferred,
            available: account.posted - pending_debits - deferred,
        }
    }

    /// The model's transfer: `Ok((id, replayed))` or the rejection.
    #[allow(clippy::too_many_arguments, reason = "mirrors the fields of a transfer one by one")]
    pub(super) fn transfer(
        &mut self,
        now: Timestamp,
        debit: Option<usize>,
        credit: Option<usize>,
        amount: Decimal,
        hold: Option<Option<Timestamp>>,
        deferred_until: Option<Timestamp>,
        key: Option<String>,
    ) -> Result<(u64, bool), Error> {
        let shape = (debit, credit, amount);
        if let Some(key) = &key
            && let Some((expires_at, recorded, outcome)) = self.keys.get(key)
            && now < *expires_at
        {
            if *recorded != shape {
                return Err(Error::IdempotencyConflict);
            }
            return outcome.map(|id| (id, true));
        }
        let outcome = self.execute(now, debit, credit, amount, hold, deferred_until);
        if let Some(key) = key {
            if outcome.is_err() {
                self.seq += 1; // the remembered rejection is an event too
            }
            let expires_at = now.saturating_add(std::time::Duration::from_secs(86_400));
            self.keys.insert(key, (expires_at, shape, outcome));
        }
        outcome.map(|id| (id, false))
    }

    fn execute(
        &mut self,
        now: Timestamp,
        debit: Option<usize>,
        credit: Option<usize>,
        amount: Decimal,
        hold: Option<Option<Timestamp>>,
        deferred_until: Option<Timestamp>,
    ) -> Result<u64, Error> {
        if amount <= Decimal::ZERO {
            return Err(Error::AmountNotPositive);
        }
        if amount.normalize().scale() > 2 {
            return Err(Error::AmountScaleExceeded);
        }
        if debit.is_some() && debit == credit {
            return Err(Error::SameAccount);
        }
        let sides: Vec<usize> = debit.iter().chain(credit.iter()).copied().collect();
        if sides.iter().any(|i| self.accounts[*i].frozen) {
            return Err(Error::AccountNotActive { status: Status::Frozen });
        }
        if sides.iter().any(|i| limits(*i).transfer_amount_max.is_some_and(|m| amount > m)) {
            return Err(Error::TransferMaximumExceeded);
        }
        let today = now.utc_day();
        if let Some(d) = debit {
            let (day, used) = self.accounts[d].debit_day;
            let used = if day == today { used } else { Decimal::ZERO };
            if limits(d).daily_debit_amount_max.is_some_and(|m| used + amount > m) {
                return Err(Error::DailyLimitExceeded { limit: DailyLimit::DebitAmount });
            }
            if self.balances(d, now).available - amount < limits(d).balance_min {
                return Err(Error::InsufficientFunds);
            }
        }
        if let Some(c) = credit
            && limits(c).balance_max.is_some_and(|m| self.accounts[c].posted + amount > m)
        {
            return Err(Error::BalanceMaximumExceeded);
        }
        self.seq += 1;
        let id = self.seq;
        if let Some(d) = debit {
            let account = &mut self.accounts[d];
            let (day, used) = account.debit_day;
            account.debit_day = (today, if day == today { used + amount } else { amount });
            match hold {
                Some(expires_at) => self.holds.push(ModelHold {
                    id,
                    account_idx: d,
                    amount,
                    expires_at,
                    state: HoldState::Pending,
                }),
                None => account.posted -= amount,
            }
        }
        if let Some(c) = credit {
            let account = &mut self.accounts[c];
            account.posted += amount;
            if let Some(at) = deferred_until {
                account.deferred.push((at, amount));
            }
        }
        Ok(id)
    }

    pub(super) fn settle(
        &mut self,
        now: Timestamp,
        hold_id: u64,
        post: Option<Option<Decimal>>,
    ) -> Result<u64, Error> {
        let Some(idx) = self.holds.iter().position(|h| h.id == hold_id) else {
            return Err(Error::PendingNotFound);
        };
        let hold = self.holds[idx].clone();
        match hold.state {
            HoldState::Posted => return Err(Error::PendingAlreadyPosted),
            HoldState::Voided => return Err(Error::PendingAlreadyVoided),
            HoldState::Pending => {}
        }
        if hold.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::PendingExpired);
        }
        match post {
            Some(amount) => {
                let amount = amount.unwrap_or(hold.amount);
                if amount > hold.amount {
                    return Err(Error::PendingAmountExceeded);
                }
                self.holds[idx].state = HoldState::Posted;
                self.accounts[hold.account_idx].posted -= amount;
            }
            None => self.holds[idx].state = HoldState::Voided,
        }
        self.seq += 1;
        Ok(self.seq)
    }
}
