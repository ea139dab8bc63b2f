//! The AdjustBalance answer laid out by hand: the write's hot path writes it in one pass with
//! [`Writer`] instead of walking a serializer per field. The derived `Serialize` of the same
//! structs stays the reference it must match byte for byte (pinned by the test below and by
//! every snapshot of an AdjustBalance answer).

use std::fmt::Write as _;

use ledger::Timestamp;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    Account, AdjustBalanceResponse, Amount, DateTime, Guid, RESPONSE_BYTES_TYPICAL, StackText, time,
};
use crate::common::json::writer::Writer;

/// Room for any decimal's digits: 29 of a 96-bit mantissa, a point, a sign, and the zeros
/// before the first digit of the smallest fraction.
const DECIMAL_CHARS_MAX: usize = 64;

/// What an `Account` object shows that never changes after the account's opening, laid out
/// once when it opens: a write copies these instead of writing its guids, names and opening
/// date-time again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountStatics {
    /// The account's guid, quoted: the answer shows it again outside the `Account` object.
    account_guid: String,
    /// From `{"account_guid":` through `"available_balance":`.
    head: String,
    /// From `,"starting_balance_date":` through `"last_credit_date":`.
    opening: String,
    /// From `,"account_status_date":` through `"sys_utcupdated":`.
    status_dates: String,
}

impl AccountStatics {
    /// The unchanging parts of `account`, as [`Account::write`] writes them.
    pub(crate) fn of(account: &Account<'_>) -> AccountStatics {
        let text = |write: &dyn Fn(&mut Writer)| {
            let mut w = Writer::default();
            write(&mut w);
            String::from_utf8(w.finish()).unwrap_or_default()
        };
        AccountStatics {
            account_guid: text(&|w| guid(w, account.account_guid)),
            head: text(&|w| {
                account.write_head(w);
            }),
            opening: text(&|w| {
                account.write_opening(w, &mut Dates::default());
            }),
            status_dates: text(&|w| {
                account.write_status_dates(w, &mut Dates::default());
            }),
        }
    }
}

