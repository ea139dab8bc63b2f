//! FirstVision's operations: the access token, cash-in / cash-out (L8V2 and v2) on the ledger,
//! the two balance reads, and opening accounts for the admin API.

mod admin;
mod l8vi;

use std::sync::Arc;

use http::StatusCode;
use ledger::{
    AccountId, Applied, Balances, Currency, Direction, Entry, EntryKind, IdempotencyKey, Limits,
    Metadata, Mode, Order, TenantId, Timestamp, Transfer,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Number;

use super::auth::{Caller, TOKEN_LIFETIME};
use super::errors::{Failure, FvError, Vpl, bad, vpl};
use super::parse::{self, AccountOrCard, CashCommand, Version};
use super::state::{AccountMeta, ActionCode, Record};
use super::wire;
use super::wire::calendar::Date;
use super::{FirstVision, REFERENCE_RETENTION};
use crate::common::explain::{self, Refused, Units};
use crate::{Ctx, Request, Response};

/// Index kinds.
const ACCOUNT_NUMBER: &str = "accountNumber";
const CARD_NUMBER: &str = "cardNumber";

/// How many history entries the balance reads look back for the last payment and debit.
const LAST_MOVES_ENTRIES_MAX: usize = 100;

fn figures(balances: &Balances, limits: &Limits) -> wire::cash::Figures {
    figures_with(balances, credit_limit(limits))
}

/// The credit limit VisionPLUS shows for these ledger limits: the overdraft.
fn credit_limit(limits: &Limits) -> Decimal {
    (-limits.balance_min).max(Decimal::ZERO)
}

fn figures_with(balances: &Balances, credit_limit: Decimal) -> wire::cash::Figures {
    wire::cash::Figures {
        // Next-day credits are not in the balance until the day's batch posts them.
        current_balance: balances.deferred - balances.posted,
        credit_limit,
        open_to_buy: credit_limit + balances.available,
    }
}

/// An amount as a JSON number with exactly the currency's decimals (`200.00`, never `-0.00`).
fn money(amount: Decimal, currency: Currency) -> Number {
    crate::common::json::number(wire::cash::shown(amount, currency))
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
    fn authenticate(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Caller, Failure> {
        let has_org = |tenant, org| self.state.org(tenant, org).is_some();
        let record = |tenant, request_id: &str, at| {
            self.save(ctx, tenant, &Record::Nonce { request_id: request_id.into(), at })
        };
        self.auth.authenticate(req, ctx.clock, has_org, &record)
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

    pub(super) fn token(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure> {
        parse::require_content_type(req, "application/x-www-form-urlencoded")?;
        let client = self.auth.token_client(req)?;
        let tenant = client.tenant;
        let grant = form_urlencoded::parse(&req.body)
            .find(|(key, _)| key == "grant_type")
            .map(|(_, value)| value.into_owned());
        match grant.as_deref() {
            Some("client_credentials") => {}
            Some(other) => {
                return Err(bad(format!("body grant_type: {other:?} is not client_credentials"))
                    .for_tenant(tenant));
            }
            None => {
                return Err(bad("body grant_type: is required (grant_type=client_credentials)")
                    .for_tenant(tenant));
            }
        }
        let now = ctx.now(tenant);
        let token = ctx.ids(tenant).secret("");
        let expires_at = now.saturating_add(TOKEN_LIFETIME);
        let record = Record::Token { token: token.as_str().into(), issued_at: now, expires_at };
        self.save(ctx, tenant, &record)?;
        self.auth.keep_token(tenant, token.clone(), expires_at, ctx.clock);
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

    pub(super) fn cash_l8v2(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure> {
        self.cash(ctx, req, Version::L8v2)
    }

    pub(super) fn cash_v2(&self, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure> {
        self.cash(ctx, req, Version::V2)
    }

    fn cash(&self, ctx: &Ctx<'_>, req: &Request, version: Version) -> Result<Response, Failure> {
        let tenant = self.authenticate(ctx, req)?.tenant;
        self.cash_for(ctx, req, version, tenant).map_err(|rejection| rejection.for_tenant(tenant))
    }

    fn cash_for(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        version: Version,
        tenant: TenantId,
    ) -> Result<Response, Failure> {
        parse::require_content_type(req, "application/json")?;
        let command = match version {
            Version::L8v2 => parse::cash_l8v2(&parse::l8v2_body(req)?)?,
            Version::V2 => parse::cash_v2(&parse::body(req)?)?,
        };
        let (account, action) = self.cash_target(tenant, &command)?;
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
                let record = Record::CreditLimit {
                    account: account.id.0,
                    transfer: receipt.id.0,
                    credit_limit,
                    at: now,
                    expires_at,
                };
                // The money has moved and its event is stored: the answer stays the truth even
                // when this note cannot be kept, and a replay then shows the current limit, as
                // it does for a note past its bound.
                if self.save(ctx, tenant, &record).is_ok() {
                    account.credit_limits.record(receipt.id, credit_limit, now, expires_at);
                }
                credit_limit
            }
            Applied::Replayed(_) => {
                account.credit_limits.get(receipt.id).unwrap_or_else(current_credit_limit)
            }
        };
        let figures = figures_with(&change.after, credit_limit);
        let cash = wire::cash::Cash {
            command: &command,
            account: &account,
            action: &action,
            receipt,
            figures,
        };
        let body = match command.version {
            Version::L8v2 => cash.l8v2(),
            Version::V2 => cash.v2(),
        };
        Ok(Response::json_bytes(StatusCode::OK, body).with_tenant(tenant))
    }

    /// The account a cash command names and its action code, once every VisionPLUS check of
    /// the pair passed.
    fn cash_target(
        &self,
        tenant: TenantId,
        command: &CashCommand<'_>,
    ) -> Result<(Arc<AccountMeta>, ActionCode), Failure> {
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
        check_organizations(command, &account)?;
        if let Some(card) = &command.card_number
            && *card != account.card_number
        {
            return Err(vpl(
                Vpl::AccountNotFound,
                format!("card {card} is not the card of account {}", account.account_number),
            ));
        }
        let action =
            org_table.action_codes.get(command.action_code.as_ref()).cloned().ok_or_else(|| {
                vpl(
                    Vpl::ActionCodeNotOnFile,
                    format!(
                        "action code {:?} is not in organization {}'s action codes",
                        command.action_code, command.asm_org
                    ),
                )
            })?;
        check_amount_and_wallet(command, &account)?;
        Ok((account, action))
    }

    /// The ledger command: a credit (cash-in) or debit (cash-out) against the outside world,
    /// keyed by reference number, account and processing day. Its metadata holds every request
    /// value the answer shows, so that the ledger's idempotency comparison tells a true repeat
    /// (which gets the first answer) from another transaction with the same reference (a
    /// conflict).
    fn transfer(
        &self,
        command: &CashCommand<'_>,
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
        // The numbers as text without a formatter or an allocation each: a write is the hot
        // path.
        let mut bufs = [(); 4].map(|()| itoa::Buffer::new());
        let [card_sequence, plan_number, plan_sequence, store_number] = &mut bufs;
        let card_sequence = card_sequence.format(wire::cash::card_sequence(command, account));
        let plan_number = plan_number.format(command.plan_number);
        let plan_sequence = plan_sequence.format(command.plan_sequence);
        let store_number = store_number.format(command.store_number);
        let metadata = Metadata::from([
            ("actionCode", command.action_code.as_ref()),
            ("api", api),
            ("authorizationCode", command.authorization_code.as_ref()),
            ("cardNumber", account.card_number.as_str()),
            ("cardSequence", card_sequence),
            ("departmentCode", command.department_code.as_ref()),
            ("description", command.description.as_ref()),
            ("effectiveDate", command.effective_date.as_ref()),
            ("insuranceCode", command.insurance_code.as_ref()),
            ("planNumber", plan_number),
            ("planSequence", plan_sequence),
            ("referenceNumber", command.reference_number.as_ref()),
            ("representativeId", command.representative_id.as_ref()),
            ("resolutionReferenceNumber", command.resolution_reference_number.as_ref()),
            ("storeNumber", store_number),
        ]);
        let mut key = String::with_capacity(
            account.account_number.len() + command.reference_number.len() + 24,
        );
        key.push_str(&account.account_number);
        key.push(':');
        match u64::try_from(now.utc_day()) {
            Ok(day) => key.push_str(itoa::Buffer::new().format(day)),
            // Before 1970: as the formatter writes it, sign and all.
            Err(_) => key.push_str(&now.utc_day().to_string()),
        }
        key.push(':');
        key.push_str(&command.reference_number);
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
    ) -> Result<Response, Failure> {
        let tenant = self.authenticate(ctx, req)?.tenant;
        self.balance_inquiry_for(ctx, req, tenant).map_err(|rejection| rejection.for_tenant(tenant))
    }

    fn balance_inquiry_for(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        tenant: TenantId,
    ) -> Result<Response, Failure> {
        parse::require_content_type(req, "application/json")?;
        let query = parse::balance_inquiry(&parse::body(req)?)?;
        if let Some(org) = query.org
            && self.state.org(tenant, org).is_none()
        {
            return Err(vpl(
                Vpl::InquiryOrgNotFound,
                format!("organization {org} is not one of this client's organizations"),
            ));
        }
        let not_found = || {
            vpl(
                Vpl::InquiryAccountNotFound,
                format!("no account or card {} for this client", query.account_number),
            )
        };
        let account = self.find(tenant, &query.account_number).ok_or_else(not_found)?;
        if let Some(org) = query.org
            && org != account.org
        {
            return Err(vpl(
                Vpl::InquiryAccountNotInOrg,
                format!(
                    "account {} is in organization {}, not {org}",
                    account.account_number, account.org
                ),
            ));
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
            account_or_card_number: query.account_number.into_owned(),
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
    ) -> Result<Response, Failure> {
        let tenant = self.authenticate(ctx, req)?.tenant;
        self.account_inquiry_for(ctx, req, tenant).map_err(|rejection| rejection.for_tenant(tenant))
    }

    fn account_inquiry_for(
        &self,
        ctx: &Ctx<'_>,
        req: &Request,
        tenant: TenantId,
    ) -> Result<Response, Failure> {
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
            vpl(Vpl::AccountInquiryNotFound, format!("no account or card {number} for this client"))
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

/// The request's organizations against the account's: `accountData.organizationNumber` (v2)
/// must be the account's, and so must the ASM organization.
fn check_organizations(command: &CashCommand<'_>, account: &AccountMeta) -> Result<(), Failure> {
    if let Some(org) = command.account_org
        && org != account.org
    {
        return Err(vpl(
            Vpl::AccountOrgMismatch,
            format!(
                "field accountData.organizationNumber: {org}, but account {} is in \
                     organization {}",
                account.account_number, account.org
            ),
        ));
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
    Ok(())
}

/// The amount's decimals and the v2 wallet against the account's currency.
fn check_amount_and_wallet(
    command: &CashCommand<'_>,
    account: &AccountMeta,
) -> Result<(), Failure> {
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
    if let Some(wallet) = &command.wallet_id
        && !wallet_matches(wallet, account.currency)
    {
        return Err(vpl(
            Vpl::NotValidForAccount,
            format!(
                "field transactionData.walletId: {wallet:?}, but account {} is in {}",
                account.account_number, account.currency
            ),
        ));
    }
    Ok(())
}
