//! The ledger's tests: scenarios (features and error precedence, as scripts with inline
//! snapshots), properties (random operation sequences against a naive model), and a bounded
//! multi-threaded stress test.

mod model;
mod props;
mod scenarios;
mod stress;

use rust_decimal::Decimal;

#[test]
fn limits_constants_are_the_powers_of_ten_they_claim() {
    assert_eq!(crate::AMOUNT_MAX, Decimal::from(10u64.pow(15)));
    assert_eq!(crate::BALANCE_ABS_MAX, Decimal::from(10u128.pow(20)));
}
