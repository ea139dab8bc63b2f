//! The `GET /account/v2/accounts` answer (`M.CMS.ACCOUNT.INQ` L8VI): every member of the
//! vendor's `AccountForDetailsL8viResponse` schema (`reference/1.2.0` and `1.3.0`), with its
//! names, types and order. The two large objects are split into parts that serde flattens back
//! into one JSON object, so each part's builder stays small.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use serde_json::Number;

/// A list the mock never fills (user fields, reserved lists): always `[]`.
#[derive(Debug)]
pub(crate) struct NoEntries;

impl Serialize for NoEntries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_seq(Some(0))?.end()
    }
}

/// `AccountForDetailsL8viResponse`: every member of the vendor's schema, in its order (the parts
/// are flattened, so the JSON is one object).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountForDetailsL8viResponse {
    pub(crate) currency_code: u16,
    pub(crate) account_data: AccountDataL8vi,
    #[serde(flatten)]
    pub(crate) limits_and_plans: L8viLimitsAndPlans,
    #[serde(flatten)]
    pub(crate) customer_and_events: L8viCustomerAndEvents,
    #[serde(flatten)]
    pub(crate) secondary_figures: L8viSecondaryFigures,
}

/// Top-level members `preAgreementLevel` to `miscellaneousUserFieldsList`: limits, plans,
/// installments, foreign authorizations and the secondary (dual-currency) object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viLimitsAndPlans {
    pub(crate) pre_agreement_level: &'static str,
    pub(crate) pre_agreement_control_table_number: u32,
    pub(crate) internet_retail_available_balance: Number,
    pub(crate) internet_retail_credit_limit: Number,
    pub(crate) internet_cash_available_balance: Number,
    pub(crate) internet_cash_credit_limit: Number,
    pub(crate) foreign_balance: Number,
    pub(crate) international_cash_plan: u32,
    pub(crate) international_retail_plan: u32,
    pub(crate) international_installment_plan: u32,
    pub(crate) installment: L8viInstallment,
    pub(crate) membership_fee_percent_indicator: u32,
    pub(crate) statement_notification_indicator: u32,
    pub(crate) foreign_credit_limit: Number,
    pub(crate) temporary_foreign_credit_limit: Number,
    pub(crate) last_foreign_credit_limit: Number,
    pub(crate) outstanding_extra_balance: Number,
    pub(crate) billed_balance: Number,
    pub(crate) customer_data: L8viCustomerData,
    pub(crate) reserved_data: L8viReservedData,
    pub(crate) owning_bank_number: u32,
    pub(crate) owning_branch_number: u32,
    pub(crate) owning_store_number: u32,
    pub(crate) max_direct_debit_amount: Number,
    pub(crate) first_card_activation_indicator: u32,
    pub(crate) fee_override: u32,
    pub(crate) foreign_auth_retail: Number,
    pub(crate) foreign_auth_cash: Number,
    pub(crate) foreign_auth_balance: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) started_overlimit_date: Option<String>,
    pub(crate) overlimit_percentin_cash: u32,
    pub(crate) overlimit_percentin_purchases: u32,
    pub(crate) cash_balance: Number,
    pub(crate) cash_outstanding_authorizations: Number,
    #[serde(rename = "monetaryACHAmountOrPercentFlag")]
    pub(crate) monetary_ach_amount_or_percent_flag: u32,
    pub(crate) global_qualification: &'static str,
    pub(crate) alternate_minimum_amount: &'static str,
    pub(crate) affiliate_emblem: &'static str,
    pub(crate) buy_rate: u32,
    pub(crate) buy_rate_number_of_decimals: u32,
    pub(crate) secondary_data: L8viSecondaryData,
    pub(crate) first_purchase_flag: u32,
    pub(crate) days_delinquent: u32,
    pub(crate) source_code: &'static str,
    pub(crate) user_fields_list: NoEntries,
    pub(crate) miscellaneous_user_fields_list: NoEntries,
}

