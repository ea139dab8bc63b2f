//! The read operations: an account's balances, its details, its ledger entries page by page.

use http::StatusCode;
use ledger::{AccountView, Direction, Entry, EntryKind, Status, TenantId};
use uuid::Uuid;

use super::{Clowd9, account, minor};
use crate::clowd9::errors::{Clowd9Error, Failure};
use crate::clowd9::parse;
use crate::clowd9::state::AccountEntry;
use crate::clowd9::wire::{
    AccountDetails, CurrencyNumeric, GetAccountBalanceResponse, GetAccountResponse,
    GetLedgerEntriesResponse, LedgerEntry, MinorText, Text, TraceHex, time,
};
use crate::{Ctx, Request, Response};

/// History entries read per ledger-entries request at most, so a narrow date filter over a long
/// history stays bounded; the page then ends early with a `next_page_token`.
const ENTRIES_SCANNED_MAX: usize = 10_000;

/// `GET /v1/accounts/{account_id}/balances`.
pub(in crate::clowd9) fn get_account_balance(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    super::rpc(path_view(clowd9, ctx, tenant, req).map(|(_, view)| {
        let currency = view.currency;
        Response::json(
            StatusCode::OK,
            &GetAccountBalanceResponse {
                actual_balance: MinorText(minor(view.balances.posted, currency)),
                available_balance: MinorText(minor(view.balances.available, currency)),
                overdraft_value: MinorText(minor(-view.limits.balance_min, currency)),
                authorized: MinorText(minor(view.balances.pending_debits, currency)),
                trace_id: TraceHex(ctx.trace_id(Some(tenant))),
            },
        )
    }))
}

/// `GET /v1/accounts/{account_id}`.
pub(in crate::clowd9) fn get_account(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    super::rpc(path_view(clowd9, ctx, tenant, req).map(|(account_id, view)| {
        let currency = view.currency;
        let label = |name: &str| view.labels.get(name).map(String::as_str);
        let details = AccountDetails {
            account_id: Text(account_id.hyphenated()),
            account_profile_id: label("account_profile_id").unwrap_or_default(),
            main_account_id: label("main_account_id"),
            account_name: label("account_name").unwrap_or_default(),
            account_status: status_text(view.status),
            account_currency_code: Text(CurrencyNumeric(currency.numeric())),
            account_currency: currency.code(),
            account_type: "single",
            multi_currency: "n",
            external_id: label("external_id").unwrap_or_default(),
            actual_balance: minor(view.balances.posted, currency),
            available_balance: minor(view.balances.available, currency),
            overdraft_value: MinorText(minor(-view.limits.balance_min, currency)),
            authorized: MinorText(minor(view.balances.pending_debits, currency)),
            trace_id: TraceHex(ctx.trace_id(Some(tenant))),
        };
        Response::json(StatusCode::OK, &GetAccountResponse { account_details: [details] })
    }))
}

