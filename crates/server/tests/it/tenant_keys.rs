//! Idempotency keys are their own tenant's, over real HTTP, for every vendor that keys writes:
//! tenant B sends a keyed credit, tenant A (the default tenant) runs its own clock 30 days ahead
//! and sends a batch of keyed writes past its own key bound, and B's retry on B's unchanged clock
//! is still the vendor's replay, with B's money moved once. Only B's own clock passing the
//! vendor's window makes B's key new. AMLYZE keys no money but refuses a used
//! `communicationNumber`, and that too stays B's whatever A does.
//!
//! See: outside testing, "Idempotency keys of one tenant are evicted by another tenant's clock"
//! (B's retried Qolo credit posted a second time, 110 → 120).

use ledger::TenantId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Sandbox;
use crate::{amlyze, clowd9, firstvision, pcaasa, qolo};

/// Keys the ledger keeps per tenant in these tests, in one key shard so the bound is exact:
/// small enough that A's batch passes it. Under the default bound (2^18 in 16 shards) no
/// batch an HTTP test can afford would evict anything, and a load that reached B's keys would
/// go unseen.
const KEYS_MAX: usize = 64;
/// A's keyed writes after its clock jump: more than its key bound, so that if A's load reached
/// B's keys at all, it would evict B's key as surely as it evicts A's own oldest.
const N_WRITES_OF_A: usize = 200;
const _: () = assert!(N_WRITES_OF_A > KEYS_MAX);

/// Where both tenants' clocks start, frozen (10:00 UTC: FirstVision's key is the day's).
const START: &str = "2026-03-10T10:00:00Z";
/// How far A's clock runs ahead of B's.
const A_AHEAD: &str = "P30D";

/// A server whose ledger keeps [`KEYS_MAX`] idempotency keys per tenant.
async fn start() -> Sandbox {
    let ledger = ledger::Config {
        n_key_shards: 1,
        idempotency_keys_max: KEYS_MAX,
        ..ledger::Config::default()
    };
    let config = server::Config { ledger, ..server::Config::default() };
    Sandbox::with_server(server::testing::spawn_with(config).await.unwrap())
}

/// A tenant as a client sees it: its admin token and its credentials for every vendor.
struct Tenant {
    id: TenantId,
    admin_token: String,
    credentials: Value,
}

impl Tenant {
    /// The default tenant.
    fn default_of(sb: &Sandbox) -> Tenant {
        let tenant = sb.server.app.default_tenant().unwrap();
        Tenant {
            id: tenant.id,
            admin_token: tenant.admin_token.clone(),
            credentials: Value::Object(tenant.credentials.clone()),
        }
    }

    /// A new tenant, made with `POST /__admin/tenants`.
    async fn create(sb: &Sandbox) -> Tenant {
        let resp = sb.admin(Method::POST, "/__admin/tenants", None).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let json: Value = resp.json().await.unwrap();
        Tenant {
            id: TenantId(uuid::Uuid::parse_str(json["tenant_id"].as_str().unwrap()).unwrap()),
            admin_token: json["admin_token"].as_str().unwrap().to_string(),
            credentials: json["credentials"].clone(),
        }
    }

    /// Changes this tenant's clock, and this tenant's only.
    async fn clock(&self, sb: &Sandbox, body: Value) {
        let resp = sb.admin_as(&self.admin_token, Method::POST, "/__admin/clock", Some(body)).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }

    /// Opens an account holding 100.00 and answers it as the admin API does.
    async fn open(&self, sb: &Sandbox, vendor: &str, currency: &str) -> Value {
        let body = json!({ "vendor": vendor, "currency": currency, "opening_balance": "100.00" });
        let resp =
            sb.admin_as(&self.admin_token, Method::POST, "/__admin/accounts", Some(body)).await;
        let status = resp.status();
        let json: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{json}");
        json
    }

    /// The account's posted balance and number of history entries, read through the admin API.
    async fn posted(&self, sb: &Sandbox, account: &Value) -> (String, u64) {
        let path = format!("/__admin/accounts/{}", account["id"].as_str().unwrap());
        let resp = sb.admin_as(&self.admin_token, Method::GET, &path, None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let json: Value = resp.json().await.unwrap();
        (
            json["balances"]["posted"].as_str().unwrap().to_string(),
            json["n_entries"].as_u64().unwrap(),
        )
    }
}

/// A vendor's answer to a keyed credit: whether it succeeded, and what a replay repeats.
#[derive(Debug, PartialEq)]
struct Outcome {
    succeeded: bool,
    repeated: String,
}

/// A vendor whose balance writes carry an idempotency key, as one tenant's client drives it.
trait Keyed: Sized {
    const VENDOR: &'static str;
    const CURRENCY: &'static str;
    /// How far B's clock may move after the first send with the retry still a replay, then
    /// how much further it takes for the key to be new (the vendor module's documented window).
    const INSIDE: &'static str;
    const PAST: &'static str;