/// Top-level members `cashOpenToBuyExcludingOverlimit` to `serasaControlDate`: single-message
/// system, events, branches, card technology, bank accounts and due days.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viCustomerAndEvents {
    pub(crate) cash_open_to_buy_excluding_overlimit: Number,
    pub(crate) black_list_mark: &'static str,
    pub(crate) single_message_system_indicator: u32,
    pub(crate) single_message_system_group: u32,
    pub(crate) single_message_system_group_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) single_message_system_enroll_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) single_message_system_cancel_date: Option<String>,
    pub(crate) event_flags: &'static str,
    pub(crate) event2_days_before: u32,
    pub(crate) event1_threshold_amount: Number,
    pub(crate) event1_type: u32,
    pub(crate) event3_bal_threshold: Number,
    pub(crate) memo_balance_amount: Number,
    pub(crate) location_cycle_to_date_hi_balance: Number,
    pub(crate) foreign_cycle_to_date_hi_balance: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) installment_card_fee_date: Option<String>,
    pub(crate) membership_fee_current_installment_number: u32,
    pub(crate) membership_fee_remaining_installment_number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) supplemental_card_fee_date: Option<String>,
    pub(crate) supplemental_current_installment_fee_date: u32,
    pub(crate) supplemental_fee_remaining_installment_number: u32,
    pub(crate) alt_customer_number_indicator: &'static str,
    pub(crate) original_bank_number: u32,
    pub(crate) original_branch_number: u32,
    pub(crate) original_store_number: u32,
    pub(crate) pending_bank_number: u32,
    pub(crate) pending_branch_number: u32,
    pub(crate) pending_store_number: u32,
    pub(crate) vip_status: u32,
    pub(crate) current_card_technology: u32,
    pub(crate) reissue_technology: u32,
    pub(crate) tax_payer_type: u32,
    pub(crate) checking_account_routing_number: &'static str,
    pub(crate) checking_account_number: &'static str,
    pub(crate) saving_account_routing_number: &'static str,
    pub(crate) saving_account_number: &'static str,
    pub(crate) logo_description: &'static str,
    pub(crate) extended_retention_plan: u32,
    #[serde(rename = "extraPOSBalance")]
    pub(crate) extra_pos_balance: Number,
    pub(crate) risk_score: u32,
    pub(crate) collection_score: u32,
    pub(crate) customer_selected_due_day: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer_selected_due_day_last_changed_date: Option<String>,
    pub(crate) pending_due_day: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pending_due_day_last_changed_date: Option<String>,
    pub(crate) city: &'static str,
    pub(crate) exchange_rate_variance: u32,
    pub(crate) international_retail_limit: &'static str,
    pub(crate) international_cash_limit: &'static str,
    #[serde(rename = "internalIDNumber")]
    pub(crate) internal_id_number: &'static str,
    pub(crate) serasa_control: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) serasa_control_date: Option<String>,
}

