//! One keyed balance write per vendor, as raw HTTP a client sends it, and what its account
//! holds: what the fault tests send and look at, whatever the vendor.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::Sandbox;

/// A vendor's keyed write against one account of the default tenant.
pub(crate) struct Target {
    pub(crate) vendor: &'static str,
    /// The account's ledger id.
    pub(crate) account: String,
    /// One of its vendor identifiers, as the vendor's requests name it.
    pub(crate) vendor_id: String,
    method: &'static str,
    path: &'static str,
    headers: Vec<(String, String)>,
    /// The body, with `{key}` where the idempotency key goes.
    body: String,
}

impl Target {
    /// Opens an account of `vendor` and gets the credentials its write needs.
    pub(crate) async fn open(sb: &Sandbox, vendor: &'static str) -> Target {
        let currency = match vendor {
            "clowd9" => "GBP",
            "amlyze" => "EUR",
            "firstvision" => "MXN",
            _ => "USD",
        };
        let opening = if vendor == "amlyze" { "0" } else { "1000.00" };
        let account = sb.open_account(vendor, currency, opening, json!({})).await;
        let ids = &account["vendor_ids"];
        let text = |key: &str| ids[key].as_str().map(str::to_owned).unwrap_or_default();
        let id = account["id"].as_str().unwrap().to_string();
        let json_headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        match vendor {
            "clowd9" => {
                let token = login(
                    sb,
                    "/v1/auth",
                    json!({"key": "sandbank-clowd9-key", "secret": "sandbank-clowd9-secret"}),
                )
                .await;
                let account_id = text("account_id");
                Target {
                    vendor,
                    account: id,
                    vendor_id: account_id.clone(),
                    method: "POST",
                    path: "/v1/accounts/balance",
                    headers: with_bearer(json_headers, &token),
                    body: json!({"account_id": account_id, "amount": 100, "direction": "Credit", "reference_id": "{key}"}).to_string(),
                }
            }
            "qolo" => {
                let token = login(
                    sb,
                    "/api/v1/auth/login",
                    json!({"login_id": "sandbank-qolo-login", "api_key": "sandbank-qolo-key"}),
                )
                .await;
                let guid = text("account_guid");
                Target {
                    vendor,
                    account: id,
                    vendor_id: guid.clone(),
                    method: "POST",
                    path: "/api/v1/accounts/AdjustBalance",
                    headers: with_bearer(json_headers, &token),
                    body: json!({"account_guid": guid, "request_code": "LT-CRD_PTNR_LOAD", "amount": 1, "currency": "USD", "client_reference_id": "{key}"}).to_string(),
                }
            }
            "pcaasa" => {
                let uuid = text("accountUuid");
                Target {
                    vendor,
                    account: id,
                    vendor_id: uuid.clone(),
                    method: "POST",
                    path: "/?call=account-balance-adjust-v1",
                    headers: json_headers,
                    body: json!({"sessionUuid": "5a4db4a4-0000-4000-8000-000000000002", "accountUuid": uuid, "amount": "1.00", "tranCode": "CIVSCCAP", "externalTranUuid": "{key}"}).to_string(),
                }
            }
            "amlyze" => {
                let ext = text("accountExtId");
                Target {
                    vendor,
                    account: id,
                    vendor_id: ext.clone(),
                    method: "PUT",
                    path: "/amlyze-ws-rest/account-balance",
                    headers: with_bearer(json_headers, "sandbank-amlyze-token"),
                    body: json!({"communicationNumber": "{key}", "requester": "financial_institution", "balanceType": "STATEMENT_BALANCE", "accountExtId": ext, "businessUnit": "sandbox", "balanceAt": "2023-09-05T08:07:34.605Z", "value": 1234, "equivalentValue": 33}).to_string(),
                }
            }
            "firstvision" => firstvision(sb, id, &text("accountNumber"), &text("cardNumber")).await,
            other => panic!("no target for {other}"),
        }
    }

    /// A fresh idempotency key in the vendor's format: a UUID for PCaaSA's
    /// `externalTranUuid`, digits for the others (FirstVision's reference number is numeric).
    pub(crate) fn key(&self) -> String {
        let n = uuid::Uuid::new_v4();
        if self.vendor == "pcaasa" {
            n.to_string()
        } else {
            format!("{}", n.as_u128() % 1_000_000_000_000)
        }
    }

    /// The write keyed by `key`, with
    /// `extra` headers, as the bytes a client sends on its own connection.
    pub(crate) fn request(&self, key: &str, extra: &[(&str, &str)]) -> Vec<u8> {
        let body = self.body.replace("{key}", key);
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: sandbank\r\nConnection: close\r\n",
            self.method, self.path
        );
        for (name, value) in
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).chain(extra.iter().copied())
        {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        bytes
    }

    /// What the account holds that a write changes: its entries and, for AMLYZE (which moves
    /// no money), its registered balances.
    pub(crate) async fn state(&self, sb: &Sandbox) -> Value {
        let resp =
            sb.admin(Method::GET, &format!("/__admin/accounts/{}", self.account), None).await;
        let account: Value = resp.json().await.unwrap();
        json!({ "entries": account["n_entries"], "balances": account["balances"], "vendor_state": account["vendor_state"] })
    }
}

fn with_bearer(mut headers: Vec<(String, String)>, token: &str) -> Vec<(String, String)> {
    headers.push(("Authorization".into(), format!("Bearer {token}")));
    headers
}

async fn login(sb: &Sandbox, path: &str, body: Value) -> String {
    let resp = sb.client.post(sb.url(path)).json(&body).send().await.unwrap();
    let json: Value = resp.json().await.unwrap();
    json["access_token"].as_str().unwrap().to_string()
}

async fn firstvision(sb: &Sandbox, id: String, number: &str, card: &str) -> Target {
    let basic = base64::engine::general_purpose::STANDARD
        .encode("sandbank-firstvision-key:sandbank-firstvision-secret");
    let resp = sb
        .client
        .post(sb.url("/token"))
        .header("Authorization", format!("Basic {basic}"))
        .header("apikey", "sandbank-firstvision-key")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let token: Value = resp.json().await.unwrap();
    let headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("apikey".to_string(), "sandbank-firstvision-key".to_string()),
        ("X-ClientID".to_string(), "00970".to_string()),
        (
            "Authorization".to_string(),
            format!("Bearer {}", token["access_token"].as_str().unwrap()),
        ),
    ];
    let body = json!({
        "asmOrganizationNumber": 970, "accountNumber": number, "representativeId": "A",
        "transactionData": {
            "actionCode": "FUND", "cardNumber": card, "cardSequence": 1,
            "description": "CASH_IN", "effectiveDate": "2021-11-20", "otbUpdateIndicator": 0,
            "planNumber": 1, "planSequence": 1, "referenceNumber": "{key}",
            "resolutionReferenceNumber": 1, "storeNumber": 1, "transactionAmount": 1.00
        }
    });
    Target {
        vendor: "firstvision",
        account: id,
        vendor_id: number.to_string(),
        method: "PUT",
        path: "/account/balance",
        headers,
        body: body.to_string(),
    }
}
