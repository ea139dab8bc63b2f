//! The five vendors' APIs as plain functions from a fully read request to a response, on the
//! shared ledger. Sans-IO: no socket, no task, no clock — the server passes `now` in through
//! [`Ctx`].
//!
//! Each vendor is one folder (`firstvision`, `clowd9`, `amlyze`, `qolo`, `pcaasa`) owning its wire
//! types, parsing, auth, error mapping and per-tenant state, and exposing a [`Vendor`]. Code used
//! by two or more vendors lives in [`common`].

#![warn(clippy::unwrap_used, clippy::expect_used)]
// a request must never panic the server
// Functions stay under 100 lines; a test may read top to bottom as one scenario. The lib's own
// (non-test) build still checks every production function.
#![cfg_attr(test, allow(clippy::too_many_lines, reason = "a test reads as one scenario"))]

/// Declares a vendor's route table, each entry carrying its handler: `ROUTES` (what the server
/// mounts and [`Vendor::routes`] returns) and `HANDLERS` (what [`Vendor::handle`] calls by the
/// route's index). One list makes both, so a route cannot lose its handler or get another's.
///
/// ```ignore
/// routes! { Handler;
///     POST "/v1/auth" "AuthenticateApi" => handlers::authenticate_api,
/// }
/// ```
macro_rules! routes {
    ($handler:ty; $($method:ident $path:literal $operation:literal => $handle:expr),+ $(,)?) => {
        /// Every route, in the order the server mounts them.
        pub(crate) static ROUTES: &[$crate::Route] = &[$($crate::Route {
            method: ::http::Method::$method,
            path: $path,
            operation: $operation,
        }),+];

        /// Each route's handler, at its route's index in [`ROUTES`].
        static HANDLERS: &[$handler] = &[$($handle),+];
    };
}

pub mod common;
#[cfg(test)]
mod testing;

/// Lists each vendor's module in [`NAMES`] and [`all`]: the one registry the server, its admin
/// API and the command line learn the vendor set from. (The modules are declared outside the
/// macro: rustfmt does not follow a `mod` declared inside one, and left them unformatted.)
macro_rules! registry {
    ($($vendor:ident),+ $(,)?) => {

        /// Every vendor's name, in the registry's order (the order the server mounts them).
        pub const NAMES: &[&str] = &[$(stringify!($vendor)),+];

        /// Every vendor, in the registry's order.
        pub fn all() -> Vec<Box<dyn Vendor>> {
            vec![$($vendor::vendor()),+]
        }
    };
}

// The registry: a vendor is its folder (a module named as `Vendor::name` answers), its `mod`
// line and one word in `registry!`.
pub mod amlyze;
pub mod clowd9;
pub mod firstvision;
pub mod pcaasa;
pub mod qolo;
registry!(firstvision, clowd9, amlyze, qolo, pcaasa);

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use ledger::{Ledger, TenantId, Timestamp};
use rust_decimal::Decimal;

pub use crate::common::accounts::{AccountSpec, OpenedAccount};

/// A request as the server read it: method, path, query, headers and the whole body.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// The path, without the query string.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Every header as sent.
    pub headers: HeaderMap,
    /// The body, read in full (the server enforces the size limit first).
    pub body: Bytes,
    /// Path parameters captured by the route pattern (`{account_id}` → value), in order.
    pub params: Vec<(String, String)>,
}

impl Request {
    /// A captured path parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// A header's value as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// A query-string parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// A response with what the server needs to journal and log it.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// Headers (content type and any vendor headers).
    pub headers: HeaderMap,
    /// The body bytes, exactly as the vendor would send them.
    pub body: Bytes,
    /// The tenant the request was authenticated as, if it got that far.
    pub tenant: Option<TenantId>,
    /// For a non-2xx answer, the rule that fired, in one line: which field, which limit, which
    /// auth check. Sent as `X-Sandbank-Reason` and kept in the request journal.
    pub reason: Option<String>,
}