/// Top-level members `lawMoraAccrued` to `currentDelinquencyDays`: interest on arrears and the
/// secondary (dual-currency) limits, balances and authorizations.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viSecondaryFigures {
    pub(crate) law_mora_accrued: Number,
    pub(crate) law_international_accrued: Number,
    pub(crate) current_balance_international_mora: Number,
    #[serde(rename = "secondaryIBRetailCrlim")]
    pub(crate) secondary_ib_retail_crlim: Number,
    #[serde(rename = "secondaryIBCashCrlim")]
    pub(crate) secondary_ib_cash_crlim: Number,
    #[serde(rename = "secondaryINTLRetailCrlim")]
    pub(crate) secondary_intl_retail_crlim: Number,
    #[serde(rename = "secondaryINTLCashCrlim")]
    pub(crate) secondary_intl_cash_crlim: Number,
    #[serde(rename = "secondaryIBRetailBalance")]
    pub(crate) secondary_ib_retail_balance: Number,
    #[serde(rename = "secondaryIBCashBalance")]
    pub(crate) secondary_ib_cash_balance: Number,
    #[serde(rename = "secondaryIINTLRetailBalance")]
    pub(crate) secondary_iintl_retail_balance: Number,
    #[serde(rename = "secondaryIINTLCashBalance")]
    pub(crate) secondary_iintl_cash_balance: Number,
    #[serde(rename = "secondaryIBRetailAvailable")]
    pub(crate) secondary_ib_retail_available: Number,
    #[serde(rename = "secondaryIBCashAvailable")]
    pub(crate) secondary_ib_cash_available: Number,
    #[serde(rename = "secondaryINTLRetailAvailable")]
    pub(crate) secondary_intl_retail_available: Number,
    #[serde(rename = "secondaryINTLCashAvailable")]
    pub(crate) secondary_intl_cash_available: Number,
    #[serde(rename = "secondaryLoanAMTOutstAuth")]
    pub(crate) secondary_loan_amt_outst_auth: Number,
    #[serde(rename = "secondaryLoanNBROutstAuth")]
    pub(crate) secondary_loan_nbr_outst_auth: u32,
    #[serde(rename = "secondaryIBRetailAMTOutstAuth")]
    pub(crate) secondary_ib_retail_amt_outst_auth: Number,
    #[serde(rename = "secondaryIBRetailNBROutstAuth")]
    pub(crate) secondary_ib_retail_nbr_outst_auth: u32,
    #[serde(rename = "secondaryIBCashAMTOutstAuth")]
    pub(crate) secondary_ib_cash_amt_outst_auth: Number,
    #[serde(rename = "secondaryIBCashNBROutstAuth")]
    pub(crate) secondary_ib_cash_nbr_outst_auth: u32,
    #[serde(rename = "secondaryINTLRetailAMTOutstAuth")]
    pub(crate) secondary_intl_retail_amt_outst_auth: Number,
    #[serde(rename = "secondaryINTLRetailNBROutstAuth")]
    pub(crate) secondary_intl_retail_nbr_outst_auth: u32,
    #[serde(rename = "secondaryINTLCashAMTOutstAuth")]
    pub(crate) secondary_intl_cash_amt_outst_auth: Number,
    #[serde(rename = "secondaryINTLCashNBROutstAuth")]
    pub(crate) secondary_intl_cash_nbr_outst_auth: u32,
    #[serde(rename = "secondaryLoanAMTDispu")]
    pub(crate) secondary_loan_amt_dispu: Number,
    #[serde(rename = "secondaryIBRetailAMTDispu")]
    pub(crate) secondary_ib_retail_amt_dispu: Number,
    #[serde(rename = "secondaryIBCashAMTDispu")]
    pub(crate) secondary_ib_cash_amt_dispu: Number,
    #[serde(rename = "secondaryINTLRetailAMTDispu")]
    pub(crate) secondary_intl_retail_amt_dispu: Number,
    #[serde(rename = "secondaryINTLCashAMTDispu")]
    pub(crate) secondary_intl_cash_amt_dispu: Number,
    pub(crate) current_delinquency_days: u32,
}

/// `AccountForDetailsL8viResponse.AccountData`, in three flattened parts.
#[derive(Debug, Serialize)]
pub(crate) struct AccountDataL8vi {
    #[serde(flatten)]
    pub(crate) identity: L8viAccountIdentity,
    #[serde(flatten)]
    pub(crate) credit: L8viAccountCredit,
    #[serde(flatten)]
    pub(crate) dates: L8viAccountDates,
}

