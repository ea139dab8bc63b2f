//! Opening an account (admin API) under Qolo's identifiers: its guid, the wallet it goes into
//! (new, or an existing one whose holder, program and id agree), its card, type and name.

use std::sync::Arc;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{AccountRecord, Card, TenantState, Wallet};
use crate::common::accounts::{self, AccountSpec, OpenedAccount};
use crate::common::ids::IdGen;
use crate::qolo::{ACCOUNT_GUID, Qolo, parse};
use crate::Ctx;
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
}

/// Opens an account (admin API): in the ledger, in the account index, and in its wallet.
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

    let view = accounts::open(ctx, tenant, "qolo", spec, &vendor_ids)?;
    qolo.index.insert(tenant, ACCOUNT_GUID, &guid_text, view.id)?;
    let opened_at = view.opened_at;
    qolo.state.write(tenant, |state| {
        // Re-checked under the write lock: another opening may have taken the card meanwhile.
        if let Some(proxy) = &placement.new_card
            && state.cards.get(proxy).is_some_and(|owner| *owner != placement.wallet_guid) {
                return Err(format!("card_proxy {proxy} is already in use"));
            }
        let seq = state.take_seq();
        let wallet = state.wallets.entry(placement.wallet_guid).or_insert_with(|| Wallet {
            wallet_id: placement.wallet_id.clone(),
            person_guid: placement.person_guid,
            program_guid: placement.program_guid,
            created_at: opened_at,
            seq,
            accounts: Vec::new(),
            cards: Vec::new(),
        });
        wallet.accounts.push(account_guid);
        if let Some(proxy) = &placement.new_card {
            if !wallet.cards.iter().any(|card| card.proxy == *proxy) {
                wallet.cards.push(Card { proxy: proxy.clone(), issued_at: opened_at });
            }
            state.cards.insert(proxy.clone(), placement.wallet_guid);
        }
        let mut record = AccountRecord {
            id: view.id,
            currency: spec.currency,
            wallet_guid: placement.wallet_guid,
            account_type,
            account_name: Arc::from(account_name),
            opened_at,
            opening_balance: spec.opening_balance,
            seq,
            statics: None,
            activity: Arc::default(),
        };
        record.statics = Some(Arc::new(qolo.account_statics(account_guid, &record)));
        state.accounts.insert(account_guid, record);
        Ok(())
    })?;
    Ok(OpenedAccount { account: view, vendor_ids })
}

/// Chooses the wallet of a new account from the admin's ids: an existing wallet (whose holder,
/// program and id must agree with any given) or a new one, and its card.
fn place(
    state: &mut TenantState,
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
        });
    }
    if let Some(wallet_id) = &ids.wallet_id
        && state.wallets.values().any(|w| w.wallet_id == *wallet_id) {
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
    let program_guid = ids
        .program_guid
        .or(default_program)
        .unwrap_or_else(|| *state.fallback_program.get_or_insert_with(|| idgen.uuid()));
    Ok(Placement {
        wallet_guid: ids.wallet_guid.unwrap_or_else(|| idgen.uuid()),
        wallet_id,
        person_guid: ids.person_guid.unwrap_or_else(|| idgen.uuid()),
        program_guid,
        new_card: Some(card.clone()),
        card_proxy: Some(card),
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