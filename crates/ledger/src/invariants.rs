//! The rules every committed change must leave behind, asserted at the commit points in debug
//! builds. Tests run debug builds, so every scenario, property and stress test checks them on
//! every change and stops at the change that broke one, not at a later read.

use rust_decimal::Decimal;

use crate::account::Balances;
use crate::transfer::{AccountChange, Mode, Receipt};

/// What a balance may never be: a negative hold or deferral, or more available than posted.
pub(crate) fn balances_sound(balances: &Balances) {
    debug_assert!(
        balances.pending_debits >= Decimal::ZERO
            && balances.pending_credits >= Decimal::ZERO
            && balances.deferred >= Decimal::ZERO,
        "negative hold or deferral: {balances:?}"
    );
    debug_assert_eq!(
        balances.available,
        balances.posted - balances.pending_debits - balances.deferred,
        "available is posted less outgoing holds and deferrals"
    );
    debug_assert!(balances.available <= balances.posted, "available above posted: {balances:?}");
}

/// How a change moved one side: posted, outgoing holds, incoming holds.
fn moved(change: &AccountChange) -> [Decimal; 3] {
    let (b, a) = (&change.before, &change.after);
    [
        a.posted - b.posted,
        a.pending_debits - b.pending_debits,
        a.pending_credits - b.pending_credits,
    ]
}

/// Double entry for a new transfer: the debit side lost exactly what the credit side gained
/// (the external account, not in the receipt, takes the other half of a one-sided change).
pub(crate) fn transfer_committed(mode: Mode, receipt: &Receipt) {
    let amount = receipt.amount;
    let (posted, pending) = match mode {
        Mode::Pending { .. } => (Decimal::ZERO, amount),
        Mode::Posted | Mode::Deferred { .. } => (amount, Decimal::ZERO),
    };
    if let Some(debit) = &receipt.debit {
        debug_assert_eq!(moved(debit), [-posted, pending, Decimal::ZERO], "debit side");
        balances_sound(&debit.after);
    }
    if let Some(credit) = &receipt.credit {
        debug_assert_eq!(moved(credit), [posted, Decimal::ZERO, pending], "credit side");
        balances_sound(&credit.after);
    }
}

/// Double entry for a settled hold of `held`: `receipt.amount` moved (none when voided) and
/// the whole hold released on both sides.
pub(crate) fn hold_settled(held: Decimal, posted: bool, receipt: &Receipt) {
    let amount = if posted { receipt.amount } else { Decimal::ZERO };
    if let Some(debit) = &receipt.debit {
        debug_assert_eq!(moved(debit), [-amount, -held, Decimal::ZERO], "debit side");
        balances_sound(&debit.after);
    }
    if let Some(credit) = &receipt.credit {
        debug_assert_eq!(moved(credit), [amount, Decimal::ZERO, -held], "credit side");
        balances_sound(&credit.after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balances(posted: i64, pending_debits: i64, deferred: i64) -> Balances {
        let d = Decimal::from;
        Balances {
            posted: d(posted),
            pending_debits: d(pending_debits),
            pending_credits: Decimal::ZERO,
            deferred: d(deferred),
            available: d(posted - pending_debits - deferred),
        }
    }

    #[test]
    fn sound_balances_pass() {
        balances_sound(&balances(10, 3, 2));
    }

    #[test]
    #[should_panic(expected = "negative hold")]
    fn a_negative_hold_is_caught() {
        balances_sound(&balances(10, -3, 0));
    }

    #[test]
    #[should_panic(expected = "available is posted less")]
    fn available_out_of_step_is_caught() {
        let mut b = balances(10, 3, 0);
        b.available = Decimal::from(9);
        balances_sound(&b);
    }
}
