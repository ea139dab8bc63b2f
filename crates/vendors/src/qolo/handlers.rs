//! One function per Qolo operation, what the route table points at: the login, AdjustBalance,
//! and the account and wallet reads. Each gets the request after the shared checks (API
//! version, bearer token) and answers or fails in Qolo's terms.

mod views;

use http::StatusCode;
use ledger::{AccountView, IdempotencyKey, Metadata, Status, TenantId, Transfer};
use uuid::Uuid;

use self::views::number;
use super::errors::{self, Failure};
use super::parse::{self, Adjustment, BasedOn, Direction, Target};
use super::state::{self, AccountRecord, QoloBalances, Wallet};
use super::wire::{self, DateTime, Guid};
use super::{ACCOUNT_GUID, Qolo};
use crate::common::HashMap;
use crate::common::explain::{self, Refused, Units};
use crate::{Ctx, Request, Response};

/// Whether a repeated `client_reference_id` replays (same request) or is refused (different
/// request) when no `IdempotencyKey` is sent. Qolo documents the field as the transaction's
/// unique id but not what happens on a repeat; on, it catches double submissions.
const CLIENT_REFERENCE_ID_UNIQUE: bool = true;

/// The catalogue entry `name` as Qolo answers it to `req` (a fault rule's answer): a problem
/// whose `instance` is the request path and whose `traceId` is this request's trace id.
pub(crate) fn catalogued(
    ctx: &Ctx<'_>,
    name: &str,
    req: &Request,
    tenant: Option<TenantId>,
) -> Option<Response> {
    let error = errors::catalogued(name)?;
    let failure = Failure::catalogued(error, name, tenant);
    let trace_id = ctx.trace_id(tenant);
    Some(failure.into_response(errors::Scene { instance: &req.path, trace_id }))
}

/// `POST /api/{version}/auth/login`: a bearer token for the tenant whose credentials these are.
pub(crate) fn login(qolo: &Qolo, ctx: &Ctx<'_>, req: &Request) -> Result<Response, Failure> {
    parse::json_content_type(req)?;
    let login = parse::login(&req.body)?;
    let (tenant, access_token) = qolo.auth.login(ctx, &login.login_id, &login.api_key)?;
    let expires_in = u32::try_from(super::auth::TOKEN_LIFETIME.as_secs()).unwrap_or(u32::MAX);
    let body = wire::LoginResponse { access_token, token_type: "Bearer", expires_in };
    Ok(wire::ok(StatusCode::OK, &body)?.with_tenant(tenant))
}

/// `POST /api/{version}/accounts/AdjustBalance`: credits or debits the named account by the
/// request code's direction and answers the account after the change.
pub(crate) fn adjust_balance(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    parse::json_content_type(req)?;
    let header_key = parse::idempotency_key(req)?;
    let adjustment = parse::adjust_balance(&req.body)?;
    let (account_guid, record) = qolo.resolve(tenant, &adjustment)?;
    if record.currency != adjustment.currency {
        return Err(errors::bad_request(
            format!(
                "The currency {} does not match the account currency {}.",
                adjustment.currency, record.currency
            ),
            format!(
                "field currency: {} but account {account_guid} is in {}",
                adjustment.currency, record.currency
            ),
        ));
    }

    let now = ctx.now(tenant);
    let transfer = match adjustment.direction {
        Direction::Credit => {
            Transfer::credit(tenant, record.id, adjustment.amount, adjustment.currency)
        }
        Direction::Debit => {
            Transfer::debit(tenant, record.id, adjustment.amount, adjustment.currency)
        }
    }
    .with_metadata(metadata(&adjustment));
    let refused_transfer = Refused::of(&transfer);
    let reference =
        adjustment.echo.client_reference_id.as_deref().filter(|_| CLIENT_REFERENCE_ID_UNIQUE);
    // The request field the idempotency key came from, named when it is reused.
    let (transfer, key_field) = match (header_key, reference) {
        (Some(key), _) => (
            transfer.with_key(IdempotencyKey::new(qolo.idempotency.clone(), key)),
            Some("IdempotencyKey"),
        ),
        (None, Some(reference)) => (
            transfer.with_key(IdempotencyKey::new(qolo.references.clone(), reference)),
            Some("client_reference_id"),
        ),
        (None, None) => (transfer, None),
    };
    let receipt = match ctx.ledger.transfer(now, transfer) {
        Ok(applied) => applied.receipt().clone(),
        Err(err) => return Err(refused(ctx, tenant, &err, refused_transfer, key_field)),
    };
    let change = match adjustment.direction {
        Direction::Credit => receipt.credit,
        Direction::Debit => receipt.debit,
    };
    let Some(change) = change else {
        return Err(errors::internal("ledger: receipt has no account side for AdjustBalance"));
    };
    let activity = record.activity(ctx.ledger, tenant, Some(receipt.id));
    let account =
        qolo.account_object(account_guid, &record, Status::Active, change.after.into(), &activity);
    let echo = &adjustment.echo;
    let body = wire::AdjustBalanceResponse {
        client_reference_id: echo.client_reference_id.as_deref(),
        request_code: &adjustment.request_code,
        amount: number(adjustment.amount),
        currency: adjustment.currency.code(),
        description: echo.description.as_deref(),
        account_guid: Some(Guid(account_guid)),
        card_proxy: echo.card_proxy.as_deref(),
        account,
        user_guid: Guid(echo.user_guid.unwrap_or(Uuid::nil())),
        source_code: echo.source_code.as_deref(),
    };
    Ok(wire::json_answer(StatusCode::CREATED, body.to_json(record.statics.as_deref())))
}

