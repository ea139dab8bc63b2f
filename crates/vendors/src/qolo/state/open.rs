//! Opening an account (admin API) under Qolo's identifiers: its guid, the wallet it goes into
//! (new, or an existing one whose holder, program and id agree), its card, type and name.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::record::{Opened, Opening, Record};
use super::{AccountRecord, Card, TenantState, Wallet};
use crate::Ctx;
use crate::common::accounts::{self, AccountSpec, OpenedAccount};
use crate::common::ids::IdGen;
use crate::common::persist::UNSTORED;
use crate::qolo::{ACCOUNT_GUID, NAME, Qolo, parse};
use ledger::TenantId;

/// Where a new account goes: its wallet (new or existing) and the identifiers it will show.
#[derive(Debug, Clone)]
struct Placement {
    wallet_guid: Uuid,
    wallet_id: String,
    person_guid: Uuid,
    program_guid: Uuid,
    /// A card to add to the wallet.
    new_card: Option<String>,
    /// The card proxy the account is reachable by (the wallet's first card).
    card_proxy: Option<String>,
    /// Whether `program_guid` was drawn as the tenant's fallback program (no credentials).
    fallback_program: bool,
}

/// Opens an account (admin API): in the ledger, then, recorded, in the account index and in
/// its wallet.
pub(crate) fn open(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    spec: &AccountSpec,
) -> Result<OpenedAccount, String> {
    let ids = parse::open_ids(&spec.vendor_ids)?;
    let idgen = ctx.ids(tenant);
    let account_guid = ids.account_guid.unwrap_or_else(|| idgen.uuid());
    let guid_text = account_guid.hyphenated().to_string();
    if qolo.index.contains(tenant, ACCOUNT_GUID, &guid_text) {
        return Err(format!("account_guid {guid_text} is already in use"));
    }
    let account_type = ids.account_type.unwrap_or("GENERAL");
    let account_name =
        ids.account_name.clone().unwrap_or_else(|| format!("{account_type} {}", spec.currency));
    let default_program = qolo.auth.credentials(tenant).map(|c| c.program_guid);
    let placement =
        qolo.state.write(tenant, |state| place(state, &ids, default_program, &idgen))?;

    let mut vendor_ids = Map::new();
    let mut put = |key: &str, value: String| {
        vendor_ids.insert(key.to_string(), Value::String(value));
    };
    put("account_guid", guid_text.clone());
    put("wallet_guid", placement.wallet_guid.hyphenated().to_string());
    put("wallet_id", placement.wallet_id.clone());
    if let Some(proxy) = &placement.card_proxy {
        put("card_proxy", proxy.clone());
    }
    put("person_guid", placement.person_guid.hyphenated().to_string());
    put("program_guid", placement.program_guid.hyphenated().to_string());
    put("account_type", account_type.to_string());
    put("account_name", account_name.clone());

    let view = accounts::open(ctx, tenant, NAME, spec, &vendor_ids)?;
    let opened = Opened {
        account: view.id.0.hyphenated().to_string(),
        account_guid: guid_text,
        currency: spec.currency.code().to_string(),
        wallet_guid: placement.wallet_guid.hyphenated().to_string(),
        wallet_id: placement.wallet_id,
        person_guid: placement.person_guid.hyphenated().to_string(),
        program_guid: placement.program_guid.hyphenated().to_string(),
        fallback_program: placement.fallback_program,
        new_card: placement.new_card,
        account_type: account_type.to_string(),
        account_name,
        opened_at_micros: view.opened_at.as_unix_micros(),
        opening_balance: spec.opening_balance.to_string(),
    };
    // The ledger journals the account itself; what Qolo keeps beside it is recorded before it
    // is applied. A store that refuses leaves the ledger account unaddressable by Qolo (the
    // ledger's own write went through a moment before, so this takes a failure in between).
    let record = Record::Opened(Cow::Borrowed(&opened));
    ctx.record(tenant, NAME, &record).map_err(|err| format!("{UNSTORED}: {err}"))?;
    apply(qolo, tenant, &opened, &Opening::parse(&opened)?)?;
    Ok(OpenedAccount { account: view, vendor_ids })
}