/// `GET /v1/accounts/{account_id}/ledger-entries`.
pub(in crate::clowd9) fn get_ledger_entries_for_account(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Response {
    super::rpc(ledger_entries(clowd9, ctx, tenant, req))
}

fn ledger_entries(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<Response, Failure> {
    let (account_id, account) = path_account(clowd9, tenant, req)?;
    let query = parse::entries_query(req)?;
    let (entries, next) = collect_entries(ctx, tenant, account_id, account, &query)?;
    let rows: Vec<LedgerEntry<'_>> =
        entries.iter().map(|entry| ledger_row(account_id, account.currency, entry)).collect();
    let count = rows.len();
    Ok(Response::json(
        StatusCode::OK,
        &GetLedgerEntriesResponse {
            accounts: rows,
            next_page_token: next
                .map(|position| parse::page_token(query.order, position))
                .unwrap_or_default(),
            count: Text(count),
            trace_id: TraceHex(ctx.trace_id(Some(tenant))),
        },
    ))
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Frozen => "freeze",
        Status::Closed => "closed",
    }
}

/// The `{account_id}` path parameter, validated and resolved.
fn path_account(
    clowd9: &Clowd9,
    tenant: TenantId,
    req: &Request,
) -> Result<(Uuid, AccountEntry), Failure> {
    let text = req.param("account_id").unwrap_or_default();
    let account_id = parse::uuid(text, "account_id")?;
    Ok((account_id, account(clowd9, tenant, account_id)?))
}

/// The path's account as the ledger shows it now.
fn path_view(
    clowd9: &Clowd9,
    ctx: &Ctx<'_>,
    tenant: TenantId,
    req: &Request,
) -> Result<(Uuid, AccountView), Failure> {
    let (account_id, account) = path_account(clowd9, tenant, req)?;
    let view = ctx
        .ledger
        .account(ctx.now(tenant), tenant, account.id)
        .ok_or_else(|| gone_from_the_ledger(account_id))?;
    Ok((account_id, view))
}

fn gone_from_the_ledger(account_id: Uuid) -> Failure {
    Failure::new(
        Clowd9Error::AccountNotFound,
        format!("account {account_id}: indexed but gone from the ledger"),
    )
}

/// Walks history from the query's cursor in its order, keeping entries inside the time window,
/// until `limit` are found, history ends, or [`ENTRIES_SCANNED_MAX`] were read. Returns them
/// and the history position to resume from, if anything is left.
fn collect_entries(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    account_id: Uuid,
    account: AccountEntry,
    query: &parse::EntriesQuery,
) -> Result<(Vec<Entry>, Option<u64>), Failure> {
    let mut found = Vec::new();
    let mut cursor = query.cursor;
    let mut n_scanned = 0;
    // The first read asks for just a page's worth (all of it when nothing is filtered out);
    // later reads, needed only when the time window skips entries, take the ledger's most.
    let mut n_wanted = query.limit;
    loop {
        let page = ctx
            .ledger
            .entries(tenant, account.id, cursor, n_wanted, query.order)
            .ok_or_else(|| gone_from_the_ledger(account_id))?;
        let n_page = page.entries.len();
        // The absolute history index of the page's first entry, and the step between entries:
        // oldest-first pages count up from the cursor, newest-first pages count down to the
        // next cursor (see `ledger::Ledger::entries`).
        let (first, step): (i128, i128) = match query.order {
            ledger::Order::OldestFirst => (i128::from(cursor.map_or(0, |c| c.0)), 1),
            ledger::Order::NewestFirst => {
                let start = page.next.map_or(0, |c| c.0);
                (i128::from(start) + i128::try_from(n_page).unwrap_or(0) - 1, -1)
            }
        };
        for (idx, entry) in page.entries.into_iter().enumerate() {
            n_scanned += 1;
            let at = entry.at.as_unix_micros();
            if (query.from_micros..query.to_micros).contains(&at) {
                found.push(entry);
            }
            let more = idx + 1 < n_page || page.next.is_some();
            if more && (found.len() == query.limit || n_scanned >= ENTRIES_SCANNED_MAX) {
                let position = first + step * i128::try_from(idx).unwrap_or(0);
                // Resume after this entry: one further on for oldest-first; for newest-first
                // the cursor is the exclusive end, i.e. this entry's own index.
                let resume = match query.order {
                    ledger::Order::OldestFirst => position + 1,
                    ledger::Order::NewestFirst => position,
                };
                return Ok((found, u64::try_from(resume).ok()));
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((found, None)),
        }
        n_wanted = ledger::PAGE_ENTRIES_MAX;
    }
}

/// One history entry as a Clowd9 ledger entry row.
fn ledger_row(account_id: Uuid, currency: ledger::Currency, entry: &Entry) -> LedgerEntry<'_> {
    let meta = |key: &str| entry.metadata.as_deref().and_then(|metadata| metadata.get(key));
    let magnitude = minor(entry.amount, currency);
    let raises = match (entry.kind, entry.direction) {
        (EntryKind::PendingVoided, Direction::Debit) => true,
        (EntryKind::PendingVoided, Direction::Credit) => false,
        (_, direction) => direction == Direction::Credit,
    };
    let balance_type = match entry.kind {
        EntryKind::Posted | EntryKind::PendingPosted => "Actual",
        EntryKind::Pending | EntryKind::PendingVoided => "Available",
    };
    let entry_type = meta(parse::meta::ENTRY_TYPE);
    LedgerEntry {
        account_id: Text(account_id.hyphenated()),
        amount: MinorText(if raises { magnitude } else { -magnitude }),
        balance_type,
        date_time: Text(time::DateTime(entry.at)),
        entry_source: if entry_type.is_some() { "API" } else { "Sandbank" },
        entry_type: entry_type.or_else(|| meta("description")).unwrap_or("adjustment"),
        reference: meta(parse::meta::REFERENCE).unwrap_or_default(),
        reference_id: meta(parse::meta::REFERENCE_ID).unwrap_or_default(),
        reference_name: meta(parse::meta::REFERENCE_NAME).unwrap_or_default(),
    }
}
