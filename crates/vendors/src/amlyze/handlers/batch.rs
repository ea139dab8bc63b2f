//! The two batch balance calls: each item is checked (and, when saving, stored) on its own, and
//! the answer is 200 with one result per item unless the body as a whole is unreadable.

use std::collections::HashSet;

use super::{Call, check_balance, communication_number_used, store_balance};
use crate::Response;
use crate::amlyze::errors::{self, Failure, REQUEST_ACCEPTED, REQUEST_REJECTED, Rejection};
use crate::amlyze::parse;
use crate::amlyze::state::TenantState;
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
    for item in items {
        let item = item.as_deref();
        let outcome = match item {
            None => Err(errors::rejected(
                Rejection::AccountBalanceMandatory,
                "field accountBalances: null item",
            )),
            Some(item) => one(&mut state, &mut validated, item, call, save),
        };
        results.push(item_result(item, outcome));
    }
    drop(state);
    Ok(Response::json(
        http::StatusCode::OK,
        &BatchAccountBalancesResultApi { results, time_elapsed_ms: 0 },
    ))
}

/// Checks one item and stores it (`save`) or notes its number as validated.
fn one<'a>(
    state: &mut TenantState,
    validated: &mut HashSet<&'a str>,
    item: &'a AccountBalanceApi<'_>,
    call: &Call<'_>,
    save: bool,
) -> Result<(), Failure> {
    let command = parse::balance(item)?;
    if validated.contains(command.communication_number) {
        return Err(communication_number_used(command.communication_number));
    }
    check_balance(state, &command)?;
    if save {
        store_balance(state, &command, call.now);
    } else {
        validated.insert(command.communication_number);
    }
    Ok(())
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
