//! AMLYZE's records: every change of its state beside the ledger, as the store keeps it
//! ([`crate::common::persist`]), and how each is folded back at restart.
//!
//! What changes, and what is recorded (each accepted call also uses up its
//! `communicationNumber`, which its record carries):
//! - balance snapshots: [`Record::Balances`], one per call (the single call's snapshot, or a
//!   batch's accepted items), recorded under the tenant's lock before any is stored, so the
//!   records' order is the order snapshots replaced each other in;
//! - a customer registered or replaced: [`Record::Customer`];
//! - an account registered by the account call or opened by the admin API: [`Record::Account`],
//!   recorded after the ledger opened it (the ledger draws its id; a refused opening is an
//!   answer, not a record), before AMLYZE knows it; its status is the ledger's own;
//! - a known account registered again: [`Record::AccountNumber`] (its new number), recorded
//!   after the ledger took the new status, for the same reason.
//!
//! Not recorded: the token (provisioning, replayed by the server), statuses and balances (the
//! ledger's events), resets and removals (the server replays them), the bounds (oldest numbers,
//! snapshots past a series' limit: restoring redoes them in order), and the time each tenant's
//! clock showed last, which only a refusal's `timestamp` shows: restoring notes each record's
//! instant as seen, so after a restart a refusal shows the time of the last recorded change
//! until the tenant's next request.

use std::borrow::Cow;

use ledger::{AccountId, Currency, TenantId, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::super::errors::{self, Failure};
use super::super::handlers::{Call, store_balance};
use super::super::parse::BalanceCommand;
use super::super::wire::datetime::DateTime;
use super::super::{Amlyze, NAME};
use super::{AccountRecord, BalanceType, Customer, EntityType, TenantState};
use crate::common::persist::{self, UNSTORED};
use crate::common::record_fields::{micros, text};

/// One change of AMLYZE's state, as JSON in the store (`{"record": "balances", …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Record<'a> {
    /// Snapshots one call stored at `at`, in the order stored.
    Balances {
        #[serde(with = "micros")]
        at: Timestamp,
        items: Vec<Snapshot<'a>>,
    },
    /// A customer registered (or replaced) at `at`.
    Customer {
        #[serde(with = "micros")]
        at: Timestamp,
        unit: Cow<'a, str>,
        ext_id: Cow<'a, str>,
        entity_type: Option<Cow<'a, str>>,
        communication_number: Cow<'a, str>,
    },
    /// An account AMLYZE now knows as `ext_id`, the ledger's `account`. Opened by the admin API
    /// when there is no `communication_number`: then its owner, if new, is registered as an
    /// organisation at `at`.
    Account {
        #[serde(with = "micros")]
        at: Timestamp,
        unit: Cow<'a, str>,
        ext_id: Cow<'a, str>,
        #[serde(with = "text")]
        account: uuid::Uuid,
        customer: Cow<'a, str>,
        number: Cow<'a, str>,
        #[serde(with = "text")]
        currency: Currency,
        communication_number: Option<Cow<'a, str>>,
    },
    /// A known account registered again: its number is now `number`.
    AccountNumber {
        #[serde(with = "micros")]
        at: Timestamp,
        unit: Cow<'a, str>,
        ext_id: Cow<'a, str>,
        number: Cow<'a, str>,
        communication_number: Cow<'a, str>,
    },
}

/// One stored balance snapshot: what its call sent, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Snapshot<'a> {
    unit: Cow<'a, str>,
    account_ext_id: Cow<'a, str>,
    balance_type: Option<Cow<'a, str>>,
    /// `balanceAt` as sent, and the instant it was read as.
    balance_at: Cow<'a, str>,
    balance_at_seconds: i64,
    balance_at_nanos: u32,
    #[serde(with = "text")]
    value: Decimal,
    equivalent_value: Option<Cow<'a, str>>,
    communication_number: Cow<'a, str>,
    requester: Cow<'a, str>,
}

