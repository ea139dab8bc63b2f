//! The HTTP edge: accepting connections, reading requests within limits and timeouts,
//! dispatching to the admin API or a vendor, and writing, journaling and logging the answer.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use vendors::common::ids::Trace;
use vendors::{Ctx, Refusal, Request, Response, Vendor};

mod faulted;
mod transport;

use crate::faults::Fired;
use crate::index::ADMIN_BASE_PATH;
use crate::journal::{ExchangeText, JournalEntry, JournalFault};
use crate::router::{self, Dispatch, Endpoint, Owner};
use crate::store::Store;
use crate::tenants::DEFAULT_TENANT;
use crate::{App, Config, ServerError};

/// Sent on every answer; a `HeaderName` constant, not a string parsed per request.
const TRACE_ID_HEADER: http::HeaderName = http::HeaderName::from_static("x-sandbank-trace-id");
/// Sent on every non-2xx answer: the rule that fired.
const REASON_HEADER: http::HeaderName = http::HeaderName::from_static("x-sandbank-reason");

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A bound, not yet running server: one listening socket per core, all on the same port.
///
/// Why per core: each socket is served by its own single-threaded runtime on its own OS thread
/// (`SO_REUSEPORT` spreads connections across them), so a connection's task never hops
/// threads and no worker wakes another. Under 64-connection load this beat tokio's
/// work-stealing runtime on this 2-core machine (see `bench/run.py`).
pub struct Server {
    listeners: Vec<std::net::TcpListener>,
    app: Arc<App>,
}

/// How many serving threads: one per available core.
fn n_serving_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 64)
}

/// How many connections wait to be accepted on each socket.
const LISTEN_BACKLOG: i32 = 1024;

/// The first listening socket on `addr`, and the one that claims the port.
///
/// It binds and starts listening *without* `SO_REUSEPORT`, so the kernel refuses it with
/// `EADDRINUSE` when any socket already listens on the port (another sandbank's or another
/// program's); only once it listens does it set `SO_REUSEPORT`, letting its siblings join.
/// Claiming the port with the socket that keeps serving, rather than with a probe closed before
/// the real sockets bind, leaves no window: of two sandbanks started at the same moment, the
/// kernel lets at most one `listen` (when the two calls meet, it may refuse both, the safe
/// side). `SO_REUSEADDR` lets a restart bind over its predecessor's `TIME_WAIT` connections; it
/// never lets two sockets listen on one port.
fn claiming_listener(addr: SocketAddr) -> Result<socket2::Socket, ServerError> {
    let in_use = |err: std::io::Error| match err.kind() {
        std::io::ErrorKind::AddrInUse => ServerError::AddrInUse(addr),
        _ => ServerError::Io(err),
    };
    let socket =
        socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into()).map_err(in_use)?;
    socket.listen(LISTEN_BACKLOG).map_err(in_use)?;
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    Ok(socket)
}

/// A non-blocking listening socket that joins the claiming socket's port.
fn sibling_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket =
        socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

impl Server {
    /// Builds the app and binds the sockets. A port something already listens on is
    /// [`ServerError::AddrInUse`].
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        let first: std::net::TcpListener = claiming_listener(config.listen)?.into();
        // Port 0 picks a free port for the first socket; the others join it there.
        let addr = first.local_addr()?;
        let mut listeners = vec![first];
        // Without SO_REUSEPORT a second bind would fail: serve from one socket then.
        if cfg!(unix) {
            for _ in 1..n_serving_threads() {
                match sibling_listener(addr) {
                    Ok(listener) => listeners.push(listener),
                    // The port is ours (the first socket claimed it), so this is a platform
                    // that will not share it: fewer sockets still serve every request.
                    Err(err) => {
                        tracing::warn!(%err, "serving from fewer sockets than cores");
                        break;
                    }
                }
            }
        }
        let app = Arc::new(App::new(config)?);
        Ok(Server { listeners, app })
    }

    /// The address actually bound (the port is real even when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        match self.listeners.first() {
            Some(listener) => Ok(listener.local_addr()?),
            None => Err(ServerError::Io(std::io::Error::other("no listening socket"))),
        }
    }

    /// The shared app state.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish (up to 10 s).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut done = Vec::new();
        for (idx, listener) in self.listeners.into_iter().enumerate() {
            let (app, stopped) = (self.app.clone(), stopped.clone());
            let (finished, finished_rx) =
                tokio::sync::oneshot::channel::<Result<(), ServerError>>();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            std::thread::Builder::new().name(format!("sandbank-serve-{idx}")).spawn(move || {
                let res = runtime.block_on(serve_listener(listener, app, stopped));
                let _ = finished.send(res);
            })?;
            done.push(finished_rx);
        }
        let stop_checkpoints = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let checkpoints = crate::checkpoints::spawn(&self.app, stop_checkpoints.clone())?;
        shutdown.await;
        let _ = stop.send(true);
        self.app.stopping.send_replace(true);
        let mut result = Ok(());
        for finished in done {
            if let Ok(Err(err)) = finished.await {
                result = Err(err);
            }
        }
        stop_checkpoints.store(true, std::sync::atomic::Ordering::Release);
        if let Some(thread) = checkpoints {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        // Every request has been answered: a last checkpoint lets the next start replay nothing.
        let app = self.app;
        let _ = tokio::task::spawn_blocking(move || app.checkpoint()).await;
        result
    }
}

