//! Shared helpers: a spawned server with a reqwest client, and admin API shortcuts.

use reqwest::{Client, Method, Response};
use serde_json::{Value, json};
use server::testing::{self, TestServer};

/// A running server and a client for it.
pub(crate) struct Sandbox {
    pub(crate) server: TestServer,
    pub(crate) client: Client,
}

impl Sandbox {
    pub(crate) async fn start() -> Sandbox {
        let server = testing::spawn().await.unwrap();
        Sandbox { server, client: Client::new() }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url)
    }

    /// An admin request with the default tenant's (operator's) token.
    pub(crate) async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        self.admin_as(&self.server.admin_token.clone(), method, path, body).await
    }

    pub(crate) async fn admin_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// Opens an account through the admin API and returns its JSON.
    #[allow(dead_code, reason = "used by the vendor tests")]
    pub(crate) async fn open_account(
        &self,
        vendor: &str,
        currency: &str,
        opening: &str,
        extra: Value,
    ) -> Value {
        let mut body =
            json!({ "vendor": vendor, "currency": currency, "opening_balance": opening });
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        let resp = self.admin(Method::POST, "/__admin/accounts", Some(body)).await;
        let status = resp.status();
        let json: Value = resp.json().await.unwrap();
        assert_eq!(status, 201, "{json}");
        json
    }

    pub(crate) async fn journal(&self) -> Vec<Value> {
        let resp = self.admin(Method::GET, "/__admin/requests?limit=1000", None).await;
        let json: Value = resp.json().await.unwrap();
        json["requests"].as_array().unwrap().clone()
    }
}
