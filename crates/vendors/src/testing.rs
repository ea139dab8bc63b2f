//! Test support shared by the vendors' pure tests: a ledger with a controllable clock, `.http`
//! fixture files, and rendering responses as text with dynamic values redacted by reference.
//!
//! A fixture holds one or more requests separated by `###` lines, each written as
//! `METHOD /path?query`, header lines, a blank line, then the body. `{{name}}` is replaced by a
//! variable the test set (an account id, a token). Requests run in order on the same state, so
//! a fixture can be a small scenario (credit, then an overdrawing debit).

#![allow(dead_code, reason = "each vendor's tests use a different part")]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use ledger::{Config, Event, Journal, JournalError, Ledger, TenantId, Timestamp};

use crate::common::ids::IdGen;
use crate::common::persist::{Captured, Recorder};
use crate::{Ctx, Request, Response, Vendor};

/// 2026-01-01T00:00:00Z, where every test's clock starts.
pub(crate) const START: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);

/// The tenant tests run as; provisioned with the well-known credentials.
pub(crate) const TENANT: TenantId = TenantId(uuid::Uuid::from_u128(1));

/// A ledger, a clock, and one vendor with the default tenant provisioned. Every ledger event
/// and vendor record is kept, so [`Harness::restarted`] can do what the server does at restart.
pub(crate) struct Harness {
    pub(crate) ledger: Ledger,
    now_micros: AtomicI64,
    pub(crate) vendor: Box<dyn Vendor>,
    pub(crate) vars: BTreeMap<String, String>,
    ids: crate::common::ids::Ids,
    events: Arc<Events>,
    records: Arc<Captured>,
}

/// The harness's ledger journal: every event, in arrival order.
#[derive(Debug, Default)]
struct Events(Mutex<Vec<Event>>);

impl Journal for Events {
    fn append(&self, event: &Event) -> Result<(), JournalError> {
        self.0.lock().unwrap().push(event.clone());
        Ok(())
    }
}

/// The seed the harness's tenant is provisioned from, the same across a restart.
const SEED: u64 = 7;

impl Harness {
    pub(crate) fn new(vendor: Box<dyn Vendor>) -> Harness {
        let events = Arc::new(Events::default());
        let ledger = Ledger::with_journal(Config::default(), events.clone());
        Harness::provisioned(vendor, ledger, events, START.as_unix_micros())
    }

    fn provisioned(
        vendor: Box<dyn Vendor>,
        ledger: Ledger,
        events: Arc<Events>,
        now_micros: i64,
    ) -> Harness {
        let ids = crate::common::ids::Ids::default();
        let generator = ids.insert(TENANT, IdGen::new(SEED, TENANT.0.as_bytes(), b"harness"));
        vendor.provision_tenant(TENANT, true, &generator);
        Harness {
            ledger,
            now_micros: AtomicI64::new(now_micros),
            vendor,
            vars: BTreeMap::new(),
            ids,
            events,
            records: Arc::new(Captured::default()),
        }
    }

    /// This harness after a restart, as the server does it from its store: the ledger rebuilt
    /// from its events, `vendor` (a fresh one of the same kind) with the tenant provisioned
    /// again from the same seed and every record restored in order, the id streams moved on,
    /// the clock where it was. Records and events made before the restart stay with the new
    /// harness, so it can restart again.
    pub(crate) fn restarted(&self, vendor: Box<dyn Vendor>) -> Harness {
        let history = self.events.0.lock().unwrap().clone();
        let events = Arc::new(Events(Mutex::new(history.clone())));
        let ledger = Ledger::replay(Config::default(), history, Some(events.clone()))
            .expect("the ledger's events replay");
        let mut harness = Harness::provisioned(vendor, ledger, events, self.now().as_unix_micros());
        for (tenant, name, record) in self.records.all() {
            assert_eq!(name, harness.vendor.name(), "a record of another vendor");
            harness.vendor.restore(tenant, &record).expect("the vendor's records restore");
            harness.records.record(tenant, name, record).unwrap();
        }
        harness.ids.of(TENANT).skip_to(1 << 40);
        harness.vars = self.vars.clone();
        harness
    }

