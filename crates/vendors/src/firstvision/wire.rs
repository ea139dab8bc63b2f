//! FirstVision's wire types, named and ordered as the vendor's OpenAPI documents them
//! (`reference/1.0.0/Accounts.yaml` for L8V2, `reference/1.2.0/Accounts.yaml` for v2).
//!
//! Request fields are kept as raw JSON values so `parse.rs` can tell a missing field from a
//! wrongly typed one and answer each with the vendor's own code; responses are plain structs
//! serialized in the documented field order. Amounts are exact `serde_json::Number`s. A date
//! with no value is left out of an answer rather than sent as `null`: the vendor types its dates
//! as non-nullable strings and its documents show no empty form.

pub(crate) mod calendar;
mod l8vi;

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use crate::common::json::Object;

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
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceRequest {
    pub(crate) asm_organization_number: Option<Value>,
    pub(crate) representative_id: Option<Value>,
    pub(crate) account_number: Option<Value>,
    pub(crate) foreign_use: Option<Value>,
    pub(crate) transaction_data: Option<Object<ModifyAccountBalanceTxData>>,
}

/// `ModifyAccountBalanceRequest.TxData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceTxData {
    pub(crate) card_number: Option<Value>,
    pub(crate) card_sequence: Option<Value>,
    pub(crate) action_code: Option<Value>,
    pub(crate) effective_date: Option<Value>,
    pub(crate) transaction_amount: Option<Value>,
    pub(crate) plan_number: Option<Value>,
    pub(crate) plan_sequence: Option<Value>,
    pub(crate) store_number: Option<Value>,
    pub(crate) authorization_code: Option<Value>,
    pub(crate) reference_number: Option<Value>,
    pub(crate) resolution_reference_number: Option<Value>,
    pub(crate) otb_update_indicator: Option<Value>,
    pub(crate) description: Option<Value>,
    pub(crate) department_code: Option<Value>,
}

/// `ModifyAccountBalanceResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceResponse {
    pub(crate) asm_organization_number: u16,
    pub(crate) asm_representative_id: String,
    pub(crate) referral_representative: &'static str,
    pub(crate) account: ModifyAccountBalanceAccount,
    pub(crate) foreign_use_indicator: &'static str,
    pub(crate) card_number: String,
    pub(crate) history_date: String,
    pub(crate) history_time: String,
    pub(crate) action_code_pri: u8,
    pub(crate) record_type: &'static str,
    pub(crate) action_description: &'static str,
    pub(crate) collection_sequence_number: u32,
    pub(crate) status: &'static str,
    pub(crate) referral_asm_organization: u16,
    pub(crate) purge_date: String,
    pub(crate) action_date: String,
    pub(crate) card_sequence: u32,
    pub(crate) retention: &'static str,
    pub(crate) cta_file: &'static str,
    pub(crate) transaction_data: ModifyAccountBalanceTransactionData,
    pub(crate) letter_data: LetterData,
}

/// `ModifyAccountBalanceResponse.Account`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceAccount {
    pub(crate) organization_number: u16,
    pub(crate) logo: u16,
    pub(crate) number: String,
}

/// `ModifyAccountBalanceResponse.TransactionData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModifyAccountBalanceTransactionData {
    pub(crate) currency_data: CurrencyDataL8v2,
    pub(crate) action_code: String,
    pub(crate) effective_date: String,
    pub(crate) fee_amount: Number,
    pub(crate) transaction_code: &'static str,
    pub(crate) transaction_amount: Number,
    pub(crate) transaction_description: String,
    pub(crate) credit_limit: Number,
    pub(crate) open_to_buy: Number,
    pub(crate) cash_available: Number,
    pub(crate) plan_number: String,
    pub(crate) current_balance: Number,
    pub(crate) plan_sequence: u32,
    pub(crate) store_number: String,
    pub(crate) department_code: String,
    pub(crate) authorization_code: String,
    pub(crate) stock_keeping_unit_number: String,
    pub(crate) sales_clerk: String,
    pub(crate) ticket_number: String,
    pub(crate) purchase_order_number: String,
    pub(crate) reference_number: String,
    pub(crate) insurance_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reversal_date: Option<String>,
    pub(crate) reversal_time: &'static str,
    pub(crate) store_organization_number: u16,
    pub(crate) approval_indicator: &'static str,
    pub(crate) monetary_type: &'static str,
    pub(crate) points_program: u8,
    pub(crate) points_amount: Number,
    pub(crate) reference_num: String,
    pub(crate) fund_card: &'static str,
    pub(crate) fund_card_declined_reason: &'static str,
    pub(crate) currency_number: String,
    pub(crate) authorization_number: String,
}

/// `ModifyAccountBalanceResponse.TransactionData.CurrencyData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CurrencyDataL8v2 {
    pub(crate) currency_code: String,
    pub(crate) currency_number_of_decimal: u32,
}

/// `ModifyAccountBalanceResponse.LetterData`.
#[derive(Debug, Serialize)]
pub(crate) struct LetterData {
    pub(crate) organization: &'static str,
    pub(crate) code: &'static str,
}

// ---------------------------------------------------------------------------------------------
// PUT /account/v2/balance (M.ASM.MONETARY.ACT, L8V5/L8V6)

/// `PurchaseAndCashAdvanceRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseAndCashAdvanceRequest {
    pub(crate) organization_number: Option<Value>,
    pub(crate) representative_id: Option<Value>,
    pub(crate) is_foreign: Option<Value>,
    pub(crate) account_data: Option<Object<PurchaseAccountData>>,
    pub(crate) action_code_priority: Option<Value>,
    pub(crate) has_referral: Option<Value>,
    pub(crate) referral_representation: Option<Object<ReferralRepresentation>>,
    pub(crate) transaction_data: Option<Object<PurchaseTransactionData>>,
    pub(crate) meta_data: Option<Object<MetaData>>,
    pub(crate) fraud_prevention_data: Option<serde_json::Map<String, Value>>,
}

/// `PurchaseAndCashAdvanceRequest.AccountData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseAccountData {
    pub(crate) organization_number: Option<Value>,
    pub(crate) number: Option<Value>,
}

/// `PurchaseAndCashAdvanceRequest.ReferralRepresentation`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReferralRepresentation {
    pub(crate) organization: Option<Value>,
    pub(crate) id: Option<Value>,
}

/// `PurchaseAndCashAdvanceRequest.MetaData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetaData {
    pub(crate) memo_line: Option<Vec<Object<ItemRequestString>>>,
}

/// `ItemRequestString`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ItemRequestString {
    pub(crate) id: Option<Value>,
    pub(crate) value: Option<Value>,
}

/// `PurchaseAndCashAdvanceRequest.TransactionData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseTransactionData {
    pub(crate) effective_date: Option<Value>,
    pub(crate) transaction_amount: Option<Value>,
    pub(crate) plan_number: Option<Value>,
    pub(crate) plan_sequence: Option<Value>,
    pub(crate) department_code: Option<Value>,
    pub(crate) authorization_code: Option<Value>,
    pub(crate) store_number: Option<Value>,
    pub(crate) stock_keeping_unit_number: Option<Value>,
    pub(crate) sales_clerk: Option<Value>,
    pub(crate) letter_information: Option<LetterInformation>,
    pub(crate) card_number: Option<Value>,
    pub(crate) card_sequence: Option<Value>,
    pub(crate) ticket_number: Option<Value>,
    pub(crate) purchase_order_number: Option<Value>,
    pub(crate) reference_number: Option<Value>,
    pub(crate) insurance_code: Option<Value>,
    pub(crate) action_code: Option<Value>,
    pub(crate) installment_number: Option<Value>,
    pub(crate) wallet_id: Option<Value>,
    pub(crate) description: Option<Value>,
    pub(crate) resolution_reference_number: Option<Value>,
    pub(crate) open_to_buy_update_indicator: Option<Value>,
    pub(crate) is_reversed_memo: Option<Value>,
    pub(crate) monetary_supress: Option<Value>,
    pub(crate) account_level_by_pass: Option<Value>,
    pub(crate) is_open_to_buy: Option<Value>,
    pub(crate) ecommerce_transaction_limits_indicator: Option<Value>,
    pub(crate) payment_accept_indicator: Option<Value>,
}

/// `PurchaseAndCashAdvanceRequest.LetterInformation`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LetterInformation {
    pub(crate) code: Option<Value>,
    pub(crate) organization: Option<Value>,
}

/// `PurchaseAndCashAdvanceResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseAndCashAdvanceResponse {
    pub(crate) account: PurchaseResponseAccount,
    pub(crate) card_number: String,
    pub(crate) card_sequence: u32,
    pub(crate) history_date: String,
    pub(crate) history_time: String,
    pub(crate) record_type: &'static str,
    pub(crate) action_description: &'static str,
    pub(crate) collection_sequence_number: u32,
    pub(crate) status: &'static str,
    pub(crate) referral_asm_organization: u16,
    pub(crate) purge_date: String,
    pub(crate) action_date: String,
    pub(crate) retention: &'static str,
    pub(crate) cta_file: &'static str,
    pub(crate) transaction_data: PurchaseResponseTransactionData,
}

/// `PurchaseAndCashAdvanceResponse.Account`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseResponseAccount {
    pub(crate) organization_number: u16,
    pub(crate) logo: u16,
}

/// `PurchaseAndCashAdvanceResponse.TransactionData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PurchaseResponseTransactionData {
    pub(crate) currency_data: CurrencyDataV2,
    pub(crate) fee_amount: Number,
    pub(crate) transaction_code: &'static str,
    pub(crate) transaction_amount: Number,
    pub(crate) transaction_description: String,
    pub(crate) credit_limit: Number,
    pub(crate) open_to_buy: Number,
    pub(crate) cash_available: Number,
    pub(crate) current_balance: Number,
    pub(crate) reference_number: String,
    pub(crate) referral_reference_number: String,
    pub(crate) insurance_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) review_date: Option<String>,
    pub(crate) review_time: &'static str,
    pub(crate) store_organization_number: u16,
    pub(crate) approval_indicator: bool,
    pub(crate) monetary_type: &'static str,
    pub(crate) points_program: u8,
    pub(crate) points_amount: Number,
    pub(crate) fund_card: &'static str,
    pub(crate) fund_card_declined_reason: &'static str,
    pub(crate) authorization_number: String,
    pub(crate) installment_term_number: &'static str,
}

/// `PurchaseAndCashAdvanceResponse.TransactionData.CurrencyData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CurrencyDataV2 {
    pub(crate) currency_code: &'static str,
}

// ---------------------------------------------------------------------------------------------
// POST /account/balance/details (M.CMS.BALANCE.INQ, R8V1)

/// Account balance inquiry request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceInquiryRequest {
    pub(crate) account_number: Option<Value>,
    pub(crate) organization_number: Option<Value>,
    pub(crate) dual_currency_indicator: Option<Value>,
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
