//! AMLYZE across a restart: customers, accounts, snapshots and used `communicationNumber`s
//! registered through the API, the harness restarted as the server does it (ledger replayed,
//! tenant provisioned again, records restored), and every answer a client can provoke is the
//! same on both sides. And a store that refuses a record changes nothing.

use std::time::Duration;

use http::{Method, StatusCode};
use ledger::{AccountId, TenantId, Timestamp};
use serde_json::{Value, json};

use super::{SEED_ACCOUNT, WELL_KNOWN_TOKEN, balance, body, put_balance, request, seed_body, spec};
use crate::amlyze::{Amlyze, ROUTES};
use crate::common::ids::{IdGen, Ids, Trace};
use crate::common::persist::{Recorder, UNSTORED, Unstored};
use crate::testing::{Harness, TENANT, render};
use crate::{Ctx, Refusal, Request, Response, Vendor};

const CUSTOMER: &str = "/amlyze-ws-rest/customer";
const ACCOUNT: &str = "/amlyze-ws-rest/account";
const BATCH: &str = "/amlyze-ws-rest/batch-account-balances";
const VALIDATE: &str = "/amlyze-ws-rest/validate-batch-account-balances";
const BALANCE: &str = "/amlyze-ws-rest/account-balance";

fn fresh() -> Box<dyn Vendor> {
    Box::new(Amlyze::new())
}

fn customer(number: &str, ext_id: &str) -> Value {
    json!({
        "communicationNumber": number, "requester": "core", "customerExtId": ext_id,
        "entityType": "INDIVIDUAL", "applicationDate": "2024-01-01T00:00:00Z",
    })
}

fn account(number: &str, customer: &str, status: &str, iban: &str) -> Value {
    json!({
        "communicationNumber": number, "requester": "core", "businessEntityExtId": customer,
        "accountExtId": "IND-1-GBP", "accountNumber": iban, "accountStatus": status,
        "currencyCode": "GBP", "openingDate": "2024-01-01T00:00:00Z",
    })
}

fn ok(resp: &Response) {
    assert_eq!(resp.status, StatusCode::OK, "{}", render(resp));
}

/// Every accepted request of [`busy_world`], in order, as (path, body): sent again, each must
/// find its `communicationNumber` used.
fn accepted() -> Vec<(&'static str, Value)> {
    let mut no_type = balance("B-3", "2024-02-01T00:00:00+02:00", "-12.5000");
    no_type.as_object_mut().unwrap().remove("balanceType");
    no_type["equivalentValue"] = json!(-13.25);
    no_type["businessUnit"] = json!("sandbox");
    let batch = json!({"accountBalances": [
        balance("B-4", "2024-03-01T00:00:00Z", "1.1"),
        null,
        balance("B-1", "2024-03-02T00:00:00Z", "2"),
        balance("B-5", "2024-01-01T00:00:00Z", "99.99"),
    ]});
    vec![
        (CUSTOMER, customer("C-1", "IND-1")),
        (ACCOUNT, account("A-1", "IND-1", "SUSPENDED", "GB33BUKB20201555555555")),
        (ACCOUNT, account("A-2", "IND-1", "ACTIVE", "GB94BARC10201530093459")),
        (BALANCE, seed_body()),
        (BALANCE, balance("B-1", "2024-01-01T00:00:00Z", "100.25")),
        // The same instant again: replaces B-1's snapshot.
        (BALANCE, balance("B-2", "2024-01-01T00:00:00.000Z", "200")),
        (BALANCE, no_type),
        (BATCH, batch),
    ]
}

/// The default tenant with an admin-opened account (generated identifiers and owner), and
/// everything of [`accepted`] registered, the clock moving between calls; plus calls that
/// record nothing (rejections, a validate-only batch, an unknown path).
fn busy_world() -> Harness {
    let h = Harness::new(fresh());
    let opened = h.with_ctx(|ctx| {
        h.vendor.open_account(ctx, TENANT, &spec("500.00", json!({"accountExtId": SEED_ACCOUNT})))
    });
    opened.unwrap();
    h.with_ctx(|ctx| h.vendor.open_account(ctx, TENANT, &spec("0", json!({})))).unwrap();
    let records = h.records();
    assert_eq!(records, 2);
    for (path, body) in accepted() {
        h.advance(Duration::from_secs(61));
        let resp = send(&h, path, &body);
        ok(&resp);
        if path == BATCH {
            let results = &super::body(&resp)["results"];
            let kinds: Vec<&str> =
                (0..4).map(|i| results[i]["resultType"].as_str().unwrap()).collect();
            assert_eq!(
                kinds,
                ["REQUEST_ACCEPTED", "REQUEST_REJECTED", "REQUEST_REJECTED", "REQUEST_ACCEPTED"]
            );
        }
    }
    assert_eq!(h.records(), records + accepted().len());
    let records = h.records();
    let nothing = [
        (VALIDATE, json!({"accountBalances": [balance("V-1", "2024-04-01T00:00:00Z", "1")]})),
        (BALANCE, balance("B-1", "2024-05-01T00:00:00Z", "1")),
        (BALANCE, json!({"communicationNumber": "R-1", "requester": "core"})),
        (CUSTOMER, json!({"communicationNumber": "C-1"})),
        ("/amlyze-ws-rest/nowhere", json!({})),
    ];
    for (path, body) in nothing {
        send(&h, path, &body);
    }
    assert_eq!(h.records(), records, "refusals, validation and unknown paths record nothing");
    // The last call is a recorded change, so the tenant's clock last seen is in the records.
    h.advance(Duration::from_secs(61));
    ok(&put_balance(&h, balance("B-6", "2024-06-01T00:00:00Z", "6")));
    h
}

