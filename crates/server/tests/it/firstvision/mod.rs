//! FirstVision end to end over real HTTP on loopback: the token call, the seed's example body
//! as written, next-day funds on the tenant clock, VisionPLUS errors, the HMAC `Signature`,
//! auth and tenant isolation, malformed input, limits, `referenceNumber` replays and a race of
//! parallel cash-outs. Balances are read back through the vendor's own reads and the admin API.
//!
//! This file holds the shared client and helpers; the tests are in one file per topic.

mod auth;
mod errors;
mod schemas;
mod writes;

use std::sync::OnceLock;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use self::schemas::spec_problems;
use crate::common::{Reply, Sandbox};

const API_KEY: &str = "sandbank-firstvision-key";
const SECRET: &str = "sandbank-firstvision-secret";

/// The seed's account, card and organization (the vendor's cash-in/out guide).
const SEED_ACCOUNT: &str = "9704010000000001467";
const SEED_CARD: &str = "0004444440000000558";

/// The vendor's example body (`main-cases/cash-in-out.md`), byte for byte as the guide prints
/// it: FUND 200 with `otbUpdateIndicator` 1 and numeric reference numbers.
const SEED_BODY: &str = r#"{
  "asmOrganizationNumber": 970,
  "accountNumber": "9704010000000001467",
  "representativeId": "A",
  "transactionData": {
    "actionCode": "FUND",
    "cardNumber": "0004444440000000558",
    "cardSequence": 123,
    "description": "CASH_IN_VIA_CARD",
    "effectiveDate": "2021-11-20",
    "otbUpdateIndicator": 1,
    "planNumber": 1,
    "planSequence": 1,
    "referenceNumber": 123,
    "resolutionReferenceNumber": 123,
    "storeNumber": 1,
    "transactionAmount": 200
  }
}"#;

/// The instant most tests freeze the tenant clock at, and the same in epoch milliseconds.
const MORNING: &str = "2026-03-10T10:00:00Z";
const MORNING_MS: i64 = 1_773_136_800_000;

// ---------------------------------------------------------------------------------------------
// Helpers

/// FirstVision's assertions on an answer.
impl Reply {
    /// Asserts a refusal: the status, the documented envelope with this code and text, and a
    /// reason header containing `reason`.
    fn assert_refused(&self, status: u16, code: &str, description: &str, reason: &str) {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        assert_eq!(self.body, envelope_error(code, description), "{self:?}");
        let why = self.reason.as_deref().unwrap_or_else(|| panic!("no reason: {self:?}"));
        assert!(why.contains(reason), "reason {why:?} should contain {reason:?}");
    }

    fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        assert_eq!(self.body["hasError"], json!(false), "{self:?}");
        assert_eq!(self.body["errors"], json!([]), "{self:?}");
        assert!(self.reason.is_none(), "{self:?}");
        &self.body["data"]
    }
}

/// FirstVision's error envelope.
fn envelope_error(code: &str, description: &str) -> Value {
    json!({ "hasError": true, "errors": [{ "code": code, "description": description }], "data": null })
}

/// A JSON number's exact text (`-200.00`): amounts are never read as floats.
fn num(value: &Value) -> String {
    assert!(value.is_number(), "{value} is not a number");
    value.to_string()
}

/// A FirstVision API client: credentials, the current access token and the `X-ClientID`.
pub(crate) struct Fv {
    http: reqwest::Client,
    pub(crate) base: String,
    apikey: String,
    secret: String,
    pub(crate) token: String,
    client_id: String,
}

impl Fv {
    /// The default tenant's well-known client, with a fresh token.
    pub(crate) async fn default_client(sb: &Sandbox) -> Fv {
        let creds = sb.server.app.default_tenant().unwrap().credentials["firstvision"].clone();
        assert_eq!(creds["apikey"], API_KEY);
        assert_eq!(creds["clientSecret"], SECRET);
        Fv::login(sb, API_KEY, SECRET).await
    }