impl<'a> Snapshot<'a> {
    /// The snapshot a checked balance call stores.
    pub(crate) fn of(command: &BalanceCommand<'a>) -> Snapshot<'a> {
        Snapshot {
            unit: command.business_unit.into(),
            account_ext_id: command.account_ext_id.into(),
            balance_type: command.balance_type.map(|kind| kind.as_str().into()),
            balance_at: command.balance_at_text.into(),
            balance_at_seconds: command.balance_at.unix_seconds,
            balance_at_nanos: command.balance_at.nanos,
            value: command.value,
            equivalent_value: command.equivalent_value.map(|value| value.to_string().into()),
            communication_number: command.communication_number.into(),
            requester: command.requester.into(),
        }
    }

    /// The balance command it was stored from.
    fn command(&self) -> Result<BalanceCommand<'_>, String> {
        let balance_type = match &self.balance_type {
            None => None,
            Some(kind) => Some(
                BalanceType::parse(kind).ok_or_else(|| format!("{NAME}: balance type {kind:?}"))?,
            ),
        };
        let equivalent_value = match &self.equivalent_value {
            None => None,
            Some(value) => {
                Some(value.parse::<Decimal>().map_err(|err| format!("{NAME}: {value:?}: {err}"))?)
            }
        };
        Ok(BalanceCommand {
            communication_number: &self.communication_number,
            requester: &self.requester,
            account_ext_id: &self.account_ext_id,
            business_unit: &self.unit,
            balance_type,
            balance_at: DateTime {
                unix_seconds: self.balance_at_seconds,
                nanos: self.balance_at_nanos,
            },
            balance_at_text: &self.balance_at,
            value: self.value,
            equivalent_value,
        })
    }
}

/// Records what `build` makes for the call's tenant before it is applied; in memory (nothing
/// kept) `build` is not even run, so a hot path pays one branch. A store that cannot take it
/// is AMLYZE's internal error, and the caller applies nothing.
pub(crate) fn save<'a>(call: &Call<'_>, build: impl FnOnce() -> Record<'a>) -> Result<(), Failure> {
    if !call.ctx.recorder.enabled() {
        return Ok(());
    }
    call.ctx
        .record(call.tenant, NAME, &build())
        .map_err(|err| errors::internal(format!("{UNSTORED} ({err})")))
}

impl Amlyze {
    /// Folds one record back (at restart, in the order recorded, the ledger already rebuilt).
    pub(crate) fn restore_record(&self, tenant: TenantId, bytes: &[u8]) -> Result<(), String> {
        let record = persist::decode::<Record<'_>>(NAME, bytes)?;
        let at = match &record {
            Record::Balances { at, .. }
            | Record::Customer { at, .. }
            | Record::Account { at, .. }
            | Record::AccountNumber { at, .. } => *at,
        };
        let slot = self.inner.tenants.slot(tenant);
        self.inner.tenants.saw(&slot, at);
        let mut state = slot.lock();
        apply(&mut state, record)
    }
}

/// Applies one record to a tenant's state, as its call did.
fn apply(state: &mut TenantState, record: Record<'_>) -> Result<(), String> {
    match record {
        Record::Balances { at, items } => {
            for item in &items {
                let command = item.command()?;
                if state.account(command.business_unit, command.account_ext_id).is_none() {
                    return Err(format!(
                        "{NAME}: a snapshot of {:?}, never registered",
                        item.account_ext_id
                    ));
                }
                store_balance(state, &command, at);
            }
        }
        Record::Customer { at, unit, ext_id, entity_type, communication_number } => {
            let entity_type = match entity_type {
                None => None,
                Some(kind) => Some(
                    EntityType::parse(&kind)
                        .ok_or_else(|| format!("{NAME}: entity type {kind:?}"))?,
                ),
            };
            if !state.upsert_customer(&unit, &ext_id, Customer { entity_type, registered_at: at }) {
                return Err(format!("{NAME}: customer {ext_id:?} is past the customer limit"));
            }
            state.remember_communication(&communication_number);
        }
        Record::Account {
            at,
            unit,
            ext_id,
            account,
            customer,
            number,
            currency,
            communication_number,
        } => {
            match communication_number {
                Some(number) => state.remember_communication(&number),
                None => register_owner(state, &unit, &customer, at),
            }
            let record = AccountRecord {
                ledger_id: AccountId(account),
                customer_ext_id: customer.into(),
                account_number: number.into(),
                currency,
                balances: Default::default(),
            };
            state.insert_account(&unit, &ext_id, record);
        }
        Record::AccountNumber { at: _, unit, ext_id, number, communication_number } => {
            let account = state
                .account_mut(&unit, &ext_id)
                .ok_or_else(|| format!("{NAME}: account {ext_id:?}, never registered"))?;
            account.account_number = number.into();
            state.remember_communication(&communication_number);
        }
    }
    Ok(())
}

/// What the admin API's opening does for an owner AMLYZE does not know yet: registers it as an
/// organisation. Past the customer limit the account still opens (its owner then unknown).
pub(crate) fn register_owner(state: &mut TenantState, unit: &str, customer: &str, at: Timestamp) {
    if state.customer(unit, customer).is_none() {
        let owner = Customer { entity_type: Some(EntityType::Organization), registered_at: at };
        state.upsert_customer(unit, customer, owner);
    }
}
