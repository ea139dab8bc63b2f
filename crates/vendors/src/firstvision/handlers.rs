//! FirstVision's operations: the access token, cash-in / cash-out (L8V2 and v2) on the ledger,
//! the two balance reads, and opening accounts for the admin API.

mod admin;
mod l8vi;

use std::sync::Arc;

use http::StatusCode;
use ledger::{
    AccountId, Applied, Balances, Currency, Direction, Entry, EntryKind,
    IdempotencyKey, Limits, Metadata, Mode, Order, Receipt, TenantId, Timestamp, Transfer,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Number;

use super::auth::{Caller, TOKEN_LIFETIME};
use super::wire::calendar::{Date, history_time, iso_date_plus};
use super::errors::{FvError, Vpl, bad, vpl};
use crate::common::failure::Failure;
use super::parse::{self, AccountOrCard, CashCommand, Version};
use super::state::{AccountMeta, ActionCode};
use super::wire;
use super::{FirstVision, REFERENCE_RETENTION};
use crate::common::explain::{self, Refused, Units};
use crate::{Ctx, Request, Response};

/// Index kinds.
const ACCOUNT_NUMBER: &str = "accountNumber";
const CARD_NUMBER: &str = "cardNumber";

/// How many history entries the balance reads look back for the last payment and debit.
const LAST_MOVES_ENTRIES_MAX: usize = 100;

/// An account's figures as VisionPLUS shows them.
struct Figures {
    /// What the holder owes (negative when the account holds money).
    current_balance: Decimal,
    credit_limit: Decimal,
    open_to_buy: Decimal,
}

fn figures(balances: &Balances, limits: &Limits) -> Figures {
    figures_with(balances, credit_limit(limits))
}

/// The credit limit VisionPLUS shows for these ledger limits: the overdraft.
fn credit_limit(limits: &Limits) -> Decimal {
    (-limits.balance_min).max(Decimal::ZERO)
}

fn figures_with(balances: &Balances, credit_limit: Decimal) -> Figures {
    Figures {
        // Next-day credits are not in the balance until the day's batch posts them.
        current_balance: balances.deferred - balances.posted,
        credit_limit,
        open_to_buy: credit_limit + balances.available,
    }
}

/// An amount as a JSON number with exactly the currency's decimals (`200.00`, never `-0.00`).
fn money(amount: Decimal, currency: Currency) -> Number {
    let mut shown = if amount.is_zero() { Decimal::ZERO } else { amount };
    shown.rescale(currency.exponent());
    crate::common::json::number(shown)
}

/// The success envelope.
fn success<T: Serialize>(data: T, tenant: TenantId) -> Response {
    let body = wire::DResponse { has_error: false, errors: &[], data: Some(data) };
    Response::json(StatusCode::OK, &body).with_tenant(tenant)
}

/// Whether a v2 `walletId` names the account's currency (`MXN` or `484`).
fn wallet_matches(wallet: &str, currency: Currency) -> bool {
    wallet.trim().eq_ignore_ascii_case(currency.code())
        || wallet.trim() == format!("{:03}", currency.numeric())
}

impl FirstVision {
    fn authenticate(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Caller, Failure<FvError>> {
        self.auth.authenticate(req, ctx.clock, |tenant, org| self.state.org(tenant, org).is_some())
    }

    /// The account with this account number, or else this card number.
    fn find(&self, tenant: TenantId, number: &str) -> Option<Arc<AccountMeta>> {
        let id = self
            .index
            .get(tenant, ACCOUNT_NUMBER, number)
            .or_else(|| self.index.get(tenant, CARD_NUMBER, number))?;
        self.state.account(tenant, id)
    }

    fn find_kind(
        &self,
        tenant: TenantId,
        kind: &'static str,
        number: &str,
    ) -> Option<Arc<AccountMeta>> {
        let id = self.index.get(tenant, kind, number)?;
        self.state.account(tenant, id)
    }

    // -----------------------------------------------------------------------------------------
    // POST /token

    pub(super) fn token(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure<FvError>> {
        parse::require_content_type(req, "application/x-www-form-urlencoded")?;
        let client = self.auth.token_client(req)?;
        let tenant = client.tenant;
        let grant = form_urlencoded::parse(&req.body)
            .find(|(key, _)| key == "grant_type")
            .map(|(_, value)| value.into_owned());
        match grant.as_deref() {
            Some("client_credentials") => {}
            Some(other) => {
                return Err(bad(format!(
                    "body grant_type: {other:?} is not client_credentials"
                ))
                .for_tenant(tenant));
            }
            None => {
                return Err(bad(
                    "body grant_type: is required (grant_type=client_credentials)",
                )
                .for_tenant(tenant));
            }
        }
        let (token, now) = self.auth.issue(&client, ctx.clock, &ctx.ids(tenant));
        let body = wire::TokenResponse {
            token_type: "BearerToken",
            issued_at: now.as_unix_micros().div_euclid(1000).to_string(),
            client_id: client.api_key.clone(),
            access_token: token,
            expires_in: TOKEN_LIFETIME.as_secs().to_string(),
            status: "approved",
        };
        Ok(Response::json(StatusCode::OK, &body).with_tenant(tenant))
    }

    // -----------------------------------------------------------------------------------------
    // PUT /account/balance and PUT /account/v2/balance

    pub(super) fn cash_l8v2(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
    ) -> Result<Response, Failure<FvError>> {
        self.cash(ctx, req, Version::L8v2)
    }

    pub(super) fn cash_v2(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure<FvError>> {
        self.cash(ctx, req, Version::V2)
    }

    fn cash(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        version: Version,
    ) -> Result<Response, Failure<FvError>> {
        let tenant = self.authenticate(ctx, req)?.tenant;
        self.cash_for(ctx, req, version, tenant).map_err(|rejection| rejection.for_tenant(tenant))
    }

    #[expect(clippy::too_many_lines, reason = "split in the vendor skeleton step")]
    fn cash_for(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        version: Version,
        tenant: TenantId,
    ) -> Result<Response, Failure<FvError>> {
        parse::require_content_type(req, "application/json")?;
        let command = match version {
            Version::L8v2 => parse::cash_l8v2(parse::body(req)?)?,
            Version::V2 => parse::cash_v2(parse::body(req)?)?,
        };
        let org_table = self.state.org(tenant, command.asm_org).ok_or_else(|| {
            vpl(
                Vpl::AsmOrgNotFound,
                format!(
                    "ASM organization {} is not one of this client's organizations",
                    command.asm_org
                ),
            )
        })?;
        let account = self.find(tenant, &command.account_number).ok_or_else(|| {
            vpl(
                Vpl::AccountNotFound,
                format!("no account or card {} for this client", command.account_number),
            )
        })?;
        if let Some(org) = command.account_org {
            if org != account.org {
                return Err(vpl(
                    Vpl::AccountOrgMismatch,
                    format!(
                        "field accountData.organizationNumber: {org}, but account {} is in \
                         organization {}",
                        account.account_number, account.org
                    ),
                ));
            }
        }
        if command.asm_org != account.org {
            return Err(vpl(
                Vpl::RepOrgNotAllowed,
                format!(
                    "ASM organization {} cannot act on account {} of organization {}",
                    command.asm_org, account.account_number, account.org
                ),
            ));
        }
        if let Some(card) = &command.card_number {
            if *card != account.card_number {
                return Err(vpl(
                    Vpl::AccountNotFound,
                    format!("card {card} is not the card of account {}", account.account_number),
                ));
            }
        }
        let action =
            org_table.action_codes.get(&command.action_code).cloned().ok_or_else(|| {
                vpl(
                    Vpl::ActionCodeNotOnFile,
                    format!(
                        "action code {:?} is not in organization {}'s action codes",
                        command.action_code, command.asm_org
                    ),
                )
            })?;
        if !account.currency.fits_scale(command.amount) {
            return Err(vpl(
                Vpl::AmountNotNumeric,
                format!(
                    "field transactionData.transactionAmount: more decimal places than {} \
                     allows ({})",
                    account.currency,
                    account.currency.exponent()
                ),
            ));
        }
        if let Some(wallet) = &command.wallet_id {
            if !wallet_matches(wallet, account.currency) {
                return Err(vpl(
                    Vpl::NotValidForAccount,
                    format!(
                        "field transactionData.walletId: {wallet:?}, but account {} is in {}",
                        account.account_number, account.currency
                    ),
                ));
            }
        }

        let now = ctx.now(tenant);
        let transfer = self.transfer(&command, &account, &action, tenant, now);
        let refused = Refused::of(&transfer).keyed_by("transactionData.referenceNumber");
        let applied = ctx.ledger.transfer(now, transfer).map_err(|err| {
            Failure::ledger(&err, explain::refusal(ctx, tenant, &err, &refused, Units::Major))
        })?;
        let receipt = applied.receipt();
        let change = match action.direction {
            Direction::Credit => receipt.credit,
            Direction::Debit => receipt.debit,
        };
        let Some(change) = change else {
            return Err(Failure::new(
                FvError::Backend,
                "internal: the ledger receipt has no account side",
            ));
        };
        // The receipt holds the balances of the time but not the credit limit, which the admin
        // API can change: a new transfer records the limit its answer shows, and a replay
        // answers with that one (the current limit only if the record is gone).
        let current_credit_limit =
            || credit_limit(&ctx.ledger.limits(tenant, account.id).unwrap_or_default());
        let credit_limit = match &applied {
            Applied::New(_) => {
                let credit_limit = current_credit_limit();
                let expires_at = now.saturating_add(REFERENCE_RETENTION);
                account.credit_limits.record(receipt.id, credit_limit, now, expires_at);
                credit_limit
            }
            Applied::Replayed(_) => {
                account.credit_limits.get(receipt.id).unwrap_or_else(current_credit_limit)
            }
        };
        let figures = figures_with(&change.after, credit_limit);
        let res = match command.version {
            Version::L8v2 => {
                success(l8v2_answer(command, &account, &action, receipt, &figures), tenant)
            }
            Version::V2 => {
                success(v2_answer(command, &account, &action, receipt, &figures), tenant)
            }
        };
        Ok(res)
    }

    /// The ledger command: a credit (cash-in) or debit (cash-out) against the outside world,
    /// keyed by reference number, account and processing day. Its metadata holds every request
    /// value the answer shows, so that the ledger's idempotency comparison tells a true repeat
    /// (which gets the first answer) from another transaction with the same reference (a
    /// conflict).
    fn transfer(
        &self,
        command: &CashCommand,
        account: &AccountMeta,
        action: &ActionCode,
        tenant: TenantId,
        now: Timestamp,
    ) -> Transfer {
        let transfer = match action.direction {
            Direction::Credit => {
                Transfer::credit(tenant, account.id, command.amount, account.currency)
            }
            Direction::Debit => {
                Transfer::debit(tenant, account.id, command.amount, account.currency)
            }
        };
        let mode = if action.direction == Direction::Credit && !command.update_open_to_buy {
            Mode::Deferred { available_at: now.next_utc_midnight() }
        } else {
            Mode::Posted
        };
        let api = match command.version {
            Version::L8v2 => "L8V2",
            Version::V2 => "v2",
        };
        let (card_sequence, plan_number, plan_sequence, store_number) = (
            card_sequence(command, account).to_string(),
            command.plan_number.to_string(),
            command.plan_sequence.to_string(),
            command.store_number.to_string(),
        );
        let metadata = Metadata::from([
            ("actionCode", command.action_code.as_str()),
            ("api", api),
            ("authorizationCode", &command.authorization_code),
            ("cardNumber", &account.card_number),
            ("cardSequence", &card_sequence),
            ("departmentCode", &command.department_code),
            ("description", &command.description),
            ("effectiveDate", &command.effective_date),
            ("insuranceCode", &command.insurance_code),
            ("planNumber", &plan_number),
            ("planSequence", &plan_sequence),
            ("referenceNumber", &command.reference_number),
            ("representativeId", &command.representative_id),
            ("resolutionReferenceNumber", &command.resolution_reference_number),
            ("storeNumber", &store_number),
        ]);
        let key =
            format!("{}:{}:{}", account.account_number, now.utc_day(), command.reference_number);
        transfer
            .with_mode(mode)
            .with_metadata(metadata)
            .with_key(IdempotencyKey::new(Arc::clone(&self.references), key))
    }

    // -----------------------------------------------------------------------------------------
    // POST /account/balance/details

    pub(super) fn balance_inquiry(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
    ) -> Result<Response, Failure<FvError>> {
        let tenant = self.authenticate(ctx, req)?.tenant;
        self.balance_inquiry_for(ctx, req, tenant).map_err(|rejection| rejection.for_tenant(tenant))
    }

    fn balance_inquiry_for(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        tenant: TenantId,
    ) -> Result<Response, Failure<FvError>> {
        parse::require_content_type(req, "application/json")?;
        let query = parse::balance_inquiry(parse::body(req)?)?;
        if let Some(org) = query.org {
            if self.state.org(tenant, org).is_none() {
                return Err(vpl(
                    Vpl::InquiryOrgNotFound,
                    format!("organization {org} is not one of this client's organizations"),
                ));
            }
        }
        let not_found = || {
            vpl(
                Vpl::InquiryAccountNotFound,
                format!("no account or card {} for this client", query.account_number),
            )
        };
        let account = self.find(tenant, &query.account_number).ok_or_else(not_found)?;
        if let Some(org) = query.org {
            if org != account.org {
                return Err(vpl(
                    Vpl::InquiryAccountNotInOrg,
                    format!(
                        "account {} is in organization {}, not {org}",
                        account.account_number, account.org
                    ),
                ));
            }
        }
        let now = ctx.now(tenant);
        let view = ctx.ledger.account(now, tenant, account.id).ok_or_else(not_found)?;
        let currency = account.currency;
        let figures = figures(&view.balances, &view.limits);
        let last_payment = last_moves(ctx, tenant, account.id, now).payment;
        let zero = || money(Decimal::ZERO, currency);
        let body = wire::BalanceInquiryResponse {
            currency_data: wire::BalanceCurrencyData {
                curr_code: currency.numeric(),
                currency_number_of_decimals: currency.exponent(),
            },
            organization_number: account.org,
            account_or_card_number: query.account_number,
            logo: account.logo,
            foreign_use: "0",
            current_balance: money(figures.current_balance, currency),
            available_credit_limit: money(figures.open_to_buy, currency),
            cash_balance: zero(),
            cash_credit_limit: money(figures.credit_limit, currency),
            loan_balance: zero(),
            loan_credit_limit: zero(),
            date_last_payment: last_payment.as_ref().map(|payment| payment.date.clone()),
            last_payment_amount: money(
                last_payment.as_ref().map_or(Decimal::ZERO, |payment| payment.amount),
                currency,
            ),
            date_payment_due: None,
            payment_total_amount_due: zero(),
            reserved_data: wire::ReservedData {
                reserved_code1: "",
                reserved_code2: "",
                reserved_code3: "",
                reserved_code4: "",
                reserved_date1: None,
                reserved_date2: None,
                reserved_date3: None,
                reserved_date4: None,
                reserved_amount1: zero(),
                reserved_amount2: zero(),
                reserved_amount3: zero(),
                reserved_amount4: zero(),
            },
        };
        Ok(success(body, tenant))
    }

    // -----------------------------------------------------------------------------------------
    // GET /account/v2/accounts

    pub(super) fn account_inquiry(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
    ) -> Result<Response, Failure<FvError>> {
        let tenant = self.authenticate(ctx, req)?.tenant;
        self.account_inquiry_for(ctx, req, tenant).map_err(|rejection| rejection.for_tenant(tenant))
    }

    fn account_inquiry_for(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        tenant: TenantId,
    ) -> Result<Response, Failure<FvError>> {
        let query = parse::account_inquiry(req)?;
        if self.state.org(tenant, query.org).is_none() {
            return Err(vpl(
                Vpl::AccountInquiryOrgNotFound,
                format!("organization {} is not one of this client's organizations", query.org),
            ));
        }
        let (account, number) = match &query.number {
            AccountOrCard::Account(number) => {
                (self.find_kind(tenant, ACCOUNT_NUMBER, number), number)
            }
            AccountOrCard::Card(number) => (self.find_kind(tenant, CARD_NUMBER, number), number),
        };
        let not_found = || {
            vpl(
                Vpl::AccountInquiryNotFound,
                format!("no account or card {number} for this client"),
            )
        };
        let account = account.ok_or_else(not_found)?;
        if account.org != query.org {
            return Err(vpl(
                Vpl::AccountInquiryNotOnFile,
                format!(
                    "account {} is in organization {}, not {}",
                    account.account_number, account.org, query.org
                ),
            ));
        }
        let now = ctx.now(tenant);
        let view = ctx.ledger.account(now, tenant, account.id).ok_or_else(not_found)?;
        let last = last_moves(ctx, tenant, account.id, now);
        Ok(success(l8vi::answer(&account, &view, &last), tenant))
    }
}

/// A past money movement as the balance reads show it: its UTC date and amount.
struct LastMove {
    date: String,
    amount: Decimal,
}

/// The account's most recent payment and debit, among its newest history entries.
#[derive(Default)]
struct LastMoves {
    /// The most recent credit that is already available (a payment, in card terms).
    payment: Option<LastMove>,
    /// The most recent posted debit (a cash-out).
    debit: Option<LastMove>,
}

fn last_moves(ctx: &Ctx<'_>, tenant: TenantId, id: AccountId, now: Timestamp) -> LastMoves {
    let Some(page) =
        ctx.ledger.entries(tenant, id, None, LAST_MOVES_ENTRIES_MAX, Order::NewestFirst)
    else {
        return LastMoves::default();
    };
    let posted = |entry: &&Entry, direction: Direction| {
        entry.direction == direction
            && matches!(entry.kind, EntryKind::Posted | EntryKind::PendingPosted)
    };
    let to_move =
        |entry: &Entry| LastMove { date: Date::of(entry.at).to_iso(), amount: entry.amount };
    LastMoves {
        payment: page
            .entries
            .iter()
            .find(|entry| {
                posted(entry, Direction::Credit) && entry.available_at.is_none_or(|at| at <= now)
            })
            .map(to_move),
        debit: page.entries.iter().find(|entry| posted(entry, Direction::Debit)).map(to_move),
    }
}

/// The L8V2 answer. It takes the command to move its texts into the answer: a write is the
/// hot path, and each copy would be an allocation.
fn l8v2_answer(
    command: CashCommand,
    account: &AccountMeta,
    action: &ActionCode,
    receipt: &Receipt,
    figures: &Figures,
) -> wire::ModifyAccountBalanceResponse {
    let currency = account.currency;
    let card_sequence = card_sequence(&command, account);
    let history_date = Date::of(receipt.at).to_iso();
    // Each amount and code is formatted once; a copy of the text is cheaper than formatting
    // it again.
    let zero = money(Decimal::ZERO, currency);
    let open_to_buy = money(figures.open_to_buy, currency);
    let currency_number = format!("{:03}", currency.numeric());
    wire::ModifyAccountBalanceResponse {
        asm_organization_number: command.asm_org,
        asm_representative_id: command.representative_id,
        referral_representative: "",
        account: wire::ModifyAccountBalanceAccount {
            organization_number: account.org,
            logo: account.logo,
            number: account.account_number.clone(),
        },
        foreign_use_indicator: "0",
        card_number: account.card_number.clone(),
        history_date: history_date.clone(),
        history_time: history_time(receipt.at),
        action_code_pri: 0,
        record_type: "M",
        action_description: action.description,
        collection_sequence_number: collection_sequence(receipt),
        status: "C",
        referral_asm_organization: 0,
        purge_date: iso_date_plus(receipt.at, 365),
        action_date: history_date,
        card_sequence,
        retention: "",
        cta_file: "",
        transaction_data: wire::ModifyAccountBalanceTransactionData {
            currency_data: wire::CurrencyDataL8v2 {
                currency_code: currency_number.clone(),
                currency_number_of_decimal: currency.exponent(),
            },
            action_code: command.action_code,
            effective_date: command.effective_date,
            fee_amount: zero.clone(),
            transaction_code: action.transaction_code,
            transaction_amount: money(receipt.amount, currency),
            transaction_description: command.description,
            credit_limit: money(figures.credit_limit, currency),
            open_to_buy: open_to_buy.clone(),
            cash_available: open_to_buy,
            plan_number: format!("{:05}", command.plan_number),
            current_balance: money(figures.current_balance, currency),
            plan_sequence: command.plan_sequence,
            store_number: format!("{:09}", command.store_number),
            department_code: command.department_code,
            authorization_code: command.authorization_code,
            stock_keeping_unit_number: String::new(),
            sales_clerk: String::new(),
            ticket_number: String::new(),
            purchase_order_number: String::new(),
            reference_number: command.reference_number,
            insurance_code: String::new(),
            reversal_date: None,
            reversal_time: "",
            store_organization_number: account.org,
            approval_indicator: "A",
            monetary_type: monetary_type(action),
            points_program: 0,
            points_amount: zero,
            reference_num: command.resolution_reference_number,
            fund_card: "",
            fund_card_declined_reason: "",
            currency_number,
            authorization_number: authorization_number(receipt),
        },
        letter_data: wire::LetterData { organization: "", code: "" },
    }
}

/// The v2 answer, taking the command for the same reason as [`l8v2_answer`].
fn v2_answer(
    command: CashCommand,
    account: &AccountMeta,
    action: &ActionCode,
    receipt: &Receipt,
    figures: &Figures,
) -> wire::PurchaseAndCashAdvanceResponse {
    let currency = account.currency;
    let card_sequence = card_sequence(&command, account);
    let history_date = Date::of(receipt.at).to_iso();
    let zero = money(Decimal::ZERO, currency);
    let open_to_buy = money(figures.open_to_buy, currency);
    wire::PurchaseAndCashAdvanceResponse {
        account: wire::PurchaseResponseAccount {
            organization_number: account.org,
            logo: account.logo,
        },
        card_number: account.card_number.clone(),
        card_sequence,
        history_date: history_date.clone(),
        history_time: history_time(receipt.at),
        record_type: "MONETARY",
        action_description: action.description,
        collection_sequence_number: collection_sequence(receipt),
        status: "CLOSED",
        referral_asm_organization: 0,
        purge_date: iso_date_plus(receipt.at, 365),
        action_date: history_date,
        retention: "KEEP_FOR_HISTORY",
        cta_file: "",
        transaction_data: wire::PurchaseResponseTransactionData {
            currency_data: wire::CurrencyDataV2 { currency_code: currency.code() },
            fee_amount: zero.clone(),
            transaction_code: action.transaction_code,
            transaction_amount: money(receipt.amount, currency),
            transaction_description: if command.description.is_empty() {
                action.description.to_string()
            } else {
                command.description
            },
            credit_limit: money(figures.credit_limit, currency),
            open_to_buy: open_to_buy.clone(),
            cash_available: open_to_buy,
            current_balance: money(figures.current_balance, currency),
            reference_number: command.reference_number,
            referral_reference_number: command.resolution_reference_number,
            insurance_code: command.insurance_code,
            review_date: None,
            review_time: "",
            store_organization_number: account.org,
            approval_indicator: true,
            monetary_type: monetary_type(action),
            points_program: 0,
            points_amount: zero,
            fund_card: "",
            fund_card_declined_reason: "",
            authorization_number: authorization_number(receipt),
            installment_term_number: "00",
        },
    }
}

/// The card sequence an answer shows: the request's with a card number (always on L8V2), else
/// the account's card's.
fn card_sequence(command: &CashCommand, account: &AccountMeta) -> u32 {
    if command.card_number.is_some() { command.card_sequence } else { account.card_sequence }
}

fn monetary_type(action: &ActionCode) -> &'static str {
    match action.direction {
        Direction::Credit => "C",
        Direction::Debit => "D",
    }
}

/// The history record's CTA sequence: the ledger's commit id, five digits.
fn collection_sequence(receipt: &Receipt) -> u32 {
    u32::try_from(receipt.id.0 % 100_000).unwrap_or(0)
}

/// A six-digit authorization number derived from the ledger's commit id.
fn authorization_number(receipt: &Receipt) -> String {
    format!("{:06}", receipt.id.0 % 1_000_000)
}