/// A refused adjustment: the ledger's outcome in Qolo's words, and the shared sentence with the
/// figures behind it as the reason.
#[cold]
fn refused(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    err: &ledger::Error,
    transfer: Refused<'_>,
    key_field: Option<&str>,
) -> Failure {
    let transfer = match key_field {
        Some(field) => transfer.keyed_by(field),
        None => transfer,
    };
    let reason = explain::refusal(ctx, tenant, err, &transfer, Units::Major);
    match (err, key_field) {
        (ledger::Error::IdempotencyConflict, Some("client_reference_id")) => {
            errors::bad_request(errors::CLIENT_REFERENCE_ID_REUSED, reason)
        }
        _ => Failure::ledger(err, reason),
    }
}

/// What the ledger keeps with an adjustment: every echoed member, so a replay answers the same
/// and a reused key with a different request is a conflict.
///
/// The pairs sent are laid out in key order and handed over as one array: `Metadata` then sizes
/// its text once and appends each pair without a search, where inserting them one by one
/// reallocated it as it grew.
pub(super) fn metadata(adjustment: &Adjustment<'_>) -> Metadata {
    let echo = &adjustment.echo;
    let mut user_guid = Uuid::encode_buffer();
    let pairs = [
        ("card_proxy", echo.card_proxy.as_deref()),
        ("client_reference_id", echo.client_reference_id.as_deref()),
        ("description", echo.description.as_deref()),
        ("memo_code", echo.memo_code.as_deref()),
        ("operation", Some("AdjustBalance")),
        ("request_code", Some(&*adjustment.request_code)),
        ("source_code", echo.source_code.as_deref()),
        ("user_guid", echo.user_guid.map(|g| &*g.hyphenated().encode_lower(&mut user_guid))),
        ("wire_date", echo.wire_date.as_deref()),
    ];
    let mut sent = [("", ""); 9];
    let mut n_sent = 0;
    for (key, value) in pairs {
        if let (Some(value), Some(slot)) = (value, sent.get_mut(n_sent)) {
            *slot = (key, value);
            n_sent += 1;
        }
    }
    // `operation` and `request_code` are always there, so at least two.
    let [a, b, c, d, e, f, g, h, i] = sent;
    match n_sent {
        0..=2 => Metadata::from([a, b]),
        3 => Metadata::from([a, b, c]),
        4 => Metadata::from([a, b, c, d]),
        5 => Metadata::from([a, b, c, d, e]),
        6 => Metadata::from([a, b, c, d, e, f]),
        7 => Metadata::from([a, b, c, d, e, f, g]),
        8 => Metadata::from([a, b, c, d, e, f, g, h]),
        _ => Metadata::from([a, b, c, d, e, f, g, h, i]),
    }
}

impl Qolo {
    /// Copies of the named accounts' records, in opening order, with their current views;
    /// accounts the ledger no longer has are left out.
    fn accounts_now(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        guids: impl IntoIterator<Item = Uuid>,
    ) -> Vec<(Uuid, AccountRecord, AccountView)> {
        let guids: Vec<Uuid> = guids.into_iter().collect();
        let mut records: Vec<(Uuid, AccountRecord)> = self.state.read(tenant, |state| {
            let Some(state) = state else { return Vec::new() };
            guids
                .iter()
                .filter_map(|guid| state.accounts.get(guid).map(|r| (*guid, r.clone())))
                .collect()
        });
        records.sort_by_key(|(_, record)| record.seq);
        let now = ctx.now(tenant);
        records
            .into_iter()
            .filter_map(|(guid, record)| {
                let view = ctx.ledger.account(now, tenant, record.id)?;
                Some((guid, record, view))
            })
            .collect()
    }

