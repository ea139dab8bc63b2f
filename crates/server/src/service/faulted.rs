//! A vendor request while fault rules exist: the rule that fires before the request is
//! handled (nothing it asks for happens) or after (its effects committed), the delay, the
//! vendor-shaped error, and the connection fault, carried out.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use vendors::common::ids::Trace;
use vendors::{Request, Response, Vendor};

use super::transport::{Aborted, AnswerBody};
use super::{Arrival, answer_settled, vendor_ctx};
use crate::App;
use crate::faults::{FAULT_HEADER, Fired, Phase, Seen, Transport};
use crate::router::{Dispatch, Owner};
use crate::tenants::Tenant;

/// Whether a request must go through the rules: some tenant has one, or the request names one.
pub(super) fn may_apply(app: &App, req: &Request) -> bool {
    app.faults_live.load(Ordering::Relaxed) > 0 || req.headers.contains_key(FAULT_HEADER)
}

/// What a vendor request the rules may touch gets.
pub(super) enum Outcome {
    /// The vendor's answer (or the fault's), and the fault that fired, if one did.
    Answered(Response, Option<Fired>),
    /// sandbank's own 400 to an `X-Sandbank-Fault` naming no rule: no vendor's answer.
    UnknownRule(Response),
}

/// The answer to a vendor request the rules may touch.
pub(super) async fn answer(
    app: &App,
    (vendor_idx, route): (usize, usize),
    req: &Request,
    arrived: Arrival,
    trace: &Trace<'_>,
) -> Outcome {
    match faulted(app, (vendor_idx, route), req, arrived, trace).await {
        Ok((resp, fired)) => Outcome::Answered(resp, fired),
        Err(unknown) => Outcome::UnknownRule(unknown),
    }
}

/// [`answer`], with an unknown rule's 400 as the error.
async fn faulted(
    app: &App,
    (vendor_idx, route): (usize, usize),
    req: &Request,
    arrived: Arrival,
    trace: &Trace<'_>,
) -> Result<(Response, Option<Fired>), Response> {
    let Some(vendor) = app.vendors.get(vendor_idx).map(|v| &**v) else {
        let resp = answer_settled(
            app,
            Owner::Vendor(vendor_idx),
            Dispatch::Route(route),
            req,
            arrived,
            trace,
        )
        .await;
        return Ok((resp, None));
    };
    let operation = vendor.routes().get(route).map_or("", |r| r.operation);
    let seen = Seen::new(vendor.name(), operation, req);
    let named =
        req.headers.get(FAULT_HEADER).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let tenant = vendor.tenant_of(req).and_then(|id| app.tenants.get(id));
    if let Some(name) = &named
        && tenant.as_ref().and_then(|t| t.faults.phase_of(name)).is_none()
    {
        return Err(unknown_rule(name, tenant.as_deref()));
    }
    let now = |tenant: &Tenant| tenant.clock.at_real(arrived.real_now);
    if let Some(tenant) = &tenant
        && let Some(fired) =
            tenant.faults.decide(Phase::Before, &seen, now(tenant), named.as_deref())
    {
        delay(&fired).await;
        // A delay alone only makes the request late: it is then handled as usual.
        let real = match (&fired.error, fired.transport) {
            (None, None) => Some(
                answer_settled(
                    app,
                    Owner::Vendor(vendor_idx),
                    Dispatch::Route(route),
                    req,
                    arrived,
                    trace,
                )
                .await,
            ),
            _ => None,
        };
        let resp = fault_answer(app, vendor, &fired, req, arrived, trace, tenant.id, real);
        return Ok((resp, Some(fired)));
    }
    let resp =
        answer_settled(app, Owner::Vendor(vendor_idx), Dispatch::Route(route), req, arrived, trace)
            .await;
    // The answer names the tenant the vendor authenticated; a request it refused before that
    // still belongs to the credential's tenant.
    let tenant = match resp.tenant.and_then(|id| app.tenants.get(id)) {
        Some(tenant) => tenant,
        None => match tenant {
            Some(tenant) => tenant,
            None => return Ok((resp, None)),
        },
    };
    let Some(fired) = tenant.faults.decide(Phase::After, &seen, now(&tenant), named.as_deref())
    else {
        return Ok((resp, None));
    };
    delay(&fired).await;
    let resp = fault_answer(app, vendor, &fired, req, arrived, trace, tenant.id, Some(resp));
    Ok((resp, Some(fired)))
}

async fn delay(fired: &Fired) {
    if let Some(latency) = fired.latency.filter(|l| !l.is_zero()) {
        tokio::time::sleep(latency).await;
    }
}