fn send(h: &Harness, path: &str, body: &Value) -> Response {
    let method = if path == BALANCE { Method::PUT } else { Method::POST };
    h.send(request(method, path, Some(WELL_KNOWN_TOKEN), &body.to_string()))
}

fn account_ids(h: &Harness) -> Vec<AccountId> {
    h.ledger.accounts(h.now(), TENANT).iter().map(|view| view.id).collect()
}

#[test]
fn amlyze_state_answers_the_same_after_a_restart() {
    let h = busy_world();
    let after = h.restarted(fresh());
    assert_eq!(after.records(), h.records());
    // What the admin API shows: each account's snapshots, identifiers and owner.
    let ids = account_ids(&h);
    assert_eq!(ids.len(), 3);
    for id in &ids {
        let before = h.vendor.inspect_account(TENANT, *id);
        assert!(before.is_some());
        assert_eq!(after.vendor.inspect_account(TENANT, *id), before, "{id:?}");
    }
    // Every number used before is used still.
    for (path, body) in accepted() {
        let (one, other) = (send(&h, path, &body), send(&after, path, &body));
        assert_eq!(render(&other), render(&one));
        assert_eq!(
            one.status,
            if path == BATCH { StatusCode::OK } else { StatusCode::BAD_REQUEST }
        );
    }
    // Customers and accounts are known: a second account of the customer is taken, one tied
    // to another customer or currency is refused, a snapshot of a registered account is taken.
    let probes = [
        (CUSTOMER, customer("P-1", "IND-2")),
        (ACCOUNT, account("P-2", "IND-2", "ACTIVE", "GB33BUKB20201555555555")),
        (
            ACCOUNT,
            account("P-3", "IND-1", "ACTIVE", "GB33BUKB20201555555555")
                .as_object()
                .map(|a| {
                    let mut a = a.clone();
                    a.insert("currencyCode".into(), json!("EUR"));
                    Value::Object(a)
                })
                .unwrap(),
        ),
        (ACCOUNT, account("P-4", "NOBODY", "ACTIVE", "GB33BUKB20201555555555")),
        (BALANCE, balance("P-5", "2024-07-01T00:00:00Z", "7")),
    ];
    for (path, body) in probes {
        let (one, other) = (send(&h, path, &body), send(&after, path, &body));
        assert_eq!(render(&other), render(&one), "{body}");
    }
    // A refusal before the tenant's next request shows the time of its last change.
    let refused = |h: &Harness| {
        let req = request(Method::PUT, BALANCE, Some(WELL_KNOWN_TOKEN), "");
        body(&h.vendor.refuse(Refusal::BodyTimeout, &req, uuid::Uuid::nil()))["timestamp"].clone()
    };
    let fresh_after = h.restarted(fresh());
    assert_eq!(refused(&fresh_after), refused(&h));
}

#[test]
fn amlyze_an_admin_opening_restored_keeps_its_identifiers_and_owner() {
    let h = busy_world();
    let after = h.restarted(fresh());
    // The generated identifiers and owner of the second admin account are taken after the
    // restart as before.
    let view = &h.ledger.accounts(h.now(), TENANT)[..];
    let generated = view.iter().find(|v| v.labels["accountExtId"].starts_with("ACC")).unwrap();
    let ext_id = generated.labels["accountExtId"].clone();
    let owner = generated.labels["businessEntityExtId"].clone();
    let taken = after.with_ctx(|ctx| {
        after.vendor.open_account(ctx, TENANT, &spec("0", json!({"accountExtId": ext_id})))
    });
    assert!(taken.unwrap_err().contains("already registered"));
    let mut second = account("P-1", &owner, "ACTIVE", "LT601010012345678901");
    second["accountExtId"] = json!("P-1-GBP");
    ok(&send(&after, ACCOUNT, &second));
}

