//! Clowd9's error catalogue as fault rules use it: every entry drawn by name on the seed's call
//! and on an S1 operation, in the body that route really answers with; byte for byte what the
//! handler sends when the error really happens; and `tenant_of` reading credentials without
//! touching them.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;

use super::{OTHER, SEED_ACCOUNT_ID, body_json, login_well_known, world};
use crate::testing::{Harness, TENANT, parse_request};
use crate::{Request, Response, Vendor, outage};

/// Each entry's status and the text Clowd9 shows for it (`reason` / `message`), written out
/// here rather than taken from the code under test.
const EXPECTED: &[(&str, u16, &str)] = &[
    ("exceeds_daily_limit", 400, "exceeds daily limit"),
    ("exceeds_maximum_balance", 400, "exceeds maximum balance"),
    ("insufficient_balance", 400, "insufficient balance"),
    ("account_not_found", 400, "account not found"),
    ("account_not_active", 400, "account not active"),
    ("exceeds_transaction_limit", 400, "exceeds transaction limit"),
    ("duplicate_reference_id", 400, "duplicate reference_id"),
    ("currency_mismatch", 400, "currency mismatch"),
    (
        "source_and_destination_account_are_the_same",
        400,
        "source and destination account are the same",
    ),
    ("invalid_request_body", 400, "invalid request body"),
    ("invalid_content_type", 400, "invalid content type"),
    ("amount_is_required", 400, "amount is required"),
    ("invalid_amount", 400, "invalid amount"),
    ("request_body_too_large", 400, "request body too large"),
    ("request_body_timeout", 400, "request body timeout"),
    ("unauthorized", 401, "unauthorized"),
    ("you_do_not_have_correct_access_rights", 403, "You do not have correct access rights"),
    ("invalid_authentication_details", 500, "Invalid authentication details"),
    ("internal", 500, "internal error"),
    ("rate_limited", 429, "too many requests"),
    ("unavailable", 503, "service unavailable"),
];

/// Entries the server draws before the handler runs: `rpcStatus` even on the seed's call.
const REFUSED_BY_SERVER: [&str; 2] = ["request_body_too_large", "request_body_timeout"];

/// The seed's call on the world's named account, debiting `amount` with `token`.
fn seed_call(token: &str, amount: &str) -> Request {
    parse_request(&format!(
        "POST /v1/accounts/balance\nAuthorization: Bearer {token}\n\
         content-type: application/json\n\n\
         {{\"account_id\":\"{SEED_ACCOUNT_ID}\",\"amount\":{amount},\"direction\":\"Debit\"}}"
    ))
}

/// Routes `req` by `pattern` (the table's own text) with `params`, then runs the handler and
/// draws `name` in one `Ctx`, so both see the same trace id.
fn handled_and_drawn(
    harness: &Harness,
    pattern: &str,
    mut req: Request,
    params: &[(&str, &str)],
    name: &str,
    tenant: Option<ledger::TenantId>,
) -> (Response, Response) {
    let routes = harness.vendor.routes();
    let idx = routes.iter().position(|r| r.path == pattern && r.method == req.method).unwrap();
    req.params = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    harness.with_ctx(|ctx| {
        let handled = harness.vendor.handle(ctx, idx, &req);
        let drawn = harness.vendor.render_error(ctx, name, &req, tenant).unwrap();
        (handled, drawn)
    })
}

fn retry_after(resp: &Response) -> Option<&str> {
    resp.headers.get("retry-after").map(|value| value.to_str().unwrap())
}

fn assert_rpc_status(resp: &Response, status: u16, text: &str) {
    assert_eq!(body_json(resp), json!({"code": status, "message": text, "details": []}));
}