    pub(crate) async fn login(sb: &Sandbox, apikey: &str, secret: &str) -> Fv {
        let mut fv = Fv {
            http: sb.client.clone(),
            base: sb.server.base_url.clone(),
            apikey: apikey.to_string(),
            secret: secret.to_string(),
            token: String::new(),
            client_id: "00970".to_string(),
        };
        fv.renew().await;
        fv
    }

    /// The token call as the vendor documents it: Basic `apikey:client_secret`, the `apikey`
    /// header, a form body.
    async fn token_call(&self, path: &str) -> Reply {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .basic_auth(&self.apikey, Some(&self.secret))
            .header("apikey", &self.apikey)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        Reply::read(resp).await
    }

    /// A new access token (after the tenant clock moved past the old one's lifetime).
    async fn renew(&mut self) {
        let answer = self.token_call("/firstvision/token").await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        self.token = answer.body["access_token"].as_str().unwrap().to_string();
    }

    /// A request with the documented headers: `apikey`, `Authorization: Bearer`, `X-ClientID`.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("apikey", &self.apikey)
            .bearer_auth(&self.token)
            .header("X-ClientID", &self.client_id)
    }

    async fn send(&self, req: RequestBuilder) -> Reply {
        Reply::read(req.send().await.unwrap()).await
    }

    async fn put_json(&self, path: &str, body: &str) -> Reply {
        let req = self
            .request(Method::PUT, path)
            .header("Content-Type", "application/json")
            .body(body.to_string());
        self.send(req).await
    }

    /// `PUT /account/balance` (L8V2).
    pub(crate) async fn cash(&self, body: &str) -> Reply {
        self.put_json("/account/balance", body).await
    }

    /// `PUT /account/v2/balance`.
    async fn cash_v2(&self, body: &str) -> Reply {
        self.put_json("/account/v2/balance", body).await
    }

    /// `POST /account/balance/details`.
    pub(crate) async fn details(&self, number: &str) -> Reply {
        let body = json!({ "accountNumber": number, "organizationNumber": 970 }).to_string();
        let req = self
            .request(Method::POST, "/account/balance/details")
            .header("Content-Type", "application/json")
            .body(body);
        self.send(req).await
    }

    /// `GET /account/v2/accounts` by account number. A 200 is checked against the spec here:
    /// the L8VI answer is larger than the request journal keeps of a body, so the journal's spec
    /// check never sees it whole.
    pub(crate) async fn inquiry(&self, number: &str) -> Reply {
        let req = self
            .request(Method::GET, "/account/v2/accounts?foreignUse=0")
            .header("organization-number", "970")
            .header("account-number", number);
        let answer = self.send(req).await;
        if answer.status == StatusCode::OK {
            let problems = spec_problems("GET", "/account/v2/accounts", &answer.body);
            assert_eq!(problems, Vec::<String>::new(), "the L8VI answer does not match the spec");
        }
        answer
    }

    /// `currentBalance` and `availableCreditLimit` from the balance inquiry, and
    /// `currentBalance` and `availableCredit` from the account inquiry; they must agree.
    async fn figures(&self, number: &str) -> (String, String) {
        let details = self.details(number).await;
        let details = details.assert_ok();
        let inquiry = self.inquiry(number).await;
        let inquiry = &inquiry.assert_ok()["accountData"];
        let from_details = (num(&details["currentBalance"]), num(&details["availableCreditLimit"]));
        let from_inquiry = (num(&inquiry["currentBalance"]), num(&inquiry["availableCredit"]));
        assert_eq!(from_details, from_inquiry, "the two reads disagree");
        from_details
    }
}

/// An account as the admin API opened it.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) card: String,
}

impl Account {
    pub(crate) fn from_json(opened: &Value) -> Account {
        Account {
            id: opened["id"].as_str().unwrap().to_string(),
            number: opened["vendor_ids"]["accountNumber"].as_str().unwrap().to_string(),
            card: opened["vendor_ids"]["cardNumber"].as_str().unwrap().to_string(),
        }
    }
}

/// Opens an MXN FirstVision account for the default tenant.
async fn open(sb: &Sandbox, opening: &str, extra: Value) -> Account {
    Account::from_json(&sb.open_account("firstvision", "MXN", opening, extra).await)
}

