//! The account inquiry's L8VI answer: the figures and dates the ledger knows, and a fixed,
//! plausible value (zero, blank, an empty list) for every member it has no meaning for.

use ledger::{AccountView, Status};
use rust_decimal::Decimal;
use serde_json::Number;

use super::super::state::AccountMeta;
use super::super::wire::calendar::{Date, iso_month_end_years_later};
use super::super::wire::{self, NoEntries};
use super::{LastMove, LastMoves, figures, money};

/// How long a card issued with the account is valid, in years.
const CARD_VALIDITY_YEARS: i64 = 5;

/// What the answer shows that comes from the account: its identity, state, figures and dates.
struct Facts {
    currency_numeric: u16,
    org: u16,
    logo: u16,
    account_number: String,
    internal_status: &'static str,
    block_code1: &'static str,
    unblocked_cards: u32,
    current_balance: Number,
    credit_limit: Number,
    open_to_buy: Number,
    memo_debit: Number,
    /// Zero with the currency's decimals, for every amount the mock does not model.
    zero: Number,
    last_payment_amount: Number,
    last_payment_date: Option<String>,
    last_debit_amount: Number,
    last_debit_date: Option<String>,
    /// The account's opening date (`YYYY-MM-DD`).
    opened: String,
    card_expiration: String,
}

impl Facts {
    fn of(account: &AccountMeta, view: &AccountView, last: &LastMoves) -> Facts {
        let currency = account.currency;
        let figures = figures(&view.balances, &view.limits);
        let (internal_status, block_code1) = match view.status {
            Status::Active => ("A", ""),
            Status::Frozen => ("A", "F"),
            Status::Closed => ("C", "C"),
        };
        let zero = money(Decimal::ZERO, currency);
        let amount = |last: Option<&LastMove>| {
            last.map_or_else(|| zero.clone(), |last| money(last.amount, currency))
        };
        Facts {
            currency_numeric: currency.numeric(),
            org: account.org,
            logo: account.logo,
            account_number: account.account_number.clone(),
            internal_status,
            block_code1,
            unblocked_cards: u32::from(view.status == Status::Active),
            current_balance: money(figures.current_balance, currency),
            credit_limit: money(figures.credit_limit, currency),
            open_to_buy: money(figures.open_to_buy, currency),
            memo_debit: money(view.balances.pending_debits, currency),
            last_payment_amount: amount(last.payment.as_ref()),
            last_payment_date: last.payment.as_ref().map(|payment| payment.date.clone()),
            last_debit_amount: amount(last.debit.as_ref()),
            last_debit_date: last.debit.as_ref().map(|debit| debit.date.clone()),
            opened: Date::of(view.opened_at).to_iso(),
            card_expiration: iso_month_end_years_later(view.opened_at, CARD_VALIDITY_YEARS),
            zero,
        }
    }
}

/// The whole L8VI answer for one account.
pub(super) fn answer(
    account: &AccountMeta,
    view: &AccountView,
    last: &LastMoves,
) -> wire::AccountForDetailsL8viResponse {
    let f = Facts::of(account, view, last);
    wire::AccountForDetailsL8viResponse {
        currency_code: f.currency_numeric,
        account_data: wire::AccountDataL8vi {
            identity: identity(&f),
            credit: credit(&f),
            dates: dates(&f),
        },
        limits_and_plans: limits_and_plans(&f),
        customer_and_events: customer_and_events(&f),
        secondary_figures: secondary_figures(&f),
    }
}