/// One serving thread: accepts on its socket until told to stop, then drains its connections.
async fn serve_listener(
    listener: std::net::TcpListener,
    app: Arc<App>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> Result<(), ServerError> {
    let listener = TcpListener::from_std(listener)?;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(app.config.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(pair) => pair,
                    // Out of file descriptors or a reset before accept: keep serving.
                    Err(err) => {
                        tracing::warn!(%err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let (stream, reset) = transport::Connection::new(stream);
                let service = service_fn(move |req| {
                    let (app, reset) = (app.clone(), reset.clone());
                    async move { serve(&app, req, &reset).await }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(err) = conn.await {
                        tracing::debug!(%err, "connection ended with an error");
                    }
                });
            }
            changed = stopped.changed() => {
                if changed.is_err() || *stopped.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the grace period; closing them");
    }
    Ok(())
}

/// Answers one request: resolve its route (one router lookup), read its body and build the
/// vendor's `Request` once, then let the route's owner answer.
async fn serve(
    app: &App,
    req: hyper::Request<Incoming>,
    reset: &AtomicBool,
) -> Result<hyper::Response<transport::AnswerBody>, transport::Aborted> {
    let arrived = Arrival { started: Instant::now(), real_now: crate::clock::system_now() };
    let (mut parts, body) = req.into_parts();
    let Some(resolved) = resolve(app, &parts) else {
        let is_index = is_index(&parts, false);
        let resp = if is_index { index(app) } else { not_found(&parts.method, parts.uri.path()) };
        let trace = Trace::new(&app.trace_ids, &app.ids);
        let out = finish(app, &parts, (None, None), resp, &[], arrived, &trace, None);
        let slot = app.metrics.unrouted(is_index);
        app.metrics.observe(slot, Some(out.status()), arrived.started.elapsed());
        return Ok(out.map(transport::AnswerBody::Whole));
    };
    let Resolved { owner, dispatch, params, endpoint } = resolved;
    if owner == Owner::Metrics {
        let out = crate::metrics::answer(app, dispatch, &parts.headers);
        return Ok(out.map(transport::AnswerBody::Whole));
    }
    // The admin API reads every body (its 404 and 405 come after the token check); a vendor
    // reads one only for a route that serves the method.
    let read = if owner == Owner::Admin || matches!(dispatch, Dispatch::Route(_)) {
        read_body(app, body).await
    } else {
        Ok(Bytes::new())
    };
    let (body, refused) = match read {
        Ok(body) => (body, None),
        Err(refusal) => (Bytes::new(), Some(refusal)),
    };
    let req = Request {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        // The vendor gets the headers by value; the journal needs only the method and URI.
        headers: std::mem::take(&mut parts.headers),
        body,
        params,
    };
    // Made after the body's await: a trace is fixed once, in one thread.
    let trace = Trace::new(&app.trace_ids, &app.ids);
    // `own`: sandbank's answer to a fault header naming no rule, which is no vendor's.
    let (mut resp, fired, own) = match (refused, owner, dispatch) {
        (Some(refusal), _, _) => {
            (close_after(refuse(app, owner, refusal, &req, &trace)), None, false)
        }
        (None, Owner::Vendor(vendor), Dispatch::Route(route)) if faulted::may_apply(app, &req) => {
            match faulted::answer(app, (vendor, route), &req, arrived, &trace).await {
                faulted::Outcome::Answered(resp, fired) => (resp, fired, false),
                faulted::Outcome::UnknownRule(resp) => (resp, None, true),
            }
        }
        (None, _, _) => {
            (answer_settled(app, owner, dispatch, &req, arrived, &trace).await, None, false)
        }
    };
    if let (Dispatch::WrongMethod(_), Some(endpoint)) = (dispatch, endpoint) {
        add_allow(&mut resp, endpoint);
    }
    if resp.reason.is_none()
        && !resp.status.is_success()
        && resp.status != StatusCode::NOT_IMPLEMENTED
    {
        resp.reason = Some(format!("{} without a recorded reason", resp.status));
    }
    let names = if own { (None, None) } else { named(app, owner, dispatch) };
    let out = finish(app, &parts, names, resp, &req.body, arrived, &trace, fired.as_ref());
    let sent = (!faulted::sends_nothing(fired.as_ref())).then(|| out.status());
    app.metrics.observe(app.metrics.slot(owner, dispatch), sent, arrived.started.elapsed());
    if let (Some(fired), Some(vendor)) = (&fired, names.0) {
        app.metrics.fault_fired(vendor, fired);
    }
    match fired {
        None => Ok(out.map(transport::AnswerBody::Whole)),
        Some(fired) => faulted::deliver(app, out, Some(&fired), reset).await,
    }
}

/// The owner's answer, made durable first when there is a store: an answer whose changes
/// the store refused becomes the owner's 503.
async fn answer_settled(
    app: &App,
    owner: Owner,
    dispatch: Dispatch,
    req: &Request,
    arrived: Arrival,
    trace: &Trace<'_>,
) -> Response {
    let Some(store) = &app.store else {
        return answer(app, owner, dispatch, req, arrived, trace);
    };
    Store::begin_request();
    let resp = answer(app, owner, dispatch, req, arrived, trace);
    match store.settle(Store::ticket()).await {
        Ok(()) => resp,
        Err(unstored) => {
            refuse(app, owner, Refusal::Unavailable, req, trace).with_reason(unstored.0)
        }
    }
}

/// `f` given a vendor's context for a request that arrived at `arrived`.
fn vendor_ctx<T>(
    app: &App,
    arrived: Arrival,
    trace: &Trace<'_>,
    f: impl FnOnce(&Ctx<'_>) -> T,
) -> T {
    let real_now = arrived.real_now;
    let clock = |tenant| app.tenants.at_real(tenant, real_now);
    let ctx =
        Ctx { ledger: &app.ledger, clock: &clock, trace, ids: &app.ids, recorder: app.recorder() };
    f(&ctx)
}

/// Where the router sent a request.
struct Resolved<'a> {
    owner: Owner,
    dispatch: Dispatch,
    /// The path parameters the route captured, for the vendor's `Request`.
    params: Vec<(String, String)>,
    /// What the path serves, when it is a route's path (for a 405's `Allow`).
    endpoint: Option<&'a Endpoint>,
}

/// The route of a request, by one router lookup; `None` when nothing serves the path.
fn resolve<'a>(app: &'a App, parts: &http::request::Parts) -> Option<Resolved<'a>> {
    let path = parts.uri.path();
    let Ok(matched) = app.router.at(router::lookup_path(path)) else {
        // The admin API owns its whole prefix: its own 404, after its token check.
        return path.starts_with(ADMIN_BASE_PATH).then(|| Resolved {
            owner: Owner::Admin,
            dispatch: Dispatch::NoRoute,
            params: Vec::new(),
            endpoint: None,
        });
    };
    let endpoint = matched.value;
    let dispatch = match (endpoint.route_for(&parts.method), endpoint.targets.first()) {
        (Some(route), _) => Dispatch::Route(route),
        // PCaaSA serves `POST /`; `GET /` stays the index.
        _ if is_index(parts, true) => return None,
        (None, Some(any)) => Dispatch::WrongMethod(any.route),
        (None, None) => return None,
    };
    let params = matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    Some(Resolved { owner: endpoint.owner, dispatch, params, endpoint: Some(endpoint) })
}

/// The owner's answer to a request whose body was read.
fn answer(
    app: &App,
    owner: Owner,
    dispatch: Dispatch,
    req: &Request,
    arrived: Arrival,
    trace: &Trace<'_>,
) -> Response {
    let vendor_idx = match owner {
        Owner::Admin => return crate::admin::handle(app, dispatch, req),
        // Answered before its body is read (`serve`); never here.
        Owner::Metrics => return not_found(&req.method, &req.path),
        Owner::Vendor(idx) => idx,
    };
    match dispatch {
        Dispatch::Route(route) => call_vendor(app, vendor_idx, route, req, arrived, trace),
        Dispatch::WrongMethod(_) | Dispatch::NoRoute => {
            refuse(app, owner, Refusal::MethodNotAllowed, req, trace)
        }
    }
}

/// RFC 9110 §15.5.6: a 405 names the methods the path does serve (unless its owner named
/// them itself).
fn add_allow(resp: &mut Response, endpoint: &Endpoint) {
    if resp.status != StatusCode::METHOD_NOT_ALLOWED
        || resp.headers.contains_key(http::header::ALLOW)
    {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&endpoint.allow()) {
        resp.headers.insert(http::header::ALLOW, value);
    }
}

/// A problem the edge found, in the owner's error shape.
fn refuse(app: &App, owner: Owner, refusal: Refusal, req: &Request, trace: &Trace<'_>) -> Response {
    match owner {
        Owner::Admin | Owner::Metrics => crate::admin::refuse(refusal),
        // Refused before any credential was read: the server's trace stream.
        Owner::Vendor(idx) => vendor_of(app, idx).map_or_else(
            || not_found(&req.method, &req.path),
            |vendor| vendor.refuse(refusal, req, trace.id(None)),
        ),
    }
}

/// The vendor and operation the journal and the log name: none for the admin API, and no
/// operation for an answer no route's handler gave.
fn named(
    app: &App,
    owner: Owner,
    dispatch: Dispatch,
) -> (Option<&'static str>, Option<&'static str>) {
    let Owner::Vendor(idx) = owner else {
        return (None, None);
    };
    let vendor = vendor_of(app, idx);
    let operation = match dispatch {
        Dispatch::Route(route) => vendor.and_then(|v| v.routes().get(route)).map(|r| r.operation),
        Dispatch::WrongMethod(_) | Dispatch::NoRoute => None,
    };
    (vendor.map(|v| v.name()), operation)
}

fn vendor_of(app: &App, idx: usize) -> Option<&dyn Vendor> {
    app.vendors.get(idx).map(|v| &**v)
}

/// What the edge fixed when a request arrived.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    started: Instant,
    /// The one system-clock read of the request; each tenant's "now" derives from it.
    real_now: ledger::Timestamp,
}

