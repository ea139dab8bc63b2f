//! The cash-in / cash-out answers (L8V2's `ModifyAccountBalanceResponse`, v2's
//! `PurchaseAndCashAdvanceResponse`) in their envelope, laid out by hand in the documented
//! field order with [`Writer`]: they are the answers of the write, the hot path, and a
//! serializer walk per field cost more than everything else the write does. The snapshots and
//! the spec check of every server test pin them byte for byte.

use ledger::{Currency, Direction, Receipt};
use rust_decimal::Decimal;

use super::super::parse::CashCommand;
use super::super::state::{AccountMeta, ActionCode};
use super::calendar::{Date, history_time, iso_date_plus};
use crate::common::json::writer::Writer;

/// Room for either answer in its envelope, so the buffer never grows.
const ANSWER_BYTES: usize = 1536;

/// How long the history record of a transaction is kept, in days (its `purgeDate`).
const PURGE_AFTER_DAYS: i64 = 365;

/// An account's figures as VisionPLUS shows them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    /// What the holder owes (negative when the account holds money).
    pub(crate) current_balance: Decimal,
    pub(crate) credit_limit: Decimal,
    pub(crate) open_to_buy: Decimal,
}

/// What a cash answer shows: the request, the account, its action code, the ledger's receipt
/// and the figures after the change.
pub(crate) struct Cash<'c, 'a> {
    pub(crate) command: &'c CashCommand<'a>,
    pub(crate) account: &'c AccountMeta,
    pub(crate) action: &'c ActionCode,
    pub(crate) receipt: &'c Receipt,
    pub(crate) figures: Figures,
}

/// An amount with exactly the currency's decimals (`200.00`, never `-0.00`).
pub(crate) fn shown(amount: Decimal, currency: Currency) -> Decimal {
    let mut shown = if amount.is_zero() { Decimal::ZERO } else { amount };
    shown.rescale(currency.exponent());
    shown
}

/// The card sequence a cash answer shows (and its history keeps): the request's with a card
/// number (always on L8V2), else the account's card's.
pub(crate) fn card_sequence(command: &CashCommand<'_>, account: &AccountMeta) -> u32 {
    if command.card_number.is_some() { command.card_sequence } else { account.card_sequence }
}

impl Cash<'_, '_> {
    fn card_sequence(&self) -> u32 {
        card_sequence(self.command, self.account)
    }

