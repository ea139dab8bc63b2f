//! FirstVision (Fiserv FirstVision LATAM, VisionPLUS behind it): cash-in / cash-out and the
//! balance reads, on the shared ledger.
//!
//! # Source
//!
//! The vendor's docs repository `Fiserv/firstvision-latam`: `reference/1.0.0/Accounts.yaml`
//! (`PUT /account/balance`, service `M.ASM.MONETARY.ACT` L8V2, the seed's call),
//! `reference/1.2.0/Accounts.yaml` and `reference/1.3.0/Accounts.yaml` (`PUT /account/v2/balance`,
//! `GET /account/v2/accounts`, `POST /account/balance/details`; the four answer schemas are the
//! same in both), the guides `main-cases/cash-in-out.md` (the seed's example
//! body), `api-reference/accessToken.md`, `api-request.md`, `response-handling.md`, `hmac.md`,
//! and the `M.ASM.MONETARY.ACT` error catalog of the Jun-2024 `FL-balance` spec. Our notes:
//! `shared/vendors/firstvision.md`.
//!
//! Routes, each also under the vendor's server prefix `/latam-gfs-apis/portal`:
//!
//! | method | path | operation |
//! |---|---|---|
//! | POST | `/token`, `/firstvision/token` | access token (client credentials) |
//! | PUT | `/account/balance` | cash-in & cash-out (L8V2) |
//! | PUT | `/account/v2/balance` | cash-in & cash-out (current successor) |
//! | POST | `/account/balance/details` | account balance inquiry (`M.CMS.BALANCE.INQ`) |
//! | GET | `/account/v2/accounts` | account information inquiry (`M.CMS.ACCOUNT.INQ` L8VI) |
//!
//! # Amount scale
//!
//! Amounts are JSON numbers in major units with the account currency's decimals (MXN 484: two),
//! read exactly from their text (`200`, `200.5`, `200.50`; numeric strings too) and never through
//! `f64`. More decimals than the currency has, more than 17 digits, exponents, negative amounts
//! and text are `VPL8SMA07E`; zero or missing is `VPL8SMA17E`. Answers write every amount with
//! exactly the currency's decimals (`200.00`).
//!
//! Balances use the VisionPLUS credit-card sign: `currentBalance` is what the holder owes, so
//! money loaded onto an account shows as a negative (credit) balance; `creditLimit` is the
//! ledger account's overdraft (`-balance_min`); `openToBuy` (`availableCreditLimit`,
//! `availableCredit`) is `creditLimit` plus the ledger's available balance.
//!
//! # Auth
//!
//! `POST /token` (form `grant_type=client_credentials`, `Authorization: Basic
//! base64(apikey:client_secret)`, optional `apikey` header) answers `{token_type: "BearerToken",
//! issued_at, client_id, access_token, expires_in: "900", status: "approved"}`. Every other call
//! needs `apikey`, `Authorization: Bearer <access_token>` (issued to that apikey, not expired in
//! the tenant's clock) and `X-ClientID`, the zero-padded organization (`00970`) of one of the
//! tenant's accounts (403 otherwise). When a `Signature` header is present it must be
//! `Base64(HMAC-SHA256(client_secret, apikey + X-Client-Request-Id + Timestamp + raw body))`, with
//! `Timestamp` (epoch ms) within five minutes of the tenant's clock and `X-Client-Request-Id`
//! (≤ 40 characters) not used in the last five minutes. Well-known test-mode credentials:
//! apikey `sandbank-firstvision-key`, secret `sandbank-firstvision-secret`.
//!
//! # Error shape
//!
//! Every answer is the documented envelope: `{"hasError": false, "errors": [], "data": {…}}` on
//! success, `{"hasError": true, "errors": [{"code", "description"}], "data": null}` on error.
//! VisionPLUS edits and business rules answer 422 with the service's code and text
//! (`VPL8SMA71E` / `ACCOUNT OTB INSUFFICIENT`); schema problems (bad JSON, wrong types,
//! lengths) 400, credentials 401, organization entitlement 403, wrong content type 415, with the
//! status number as the code (`"401"`, `"Unauthorized"`). The token answer is not wrapped.
//!
//! The error catalogue (`errors::CATALOGUE`, what fault rules name) lists each of these by its
//! VisionPLUS code or its HTTP reason in snake case (`unauthorized`), plus 429 `rate_limited`
//! and 503 `unavailable`, which only a fault rule draws, each with `Retry-After: 1` (the vendor
//! lists both statuses but documents no value), and 500 `internal` (the backend error). The
//! body shows nothing of the request, so an entry is the same bytes on every route.
//!
//! # Idempotency
//!
//! VisionPLUS documents no idempotency key. The mock treats `referenceNumber` as unique per
//! account and UTC processing day of the tenant's clock: repeating a cash-in/out with the same
//! account, reference and day returns the first answer byte for byte (its figures too, even
//! after an admin limit change) and moves no money; the same reference that day for a request
//! that differs in any value the answer shows (amount, action code, card sequence, plan, store,
//! authorization, department or insurance code, descriptions, the call's version…) is
//! `VPL8SMA34E`. Refusals are not remembered, so a declined cash-out can be retried with the
//! same reference. A new day makes the reference new.
//!
//! # Choices
//!
//! Where the vendor is silent (all marked `[inferred]` in the notes):
//! - Success bodies are wrapped in the envelope (two prose pages say so; the specs show the bare
//!   object). Business errors answer 422 on both cash-in versions (the L8V2 spec lists 300).
//! - `otbUpdateIndicator` `0` (v2 `openToBuyUpdateIndicator: true`) memo-posts a cash-in: balance
//!   and open-to-buy move now. `1` (`false`) leaves both for the day's batch: the credit is
//!   posted with next-day availability (the next UTC midnight of the tenant's clock), and until
//!   then neither `currentBalance` nor `openToBuy` includes it. Cash-outs always move both now
//!   (a mock should never let the same money be spent twice).
//! - Action codes are per organization; every organization starts with `FUND`, `8000`, `8002`,
//!   `8016` (credit, transaction code 271) and `FREV`, `8001`, `8017` (debit, 272); the admin
//!   API's `actionCodes` (`{"LOAD": "credit"}`) adds codes to the account's organization.
//!   Unknown codes are `VPL8SMA20S`.
//! - The ASM organization must be one of the tenant's organizations (`VPL8SMA17S`) and the
//!   account's (`VPL8SMA19S`); a `cardNumber` must be the account's card (`VPL8SMA15S`). Other
//!   tenants' accounts are simply not found.
//! - Ledger limits map to: per-transfer maximum → `VPL8SMA21S` (the rep limit), daily limits →
//!   `VPL8SMA73E`, maximum balance → `VPL8SMA75E`, insufficient open-to-buy → `VPL8SMA71E`,
//!   frozen → `VPL8SMA85E`, closed → `VPL8SMA54E`.
//! - Scalars are coerced as the vendor's Java service would (numbers for strings, digit strings
//!   for integers); missing required values that VisionPLUS has a code for get that code (422),
//!   other missing or malformed fields are 400.
//! - The access token lives 900 s (the text; the sample shows 1799). Token-call errors use the
//!   same envelope. Paths: the token URL is `{endpoint}/{product}/token` in the vendor's sample and
//!   `{endpoint}/token` in its prose; both `/token` and `/firstvision/token` are served.
//! - Generated identifiers: account numbers `org(3) + logo(3) + 13 digits` (default org 970,
//!   logo 401), card numbers `000` + a 16-digit Luhn-valid PAN, card sequence 1.
//! - With a store (`serve --data`), what the mock keeps beside the ledger (account identities
//!   and action codes, access tokens, signed request ids, each cash answer's credit limit) is
//!   recorded before it changes and restored at restart (`state/record.rs`): a token works
//!   after a restart until its own expiry, a request id stays used for its five minutes, a
//!   replay answers the first answer. A store that cannot write refuses the change with the
//!   backend error (500), except the credit-limit note of a cash transfer already committed:
//!   that answer stays the success it is.
//! - Oversized bodies answer 413 and body timeouts 408, in the vendor's envelope (neither is in
//!   the vendor's lists: they are what an HTTP gateway in front of it answers).
//! - A date with no value is left out of the answer, never `null`: the vendor's schemas type every
//!   date as a non-nullable string and its documents show no empty form. So L8V2's
//!   `transactionData.reversalDate`, v2's `transactionData.reviewDate`, the balance inquiry's
//!   `datePaymentDue` and `reservedData.reservedDate1`–`4` are never sent, and its
//!   `dateLastPayment` only once the account has an available credit.
//! - `GET /account/v2/accounts` answers every member of the L8VI schema, with its names and types.
//!   From the ledger: the figures, status and block code, organization, logo, currency, the
//!   opening date (also the application and credit-limit dates), the last payment (available
//!   credit) and last debit with their dates. Chosen: `customerNumber` is the account number, the
//!   card expires on the last day of the opening month five years on, `unblockedCardsNumber` is 1
//!   while the account is active. Everything else is 0, empty text or an empty list, and every
//!   other date is left out.
//!
//! # Known gaps
//!
//! - Not emulated: representatives (any 1–3 character id is accepted), plans, rep transaction
//!   counts, prepaid load limits (`VPL8SMA35E`–`45E`), monthly limits (`VPL8SMA74E`), Falcon
//!   declines (`VPL8SMA82S`), multi-wallet, dual-currency (foreign) accounts, `VPJ8SMA04S`–`08S`.
//! - v2 `isReversedMemo`, `monetarySupress`, `accountLevelByPass`, `isOpenToBuy`,
//!   `paymentAcceptIndicator`, `fraudPreventionData` and `metaData` are validated but change
//!   nothing. Memo-posted amounts are not reported separately (`memoCreditAmount` is 0).
//! - The L8VI answer's servicing data (collections, delinquency, statements, plans, fees, user
//!   fields, dual-currency figures, status-change and closing dates) is not modelled. The v2
//!   cash-in answer follows the L8V5 schema (its `account` has no `number`).
//! - Balance-inquiry (`VPL5S…`) error texts are paraphrases; the service's exact texts are
//!   not published. No switch for a bare (unwrapped) body or for requiring signatures.
//! - The ledger's receipt has no limits, so the credit limit a cash answer showed is kept beside
//!   it (per account, for the reference's retention, at most 2^18 transfers). A replay whose
//!   record is gone (past that bound, racing the first call, or not stored because the store
//!   failed just after the transfer) shows the current limit.