/// The top level's limits, plans and foreign figures: only the internet limits carry the
/// account's figures.
fn limits_and_plans(f: &Facts) -> wire::L8viLimitsAndPlans {
    wire::L8viLimitsAndPlans {
        pre_agreement_level: "",
        pre_agreement_control_table_number: 0,
        internet_retail_available_balance: f.open_to_buy.clone(),
        internet_retail_credit_limit: f.credit_limit.clone(),
        internet_cash_available_balance: f.open_to_buy.clone(),
        internet_cash_credit_limit: f.credit_limit.clone(),
        foreign_balance: f.zero.clone(),
        international_cash_plan: 0,
        international_retail_plan: 0,
        international_installment_plan: 0,
        installment: installment(f),
        membership_fee_percent_indicator: 0,
        statement_notification_indicator: 0,
        foreign_credit_limit: f.zero.clone(),
        temporary_foreign_credit_limit: f.zero.clone(),
        last_foreign_credit_limit: f.zero.clone(),
        outstanding_extra_balance: f.zero.clone(),
        billed_balance: f.zero.clone(),
        customer_data: customer_data(),
        reserved_data: reserved_data(),
        owning_bank_number: 0,
        owning_branch_number: 0,
        owning_store_number: 0,
        max_direct_debit_amount: f.zero.clone(),
        first_card_activation_indicator: 0,
        fee_override: 0,
        foreign_auth_retail: f.zero.clone(),
        foreign_auth_cash: f.zero.clone(),
        foreign_auth_balance: f.zero.clone(),
        started_overlimit_date: None,
        overlimit_percentin_cash: 0,
        overlimit_percentin_purchases: 0,
        cash_balance: f.zero.clone(),
        cash_outstanding_authorizations: f.zero.clone(),
        monetary_ach_amount_or_percent_flag: 0,
        global_qualification: "",
        alternate_minimum_amount: "",
        affiliate_emblem: "",
        buy_rate: 0,
        buy_rate_number_of_decimals: 0,
        secondary_data: secondary_data(f),
        first_purchase_flag: 0,
        days_delinquent: 0,
        source_code: "",
        user_fields_list: NoEntries,
        miscellaneous_user_fields_list: NoEntries,
    }
}

/// The top level's customer, event and branch members: only the cash open-to-buy is the
/// account's.
fn customer_and_events(f: &Facts) -> wire::L8viCustomerAndEvents {
    wire::L8viCustomerAndEvents {
        cash_open_to_buy_excluding_overlimit: f.open_to_buy.clone(),
        black_list_mark: "",
        single_message_system_indicator: 0,
        single_message_system_group: 0,
        single_message_system_group_status: "",
        single_message_system_enroll_date: None,
        single_message_system_cancel_date: None,
        event_flags: "",
        event2_days_before: 0,
        event1_threshold_amount: f.zero.clone(),
        event1_type: 0,
        event3_bal_threshold: f.zero.clone(),
        memo_balance_amount: f.zero.clone(),
        location_cycle_to_date_hi_balance: f.zero.clone(),
        foreign_cycle_to_date_hi_balance: f.zero.clone(),
        installment_card_fee_date: None,
        membership_fee_current_installment_number: 0,
        membership_fee_remaining_installment_number: 0,
        supplemental_card_fee_date: None,
        supplemental_current_installment_fee_date: 0,
        supplemental_fee_remaining_installment_number: 0,
        alt_customer_number_indicator: "",
        original_bank_number: 0,
        original_branch_number: 0,
        original_store_number: 0,
        pending_bank_number: 0,
        pending_branch_number: 0,
        pending_store_number: 0,
        vip_status: 0,
        current_card_technology: 0,
        reissue_technology: 0,
        tax_payer_type: 0,
        checking_account_routing_number: "",
        checking_account_number: "",
        saving_account_routing_number: "",
        saving_account_number: "",
        logo_description: "",
        extended_retention_plan: 0,
        extra_pos_balance: f.zero.clone(),
        risk_score: 0,
        collection_score: 0,
        customer_selected_due_day: 0,
        customer_selected_due_day_last_changed_date: None,
        pending_due_day: 0,
        pending_due_day_last_changed_date: None,
        city: "",
        exchange_rate_variance: 0,
        international_retail_limit: "",
        international_cash_limit: "",
        internal_id_number: "",
        serasa_control: "",
        serasa_control_date: None,
    }
}

