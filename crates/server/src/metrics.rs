//! `GET /metrics`: what the server is doing, in the Prometheus text format (OpenMetrics),
//! encoded by `prometheus-client`.
//!
//! Two kinds of figures. What happens on the request path (requests, latencies, faults fired,
//! store commits) is recorded as it happens, into handles resolved ahead: each route of each
//! vendor and of the admin API owns a [`Slot`], found by index, whose per-status counters and
//! latency histogram are made on first use and kept, so a request costs a few atomic
//! operations and no label hashing. What is state (tenants, accounts, the ledger's outcome
//! counts, the process) is read at scrape time into a registry made for that scrape.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::Full;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use vendors::Vendor;

use crate::App;
use crate::faults::Fired;
use crate::router::{Dispatch, Owner};

mod process;

/// Where the metrics are served: outside `/__admin`, where Prometheus looks by default.
pub(crate) const PATH: &str = "/metrics";

/// The exposition's media type (OpenMetrics 1.0, which Prometheus reads natively).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Distinct statuses a route keeps a ready counter for; rarer ones take the family's lookup.
const STATUS_SLOTS: usize = 8;

/// The `vendor` and `operation` labels of one route.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    /// A vendor's name, `admin` for the admin API, `-` for what neither serves.
    vendor: Cow<'static, str>,
    /// The vendor's operation id, the admin route's `METHOD path`, `index` for `GET /`, or
    /// `-` when no route serves the method or path.
    operation: Cow<'static, str>,
}

/// A request's answer: its status code, or none when a fault sent nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Status {
    Code(u16),
    /// A reset or a hang: the client got no status.
    None,
}

impl EncodeLabelValue for Status {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        match self {
            Status::Code(code) => EncodeLabelValue::encode(code, encoder),
            Status::None => EncodeLabelValue::encode(&"none", encoder),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    vendor: Cow<'static, str>,
    operation: Cow<'static, str>,
    status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FaultLabels {
    vendor: Cow<'static, str>,
    /// `before` or `after` the request's effects.
    phase: &'static str,
    /// What the rule did to the answer: a transport fault's name, `error` or `latency`.
    action: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The handles of one route, made on first use.
#[derive(Debug)]
struct Slot {
    labels: RouteLabels,
    /// Counters of the statuses this route answered first, each with its status.
    statuses: [OnceLock<(Status, Counter)>; STATUS_SLOTS],
    latency: OnceLock<Histogram>,
}

impl Slot {
    fn new(vendor: impl Into<Cow<'static, str>>, operation: impl Into<Cow<'static, str>>) -> Slot {
        let labels = RouteLabels { vendor: vendor.into(), operation: operation.into() };
        Slot { labels, statuses: Default::default(), latency: OnceLock::new() }
    }
}

/// Which slot answers what: the index of each owner's first slot in `Metrics::slots`.
#[derive(Debug)]
struct Layout {
    /// Per vendor, its routes' slots then one for its paths with a method it does not serve.
    vendors: Vec<usize>,
    /// The admin API's routes' slots, then one for what no admin route serves.
    admin: usize,
    index: usize,
    unserved: usize,
}

/// The server's metrics: the request path's handles and the registry they are encoded from.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    faults: Family<FaultLabels, Counter>,
    slots: Vec<Slot>,
    layout: Layout,
}

fn latency_histogram() -> Histogram {
    // 50 µs to 6.5 s: an in-memory write takes tens of microseconds, a fault may add seconds.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

impl Metrics {
    /// The request path's handles for `vendors`' routes and the admin API's.
    pub(crate) fn new(vendors: &[Box<dyn Vendor>]) -> Metrics {
        let mut slots = Vec::new();
        let mut starts = Vec::new();
        for vendor in vendors {
            starts.push(slots.len());
            slots.extend(vendor.routes().iter().map(|r| Slot::new(vendor.name(), r.operation)));
            slots.push(Slot::new(vendor.name(), "-"));
        }
        let admin = slots.len();
        for route in &crate::admin::ROUTES {
            slots.push(Slot::new("admin", format!("{} {}", route.method, route.path)));
        }
        slots.push(Slot::new("admin", "-"));
        let index = slots.len();
        slots.push(Slot::new("-", "index"));
        let unserved = slots.len();
        slots.push(Slot::new("-", "-"));
        let layout = Layout { vendors: starts, admin, index, unserved };

        let mut registry = Registry::with_prefix("sandbank");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by vendor, operation and status (none: a fault sent no answer)",
            requests.clone(),
        );
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "request_duration",
            "Time from a request's arrival to its answer being ready, by vendor and operation",
            Unit::Seconds,
            latency.clone(),
        );
        let faults = Family::<FaultLabels, Counter>::default();
        registry.register(
            "faults_fired",
            "Fault rules that fired, by vendor, phase and what they did",
            faults.clone(),
        );
        Metrics { registry, requests, latency, faults, slots, layout }
    }