mod auth;
mod errors;
mod handlers;
mod parse;
mod state;
mod wire;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use ledger::{Namespace, TenantId};
use serde_json::{Map, Value};

use self::auth::Auth;
use self::errors::{Failure, FvError};
use self::state::State;
use crate::common::index::AccountIndex;
use crate::{
    AccountSpec, CatalogueEntry, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor,
};

/// What a route's handler is: one operation, answered or refused in the vendor's shape.
type Handler = fn(&FirstVision, &Ctx<'_>, &Request) -> Result<Response, Failure>;

// Operation names are the vendor's `operationId`s (the token call has none). `PUT` on the
// accounts path is the vendor's account update, which the mock does not serve: the server
// answers it with `refuse(MethodNotAllowed)`, a 405 in the vendor's shape.
routes! { Handler;
    POST "/token" "Access Token" => FirstVision::token,
    POST "/firstvision/token" "Access Token" => FirstVision::token,
    POST "/latam-gfs-apis/portal/token" "Access Token" => FirstVision::token,
    PUT "/account/balance" "Cash-in & Cash-out" => FirstVision::cash_l8v2,
    PUT "/latam-gfs-apis/portal/account/balance" "Cash-in & Cash-out" => FirstVision::cash_l8v2,
    PUT "/account/v2/balance" "Balance Update (Cash-in & Cash-out)" => FirstVision::cash_v2,
    PUT "/latam-gfs-apis/portal/account/v2/balance" "Balance Update (Cash-in & Cash-out)"
        => FirstVision::cash_v2,
    POST "/account/balance/details" "Account Balance Inquiry" => FirstVision::balance_inquiry,
    POST "/latam-gfs-apis/portal/account/balance/details" "Account Balance Inquiry"
        => FirstVision::balance_inquiry,
    GET "/account/v2/accounts" "Account Information Inquiry" => FirstVision::account_inquiry,
    GET "/latam-gfs-apis/portal/account/v2/accounts" "Account Information Inquiry"
        => FirstVision::account_inquiry,
}

/// How long a `referenceNumber` is remembered: its processing day (part of the key) plus
/// slack for a clock set back a little.
const REFERENCE_RETENTION: Duration = Duration::from_secs(26 * 3600);

/// The FirstVision vendor: credentials, VisionPLUS identities of accounts, organizations.
pub(crate) struct FirstVision {
    auth: Auth,
    index: AccountIndex,
    state: State,
    /// `referenceNumber`s, per account and processing day.
    references: Arc<Namespace>,
}

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(FirstVision {
        auth: Auth::default(),
        index: AccountIndex::default(),
        state: State::default(),
        references: Arc::new(Namespace {
            name: Cow::Borrowed("firstvision/referenceNumber"),
            remember_rejections: false,
            retention: REFERENCE_RETENTION,
        }),
    })
}

