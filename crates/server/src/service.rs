//! The HTTP edge: accepting connections, reading requests within limits and timeouts,
//! dispatching to the admin API or a vendor, and writing, journaling and logging the answer.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use vendors::{Ctx, Refusal, Request, Response, Vendor};

use crate::journal::{JournalEntry, clip};
use crate::tenants::DEFAULT_TENANT;
use crate::{App, Config, ServerError};

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Builds the app and binds the socket.
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        let listener = TcpListener::bind(config.listen).await?;
        let app = Arc::new(App::new(config)?);
        Ok(Server { listener, app })
    }

    /// The address actually bound (the port is real even when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        Ok(self.listener.local_addr()?)
    }

    /// The shared app state.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish (up to 10 s).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.app.config.header_read_timeout)
            .keep_alive(true);
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
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
                    let app = self.app.clone();
                    let service = service_fn(move |req| {
                        let app = app.clone();
                        async move { Ok::<_, Infallible>(serve(&app, req).await) }
                    });
                    let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(err) = conn.await {
                            tracing::debug!(%err, "connection ended with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
            tracing::warn!("connections still open after the grace period; closing them");
        }
        Ok(())
    }
}

/// Answers one request.
async fn serve(app: &App, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let started = Instant::now();
    let trace_id = uuid::Uuid::new_v4();
    let (mut parts, body) = req.into_parts();
    // The vendor gets the headers by value; the journal needs only the method and URI.
    let headers = std::mem::take(&mut parts.headers);
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);

    let (vendor_idx, operation, mut resp, request_body) = if path.starts_with("/__admin") {
        let body = match read_body(app, &headers, body).await {
            Ok(body) => body,
            Err(refusal) => {
                let resp = crate::admin::refuse(refusal);
                return finish(app, &parts, None, None, resp, Bytes::new(), trace_id, started);
            }
        };
        let req = request(&parts, headers, path.clone(), query, body.clone(), Vec::new());
        (None, None, crate::admin::handle(app, &req), body)
    } else {
        match app.router.at(&path) {
            Err(_) => (None, None, not_found(&parts.method, &path), Bytes::new()),
            Ok(matched) => {
                let targets = matched.value;
                let params: Vec<(String, String)> =
                    matched.params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                match targets.iter().find(|t| t.method == parts.method) {
                    None => {
                        let vendor_idx = targets.first().map_or(0, |t| t.vendor_idx);
                        let req =
                            request(&parts, headers, path.clone(), query, Bytes::new(), params);
                        let mut resp = vendor_of(app, vendor_idx).map_or_else(
                            || not_found(&parts.method, &path),
                            |v| v.refuse(Refusal::MethodNotAllowed, &req),
                        );
                        // RFC 9110 §15.5.6: a 405 names the methods the path does serve.
                        if !resp.headers.contains_key(http::header::ALLOW) {
                            let allowed: Vec<&str> =
                                targets.iter().map(|t| t.method.as_str()).collect();
                            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                                resp.headers.insert(http::header::ALLOW, value);
                            }
                        }
                        (Some(vendor_idx), None, resp, Bytes::new())
                    }
                    Some(target) => {
                        let vendor_idx = target.vendor_idx;
                        let operation = target.operation;
                        match read_body(app, &parts.headers, body).await {
                            Err(refusal) => {
                                let req = request(
                                    &parts,
                                    headers,
                                    path.clone(),
                                    query,
                                    Bytes::new(),
                                    params,
                                );
                                let resp = vendor_of(app, vendor_idx).map_or_else(
                                    || not_found(&parts.method, &path),
                                    |v| v.refuse(refusal, &req),
                                );
                                (Some(vendor_idx), Some(operation), resp, Bytes::new())
                            }
                            Ok(body) => {
                                let req = request(
                                    &parts,
                                    headers,
                                    path.clone(),
                                    query,
                                    body.clone(),
                                    params,
                                );
                                let resp = call_vendor(app, vendor_idx, operation, &req, trace_id);
                                (Some(vendor_idx), Some(operation), resp, body)
                            }
                        }
                    }
                }
            }
        }
    };
    let vendor = vendor_idx.and_then(|idx| vendor_of(app, idx)).map(|v| v.name());
    if resp.reason.is_none()
        && !resp.status.is_success()
        && resp.status != StatusCode::NOT_IMPLEMENTED
    {
        resp.reason = Some(format!("{} without a recorded reason", resp.status));
    }
    finish(app, &parts, vendor, operation, resp, request_body, trace_id, started)
}