/// `accountData` members `logo` to `waiveData`: identity, status, block codes, servicing tables
/// and waivers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viAccountIdentity {
    pub(crate) logo: u16,
    pub(crate) add_status: u32,
    pub(crate) short_name: &'static str,
    pub(crate) customer_number: String,
    pub(crate) alternate_customer_number: &'static str,
    pub(crate) user_account_number: &'static str,
    pub(crate) residence_id: &'static str,
    pub(crate) issuance_id: &'static str,
    pub(crate) transfer_data: L8viTransferData,
    pub(crate) account_type: &'static str,
    pub(crate) internal_status: &'static str,
    pub(crate) charge_off_status: &'static str,
    pub(crate) over_limit_flag: &'static str,
    pub(crate) over_limit_fee_indicator: u32,
    pub(crate) cycles_over_limit_number: u32,
    pub(crate) condition_of_account: u32,
    pub(crate) block_code1: &'static str,
    pub(crate) block_code1_priority: &'static str,
    pub(crate) block_code2: &'static str,
    pub(crate) block_code2_priority: &'static str,
    pub(crate) issue_flag: &'static str,
    pub(crate) card_usage_flag: &'static str,
    pub(crate) percentage_data: L8viPercentageData,
    pub(crate) account_control_table_override: u32,
    pub(crate) service_fee_table: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) service_fee_table_start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) service_fee_table_expiration_date: Option<String>,
    pub(crate) billing_cycle: u32,
    pub(crate) current_balance: Number,
    pub(crate) statement_flag: &'static str,
    pub(crate) statement_frequency: u32,
    pub(crate) return_mail_counter: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) return_mail_date: Option<String>,
    pub(crate) store_organization: u16,
    pub(crate) store_number: u32,
    pub(crate) current_collector: &'static str,
    pub(crate) permanent_collector: &'static str,
    pub(crate) collection_reason: u32,
    pub(crate) collateral_code: &'static str,
    pub(crate) adverse_action_data1: &'static str,
    pub(crate) adverse_action_data2: &'static str,
    pub(crate) adverse_action_data3: &'static str,
    pub(crate) owner_flag: &'static str,
    pub(crate) employee_code: &'static str,
    pub(crate) promotion_code: &'static str,
    pub(crate) waive_data: L8viWaiveData,
}

/// `accountData` members `cycleSpendFeeFlag` to `prepaidType`: credit, payments, balances,
/// delinquency and plans.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viAccountCredit {
    pub(crate) cycle_spend_fee_flag: u32,
    pub(crate) duplicate_statement_address_flag: &'static str,
    pub(crate) direct_debit_payment_reversal_counter: &'static str,
    pub(crate) credit_bureau_credit_score: u32,
    pub(crate) application_credit_score: u32,
    pub(crate) miscellaneous_credit_score: u32,
    pub(crate) last_credit_class: &'static str,
    pub(crate) credit_limit: Number,
    pub(crate) last_credit_limit_assigned_to_the_account: Number,
    pub(crate) income: Number,
    pub(crate) non_sufficient_funds_number: u32,
    pub(crate) unblocked_cards_number: u32,
    pub(crate) cycle_to_date_payment: Number,
    pub(crate) payment_skip_flag: &'static str,
    pub(crate) payment_recency: u32,
    pub(crate) payment_cycle_due: u32,
    pub(crate) payment_prepaid_amount: Number,
    pub(crate) total_due_amount: Number,
    pub(crate) delinquency_data: L8viDelinquencyData,
    pub(crate) last_payment_amount: Number,
    pub(crate) projected_ach_amount: Number,
    pub(crate) last_debit_amount: Number,
    pub(crate) available_credit: Number,
    pub(crate) last_purchase_amount: Number,
    pub(crate) last_year_to_date_interest: Number,
    pub(crate) current_year_to_date_interest_paid: Number,
    pub(crate) disputed_items_amount: Number,
    pub(crate) charge_off_reason: &'static str,
    pub(crate) interest_enrollment_state: &'static str,
    pub(crate) officer_responsible_id: &'static str,
    pub(crate) memo_debit_amount: Number,
    pub(crate) memo_credit_amount: Number,
    pub(crate) warning_codes: L8viWarningCodes,
    pub(crate) cash_available_credit_limit: Number,
    pub(crate) cash_credit_limit: Number,
    pub(crate) times_in_collections_number: u32,
    pub(crate) pending_percentage: &'static str,
    pub(crate) cash_plan_number: u32,
    pub(crate) retail_plan_number: u32,
    pub(crate) promotional_credit_plan_master_record_number: u32,
    pub(crate) disc_cycle_indicator: u32,
    pub(crate) local_use_indicator: u32,
    pub(crate) secured: u32,
    pub(crate) collateral: u32,
    pub(crate) relationship_number: &'static str,
    pub(crate) relationship_card_scheme: u32,
    pub(crate) relationship_primary_account_flag: &'static str,
    pub(crate) credit_bureau_special_comment: &'static str,
    pub(crate) temporary_credit_limit: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temporary_credit_limit_expiration_date: Option<String>,
    pub(crate) customer_organization: u16,
    pub(crate) loan_available_limit: Number,
    pub(crate) billing_currency: u16,
    pub(crate) returned_payments_number: u32,
    pub(crate) loan_balance: Number,
    pub(crate) loan_credit_limit: Number,
    pub(crate) last_cash_advance_amount: Number,
    pub(crate) prepaid_type: u32,
}