/// What the client is sent (or, for a fault that sends nothing, what the journal keeps): the
/// rule's catalogue error, else the real answer (`after`), else nothing.
#[allow(clippy::too_many_arguments, reason = "one request's whole context, passed once")]
fn fault_answer(
    app: &App,
    vendor: &dyn Vendor,
    fired: &Fired,
    req: &Request,
    arrived: Arrival,
    trace: &Trace<'_>,
    tenant: ledger::TenantId,
    real: Option<Response>,
) -> Response {
    let reason = fired.describe();
    let resp = match (&fired.error, real) {
        (Some(name), real) => {
            let rendered = vendor_ctx(app, arrived, trace, |ctx| {
                vendor.render_error(ctx, name, req, Some(tenant))
            });
            match rendered {
                Some(resp) => resp.with_reason(match real.and_then(|r| r.reason) {
                    Some(real_reason) => format!("{reason}; the real answer's reason: {real_reason}"),
                    None => reason,
                }),
                None => Response::json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &serde_json::json!({ "error": "fault", "message": format!("{} cannot draw {name}", vendor.name()) }),
                )
                .with_reason(format!("{reason}; but {} has no error {name} (a sandbank bug)", vendor.name())),
            }
        }
        (None, Some(real)) => {
            let combined = match &real.reason {
                Some(real_reason) => format!("{reason}; {real_reason}"),
                None => reason,
            };
            real.with_reason(combined)
        }
        (None, None) => Response::empty(StatusCode::OK).with_reason(reason),
    };
    resp.with_tenant(tenant)
}

/// How the reason of sandbank's own 400 to an unknown `X-Sandbank-Fault` starts.
const UNKNOWN_RULE: &str = "fault: unknown rule: ";

/// sandbank's own 400 for an `X-Sandbank-Fault` naming no rule of the request's tenant: a
/// test that asks for a fault must not pass unfaulted by a typo.
fn unknown_rule(name: &str, tenant: Option<&Tenant>) -> Response {
    let message = match tenant {
        Some(_) => format!("{FAULT_HEADER} names {name:?}, which is no fault rule of this tenant"),
        None => format!(
            "{FAULT_HEADER} names {name:?}, but the request carries no credential of a tenant"
        ),
    };
    let resp = Response::json(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({ "error": "unknown_fault", "message": message }),
    )
    .with_reason(format!("{UNKNOWN_RULE}{message}"));
    match tenant {
        Some(tenant) => resp.with_tenant(tenant.id),
        None => resp,
    }
}

/// Sends `out` as the fault says: whole, cut, spoiled, reset, or never.
pub(super) async fn deliver(
    app: &App,
    out: hyper::Response<Full<Bytes>>,
    fired: Option<&Fired>,
    reset: &AtomicBool,
) -> Result<hyper::Response<AnswerBody>, Aborted> {
    let Some(transport) = fired.and_then(|f| f.transport) else {
        return Ok(out.map(AnswerBody::Whole));
    };
    let (mut parts, body) = out.into_parts();
    let bytes =
        http_body_util::BodyExt::collect(body).await.map(|c| c.to_bytes()).unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    let promise = |parts: &mut http::response::Parts| {
        parts.headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(bytes.len()));
    };
    match transport {
        Transport::Reset => {
            reset.store(true, Ordering::Release);
            Err(Aborted)
        }
        Transport::Hang => {
            let hang = fired.map_or(Duration::ZERO, |f| f.hang);
            let mut stopping = app.stopping.subscribe();
            tokio::select! {
                () = tokio::time::sleep(hang) => {}
                _ = stopping.wait_for(|stopping| *stopping) => {}
            }
            Err(Aborted)
        }
        Transport::CloseAfterHeaders => {
            promise(&mut parts);
            Ok(hyper::Response::from_parts(parts, AnswerBody::Cut { sent: None, paused: false }))
        }
        Transport::Truncate => {
            promise(&mut parts);
            let sent = Some(half).filter(|h| !h.is_empty());
            Ok(hyper::Response::from_parts(parts, AnswerBody::Cut { sent, paused: false }))
        }
        Transport::Malformed => {
            parts.headers.remove(http::header::CONTENT_LENGTH);
            Ok(hyper::Response::from_parts(parts, AnswerBody::Whole(Full::new(half))))
        }
    }
}

/// Whether a fault sends no answer at all (the journal then shows none).
pub(super) fn sends_nothing(fired: Option<&Fired>) -> bool {
    fired.and_then(|f| f.transport).is_some_and(|t| matches!(t, Transport::Reset | Transport::Hang))
}