/// Indexes an opened account and puts it in its wallet: at opening, and again when its record
/// is restored, so both make exactly the same state. Refuses (changing nothing) an
/// `account_guid` or card proxy another account took meanwhile.
pub(crate) fn apply(
    qolo: &Qolo,
    tenant: TenantId,
    opened: &Opened,
    opening: &Opening,
) -> Result<(), String> {
    qolo.state.write(tenant, |state| {
        // Checked again under the write lock: another opening may have taken them meanwhile.
        if qolo.index.contains(tenant, ACCOUNT_GUID, &opened.account_guid) {
            return Err(format!("account_guid {} is already in use", opened.account_guid));
        }
        if let Some(proxy) = &opened.new_card
            && state.cards.get(proxy).is_some_and(|owner| *owner != opening.wallet_guid)
        {
            return Err(format!("card_proxy {proxy} is already in use"));
        }
        qolo.index.insert(tenant, ACCOUNT_GUID, &opened.account_guid, opening.account)?;
        if opened.fallback_program {
            state.fallback_program.get_or_insert(opening.program_guid);
        }
        let seq = state.take_seq();
        let wallet = state.wallets.entry(opening.wallet_guid).or_insert_with(|| Wallet {
            wallet_id: opened.wallet_id.clone(),
            person_guid: opening.person_guid,
            program_guid: opening.program_guid,
            created_at: opening.opened_at,
            seq,
            accounts: Vec::new(),
            cards: Vec::new(),
        });
        wallet.accounts.push(opening.account_guid);
        if let Some(proxy) = &opened.new_card {
            if !wallet.cards.iter().any(|card| card.proxy == *proxy) {
                wallet.cards.push(Card { proxy: proxy.clone(), issued_at: opening.opened_at });
            }
            state.cards.insert(proxy.clone(), opening.wallet_guid);
        }
        let mut record = AccountRecord {
            id: opening.account,
            currency: opening.currency,
            wallet_guid: opening.wallet_guid,
            account_type: opening.account_type,
            account_name: Arc::from(opened.account_name.as_str()),
            opened_at: opening.opened_at,
            opening_balance: opening.opening_balance,
            seq,
            statics: None,
            activity: Arc::default(),
        };
        record.statics = Some(Arc::new(qolo.account_statics(opening.account_guid, &record)));
        state.accounts.insert(opening.account_guid, record);
        Ok(())
    })
}

/// Chooses the wallet of a new account from the admin's ids: an existing wallet (whose holder,
/// program and id must agree with any given) or a new one, and its card.
fn place(
    state: &TenantState,
    ids: &parse::OpenIds,
    default_program: Option<Uuid>,
    idgen: &IdGen,
) -> Result<Placement, String> {
    let existing = ids.wallet_guid.and_then(|guid| state.wallets.get(&guid).map(|w| (guid, w)));
    if let Some(proxy) = &ids.card_proxy {
        let owner = state.cards.get(proxy);
        if owner.is_some_and(|owner| Some(*owner) != existing.map(|(guid, _)| guid)) {
            return Err(format!("card_proxy {proxy} belongs to another wallet"));
        }
    }
    if let Some((wallet_guid, wallet)) = existing {
        let clash = |name: &str, given: Option<String>, have: String| match given {
            Some(given) if given != have => {
                Err(format!("{name} {given} does not match wallet {wallet_guid}'s {have}"))
            }
            _ => Ok(()),
        };
        let text = |guid: Uuid| guid.hyphenated().to_string();
        clash("person_guid", ids.person_guid.map(text), text(wallet.person_guid))?;
        clash("program_guid", ids.program_guid.map(text), text(wallet.program_guid))?;
        clash("wallet_id", ids.wallet_id.clone(), wallet.wallet_id.clone())?;
        let new_card =
            ids.card_proxy.clone().filter(|p| !wallet.cards.iter().any(|c| c.proxy == *p));
        let card_proxy =
            ids.card_proxy.clone().or_else(|| wallet.cards.first().map(|c| c.proxy.clone()));
        return Ok(Placement {
            wallet_guid,
            wallet_id: wallet.wallet_id.clone(),
            person_guid: wallet.person_guid,
            program_guid: wallet.program_guid,
            new_card,
            card_proxy,
            fallback_program: false,
        });
    }
    if let Some(wallet_id) = &ids.wallet_id
        && state.wallets.values().any(|w| w.wallet_id == *wallet_id)
    {
        return Err(format!("wallet_id {wallet_id} is already in use"));
    }
    let wallet_id = match &ids.wallet_id {
        Some(wallet_id) => wallet_id.clone(),
        None => {
            unused(|| digits(idgen, 12), |id| state.wallets.values().all(|w| w.wallet_id != *id))
        }
    };
    let card = match &ids.card_proxy {
        Some(proxy) => proxy.clone(),
        None => unused(|| digits(idgen, 13), |proxy| !state.cards.contains_key(proxy)),
    };
    // The fallback program is kept only once an account is opened in it (`apply`).
    let (program_guid, fallback_program) = match ids.program_guid.or(default_program) {
        Some(program_guid) => (program_guid, false),
        None => match state.fallback_program {
            Some(program_guid) => (program_guid, false),
            None => (idgen.uuid(), true),
        },
    };
    Ok(Placement {
        wallet_guid: ids.wallet_guid.unwrap_or_else(|| idgen.uuid()),
        wallet_id,
        person_guid: ids.person_guid.unwrap_or_else(|| idgen.uuid()),
        program_guid,
        new_card: Some(card.clone()),
        card_proxy: Some(card),
        fallback_program,
    })
}

/// `n` generated decimal digits (at most 19).
fn digits(idgen: &IdGen, n: u32) -> String {
    idgen.digits(n.min(19))
}

/// A generated value `free` accepts; random values of 12+ digits practically never collide,
/// and after a few tries the last one is used anyway.
fn unused(generate: impl Fn() -> String, free: impl Fn(&String) -> bool) -> String {
    let mut candidate = generate();
    for _ in 0..8 {
        if free(&candidate) {
            break;
        }
        candidate = generate();
    }
    candidate
}