/// The top level's arrears and secondary-currency figures, none of which the mock models.
fn secondary_figures(f: &Facts) -> wire::L8viSecondaryFigures {
    wire::L8viSecondaryFigures {
        law_mora_accrued: f.zero.clone(),
        law_international_accrued: f.zero.clone(),
        current_balance_international_mora: f.zero.clone(),
        secondary_ib_retail_crlim: f.zero.clone(),
        secondary_ib_cash_crlim: f.zero.clone(),
        secondary_intl_retail_crlim: f.zero.clone(),
        secondary_intl_cash_crlim: f.zero.clone(),
        secondary_ib_retail_balance: f.zero.clone(),
        secondary_ib_cash_balance: f.zero.clone(),
        secondary_iintl_retail_balance: f.zero.clone(),
        secondary_iintl_cash_balance: f.zero.clone(),
        secondary_ib_retail_available: f.zero.clone(),
        secondary_ib_cash_available: f.zero.clone(),
        secondary_intl_retail_available: f.zero.clone(),
        secondary_intl_cash_available: f.zero.clone(),
        secondary_loan_amt_outst_auth: f.zero.clone(),
        secondary_loan_nbr_outst_auth: 0,
        secondary_ib_retail_amt_outst_auth: f.zero.clone(),
        secondary_ib_retail_nbr_outst_auth: 0,
        secondary_ib_cash_amt_outst_auth: f.zero.clone(),
        secondary_ib_cash_nbr_outst_auth: 0,
        secondary_intl_retail_amt_outst_auth: f.zero.clone(),
        secondary_intl_retail_nbr_outst_auth: 0,
        secondary_intl_cash_amt_outst_auth: f.zero.clone(),
        secondary_intl_cash_nbr_outst_auth: 0,
        secondary_loan_amt_dispu: f.zero.clone(),
        secondary_ib_retail_amt_dispu: f.zero.clone(),
        secondary_ib_cash_amt_dispu: f.zero.clone(),
        secondary_intl_retail_amt_dispu: f.zero.clone(),
        secondary_intl_cash_amt_dispu: f.zero.clone(),
        current_delinquency_days: 0,
    }
}

/// `accountData`'s identity and status members.
fn identity(f: &Facts) -> wire::L8viAccountIdentity {
    wire::L8viAccountIdentity {
        logo: f.logo,
        add_status: 0,
        short_name: "",
        customer_number: f.account_number.clone(),
        alternate_customer_number: "",
        user_account_number: "",
        residence_id: "",
        issuance_id: "",
        transfer_data: transfer_data(),
        account_type: "",
        internal_status: f.internal_status,
        charge_off_status: "",
        over_limit_flag: "",
        over_limit_fee_indicator: 0,
        cycles_over_limit_number: 0,
        condition_of_account: 0,
        block_code1: f.block_code1,
        block_code1_priority: "",
        block_code2: "",
        block_code2_priority: "",
        issue_flag: "",
        card_usage_flag: "",
        percentage_data: percentage_data(),
        account_control_table_override: 0,
        service_fee_table: 0,
        service_fee_table_start_date: None,
        service_fee_table_expiration_date: None,
        billing_cycle: 0,
        current_balance: f.current_balance.clone(),
        statement_flag: "",
        statement_frequency: 0,
        return_mail_counter: 0,
        return_mail_date: None,
        store_organization: f.org,
        store_number: 0,
        current_collector: "",
        permanent_collector: "",
        collection_reason: 0,
        collateral_code: "",
        adverse_action_data1: "",
        adverse_action_data2: "",
        adverse_action_data3: "",
        owner_flag: "",
        employee_code: "",
        promotion_code: "",
        waive_data: waive_data(),
    }
}