    /// A client with the tenant's credentials for this vendor (again after its clock moved, as
    /// tokens expire on it).
    async fn login(sb: &Sandbox, tenant: &Tenant) -> Self;

    /// A credit of `units` whole currency units to `account` (as the admin API opened it), keyed
    /// by `key`.
    async fn credit(&self, sb: &Sandbox, account: &Value, key: &str, units: u32) -> Outcome;

    /// The `n`th distinct key.
    fn key(n: usize) -> String {
        format!("key-{n:07}")
    }
}

/// `vendor_ids[name]` of an account as the admin API opened it.
fn vendor_id<'a>(account: &'a Value, name: &str) -> &'a str {
    account["vendor_ids"][name].as_str().unwrap()
}

/// Qolo's `IdempotencyKey` header.
struct QoloHeader(String);

impl Keyed for QoloHeader {
    const VENDOR: &'static str = "qolo";
    const CURRENCY: &'static str = "USD";
    const INSIDE: &'static str = "PT23H59M";
    const PAST: &'static str = "PT2M";

    async fn login(sb: &Sandbox, tenant: &Tenant) -> Self {
        QoloHeader(qolo_login(sb, tenant).await)
    }

    async fn credit(&self, sb: &Sandbox, account: &Value, key: &str, units: u32) -> Outcome {
        let body =
            qolo::adjustment(vendor_id(account, "account_guid"), "LT-ACH_IN", &units.to_string());
        qolo_outcome(qolo::adjust_keyed(sb, &self.0, key, &body).await)
    }
}

/// Qolo's `client_reference_id`, the key of a request without the header.
struct QoloReference(String);

impl Keyed for QoloReference {
    const VENDOR: &'static str = "qolo";
    const CURRENCY: &'static str = "USD";
    const INSIDE: &'static str = "PT23H59M";
    const PAST: &'static str = "PT2M";

    async fn login(sb: &Sandbox, tenant: &Tenant) -> Self {
        QoloReference(qolo_login(sb, tenant).await)
    }

    async fn credit(&self, sb: &Sandbox, account: &Value, key: &str, units: u32) -> Outcome {
        let mut body =
            qolo::adjustment(vendor_id(account, "account_guid"), "LT-ACH_IN", &units.to_string());
        body["client_reference_id"] = json!(key);
        qolo_outcome(qolo::adjust(sb, &self.0, &body).await)
    }
}

async fn qolo_login(sb: &Sandbox, tenant: &Tenant) -> String {
    let credentials = &tenant.credentials["qolo"];
    let (login_id, api_key) =
        (credentials["login_id"].as_str().unwrap(), credentials["api_key"].as_str().unwrap());
    qolo::login_as(sb, login_id, api_key).await
}

/// A replay is the first 201, body byte for byte.
fn qolo_outcome(reply: crate::common::Reply) -> Outcome {
    Outcome { succeeded: reply.status == StatusCode::CREATED, repeated: reply.text }
}

/// Clowd9's `reference_id` on the seed's Update Account Balance.
struct Clowd9(String);

impl Keyed for Clowd9 {
    const VENDOR: &'static str = "clowd9";
    const CURRENCY: &'static str = "GBP";
    const INSIDE: &'static str = "P6DT23H59M";
    const PAST: &'static str = "PT2M";

    async fn login(sb: &Sandbox, tenant: &Tenant) -> Self {
        let credentials = &tenant.credentials["clowd9"];
        let (key, secret) =
            (credentials["key"].as_str().unwrap(), credentials["secret"].as_str().unwrap());
        Clowd9(clowd9::login_as(sb, key, secret).await.access)
    }

    async fn credit(&self, sb: &Sandbox, account: &Value, key: &str, units: u32) -> Outcome {
        let body = json!({
            "account_id": vendor_id(account, "account_id"), "amount": i64::from(units) * 100,
            "direction": "Credit", "reference_id": key,
        });
        let reply = clowd9::call(sb, Method::POST, clowd9::UPDATE, Some(&self.0), Some(body)).await;
        // A replay repeats the first outcome under its own trace id.
        let mut repeated = reply.body.clone();
        repeated["trace_id"] = Value::Null;
        Outcome { succeeded: reply.status == StatusCode::OK, repeated: repeated.to_string() }
    }
}

/// FirstVision's `referenceNumber` on an L8V2 cash-in, memo-posted.
struct FirstVision(firstvision::Fv);

