//! The cash-in / cash-out answers (L8V2's `ModifyAccountBalanceResponse`, v2's
//! `PurchaseAndCashAdvanceResponse`) in their envelope, laid out by hand in the documented
//! field order with [`Writer`]: they are the answers of the write, the hot path, and a
//! serializer walk per field cost more than everything else the write does. The snapshots and
//! the spec check of every server test pin them byte for byte.

use ledger::{Currency, Direction, Receipt};
use rust_decimal::Decimal;

use super::super::parse::CashCommand;
use super::super::state::{AccountMeta, ActionCode};
use super::calendar::{Date, history_time_in, iso_date_in};
use crate::common::calendar::DateTime;
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

/// The parts of an account's cash answers that never change (its organization, logo, numbers
/// and currency), written once when the account opens and kept with it: each write then copies
/// them instead of escaping and formatting them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// L8V2, from `referralRepresentative` to `historyDate`'s opening quote.
    l8v2_account: String,
    /// L8V2 `transactionData`, from its start to `actionCode`'s value.
    l8v2_currency: String,
    /// L8V2, from after `referenceNumber`'s value to `monetaryType`'s value.
    l8v2_store: String,
    /// L8V2, from after `referenceNum`'s value to `authorizationNumber`'s value.
    l8v2_currency_number: String,
    /// v2, from the envelope's start to `cardNumber`'s value included.
    v2_account: String,
    /// v2 `transactionData`, from its start to `transactionCode`'s opening quote.
    v2_currency: String,
    /// v2, from `reviewTime` to `monetaryType`'s value.
    v2_store: String,
    /// Zero with the currency's decimals (`feeAmount`, `pointsAmount`).
    zero: String,
}

impl Layout {
    /// The parts for an account with this identity, written as the general path writes them.
    pub(crate) fn of(
        org: u16,
        logo: u16,
        account_number: &str,
        card_number: &str,
        currency: Currency,
    ) -> Layout {
        let text = |write: &dyn Fn(&mut Writer)| {
            let mut w = Writer::default();
            write(&mut w);
            String::from_utf8(w.finish()).unwrap_or_default()
        };
        let zero = text(&|w| {
            w.dec(shown(Decimal::ZERO, currency));
        });
        Layout {
            l8v2_account: text(&|w| {
                l8v2_account(w, org, logo, account_number, card_number);
            }),
            l8v2_currency: text(&|w| l8v2_currency(w, currency)),
            l8v2_store: text(&|w| l8v2_store(w, org)),
            l8v2_currency_number: text(&|w| l8v2_currency_number(w, currency)),
            v2_account: text(&|w| v2_account(w, org, logo, card_number)),
            v2_currency: text(&|w| v2_currency(w, currency, &zero)),
            v2_store: text(&|w| v2_store(w, org)),
            zero,
        }
    }
}

