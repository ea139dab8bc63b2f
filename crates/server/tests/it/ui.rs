//! The dashboard (`/__admin/ui`): its page and assets over plain HTTP, the operator's
//! `X-Sandbank-Tenant`, and the page itself in a real headless Chromium (Debian's `chromium`
//! and `chromedriver`, driven over WebDriver): sign in, open an account through the page, see
//! a vendor call's balance and journal entry arrive, and a refused call's reason. A screenshot
//! of each page is saved under `target/ui-screenshots/` for review.
//!
//! Without chromium and chromedriver the browser test fails, saying what to install: CI
//! (`.ci/run`) installs them, and a test that passed without a browser would prove nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Reply, Sandbox};
use crate::pcaasa::{ADJUST, form, standing_session};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// How long the page may take to show something the server already has (it polls every 1.5 s).
const SHOWN_WITHIN: Duration = Duration::from_secs(15);

#[tokio::test]
async fn the_page_and_its_assets_load_without_a_token_and_an_unknown_asset_is_404() {
    let sb = Sandbox::start().await;
    let page = sb.client.get(sb.url("/__admin/ui")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script src="/__admin/ui/app.js""#), "{html}");
    assert!(html.contains(r#"href="/__admin/ui/style.css""#), "{html}");

    for (asset, content_type, needle) in [
        ("app.js", "text/javascript; charset=utf-8", "function api("),
        ("style.css", "text/css; charset=utf-8", "@media (max-width"),
    ] {
        let resp = sb.client.get(sb.url(&format!("/__admin/ui/{asset}"))).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
        assert_eq!(resp.headers()["content-type"], content_type, "{asset}");
        assert!(resp.text().await.unwrap().contains(needle), "{asset}");
    }
    let missing =
        Reply::read(sb.client.get(sb.url("/__admin/ui/nope.js")).send().await.unwrap()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"], "not_found");
    let post = sb.client.post(sb.url("/__admin/ui")).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_operator_acts_as_another_tenant_with_x_sandbank_tenant_and_no_one_else_can() {
    let sb = Sandbox::start().await;
    let resp = sb.admin(Method::POST, "/__admin/tenants", Some(json!({ "seed": 7 }))).await;
    let other: Value = resp.json().await.unwrap();
    let other_id = other["tenant_id"].as_str().unwrap().to_string();
    let other_token = other["admin_token"].as_str().unwrap().to_string();
    let opened = sb
        .admin_as(
            &other_token,
            Method::POST,
            "/__admin/accounts",
            Some(json!({ "vendor": "qolo", "currency": "USD", "opening_balance": "5.00" })),
        )
        .await;
    assert_eq!(opened.status(), StatusCode::CREATED);

    let as_other = |token: &str, tenant: &str| {
        sb.client
            .get(sb.url("/__admin/accounts"))
            .bearer_auth(token)
            .header("X-Sandbank-Tenant", tenant)
    };
    // The operator sees the other tenant's account, and not its own (it has none).
    let seen = Reply::read(as_other(&sb.server.admin_token, &other_id).send().await.unwrap()).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["accounts"].as_array().unwrap().len(), 1, "{seen:#?}");
    assert_eq!(seen.body["accounts"][0]["balances"]["posted"], "5.00");
    let own: Value = sb.admin(Method::GET, "/__admin/accounts", None).await.json().await.unwrap();
    assert_eq!(own["accounts"].as_array().unwrap().len(), 0);

    // A tenant's own token may not name a tenant, not even itself; nor may anyone name a
    // tenant that does not exist.
    let refused = Reply::read(as_other(&other_token, &other_id).send().await.unwrap()).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.reason.unwrap().contains("only the operator token"));
    let unknown = "00000000-0000-4000-8000-000000000000";
    let nobody = Reply::read(as_other(&sb.server.admin_token, unknown).send().await.unwrap()).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert!(nobody.reason.unwrap().contains(unknown));
}

/// chromedriver on a free loopback port with a fresh headless Chromium session; the driver
/// process is killed when this goes out of scope.
struct Browser {
    client: Client,
    driver: Child,
    profile: PathBuf,
    shots: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    async fn start() -> Browser {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: the dashboard's browser tests need Debian's chromium and \
             chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {CHROMEDRIVER} ({e}): the dashboard's browser tests need \
                     Debian's chromium and chromium-driver (apt-get install -y chromium \
                     chromium-driver; .ci/run installs them)"
                )
            });
        let target = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let profile = target.join(format!("ui-profile-{port}-{}", std::process::id()));
        let shots = target.parent().unwrap().join("ui-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // Without the background-networking flags Chromium keeps trying hosts this
                // closed network refuses; a fresh profile keeps runs independent.
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,800", format!("--user-data-dir={}", profile.display()),
                ],
            }
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => panic!("chromedriver never answered: {e}"),
                // chromedriver is still starting: its port is not open yet.
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser { client, driver, profile, shots }
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// The text of the first element `css` finds, once `ok` accepts it.
    async fn text_when(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SHOWN_WITHIN;
        let mut last = String::from("(no such element)");
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
            {
                if ok(&text) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed what was expected; last seen: {last:?}");
    }

    /// Clicks the first element `css` finds, once there. A poll may redraw the element between
    /// finding and clicking it, so a stale element is looked up again.
    async fn click(&self, css: &str) {
        let deadline = Instant::now() + SHOWN_WITHIN;
        loop {
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.click().await,
                Err(e) => Err(e),
            };
            match clicked {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("cannot click {css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }
}

/// Waits until `css` finds exactly `n` elements.
async fn wait_for_count(browser: &Browser, css: &str, n: usize) {
    let deadline = Instant::now() + SHOWN_WITHIN;
    let mut found = 0;
    while Instant::now() < deadline {
        found = browser.client.find_all(Locator::Css(css)).await.map_or(0, |all| all.len());
        if found == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: {found} elements, never {n}");
}

/// A PCaaSA adjustment of `amount` on `account_uuid` with the default tenant's session.
async fn adjust(sb: &Sandbox, account_uuid: &str, amount: &str) -> Reply {
    let session = standing_session(sb);
    form(
        sb,
        ADJUST,
        &format!(
            "sessionUuid={session}&accountUuid={account_uuid}&amount={amount}&tranCode=DOBKLVAD"
        ),
    )
    .await
}

#[tokio::test]
async fn in_a_browser_a_partner_signs_in_opens_an_account_and_sees_their_calls_arrive() {
    let sb = Sandbox::start().await;
    // A second tenant with an account of its own, for the operator's tenant picker.
    let resp = sb.admin(Method::POST, "/__admin/tenants", Some(json!({ "seed": 3 }))).await;
    let other: Value = resp.json().await.unwrap();
    let other_id = other["tenant_id"].as_str().unwrap().to_string();
    let other_token = other["admin_token"].as_str().unwrap();
    let body = json!({ "vendor": "qolo", "currency": "USD", "opening_balance": "5.00" });
    let resp = sb.admin_as(other_token, Method::POST, "/__admin/accounts", Some(body)).await;
    let other_account: Value = resp.json().await.unwrap();
    let browser = Browser::start().await;
    let b = &browser.client;

    // Sign in with the operator's token.
    b.goto(&sb.url("/__admin/ui")).await.unwrap();
    browser.screenshot("sign-in").await;
    browser.fill("#token", &sb.server.admin_token).await;
    browser.click("#sign-in-form button[type=submit]").await;
    browser.text_when("#accounts-table", |t| t.contains("No accounts yet")).await;

    // Open a PCaaSA account through the page: it lands on the account's own page.
    browser.click("#open-box summary").await;
    browser.text_when("#open-vendor", |t| t.contains("pcaasa")).await;
    b.find(Locator::Css("#open-vendor")).await.unwrap().select_by_value("pcaasa").await.unwrap();
    browser.fill("#open-balance", "500.00").await;
    browser.click("#open-submit").await;
    browser.text_when("#account-available", |t| t == "500.00").await;
    let id = browser.text_when("#account-id", |t| !t.is_empty()).await;
    let account: Value =
        sb.admin(Method::GET, &format!("/__admin/accounts/{id}"), None).await.json().await.unwrap();
    assert_eq!(account["vendor"], "pcaasa", "{account}");
    assert_eq!(account["balances"]["posted"], "500.00", "{account}");
    let uuid = account["vendor_ids"]["accountUuid"].as_str().unwrap().to_string();

    // A vendor call over HTTP: the page, left alone, shows the new balance and the entry.
    let debit = adjust(&sb, &uuid, "-10.00").await;
    assert_eq!(debit.status, StatusCode::OK, "{debit:#?}");
    browser.text_when("#account-available", |t| t == "490.00").await;
    browser.text_when("#entries tbody tr", |t| t.contains("10.00") && t.contains("debit")).await;
    browser.screenshot("account").await;

    browser.click("#nav a[data-page=accounts]").await;
    let row = format!("tr[data-account='{id}'] td[data-field=available]");
    browser.text_when(&row, |t| t == "490.00").await;
    browser.screenshot("accounts").await;

    // A refused call (PCaaSA answers its errors with a 200 and an error envelope): the
    // journal page shows it, with the reason the server gave.
    let refused = adjust(&sb, &uuid, "-1000.00").await;
    assert_eq!(refused.body["status"], "error", "{refused:#?}");
    let reason = refused.reason.clone().expect("a refusal carries X-Sandbank-Reason");
    assert!(reason.contains("insufficient funds"), "{reason}");
    browser.click("#nav a[data-page=requests]").await;
    browser.text_when(".exchange.refused .reason", |t| t == reason).await;
    browser.text_when(".exchange:not(.refused) summary", |t| t.contains("POST")).await;
    // Expanded, the exchange shows the answer and a curl command that reproduces it.
    browser.click(".exchange.refused summary").await;
    let answer = browser.text_when(".exchange.refused[open] pre", |t| !t.is_empty()).await;
    assert!(answer.contains("amount=-1000.00"), "{answer}");
    let curl = browser.text_when(".exchange.refused .curl", |t| !t.is_empty()).await;
    assert!(curl.contains("curl -i -X POST"), "{curl}");
    assert!(curl.contains(&format!("/?call={ADJUST}")), "{curl}");
    assert!(curl.contains("amount=-1000.00"), "{curl}");
    // Only refusals: the successful debit goes, the refusal stays (expanded, as it was).
    b.find(Locator::Css("#f-status")).await.unwrap().select_by_value("refused").await.unwrap();
    wait_for_count(&browser, ".exchange", 1).await;
    browser.text_when(".exchange.refused[open] .curl", |t| t.contains("curl")).await;
    browser.screenshot("requests").await;

    // The clock: freezing it through the page freezes the tenant's clock.
    browser.click("#nav a[data-page=clock]").await;
    browser.text_when("#clock-frozen", |t| t == "running").await;
    browser.click("#freeze").await;
    browser.text_when("#clock-frozen", |t| t == "frozen").await;
    let clock: Value = sb.admin(Method::GET, "/__admin/clock", None).await.json().await.unwrap();
    assert_eq!(clock["frozen"], true);
    let before = clock["now"].as_str().unwrap().to_string();
    browser.fill("#advance", "P1D").await;
    browser.click("#advance-form button").await;
    let after = browser.text_when("#clock-now", |t| t != before && t != "…").await;
    assert!(after > before, "{after} after {before}");
    browser.screenshot("clock").await;

    // Fault rules: the example rule is added from the page and listed.
    browser.click("#nav a[data-page=faults]").await;
    browser.text_when("#faults-list", |t| t.contains("No fault rules")).await;
    browser.click("#fault-box summary").await;
    browser.click("#fault-form button[type=submit]").await;
    browser.text_when("#faults-list", |t| t.contains("pcaasa-throttled")).await;
    let rules: Value = sb.admin(Method::GET, "/__admin/faults", None).await.json().await.unwrap();
    assert_eq!(rules["faults"].as_array().unwrap().len(), 1, "{rules}");
    browser.screenshot("faults").await;
    browser.click("#faults-list button[data-delete]").await;
    browser.text_when("#faults-list", |t| t.contains("No fault rules")).await;

    // The account's page changes its status and a limit (PATCH), and shows them.
    browser.click("#nav a[data-page=accounts]").await;
    browser.click(&format!("tr[data-account='{id}'] a")).await;
    browser.text_when("#account-available", |t| t == "490.00").await;
    browser.click("#edit-box summary").await;
    b.find(Locator::Css("#edit-status")).await.unwrap().select_by_value("frozen").await.unwrap();
    browser.fill("#edit-transfer_amount_max", "50.00").await;
    browser.click("#edit-form button[type=submit]").await;
    browser.text_when("#account-status", |t| t == "frozen").await;
    browser.text_when("#account-summary", |t| t.contains("transfer amount max: 50.00")).await;
    let account: Value =
        sb.admin(Method::GET, &format!("/__admin/accounts/{id}"), None).await.json().await.unwrap();
    assert_eq!(account["status"], "frozen", "{account}");
    assert_eq!(account["limits"]["transfer_amount_max"], "50.00", "{account}");

    // The operator picks the other tenant: the page shows that tenant's accounts only.
    browser.click("#nav a[data-page=accounts]").await;
    b.find(Locator::Css("#tenant")).await.unwrap().select_by_value(&other_id).await.unwrap();
    let other_row = format!(
        "tr[data-account='{}'] td[data-field=available]",
        other_account["id"].as_str().unwrap()
    );
    browser.text_when(&other_row, |t| t == "5.00").await;
    wait_for_count(&browser, "#accounts-table tbody tr", 1).await;
    b.find(Locator::Css("#tenant"))
        .await
        .unwrap()
        .select_by_value(&server::tenants::DEFAULT_TENANT.to_string())
        .await
        .unwrap();

    // A narrow window: the accounts table becomes one labelled card per account.
    b.set_window_size(420, 800).await.unwrap();
    browser.click("#nav a[data-page=accounts]").await;
    browser.text_when(&row, |t| t.contains("490.00")).await;
    browser.screenshot("accounts-narrow").await;
}