impl Keyed for FirstVision {
    const VENDOR: &'static str = "firstvision";
    const CURRENCY: &'static str = "MXN";
    // The key is the account's, the reference's and the UTC day's: from 10:00, 23:59 is the
    // same day and 00:01 the next.
    const INSIDE: &'static str = "PT13H59M";
    const PAST: &'static str = "PT2M";

    async fn login(sb: &Sandbox, tenant: &Tenant) -> Self {
        let credentials = &tenant.credentials["firstvision"];
        let (apikey, secret) = (
            credentials["apikey"].as_str().unwrap(),
            credentials["clientSecret"].as_str().unwrap(),
        );
        FirstVision(firstvision::Fv::login(sb, apikey, secret).await)
    }

    async fn credit(&self, _: &Sandbox, account: &Value, key: &str, units: u32) -> Outcome {
        let account = firstvision::Account::from_json(account);
        let answer =
            self.0.cash(&firstvision::l8v2(&account, "FUND", &units.to_string(), key, 0)).await;
        let succeeded = answer.status == StatusCode::OK && answer.body["hasError"] == json!(false);
        // A replay is the first answer byte for byte.
        Outcome { succeeded, repeated: answer.body.to_string() }
    }

    /// References are at most 12 characters.
    fn key(n: usize) -> String {
        format!("{n:012}")
    }
}

/// PCaaSA's `externalTranUuid` on `account-balance-adjust-v1`.
struct Pcaasa(String);

impl Keyed for Pcaasa {
    const VENDOR: &'static str = "pcaasa";
    const CURRENCY: &'static str = "USD";
    const INSIDE: &'static str = "PT23H59M";
    const PAST: &'static str = "PT2M";

    /// The tenant's standing session, which never expires.
    async fn login(_: &Sandbox, tenant: &Tenant) -> Self {
        Pcaasa(tenant.credentials["pcaasa"]["sessionUuid"].as_str().unwrap().to_string())
    }

    async fn credit(&self, sb: &Sandbox, account: &Value, key: &str, units: u32) -> Outcome {
        let body = format!(
            "sessionUuid={}&accountUuid={}&amount={units}.00&externalTranUuid={key}",
            self.0,
            vendor_id(account, "accountUuid")
        );
        let reply = pcaasa::form(sb, pcaasa::ADJUST, &body).await;
        let succeeded = reply.status == StatusCode::OK && reply.body["status"] == "success";
        // A replay answers the original response, the same bytes.
        Outcome { succeeded, repeated: reply.text }
    }

    /// Tracking ids are uuids.
    fn key(n: usize) -> String {
        uuid::Uuid::from_u128(0x7e4a_47e5_0000_4000_8000_0000_0000_0000 | n as u128).to_string()
    }
}

/// Both tenants with clocks frozen at [`START`] and an account each holding 100.00: (A, A's
/// account, B, B's account).
async fn two_tenants(sb: &Sandbox, vendor: &str, currency: &str) -> (Tenant, Value, Tenant, Value) {
    let (a, b) = (Tenant::default_of(sb), Tenant::create(sb).await);
    for tenant in [&a, &b] {
        tenant.clock(sb, json!({ "set": START, "freeze": true })).await;
    }
    let (a_account, b_account) =
        (a.open(sb, vendor, currency).await, b.open(sb, vendor, currency).await);
    (a, a_account, b, b_account)
}

/// A runs its clock [`A_AHEAD`] and sends [`N_WRITES_OF_A`] keyed credits of 1, the first
/// with B's key text (A's own key), then shows it went past its own key bound: its first key,
/// retried, posts again.
async fn a_runs_ahead_and_past_its_bound<V: Keyed>(sb: &Sandbox, a: &Tenant, account: &Value) {
    a.clock(sb, json!({ "advance": A_AHEAD })).await;
    let client = V::login(sb, a).await;
    let mut first = None;
    for n in 0..N_WRITES_OF_A {
        let outcome = client.credit(sb, account, &V::key(n), 1).await;
        assert!(outcome.succeeded, "A's write {n}: {outcome:?}");
        first.get_or_insert(outcome);
    }
    assert_eq!(a.posted(sb, account).await.0, "300.00");
    let again = client.credit(sb, account, &V::key(0), 1).await;
    assert!(again.succeeded, "{again:?}");
    assert_ne!(Some(again), first, "A's oldest key went with A's own bound");
    assert_eq!(a.posted(sb, account).await.0, "301.00");
}