    /// The account an adjustment names, with its guid and details.
    fn resolve(
        &self,
        tenant: TenantId,
        adjustment: &Adjustment<'_>,
    ) -> Result<(Uuid, AccountRecord), Failure> {
        self.state.read(tenant, |state| {
            let by_guid = |guid: Uuid, how: &str| {
                let mut text = Uuid::encode_buffer();
                let text = guid.hyphenated().encode_lower(&mut text);
                let known = self.index.get(tenant, ACCOUNT_GUID, text);
                let record = state.and_then(|s| s.accounts.get(&guid));
                match (known, record) {
                    (Some(_), Some(record)) => Ok((guid, record.clone())),
                    _ => Err(errors::not_found(
                        "Account not found.",
                        format!("{how}: no account {guid} in this tenant"),
                    )),
                }
            };
            match &adjustment.target {
                Target::AccountGuid(guid) => by_guid(*guid, "field account_guid"),
                Target::AccountObject(guid) => by_guid(*guid, "field account.account_guid"),
                Target::CardProxy(proxy) => {
                    let wallet =
                        state.and_then(|s| s.cards.get(&**proxy).and_then(|w| s.wallets.get(w)));
                    let Some(wallet) = wallet else {
                        return Err(errors::not_found(
                            "Card not found.",
                            format!("field card_proxy: no card {proxy:?} in this tenant"),
                        ));
                    };
                    let found = wallet.accounts.iter().find_map(|guid| {
                        state
                            .and_then(|s| s.accounts.get(guid))
                            .filter(|record| record.currency == adjustment.currency)
                            .map(|record| (*guid, record.clone()))
                    });
                    found.ok_or_else(|| {
                        errors::not_found(
                            "Account not found.",
                            format!(
                                "field card_proxy: the card's wallet has no {} account",
                                adjustment.currency
                            ),
                        )
                    })
                }
            }
        })
    }
}

pub(crate) fn get_account(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let text = req.param("account_guid").unwrap_or_default();
    let guid = parse::guid_param("account_guid", text)?;
    let found = qolo.accounts_now(ctx, tenant, [guid]);
    let Some((guid, record, view)) = found.first() else {
        return Err(errors::not_found(
            "Account not found.",
            format!("path account_guid: no account {guid} in this tenant"),
        ));
    };
    wire::ok(StatusCode::OK, &qolo.account_dto(ctx, tenant, *guid, record, view))
}

pub(crate) fn search_accounts(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let person_guid = parse::guid_query(req, "person_guid")?;
    let wallet_guid = parse::guid_query(req, "wallet_guid")?;
    if person_guid.is_none() && wallet_guid.is_none() {
        return Err(errors::field(
            "person_guid",
            "At least one of person_guid or wallet_guid is required.",
        ));
    }
    let guids: Vec<Uuid> = qolo.state.read(tenant, |state| {
        let Some(state) = state else { return Vec::new() };
        state
            .wallets
            .iter()
            .filter(|(guid, wallet)| {
                wallet_guid.is_none_or(|w| w == **guid)
                    && person_guid.is_none_or(|p| p == wallet.person_guid)
            })
            .flat_map(|(_, wallet)| wallet.accounts.iter().copied())
            .collect()
    });
    let found = qolo.accounts_now(ctx, tenant, guids);
    let data: Vec<_> = found
        .iter()
        .map(|(guid, record, view)| qolo.account_dto(ctx, tenant, *guid, record, view))
        .collect();
    wire::ok(StatusCode::OK, &wire::SearchResponse::one_page(data, false))
}

