//! Qolo's error catalogue as fault rules use it: every entry drawn by name on AdjustBalance and
//! on a read, as the `ProblemDetails` Qolo sends (the request's path as `instance`, its trace
//! id as `traceId`); byte for byte what the handler sends when the error really happens; and
//! `tenant_of` reading credentials without touching them.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use super::{OTHER_TENANT, SEED_ACCOUNT_GUID, body, harness};
use crate::testing::{Harness, TENANT, parse_request};
use crate::{Request, Response, Vendor, outage};

/// Each entry's status, problem `type`, `title` and `detail` (`None`: no `detail`, or the
/// validation `errors` map instead), written out here rather than taken from the code.
const EXPECTED: &[(&str, u16, &str, Option<&str>)] = &[
    ("validation_failed", 400, "One or more validation errors occurred.", None),
    (
        "insufficient_funds",
        400,
        "Bad Request",
        Some("Insufficient funds: the available balance is less than the amount."),
    ),
    (
        "maximum_balance_exceeded",
        400,
        "Bad Request",
        Some("The adjustment would take the balance above the account's maximum balance."),
    ),
    (
        "transaction_amount_limit_exceeded",
        400,
        "Bad Request",
        Some("The amount exceeds the transaction amount limit of the account."),
    ),
    (
        "daily_load_amount_limit_exceeded",
        400,
        "Bad Request",
        Some("The daily load amount limit is exceeded."),
    ),
    (
        "daily_load_count_limit_exceeded",
        400,
        "Bad Request",
        Some("The daily load count limit is exceeded."),
    ),
    (
        "daily_spending_amount_limit_exceeded",
        400,
        "Bad Request",
        Some("The daily spending amount limit is exceeded."),
    ),
    (
        "daily_spending_count_limit_exceeded",
        400,
        "Bad Request",
        Some("The daily spending count limit is exceeded."),
    ),
    (
        "account_not_active",
        400,
        "Bad Request",
        Some("The account status FREEZE does not allow balance adjustments."),
    ),
    (
        "currency_mismatch",
        400,
        "Bad Request",
        Some("The currency does not match the account currency."),
    ),
    (
        "idempotency_key_reused",
        400,
        "Bad Request",
        Some("The IdempotencyKey was already used with a different request."),
    ),
    (
        "client_reference_id_reused",
        400,
        "Bad Request",
        Some("The client_reference_id was already used for a different request."),
    ),
    ("unauthorized", 401, "Unauthorized", Some("No or invalid access token provided.")),
    ("invalid_login", 401, "Unauthorized", Some("Invalid login_id or api_key.")),
    ("account_not_found", 404, "Not Found", Some("Account not found.")),
    ("card_not_found", 404, "Not Found", Some("Card not found.")),
    ("wallet_not_found", 404, "Not Found", Some("Wallet not found.")),
    ("program_not_found", 404, "Not Found", Some("Program not found.")),
    ("api_version_not_supported", 404, "Not Found", Some("API version 'v2' is not supported.")),
    ("unsupported_media_type", 415, "Unsupported Media Type", None),
    ("request_timeout", 408, "Request Timeout", Some("The request body was not received in time.")),
    ("payload_too_large", 413, "Payload Too Large", Some("The request body is too large.")),
    ("internal", 500, "An error occurred while processing your request.", None),
    ("rate_limited", 429, "Too Many Requests", None),
    ("unavailable", 503, "Service Unavailable", None),
];

/// The problem `type` ASP.NET gives each status.
fn problem_type(status: u16) -> &'static str {
    match status {
        400 => "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        401 => "https://tools.ietf.org/html/rfc7235#section-3.1",
        404 => "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        408 => "https://tools.ietf.org/html/rfc7231#section-6.5.7",
        413 => "https://tools.ietf.org/html/rfc7231#section-6.5.11",
        415 => "https://tools.ietf.org/html/rfc7231#section-6.5.13",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        500 => "https://tools.ietf.org/html/rfc7231#section-6.6.1",
        503 => "https://tools.ietf.org/html/rfc7231#section-6.6.4",
        _ => panic!("no problem type for {status}"),
    }
}

/// `text` (a fixture-style request) with the harness's variables and the router's captures.
fn request(harness: &Harness, text: &str, params: &[(&str, &str)]) -> Request {
    let mut text = text.to_string();
    for (name, value) in &harness.vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    let mut req = parse_request(&text);
    req.params = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if !req.params.iter().any(|(k, _)| k == "version") {
        req.params.push(("version".into(), "v1".into()));
    }
    req
}

fn adjust_request(harness: &Harness, amount: &str) -> Request {
    let text = format!(
        "POST /api/v1/accounts/AdjustBalance\nauthorization: Bearer {{{{token}}}}\n\
         content-type: application/json\n\n\
         {{\"account_guid\": \"{{{{account_guid}}}}\", \"request_code\": \"UT-ACH_OUT\", \
         \"amount\": {amount}, \"currency\": \"USD\"}}"
    );
    request(harness, &text, &[])
}