    /// How many vendor records were made so far.
    pub(crate) fn records(&self) -> usize {
        self.records.all().len()
    }

    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.now_micros.load(Ordering::Relaxed))
    }

    pub(crate) fn advance(&self, duration: std::time::Duration) {
        let micros = i64::try_from(duration.as_micros()).unwrap();
        self.now_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Runs `f` with a [`Ctx`] on this harness's ledger and clock.
    pub(crate) fn with_ctx<T>(&self, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let clock = |_tenant: TenantId| self.now();
        let server = crate::common::ids::IdGen::random();
        let trace = crate::common::ids::Trace::new(&server, &self.ids);
        let ctx = Ctx {
            ledger: &self.ledger,
            clock: &clock,
            trace: &trace,
            ids: &self.ids,
            recorder: &*self.records,
        };
        f(&ctx)
    }

    /// Sends one request through routing (by the vendor's own table) and the handler.
    pub(crate) fn send(&self, req: Request) -> Response {
        let routes = self.vendor.routes();
        let mut router = matchit_lite::Router::default();
        for (idx, route) in routes.iter().enumerate() {
            router.insert(route.path, idx);
        }
        let Some((idx, params)) = router.find(&req.path, &req.method, routes) else {
            panic!("no route for {} {}", req.method, req.path);
        };
        let req = Request { params, ..req };
        self.with_ctx(|ctx| self.vendor.handle(ctx, idx, &req))
    }

    /// Runs every request of a fixture and renders the exchanges.
    pub(crate) fn run_fixture(&self, text: &str) -> String {
        let mut out = String::new();
        for (idx, raw) in text.split("\n###").enumerate() {
            let raw = raw.trim_start_matches('#').trim_start();
            if raw.trim().is_empty() {
                continue;
            }
            let raw = self.substitute(raw);
            let req = parse_request(&raw);
            if idx > 0 {
                out.push_str("\n###\n\n");
            }
            out.push_str(&format!("{} {}\n", req.method, req.path));
            let resp = self.send(req);
            out.push_str(&render(&resp));
        }
        Normalizer::default().apply(&out)
    }

    fn substitute(&self, text: &str) -> String {
        let mut res = text.to_string();
        for (name, value) in &self.vars {
            res = res.replace(&format!("{{{{{name}}}}}"), value);
        }
        res
    }
}

/// Parses one fixture request.
pub(crate) fn parse_request(raw: &str) -> Request {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut lines = head.lines().filter(|l| !l.trim_start().starts_with("//"));
    let request_line = lines.next().unwrap();
    let (method, target) = request_line.trim().split_once(' ').unwrap();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (target.to_string(), None),
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    Request {
        method: Method::from_bytes(method.as_bytes()).unwrap(),
        path,
        query,
        headers,
        body: Bytes::from(body.trim_end_matches('\n').to_string()),
        params: Vec::new(),
    }
}

/// Status line, content type, the `reason`, and the body bytes verbatim.
pub(crate) fn render(resp: &Response) -> String {
    let mut out = format!("HTTP {}\n", resp.status);
    for (name, value) in &resp.headers {
        out.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("<binary>")));
    }
    if let Some(reason) = &resp.reason {
        out.push_str(&format!("x-sandbank-reason: {reason}\n"));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(&resp.body));
    out.push('\n');
    out
}