    /// Registers the store's commit latency and batch size (`serve --data`).
    pub(crate) fn register_store(&mut self, store: &crate::store::Store) {
        let (seconds, rows) = store.commit_metrics();
        self.registry.register_with_unit(
            "store_commit_duration",
            "Time one group commit of the store took (write and sync)",
            Unit::Seconds,
            seconds,
        );
        self.registry.register(
            "store_commit_rows",
            "Rows written by one group commit of the store",
            rows,
        );
    }

    /// The slot of a request the router resolved to `owner`'s `dispatch`.
    pub(crate) fn slot(&self, owner: Owner, dispatch: Dispatch) -> usize {
        let (start, n_routes) = match owner {
            Owner::Vendor(idx) => {
                match (self.layout.vendors.get(idx), self.layout.vendors.get(idx + 1)) {
                    (Some(&start), Some(&next)) => (start, next - start - 1),
                    (Some(&start), None) => (start, self.layout.admin - start - 1),
                    (None, _) => return self.layout.unserved,
                }
            }
            Owner::Admin => (self.layout.admin, crate::admin::ROUTES.len()),
            Owner::Metrics => return self.layout.unserved,
        };
        match dispatch {
            Dispatch::Route(route) if route < n_routes => start + route,
            _ => start + n_routes,
        }
    }

    /// The slot of a request no route serves: `GET /` or a path nobody serves.
    pub(crate) fn unrouted(&self, index: bool) -> usize {
        if index { self.layout.index } else { self.layout.unserved }
    }

    /// Counts one answered request of `slot` and its latency: a few atomic operations once
    /// the slot has seen the status.
    pub(crate) fn observe(&self, slot: usize, status: Option<StatusCode>, took: Duration) {
        let Some(slot) = self.slots.get(slot) else {
            return;
        };
        let status = status.map_or(Status::None, |s| Status::Code(s.as_u16()));
        self.count(slot, status);
        slot.latency
            .get_or_init(|| self.latency.get_or_create_owned(&slot.labels))
            .observe(took.as_secs_f64());
    }