impl Response {
    /// A JSON response from already-serialized bytes.
    pub fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Response { status, headers, body: body.into(), tenant: None, reason: None }
    }

    /// A JSON response, serialized in the struct's field order.
    pub fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
        // Every success body fits (FirstVision's, the largest, is ~1.4 KiB): growing from
        // empty reallocated four or five times per response.
        let mut bytes = Vec::with_capacity(2048);
        match serde_json::to_writer(&mut bytes, body) {
            Ok(()) => Response::json_bytes(status, bytes),
            // Serializing our own wire structs cannot fail (no maps with non-string keys).
            Err(err) => Response::json_bytes(StatusCode::INTERNAL_SERVER_ERROR, Vec::new())
                .with_reason(format!("internal: response serialization failed: {err}")),
        }
    }

    /// An empty-bodied response.
    pub fn empty(status: StatusCode) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            tenant: None,
            reason: None,
        }
    }

    /// The same response, attributed to `tenant`.
    pub fn with_tenant(mut self, tenant: TenantId) -> Response {
        self.tenant = Some(tenant);
        self
    }

    /// The same response, with the rule that fired.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Response {
        self.reason = Some(reason.into());
        self
    }

    /// The same response with one more header. Invalid header text is dropped, not panicked on.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Response {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(name, value);
        }
        self
    }
}

/// One route a vendor serves. `path` uses `matchit` syntax: `/v1/accounts/{account_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path pattern.
    pub path: &'static str,
    /// The operation's name, as the spec's `operationId` (journal, logs, the index page).
    pub operation: &'static str,
}

/// Problems the server finds before a vendor sees the request; the vendor renders each in its
/// own error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The path matched this vendor's table but not with this method.
    MethodNotAllowed,
    /// The body is over the server's size limit.
    PayloadTooLarge {
        /// The limit.
        limit_bytes: usize,
    },
    /// The client did not send the body in time.
    BodyTimeout,
    /// A bug: the handler panicked or an invariant broke. The ledger is unchanged.
    Internal,
    /// The store cannot write (disk full, read-only, I/O error): the request's changes were not
    /// made durable, so it is not acknowledged. Reads keep working.
    Unavailable,
}

/// One entry of a vendor's error catalogue: an error the vendor documents, by the name a fault
/// rule gives it (`"error": "…"`), as `GET /__admin/vendors/{vendor}/errors` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CatalogueEntry {
    /// The vendor's own code where it has one (`VPL0004`, `O-0004`, `INSUFFICIENT_FUNDS`), else
    /// its published reason in snake case (`insufficient_balance`).
    pub name: &'static str,
    /// The HTTP status it is answered with.
    pub status: u16,
    /// What it tells the client, in one sentence an integrator can act on.
    pub meaning: &'static str,
}

/// The catalogue names every vendor answers, whatever its own codes: the failures any API
/// suffers in production, each drawn in the vendor's own error shape.
pub mod outage {
    /// 503: the vendor is down or overloaded (`Retry-After` where the vendor sends one).
    pub const UNAVAILABLE: &str = "unavailable";
    /// 429: too many requests (`Retry-After` where the vendor sends one).
    pub const RATE_LIMITED: &str = "rate_limited";
    /// 500: the vendor failed inside.
    pub const INTERNAL: &str = "internal";
    /// Every name above.
    pub const ALL: [&str; 3] = [UNAVAILABLE, RATE_LIMITED, INTERNAL];
}

/// What a vendor handler gets besides the request.
pub struct Ctx<'a> {
    /// The one ledger of every tenant.
    pub ledger: &'a Ledger,
    /// Each tenant's current time (virtual clocks live in the server).
    pub clock: &'a (dyn Fn(TenantId) -> Timestamp + Sync),
    /// This request's trace id, fixed the first time it is asked for ([`Ctx::trace_id`]).
    pub trace: &'a common::ids::Trace<'a>,
    /// Every tenant's id generator: vendors draw every id they make from it.
    pub ids: &'a common::ids::Ids,
    /// Where vendor-side state changes are recorded before they are applied
    /// ([`common::persist`]).
    pub recorder: &'a dyn common::persist::Recorder,
}

impl Ctx<'_> {
    /// This request's trace id, as the server logs and sends it. The first call fixes it:
    /// drawn from `tenant`'s own stream once the request's tenant is known, so another
    /// tenant's traffic never shifts it; from the server's stream for an answer given before.
    pub fn trace_id(&self, tenant: Option<TenantId>) -> uuid::Uuid {
        self.trace.id(tenant)
    }

    /// `tenant`'s current time.
    pub fn now(&self, tenant: TenantId) -> Timestamp {
        (self.clock)(tenant)
    }

    /// `tenant`'s id generator.
    pub fn ids(&self, tenant: TenantId) -> std::sync::Arc<common::ids::IdGen> {
        self.ids.of(tenant)
    }

    /// Records one change of `vendor`'s state for `tenant` before it is applied
    /// ([`common::persist::record`]).
    pub fn record<R: serde::Serialize>(
        &self,
        tenant: TenantId,
        vendor: &'static str,
        record: &R,
    ) -> Result<(), common::persist::Unstored> {
        common::persist::record(self.recorder, tenant, vendor, record)
    }
}