/// Replaces each distinct dynamic value with a numbered placeholder, so a snapshot still shows
/// that two responses carry the same id: `<uuid:1>`, `<hex32:1>`, `<timestamp:1>`, `<jwt:1>`.
#[derive(Default)]
pub(crate) struct Normalizer {
    seen: BTreeMap<(&'static str, String), usize>,
    counts: BTreeMap<&'static str, usize>,
}

impl Normalizer {
    pub(crate) fn apply(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let bytes = text.as_bytes();
        let mut idx = 0;
        while idx < bytes.len() {
            if let Some((kind, len)) = dynamic_at(&text[idx..]) {
                let value = text[idx..idx + len].to_string();
                let n = match self.seen.get(&(kind, value.clone())) {
                    Some(n) => *n,
                    None => {
                        let count = self.counts.entry(kind).or_insert(0);
                        *count += 1;
                        self.seen.insert((kind, value), *count);
                        *count
                    }
                };
                out.push_str(&format!("<{kind}:{n}>"));
                idx += len;
            } else {
                let ch = text[idx..].chars().next().unwrap();
                out.push(ch);
                idx += ch.len_utf8();
            }
        }
        out
    }
}

/// Whether a dynamic value starts here, and how long it is.
fn dynamic_at(text: &str) -> Option<(&'static str, usize)> {
    let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let boundary_after =
        |len: usize| text[len..].chars().next().is_none_or(|c| !c.is_ascii_alphanumeric());
    if text.len() >= 36 && text.is_char_boundary(36) {
        let candidate = &text[..36];
        let dashes = [8, 13, 18, 23].iter().all(|i| candidate.as_bytes()[*i] == b'-');
        if dashes && is_hex(&candidate.replace('-', "")) && boundary_after(36) {
            return Some(("uuid", 36));
        }
    }
    if text.starts_with("eyJ") {
        let len = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
            .unwrap_or(text.len());
        if text[..len].matches('.').count() == 2 {
            return Some(("jwt", len));
        }
    }
    if text.len() >= 32 && text.is_char_boundary(32) && is_hex(&text[..32]) && boundary_after(32) {
        return Some(("hex32", 32));
    }
    // RFC 3339 / ISO 8601 date-times: 2026-01-01T00:00:00[.fff][Z|+hh:mm]
    let b = text.as_bytes();
    if b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
    {
        let len = text
            .find(|c: char| !(c.is_ascii_digit() || "-:.TZ+".contains(c)))
            .unwrap_or(text.len());
        return Some(("timestamp", len));
    }
    None
}

/// A minimal router for pure tests, mirroring the server's `matchit` routing: literal segments
/// and `{param}` segments.
mod matchit_lite {
    use http::Method;

    use crate::Route;

    #[derive(Default)]
    pub(crate) struct Router {
        patterns: Vec<(&'static str, usize)>,
    }

    impl Router {
        pub(crate) fn insert(&mut self, pattern: &'static str, idx: usize) {
            self.patterns.push((pattern, idx));
        }

        pub(crate) fn find(
            &self,
            path: &str,
            method: &Method,
            routes: &[Route],
        ) -> Option<(usize, Vec<(String, String)>)> {
            let segments: Vec<&str> = path.split('/').collect();
            for (pattern, idx) in &self.patterns {
                if routes[*idx].method != *method {
                    continue;
                }
                let parts: Vec<&str> = pattern.split('/').collect();
                if parts.len() != segments.len() {
                    continue;
                }
                let mut params = Vec::new();
                let matched = parts.iter().zip(&segments).all(|(part, segment)| {
                    if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                        params.push((name.to_string(), segment.to_string()));
                        !segment.is_empty()
                    } else {
                        part == segment
                    }
                });
                if matched {
                    return Some((*idx, params));
                }
            }
            None
        }
    }
}

#[test]
fn the_normalizer_numbers_each_distinct_value_once() {
    let text = "a 15bfc289-de75-4668-bb11-3998aadf226d b 15bfc289-de75-4668-bb11-3998aadf226d \
                c fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4 at 2026-01-01T00:00:00.123Z id 0123456789abcdef0123456789abcdef";
    assert_eq!(
        Normalizer::default().apply(text),
        "a <uuid:1> b <uuid:1> c <uuid:2> at <timestamp:1> id <hex32:1>"
    );
}
