//! What Qolo's answers show of an account, a wallet and a card, built from the vendor's state and
//! the ledger's view: the wire structs of [`super::wire`], filled.

use std::time::Duration;

use ledger::{AccountView, Status, TenantId, TransferId};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::Ctx;
use crate::qolo::Qolo;
use crate::qolo::state::{self, AccountRecord, Activity, Card, QoloBalances, Wallet};
use crate::qolo::wire::{self, DateTime, Guid};

/// The program name wallets show (sandbank keeps no program data).
const PROGRAM_NAME: &str = "sandbank program";
/// The program short name wallets show.
const PROGRAM_SHORT_NAME: &str = "SANDBANK";

/// How long a generated card stays logically valid.
const CARD_LIFETIME: Duration = Duration::from_secs(1096 * 24 * 60 * 60);

impl Qolo {
    /// The guid Qolo shows for ledger transfer `id`: the salt with the id mixed into its last
    /// seven bytes, marked as a version-4 uuid. Distinct ids below 2^56 give distinct guids.
    pub(crate) fn txn_guid(&self, id: TransferId) -> Uuid {
        let mut bytes = self.txn_salt;
        for (byte, id_byte) in bytes.iter_mut().skip(9).zip(id.0.to_be_bytes().iter().skip(1)) {
            *byte ^= id_byte;
        }
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// The `Account` object of an AdjustBalance answer.
    pub(crate) fn account_object<'a>(
        &self,
        account_guid: Uuid,
        record: &'a AccountRecord,
        status: Status,
        balances: QoloBalances,
        activity: &Activity,
    ) -> wire::Account<'a> {
        let opened = DateTime(record.opened_at);
        let movement = |m: Option<state::Movement>| {
            (m.map(|m| DateTime(m.at)), number(m.map_or(Decimal::ZERO, |m| m.amount)))
        };
        let (last_credit_date, last_credit_amount) = movement(activity.last_credit);
        let (first_debit_date, first_debit_amount) = movement(activity.first_debit);
        let (last_debit_date, last_debit_amount) = movement(activity.last_debit);
        let updated = activity.last_txn.map_or(record.opened_at, |t| t.at.max(record.opened_at));
        wire::Account {
            account_guid: Guid(account_guid),
            wallet_guid: Guid(record.wallet_guid),
            account_type: record.account_type,
            account_name: &record.account_name,
            account_currency: record.currency.code(),
            available_balance: number(balances.available),
            ledger_balance: number(balances.ledger),
            suspense_balance: number(balances.suspense),
            starting_balance_date: Some(opened),
            starting_balance_amount: number(record.opening_balance),
            last_credit_date,
            last_credit_amount,
            first_debit_date,
            first_debit_amount,
            last_debit_date,
            last_debit_amount,
            account_status: state::status_name(status),
            account_status_date: opened,
            holder_account_status: "ACTIVE",
            holder_account_status_date: opened,
            sys_utcinserted: opened,
            sys_utcupdated: DateTime(updated),
            last_txn_guid: activity.last_txn.map(|t| Guid(self.txn_guid(t.id))),
            interest_rate_strategy: None,
        }
    }

    /// The unchanging parts of `record`'s `Account` object, laid out once.
    pub(crate) fn account_statics(
        &self,
        account_guid: Uuid,
        record: &AccountRecord,
    ) -> wire::AccountStatics {
        let zero = QoloBalances {
            ledger: Decimal::ZERO,
            available: Decimal::ZERO,
            suspense: Decimal::ZERO,
        };
        let account =
            self.account_object(account_guid, record, Status::Active, zero, &Activity::default());
        wire::AccountStatics::of(&account)
    }

    /// An `AccountDTO` from the account's current view.
    pub(crate) fn account_dto<'a>(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        account_guid: Uuid,
        record: &'a AccountRecord,
        view: &AccountView,
    ) -> wire::AccountDto<'a> {
        let activity = record.activity(ctx.ledger, tenant, None);
        let balances = QoloBalances::from(view.balances);
        wire::AccountDto {
            account_guid: Guid(account_guid),
            wallet_guid: Guid(record.wallet_guid),
            account_currency: record.currency.code(),
            account_name: &record.account_name,
            account_type: record.account_type,
            available_balance: number(balances.available),
            ledger_balance: number(balances.ledger),
            suspense_balance: number(balances.suspense),
            advance_account_details: None,
            account_status: state::status_name(view.status),
            last_txn_guid: activity.last_txn.map(|t| Guid(self.txn_guid(t.id))),
            post_date: activity.last_txn.map(|t| DateTime(t.at)),
            amount: activity.last_txn.map(|t| number(t.amount)),
            mask_account_number: None,
            sys_utcinserted: DateTime(record.opened_at),
            status_change_nonmon_detail: None,
        }
    }

    /// A `WalletDTO` with its accounts (as read now) and cards.
    pub(crate) fn wallet_dto<'a>(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        wallet_guid: Uuid,
        wallet: &'a Wallet,
        accounts: &'a [(Uuid, AccountRecord, AccountView)],
    ) -> wire::WalletDto<'a> {
        wire::WalletDto {
            wallet_guid: Guid(wallet_guid),
            wallet_id: &wallet.wallet_id,
            person_guid: Guid(wallet.person_guid),
            program_guid: Guid(wallet.program_guid),
            program_name: Some(PROGRAM_NAME),
            program_short_name: Some(PROGRAM_SHORT_NAME),
            parent_program_guid: None,
            top_program_guid: Some(Guid(wallet.program_guid)),
            company_dba_name: None,
            company_short_name: None,
            account_status: Some("ACTIVE"),
            wallet_created: Some(DateTime(wallet.created_at)),
            accounts: accounts
                .iter()
                .map(|(guid, record, view)| self.account_dto(ctx, tenant, *guid, record, view))
                .collect(),
            cards: wallet
                .cards
                .iter()
                .map(|card| card_dto(wallet_guid, &wallet.wallet_id, card))
                .collect(),
            account_instruments: [],
            account_shared_persons: [],
        }
    }
}

/// A `CardDTO` for a wallet's card.
fn card_dto<'a>(wallet_guid: Uuid, wallet_id: &'a str, card: &'a Card) -> wire::CardDto<'a> {
    wire::CardDto {
        card_number: None,
        card_proxy: &card.proxy,
        mask_card_pan: None,
        wallet_guid: Guid(wallet_guid),
        wallet_id,
        issuance_type: "VIRTUAL",
        base_iin: None,
        card_condition: "ORIGINAL",
        card_status: "ACTIVE",
        activation_date: Some(DateTime(card.issued_at)),
        activation_method: "ONISSUE",
        expiration_date: None,
        cvx2: None,
        logical_expiration_date: DateTime(card.issued_at.saturating_add(CARD_LIFETIME)),
        person_card_status: "ACTIVE",
        card_tracking_detail: None,
        sys_utcinserted: DateTime(card.issued_at),
        sys_utcupdated: DateTime(card.issued_at),
    }
}

/// A JSON number as .NET writes a `double`: `100`, `12.5`, `0`.
pub(crate) fn number(amount: Decimal) -> wire::Amount {
    wire::Amount(amount)
}