#[test]
fn every_catalogue_entry_renders_by_name_in_its_routes_shape() {
    let harness = world();
    let (token, _) = login_well_known(&harness);
    let seed = seed_call(&token, "100");
    let mut read = parse_request(&format!(
        "GET /v1/accounts/{SEED_ACCOUNT_ID}/balances\nAuthorization: Bearer {token}"
    ));
    read.params = vec![("account_id".into(), SEED_ACCOUNT_ID.into())];
    let catalogue = harness.vendor.errors();
    assert_eq!(catalogue.len(), EXPECTED.len());
    for entry in catalogue {
        let (_, status, text) =
            EXPECTED.iter().find(|(name, ..)| *name == entry.name).expect(entry.name);
        assert_eq!(entry.status, *status, "{}", entry.name);
        let (on_seed, trace_id) = harness.with_ctx(|ctx| {
            let resp = harness.vendor.render_error(ctx, entry.name, &seed, Some(TENANT)).unwrap();
            (resp, ctx.trace_id(Some(TENANT)))
        });
        let on_read = harness
            .with_ctx(|ctx| harness.vendor.render_error(ctx, entry.name, &read, Some(TENANT)))
            .unwrap();
        for resp in [&on_seed, &on_read] {
            assert_eq!(resp.status, *status, "{}", entry.name);
            assert_eq!(resp.tenant, Some(TENANT));
            assert_eq!(resp.headers["content-type"], "application/json");
            let waits = matches!(status, 429 | 503);
            assert_eq!(retry_after(resp), waits.then_some("1"), "{}", entry.name);
        }
        assert_rpc_status(&on_read, *status, text);
        if *status == 400 && !REFUSED_BY_SERVER.contains(&entry.name) {
            let expected = json!({
                "account_id": SEED_ACCOUNT_ID,
                "reason": text,
                "trace_id": trace_id.hyphenated().to_string(),
            });
            assert_eq!(body_json(&on_seed), expected, "{}", entry.name);
        } else {
            assert_rpc_status(&on_seed, *status, text);
        }
    }
}

#[test]
fn the_catalogue_has_the_three_outages_unique_names_and_nothing_else_renders() {
    let harness = world();
    let catalogue = harness.vendor.errors();
    let names: HashSet<&str> = catalogue.iter().map(|entry| entry.name).collect();
    assert_eq!(names.len(), catalogue.len(), "names are unique");
    for (name, status) in
        [(outage::UNAVAILABLE, 503), (outage::RATE_LIMITED, 429), (outage::INTERNAL, 500)]
    {
        let entry = catalogue.iter().find(|entry| entry.name == name).unwrap();
        assert_eq!(entry.status, status);
    }
    for entry in catalogue {
        assert!(entry.meaning.ends_with('.') && entry.meaning.len() > 20, "{entry:?}");
    }
    let req = seed_call("whatever", "1");
    for unknown in ["", "Insufficient_Balance", "insufficient balance", "VPL0004", "O001"] {
        assert!(
            harness.with_ctx(|ctx| harness.vendor.render_error(ctx, unknown, &req, None)).is_none()
        );
    }
}

/// The seed's body echoes `account_id` as sent, and `""` when the body cannot be read, as the
/// handler does; a garbage request never panics.
#[test]
fn an_entry_on_the_seed_call_echoes_what_the_body_holds() {
    let harness = world();
    let cases = [
        ("{\"account_id\":\"not-a-uuid\"}", "not-a-uuid"),
        ("{\"account_id\":42}", ""),
        ("[1,2", ""),
        ("\u{0}\u{1}", ""),
        ("", ""),
    ];
    for (body, echoed) in cases {
        let req = parse_request(&format!("POST /v1/accounts/balance\n\n{body}"));
        let resp = harness
            .with_ctx(|ctx| harness.vendor.render_error(ctx, "insufficient_balance", &req, None))
            .unwrap();
        assert_eq!(resp.status, 400);
        assert_eq!(body_json(&resp)["account_id"], echoed, "{body}");
        assert_eq!(resp.tenant, None);
    }
}

#[test]
fn a_rendered_entry_is_byte_identical_to_the_handlers_own_answer() {
    let harness = world();
    let (token, _) = login_well_known(&harness);
    // The named account holds 1.00 GBP: debiting 100.01 is refused by the ledger.
    let cases = [
        ("/v1/accounts/balance", seed_call(&token, "10001"), vec![], "insufficient_balance"),
        (
            "/v1/accounts/{account_id}/increase",
            parse_request(&format!(
                "POST /v1/accounts/{}/increase\nAuthorization: Bearer {token}\n\n{{\"amount\":1}}",
                uuid::Uuid::from_u128(9)
            )),
            vec![("account_id", "00000000-0000-0000-0000-000000000009")],
            "account_not_found",
        ),
    ];
    for (pattern, req, params, name) in cases {
        let before = harness.ledger.snapshot(harness.now());
        let (handled, drawn) =
            handled_and_drawn(&harness, pattern, req, &params, name, Some(TENANT));
        assert_eq!(handled.status, 400, "{}", String::from_utf8_lossy(&handled.body));
        assert_eq!((drawn.status, &drawn.headers), (handled.status, &handled.headers), "{name}");
        assert_eq!(drawn.body, handled.body, "{name}");
        assert_eq!(drawn.tenant, handled.tenant);
        assert_eq!(harness.ledger.snapshot(harness.now()), before);
    }
    // No token on the seed's call: the handler's 401, drawn for no tenant.
    let anonymous = parse_request("POST /v1/accounts/balance\n\n{}");
    let (handled, drawn) =
        handled_and_drawn(&harness, "/v1/accounts/balance", anonymous, &[], "unauthorized", None);
    assert_eq!(handled.status, 401);
    assert_eq!(
        (drawn.status, &drawn.headers, &drawn.body),
        (handled.status, &handled.headers, &handled.body)
    );
}