fn l8v2_account(w: &mut Writer, org: u16, logo: u16, account_number: &str, card_number: &str) {
    w.raw(r#","referralRepresentative":"","account":{"organizationNumber":"#)
        .int(u64::from(org), 0)
        .raw(r#","logo":"#)
        .int(u64::from(logo), 0)
        .raw(r#","number":"#)
        .string(account_number)
        .raw(r#"},"foreignUseIndicator":"0","cardNumber":"#)
        .string(card_number)
        .raw(r#","historyDate":""#);
}

fn l8v2_currency(w: &mut Writer, currency: Currency) {
    w.raw(r#"{"currencyData":{"currencyCode":""#)
        .int(u64::from(currency.numeric()), 3)
        .raw(r#"","currencyNumberOfDecimal":"#)
        .int(u64::from(currency.exponent()), 0)
        .raw(r#"},"actionCode":"#);
}

fn l8v2_store(w: &mut Writer, org: u16) {
    w.raw(r#","insuranceCode":"","reversalTime":"","storeOrganizationNumber":"#)
        .int(u64::from(org), 0)
        .raw(r#","approvalIndicator":"A","monetaryType":""#);
}

fn l8v2_currency_number(w: &mut Writer, currency: Currency) {
    w.raw(r#","fundCard":"","fundCardDeclinedReason":"","currencyNumber":""#)
        .int(u64::from(currency.numeric()), 3)
        .raw(r#"","authorizationNumber":""#);
}

fn v2_account(w: &mut Writer, org: u16, logo: u16, card_number: &str) {
    w.raw(r#"{"hasError":false,"errors":[],"data":{"account":{"organizationNumber":"#)
        .int(u64::from(org), 0)
        .raw(r#","logo":"#)
        .int(u64::from(logo), 0)
        .raw(r#"},"cardNumber":"#)
        .string(card_number);
}

fn v2_currency(w: &mut Writer, currency: Currency, zero: &str) {
    w.raw(r#"{"currencyData":{"currencyCode":"#)
        .quoted(currency.code())
        .raw(r#"},"feeAmount":"#)
        .raw(zero)
        .raw(r#","transactionCode":""#);
}

fn v2_store(w: &mut Writer, org: u16) {
    w.raw(r#","reviewTime":"","storeOrganizationNumber":"#)
        .int(u64::from(org), 0)
        .raw(r#","approvalIndicator":true,"monetaryType":""#);
}

/// Appends `value`'s decimal digits, zero-padded to at least `width`, without a formatter:
/// the cash answers write a dozen numbers, and `fmt` costs several times the digits.
trait Digits {
    /// Appends `value`'s decimal digits, zero-padded to at least `width`.
    fn int(&mut self, value: u64, width: usize) -> &mut Self;
    /// Appends `amount` as a JSON number with exactly its digits.
    fn dec(&mut self, amount: Decimal) -> &mut Self;
    /// Appends text we generated that needs no escaping (dates, times, our own codes), quoted.
    fn quoted(&mut self, text: &str) -> &mut Self;
}

impl Digits for Writer {
    fn int(&mut self, value: u64, width: usize) -> &mut Self {
        self.uint(value, width)
    }

    fn dec(&mut self, amount: Decimal) -> &mut Self {
        decimal(self, amount);
        self
    }

    fn quoted(&mut self, text: &str) -> &mut Self {
        self.raw("\"").raw(text).raw("\"")
    }
}

/// Appends `amount` as a JSON number with exactly its digits, as its `Display` writes it.
fn decimal(w: &mut Writer, amount: Decimal) {
    match u64::try_from(amount.mantissa().unsigned_abs()) {
        Ok(mantissa) => w.fixed(amount.is_sign_negative(), mantissa, amount.scale()),
        Err(_) => w.decimal(amount),
    };
}

/// Appends `text` as a JSON string, through [`Writer::string`] (which copies a text that
/// needs no escape, the request's own codes and numbers almost always, as is).
fn string(w: &mut Writer, text: &str) {
    w.string(text);
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
        w.dec(shown(amount, self.account.currency));
    }

    /// The success envelope of the L8V2 answer.
    pub(crate) fn l8v2(&self) -> Vec<u8> {
        let (command, layout) = (self.command, &self.account.layout);
        let at = DateTime::of(self.receipt.at);
        let mut history_date = [0; 10];
        let history_date = iso_date_in(&mut history_date, Date::from(at));
        let mut w = Writer::with_capacity(ANSWER_BYTES);
        w.raw(r#"{"hasError":false,"errors":[],"data":{"asmOrganizationNumber":"#)
            .int(u64::from(command.asm_org), 0)
            .raw(r#","asmRepresentativeId":"#);
        string(&mut w, &command.representative_id);
        w.raw(&layout.l8v2_account).raw(&history_date).raw(r#"","historyTime":""#);
        w.raw(&history_time_in(&mut [0; 7], &at));
        w.raw(r#"","actionCodePri":0,"recordType":"M","actionDescription":""#)
            .raw(self.action.description)
            .raw(r#"","collectionSequenceNumber":"#)
            .int(self.collection_sequence(), 0)
            .raw(r#","status":"C","referralAsmOrganization":0,"purgeDate":""#);
        self.purge_date(&mut w);
        w.raw(r#"","actionDate":""#)
            .raw(&history_date)
            .raw(r#"","cardSequence":"#)
            .int(u64::from(self.card_sequence()), 0)
            .raw(r#","retention":"","ctaFile":"","transactionData":"#);
        self.l8v2_transaction(&mut w);
        w.raw(r#","letterData":{"organization":"","code":""}}}"#);
        w.finish()
    }

    /// L8V2's `transactionData`.
    fn l8v2_transaction(&self, w: &mut Writer) {
        let (command, layout, figures) = (self.command, &self.account.layout, self.figures);
        w.raw(&layout.l8v2_currency);
        string(w, &command.action_code);
        w.raw(r#","effectiveDate":"#);
        string(w, &command.effective_date);
        w.raw(r#","feeAmount":"#).raw(&layout.zero);
        w.raw(r#","transactionCode":"#).quoted(self.action.transaction_code);
        w.raw(r#","transactionAmount":"#);
        self.amount(w, self.receipt.amount);
        w.raw(r#","transactionDescription":"#);
        string(w, &command.description);
        self.l8v2_figures(w, figures);
        w.raw(r#","planSequence":"#)
            .int(u64::from(command.plan_sequence), 0)
            .raw(r#","storeNumber":""#)
            .int(u64::from(command.store_number), 9)
            .raw(r#"","departmentCode":"#);
        string(w, &command.department_code);
        w.raw(r#","authorizationCode":"#);
        string(w, &command.authorization_code);
        w.raw(
            r#","stockKeepingUnitNumber":"","salesClerk":"","ticketNumber":"","purchaseOrderNumber":"","referenceNumber":"#,
        );
        string(w, &command.reference_number);
        w.raw(&layout.l8v2_store)
            .raw(self.monetary_type())
            .raw(r#"","pointsProgram":0,"pointsAmount":"#)
            .raw(&layout.zero)
            .raw(r#","referenceNum":"#);
        string(w, &command.resolution_reference_number);
        w.raw(&layout.l8v2_currency_number).int(self.authorization_number(), 6).raw(r#""}"#);
    }

    /// L8V2's figures, from `creditLimit` to `currentBalance`.
    fn l8v2_figures(&self, w: &mut Writer, figures: Figures) {
        w.raw(r#","creditLimit":"#);
        self.amount(w, figures.credit_limit);
        w.raw(r#","openToBuy":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","cashAvailable":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","planNumber":""#).int(u64::from(self.command.plan_number), 5);
        w.raw(r#"","currentBalance":"#);
        self.amount(w, figures.current_balance);
    }

    /// `purgeDate`'s text: the history record's date, [`PURGE_AFTER_DAYS`] later.
    fn purge_date(&self, w: &mut Writer) {
        let purge = Date::from_unix_days(self.receipt.at.utc_day() + PURGE_AFTER_DAYS);
        w.raw(&iso_date_in(&mut [0; 10], purge));
    }

    /// The success envelope of the v2 answer.
    pub(crate) fn v2(&self) -> Vec<u8> {
        let layout = &self.account.layout;
        let at = DateTime::of(self.receipt.at);
        let mut history_date = [0; 10];
        let history_date = iso_date_in(&mut history_date, Date::from(at));
        let mut w = Writer::with_capacity(ANSWER_BYTES);
        w.raw(&layout.v2_account)
            .raw(r#","cardSequence":"#)
            .int(u64::from(self.card_sequence()), 0)
            .raw(r#","historyDate":""#)
            .raw(&history_date)
            .raw(r#"","historyTime":""#);
        w.raw(&history_time_in(&mut [0; 7], &at));
        w.raw(r#"","recordType":"MONETARY","actionDescription":""#)
            .raw(self.action.description)
            .raw(r#"","collectionSequenceNumber":"#)
            .int(self.collection_sequence(), 0)
            .raw(r#","status":"CLOSED","referralAsmOrganization":0,"purgeDate":""#);
        self.purge_date(&mut w);
        w.raw(r#"","actionDate":""#)
            .raw(&history_date)
            .raw(r#"","retention":"KEEP_FOR_HISTORY","ctaFile":"","transactionData":"#);
        self.v2_transaction(&mut w);
        w.raw("}}");
        w.finish()
    }

    /// v2's `transactionData`.
    fn v2_transaction(&self, w: &mut Writer) {
        let (command, layout, figures) = (self.command, &self.account.layout, self.figures);
        let description = if command.description.is_empty() {
            self.action.description
        } else {
            &command.description
        };
        w.raw(&layout.v2_currency).raw(self.action.transaction_code);
        w.raw(r#"","transactionAmount":"#);
        self.amount(w, self.receipt.amount);
        w.raw(r#","transactionDescription":"#);
        string(w, description);
        w.raw(r#","creditLimit":"#);
        self.amount(w, figures.credit_limit);
        w.raw(r#","openToBuy":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","cashAvailable":"#);
        self.amount(w, figures.open_to_buy);
        w.raw(r#","currentBalance":"#);
        self.amount(w, figures.current_balance);
        w.raw(r#","referenceNumber":"#);
        string(w, &command.reference_number);
        w.raw(r#","referralReferenceNumber":"#);
        string(w, &command.resolution_reference_number);
        w.raw(r#","insuranceCode":"#);
        string(w, &command.insurance_code);
        w.raw(&layout.v2_store)
            .raw(self.monetary_type())
            .raw(r#"","pointsProgram":0,"pointsAmount":"#)
            .raw(&layout.zero)
            .raw(r#","fundCard":"","fundCardDeclinedReason":"","authorizationNumber":""#)
            .int(self.authorization_number(), 6)
            .raw(r#"","installmentTermNumber":"00"}"#);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn written(f: impl FnOnce(&mut Writer)) -> String {
        let mut w = Writer::default();
        f(&mut w);
        String::from_utf8(w.finish()).unwrap()
    }

    proptest! {
        /// The hand-written digits are what `format!` writes.
        #[test]
        fn integers_are_written_as_format_writes_them(value in any::<u64>(), width in 0_usize..12) {
            prop_assert_eq!(written(|w| { w.int(value, width); }), format!("{value:0width$}"));
        }

        /// Request texts are written as [`Writer::string`] writes them, whether or not they
        /// need escaping.
        #[test]
        fn texts_are_written_as_the_writer_escapes_them(
            any in any::<String>(),
            mixed in "[a-zA-Z0-9 \"\\\\\u{0}-\u{1f}\u{7f}é\u{2028}]{0,24}",
        ) {
            for text in [any, mixed] {
                prop_assert_eq!(written(|w| string(w, &text)), written(|w| { w.string(&text); }));
            }
        }

        /// Amounts are written exactly as their `Display` (what serde_json wrote before).
        #[test]
        fn amounts_are_written_as_their_display(
            mantissa in any::<i64>(),
            wide in any::<i128>(),
            scale in 0_u32..=28,
        ) {
            for amount in [Decimal::new(mantissa, scale), Decimal::from_i128_with_scale(wide >> 32, scale)] {
                prop_assert_eq!(written(|w| { w.dec(amount); }), amount.to_string());
            }
        }
    }

    /// An account's laid-out parts are what the general path writes for it.
    #[test]
    fn laid_out_parts_are_what_the_writer_writes() {
        let layout = Layout::of(
            970,
            401,
            "9704010000000001467",
            "0000001234567890123",
            Currency::from_code("MXN").unwrap(),
        );
        assert_eq!(
            layout.l8v2_account,
            r#","referralRepresentative":"","account":{"organizationNumber":970,"logo":401,"number":"9704010000000001467"},"foreignUseIndicator":"0","cardNumber":"0000001234567890123","historyDate":""#
        );
        assert_eq!(layout.zero, "0.00");
        assert_eq!(
            layout.v2_currency,
            r#"{"currencyData":{"currencyCode":"MXN"},"feeAmount":0.00,"transactionCode":""#
        );
    }

    #[test]
    fn zero_and_small_amounts_keep_their_scale() {
        for (amount, text) in [
            (Decimal::new(0, 2), "0.00"),
            (Decimal::new(5, 2), "0.05"),
            (Decimal::new(-5, 2), "-0.05"),
            (Decimal::new(7, 0), "7"),
            (Decimal::new(12345, 2), "123.45"),
        ] {
            assert_eq!(
                written(|w| {
                    w.dec(amount);
                }),
                text
            );
        }
    }
}