/// `accountData`'s credit, payment and balance members.
fn credit(f: &Facts) -> wire::L8viAccountCredit {
    wire::L8viAccountCredit {
        cycle_spend_fee_flag: 0,
        duplicate_statement_address_flag: "",
        direct_debit_payment_reversal_counter: "",
        credit_bureau_credit_score: 0,
        application_credit_score: 0,
        miscellaneous_credit_score: 0,
        last_credit_class: "",
        credit_limit: f.credit_limit.clone(),
        last_credit_limit_assigned_to_the_account: f.credit_limit.clone(),
        income: f.zero.clone(),
        non_sufficient_funds_number: 0,
        unblocked_cards_number: f.unblocked_cards,
        cycle_to_date_payment: f.zero.clone(),
        payment_skip_flag: "",
        payment_recency: 0,
        payment_cycle_due: 0,
        payment_prepaid_amount: f.zero.clone(),
        total_due_amount: f.zero.clone(),
        delinquency_data: delinquency_data(f),
        last_payment_amount: f.last_payment_amount.clone(),
        projected_ach_amount: f.zero.clone(),
        last_debit_amount: f.last_debit_amount.clone(),
        available_credit: f.open_to_buy.clone(),
        last_purchase_amount: f.zero.clone(),
        last_year_to_date_interest: f.zero.clone(),
        current_year_to_date_interest_paid: f.zero.clone(),
        disputed_items_amount: f.zero.clone(),
        charge_off_reason: "",
        interest_enrollment_state: "",
        officer_responsible_id: "",
        memo_debit_amount: f.memo_debit.clone(),
        memo_credit_amount: f.zero.clone(),
        warning_codes: warning_codes(),
        cash_available_credit_limit: f.open_to_buy.clone(),
        cash_credit_limit: f.credit_limit.clone(),
        times_in_collections_number: 0,
        pending_percentage: "",
        cash_plan_number: 0,
        retail_plan_number: 0,
        promotional_credit_plan_master_record_number: 0,
        disc_cycle_indicator: 0,
        local_use_indicator: 0,
        secured: 0,
        collateral: 0,
        relationship_number: "",
        relationship_card_scheme: 0,
        relationship_primary_account_flag: "",
        credit_bureau_special_comment: "",
        temporary_credit_limit: f.zero.clone(),
        temporary_credit_limit_expiration_date: None,
        customer_organization: f.org,
        loan_available_limit: f.zero.clone(),
        billing_currency: f.currency_numeric,
        returned_payments_number: 0,
        loan_balance: f.zero.clone(),
        loan_credit_limit: f.zero.clone(),
        last_cash_advance_amount: f.zero.clone(),
        prepaid_type: 0,
    }
}

/// `accountData`'s dates: opening, card expiry and the last payment and debit; every other date
/// is one the mock does not keep, so it is left out rather than invented.
fn dates(f: &Facts) -> wire::L8viAccountDates {
    wire::L8viAccountDates {
        application_date: Some(f.opened.clone()),
        opened_date: Some(f.opened.clone()),
        last_credit_bureau_report_date: None,
        block_code1_date: None,
        block_code2_date: None,
        last_status_change_date: None,
        account_closed_date: None,
        charge_off_date: None,
        card_fee_date: None,
        last_purchase_date: None,
        last_return_date: None,
        last_delinquency_date: None,
        last_action_date: None,
        last_payment_reversal_date: None,
        credit_limit_assigned_date: Some(f.opened.clone()),
        ach_payment_expiration_date: None,
        last_statement_date: None,
        next_statement_date: None,
        last_payment_due_date: None,
        last_payment_date: f.last_payment_date.clone(),
        last_credit_balance_date: None,
        last_returned_check_date: None,
        last_debit_date: f.last_debit_date.clone(),
        last_credit_date: f.last_payment_date.clone(),
        last_credit_limit_change_date: None,
        last_rate_change_date: None,
        account_begins_collections_date: None,
        account_maker_birth_date: None,
        account_comaker_birth_date: None,
        effective_account_transfer_date: None,
        reaged_account_date: None,
        late_fee_date: None,
        next_credit_bureau_report_date: None,
        ach_effective_date: None,
        notification_received_date: None,
        card_expiration_date: Some(f.card_expiration.clone()),
        direct_credit_ach_expiration_date: None,
        direct_credit_ach_start_date: None,
        warning_code1_date: None,
        pending_pct_effective_date: None,
        pending_pct_end_date: None,
        last_cash_advance_date: None,
        last_card_account_expires_date: None,
        last_date_to_authorize: None,
        grace_day_expiration_date: None,
        greatest_card_expiration_date: Some(f.card_expiration.clone()),
        account_cure_period_expiration_date: None,
        maximum_amount_of_authorizations_by_account_in_high_risk_countries: f.zero.clone(),
        maximum_amount_of_authorizations_by_account_other_than_high_risk_countries: f.zero.clone(),
        user_codes_list: NoEntries,
        user_dates_list: NoEntries,
        user_amounts_list: NoEntries,
        plans_number: 0,
        call_qualification_id: 0,
        alternate_customer_minimum_payment_amount: f.zero.clone(),
        correspondence_alternate_customer_number: "",
        correspondence_alternate_customer_start_date: None,
        correspondence_alternate_customer_expiry_date: None,
    }
}

/// `TransferData`.
fn transfer_data() -> wire::L8viTransferData {
    wire::L8viTransferData { transfer_organization: "", transfer_logo: "", transfer_account: "" }
}

