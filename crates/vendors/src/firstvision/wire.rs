//! FirstVision's wire types, named and ordered as the vendor's OpenAPI documents them
//! (`reference/1.0.0/Accounts.yaml` for L8V2, `reference/1.2.0/Accounts.yaml` for v2).
//!
//! Request fields are kept as sent ([`Field`], borrowed from the body) so `parse.rs` can tell a
//! missing field from a wrongly typed one and answer each with the vendor's own code; responses
//! are plain structs serialized in the documented field order, or, for the cash answers on the
//! write's hot path, laid out by hand in that order ([`cash`]). Amounts are exact `serde_json::Number`s. A date
//! with no value is left out of an answer rather than sent as `null`: the vendor types its dates
//! as non-nullable strings and its documents show no empty form.

pub(crate) mod calendar;
pub(crate) mod cash;
mod l8vi;
pub(crate) mod scan;

use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::common::json::{Field, Object};

// GET /account/v2/accounts (M.CMS.ACCOUNT.INQ, L8VI): its answer is large enough for a file of
// its own.
pub(crate) use self::l8vi::*;

// ---------------------------------------------------------------------------------------------
// Envelope and token

/// The envelope of every answer: `{hasError, errors, data}` (the documented `DResponse`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DResponse<'a, T> {
    pub(crate) has_error: bool,
    pub(crate) errors: &'a [ErrorItem<'a>],
    pub(crate) data: Option<T>,
}

/// One entry of `errors`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorItem<'a> {
    pub(crate) code: &'a str,
    pub(crate) description: &'a str,
}

/// The access-token answer (all strings, as the vendor's sample shows them).
#[derive(Debug, Serialize)]
pub(crate) struct TokenResponse {
    pub(crate) token_type: &'static str,
    pub(crate) issued_at: String,
    pub(crate) client_id: String,
    pub(crate) access_token: String,
    pub(crate) expires_in: String,
    pub(crate) status: &'static str,
}

// ---------------------------------------------------------------------------------------------
// PUT /account/balance (M.ASM.MONETARY.ACT, L8V2)

/// `ModifyAccountBalanceRequest`.
#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceRequest<'a> {
    #[serde(borrow)]
    pub(crate) asm_organization_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) representative_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) account_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) foreign_use: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) transaction_data: Option<Object<ModifyAccountBalanceTxData<'a>>>,
}

/// `ModifyAccountBalanceRequest.TxData`.
#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceTxData<'a> {
    #[serde(borrow)]
    pub(crate) card_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) card_sequence: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) action_code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) effective_date: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) transaction_amount: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) plan_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) plan_sequence: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) store_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) authorization_code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) resolution_reference_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) otb_update_indicator: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) description: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) department_code: Option<Field<'a>>,
}

// ---------------------------------------------------------------------------------------------
// PUT /account/v2/balance (M.ASM.MONETARY.ACT, L8V5/L8V6)

/// `PurchaseAndCashAdvanceRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseAndCashAdvanceRequest<'a> {
    #[serde(borrow)]
    pub(crate) organization_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) representative_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) is_foreign: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) account_data: Option<Object<PurchaseAccountData<'a>>>,
    #[serde(borrow)]
    pub(crate) action_code_priority: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) has_referral: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) referral_representation: Option<Object<ReferralRepresentation<'a>>>,
    #[serde(borrow)]
    pub(crate) transaction_data: Option<Object<PurchaseTransactionData<'a>>>,
    #[serde(borrow)]
    pub(crate) meta_data: Option<Object<MetaData<'a>>>,
    #[serde(borrow)]
    pub(crate) fraud_prevention_data: Option<Object<FraudPreventionData<'a>>>,
}

/// `PurchaseAndCashAdvanceRequest.AccountData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseAccountData<'a> {
    #[serde(borrow)]
    pub(crate) organization_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) number: Option<Field<'a>>,
}

/// `PurchaseAndCashAdvanceRequest.ReferralRepresentation`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReferralRepresentation<'a> {
    #[serde(borrow)]
    pub(crate) organization: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) id: Option<Field<'a>>,
}

/// `PurchaseAndCashAdvanceRequest.MetaData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetaData<'a> {
    #[serde(borrow)]
    pub(crate) memo_line: Option<Vec<Object<ItemRequestString<'a>>>>,
}

/// `PurchaseAndCashAdvanceRequest.FraudPreventionData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FraudPreventionData<'a> {
    #[serde(borrow)]
    pub(crate) identifier: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) key_tracing: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) payment_description: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) card_label_id: Option<Field<'a>>,
}

/// `ItemRequestString`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ItemRequestString<'a> {
    #[serde(borrow)]
    pub(crate) id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) value: Option<Field<'a>>,
}

/// `PurchaseAndCashAdvanceRequest.TransactionData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseTransactionData<'a> {
    #[serde(borrow)]
    pub(crate) effective_date: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) transaction_amount: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) plan_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) plan_sequence: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) department_code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) authorization_code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) store_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) stock_keeping_unit_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) sales_clerk: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) letter_information: Option<LetterInformation<'a>>,
    #[serde(borrow)]
    pub(crate) card_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) card_sequence: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) ticket_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) purchase_order_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) reference_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) insurance_code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) action_code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) installment_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) wallet_id: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) description: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) resolution_reference_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) open_to_buy_update_indicator: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) is_reversed_memo: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) monetary_supress: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) account_level_by_pass: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) is_open_to_buy: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) ecommerce_transaction_limits_indicator: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) payment_accept_indicator: Option<Field<'a>>,
}

/// `PurchaseAndCashAdvanceRequest.LetterInformation`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LetterInformation<'a> {
    #[serde(borrow)]
    pub(crate) code: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) organization: Option<Field<'a>>,
}

// ---------------------------------------------------------------------------------------------
// POST /account/balance/details (M.CMS.BALANCE.INQ, R8V1)

/// Account balance inquiry request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceInquiryRequest<'a> {
    #[serde(borrow)]
    pub(crate) account_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) organization_number: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) dual_currency_indicator: Option<Field<'a>>,
}

/// Account balance inquiry response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceInquiryResponse {
    pub(crate) currency_data: BalanceCurrencyData,
    pub(crate) organization_number: u16,
    pub(crate) account_or_card_number: String,
    pub(crate) logo: u16,
    pub(crate) foreign_use: &'static str,
    pub(crate) current_balance: Number,
    pub(crate) available_credit_limit: Number,
    pub(crate) cash_balance: Number,
    pub(crate) cash_credit_limit: Number,
    pub(crate) loan_balance: Number,
    pub(crate) loan_credit_limit: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) date_last_payment: Option<String>,
    pub(crate) last_payment_amount: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) date_payment_due: Option<String>,
    pub(crate) payment_total_amount_due: Number,
    pub(crate) reserved_data: ReservedData,
}

/// Balance inquiry `currencyData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceCurrencyData {
    pub(crate) curr_code: u16,
    pub(crate) currency_number_of_decimals: u32,
}

/// Balance inquiry `reservedData` (always empty in the mock).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReservedData {
    pub(crate) reserved_code1: &'static str,
    pub(crate) reserved_code2: &'static str,
    pub(crate) reserved_code3: &'static str,
    pub(crate) reserved_code4: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reserved_date1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reserved_date2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reserved_date3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reserved_date4: Option<String>,
    pub(crate) reserved_amount1: Number,
    pub(crate) reserved_amount2: Number,
    pub(crate) reserved_amount3: Number,
    pub(crate) reserved_amount4: Number,
}