pub(crate) fn accounts_by_program(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let text = req.param("program_guid").unwrap_or_default();
    let program = parse::guid_param("program_guid", text)?;
    let query = parse::program_query(req)?;
    let default_program = qolo.auth.credentials(tenant).map(|c| c.program_guid);
    let (known, holders) = qolo.state.read(tenant, |state| {
        let Some(state) = state else {
            return (default_program == Some(program), HashMap::default());
        };
        let known = default_program == Some(program) || state.has_program(program);
        // Account guid → the wallet's holder and wallet id.
        let holders: HashMap<Uuid, (Uuid, String)> = state
            .wallets
            .values()
            .filter(|wallet| wallet.program_guid == program)
            .flat_map(|wallet| {
                wallet
                    .accounts
                    .iter()
                    .map(|guid| (*guid, (wallet.person_guid, wallet.wallet_id.clone())))
            })
            .collect();
        (known, holders)
    });
    if !known {
        return Err(errors::not_found(
            "Program not found.",
            format!("path program_guid: no program {program} in this tenant"),
        ));
    }
    let found = qolo.accounts_now(ctx, tenant, holders.keys().copied());
    let mut rows: Vec<_> = found
        .iter()
        .filter_map(|(guid, record, view)| {
            let balances = QoloBalances::from(view.balances);
            let key = match query.based_on {
                BasedOn::Ledger => balances.ledger,
                BasedOn::Available => balances.available,
            };
            let status = state::status_name(view.status);
            let keep =
                (query.include_negative_balances || !key.is_sign_negative() || key.is_zero())
                    && query.account_status.is_none_or(|wanted| wanted == status);
            keep.then_some((key, guid, record, balances, status))
        })
        .collect();
    // Stable sort: equal balances stay in opening order.
    rows.sort_by(|a, b| if query.descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
    let has_more = rows.len() > query.count;
    rows.truncate(query.count);
    let data: Vec<_> = rows
        .into_iter()
        .filter_map(|(_, guid, record, balances, status)| {
            let (person, wallet_id) = holders.get(guid)?;
            Some(wire::ProgramAccount {
                account_guid: Guid(*guid),
                wallet_guid: Guid(record.wallet_guid),
                account_currency: record.currency.code(),
                account_name: &record.account_name,
                account_type: record.account_type,
                available_balance: number(balances.available),
                ledger_balance: number(balances.ledger),
                suspense_balance: number(balances.suspense),
                account_status: status,
                person_info: wire::PersonInfo::holder(Guid(*person), wallet_id),
            })
        })
        .collect();
    let count = data.len();
    let body = wire::ProgramAccountsResponse {
        cache_utcdate: DateTime(ctx.now(tenant)),
        count,
        start_index: usize::from(count > 0),
        end_index: count,
        has_more,
        data,
    };
    wire::ok(StatusCode::OK, &body)
}

pub(crate) fn get_wallet(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let text = req.param("wallet_guid").unwrap_or_default();
    let guid = parse::guid_param("wallet_guid", text)?;
    let wallet = qolo.state.read(tenant, |state| state?.wallets.get(&guid).cloned());
    let Some(wallet) = wallet else {
        return Err(errors::not_found(
            "Wallet not found.",
            format!("path wallet_guid: no wallet {guid} in this tenant"),
        ));
    };
    let accounts = qolo.accounts_now(ctx, tenant, wallet.accounts.iter().copied());
    wire::ok(StatusCode::OK, &qolo.wallet_dto(ctx, tenant, guid, &wallet, &accounts))
}

pub(crate) fn search_wallets(
    qolo: &Qolo,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let card_proxy = req.query_param("card_proxy").filter(|v| !v.is_empty());
    let client_reference_id = req.query_param("client_reference_id").filter(|v| !v.is_empty());
    let person_guid = parse::guid_query(req, "person_guid")?;
    let account_guid = parse::guid_query(req, "account_guid")?;
    let wallet_guid = parse::guid_query(req, "wallet_guid")?;
    let instrument_guid = parse::guid_query(req, "account_instrument_guid")?;
    let no_criteria = card_proxy.is_none()
        && client_reference_id.is_none()
        && person_guid.is_none()
        && account_guid.is_none()
        && wallet_guid.is_none()
        && instrument_guid.is_none();
    if no_criteria {
        return Err(errors::field(
            "card_proxy",
            "At least one search criteria is required: card_proxy, client_reference_id, \
             person_guid, account_guid, wallet_guid or account_instrument_guid.",
        ));
    }
    let mut found: Vec<(Uuid, Wallet)> = qolo.state.read(tenant, |state| {
        let Some(state) = state else { return Vec::new() };
        state
            .wallets
            .iter()
            .filter(|(guid, wallet)| {
                // sandbank keeps no persons' reference ids and no account instruments, so
                // those criteria match nothing.
                client_reference_id.is_none()
                    && instrument_guid.is_none()
                    && wallet_guid.is_none_or(|w| w == **guid)
                    && person_guid.is_none_or(|p| p == wallet.person_guid)
                    && account_guid.is_none_or(|a| wallet.accounts.contains(&a))
                    && card_proxy
                        .as_deref()
                        .is_none_or(|c| wallet.cards.iter().any(|card| card.proxy == c))
            })
            .map(|(guid, wallet)| (*guid, wallet.clone()))
            .collect()
    });
    if found.is_empty() {
        return Err(errors::not_found(
            "Wallet not found.",
            "query: no wallet of this tenant matches the search criteria",
        ));
    }
    found.sort_by_key(|(_, wallet)| wallet.seq);
    let per_wallet: Vec<_> = found
        .iter()
        .map(|(_, wallet)| qolo.accounts_now(ctx, tenant, wallet.accounts.iter().copied()))
        .collect();
    let data: Vec<wire::WalletDto<'_>> = found
        .iter()
        .zip(&per_wallet)
        .map(|((guid, wallet), accounts)| qolo.wallet_dto(ctx, tenant, *guid, wallet, accounts))
        .collect();
    wire::ok(StatusCode::OK, &wire::SearchResponse::one_page(data, false))
}