/// `accountData` members `applicationDate` to `correspondenceAlternateCustomerExpiryDate`: dates
/// (each left out when the account has none), authorization maximums and user data.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viAccountDates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) application_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) opened_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_credit_bureau_report_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) block_code1_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) block_code2_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_status_change_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account_closed_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) charge_off_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) card_fee_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_purchase_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_return_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_delinquency_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_action_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_payment_reversal_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) credit_limit_assigned_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ach_payment_expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_statement_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_statement_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_payment_due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_payment_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_credit_balance_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_returned_check_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_debit_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_credit_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_credit_limit_change_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_rate_change_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account_begins_collections_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account_maker_birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account_comaker_birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) effective_account_transfer_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reaged_account_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) late_fee_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_credit_bureau_report_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ach_effective_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notification_received_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) card_expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) direct_credit_ach_expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) direct_credit_ach_start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) warning_code1_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pending_pct_effective_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pending_pct_end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_cash_advance_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_card_account_expires_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_date_to_authorize: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) grace_day_expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) greatest_card_expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account_cure_period_expiration_date: Option<String>,
    pub(crate) maximum_amount_of_authorizations_by_account_in_high_risk_countries: Number,
    pub(crate) maximum_amount_of_authorizations_by_account_other_than_high_risk_countries: Number,
    pub(crate) user_codes_list: NoEntries,
    pub(crate) user_dates_list: NoEntries,
    pub(crate) user_amounts_list: NoEntries,
    pub(crate) plans_number: u32,
    pub(crate) call_qualification_id: u32,
    pub(crate) alternate_customer_minimum_payment_amount: Number,
    pub(crate) correspondence_alternate_customer_number: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) correspondence_alternate_customer_start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) correspondence_alternate_customer_expiry_date: Option<String>,
}

/// `AccountForDetailsL8viResponse.AccountData.TransferData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viTransferData {
    pub(crate) transfer_organization: &'static str,
    pub(crate) transfer_logo: &'static str,
    pub(crate) transfer_account: &'static str,
}

/// `AccountForDetailsL8viResponse.AccountData.PercentageData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viPercentageData {
    pub(crate) level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) level_start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) level_expiration_date: Option<String>,
    pub(crate) id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expiration_date: Option<String>,
}