impl AdjustBalanceResponse<'_> {
    /// The answer's JSON bytes, in the order of the live reference's response sample, with
    /// the account's unchanging parts copied from `statics` when given (they must be this
    /// account's).
    pub(crate) fn to_json(&self, statics: Option<&AccountStatics>) -> Vec<u8> {
        let mut w = Writer::with_capacity(RESPONSE_BYTES_TYPICAL);
        w.raw(r#"{"client_reference_id":"#).string_or_null(self.client_reference_id);
        w.raw(r#","request_code":"#).string(self.request_code);
        w.raw(r#","amount":"#);
        amount(&mut w, self.amount);
        w.raw(r#","currency":"#).string(self.currency);
        w.raw(r#","description":"#).string_or_null(self.description);
        w.raw(r#","account_guid":"#);
        match statics {
            Some(statics) if self.account_guid == Some(self.account.account_guid) => {
                w.raw(&statics.account_guid);
            }
            _ => guid_or_null(&mut w, self.account_guid),
        }
        w.raw(r#","card_proxy":"#).string_or_null(self.card_proxy);
        w.raw(r#","account":"#);
        self.account.write(&mut w, statics);
        w.raw(r#","user_guid":"#);
        guid(&mut w, self.user_guid);
        w.raw(r#","source_code":"#).string_or_null(self.source_code).raw("}");
        w.finish()
    }
}

impl Account<'_> {
    /// The `Account` object, in the schema's order.
    fn write(&self, w: &mut Writer, statics: Option<&AccountStatics>) {
        let mut dates = Dates::default();
        match statics {
            Some(statics) => w.raw(&statics.head),
            None => self.write_head(w),
        };
        amount(w, self.available_balance);
        w.raw(r#","ledger_balance":"#);
        amount(w, self.ledger_balance);
        w.raw(r#","suspense_balance":"#);
        amount(w, self.suspense_balance);
        match statics {
            Some(statics) => w.raw(&statics.opening),
            None => self.write_opening(w, &mut dates),
        };
        date_time_or_null(w, &mut dates, self.last_credit_date);
        w.raw(r#","last_credit_amount":"#);
        amount(w, self.last_credit_amount);
        w.raw(r#","first_debit_date":"#);
        date_time_or_null(w, &mut dates, self.first_debit_date);
        w.raw(r#","first_debit_amount":"#);
        amount(w, self.first_debit_amount);
        w.raw(r#","last_debit_date":"#);
        date_time_or_null(w, &mut dates, self.last_debit_date);
        w.raw(r#","last_debit_amount":"#);
        amount(w, self.last_debit_amount);
        w.raw(r#","account_status":"#).string(self.account_status);
        match statics {
            Some(statics) => w.raw(&statics.status_dates),
            None => self.write_status_dates(w, &mut dates),
        };
        date_time(w, &mut dates, self.sys_utcupdated);
        w.raw(r#","last_txn_guid":"#);
        guid_or_null(w, self.last_txn_guid);
        w.raw(r#","interest_rate_strategy":"#).string_or_null(self.interest_rate_strategy).raw("}");
    }

    /// `{"account_guid":` through `"available_balance":`.
    fn write_head<'w>(&self, w: &'w mut Writer) -> &'w mut Writer {
        w.raw(r#"{"account_guid":"#);
        guid(w, self.account_guid);
        w.raw(r#","wallet_guid":"#);
        guid(w, self.wallet_guid);
        w.raw(r#","account_type":"#).string(self.account_type);
        w.raw(r#","account_name":"#).string(self.account_name);
        w.raw(r#","account_currency":"#).string(self.account_currency);
        w.raw(r#","available_balance":"#)
    }

    /// `,"starting_balance_date":` through `"last_credit_date":`.
    fn write_opening<'w>(&self, w: &'w mut Writer, dates: &mut Dates) -> &'w mut Writer {
        w.raw(r#","starting_balance_date":"#);
        date_time_or_null(w, dates, self.starting_balance_date);
        w.raw(r#","starting_balance_amount":"#);
        amount(w, self.starting_balance_amount);
        w.raw(r#","last_credit_date":"#)
    }

    /// `,"account_status_date":` through `"sys_utcupdated":`.
    fn write_status_dates<'w>(&self, w: &'w mut Writer, dates: &mut Dates) -> &'w mut Writer {
        w.raw(r#","account_status_date":"#);
        date_time(w, dates, self.account_status_date);
        w.raw(r#","holder_account_status":"#).string(self.holder_account_status);
        w.raw(r#","holder_account_status_date":"#);
        date_time(w, dates, self.holder_account_status_date);
        w.raw(r#","sys_utcinserted":"#);
        date_time(w, dates, self.sys_utcinserted);
        w.raw(r#","sys_utcupdated":"#)
    }
}

/// An amount as .NET writes a `double`: the normalized decimal's digits (`100`, `12.5`); one
/// whose mantissa fits a `u64`, as every amount a sandbox holds does, straight into the answer.
fn amount(w: &mut Writer, amount: Amount) {
    let Ok(mut mantissa) = u64::try_from(amount.0.mantissa().unsigned_abs()) else {
        let mut text = [0; DECIMAL_CHARS_MAX];
        w.raw(decimal_text(amount.0, &mut text));
        return;
    };
    let mut scale = amount.0.scale();
    // Trailing zeros of the fraction are dropped, as `normalize` does.
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    w.fixed(amount.0.is_sign_negative(), mantissa, scale);
}

/// `amount` normalized (no trailing zeros, no negative zero), as its `Display` writes it, laid
/// out digit by digit from the right: formatting through `Display` costs several times more.
fn decimal_text(amount: Decimal, text: &mut [u8; DECIMAL_CHARS_MAX]) -> &str {
    // Most amounts an account shows are zero (no debit yet, nothing in suspense).
    if amount.mantissa() == 0 {
        return "0";
    }
    if let Ok(small) = u64::try_from(amount.mantissa().unsigned_abs()) {
        return small_decimal_text(small, amount.scale(), amount.is_sign_negative(), text);
    }
    let mut scale = usize::try_from(amount.scale()).unwrap_or(0);
    // Negative zero is written as zero.
    let negative = amount.is_sign_negative() && amount.mantissa() != 0;
    let mut at = text.len();
    let mut put = |byte: u8| {
        at = at.saturating_sub(1);
        if let Some(slot) = text.get_mut(at) {
            *slot = byte;
        }
    };
    // Divisions of a `u128` cost several times those of a `u64`, and amounts fit one.
    let mut mantissa = amount.mantissa().unsigned_abs();
    let mut small = u64::try_from(mantissa).ok();
    // Trailing zeros of the fraction are dropped, as `normalize` does.
    while scale > 0 {
        match &mut small {
            Some(rest) if *rest % 10 == 0 => *rest /= 10,
            Some(_) => break,
            None if mantissa.is_multiple_of(10) => mantissa /= 10,
            None => break,
        }
        scale -= 1;
    }
    let mut n_digits = 0;
    loop {
        // A remainder below 10: the casts keep every bit.
        let (digit, done) = match &mut small {
            Some(rest) => {
                let digit = (*rest % 10) as u8;
                *rest /= 10;
                (digit, *rest == 0)
            }
            None => {
                let digit = (mantissa % 10) as u8;
                mantissa /= 10;
                (digit, mantissa == 0)
            }
        };
        put(b'0' + digit);
        n_digits += 1;
        if n_digits == scale {
            put(b'.');
        }
        if done && n_digits > scale {
            break;
        }
    }
    if negative {
        put(b'-');
    }
    std::str::from_utf8(text.get(at..).unwrap_or_default()).unwrap_or("0")
}

/// [`decimal_text`] of a non-zero decimal whose mantissa fits a `u64`, as every amount a
/// sandbox account holds does: one tight loop, no `u128` arithmetic.
fn small_decimal_text(
    mut mantissa: u64,
    scale: u32,
    negative: bool,
    text: &mut [u8; DECIMAL_CHARS_MAX],
) -> &str {
    let mut scale = usize::try_from(scale).unwrap_or(0);
    while scale > 0 && mantissa.is_multiple_of(10) {
        mantissa /= 10;
        scale -= 1;
    }
    let mut at = text.len();
    let mut put = |byte: u8| {
        at = at.saturating_sub(1);
        if let Some(slot) = text.get_mut(at) {
            *slot = byte;
        }
    };
    let mut n_digits = 0;
    while mantissa != 0 || n_digits <= scale {
        // A remainder below 10: the cast keeps every bit.
        put(b'0' + (mantissa % 10) as u8);
        mantissa /= 10;
        n_digits += 1;
        if n_digits == scale {
            put(b'.');
        }
    }
    if negative {
        put(b'-');
    }
    std::str::from_utf8(text.get(at..).unwrap_or_default()).unwrap_or("0")
}

/// The date-times an `Account` shows, each written once: most of its eight are its opening
/// time or the change's time.
#[derive(Default)]
struct Dates {
    written: [Option<(Timestamp, StackText)>; 2],
    /// The slot the next new date-time replaces.
    next: usize,
}

/// A date-time, quoted.
fn date_time(w: &mut Writer, dates: &mut Dates, value: DateTime) {
    if let Some((_, text)) = dates.written.iter().flatten().find(|(at, _)| *at == value.0) {
        w.text(text.as_bytes());
        return;
    }
    let mut text = StackText::new();
    let _ = text.write_char('"');
    let _ = time::write(value.0, &mut text);
    let _ = text.write_char('"');
    w.text(text.as_bytes());
    if let Some(slot) = dates.written.get_mut(dates.next) {
        *slot = Some((value.0, text));
    }
    dates.next = (dates.next + 1) % dates.written.len();
}

fn date_time_or_null(w: &mut Writer, dates: &mut Dates, value: Option<DateTime>) {
    match value {
        Some(value) => date_time(w, dates, value),
        None => {
            w.raw("null");
        }
    }
}

/// A guid as .NET writes one, quoted.
fn guid(w: &mut Writer, guid: Guid) {
    // The `user_guid` of a request that sent none.
    if guid.0.is_nil() {
        w.raw(r#""00000000-0000-0000-0000-000000000000""#);
        return;
    }
    let mut text = Uuid::encode_buffer();
    w.raw("\"").raw(guid.0.hyphenated().encode_lower(&mut text)).raw("\"");
}

fn guid_or_null(w: &mut Writer, value: Option<Guid>) {
    match value {
        Some(value) => guid(w, value),
        None => {
            w.raw("null");
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn account(name: &str, date: Option<DateTime>, last_txn: Option<Guid>) -> Account<'_> {
        let at = DateTime(Timestamp::from_unix_micros(1_767_225_600_250_000));
        let amount = |text: &str| Amount(text.parse::<Decimal>().unwrap());
        Account {
            account_guid: Guid(Uuid::from_u128(1)),
            wallet_guid: Guid(Uuid::from_u128(u128::MAX)),
            account_type: "GENERAL",
            account_name: name,
            account_currency: "USD",
            // Negative zero, which .NET writes as 0.
            available_balance: Amount(-Decimal::new(0, 2)),
            ledger_balance: amount("12.50"),
            suspense_balance: amount("79228162514264337593543950335"),
            starting_balance_date: date,
            starting_balance_amount: amount("100.00"),
            last_credit_date: date,
            last_credit_amount: amount("0"),
            // A third distinct date-time, past what the writer keeps written.
            first_debit_date: date.map(|_| DateTime(Timestamp::from_unix_micros(86_400_000_001))),
            first_debit_amount: amount("-7.125"),
            last_debit_date: date,
            last_debit_amount: amount("0.001"),
            account_status: "ACTIVE",
            account_status_date: at,
            holder_account_status: "ACTIVE",
            holder_account_status_date: at,
            sys_utcinserted: at,
            sys_utcupdated: at,
            last_txn_guid: last_txn,
            interest_rate_strategy: None,
        }
    }

    #[test]
    fn the_hand_laid_answer_is_byte_for_byte_the_derived_one() {
        let at = Some(DateTime(Timestamp::from_unix_micros(0)));
        let names = ["Main \"USD\"\n\\ é", ""];
        // The last: the answer's `account_guid` is the account's own, as in every real answer.
        for (name, date, last_txn) in [
            (names[0], at, Some(Guid(Uuid::from_u128(7)))),
            (names[1], None, None),
            (names[0], at, Some(Guid(Uuid::from_u128(1)))),
        ] {
            let answer = AdjustBalanceResponse {
                client_reference_id: date.map(|_| "ref\t1"),
                request_code: "LT-ACH_IN",
                amount: Amount("1250.50".parse().unwrap()),
                currency: "USD",
                description: Some(name),
                account_guid: last_txn,
                card_proxy: None,
                account: account(name, date, last_txn),
                user_guid: Guid(Uuid::nil()),
                source_code: date.map(|_| "API"),
            };
            let derived = serde_json::to_string(&answer).unwrap();
            assert_eq!(String::from_utf8(answer.to_json(None)).unwrap(), derived);
            // Laid out at the opening, from the account as it was then.
            let mut opened = account(name, date, None);
            opened.available_balance = Amount(Decimal::ONE);
            let statics = AccountStatics::of(&opened);
            assert_eq!(String::from_utf8(answer.to_json(Some(&statics))).unwrap(), derived);
        }
    }

    proptest! {
        #[test]
        fn any_amount_is_written_as_its_normalized_display(
            lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(),
            negative in any::<bool>(), scale in 0u32..=28,
        ) {
            let amount = Decimal::from_parts(lo, mid, hi, negative, scale);
            let mut text = [0; DECIMAL_CHARS_MAX];
            prop_assert_eq!(decimal_text(amount, &mut text), amount.normalize().to_string());
        }

        /// An amount written into an answer is [`decimal_text`]'s text, whatever its size.
        #[test]
        fn an_amount_is_written_as_its_decimal_text(
            lo in any::<u32>(), mid in prop_oneof![Just(0_u32), any::<u32>()],
            hi in prop_oneof![Just(0_u32), any::<u32>()], negative in any::<bool>(), scale in 0_u32..=28,
        ) {
            let amount = Decimal::from_parts(lo, mid, hi, negative, scale);
            let mut w = Writer::default();
            super::amount(&mut w, Amount(amount));
            let mut text = [0; DECIMAL_CHARS_MAX];
            prop_assert_eq!(String::from_utf8(w.finish()).unwrap(), decimal_text(amount, &mut text));
        }

        /// The `u64` way, taken by every amount a sandbox holds, writes what `Display` does.
        #[test]
        fn any_small_amount_is_written_as_its_normalized_display(
            mantissa in prop_oneof![any::<u64>(), 0u64..10_000, (0u64..1_000).prop_map(|m| m * 1_000)],
            negative in any::<bool>(), scale in 0u32..=28,
        ) {
            let amount = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
            let amount = if negative { -amount } else { amount };
            let mut text = [0; DECIMAL_CHARS_MAX];
            prop_assert_eq!(decimal_text(amount, &mut text), amount.normalize().to_string());
        }
    }
}
