//! Strict JSON bodies over real HTTP, for every JSON write route of every vendor: a key sent
//! twice (the money field, or one in a nested object nobody reads), a lone surrogate escape or
//! bytes that are not UTF-8 in a field nobody reads, and a body that is not an object are each
//! refused in the vendor's own error shape, name their problem in `X-Sandbank-Reason`, and
//! change nothing; the same request sent correctly afterwards is accepted and moves exactly
//! its own amount (so the refusals used up no idempotency key or communication number).

use std::str::FromStr;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::{Reply, Sandbox};

/// Where the money field goes in a route's body template.
const MONEY: &str = "@MONEY@";

/// A way to spoil a good body.
#[derive(Debug, Clone, Copy)]
enum Spoiled {
    /// The money field twice, the second time with a large amount.
    MoneyTwice,
    /// A key twice in a nested object of a field nobody reads.
    NestedKeyTwice,
    /// `\ud800` alone in a field nobody reads.
    LoneSurrogate,
    /// A byte that is not UTF-8 in a field nobody reads.
    NotUtf8,
    /// The whole body inside an array.
    NotAnObject,
}

const SPOILED: [Spoiled; 5] = [
    Spoiled::MoneyTwice,
    Spoiled::NestedKeyTwice,
    Spoiled::LoneSurrogate,
    Spoiled::NotUtf8,
    Spoiled::NotAnObject,
];

/// What the good body, sent last, is expected to change.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// The first account's available balance, by this much either way.
    Available(&'static str),
    /// Something the admin API shows, but no balance (AMLYZE's snapshots, a new account).
    Recorded,
    /// Nothing the admin API shows (a validate-only batch, a customer).
    Unseen,
}

/// One JSON write route of one vendor, ready to send.
struct Route {
    label: String,
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    /// The good body, with [`MONEY`] where the money field goes.
    template: String,
    /// The money field's key, the small value the good body carries, and a large one.
    key: &'static str,
    small: &'static str,
    large: &'static str,
    /// The admin ids of the accounts the route may change; the first is the one it moves.
    accounts: Vec<String>,
    change: Change,
    /// Asserts the vendor's own answer to a body it cannot read.
    refused: fn(&Route, &Reply),
}

impl Route {
    fn body(&self, money: &str) -> String {
        self.template.replace(MONEY, money)
    }

    fn good(&self) -> Vec<u8> {
        self.body(&format!("\"{}\":{}", self.key, self.small)).into_bytes()
    }

    /// The good body with `field` (raw JSON member bytes) added first.
    fn with_member(&self, member: &[u8]) -> Vec<u8> {
        let good = self.good();
        let mut body = b"{".to_vec();
        body.extend_from_slice(member);
        body.push(b',');
        body.extend_from_slice(&good[1..]);
        body
    }