/// Runs the handler of `operation` and draws `name` on the same request in one `Ctx`, so both
/// see the same trace id.
fn handled_and_drawn(
    harness: &Harness,
    operation: &str,
    req: &Request,
    name: &str,
    tenant: Option<ledger::TenantId>,
) -> (Response, Response) {
    let routes = harness.vendor.routes();
    let idx = routes.iter().position(|r| r.operation == operation).unwrap();
    harness.with_ctx(|ctx| {
        let handled = harness.vendor.handle(ctx, idx, req);
        let drawn = harness.vendor.render_error(ctx, name, req, tenant).unwrap();
        (handled, drawn)
    })
}

fn retry_after(resp: &Response) -> Option<&str> {
    resp.headers.get("retry-after").map(|value| value.to_str().unwrap())
}

#[test]
fn every_catalogue_entry_renders_by_name_as_a_problem_of_its_request() {
    let harness = harness();
    let adjust = adjust_request(&harness, "1");
    let read = request(
        &harness,
        "GET /api/v1/accounts/{{account_guid}}\nauthorization: Bearer {{token}}\n",
        &[("account_guid", SEED_ACCOUNT_GUID)],
    );
    let catalogue = harness.vendor.errors();
    assert_eq!(catalogue.len(), EXPECTED.len());
    for entry in catalogue {
        let (_, status, title, detail) =
            EXPECTED.iter().find(|(name, ..)| *name == entry.name).expect(entry.name);
        assert_eq!(entry.status, *status, "{}", entry.name);
        for req in [&adjust, &read] {
            let (resp, trace_id) = harness.with_ctx(|ctx| {
                let resp = harness.vendor.render_error(ctx, entry.name, req, Some(TENANT)).unwrap();
                (resp, ctx.trace_id(Some(TENANT)))
            });
            assert_eq!(resp.status, *status, "{}", entry.name);
            assert_eq!(resp.tenant, Some(TENANT));
            assert_eq!(resp.headers["content-type"], "application/problem+json; charset=utf-8");
            let waits = matches!(status, 429 | 503);
            assert_eq!(retry_after(&resp), waits.then_some("1"), "{}", entry.name);
            let problem = body(&resp);
            assert_eq!(problem["type"], problem_type(*status), "{}", entry.name);
            assert_eq!(problem["title"], *title, "{}", entry.name);
            assert_eq!(problem["status"], *status);
            assert_eq!(problem["instance"], req.path.as_str());
            assert_eq!(problem["detail"].as_str(), *detail, "{}", entry.name);
            let trace = problem["traceId"].as_str().unwrap();
            assert!(trace.starts_with(&format!("00-{}-", trace_id.simple())), "{trace}");
            if entry.name == "validation_failed" {
                let errors = json!({"amount": ["The field amount must be greater than 0."]});
                assert_eq!(problem["errors"], errors);
            }
            if *status == 401 {
                assert_eq!(resp.headers["www-authenticate"], "Bearer");
            }
        }
    }
}

#[test]
fn the_catalogue_has_the_three_outages_unique_names_and_nothing_else_renders() {
    let harness = harness();
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
    let req = adjust_request(&harness, "1");
    for unknown in ["", "Insufficient_Funds", "insufficient funds", "method_not_allowed", "O001"] {
        let drawn = harness.with_ctx(|ctx| harness.vendor.render_error(ctx, unknown, &req, None));
        assert!(drawn.is_none(), "{unknown}");
    }
}

/// Any request, however mangled, gets its entry without a panic, its path as `instance`.
#[test]
fn an_entry_on_a_garbage_request_still_renders() {
    let harness = harness();
    for text in [
        "POST /api/v9/nowhere\n\n\u{0}{{[",
        "GET /\n",
        "PATCH /api/v1/wallets/x\nauthorization: Basic ???\n",
    ] {
        let req = parse_request(text);
        let resp = harness
            .with_ctx(|ctx| harness.vendor.render_error(ctx, "unavailable", &req, None))
            .unwrap();
        assert_eq!(resp.status, 503);
        assert_eq!(body(&resp)["instance"], req.path.as_str());
        assert_eq!(resp.tenant, None);
    }
}