/// The scenario for one vendor, then B's own window.
async fn a_key_outlives_another_tenants_clock_and_load<V: Keyed>() {
    let sb = start().await;
    let (a, a_account, b, b_account) = two_tenants(&sb, V::VENDOR, V::CURRENCY).await;
    let retry_key = V::key(0);
    let first = V::login(&sb, &b).await.credit(&sb, &b_account, &retry_key, 10).await;
    assert!(first.succeeded, "{first:?}");
    assert_eq!(b.posted(&sb, &b_account).await, ("110.00".to_string(), 2));

    a_runs_ahead_and_past_its_bound::<V>(&sb, &a, &a_account).await;

    // B retries, unchanged, on its own clock, which has not moved: the vendor's replay.
    let again = V::login(&sb, &b).await.credit(&sb, &b_account, &retry_key, 10).await;
    assert_eq!(again, first, "B's retry is the first answer again");
    assert_eq!(b.posted(&sb, &b_account).await, ("110.00".to_string(), 2), "credited once");

    // The window is B's own clock's: to its last minute a replay, past it a new credit.
    b.clock(&sb, json!({ "advance": V::INSIDE })).await;
    let again = V::login(&sb, &b).await.credit(&sb, &b_account, &retry_key, 10).await;
    assert_eq!(again, first, "still inside B's window");
    assert_eq!(b.posted(&sb, &b_account).await, ("110.00".to_string(), 2));
    b.clock(&sb, json!({ "advance": V::PAST })).await;
    let anew = V::login(&sb, &b).await.credit(&sb, &b_account, &retry_key, 10).await;
    assert!(anew.succeeded, "{anew:?}");
    assert_ne!(anew, first, "past B's window the key is new");
    assert_eq!(b.posted(&sb, &b_account).await, ("120.00".to_string(), 3));
}

#[tokio::test]
async fn a_qolo_idempotency_key_outlives_another_tenants_clock_and_load() {
    a_key_outlives_another_tenants_clock_and_load::<QoloHeader>().await;
}

#[tokio::test]
async fn a_qolo_client_reference_id_outlives_another_tenants_clock_and_load() {
    a_key_outlives_another_tenants_clock_and_load::<QoloReference>().await;
}

#[tokio::test]
async fn a_clowd9_reference_id_outlives_another_tenants_clock_and_load() {
    a_key_outlives_another_tenants_clock_and_load::<Clowd9>().await;
}

#[tokio::test]
async fn a_firstvision_reference_number_outlives_another_tenants_clock_and_load() {
    a_key_outlives_another_tenants_clock_and_load::<FirstVision>().await;
}

#[tokio::test]
async fn a_pcaasa_external_tran_uuid_outlives_another_tenants_clock_and_load() {
    a_key_outlives_another_tenants_clock_and_load::<Pcaasa>().await;
}

/// AMLYZE moves no money and replays nothing: a used `communicationNumber` is refused (`O005`).
/// It stays used for B whatever A's clock and load do, and by AMLYZE's documented rule (the last
/// 100 000 numbers per tenant, not a time window) even after B's own clock moves a month.
#[tokio::test]
async fn an_amlyze_communication_number_stays_used_whatever_another_tenant_does() {
    let sb = start().await;
    let (a, a_account, b, b_account) = two_tenants(&sb, "amlyze", "EUR").await;
    let token =
        |tenant: &Tenant| tenant.credentials["amlyze"]["token"].as_str().unwrap().to_string();
    let balance = |account: &Value, number: &str| {
        json!({
            "communicationNumber": number, "requester": "core",
            "accountExtId": vendor_id(account, "accountExtId"),
            "balanceAt": "2026-03-10T09:00:00Z", "value": 110,
        })
        .to_string()
    };
    let put = |tenant: &Tenant, body: String| {
        let token = token(tenant);
        let sb = &sb;
        async move { amlyze::call_as(sb, &token, Method::PUT, amlyze::BALANCE, &body).await }
    };
    let n_snapshots = |tenant: &Tenant, account: &Value| {
        let history = amlyze::history_of(&sb, tenant.id, account["id"].as_str().unwrap());
        amlyze::n_snapshots(&history.unwrap())
    };
    put(&b, balance(&b_account, "retry-me")).await.assert_amlyze_accepted();

    // A, a month ahead, registers balances, the first under B's number (A's numbers are its own).
    a.clock(&sb, json!({ "advance": A_AHEAD })).await;
    for n in 0..N_WRITES_OF_A {
        let number = if n == 0 { "retry-me".to_string() } else { format!("a-{n}") };
        put(&a, balance(&a_account, &number)).await.assert_amlyze_accepted();
    }

    let used = "CommunicationNumber already used in amlyze";
    let reason = "field communicationNumber: \"retry-me\" was already used by an accepted request";
    put(&b, balance(&b_account, "retry-me")).await.assert_amlyze_rejected("O005", used, reason);
    b.clock(&sb, json!({ "advance": "P30D" })).await;
    put(&b, balance(&b_account, "retry-me")).await.assert_amlyze_rejected("O005", used, reason);
    assert_eq!(n_snapshots(&b, &b_account), 1, "B's first snapshot alone");
}