/// One vendor's API.
pub trait Vendor: Send + Sync {
    /// The one-word name: `clowd9`.
    fn name(&self) -> &'static str;

    /// Every route this vendor serves; the server mounts them all on one port.
    fn routes(&self) -> &'static [Route];

    /// Answers one request that matched `routes()[route]`: the route's handler, found by index.
    fn handle(&self, ctx: &Ctx<'_>, route: usize, req: &Request) -> Response;

    /// Renders a problem the server found, in this vendor's error shape; `trace_id` is the one
    /// the server logs and sends back, for vendors whose bodies carry a trace id.
    fn refuse(&self, refusal: Refusal, req: &Request, trace_id: uuid::Uuid) -> Response;

    /// Creates `tenant`'s credentials for this vendor and returns them as JSON for the admin
    /// API and the start-up banner. `well_known` gives the documented default-tenant values;
    /// any other credential comes from `ids`, the tenant's generator.
    fn provision_tenant(
        &self,
        tenant: TenantId,
        well_known: bool,
        ids: &common::ids::IdGen,
    ) -> serde_json::Value;

    /// Opens an account for this vendor (admin API): in the ledger, with its opening balance,
    /// and in this vendor's own indexes under its own identifiers (given ones or generated).
    fn open_account(
        &self,
        ctx: &Ctx<'_>,
        tenant: TenantId,
        spec: &AccountSpec,
    ) -> Result<OpenedAccount, String>;

    /// Vendor-side state of an account that the ledger does not hold (AMLYZE's balance
    /// snapshots), shown by the admin API's account read; `None` when there is none.
    fn inspect_account(
        &self,
        _tenant: TenantId,
        _account: ledger::AccountId,
    ) -> Option<serde_json::Value> {
        None
    }

    /// The identifiers `account` is addressed by, in this vendor's names and JSON types, as
    /// its opening answered them: the admin API shows these on every read of the account. By
    /// default, the account's labels (text) without the vendor's name.
    fn vendor_ids(
        &self,
        _tenant: TenantId,
        account: &ledger::AccountView,
    ) -> serde_json::Map<String, serde_json::Value> {
        common::accounts::labelled_ids(account)
    }

    /// Forgets `tenant`'s vendor-side state (accounts' identifiers, snapshots, replays). The
    /// tenant's credentials survive, so clients keep working after a reset.
    fn reset_tenant(&self, tenant: TenantId);

    /// Forgets everything of `tenant`, its credentials and issued tokens included: the tenant
    /// is being deleted, and its credentials must stop working.
    fn remove_tenant(&self, tenant: TenantId);

    /// Every error this vendor documents, by name, with the three [`outage`] names among them.
    fn errors(&self) -> &'static [CatalogueEntry];

    /// `name`'s error (one of [`Vendor::errors`]) exactly as this vendor answers it to `req`:
    /// status, headers and body, with whatever the body echoes of the request (its path, its
    /// account, a trace id from `ctx`). `None` for a name not in the catalogue.
    fn render_error(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        req: &Request,
        tenant: Option<TenantId>,
    ) -> Option<Response>;

    /// The tenant whose credentials `req` carries (token, key, session), read without changing
    /// anything: no token issued, no session renewed, no request id kept. An expired or
    /// revoked credential still names its tenant; `None` when the request carries none this
    /// vendor knows.
    fn tenant_of(&self, req: &Request) -> Option<TenantId>;

    /// Folds back one record this vendor made through [`Ctx::record`] (at restart, in the order
    /// recorded, after the ledger is rebuilt and the tenant re-provisioned). `Err` names what is
    /// wrong with the record; the store refuses to open rather than serve half a state.
    fn restore(&self, tenant: TenantId, record: &[u8]) -> Result<(), String>;
}

/// Largest request body the server reads, for every vendor.
pub const REQUEST_BODY_BYTES_MAX: usize = 64 * 1024;

/// Renders a decimal with exactly `scale` fractional digits (`100` → `"100.00"`).
pub fn format_scaled(amount: Decimal, scale: u32) -> String {
    let mut shown = amount;
    shown.rescale(scale);
    shown.to_string()
}

#[cfg(test)]
mod registry_tests {
    /// A module named as its vendor answers `name()`: the server's `--vendor` values, its
    /// routes and the admin API's `vendor` field all come from one list.
    #[test]
    fn the_registry_names_each_vendor_as_it_names_itself() {
        let named: Vec<&str> = super::all().iter().map(|vendor| vendor.name()).collect();
        assert_eq!(named, super::NAMES);
    }
}
