//! The two batch balance calls: each item is checked (and, when saving, stored) on its own, and
//! the answer is 200 with one result per item unless the body as a whole is unreadable.

use std::collections::HashSet;

use super::{Call, check_balance, communication_number_used, store_balance};
use crate::Response;
use crate::amlyze::errors::{self, Failure, REQUEST_ACCEPTED, REQUEST_REJECTED, Rejection};
use crate::amlyze::parse::{self, BalanceCommand};
use crate::amlyze::state::{self, Record, Snapshot, TenantState};
use crate::amlyze::wire::{
    AccountBalanceApi, AccountBalanceItemResultApi, BatchAccountBalancesRequestApi,
    BatchAccountBalancesResultApi, JavaString,
};

/// Most items one batch call takes (AMLYZE publishes no limit; the body limit allows a few
/// hundred anyway).
pub(crate) const BATCH_ITEMS_MAX: usize = 1_000;

/// Answers a batch; `save` stores the accepted items. A later item reusing an earlier item's
/// `communicationNumber` is a duplicate in both modes.
pub(super) fn answer(call: &Call<'_>, save: bool) -> Result<Response, Failure> {
    let body: BatchAccountBalancesRequestApi<'_> =
        parse::body::read(call.req, "BatchAccountBalancesRequestApi")?;
    let Some(items) = &body.account_balances else {
        return Err(errors::rejected(
            Rejection::AccountBalancesMandatory,
            "field accountBalances: missing or null",
        ));
    };
    if items.len() > BATCH_ITEMS_MAX {
        return Err(errors::rejected(
            Rejection::BatchTooLarge { max: BATCH_ITEMS_MAX },
            format!("field accountBalances: {} items, at most {BATCH_ITEMS_MAX}", items.len()),
        ));
    }
    let mut results = Vec::with_capacity(items.len());
    let mut state = call.slot.lock();
    let mut validated: HashSet<&str> = HashSet::default();
    let mut accepted = Vec::new();
    for item in items {
        let item = item.as_deref();
        let outcome = match item {
            None => Err(errors::rejected(
                Rejection::AccountBalanceMandatory,
                "field accountBalances: null item",
            )),
            Some(item) => one(&state, &mut validated, item).map(|command| accepted.push(command)),
        };
        results.push(item_result(item, outcome));
    }
    if save && !accepted.is_empty() {
        // Every accepted item in one record, before any is stored: the batch is kept whole or
        // not at all.
        state::save(call, || Record::Balances {
            at: call.now,
            items: accepted.iter().map(Snapshot::of).collect(),
        })?;
        for command in &accepted {
            store_balance(&mut state, command, call.now);
        }
    }
    drop(state);
    Ok(Response::json(
        http::StatusCode::OK,
        &BatchAccountBalancesResultApi { results, time_elapsed_ms: 0 },
    ))
}

/// Checks one item against the state and the batch's earlier items, and notes its number as
/// used by the batch; the caller stores the accepted items (when saving) once all are checked.
fn one<'a>(
    state: &TenantState,
    validated: &mut HashSet<&'a str>,
    item: &'a AccountBalanceApi<'_>,
) -> Result<BalanceCommand<'a>, Failure> {
    let command = parse::balance(item)?;
    if validated.contains(command.communication_number) {
        return Err(communication_number_used(command.communication_number));
    }
    check_balance(state, &command)?;
    validated.insert(command.communication_number);
    Ok(command)
}

fn text<'a>(field: Option<&'a JavaString<'_>>) -> Option<&'a str> {
    field.map(JavaString::as_str)
}

fn item_result<'a>(
    item: Option<&'a AccountBalanceApi<'_>>,
    outcome: Result<(), Failure>,
) -> AccountBalanceItemResultApi<'a> {
    let (error_code, error_description) = match &outcome {
        Ok(()) => (None, None),
        Err(failure) => {
            let (code, description) = failure.error.item_error();
            (Some(code), Some(description))
        }
    };
    AccountBalanceItemResultApi {
        result_type: if outcome.is_ok() { REQUEST_ACCEPTED } else { REQUEST_REJECTED },
        communication_number: item.and_then(|i| text(i.communication_number.as_ref())),
        account_ext_id: item.and_then(|i| text(i.account_ext_id.as_ref())),
        business_unit: item.and_then(|i| text(i.business_unit.as_ref())),
        error_code,
        error_description,
        time_elapsed_ms: 0,
    }
}