    fn monetary_type(&self) -> &'static str {
        match self.action.direction {
            Direction::Credit => "C",
            Direction::Debit => "D",
        }
    }

    /// The history record's CTA sequence: the ledger's commit id, five digits.
    fn collection_sequence(&self) -> u64 {
        self.receipt.id.0 % 100_000
    }

    /// A six-digit authorization number derived from the ledger's commit id.
    fn authorization_number(&self) -> u64 {
        self.receipt.id.0 % 1_000_000
    }

    fn amount(&self, w: &mut Writer, amount: Decimal) {
        w.decimal(shown(amount, self.account.currency));
    }

    /// The success envelope of the L8V2 answer.
    pub(crate) fn l8v2(&self) -> Vec<u8> {
        let (command, account) = (self.command, self.account);
        let history_date = Date::of(self.receipt.at).to_iso();
        let mut w = Writer::with_capacity(ANSWER_BYTES);
        w.raw(r#"{"hasError":false,"errors":[],"data":{"asmOrganizationNumber":"#)
            .display(command.asm_org)
            .raw(r#","asmRepresentativeId":"#)
            .string(&command.representative_id)
            .raw(r#","referralRepresentative":"","account":{"organizationNumber":"#)
            .display(account.org)
            .raw(r#","logo":"#)
            .display(account.logo)
            .raw(r#","number":"#)
            .string(&account.account_number)
            .raw(r#"},"foreignUseIndicator":"0","cardNumber":"#)
            .string(&account.card_number)
            .raw(r#","historyDate":"#)
            .string(&history_date)
            .raw(r#","historyTime":"#)
            .string(&history_time(self.receipt.at))
            .raw(r#","actionCodePri":0,"recordType":"M","actionDescription":"#)
            .string(self.action.description)
            .raw(r#","collectionSequenceNumber":"#)
            .display(self.collection_sequence())
            .raw(r#","status":"C","referralAsmOrganization":0,"purgeDate":"#)
            .string(&iso_date_plus(self.receipt.at, PURGE_AFTER_DAYS))
            .raw(r#","actionDate":"#)
            .string(&history_date)
            .raw(r#","cardSequence":"#)
            .display(self.card_sequence())
            .raw(r#","retention":"","ctaFile":"","transactionData":"#);
        self.l8v2_transaction(&mut w);
        w.raw(r#","letterData":{"organization":"","code":""}}}"#);
        w.finish()
    }

    /// L8V2's `transactionData`.
    fn l8v2_transaction(&self, w: &mut Writer) {
        let (command, currency, figures) = (self.command, self.account.currency, self.figures);
        w.raw(r#"{"currencyData":{"currencyCode":""#)
            .display(format_args!("{:03}", currency.numeric()))
            .raw(r#"","currencyNumberOfDecimal":"#)
            .display(currency.exponent())
            .raw(r#"},"actionCode":"#)
            .string(&command.action_code)
            .raw(r#","effectiveDate":"#)
            .string(&command.effective_date)
            .raw(r#","feeAmount":"#);
        self.amount(w, Decimal::ZERO);
        w.raw(r#","transactionCode":"#).string(self.action.transaction_code);
        w.raw(r#","transactionAmount":"#);
        self.amount(w, self.receipt.amount);
        w.raw(r#","transactionDescription":"#).string(&command.description);
        w.raw(r#","creditLimit":"#);
        self.amount(w, figures.credit_limit);
        w.raw(r#","openToBuy":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","cashAvailable":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","planNumber":""#).display(format_args!("{:05}", command.plan_number));
        w.raw(r#"","currentBalance":"#);
        self.amount(w, figures.current_balance);
        w.raw(r#","planSequence":"#)
            .display(command.plan_sequence)
            .raw(r#","storeNumber":""#)
            .display(format_args!("{:09}", command.store_number))
            .raw(r#"","departmentCode":"#)
            .string(&command.department_code)
            .raw(r#","authorizationCode":"#)
            .string(&command.authorization_code)
            .raw(
                r#","stockKeepingUnitNumber":"","salesClerk":"","ticketNumber":"","purchaseOrderNumber":"","referenceNumber":"#,
            )
            .string(&command.reference_number)
            .raw(r#","insuranceCode":"","reversalTime":"","storeOrganizationNumber":"#)
            .display(self.account.org)
            .raw(r#","approvalIndicator":"A","monetaryType":""#)
            .raw(self.monetary_type())
            .raw(r#"","pointsProgram":0,"pointsAmount":"#);
        self.amount(w, Decimal::ZERO);
        w.raw(r#","referenceNum":"#)
            .string(&command.resolution_reference_number)
            .raw(r#","fundCard":"","fundCardDeclinedReason":"","currencyNumber":""#)
            .display(format_args!("{:03}", currency.numeric()))
            .raw(r#"","authorizationNumber":""#)
            .display(format_args!("{:06}", self.authorization_number()))
            .raw(r#""}"#);
    }

    /// The success envelope of the v2 answer.
    pub(crate) fn v2(&self) -> Vec<u8> {
        let account = self.account;
        let history_date = Date::of(self.receipt.at).to_iso();
        let mut w = Writer::with_capacity(ANSWER_BYTES);
        w.raw(r#"{"hasError":false,"errors":[],"data":{"account":{"organizationNumber":"#)
            .display(account.org)
            .raw(r#","logo":"#)
            .display(account.logo)
            .raw(r#"},"cardNumber":"#)
            .string(&account.card_number)
            .raw(r#","cardSequence":"#)
            .display(self.card_sequence())
            .raw(r#","historyDate":"#)
            .string(&history_date)
            .raw(r#","historyTime":"#)
            .string(&history_time(self.receipt.at))
            .raw(r#","recordType":"MONETARY","actionDescription":"#)
            .string(self.action.description)
            .raw(r#","collectionSequenceNumber":"#)
            .display(self.collection_sequence())
            .raw(r#","status":"CLOSED","referralAsmOrganization":0,"purgeDate":"#)
            .string(&iso_date_plus(self.receipt.at, PURGE_AFTER_DAYS))
            .raw(r#","actionDate":"#)
            .string(&history_date)
            .raw(r#","retention":"KEEP_FOR_HISTORY","ctaFile":"","transactionData":"#);
        self.v2_transaction(&mut w);
        w.raw("}}");
        w.finish()
    }

    /// v2's `transactionData`.
    fn v2_transaction(&self, w: &mut Writer) {
        let (command, figures) = (self.command, self.figures);
        let description = if command.description.is_empty() {
            self.action.description
        } else {
            &command.description
        };
        w.raw(r#"{"currencyData":{"currencyCode":"#)
            .string(self.account.currency.code())
            .raw(r#"},"feeAmount":"#);
        self.amount(w, Decimal::ZERO);
        w.raw(r#","transactionCode":"#).string(self.action.transaction_code);
        w.raw(r#","transactionAmount":"#);
        self.amount(w, self.receipt.amount);
        w.raw(r#","transactionDescription":"#).string(description);
        w.raw(r#","creditLimit":"#);
        self.amount(w, figures.credit_limit);
        w.raw(r#","openToBuy":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","cashAvailable":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","currentBalance":"#);
        self.amount(w, figures.current_balance);
        w.raw(r#","referenceNumber":"#)
            .string(&command.reference_number)
            .raw(r#","referralReferenceNumber":"#)
            .string(&command.resolution_reference_number)
            .raw(r#","insuranceCode":"#)
            .string(&command.insurance_code)
            .raw(r#","reviewTime":"","storeOrganizationNumber":"#)
            .display(self.account.org)
            .raw(r#","approvalIndicator":true,"monetaryType":""#)
            .raw(self.monetary_type())
            .raw(r#"","pointsProgram":0,"pointsAmount":"#);
        self.amount(w, Decimal::ZERO);
        w.raw(r#","fundCard":"","fundCardDeclinedReason":"","authorizationNumber":""#)
            .display(format_args!("{:06}", self.authorization_number()))
            .raw(r#"","installmentTermNumber":"00"}"#);
    }
}