impl Vendor for FirstVision {
    fn name(&self) -> &'static str {
        "firstvision"
    }

    fn routes(&self) -> &'static [Route] {
        ROUTES
    }

    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response {
        let res = match HANDLERS.get(route) {
            Some(handler) => handler(self, ctx, req),
            None => Err(Failure::new(
                FvError::Backend,
                format!("internal: firstvision has no route {route}"),
            )),
        };
        res.unwrap_or_else(|failure| failure.into_response(()))
    }

    fn refuse(&self, refusal: Refusal, req: &Request, _trace_id: uuid::Uuid) -> Response {
        errors::refusal(refusal, req).into_response(())
    }

    fn provision_tenant(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &crate::common::ids::IdGen,
    ) -> Value {
        auth::provisioned(&self.auth.provision(tenant, well_known, ids))
    }

    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        self.open(ctx, tenant, spec)
    }

    fn reset_tenant(&self, tenant: TenantId) {
        self.index.remove_tenant(tenant);
        self.state.remove_tenant(tenant);
        self.auth.reset_tenant(tenant);
    }

    fn remove_tenant(&self, tenant: TenantId) {
        self.reset_tenant(tenant);
        self.auth.remove_tenant(tenant);
    }

    fn restore(&self, tenant: TenantId, record: &[u8]) -> Result<(), String> {
        self.restore_record(tenant, record)
    }

    fn errors(&self) -> &'static [CatalogueEntry] {
        &errors::CATALOGUE
    }

    fn render_error(
        &self,
        _ctx: &Ctx<'_>,
        name: &str,
        _req: &Request,
        tenant: Option<TenantId>,
    ) -> Option<Response> {
        // FirstVision's error body echoes nothing of the request: the same bytes on every route.
        Some(Failure::catalogued(errors::catalogued(name)?, name, tenant).into_response(()))
    }

    fn tenant_of(&self, req: &Request) -> Option<TenantId> {
        self.auth.tenant_of(req)
    }

    fn vendor_ids(&self, tenant: TenantId, account: &ledger::AccountView) -> Map<String, Value> {
        match self.state.account(tenant, account.id) {
            Some(meta) => self.ids_of(tenant, &meta),
            None => crate::common::accounts::labelled_ids(account),
        }
    }
}
