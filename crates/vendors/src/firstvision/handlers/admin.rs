//! The admin API's side of FirstVision: opening an account under its VisionPLUS identifiers
//! (organization, logo, account and card numbers) and showing them back.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::super::FirstVision;
use super::super::state::{
    self, AccountMeta, ActionCode, DEFAULT_LOGO, DEFAULT_ORG, Record, VENDOR_ID_KEYS, client_id,
    direction_name, generate_account_number, generate_card_number, id_integer, id_text,
    is_account_number, is_card_number, parse_action_codes,
};
use super::{ACCOUNT_NUMBER, CARD_NUMBER};
use crate::common::persist::UNSTORED;
use crate::{AccountSpec, Ctx, OpenedAccount};
use ledger::TenantId;

/// How many random identifiers to try before giving up on a free one.
const GENERATE_ATTEMPTS_MAX: usize = 100;

impl FirstVision {
    pub(crate) fn ids_of(&self, tenant: TenantId, meta: &state::AccountMeta) -> Map<String, Value> {
        let mut ids = Map::new();
        ids.insert("organizationNumber".into(), Value::from(meta.org));
        ids.insert("logo".into(), Value::from(meta.logo));
        ids.insert("accountNumber".into(), Value::from(meta.account_number.clone()));
        ids.insert("cardNumber".into(), Value::from(meta.card_number.clone()));
        ids.insert("cardSequence".into(), Value::from(meta.card_sequence));
        ids.insert("X-ClientID".into(), Value::from(state::client_id(meta.org)));
        if let Some(table) = self.state.org(tenant, meta.org) {
            let codes: Map<String, Value> = table
                .action_codes
                .iter()
                .map(|(code, action)| (code.clone(), Value::from(direction_name(action))))
                .collect();
            ids.insert("actionCodes".into(), Value::Object(codes));
        }
        ids
    }

    pub(crate) fn open(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        let ids = &spec.vendor_ids;
        if let Some(key) = ids.keys().find(|key| !VENDOR_ID_KEYS.contains(&key.as_str())) {
            return Err(format!(
                "unknown vendor id {key:?}; firstvision takes {}",
                VENDOR_ID_KEYS.join(", ")
            ));
        }
        let org = id_integer(ids, "organizationNumber", 998)?.map_or(Ok(DEFAULT_ORG), |org| {
            u16::try_from(org)
                .ok()
                .filter(|org| *org >= 1)
                .ok_or("organizationNumber must be 1-998")
        })?;
        let logo = id_integer(ids, "logo", 998)?.map_or(Ok(DEFAULT_LOGO), |logo| {
            u16::try_from(logo).ok().filter(|logo| *logo >= 1).ok_or("logo must be 1-998")
        })?;
        let card_sequence = id_integer(ids, "cardSequence", 9999)?.unwrap_or(1);
        let action_codes = match ids.get("actionCodes") {
            Some(value) => parse_action_codes(value)?,
            None => Vec::new(),
        };
        let taken = |number: &str| {
            self.index.contains(tenant, ACCOUNT_NUMBER, number)
                || self.index.contains(tenant, CARD_NUMBER, number)
        };
        let account_number = match id_text(ids, "accountNumber")? {
            Some(number) if !is_account_number(number) => {
                return Err(format!("accountNumber {number:?} must be 19 digits"));
            }
            Some(number) if taken(number) => {
                return Err(format!("accountNumber {number} is already in use"));
            }
            Some(number) => number.to_string(),
            None => (0..GENERATE_ATTEMPTS_MAX)
                .map(|_| generate_account_number(&ctx.ids(tenant), org, logo))
                .find(|number| !taken(number))
                .ok_or("could not generate a free accountNumber")?,
        };
        let card_number = match id_text(ids, "cardNumber")? {
            Some(number) if !is_card_number(number) => {
                return Err(format!("cardNumber {number:?} must be 12-19 letters or digits"));
            }
            Some(number) if taken(number) || number == account_number => {
                return Err(format!("cardNumber {number} is already in use"));
            }
            Some(number) => number.to_string(),
            None => (0..GENERATE_ATTEMPTS_MAX)
                .map(|_| generate_card_number(&ctx.ids(tenant)))
                .find(|number| !taken(number) && *number != account_number)
                .ok_or("could not generate a free cardNumber")?,
        };

        let mut vendor_ids = Map::new();
        vendor_ids.insert("organizationNumber".into(), Value::from(org));
        vendor_ids.insert("logo".into(), Value::from(logo));
        vendor_ids.insert("accountNumber".into(), Value::from(account_number.clone()));
        vendor_ids.insert("cardNumber".into(), Value::from(card_number.clone()));
        vendor_ids.insert("cardSequence".into(), Value::from(card_sequence));
        vendor_ids.insert("X-ClientID".into(), Value::from(client_id(org)));
        let account = crate::common::accounts::open(ctx, tenant, "firstvision", spec, &vendor_ids)?;
        // Recorded once the ledger has the account (it draws the id): a store that fails here
        // leaves a ledger account no FirstVision number names, rather than numbers restored
        // for an account the ledger never opened.
        let record = Record::Opened {
            account: account.id.0,
            org,
            logo,
            account_number: Cow::Borrowed(&account_number),
            card_number: Cow::Borrowed(&card_number),
            card_sequence,
            currency: spec.currency,
            action_codes: action_codes
                .iter()
                .map(|(code, action)| (Cow::Borrowed(code.as_str()), direction_name(action).into()))
                .collect(),
        };
        self.save(ctx, tenant, &record).map_err(|_| UNSTORED.to_string())?;
        let meta = AccountMeta::new(
            account.id,
            (org, logo),
            account_number,
            card_number,
            card_sequence,
            spec.currency,
        );
        self.index_account(tenant, meta, action_codes)?;
        if let Some(table) = self.state.org(tenant, org) {
            let mut codes: Vec<_> = table.action_codes.iter().collect();
            codes.sort_by(|a, b| a.0.cmp(b.0));
            let codes: Map<String, Value> = codes
                .into_iter()
                .map(|(code, action)| (code.clone(), Value::from(direction_name(action))))
                .collect();
            vendor_ids.insert("actionCodes".into(), Value::Object(codes));
        }
        Ok(OpenedAccount { account, vendor_ids })
    }

    /// Indexes an opened account under its numbers and adds its organization's action codes:
    /// what opening does after the ledger, and what restoring its record does again. An
    /// identifier already naming this very account is no conflict (a record restored twice).
    pub(crate) fn index_account(
        &self,
        tenant: TenantId,
        meta: AccountMeta,
        action_codes: Vec<(String, ActionCode)>,
    ) -> Result<(), String> {
        for (kind, number) in
            [(ACCOUNT_NUMBER, &meta.account_number), (CARD_NUMBER, &meta.card_number)]
        {
            if self.index.get(tenant, kind, number) != Some(meta.id) {
                self.index.insert(tenant, kind, number, meta.id)?;
            }
        }
        let org = meta.org;
        self.state.insert_account(tenant, meta);
        self.state.ensure_org(tenant, org, action_codes);
        Ok(())
    }
}
