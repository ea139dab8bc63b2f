//! Accounts: the account call's registration (a ledger account in `currencyCode` whose status
//! is `accountStatus`), and the admin API's opening with generated AMLYZE identifiers.

use ledger::{Limits, TenantId};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{Call, communication_number_used};
use crate::Ctx;
use crate::amlyze::NAME;
use crate::amlyze::errors::{self, AmlyzeError, Failure, Rejection};
use crate::amlyze::parse::{AccountCommand, DEFAULT_BUSINESS_UNIT};
use crate::amlyze::state::{
    ACCOUNTS_MAX, AccountRecord, AccountStatus, Record, TenantSlot, TenantState, register_owner,
    save,
};
use crate::amlyze::wire::datetime;
use crate::common::accounts::{self, AccountSpec, OpenedAccount};
use crate::common::ids::IdGen;
use crate::common::persist::UNSTORED;

/// The vendor identifiers `open` understands, by their AMLYZE names.
const VENDOR_ID_KEYS: [&str; 4] =
    ["accountExtId", "accountNumber", "businessEntityExtId", "businessUnit"];

/// How many generated identifiers `open` tries before giving up on a collision.
const GENERATE_ATTEMPTS_MAX: usize = 16;

/// The bank code in generated Lithuanian IBANs: fictional, so a generated number never names a
/// real bank.
const SANDBOX_BANK_CODE: &str = "99999";

/// Registers a checked account: creates it (a ledger account in `currencyCode`) or, for an id
/// already registered to the same customer, updates its number and status. `accountStatus` is
/// the ledger account's status (`SUSPENDED` ↔ frozen, `CLOSED` ↔ closed, which is final), read
/// from the ledger so that an admin change counts.
pub(super) fn register(call: &Call<'_>, command: &AccountCommand<'_>) -> Result<(), Failure> {
    let unit = command.business_unit;
    // Held across the ledger calls below so two registrations of one id cannot both open an
    // account; account registration is rare next to balance registration.
    let mut state = call.slot.lock();
    if state.communication_used(command.communication_number) {
        return Err(communication_number_used(command.communication_number));
    }
    if state.customer(unit, command.customer_ext_id).is_none() {
        return Err(errors::rejected(
            Rejection::BusinessEntityNotFound,
            format!(
                "field businessEntityExtId: no customer {:?} in business unit {unit:?}",
                command.customer_ext_id
            ),
        ));
    }
    if state.account(unit, command.account_ext_id).is_some() {
        update(call, &mut state, command)?;
    } else {
        create(call, &mut state, command)?;
    }
    Ok(())
}

/// A registration of an account id already known: same owner and currency, new number and
/// status.
fn update(
    call: &Call<'_>,
    state: &mut TenantState,
    command: &AccountCommand<'_>,
) -> Result<(), Failure> {
    let unit = command.business_unit;
    let Some(existing) = state.account(unit, command.account_ext_id) else {
        return Err(errors::internal("state: the account vanished under the lock"));
    };
    if *existing.customer_ext_id != *command.customer_ext_id {
        return Err(errors::rejected(
            Rejection::AccountLinkedToOtherCustomer,
            format!(
                "field businessEntityExtId: account {:?} belongs to customer {:?}",
                command.account_ext_id, existing.customer_ext_id
            ),
        ));
    }
    if existing.currency != command.currency {
        return Err(errors::rejected(
            Rejection::CurrencyCannotChange,
            format!(
                "field currencyCode: account {:?} is in {}",
                command.account_ext_id, existing.currency
            ),
        ));
    }
    let (ctx, tenant, now) = (call.ctx, call.tenant, call.now);
    let ledger_id = existing.ledger_id;
    let status = ctx
        .ledger
        .account(now, tenant, ledger_id)
        .map(|view| AccountStatus::of_ledger(view.status))
        .ok_or_else(|| {
            errors::internal(format!(
                "ledger: account {:?} has no ledger account",
                command.account_ext_id
            ))
        })?;
    if status != command.status {
        ctx.ledger.set_status(now, tenant, ledger_id, command.status.ledger()).map_err(|err| {
            Failure::new(
                AmlyzeError::from(&err),
                format!(
                    "ledger: account status {} -> {}: {err}",
                    status.as_str(),
                    command.status.as_str()
                ),
            )
        })?;
    }
    // Recorded after the ledger took the status: a status the ledger refuses is an answer,
    // not a change to restore.
    save(call, || Record::AccountNumber {
        at: now,
        unit: unit.into(),
        ext_id: command.account_ext_id.into(),
        number: command.account_number.into(),
        communication_number: command.communication_number.into(),
    })?;
    if let Some(account) = state.account_mut(unit, command.account_ext_id) {
        account.account_number = command.account_number.into();
    }
    state.remember_communication(command.communication_number);
    Ok(())
}

/// A registration of a new account id: a ledger account with a zero balance and default
/// limits, in the registered status.
fn create(
    call: &Call<'_>,
    state: &mut TenantState,
    command: &AccountCommand<'_>,
) -> Result<(), Failure> {
    if !state.has_room_for_account() {
        return Err(errors::internal(format!("limit: tenant already has {ACCOUNTS_MAX} accounts")));
    }
    let unit = command.business_unit;
    let vendor_ids =
        vendor_ids(command.account_ext_id, command.account_number, command.customer_ext_id, unit);
    let spec = AccountSpec {
        currency: command.currency,
        opening_balance: Decimal::ZERO,
        limits: Limits::default(),
        vendor_ids: Map::new(),
    };
    let view = accounts::open(call.ctx, call.tenant, NAME, &spec, &vendor_ids)
        .map_err(|err| errors::internal(format!("ledger: opening the account failed: {err}")))?;
    // Recorded once the ledger has the account (it draws the id): a store that fails here
    // leaves a ledger account AMLYZE does not know, rather than one restored that the ledger
    // never opened.
    save(call, || Record::Account {
        at: call.now,
        unit: unit.into(),
        ext_id: command.account_ext_id.into(),
        account: view.id.0,
        customer: command.customer_ext_id.into(),
        number: command.account_number.into(),
        currency: command.currency,
        communication_number: Some(command.communication_number.into()),
    })?;
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
        let status = command.status.ledger();
        call.ctx.ledger.set_status(call.now, call.tenant, view.id, status).map_err(|err| {
            Failure::new(AmlyzeError::from(&err), format!("ledger: setting the status: {err}"))
        })?;
    }
    Ok(())
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
pub(crate) fn open(
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
        return Err(format!("the tenant already has {} amlyze accounts", ACCOUNTS_MAX));
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
    // As the account call: recorded once the ledger has the account, before AMLYZE knows it.
    let record = Record::Account {
        at: now,
        unit: unit.into(),
        ext_id: ext_id.as_str().into(),
        account: view.id.0,
        customer: customer.as_str().into(),
        number: number.as_str().into(),
        currency: spec.currency,
        communication_number: None,
    };
    ctx.record(tenant, NAME, &record).map_err(|_| UNSTORED.to_string())?;
    // Past the customer limit the account still opens; its owner is then unknown to the
    // account call, which the admin can see in the vendor ids.
    register_owner(&mut state, unit, &customer, now);
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