/// The seed's account, by the seed's identifiers.
async fn open_seed_account(sb: &Sandbox, opening: &str) -> Account {
    let ids = json!({
        "organizationNumber": 970, "accountNumber": SEED_ACCOUNT, "cardNumber": SEED_CARD,
        "cardSequence": 123,
    });
    open(sb, opening, json!({ "vendor_ids": ids })).await
}

/// `GET /__admin/accounts/{id}` as `token`.
async fn admin_account_as(sb: &Sandbox, token: &str, id: &str) -> Value {
    let resp = sb.admin_as(token, Method::GET, &format!("/__admin/accounts/{id}"), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn admin_account(sb: &Sandbox, id: &str) -> Value {
    admin_account_as(sb, &sb.server.admin_token, id).await
}

/// The ledger's balances as the admin API shows them.
fn balances(posted: &str, deferred: &str, available: &str) -> Value {
    json!({
        "posted": posted, "pending_debits": "0.00", "pending_credits": "0.00",
        "deferred": deferred, "available": available,
    })
}

async fn clock_as(sb: &Sandbox, token: &str, body: Value) -> Value {
    let resp = sb.admin_as(token, Method::POST, "/__admin/clock", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn freeze_at(sb: &Sandbox, at: &str) {
    let now = clock_as(sb, &sb.server.admin_token, json!({ "set": at, "freeze": true })).await;
    assert_eq!(now, json!({ "now": at, "frozen": true }));
}

async fn advance(sb: &Sandbox, by: &str) -> String {
    let now = clock_as(sb, &sb.server.admin_token, json!({ "advance": by })).await;
    now["now"].as_str().unwrap().to_string()
}

/// A server with the default tenant's clock frozen at [`MORNING`], and its client.
async fn start() -> (Sandbox, Fv) {
    let sb = Sandbox::start().await;
    freeze_at(&sb, MORNING).await;
    let fv = Fv::default_client(&sb).await;
    (sb, fv)
}

/// An L8V2 cash-in (`FUND`) or cash-out (`FREV`) body; `amount` is JSON text, sent as written.
pub(crate) fn l8v2(
    account: &Account,
    action: &str,
    amount: &str,
    reference: &str,
    otb: u8,
) -> String {
    format!(
        r#"{{"asmOrganizationNumber": 970, "representativeId": "A00", "accountNumber": "{}", "transactionData": {{"cardNumber": "{}", "cardSequence": 1, "actionCode": "{action}", "effectiveDate": "2026-03-10", "transactionAmount": {amount}, "planNumber": 1, "planSequence": 1, "storeNumber": 1, "referenceNumber": "{reference}", "resolutionReferenceNumber": "1", "otbUpdateIndicator": {otb}, "description": "BRANCH 1"}}}}"#,
        account.number, account.card
    )
}

/// A v2 body; `amount` is JSON text.
fn v2(
    account: &Account,
    action: &str,
    amount: &str,
    reference: u64,
    otb: bool,
    wallet: &str,
) -> String {
    format!(
        r#"{{"organizationNumber": 970, "representativeId": "A00", "isForeign": false, "accountData": {{"organizationNumber": 970, "number": "{}"}}, "actionCodePriority": 1, "transactionData": {{"effectiveDate": "2026-03-10", "transactionAmount": {amount}, "departmentCode": "PPLD", "authorizationCode": "281013", "storeNumber": 999999998, "stockKeepingUnitNumber": 775032483, "salesClerk": "6651972850FL", "ticketNumber": "BN0AD3PMLZJOL7Q", "purchaseOrderNumber": "0BGY7RVF00ADMEU0", "referenceNumber": {reference}, "actionCode": "{action}", "walletId": "{wallet}", "description": "OXXO", "openToBuyUpdateIndicator": {otb}}}}}"#,
        account.number
    )
}

/// A JSON body's field replaced (for malformed variants of a good body).
fn with_field(body: &str, field: &str, value: Value) -> String {
    let mut body: Value = serde_json::from_str(body).unwrap();
    body["transactionData"][field] = value;
    body.to_string()
}
