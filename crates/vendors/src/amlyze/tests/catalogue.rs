//! AMLYZE's error catalogue as fault rules use it: every entry drawn by name on the balance
//! call and on the batch call, in AMLYZE's own bodies (a rejection, Spring's with the path and
//! the tenant's clock, the 401, the documented 500 shape); byte for byte what the handler sends
//! when the error really happens; and `tenant_of` reading the token without touching anything.

use std::collections::HashSet;
use std::time::Duration;

use http::Method;
use serde_json::{Value, json};

use super::{OTHER, body, request, seed_body, setup};
use crate::amlyze::auth::WELL_KNOWN_TOKEN;
use crate::testing::{Harness, TENANT};
use crate::{Refusal, Request, Response, outage};

/// What an entry's body holds, written out here rather than taken from the code under test.
enum Shape {
    /// 400 `{resultType: REQUEST_REJECTED, errorCode, errorDescription}`.
    Rejected(&'static str, &'static str),
    /// Spring's `{timestamp, status, error, path}` with this `error`.
    Spring(&'static str),
    /// `{"error":{"code":"unauthorized"}}`.
    Unauthorized,
    /// The documented 500 body `{resultType, status, error}` with this `error`.
    Outage(&'static str),
}

const EXPECTED: &[(&str, u16, Shape)] = &[
    (
        "001_communication_number_mandatory",
        400,
        Shape::Rejected("001", "CommunicationNumber is mandatory"),
    ),
    ("001_requester_mandatory", 400, Shape::Rejected("001", "Requester is mandatory")),
    ("001_currency_unknown", 400, Shape::Rejected("001", "Currency does not exist in Amlyze")),
    (
        "002_account_status_invalid",
        400,
        Shape::Rejected("002", "Invalid Account status, allowed values: ACTIVE, SUSPENDED, CLOSED"),
    ),
    (
        "002_closing_date_required",
        400,
        Shape::Rejected("002", "CLOSED account requires closingDate"),
    ),
    (
        "002_closing_date_not_allowed",
        400,
        Shape::Rejected("002", "Non-closed account cannot have a closing date"),
    ),
    ("003", 400, Shape::Rejected("003", "Account already linked with other customer")),
    ("005", 400, Shape::Rejected("005", "When using external account, BIC is mandatory")),
    ("007", 400, Shape::Rejected("007", "OpeningDate is mandatory")),
    (
        "404_account_not_found",
        400,
        Shape::Rejected("404", "Account with given extId does not exist in amlyze"),
    ),
    (
        "404_business_entity_not_found",
        400,
        Shape::Rejected("404", "BusinessEntity with given extId does not exist in Amlyze"),
    ),
    ("500", 400, Shape::Rejected("500", "failed processing account balance")),
    ("O005", 400, Shape::Rejected("O005", "CommunicationNumber already used in amlyze")),
    (
        "O001_communication_number_used",
        400,
        Shape::Rejected("O001", "CommunicationNumber already used in amlyze"),
    ),
    (
        "O001_too_long",
        400,
        Shape::Rejected("O001", "requester must not be longer than 100 characters"),
    ),
    ("O001_business_unit_mandatory", 400, Shape::Rejected("O001", "Business unit is mandatory")),
    ("O001_ext_id_mandatory", 400, Shape::Rejected("O001", "extId is mandatory")),
    ("O001_balance_at_mandatory", 400, Shape::Rejected("O001", "BalanceAt is mandatory")),
    ("O001_value_mandatory", 400, Shape::Rejected("O001", "Value is mandatory")),
    (
        "O001_balance_type_unknown",
        400,
        Shape::Rejected("O001", "BalanceType does not exist in Amlyze"),
    ),
    (
        "O001_account_balances_mandatory",
        400,
        Shape::Rejected("O001", "AccountBalances is mandatory"),
    ),
    ("O001_account_balance_mandatory", 400, Shape::Rejected("O001", "AccountBalance is mandatory")),
    (
        "O001_batch_too_large",
        400,
        Shape::Rejected("O001", "Batch must not contain more than 1000 items"),
    ),
    ("O001_account_ext_id_mandatory", 400, Shape::Rejected("O001", "AccountExtId is mandatory")),
    ("O001_account_number_mandatory", 400, Shape::Rejected("O001", "AccountNumber is mandatory")),
    (
        "O001_business_entity_ext_id_mandatory",
        400,
        Shape::Rejected("O001", "BusinessEntityExtId is mandatory"),
    ),
    (
        "O001_currency_cannot_change",
        400,
        Shape::Rejected("O001", "Currency of a registered account cannot be changed"),
    ),
    (
        "O001_account_closed_final",
        400,
        Shape::Rejected("O001", "CLOSED account cannot be reopened"),
    ),
    (
        "O001_action_invalid",
        400,
        Shape::Rejected("O001", "Invalid action, allowed values: CREATE, UPDATE"),
    ),
    ("C002", 400, Shape::Rejected("C002", "CustomerExtId is mandatory")),
    ("C012", 400, Shape::Rejected("C012", "ApplicationDate is mandatory")),
    ("AV07", 400, Shape::Rejected("AV07", "Invalid value format of field riskLevel")),
    ("bad_request", 400, Shape::Spring("Bad Request")),
    ("not_found", 404, Shape::Spring("Not Found")),
    ("request_timeout", 408, Shape::Spring("Request Timeout")),
    ("payload_too_large", 413, Shape::Spring("Payload Too Large")),
    ("unsupported_media_type", 415, Shape::Spring("Unsupported Media Type")),
    ("unauthorized", 401, Shape::Unauthorized),
    ("internal", 500, Shape::Outage("Internal Server Error")),
    ("rate_limited", 429, Shape::Outage("Too Many Requests")),
    ("unavailable", 503, Shape::Outage("Service Unavailable")),
];

fn route_of(operation: &str) -> usize {
    super::super::ROUTES.iter().position(|r| r.operation == operation).unwrap()
}

/// Runs the handler of `operation` and draws `name` on the same request in one `Ctx`.
fn handled_and_drawn(
    harness: &Harness,
    operation: &str,
    req: &Request,
    name: &str,
    tenant: Option<ledger::TenantId>,
) -> (Response, Response) {
    harness.with_ctx(|ctx| {
        let handled = harness.vendor.handle(ctx, route_of(operation), req);
        let drawn = harness.vendor.render_error(ctx, name, req, tenant).unwrap();
        (handled, drawn)
    })
}

fn retry_after(resp: &Response) -> Option<&str> {
    resp.headers.get("retry-after").map(|value| value.to_str().unwrap())
}

#[test]
fn amlyze_every_catalogue_entry_renders_by_name_in_amlyzes_bodies() {
    let setup = setup();
    let harness = &setup.harness;
    // A day and a bit on: Spring's timestamp is the tenant's clock now.
    harness.advance(Duration::from_millis(86_400_000 + 1_234));
    let balance = request(
        Method::PUT,
        "/amlyze-ws-rest/account-balance",
        Some(WELL_KNOWN_TOKEN),
        &seed_body().to_string(),
    );
    let batch = request(
        Method::POST,
        "/amlyze-ws-rest/batch-account-balances",
        Some(WELL_KNOWN_TOKEN),
        &json!({"accountBalances": [seed_body()]}).to_string(),
    );
    let catalogue = harness.vendor.errors();
    assert_eq!(catalogue.len(), EXPECTED.len());
    for entry in catalogue {
        let (_, status, shape) =
            EXPECTED.iter().find(|(name, ..)| *name == entry.name).expect(entry.name);
        assert_eq!(entry.status, *status, "{}", entry.name);
        for req in [&balance, &batch] {
            let resp = harness
                .with_ctx(|ctx| harness.vendor.render_error(ctx, entry.name, req, Some(TENANT)))
                .unwrap();
            assert_eq!(resp.status, *status, "{}", entry.name);
            assert_eq!(resp.tenant, Some(TENANT));
            assert_eq!(resp.headers["content-type"], "application/json");
            let waits = matches!(status, 429 | 503);
            assert_eq!(retry_after(&resp), waits.then_some("1"), "{}", entry.name);
            let expected = match shape {
                Shape::Rejected(code, description) => json!({
                    "resultType": "REQUEST_REJECTED",
                    "errorCode": code,
                    "errorDescription": description,
                }),
                Shape::Spring(error) => json!({
                    "timestamp": "2026-01-02T00:00:01.234+00:00",
                    "status": status,
                    "error": error,
                    "path": req.path,
                }),
                Shape::Unauthorized => json!({"error": {"code": "unauthorized"}}),
                Shape::Outage(error) => {
                    json!({"resultType": "REQUEST_REJECTED", "status": status, "error": error})
                }
            };
            assert_eq!(body(&resp), expected, "{}", entry.name);
        }
    }
}

#[test]
fn amlyze_the_catalogue_has_the_three_outages_unique_names_and_nothing_else_renders() {
    let setup = setup();
    let harness = &setup.harness;
    let catalogue = harness.vendor.errors();
    let names: HashSet<&str> = catalogue.iter().map(|entry| entry.name).collect();
    assert_eq!(names.len(), catalogue.len(), "names are unique");
    let outages =
        [(outage::UNAVAILABLE, 503), (outage::RATE_LIMITED, 429), (outage::INTERNAL, 500)];
    for (name, status) in outages {
        assert_eq!(catalogue.iter().find(|entry| entry.name == name).unwrap().status, status);
    }
    for entry in catalogue {
        assert!(entry.meaning.ends_with('.') && entry.meaning.len() > 20, "{entry:?}");
    }
    let req = request(Method::PUT, "/amlyze-ws-rest/account-balance", None, "{}");
    for unknown in ["", "O001", "001", "404", "o005", "method_not_allowed", "insufficient_balance"]
    {
        let drawn = harness.with_ctx(|ctx| harness.vendor.render_error(ctx, unknown, &req, None));
        assert!(drawn.is_none(), "{unknown}");
    }
}

/// Without a tenant, Spring's `timestamp` is the time a refusal would show; a mangled request
/// still gets its entry, never a panic.
#[test]
fn amlyze_an_entry_for_no_tenant_shows_the_refusals_time() {
    let setup = setup();
    let harness = &setup.harness;
    harness.advance(Duration::from_secs(3600));
    let mut garbage = request(Method::PATCH, "/amlyze-ws-rest/\u{1}", None, "\u{0}{[");
    garbage.headers.insert("authorization", http::HeaderValue::from_static("Basic ???"));
    let drawn = harness
        .with_ctx(|ctx| harness.vendor.render_error(ctx, "not_found", &garbage, None))
        .unwrap();
    let refused = harness.vendor.refuse(Refusal::BodyTimeout, &garbage, uuid::Uuid::new_v4());
    assert_eq!(drawn.status, 404);
    assert_eq!(drawn.tenant, None);
    assert_eq!(body(&drawn)["timestamp"], body(&refused)["timestamp"]);
    assert_eq!(body(&drawn)["path"], "/amlyze-ws-rest/\u{1}");
}

#[test]
fn amlyze_a_rendered_entry_is_byte_identical_to_the_handlers_own_answer() {
    let setup = setup();
    let harness = &setup.harness;
    harness.advance(Duration::from_millis(1_500));
    let put = |body: &Value, content_type: &str| {
        let mut req = request(
            Method::PUT,
            "/amlyze-ws-rest/account-balance",
            Some(WELL_KNOWN_TOKEN),
            &body.to_string(),
        );
        req.headers.insert("content-type", content_type.parse().unwrap());
        req
    };
    let mut unknown_account = seed_body();
    unknown_account["accountExtId"] = json!("NO-SUCH-ACCOUNT");
    unknown_account["communicationNumber"] = json!("COM218");
    assert_eq!(harness.send(put(&seed_body(), "application/json")).status, 200);
    let cases = [
        (put(&unknown_account, "application/json"), "404_account_not_found", 400),
        // The seed's communicationNumber, accepted just before.
        (put(&seed_body(), "application/json"), "O005", 400),
        (put(&seed_body(), "text/plain"), "unsupported_media_type", 415),
    ];
    for (req, name, status) in cases {
        let before = setup.amlyze.balance_history(TENANT, setup.seed_account);
        let (handled, drawn) =
            handled_and_drawn(harness, "registerAccountBalance", &req, name, Some(TENANT));
        assert_eq!(handled.status, status, "{}", String::from_utf8_lossy(&handled.body));
        assert_eq!((drawn.status, &drawn.headers), (handled.status, &handled.headers), "{name}");
        assert_eq!(drawn.body, handled.body, "{name}");
        assert_eq!(drawn.tenant, handled.tenant);
        assert_eq!(setup.amlyze.balance_history(TENANT, setup.seed_account), before);
    }
    let anonymous = request(Method::PUT, "/amlyze-ws-rest/account-balance", None, "{}");
    let (handled, drawn) =
        handled_and_drawn(harness, "registerAccountBalance", &anonymous, "unauthorized", None);
    assert_eq!(handled.status, 401);
    assert_eq!(
        (drawn.status, &drawn.headers, &drawn.body),
        (handled.status, &handled.headers, &handled.body)
    );
}

#[test]
fn amlyze_tenant_of_names_the_tokens_tenant_and_changes_nothing() {
    let setup = setup();
    let harness = &setup.harness;
    let other_token = harness.vars["other_token"].clone();
    let path = "/amlyze-ws-rest/account-balance";
    // A handled request notes the clock; then the clock moves on unseen.
    assert_eq!(harness.send(request(Method::PUT, path, Some(WELL_KNOWN_TOKEN), "{}")).status, 400);
    harness.advance(Duration::from_secs(3600));
    let refused_at = || {
        let req = request(Method::PUT, path, Some(WELL_KNOWN_TOKEN), "");
        body(&harness.vendor.refuse(Refusal::BodyTimeout, &req, uuid::Uuid::new_v4()))["timestamp"]
            .clone()
    };
    let seen = refused_at();

    let mut basic = request(Method::PUT, path, None, "");
    basic.headers.insert("authorization", "Basic c2FuZGJhbms6eA==".parse().unwrap());
    let cases = [
        (request(Method::PUT, path, Some(WELL_KNOWN_TOKEN), ""), Some(TENANT)),
        (request(Method::POST, "/amlyze-ws-rest/customer", Some(&other_token), "{"), Some(OTHER)),
        (request(Method::GET, "/amlyze-ws-rest/nowhere", Some(WELL_KNOWN_TOKEN), ""), Some(TENANT)),
        (request(Method::PUT, path, Some("amlyze_0123456789abcdef0123456789abcdef"), ""), None),
        (request(Method::PUT, path, None, ""), None),
        (basic, None),
    ];
    for (req, tenant) in &cases {
        assert_eq!(harness.vendor.tenant_of(req), *tenant, "{:?}", req.headers);
    }
    // The time last seen did not move: tenant_of noted no clock.
    assert_eq!(refused_at(), seen);
    // A removed tenant's token names nobody.
    harness.vendor.remove_tenant(OTHER);
    let req = request(Method::PUT, path, Some(&other_token), "");
    assert_eq!(harness.vendor.tenant_of(&req), None);
}