    fn count(&self, slot: &Slot, status: Status) {
        for cell in &slot.statuses {
            let (seen, counter) = cell.get_or_init(|| {
                let labels = RequestLabels {
                    vendor: slot.labels.vendor.clone(),
                    operation: slot.labels.operation.clone(),
                    status,
                };
                (status, self.requests.get_or_create_owned(&labels))
            });
            if *seen == status {
                counter.inc();
                return;
            }
        }
        // More distinct statuses than slots: the family's own lookup, still counted.
        let labels = RequestLabels {
            vendor: slot.labels.vendor.clone(),
            operation: slot.labels.operation.clone(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
    }

    /// Counts a fault rule that fired on a request to `vendor`.
    pub(crate) fn fault_fired(&self, vendor: &'static str, fired: &Fired) {
        let action = match (fired.transport, &fired.error) {
            (Some(transport), _) => transport.name(),
            (None, Some(_)) => "error",
            (None, None) => "latency",
        };
        let labels =
            FaultLabels { vendor: Cow::Borrowed(vendor), phase: fired.phase.name(), action };
        self.faults.get_or_create(&labels).inc();
    }
}

/// The state read at scrape time, in a registry of its own.
fn scraped(app: &App) -> Registry {
    let mut registry = Registry::with_prefix("sandbank");
    let gauge = |value: usize| {
        let gauge = Gauge::<i64>::default();
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        gauge
    };
    registry.register("tenants", "Tenants the server holds", gauge(app.tenants.len()));
    registry.register(
        "accounts",
        "Accounts of every tenant together",
        gauge(app.ledger.n_accounts()),
    );
    let outcomes = app.ledger.outcomes();
    registry.register(
        "ledger_transfers_committed",
        "Transfers, posts and voids of pending transfers the ledger committed",
        ConstCounter::new(outcomes.committed),
    );
    let refused = Family::<ReasonLabels, Counter>::default();
    for (reason, n) in outcomes.refused.iter().filter(|(_, n)| *n > 0) {
        refused.get_or_create(&ReasonLabels { reason }).inc_by(*n);
    }
    registry.register(
        "ledger_transfers_refused",
        "Transfers, posts and voids the ledger refused, by reason",
        refused,
    );
    registry.register(
        "ledger_idempotent_replays",
        "Transfers answered from an earlier outcome with the same idempotency key",
        ConstCounter::new(outcomes.replayed),
    );
    registry
}

/// The exposition of every metric.
fn render(app: &App) -> Result<String, std::fmt::Error> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode_registry(&mut text, &app.metrics.registry)?;
    prometheus_client::encoding::text::encode_registry(&mut text, &scraped(app))?;
    prometheus_client::encoding::text::encode_registry(&mut text, &process::registry())?;
    prometheus_client::encoding::text::encode_eof(&mut text)?;
    Ok(text)
}

/// Answers `/metrics`. With `serve --metrics-require-token`, only the operator's admin token
/// (the default tenant's) may read them. Scrapes are neither journaled nor logged: a scraper
/// every few seconds would bury a tenant's own requests.
pub(crate) fn answer(
    app: &App,
    dispatch: Dispatch,
    headers: &http::HeaderMap,
) -> hyper::Response<Full<Bytes>> {
    if !matches!(dispatch, Dispatch::Route(_)) {
        let mut resp = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET serves /metrics\n");
        resp.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static("GET"));
        return resp;
    }
    if app.config.metrics_require_token {
        let operator = app.default_tenant().map(|t| t.admin_token.clone());
        let token = vendors::common::auth::bearer(headers);
        if operator.is_none() || token != operator.as_deref() {
            let mut resp = plain(
                StatusCode::UNAUTHORIZED,
                "/metrics needs the operator's admin token (Authorization: Bearer …)\n",
            );
            resp.headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return resp;
        }
    }
    match render(app) {
        Ok(text) => {
            let mut resp = hyper::Response::new(Full::new(Bytes::from(text)));
            resp.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            resp
        }
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "the metrics could not be encoded\n"),
    }
}

fn plain(status: StatusCode, text: &'static str) -> hyper::Response<Full<Bytes>> {
    let mut resp = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::StatusCode;

    use super::Metrics;
    use crate::router::{Dispatch, Owner};

    /// A route answering more distinct statuses than it keeps ready counters for still counts
    /// each answer once, under its own status; a vendor path with a method it does not serve
    /// counts under `operation="-"`.
    #[test]
    fn every_status_is_counted_once_past_the_ready_slots() {
        let metrics = Metrics::new(&vendors::all());
        let route = metrics.slot(Owner::Vendor(0), Dispatch::Route(0));
        let codes: Vec<u16> = (400..400 + 2 * super::STATUS_SLOTS as u16).collect();
        for code in &codes {
            let status = StatusCode::from_u16(*code).ok();
            metrics.observe(route, status, Duration::from_micros(10));
        }
        metrics.observe(route, None, Duration::from_micros(10));
        let wrong = metrics.slot(Owner::Vendor(0), Dispatch::WrongMethod(0));
        metrics.observe(wrong, Some(StatusCode::METHOD_NOT_ALLOWED), Duration::from_micros(10));

        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &metrics.registry).unwrap();
        let vendor = vendors::all()[0].name();
        let operation = vendors::all()[0].routes()[0].operation;
        for status in codes.iter().map(u16::to_string).chain(["none".to_string()]) {
            let sample = format!(
                "sandbank_requests_total{{vendor=\"{vendor}\",operation=\"{operation}\",status=\"{status}\"}} 1\n"
            );
            assert!(text.contains(&sample), "{sample} in {text}");
        }
        let count = format!(
            "sandbank_request_duration_seconds_count{{vendor=\"{vendor}\",operation=\"{operation}\"}} {}\n",
            codes.len() + 1
        );
        assert!(text.contains(&count), "{count}");
        let wrong = format!(
            "sandbank_requests_total{{vendor=\"{vendor}\",operation=\"-\",status=\"405\"}} 1\n"
        );
        assert!(text.contains(&wrong), "{wrong}");
    }
}