/// Calls the vendor, turning a panic (a bug) into the vendor's internal-error answer. The
/// ledger commits atomically, so a panic leaves it unchanged.
fn call_vendor(
    app: &App,
    vendor_idx: usize,
    route: usize,
    req: &Request,
    arrived: Arrival,
    trace: &Trace<'_>,
) -> Response {
    let Some((vendor, operation)) = vendor_of(app, vendor_idx)
        .and_then(|vendor| Some((vendor, vendor.routes().get(route)?.operation)))
    else {
        return not_found(&req.method, &req.path);
    };
    let handled = vendor_ctx(app, arrived, trace, |ctx| {
        std::panic::catch_unwind(AssertUnwindSafe(|| vendor.handle(ctx, route, req)))
    });
    match handled {
        Ok(resp) => resp,
        Err(_) => {
            let trace_id = trace.id(None);
            tracing::error!(vendor = vendor.name(), operation, %trace_id, "vendor handler panicked");
            vendor
                .refuse(Refusal::Internal, req, trace_id)
                .with_reason("internal: handler panicked (a sandbank bug)")
        }
    }
}

/// Asks hyper to close the connection after this answer: the request body was not (fully)
/// read, so the connection cannot carry another request, and a client must not reuse it.
fn close_after(resp: Response) -> Response {
    resp.with_header("connection", "close")
}

