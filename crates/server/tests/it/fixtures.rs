//! `serve --fixtures FILE` over HTTP: a server started with the documented example serves its
//! tenants (by their fixed admin tokens), accounts, clocks and fault rules from the first
//! request, and its vendor credentials work; two starts from one file come up the same.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Value, json};
use server::Config;
use server::testing::{self, TestServer};

use crate::common::Sandbox;

/// The README's example file.
fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/fixtures.example.yaml")
}

const OPERATOR: &str = "sbk_admin_operator_example";
const PARTNER: &str = "sbk_admin_partner_acme";

async fn start() -> TestServer {
    let config = Config {
        fixtures: Some(example()),
        // The test harness fixes an operator token of its own unless given one.
        admin_token: Some(OPERATOR.into()),
        ..Config::default()
    };
    testing::spawn_with(config).await.unwrap()
}

async fn read(sb: &Sandbox, token: &str, path: &str) -> Value {
    let resp = sb.admin_as(token, Method::GET, path, None).await;
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_server_started_with_fixtures_serves_their_accounts_clocks_faults_and_credentials() {
    let sb = Sandbox::with_server(start().await);

    let clock = read(&sb, PARTNER, "/__admin/clock").await;
    assert_eq!(clock, json!({ "now": "2031-03-04T09:00:00Z", "frozen": true }));
    let accounts = read(&sb, PARTNER, "/__admin/accounts").await;
    let accounts = accounts["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{accounts:#?}");
    assert_eq!(accounts[0]["vendor"], "qolo");
    assert_eq!(accounts[0]["balances"]["available"], "75.50");
    assert_eq!(accounts[0]["limits"]["daily_debit_count_max"], 20);
    assert_eq!(accounts[0]["opened_at"], "2031-03-04T09:00:00Z", "opened on the fixture's clock");
    assert_eq!(accounts[1]["status"], "frozen");
    let faults = read(&sb, PARTNER, "/__admin/faults").await;
    assert_eq!(faults["faults"][0]["name"], "qolo-flaky");
    let operator = read(&sb, OPERATOR, "/__admin/accounts").await;
    let operator = operator["accounts"].as_array().unwrap();
    assert_eq!(operator.len(), 2, "{operator:#?}");
    assert_eq!(operator[1]["vendor_ids"]["accountNumber"], "9704010000000001467");
    assert_eq!(operator[1]["balances"]["posted"], "1000.00");
    // The fixture's tenants are tenants like any other: the operator lists them.
    let tenants = read(&sb, OPERATOR, "/__admin/tenants").await;
    assert_eq!(tenants["tenants"].as_array().unwrap().len(), 2);

    // The partner's AMLYZE token reaches the partner's fixture account.
    let tenant = sb.server.app.tenants.by_admin_token(PARTNER).unwrap();
    let token = tenant.credentials["amlyze"]["token"].as_str().unwrap().to_string();
    let body = json!({
        "communicationNumber": "COM1",
        "requester": "financial_institution",
        "balanceType": "STATEMENT_BALANCE",
        "accountExtId": "ACME-EUR-0001",
        "businessUnit": "sandbox",
        "balanceAt": "2031-03-04T08:00:00.000Z",
        "value": 1000,
    });
    let amlyze = crate::amlyze::BALANCE;
    let body = body.to_string();
    let reply = crate::amlyze::call_as(&sb, &token, Method::PUT, amlyze, &body).await;
    reply.assert_amlyze_accepted();
    let journal = read(&sb, PARTNER, "/__admin/requests").await;
    assert_eq!(journal["requests"][0]["vendor"], "amlyze", "{journal:#}");
    // The operator's tenant has no such account: a fixture tenant's accounts are its own.
    let operator = crate::amlyze::TOKEN;
    let refused = crate::amlyze::call_as(&sb, operator, Method::PUT, amlyze, &body).await;
    assert_eq!(refused.status, 400, "{refused:#?}");
}
/// A tenant's accounts as the admin API lists them, without the real-time opening instant
/// of a tenant whose clock runs.
async fn accounts(sb: &Sandbox, token: &str) -> Value {
    let mut listed = read(sb, token, "/__admin/accounts").await;
    for account in listed["accounts"].as_array_mut().unwrap() {
        account["opened_at"] = json!("<real time>");
    }
    listed
}

#[tokio::test]
async fn two_starts_from_one_file_give_the_same_tenants_credentials_and_accounts() {
    let mut seen = Vec::new();
    for _ in 0..2 {
        let sb = Sandbox::with_server(start().await);
        let tenant = sb.server.app.tenants.by_admin_token(PARTNER).unwrap();
        seen.push(json!({
            "partner": tenant.id.to_string(),
            "credentials": tenant.credentials,
            "partner_accounts": accounts(&sb, PARTNER).await,
            "operator_accounts": accounts(&sb, OPERATOR).await,
        }));
    }
    assert_eq!(seen[0], seen[1]);
}