#[test]
fn a_rendered_entry_is_byte_identical_to_the_handlers_own_answer() {
    let harness = harness();
    let unknown_wallet = uuid::Uuid::from_u128(0xfeed).hyphenated().to_string();
    let cases = [
        // The seed's account holds 100.00 USD.
        ("AdjustBalance", adjust_request(&harness, "100.01"), "insufficient_funds", 400),
        (
            "GetWalletById",
            request(
                &harness,
                &format!(
                    "GET /api/v1/wallets/{unknown_wallet}\nauthorization: Bearer {{{{token}}}}\n"
                ),
                &[("wallet_guid", &unknown_wallet)],
            ),
            "wallet_not_found",
            404,
        ),
    ];
    for (operation, req, name, status) in cases {
        let before = harness.ledger.snapshot(harness.now());
        let (handled, drawn) = handled_and_drawn(&harness, operation, &req, name, Some(TENANT));
        assert_eq!(handled.status, status, "{}", String::from_utf8_lossy(&handled.body));
        assert_eq!((drawn.status, &drawn.headers), (handled.status, &handled.headers), "{name}");
        assert_eq!(drawn.body, handled.body, "{name}");
        assert_eq!(drawn.tenant, handled.tenant);
        assert_eq!(harness.ledger.snapshot(harness.now()), before);
    }
    // No token: the handler's 401 (with its challenge), drawn for no tenant.
    let anonymous = request(&harness, "GET /api/v1/accounts/{{account_guid}}\n", &[]);
    let (handled, drawn) =
        handled_and_drawn(&harness, "GetAccountById", &anonymous, "unauthorized", None);
    assert_eq!(handled.status, 401);
    assert_eq!(
        (drawn.status, &drawn.headers, &drawn.body),
        (handled.status, &handled.headers, &handled.body)
    );
}

fn login_request(login_id: &str, api_key: &str) -> Request {
    parse_request(&format!(
        "POST /api/v1/auth/login\ncontent-type: application/json\n\n\
         {{\"login_id\": \"{login_id}\", \"api_key\": \"{api_key}\"}}"
    ))
}

#[test]
fn tenant_of_names_each_credentials_tenant_and_changes_nothing() {
    let harness = Harness::new(super::super::vendor());
    let qolo = super::super::Qolo::new();
    let ids = crate::common::ids::IdGen::random();
    qolo.provision_tenant(TENANT, true, &ids);
    let other = qolo.provision_tenant(OTHER_TENANT, false, &ids);
    let other_login = other["login_id"].as_str().unwrap();
    let log_in = |login_id: &str, api_key: &str| {
        let mut req = login_request(login_id, api_key);
        req.params = vec![("version".into(), "v1".into())];
        let resp = harness.with_ctx(|ctx| qolo.handle(ctx, 0, &req));
        body(&resp)["access_token"].as_str().unwrap().to_string()
    };
    let stale = log_in("sandbank-qolo-login", "sandbank-qolo-key");
    harness.advance(Duration::from_secs(12 * 60 * 60));
    let token = log_in("sandbank-qolo-login", "sandbank-qolo-key");
    let other_token = log_in(other_login, other["api_key"].as_str().unwrap());
    let n_tokens = qolo.auth.n_tokens();
    let read = |authorization: &str| {
        parse_request(&format!(
            "GET /api/v1/accounts/{SEED_ACCOUNT_GUID}\nauthorization: {authorization}\n"
        ))
    };

    let cases = [
        (read(&format!("Bearer {token}")), Some(TENANT)),
        (read(&format!("bearer {other_token}")), Some(OTHER_TENANT)),
        (read(&format!("Bearer {stale}")), Some(TENANT)),
        (login_request("sandbank-qolo-login", "sandbank-qolo-key"), Some(TENANT)),
        (login_request("sandbank-qolo-login", "a wrong key"), Some(TENANT)),
        (login_request(other_login, "x"), Some(OTHER_TENANT)),
        (
            parse_request(
                "POST /api/v2/auth/login\n\n\
                 {\"loginid\": \"sandbank-qolo-login\", \"apikey\": \"k\"}",
            ),
            Some(TENANT),
        ),
        (login_request("nobody", "x"), None),
        (read("Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged"), None),
        (read("Basic c2FuZGJhbms6eA=="), None),
        (parse_request(&format!("GET /api/v1/accounts/{SEED_ACCOUNT_GUID}\n")), None),
        // A login id names a tenant only on the login call.
        (
            parse_request(
                "POST /api/v1/accounts/AdjustBalance\n\n\
                 {\"login_id\": \"sandbank-qolo-login\", \"api_key\": \"k\"}",
            ),
            None,
        ),
        (parse_request("POST /api/v1/auth/login\n\n{\"login_id\": "), None),
        (parse_request("POST /api/v1/auth/login\n\n\u{0}\u{1}"), None),
    ];
    for (req, tenant) in &cases {
        assert_eq!(qolo.tenant_of(req), *tenant, "{} {:?} {:?}", req.path, req.headers, req.body);
    }
    // Nothing was issued or pruned, and the expired token is still refused.
    assert_eq!(qolo.auth.n_tokens(), n_tokens);
    let get_account = qolo.routes().iter().position(|r| r.operation == "GetAccountById").unwrap();
    let mut stale_read = read(&format!("Bearer {stale}"));
    stale_read.params = vec![("version".into(), "v1".into())];
    let refused = harness.with_ctx(|ctx| qolo.handle(ctx, get_account, &stale_read));
    assert_eq!(refused.status, 401);
    assert_eq!(body(&refused)["detail"], Value::from("No or invalid access token provided."));
}
