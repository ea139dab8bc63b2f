//! Sandbank's own view of an account's registered balance snapshots (AMLYZE itself has no
//! read call): what the admin API's account read shows under the vendor's state.

use serde_json::{Value, json};

use super::datetime;
use crate::amlyze::state::AccountRecord;
use crate::common::json::number;

/// One account's registered balances as sandbank shows them (AMLYZE itself has no read call).
/// No `accountStatus`: it is the ledger account's status, which the admin read shows.
pub(crate) fn account(unit: &str, ext_id: &str, account: &AccountRecord) -> Value {
    let balances: Vec<Value> = account
        .balances
        .iter()
        .map(|(balance_type, series)| {
            let snapshots: Vec<Value> = series
                .iter()
                .map(|s| {
                    json!({
                        "balanceAt": &*s.balance_at_text,
                        "value": number(s.value),
                        "equivalentValue": s.equivalent_value.map(number),
                        "communicationNumber": &*s.communication_number,
                        "requester": &*s.requester,
                        "registeredAt": datetime::format_rfc3339(s.registered_at),
                    })
                })
                .collect();
            json!({
                "balanceType": balance_type.map(|t| t.as_str()),
                "snapshots": snapshots,
            })
        })
        .collect();
    json!({
        "businessUnit": unit,
        "accountExtId": ext_id,
        "accountNumber": &*account.account_number,
        "businessEntityExtId": &*account.customer_ext_id,
        "currencyCode": account.currency.code(),
        "balances": balances,
    })
}