/// A login body with `key`, on the login call.
fn login_request(key: &str) -> Request {
    parse_request(&format!(
        "POST /v1/auth\ncontent-type: application/json\n\n\
         {{\"key\":\"{key}\",\"secret\":\"wrong\"}}"
    ))
}

fn bearer(method_path: &str, token: &str) -> Request {
    parse_request(&format!("{method_path}\nAuthorization: Bearer {token}"))
}

#[test]
fn tenant_of_names_each_credentials_tenant_and_changes_nothing() {
    let harness = Harness::new(super::super::vendor());
    let clowd9 = super::super::Clowd9::default();
    clowd9.provision_tenant(TENANT, true, &crate::common::ids::IdGen::random());
    let other = clowd9.provision_tenant(OTHER, false, &crate::common::ids::IdGen::random());
    let other_key = other["key"].as_str().unwrap();
    let log_in = |key: &str, secret: &str| {
        let raw = format!(
            "POST /v1/auth\ncontent-type: application/json\n\n\
             {{\"key\":\"{key}\",\"secret\":\"{secret}\"}}"
        );
        let resp = harness.with_ctx(|ctx| clowd9.handle(ctx, 0, &parse_request(&raw)));
        let body = body_json(&resp);
        let token = |field: &str| body[field].as_str().unwrap().to_string();
        (token("access_token"), token("refresh_token"))
    };
    let (stale, _) = log_in("sandbank-clowd9-key", "sandbank-clowd9-secret");
    harness.advance(Duration::from_secs(121 * 60));
    let (access, refresh) = log_in("sandbank-clowd9-key", "sandbank-clowd9-secret");
    let (other_access, _) = log_in(other_key, other["secret"].as_str().unwrap());
    let n_tokens = clowd9.auth.n_tokens();
    let balances = format!("GET /v1/accounts/{SEED_ACCOUNT_ID}/balances");

    let cases = [
        (bearer(&balances, &access), Some(TENANT)),
        (bearer("POST /v1/auth/refresh", &refresh), Some(TENANT)),
        (bearer(&balances, &other_access), Some(OTHER)),
        (bearer(&balances, &stale), Some(TENANT)),
        (login_request("sandbank-clowd9-key"), Some(TENANT)),
        (login_request(other_key), Some(OTHER)),
        (login_request("no-such-key"), None),
        (bearer(&balances, "eyJhbGciOiJIUzI1NiJ9.e30.forged"), None),
        (parse_request(&balances), None),
        (parse_request(&format!("{balances}\nAuthorization: Basic c2FuZGJhbms6eA==")), None),
        // A key names a tenant only on the login call.
        (parse_request("POST /v1/accounts/balance\n\n{\"key\":\"sandbank-clowd9-key\"}"), None),
        (parse_request("POST /v1/auth\ncontent-type: application/json\n\n{\"key\":"), None),
        (parse_request("POST /v1/auth\ncontent-type: text/plain\n\nkey=sandbank-clowd9-key"), None),
    ];
    for (req, tenant) in &cases {
        assert_eq!(clowd9.tenant_of(req), *tenant, "{} {:?}", req.path, req.headers);
    }
    // Nothing was issued or pruned, and the expired token is still refused.
    assert_eq!(clowd9.auth.n_tokens(), n_tokens);
    let get_balances =
        clowd9.routes().iter().position(|r| r.operation == "GetAccountBalance").unwrap();
    let still_stale = harness.with_ctx(|ctx| {
        let mut req = bearer(&balances, &stale);
        req.params = vec![("account_id".into(), SEED_ACCOUNT_ID.into())];
        clowd9.handle(ctx, get_balances, &req)
    });
    assert_eq!(still_stale.status, 401);
    assert_rpc_status(&still_stale, 401, "unauthorized");
}