/// Reads the whole body within the size limit and the read timeout.
async fn read_body(app: &App, body: Incoming) -> Result<Bytes, Refusal> {
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    // The body's size hint is hyper's own reading of `Content-Length`: a declared length over
    // the limit is refused before a byte of the body is read, so a client that sent
    // `Expect: 100-continue` gets no `100 Continue` (hyper sends it on the first read).
    if body.size_hint().lower() > limit as u64 {
        return Err(Refusal::PayloadTooLarge { limit_bytes: limit });
    }
    // Most bodies arrive with their headers: poll once, and arm the read timeout (a timer-wheel
    // registration, measurable per request) only when the body is still on its way.
    let mut collect = std::pin::pin!(Limited::new(body, limit).collect());
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(res) => Ok(res),
        Poll::Pending => tokio::time::timeout(app.config.body_read_timeout, collect).await,
    };
    match collected {
        Err(_) => Err(Refusal::BodyTimeout),
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => {
            Err(Refusal::PayloadTooLarge { limit_bytes: limit })
        }
        Ok(Err(_)) => Err(Refusal::BodyTimeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Whether the request asks for the index: `GET /`. When a vendor is mounted at `/` (PCaaSA's
/// RPC, `POST /?call=…`), a query string makes it that vendor's request instead, so the server
/// needs no knowledge of the vendor's parameters. Consulted only on requests no route serves.
fn is_index(parts: &http::request::Parts, vendor_at_root: bool) -> bool {
    parts.method == http::Method::GET
        && parts.uri.path() == "/"
        && !(vendor_at_root && parts.uri.query().is_some())
}

/// The index: what this server serves (rendered at start-up).
fn index(app: &App) -> Response {
    Response::json_bytes(StatusCode::OK, app.index.clone())
}

/// sandbank's own answer for a path no vendor serves.
fn not_found(method: &http::Method, path: &str) -> Response {
    let body = serde_json::json!({
        "error": "not_found",
        "message": format!("no vendor serves {method} {path}"),
    });
    Response::json(StatusCode::NOT_FOUND, &body)
        .with_reason(format!("route: no vendor serves {method} {path}"))
}

/// Logs, journals and sends an answer. Its trace id is the one the answer already carries, or
/// else drawn now: from the answer's tenant's stream when it has one (the admin API's, a
/// vendor's that named none), from the server's otherwise.
#[allow(clippy::too_many_arguments, reason = "one exchange's whole record, passed once")]
fn finish(
    app: &App,
    parts: &http::request::Parts,
    (vendor, operation): (Option<&'static str>, Option<&'static str>),
    resp: Response,
    request_body: &[u8],
    arrived: Arrival,
    trace: &Trace<'_>,
    fired: Option<&Fired>,
) -> hyper::Response<Full<Bytes>> {
    let Arrival { started, real_now } = arrived;
    let trace_id = trace.id(resp.tenant);
    let tenant_id = resp.tenant.unwrap_or(DEFAULT_TENANT);
    let duration_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    // The path without its query: a query string may carry credentials, and logs travel
    // further than the tenant's own journal. Optional fields are left out when absent.
    tracing::info!(
        target: "sandbank::request",
        tenant = resp.tenant.map(tracing::field::display),
        vendor = vendor.unwrap_or("-"),
        operation = operation.unwrap_or("-"),
        method = parts.method.as_str(),
        path = parts.uri.path(),
        status = resp.status.as_u16(),
        latency_us = duration_micros,
        %trace_id,
        reason = resp.reason.as_deref(),
        fault = fired.map(|fired| fired.name.as_str()),
    );
    // Copied for the journal before the body moves into the answer (a clone of a `Bytes`
    // built from a `Vec` would allocate a shared handle).
    let text = ExchangeText::new(
        parts.uri.path_and_query().map_or_else(|| parts.uri.path(), |pq| pq.as_str()),
        request_body,
        &resp.body,
    );
    let mut out = hyper::Response::new(Full::new(resp.body));
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    let mut trace_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    if let Ok(value) =
        HeaderValue::from_bytes(trace_id.hyphenated().encode_lower(&mut trace_text).as_bytes())
    {
        out.headers_mut().insert(TRACE_ID_HEADER, value);
    }
    if let Some(reason) = &resp.reason {
        // Header values must be visible ASCII; anything else becomes '?', and long reasons are
        // cut (the journal keeps the whole line).
        let safe: String = reason
            .chars()
            .take(300)
            .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
            .collect();
        if let Ok(value) = HeaderValue::from_str(&safe) {
            out.headers_mut().insert(REASON_HEADER, value);
        }
    }
    app.tenants.with(tenant_id, |tenant| {
        tenant.journal.record(JournalEntry {
            received: started,
            at: tenant.clock.at_real(real_now),
            trace_id,
            method: parts.method.clone(),
            status: if faulted::sends_nothing(fired) { None } else { Some(resp.status.as_u16()) },
            vendor,
            operation,
            duration_micros,
            text,
            reason: resp.reason,
            fault: fired.map(|fired| Box::new(JournalFault::of(fired))),
        });
    });
    out
}