fn vendor_of(app: &App, idx: usize) -> Option<&dyn Vendor> {
    app.vendors.get(idx).map(|v| &**v)
}

fn request(
    parts: &http::request::Parts,
    headers: http::HeaderMap,
    path: String,
    query: Option<String>,
    body: Bytes,
    params: Vec<(String, String)>,
) -> Request {
    Request { method: parts.method.clone(), path, query, headers, body, params }
}

/// Calls the vendor, turning a panic (a bug) into the vendor's internal-error answer. The
/// ledger commits atomically, so a panic leaves it unchanged.
fn call_vendor(
    app: &App,
    vendor_idx: usize,
    operation: &'static str,
    req: &Request,
    trace_id: uuid::Uuid,
) -> Response {
    let Some(vendor) = vendor_of(app, vendor_idx) else {
        return not_found(&req.method, &req.path);
    };
    let clock = |tenant| app.tenants.now(tenant);
    let ctx = Ctx { ledger: &app.ledger, clock: &clock, trace_id };
    match std::panic::catch_unwind(AssertUnwindSafe(|| vendor.handle(&ctx, operation, req))) {
        Ok(resp) => resp,
        Err(_) => {
            tracing::error!(vendor = vendor.name(), operation, %trace_id, "vendor handler panicked");
            vendor
                .refuse(Refusal::Internal, req)
                .with_reason("internal: handler panicked (a sandbank bug)")
        }
    }
}

/// Reads the whole body within the size limit and the read timeout.
async fn read_body(app: &App, headers: &http::HeaderMap, body: Incoming) -> Result<Bytes, Refusal> {
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
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

/// sandbank's own answer for a path no vendor serves.
fn not_found(method: &http::Method, path: &str) -> Response {
    let body = serde_json::json!({
        "error": "not_found",
        "message": format!("no vendor serves {method} {path}"),
    });
    Response::json(StatusCode::NOT_FOUND, &body)
        .with_reason(format!("route: no vendor serves {method} {path}"))
}

#[allow(clippy::too_many_arguments, reason = "one call site; the parts of one exchange")]
fn finish(
    app: &App,
    parts: &http::request::Parts,
    vendor: Option<&'static str>,
    operation: Option<&'static str>,
    resp: Response,
    request_body: Bytes,
    trace_id: uuid::Uuid,
    started: Instant,
) -> hyper::Response<Full<Bytes>> {
    let tenant_id = resp.tenant.unwrap_or(DEFAULT_TENANT);
    let duration_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        target: "sandbank::request",
        vendor = vendor.unwrap_or("-"),
        operation = operation.unwrap_or("-"),
        status = resp.status.as_u16(),
        latency_us = duration_micros,
        %trace_id,
        reason = resp.reason.as_deref().unwrap_or(""),
    );
    let mut out = hyper::Response::new(Full::new(resp.body.clone()));
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    if let Ok(value) = HeaderValue::from_str(&trace_id.hyphenated().to_string()) {
        out.headers_mut().insert("x-sandbank-trace-id", value);
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
            out.headers_mut().insert("x-sandbank-reason", value);
        }
    }
    if let Some(tenant) = app.tenants.get(tenant_id) {
        tenant.journal.record(JournalEntry {
            at: tenant.clock.now(),
            trace_id,
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            status: resp.status.as_u16(),
            vendor,
            operation,
            duration_micros,
            request_body: clip(&request_body),
            response_body: clip(&resp.body),
            reason: resp.reason,
        });
    }
    out
}