/// `AccountForDetailsL8viResponse.AccountData.WaiveData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viWaiveData {
    pub(crate) late_charges: u32,
    pub(crate) late_notices: u32,
    pub(crate) interest_charges: u32,
    pub(crate) service_fees: u32,
    pub(crate) letter_charges: u32,
    pub(crate) over_limit_fees: u32,
    pub(crate) over_limit_notice: u32,
    pub(crate) fees_indicator: u32,
    pub(crate) cash_advance_fee: u32,
    pub(crate) card_fee_indicator: u32,
    pub(crate) moratorium_plan_interest: u32,
    pub(crate) user_fees_list: NoEntries,
}

/// `AccountForDetailsL8viResponse.AccountData.DelinquencyData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viDelinquencyData {
    pub(crate) current_payment_due: Number,
    pub(crate) past_payment_counter: u32,
    pub(crate) payment_past_due: Number,
    pub(crate) days_delinquent_counter30: u32,
    pub(crate) days_delinquent_amount30: Number,
    pub(crate) days_delinquent_counter60: u32,
    pub(crate) days_delinquent_amount60: Number,
    pub(crate) days_delinquent_counter90: u32,
    pub(crate) days_delinquent_amount90: Number,
    pub(crate) days_delinquent_counter120: u32,
    pub(crate) days_delinquent_amount120: Number,
    pub(crate) days_delinquent_counter150: u32,
    pub(crate) days_delinquent_amount150: Number,
    pub(crate) days_delinquent_counter180: u32,
    pub(crate) days_delinquent_amount180: Number,
    pub(crate) days_delinquent_counter210: u32,
    pub(crate) days_delinquent_amount210: Number,
}

/// `AccountForDetailsL8viResponse.AccountData.WarningCodeList`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viWarningCodes {
    pub(crate) sequence: &'static str,
    pub(crate) warning_code: &'static str,
}

/// `AccountForDetailsL8viResponse.Installment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viInstallment {
    pub(crate) billing: L8viInstallmentBilling,
    pub(crate) payment: L8viInstallmentPayment,
}

/// `AccountForDetailsL8viResponse.Installment.Billing`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viInstallmentBilling {
    pub(crate) issuer_cash_plan_number: u32,
    pub(crate) issuer_retail_plan_number: u32,
    pub(crate) acquirer_retail_plan_number: u32,
    pub(crate) cash_limit: Number,
    pub(crate) cash_available: Number,
    pub(crate) retail_limit: Number,
    pub(crate) retail_credit_available: Number,
    pub(crate) retail_credit_limit_flag: u32,
    pub(crate) cash_credit_limit_flag: u32,
    pub(crate) consumer_finance_limit: Number,
    pub(crate) consumer_finance_available_credit: Number,
    pub(crate) revolving_current_balance: Number,
}

/// `AccountForDetailsL8viResponse.Installment.Payment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viInstallmentPayment {
    pub(crate) retail_plan_number: u32,
    pub(crate) cash_plan_number: u32,
}

/// `AccountForDetailsL8viResponse.CustomerData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viCustomerData {
    pub(crate) occurrences_fields_number: u32,
}

/// `AccountForDetailsL8viResponse.ReservedData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viReservedData {
    pub(crate) reserved_codes_list: NoEntries,
    pub(crate) reserved_dates_list: NoEntries,
    pub(crate) reserve_amounts_list: NoEntries,
}

/// `AccountForDetailsL8viResponse.SecondaryData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L8viSecondaryData {
    pub(crate) credit_limit: Number,
    pub(crate) cash_credit_limit: Number,
    pub(crate) loan_credit_limit: Number,
    pub(crate) total_balance: Number,
    pub(crate) cash_balance: Number,
    pub(crate) loan_balance: Number,
    pub(crate) memo_debit: Number,
    pub(crate) memo_credit: Number,
    pub(crate) total_available_balance: Number,
    pub(crate) cash_available_balance: Number,
    pub(crate) loan_available_balance: Number,
    pub(crate) cash_amount_outstanding_auth: Number,
    pub(crate) cash_outstanding_auth: Number,
    pub(crate) total_dispute_amount: Number,
    pub(crate) cash_dispute_amount: Number,
}