#[test]
fn amlyze_restoring_a_bad_record_is_an_error_not_a_panic() {
    let after = Harness::new(fresh()).restarted(fresh());
    let snapshot = json!({
        "unit": "sandbox", "account_ext_id": "NOPE", "balance_type": null,
        "balance_at": "2024-01-01T00:00:00Z", "balance_at_seconds": 0, "balance_at_nanos": 0,
        "value": "1", "equivalent_value": null, "communication_number": "X", "requester": "r",
    });
    let mut bad_type = snapshot.clone();
    bad_type["balance_type"] = json!("MONTHLY");
    let records = [
        b"garbage".to_vec(),
        Vec::new(),
        vec![0xff; 16],
        br#"{"record":"balances"}"#.to_vec(),
        br#"{"record":"customer","at":0,"unit":"u","ext_id":"c","entity_type":"ROBOT","communication_number":"n"}"#.to_vec(),
        br#"{"record":"account_number","at":0,"unit":"u","ext_id":"none","number":"n","communication_number":"n"}"#.to_vec(),
        json!({"record": "balances", "at": 0, "items": [snapshot]}).to_string().into_bytes(),
        json!({"record": "balances", "at": 0, "items": [bad_type]}).to_string().into_bytes(),
        json!({"record": "balances", "at": 0, "items": [], "more": 1}).to_string().into_bytes(),
    ];
    for record in records {
        let err = after.vendor.restore(TENANT, &record).unwrap_err();
        assert!(err.starts_with("amlyze"), "{err}");
    }
}

/// A store that takes nothing: the disk is full.
struct Refusing;

impl Recorder for Refusing {
    fn enabled(&self) -> bool {
        true
    }

    fn record(&self, _: TenantId, _: &'static str, _: Vec<u8>) -> Result<(), Unstored> {
        Err(Unstored("disk full".into()))
    }
}

fn refusing<T>(h: &Harness, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
    let now = h.now();
    let clock = move |_: TenantId| -> Timestamp { now };
    let ids = Ids::default();
    ids.insert(TENANT, IdGen::new(9, b"refusing", b""));
    let server = IdGen::random();
    let trace = Trace::new(&server, &ids);
    f(&Ctx { ledger: &h.ledger, clock: &clock, trace: &trace, ids: &ids, recorder: &Refusing })
}

fn send_refusing(h: &Harness, path: &str, body: &Value) -> Response {
    let method = if path == BALANCE { Method::PUT } else { Method::POST };
    let req: Request = request(method.clone(), path, Some(WELL_KNOWN_TOKEN), &body.to_string());
    let route = ROUTES.iter().position(|r| r.method == method && r.path == path).unwrap();
    refusing(h, |ctx| h.vendor.handle(ctx, route, &req))
}

#[test]
fn amlyze_a_store_that_cannot_write_refuses_the_change_and_nothing_is_kept() {
    let h = busy_world();
    let ids = account_ids(&h);
    let views = |h: &Harness| -> Vec<_> {
        ids.iter().map(|id| h.vendor.inspect_account(TENANT, *id)).collect()
    };
    let before = views(&h);
    let batch = json!({"accountBalances": [balance("F-2", "2024-08-01T00:00:00Z", "1"),
                                            balance("F-3", "2024-08-02T00:00:00Z", "2")]});
    let calls = [
        (BALANCE, balance("F-1", "2024-08-01T00:00:00Z", "1")),
        (BATCH, batch),
        (CUSTOMER, customer("F-4", "IND-9")),
        (ACCOUNT, account("F-5", "IND-1", "ACTIVE", "GB94BARC10201530093459")),
    ];
    for (path, body) in &calls {
        let resp = send_refusing(&h, path, body);
        assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", render(&resp));
        assert!(resp.reason.as_deref().unwrap().starts_with(UNSTORED));
    }
    assert_eq!(views(&h), before, "no snapshot, no new number");
    // Nothing was used up: each call goes through once the store works.
    for (path, body) in &calls {
        ok(&send(&h, path, body));
    }
    let refused = refusing(&h, |ctx| {
        h.vendor.open_account(ctx, TENANT, &spec("0", json!({"accountExtId": "F-6"})))
    });
    assert_eq!(refused.unwrap_err(), UNSTORED);
    let opened = h.with_ctx(|ctx| {
        h.vendor.open_account(ctx, TENANT, &spec("0", json!({"accountExtId": "F-6"})))
    });
    opened.unwrap();
}

#[test]
fn amlyze_records_restore_in_order_around_a_reset_the_server_replays() {
    let after = Harness::new(fresh()).restarted(fresh());
    let account = |id: u128| {
        json!({
            "record": "account", "at": 0, "unit": "sandbox", "ext_id": "ACC-1",
            "account": uuid::Uuid::from_u128(id).to_string(), "customer": "CUS-1",
            "number": "LT601010012345678901", "currency": "EUR", "communication_number": null,
        })
        .to_string()
    };
    after.vendor.restore(TENANT, account(1).as_bytes()).unwrap();
    let first = after.vendor.inspect_account(TENANT, AccountId(uuid::Uuid::from_u128(1)));
    assert_eq!(first.unwrap()["accountExtId"], "ACC-1");
    // The tenant was reset here; the same id then went to another account.
    after.vendor.reset_tenant(TENANT);
    after.vendor.restore(TENANT, account(2).as_bytes()).unwrap();
    assert!(after.vendor.inspect_account(TENANT, AccountId(uuid::Uuid::from_u128(1))).is_none());
    assert!(after.vendor.inspect_account(TENANT, AccountId(uuid::Uuid::from_u128(2))).is_some());
}
