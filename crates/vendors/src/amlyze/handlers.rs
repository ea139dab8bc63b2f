//! The operations: register a balance (single, batch, validate-only batch), register an account
//! and a customer, answer an unknown path; plus the admin's account opening and the snapshot
//! view. Each request is parsed in full before the tenant's state is locked, and changes it only
//! after every check passed.

use std::collections::HashSet;

use http::StatusCode;
use ledger::{Limits, TenantId, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::datetime;
use super::errors::{Failure, REQUEST_ACCEPTED, REQUEST_REJECTED, Rejection};
use super::parse::{self, BalanceCommand, DEFAULT_BUSINESS_UNIT};
use super::state::{
    AccountRecord, AccountStatus, BalanceSnapshot, Customer, EntityType, TenantSlot, TenantState,
};
use super::wire::{
    AccountBalanceApi, AccountBalanceItemResultApi, AccountBalanceResultApi, AmlyzeAccountApi,
    AmlyzeCustomerApi, BatchAccountBalancesRequestApi, BatchAccountBalancesResultApi, JavaString,
};
use super::{NAME, ROUTES};
use crate::common::accounts::{self, AccountSpec, OpenedAccount};
use crate::common::ids::IdGen;
use crate::common::json::number;
use crate::{Ctx, Request, Response};

/// Most items one batch call takes (AMLYZE publishes no limit; the body limit allows a few
/// hundred anyway).
pub(crate) const BATCH_ITEMS_MAX: usize = 1_000;

/// The vendor identifiers `open_account` understands, by their AMLYZE names.
const VENDOR_ID_KEYS: [&str; 4] =
    ["accountExtId", "accountNumber", "businessEntityExtId", "businessUnit"];

/// How many generated identifiers `open_account` tries before giving up on a collision.
const GENERATE_ATTEMPTS_MAX: usize = 16;

/// The bank code in generated Lithuanian IBANs: fictional, so a generated number never names a
/// real bank.
const SANDBOX_BANK_CODE: &str = "99999";

fn accepted() -> Response {
    Response::json(StatusCode::OK, &AccountBalanceResultApi { result_type: REQUEST_ACCEPTED })
}

/// `PUT /amlyze-ws-rest/account-balance` (`registerAccountBalance`).
pub(crate) fn register_balance(
    slot: &TenantSlot,
    now: Timestamp,
    req: &Request,
) -> Result<Response, Failure> {
    let body: AccountBalanceApi = parse::read_json(req, "AccountBalanceApi")?;
    let command = parse::balance(&body)?;
    let mut state = slot.lock();
    check_balance(&state, &command)?;
    store_balance(&mut state, &command, now);
    Ok(accepted())
}

/// The checks a balance passes against the state: an unused `communicationNumber`, then an
/// account registered under that `accountExtId` in that business unit.
fn check_balance(state: &TenantState, command: &BalanceCommand<'_>) -> Result<(), Failure> {
    if state.communication_used(command.communication_number) {
        return Err(communication_number_used(command.communication_number));
    }
    if state.account(command.business_unit, command.account_ext_id).is_none() {
        return Err(Failure::rejected(
            Rejection::AccountNotFound,
            format!(
                "field accountExtId: no account {:?} in business unit {:?}",
                command.account_ext_id, command.business_unit
            ),
        ));
    }
    Ok(())
}

fn communication_number_used(number: &str) -> Failure {
    Failure::rejected(
        Rejection::CommunicationNumberUsed,
        format!("field communicationNumber: {number:?} was already used by an accepted request"),
    )
}

/// Stores a checked balance as a snapshot; it never posts to the ledger.
fn store_balance(state: &mut TenantState, command: &BalanceCommand<'_>, now: Timestamp) {
    let snapshot = BalanceSnapshot {
        balance_at: command.balance_at,
        balance_at_text: command.balance_at_text.into(),
        value: command.value,
        equivalent_value: command.equivalent_value,
        communication_number: command.communication_number.into(),
        requester: command.requester.into(),
        registered_at: now,
    };
    if let Some(account) = state.account_mut(command.business_unit, command.account_ext_id) {
        account.record(command.balance_type, snapshot);
    }
    state.remember_communication(command.communication_number);
}

/// `POST /amlyze-ws-rest/batch-account-balances` (`save`) and
/// `POST /amlyze-ws-rest/validate-batch-account-balances` (nothing saved). Every item is
/// handled on its own; a later item reusing an earlier item's `communicationNumber` is a
/// duplicate in both modes.
pub(crate) fn register_batch(
    slot: &TenantSlot,
    now: Timestamp,
    req: &Request,
    save: bool,
) -> Result<Response, Failure> {
    let body: BatchAccountBalancesRequestApi =
        parse::read_json(req, "BatchAccountBalancesRequestApi")?;
    let Some(items) = &body.account_balances else {
        return Err(Failure::rejected(
            Rejection::AccountBalancesMandatory,
            "field accountBalances: missing or null",
        ));
    };
    if items.len() > BATCH_ITEMS_MAX {
        return Err(Failure::rejected(
            Rejection::BatchTooLarge { max: BATCH_ITEMS_MAX },
            format!("field accountBalances: {} items, at most {BATCH_ITEMS_MAX}", items.len()),
        ));
    }
    let mut results = Vec::with_capacity(items.len());
    let mut state = slot.lock();
    let mut validated: HashSet<&str> = HashSet::default();
    for item in items {
        let outcome = match item {
            None => Err(Failure::rejected(
                Rejection::AccountBalanceMandatory,
                "field accountBalances: null item",
            )),
            Some(item) => parse::balance(item).and_then(|command| {
                if validated.contains(command.communication_number) {
                    return Err(communication_number_used(command.communication_number));
                }
                check_balance(&state, &command)?;
                if save {
                    store_balance(&mut state, &command, now);
                } else {
                    validated.insert(command.communication_number);
                }
                Ok(())
            }),
        };
        results.push(item_result(item.as_deref(), outcome));
    }
    drop(state);
    Ok(Response::json(
        StatusCode::OK,
        &BatchAccountBalancesResultApi { results, time_elapsed_ms: 0 },
    ))
}

fn text(field: Option<&JavaString>) -> Option<&str> {
    field.map(|s| s.0.as_str())
}

fn item_result(
    item: Option<&AccountBalanceApi>,
    outcome: Result<(), Failure>,
) -> AccountBalanceItemResultApi<'_> {
    let (error_code, error_description) = match &outcome {
        Ok(()) => (None, None),
        Err(failure) => {
            let (code, description) = failure.item_error();
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

/// `POST /amlyze-ws-rest/account` (`postAccount`): creates the account (a ledger account in
/// `currencyCode`) or, for an id already registered to the same customer, updates its number
/// and status. `accountStatus` is the ledger account's status (`SUSPENDED` ↔ frozen, `CLOSED`
/// ↔ closed, which is final), read from the ledger so that an admin change counts.
pub(crate) fn register_account(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    slot: &TenantSlot,
    now: Timestamp,
    req: &Request,
) -> Result<Response, Failure> {
    let body: AmlyzeAccountApi = parse::read_json(req, "AmlyzeAccountApi")?;
    let command = parse::account(&body)?;
    let unit = command.business_unit;
    // Held across the ledger calls below so two registrations of one id cannot both open an
    // account; account registration is rare next to balance registration.
    let mut state = slot.lock();
    if state.communication_used(command.communication_number) {
        return Err(communication_number_used(command.communication_number));
    }
    if state.customer(unit, command.customer_ext_id).is_none() {
        return Err(Failure::rejected(
            Rejection::BusinessEntityNotFound,
            format!(
                "field businessEntityExtId: no customer {:?} in business unit {unit:?}",
                command.customer_ext_id
            ),
        ));
    }
    if let Some(existing) = state.account(unit, command.account_ext_id) {
        if *existing.customer_ext_id != *command.customer_ext_id {
            return Err(Failure::rejected(
                Rejection::AccountLinkedToOtherCustomer,
                format!(
                    "field businessEntityExtId: account {:?} belongs to customer {:?}",
                    command.account_ext_id, existing.customer_ext_id
                ),
            ));
        }
        if existing.currency != command.currency {
            return Err(Failure::rejected(
                Rejection::CurrencyCannotChange,
                format!(
                    "field currencyCode: account {:?} is in {}",
                    command.account_ext_id, existing.currency
                ),
            ));
        }
        let ledger_id = existing.ledger_id;
        let status = ctx
            .ledger
            .account(now, tenant, ledger_id)
            .map(|view| AccountStatus::of_ledger(view.status))
            .ok_or_else(|| {
                Failure::internal(format!(
                    "ledger: account {:?} has no ledger account",
                    command.account_ext_id
                ))
            })?;
        if status != command.status {
            ctx.ledger.set_status(now, tenant, ledger_id, command.status.ledger()).map_err(
                |err| Failure {
                    error: (&err).into(),
                    reason: format!(
                        "ledger: account status {} -> {}: {err}",
                        status.as_str(),
                        command.status.as_str()
                    ),
                },
            )?;
        }
        if let Some(account) = state.account_mut(unit, command.account_ext_id) {
            account.account_number = command.account_number.into();
        }
        state.remember_communication(command.communication_number);
        return Ok(accepted());
    }
    if !state.has_room_for_account() {
        return Err(Failure::internal(format!(
            "limit: tenant already has {} accounts",
            super::state::ACCOUNTS_MAX
        )));
    }
    let vendor_ids =
        vendor_ids(command.account_ext_id, command.account_number, command.customer_ext_id, unit);
    let spec = AccountSpec {
        currency: command.currency,
        opening_balance: Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids: Map::new(),
    };
    let view = accounts::open(ctx, tenant, NAME, &spec, &vendor_ids)
        .map_err(|err| Failure::internal(format!("ledger: opening the account failed: {err}")))?;
    state.insert_account(
        unit,
        command.account_ext_id,
        AccountRecord {
            ledger_id: view.id,
            customer_ext_id: command.customer_ext_id.into(),
            account_number: command.account_number.into(),
            currency: command.currency,
            balances: Default::default(),
        },
    );
    state.remember_communication(command.communication_number);
    if command.status != AccountStatus::Active {
        ctx.ledger.set_status(now, tenant, view.id, command.status.ledger()).map_err(|err| {
            Failure { error: (&err).into(), reason: format!("ledger: setting the status: {err}") }
        })?;
    }
    Ok(accepted())
}

/// `POST /amlyze-ws-rest/customer` (`postCustomer_1`): registers or replaces a customer.
pub(crate) fn register_customer(
    slot: &TenantSlot,
    now: Timestamp,
    req: &Request,
) -> Result<Response, Failure> {
    let body: AmlyzeCustomerApi = parse::read_json(req, "AmlyzeCustomerApi")?;
    let command = parse::customer(&body)?;
    let mut state = slot.lock();
    if state.communication_used(command.communication_number) {
        return Err(Failure::rejected(
            Rejection::CustomerCommunicationNumberUsed,
            format!(
                "field communicationNumber: {:?} was already used by an accepted request",
                command.communication_number
            ),
        ));
    }
    let customer = Customer { entity_type: command.entity_type, registered_at: now };
    if !state.upsert_customer(command.business_unit, command.customer_ext_id, customer) {
        return Err(Failure::internal(format!(
            "limit: tenant already has {} customers",
            super::state::CUSTOMERS_MAX
        )));
    }
    state.remember_communication(command.communication_number);
    Ok(accepted())
}

/// Any other path under `/amlyze-ws-rest/`: Spring's 404, or its 405 (with `Allow`) when the
/// path exists with another method.
pub(crate) fn not_found(req: &Request) -> Failure {
    let allowed: Vec<&str> = ROUTES
        .iter()
        .filter(|route| route.path == req.path && !route.path.contains('{'))
        .map(|route| route.method.as_str())
        .collect();
    if allowed.is_empty() {
        Failure::spring(StatusCode::NOT_FOUND, format!("route: no AMLYZE endpoint {}", req.path))
    } else {
        Failure::method_not_allowed(
            allowed.join(", "),
            format!("route: {} takes {}, not {}", req.path, allowed.join(", "), req.method),
        )
    }
}

fn vendor_ids(ext_id: &str, number: &str, customer: &str, unit: &str) -> Map<String, Value> {
    let mut ids = Map::new();
    ids.insert("accountExtId".into(), ext_id.into());
    ids.insert("accountNumber".into(), number.into());
    ids.insert("businessEntityExtId".into(), customer.into());
    ids.insert("businessUnit".into(), unit.into());
    ids
}

/// The admin API's account opening: AMLYZE identifiers from `spec.vendor_ids` (any of
/// `accountExtId`, `accountNumber`, `businessEntityExtId`, `businessUnit`) or generated
/// (`ACC<yyyymmdd><6 digits>`, a Lithuanian IBAN, `CUS<yyyymmdd><6 digits>`, `sandbox`); the
/// owner is registered as an active organisation customer if it is not one yet. The opening
/// balance goes to the ledger only: no balance snapshot is recorded, since the client has
/// reported none.
pub(crate) fn open_account(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    slot: &TenantSlot,
    spec: &AccountSpec,
) -> Result<OpenedAccount, String> {
    let now = ctx.now(tenant);
    let mut given: [Option<&str>; 4] = [None; 4];
    for (key, value) in &spec.vendor_ids {
        let Some(idx) = VENDOR_ID_KEYS.iter().position(|k| k == key) else {
            return Err(format!(
                "unknown vendor id {key:?}; amlyze takes {}",
                VENDOR_ID_KEYS.join(", ")
            ));
        };
        let text = match value {
            Value::String(text) if !text.trim().is_empty() && text.chars().count() <= 255 => text,
            _ => {
                return Err(format!(
                    "vendor id {key}: must be a non-blank string of at most 255 characters"
                ));
            }
        };
        if let Some(entry) = given.get_mut(idx) {
            *entry = Some(text.as_str());
        }
    }
    let [ext_id, number, customer, unit] = given;
    let unit = unit.unwrap_or(DEFAULT_BUSINESS_UNIT);
    let date = datetime::compact_date(now);
    let ids = ctx.ids(tenant);
    let mut state = slot.lock();
    let ext_id = match ext_id {
        Some(ext_id) if state.account(unit, ext_id).is_some() => {
            return Err(format!(
                "accountExtId {ext_id} is already registered in business unit {unit}"
            ));
        }
        Some(ext_id) => ext_id.to_string(),
        None => generate(
            |candidate| state.account(unit, candidate).is_none(),
            || format!("ACC{date}{}", random_digits(&ids, 6)),
        )?,
    };
    if !state.has_room_for_account() {
        return Err(format!(
            "the tenant already has {} amlyze accounts",
            super::state::ACCOUNTS_MAX
        ));
    }
    let number = number.map_or_else(|| generate_iban(&ids), str::to_string);
    let customer = match customer {
        Some(customer) => customer.to_string(),
        None => generate(
            |candidate| state.customer(unit, candidate).is_none(),
            || format!("CUS{date}{}", random_digits(&ids, 6)),
        )?,
    };
    let vendor_ids = vendor_ids(&ext_id, &number, &customer, unit);
    let view = accounts::open(ctx, tenant, NAME, spec, &vendor_ids)?;
    if state.customer(unit, &customer).is_none() {
        let owner = Customer { entity_type: Some(EntityType::Organization), registered_at: now };
        // Past the customer limit the account still opens; its owner is then unknown to the
        // account call, which the admin can see in the vendor ids.
        state.upsert_customer(unit, &customer, owner);
    }
    state.insert_account(
        unit,
        &ext_id,
        AccountRecord {
            ledger_id: view.id,
            customer_ext_id: customer.as_str().into(),
            account_number: number.as_str().into(),
            currency: spec.currency,
            balances: Default::default(),
        },
    );
    Ok(OpenedAccount { account: view, vendor_ids })
}

fn generate(free: impl Fn(&str) -> bool, candidate: impl Fn() -> String) -> Result<String, String> {
    (0..GENERATE_ATTEMPTS_MAX)
        .map(|_| candidate())
        .find(|c| free(c))
        .ok_or_else(|| "could not generate a free identifier".to_string())
}

/// `n` (at most 30) generated decimal digits.
fn random_digits(ids: &IdGen, n: u32) -> String {
    ids.digits(n.min(30))
}

/// A generated, checksum-valid Lithuanian IBAN in the sandbox bank.
fn generate_iban(ids: &IdGen) -> String {
    lithuanian_iban(SANDBOX_BANK_CODE, &random_digits(ids, 11))
}

/// `LTkk` + bank code + account number, with ISO 13616 check digits.
fn lithuanian_iban(bank: &str, account: &str) -> String {
    let bban = format!("{bank}{account}");
    // Move "LT00" to the end, letters as numbers (L = 21, T = 29), then mod 97.
    let remainder = format!("{bban}212900")
        .bytes()
        .fold(0_u32, |acc, b| (acc * 10 + u32::from(b.wrapping_sub(b'0'))) % 97);
    format!("LT{:02}{bban}", 98 - remainder)
}

/// One account's registered balances as sandbank shows them (AMLYZE itself has no read call).
/// No `accountStatus`: it is the ledger account's status, which the admin read shows.
pub(crate) fn history_json(unit: &str, ext_id: &str, account: &AccountRecord) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ibans_carry_valid_check_digits() {
        // The standard Lithuanian example IBAN.
        assert_eq!(lithuanian_iban("10000", "11101001000"), "LT121000011101001000");
        let iban = generate_iban(&IdGen::random());
        assert_eq!(iban.len(), 20);
        assert!(iban.starts_with("LT") && iban[4..9] == *SANDBOX_BANK_CODE);
    }
}