/// `PercentageData`.
fn percentage_data() -> wire::L8viPercentageData {
    wire::L8viPercentageData {
        level: "",
        level_start_date: None,
        level_expiration_date: None,
        id: "",
        start_date: None,
        expiration_date: None,
    }
}

/// `WaiveData`.
fn waive_data() -> wire::L8viWaiveData {
    wire::L8viWaiveData {
        late_charges: 0,
        late_notices: 0,
        interest_charges: 0,
        service_fees: 0,
        letter_charges: 0,
        over_limit_fees: 0,
        over_limit_notice: 0,
        fees_indicator: 0,
        cash_advance_fee: 0,
        card_fee_indicator: 0,
        moratorium_plan_interest: 0,
        user_fees_list: NoEntries,
    }
}

/// `DelinquencyData`.
fn delinquency_data(f: &Facts) -> wire::L8viDelinquencyData {
    wire::L8viDelinquencyData {
        current_payment_due: f.zero.clone(),
        past_payment_counter: 0,
        payment_past_due: f.zero.clone(),
        days_delinquent_counter30: 0,
        days_delinquent_amount30: f.zero.clone(),
        days_delinquent_counter60: 0,
        days_delinquent_amount60: f.zero.clone(),
        days_delinquent_counter90: 0,
        days_delinquent_amount90: f.zero.clone(),
        days_delinquent_counter120: 0,
        days_delinquent_amount120: f.zero.clone(),
        days_delinquent_counter150: 0,
        days_delinquent_amount150: f.zero.clone(),
        days_delinquent_counter180: 0,
        days_delinquent_amount180: f.zero.clone(),
        days_delinquent_counter210: 0,
        days_delinquent_amount210: f.zero.clone(),
    }
}

/// `WarningCodeList`.
fn warning_codes() -> wire::L8viWarningCodes {
    wire::L8viWarningCodes { sequence: "", warning_code: "" }
}

/// `Installment`.
fn installment(f: &Facts) -> wire::L8viInstallment {
    wire::L8viInstallment { billing: installment_billing(f), payment: installment_payment() }
}

/// `Billing`.
fn installment_billing(f: &Facts) -> wire::L8viInstallmentBilling {
    wire::L8viInstallmentBilling {
        issuer_cash_plan_number: 0,
        issuer_retail_plan_number: 0,
        acquirer_retail_plan_number: 0,
        cash_limit: f.zero.clone(),
        cash_available: f.zero.clone(),
        retail_limit: f.zero.clone(),
        retail_credit_available: f.zero.clone(),
        retail_credit_limit_flag: 0,
        cash_credit_limit_flag: 0,
        consumer_finance_limit: f.zero.clone(),
        consumer_finance_available_credit: f.zero.clone(),
        revolving_current_balance: f.zero.clone(),
    }
}

/// `Payment`.
fn installment_payment() -> wire::L8viInstallmentPayment {
    wire::L8viInstallmentPayment { retail_plan_number: 0, cash_plan_number: 0 }
}

/// `CustomerData`.
fn customer_data() -> wire::L8viCustomerData {
    wire::L8viCustomerData { occurrences_fields_number: 0 }
}

/// `ReservedData`.
fn reserved_data() -> wire::L8viReservedData {
    wire::L8viReservedData {
        reserved_codes_list: NoEntries,
        reserved_dates_list: NoEntries,
        reserve_amounts_list: NoEntries,
    }
}

/// `SecondaryData`.
fn secondary_data(f: &Facts) -> wire::L8viSecondaryData {
    wire::L8viSecondaryData {
        credit_limit: f.zero.clone(),
        cash_credit_limit: f.zero.clone(),
        loan_credit_limit: f.zero.clone(),
        total_balance: f.zero.clone(),
        cash_balance: f.zero.clone(),
        loan_balance: f.zero.clone(),
        memo_debit: f.zero.clone(),
        memo_credit: f.zero.clone(),
        total_available_balance: f.zero.clone(),
        cash_available_balance: f.zero.clone(),
        loan_available_balance: f.zero.clone(),
        cash_amount_outstanding_auth: f.zero.clone(),
        cash_outstanding_auth: f.zero.clone(),
        total_dispute_amount: f.zero.clone(),
        cash_dispute_amount: f.zero.clone(),
    }
}