    fn spoiled(&self, how: Spoiled) -> Vec<u8> {
        match how {
            Spoiled::MoneyTwice => {
                let (key, small, large) = (self.key, self.small, self.large);
                self.body(&format!("\"{key}\":{small},\"{key}\":{large}")).into_bytes()
            }
            Spoiled::NestedKeyTwice => self.with_member(br#""extra":{"note":1,"note":2}"#),
            Spoiled::LoneSurrogate => self.with_member(br#""extra":"a\ud800b""#),
            Spoiled::NotUtf8 => self.with_member(b"\"extra\":\"a\xffb\""),
            Spoiled::NotAnObject => [&b"["[..], &self.good(), b"]"].concat(),
        }
    }

    /// Whether `reason` names the problem `how` planted.
    fn names(&self, how: Spoiled, reason: &str) -> bool {
        let reason = reason.to_ascii_lowercase();
        match how {
            Spoiled::MoneyTwice => {
                reason.contains("duplicate") && reason.contains(&self.key.to_ascii_lowercase())
            }
            Spoiled::NestedKeyTwice => reason.contains("duplicate key \"note\""),
            Spoiled::LoneSurrogate => {
                reason.contains("surrogate") || reason.contains("unexpected end of hex escape")
            }
            // serde's words where it reads every string itself, ours where it skipped them.
            Spoiled::NotUtf8 => reason.contains("utf-8") || reason.contains("unicode"),
            Spoiled::NotAnObject => !reason.is_empty(),
        }
    }
}

async fn send(sb: &Sandbox, route: &Route, body: Vec<u8>) -> Reply {
    send_as(sb, route, "application/json", body).await
}

async fn send_as(sb: &Sandbox, route: &Route, content_type: &str, body: Vec<u8>) -> Reply {
    let mut req = sb.client.request(route.method.clone(), sb.url(&route.path));
    for (name, value) in &route.headers {
        req = req.header(*name, value);
    }
    Reply::read(req.header(CONTENT_TYPE, content_type).body(body).send().await.unwrap()).await
}

/// Everything the admin API shows of the tenant's accounts: the list, and each of `ids` read
/// on its own (with its vendor state: AMLYZE's snapshots).
async fn state(sb: &Sandbox, ids: &[String]) -> Value {
    let mut reads = vec![admin_get(sb, "/__admin/accounts").await];
    for id in ids {
        reads.push(admin_get(sb, &format!("/__admin/accounts/{id}")).await);
    }
    Value::Array(reads)
}

async fn admin_get(sb: &Sandbox, path: &str) -> Value {
    let resp = sb.admin(Method::GET, path, None).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

fn available(state: &Value) -> Decimal {
    Decimal::from_str(state[1]["balances"]["available"].as_str().unwrap()).unwrap()
}

/// Sends every spoiled body, then the good one, on `route`.
async fn check_route(sb: &Sandbox, route: &Route) {
    let label = &route.label;
    let before = state(sb, &route.accounts).await;
    for how in SPOILED {
        let reply = send(sb, route, route.spoiled(how)).await;
        assert!(!reply.status.is_success(), "{label}: {how:?} accepted: {reply:#?}");
        (route.refused)(route, &reply);
        assert!(
            route.names(how, reply.reason.as_deref().unwrap_or_default()),
            "{label}: {how:?}: reason {:?}",
            reply.reason
        );
        assert_eq!(state(sb, &route.accounts).await, before, "{label}: {how:?} changed state");
    }
    let reply = send(sb, route, route.good()).await;
    assert!(reply.status.is_success(), "{label}: the good body: {reply:#?}");
    let after = state(sb, &route.accounts).await;
    match route.change {
        Change::Available(moved) => {
            let delta = (available(&after) - available(&before)).abs();
            assert_eq!(delta, Decimal::from_str(moved).unwrap(), "{label}");
        }
        Change::Recorded => {
            assert_ne!(after, before, "{label}: the good body recorded nothing");
            assert_eq!(available(&after), available(&before), "{label}");
        }
        Change::Unseen => assert_eq!(after, before, "{label}"),
    }
}

/// Opens an account; its admin id and vendor ids.
async fn open(sb: &Sandbox, vendor: &str, currency: &str, extra: Value) -> (String, Value) {
    let json = sb.open_account(vendor, currency, "500.00", extra).await;
    (json["id"].as_str().unwrap().to_string(), json["vendor_ids"].clone())
}

async fn start() -> Sandbox {
    let sb = Sandbox::start().await;
    let body = json!({ "set": "2026-03-10T10:00:00Z", "freeze": true });
    let resp = sb.admin(Method::POST, "/__admin/clock", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    sb
}

/// `POST path` with a JSON body, no auth; the answer's JSON.
async fn post_json(sb: &Sandbox, path: &str, body: Value) -> Value {
    let resp = sb.client.post(sb.url(path)).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// Each vendor's error shape for a body it cannot read

fn clowd9_seed_refused(route: &Route, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {reply:#?}", route.label);
    let trace_id = reply.body["trace_id"].clone();
    assert_eq!(
        reply.body,
        json!({ "account_id": "", "reason": "invalid request body", "trace_id": trace_id }),
        "{}",
        route.label
    );
}

fn clowd9_refused(route: &Route, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {reply:#?}", route.label);
    let expected = json!({ "code": 400, "message": "invalid request body", "details": [] });
    assert_eq!(reply.body, expected, "{}", route.label);
}

fn firstvision_refused(route: &Route, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {reply:#?}", route.label);
    assert_eq!(reply.body["hasError"], true, "{}: {reply:#?}", route.label);
    assert_eq!(reply.body["data"], Value::Null, "{}: {reply:#?}", route.label);
    assert_eq!(reply.body["errors"][0]["code"], "400", "{}: {reply:#?}", route.label);
}

fn amlyze_refused(route: &Route, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {reply:#?}", route.label);
    let mut keys: Vec<&str> = reply.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["error", "path", "status", "timestamp"], "{}: {reply:#?}", route.label);
    assert_eq!(reply.body["error"], "Bad Request", "{}", route.label);
    assert_eq!(reply.body["path"], route.path.as_str(), "{}", route.label);
}

fn qolo_refused(route: &Route, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {reply:#?}", route.label);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json; charset=utf-8"),
        "{}",
        route.label
    );
    assert_eq!(reply.body["title"], "One or more validation errors occurred.", "{}", route.label);
    let errors = reply.body["errors"].as_object().unwrap();
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["$"], "{}: {reply:#?}", route.label);
}

fn pcaasa_refused(route: &Route, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}: {reply:#?}", route.label);
    assert_eq!(reply.body["status"], "error", "{}: {reply:#?}", route.label);
    let errors = reply.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}: {reply:#?}", route.label);
    assert_eq!(errors[0]["code"], "BODY_MALFORMED", "{}: {reply:#?}", route.label);
}

// ---------------------------------------------------------------------------------------------
// The routes

#[tokio::test]
async fn clowd9_refuses_repeated_keys_and_invalid_json_on_every_write_and_moves_nothing() {
    let sb = start().await;
    let (from, ids) = open(&sb, "clowd9", "GBP", json!({})).await;
    let (to, to_ids) = open(&sb, "clowd9", "GBP", json!({})).await;
    let (account, destination) = (ids["account_id"].clone(), to_ids["account_id"].clone());
    let auth = json!({ "key": "sandbank-clowd9-key", "secret": "sandbank-clowd9-secret" });
    let token = post_json(&sb, "/v1/auth", auth).await["access_token"].as_str().unwrap().to_owned();
    let headers = vec![("authorization", format!("Bearer {token}"))];
    let on = |op: &str| format!("/v1/accounts/{}/{op}", account.as_str().unwrap());
    let route = |label: &str, path: String, template: String, refused| Route {
        label: format!("clowd9 {label}"),
        method: Method::POST,
        path,
        headers: headers.clone(),
        template,
        key: "amount",
        small: "1",
        large: "777700",
        accounts: vec![from.clone(), to.clone()],
        change: Change::Available("0.01"),
        refused,
    };
    let routes = [
        route(
            "update",
            "/v1/accounts/balance".into(),
            format!(
                r#"{{"account_id":{account},{MONEY},"direction":"Credit","reference_id":"S-1"}}"#
            ),
            clowd9_seed_refused,
        ),
        route(
            "increase",
            on("increase"),
            format!(r#"{{{MONEY},"reference_id":"S-2"}}"#),
            clowd9_refused,
        ),
        route(
            "decrease",
            on("decrease"),
            format!(r#"{{{MONEY},"reference_id":"S-3"}}"#),
            clowd9_refused,
        ),
        route(
            "correct",
            on("correct"),
            format!(r#"{{{MONEY},"reason":"strict","reference_id":"S-4"}}"#),
            clowd9_refused,
        ),
        route(
            "transfer",
            "/v1/accounts/transfer".into(),
            format!(
                r#"{{"source_account_id":{account},"destination_account_id":{destination},{MONEY},"reference_id":"S-5"}}"#
            ),
            clowd9_refused,
        ),
    ];
    for route in &routes {
        check_route(&sb, route).await;
    }
}

#[tokio::test]
async fn firstvision_refuses_repeated_keys_and_invalid_json_on_every_write_and_moves_nothing() {
    let sb = start().await;
    let (id, ids) = open(&sb, "firstvision", "MXN", json!({})).await;
    let (number, card) = (ids["accountNumber"].clone(), ids["cardNumber"].clone());
    let resp = sb
        .client
        .post(sb.url("/token"))
        .basic_auth("sandbank-firstvision-key", Some("sandbank-firstvision-secret"))
        .header("apikey", "sandbank-firstvision-key")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let token: Value = resp.json().await.unwrap();
    let headers = vec![
        ("authorization", format!("Bearer {}", token["access_token"].as_str().unwrap())),
        ("apikey", "sandbank-firstvision-key".to_owned()),
        ("x-clientid", "00970".to_owned()),
    ];
    let route = |label: &str, path: &str, template: String| Route {
        label: format!("firstvision {label}"),
        method: Method::PUT,
        path: path.to_owned(),
        headers: headers.clone(),
        template,
        key: "transactionAmount",
        small: "1",
        large: "7777",
        accounts: vec![id.clone()],
        change: Change::Available("1"),
        refused: firstvision_refused,
    };
    let l8v2 = format!(
        r#"{{"asmOrganizationNumber": 970, "representativeId": "A00", "accountNumber": {number}, "transactionData": {{"cardNumber": {card}, "cardSequence": 1, "actionCode": "FUND", "effectiveDate": "2026-03-10", {MONEY}, "planNumber": 1, "planSequence": 1, "storeNumber": 1, "referenceNumber": "000000000901", "resolutionReferenceNumber": "1", "otbUpdateIndicator": 0, "description": "STRICT"}}}}"#
    );
    let v2 = format!(
        r#"{{"organizationNumber": 970, "representativeId": "A00", "isForeign": false, "accountData": {{"organizationNumber": 970, "number": {number}}}, "actionCodePriority": 1, "transactionData": {{"effectiveDate": "2026-03-10", {MONEY}, "departmentCode": "PPLD", "authorizationCode": "281013", "storeNumber": 999999998, "stockKeepingUnitNumber": 775032483, "salesClerk": "6651972850FL", "ticketNumber": "BN0AD3PMLZJOL7Q", "purchaseOrderNumber": "0BGY7RVF00ADMEU0", "referenceNumber": 902, "actionCode": "FUND", "walletId": "MXN", "description": "STRICT", "openToBuyUpdateIndicator": true}}}}"#
    );
    let routes = [route("L8V2", "/account/balance", l8v2), route("v2", "/account/v2/balance", v2)];
    for route in &routes {
        check_route(&sb, route).await;
    }

    // serde reads a struct from an array of its fields in order; FirstVision reads objects.
    let fields = format!(
        r#"[970, "A00", {number}, null, {{"cardNumber": {card}, "cardSequence": 1, "actionCode": "FUND", "effectiveDate": "2026-03-10", "transactionAmount": 7777, "planNumber": 1, "planSequence": 1, "storeNumber": 1, "referenceNumber": "000000000903", "resolutionReferenceNumber": "1", "otbUpdateIndicator": 0, "description": "ARRAY"}}]"#
    );
    let before = state(&sb, &routes[0].accounts).await;
    let reply = send(&sb, &routes[0], fields.into_bytes()).await;
    firstvision_refused(&routes[0], &reply);
    assert_eq!(reply.reason.as_deref(), Some("body: not a valid request: not a JSON object"));
    assert_eq!(state(&sb, &routes[0].accounts).await, before);

    // The same for a nested object: `transactionData` as an array of its fields in order.
    let nested = format!(
        r#"{{"asmOrganizationNumber": 970, "representativeId": "A00", "accountNumber": {number}, "transactionData": [{card}, 1, "FUND", "2026-03-10", 7777, 1, 1, 1, null, "000000000904", "1", 0, "ARRAY", null]}}"#
    );
    let reply = send(&sb, &routes[0], nested.into_bytes()).await;
    firstvision_refused(&routes[0], &reply);
    assert!(
        reply.reason.as_deref().unwrap_or_default().contains("expected a JSON object"),
        "{:?}",
        reply.reason
    );
    assert_eq!(state(&sb, &routes[0].accounts).await, before);
}

#[tokio::test]
async fn amlyze_refuses_repeated_keys_and_invalid_json_on_every_write_and_stores_nothing() {
    let sb = start().await;
    let vendor_ids = json!({ "accountExtId": "STRICT-A", "businessEntityExtId": "STRICT-C" });
    let (id, _) = open(&sb, "amlyze", "EUR", json!({ "vendor_ids": vendor_ids })).await;
    let headers = vec![("authorization", "Bearer sandbank-amlyze-token".to_owned())];
    let balance = |number: &str, day: u8| {
        format!(
            r#"{{"communicationNumber":"{number}","requester":"core","accountExtId":"STRICT-A","balanceAt":"2024-01-0{day}T00:00:00Z",{MONEY}}}"#
        )
    };
    let route = |label: &str, method: Method, path: &str, template: String, change| Route {
        label: format!("amlyze {label}"),
        method,
        path: path.to_owned(),
        headers: headers.clone(),
        template,
        key: "value",
        small: "1",
        large: "7777",
        accounts: vec![id.clone()],
        change,
        refused: amlyze_refused,
    };
    let customer = r#"{"communicationNumber":"STRICT-C1","requester":"core","customerExtId":"STRICT-C2","entityType":"ORGANIZATION","customerStatus":"ACTIVE","sourceOfRiskLevel":"EVALUATE","applicationDate":"2023-11-17T09:00:00Z",@MONEY@}"#;
    let account = r#"{"communicationNumber":"STRICT-A1","requester":"core","businessEntityExtId":"STRICT-C2","accountExtId":"STRICT-A2","accountStatus":"ACTIVE","currencyCode":"EUR","openingDate":"2023-11-17T10:00:00Z",@MONEY@}"#;
    let routes = [
        route(
            "balance",
            Method::PUT,
            "/amlyze-ws-rest/account-balance",
            balance("B-1", 1),
            Change::Recorded,
        ),
        route(
            "batch",
            Method::POST,
            "/amlyze-ws-rest/batch-account-balances",
            format!(r#"{{"accountBalances":[{}]}}"#, balance("B-2", 2)),
            Change::Recorded,
        ),
        route(
            "validate-only batch",
            Method::POST,
            "/amlyze-ws-rest/validate-batch-account-balances",
            format!(r#"{{"accountBalances":[{}]}}"#, balance("B-3", 3)),
            Change::Unseen,
        ),
        Route {
            key: "title",
            small: r#""UAB Pavyzdys""#,
            large: r#""Someone Else""#,
            ..route(
                "customer",
                Method::POST,
                "/amlyze-ws-rest/customer",
                customer.into(),
                Change::Unseen,
            )
        },
        Route {
            key: "accountNumber",
            small: r#""LT601010012345678901""#,
            large: r#""LT000000000000000000""#,
            ..route(
                "account",
                Method::POST,
                "/amlyze-ws-rest/account",
                account.into(),
                Change::Recorded,
            )
        },
    ];
    for route in &routes {
        check_route(&sb, route).await;
    }

    // serde reads a struct from an array of its fields in order; Jackson reads objects only.
    let item =
        r#"["B-9", "core", "DAILY_BALANCE", "STRICT-A", null, "2024-01-09T00:00:00Z", 7777, null]"#;
    let before = state(&sb, &routes[1].accounts).await;
    let reply = send(&sb, &routes[1], format!(r#"{{"accountBalances":[{item}]}}"#).into()).await;
    amlyze_refused(&routes[1], &reply);
    assert!(
        reply.reason.as_deref().unwrap_or_default().contains("expected a JSON object"),
        "{:?}",
        reply.reason
    );
    assert_eq!(state(&sb, &routes[1].accounts).await, before);
}

#[tokio::test]
async fn qolo_refuses_repeated_keys_and_invalid_json_on_adjust_balance_and_moves_nothing() {
    let sb = start().await;
    let (id, ids) = open(&sb, "qolo", "USD", json!({})).await;
    let login = json!({ "login_id": "sandbank-qolo-login", "api_key": "sandbank-qolo-key" });
    let token = post_json(&sb, "/api/v1/auth/login", login).await["access_token"].clone();
    let route = Route {
        label: "qolo AdjustBalance".into(),
        method: Method::POST,
        path: "/api/v1/accounts/AdjustBalance".into(),
        headers: vec![("authorization", format!("Bearer {}", token.as_str().unwrap()))],
        template: format!(
            r#"{{"account_guid":{},"request_code":"LT-CRD_PTNR_LOAD",{MONEY},"currency":"USD","client_reference_id":"strict-1"}}"#,
            ids["account_guid"]
        ),
        key: "amount",
        small: "1",
        large: "7777",
        accounts: vec![id],
        change: Change::Available("1"),
        refused: qolo_refused,
    };
    check_route(&sb, &route).await;
}

#[tokio::test]
async fn pcaasa_refuses_repeated_keys_and_invalid_json_on_adjust_and_moves_nothing() {
    let sb = start().await;
    let (id, ids) = open(&sb, "pcaasa", "USD", json!({})).await;
    let session = sb.server.app.default_tenant().unwrap().credentials["pcaasa"]["sessionUuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let route = Route {
        label: "pcaasa account-balance-adjust-v1".into(),
        method: Method::POST,
        path: "/?call=account-balance-adjust-v1".into(),
        headers: Vec::new(),
        template: format!(
            r#"{{"sessionUuid":"{session}","accountUuid":{},{MONEY},"externalTranUuid":"00000000-0000-4000-8000-000000000901"}}"#,
            ids["accountUuid"]
        ),
        key: "amount",
        small: r#""1.00""#,
        large: r#""7777.00""#,
        accounts: vec![id.clone()],
        change: Change::Available("1.00"),
        refused: pcaasa_refused,
    };
    check_route(&sb, &route).await;

    // A parameter twice is refused in the form encodings too.
    let before = state(&sb, &[id]).await;
    let uuid = ids["accountUuid"].as_str().unwrap();
    let form = format!("sessionUuid={session}&accountUuid={uuid}&amount=1.00&amount=7777.00");
    let multipart = format!(
        "--b\r\nContent-Disposition: form-data; name=\"sessionUuid\"\r\n\r\n{session}\r\n\
         --b\r\nContent-Disposition: form-data; name=\"accountUuid\"\r\n\r\n{uuid}\r\n\
         --b\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n1.00\r\n\
         --b\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n7777.00\r\n--b--\r\n"
    );
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", form),
        ("multipart/form-data; boundary=b", multipart),
    ] {
        let reply = send_as(&sb, &route, content_type, body.into_bytes()).await;
        pcaasa_refused(&route, &reply);
        assert!(
            reply.reason.as_deref().unwrap_or_default().contains("duplicate key \"amount\""),
            "{reply:#?}"
        );
        assert_eq!(state(&sb, &route.accounts).await, before, "{content_type}");
    }
}
