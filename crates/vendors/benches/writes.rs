//! Each vendor's balance write through its handler, sans-IO: routing aside, this is the whole
//! per-request cost that is ours rather than hyper's or the kernel's (parse, auth, ledger,
//! idempotency record, response body). The bodies are the ones `bench/run.py` sends over HTTP,
//! each with a fresh reference so every write is new, past the idempotency bound so eviction is
//! part of the cost. The issue's 1.5× rule between vendors is checked on these figures.
//! `json_check` times the strict body check alone, beside a `serde_json::Value` parse.
//!
//! Run: `cargo bench -p vendors --bench writes`. `cargo test --all-targets` runs each once.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a bench's setup failing is a bug")]

use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use ledger::{Config, Currency, Ledger, Limits, TenantId, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use vendors::{AccountSpec, Ctx, Request, Response, Vendor};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);
const TENANT: TenantId = TenantId(uuid::Uuid::from_u128(1));

/// One vendor with a ledger, the default tenant's well-known credentials and one account.
struct Bench {
    ledger: Ledger,
    vendor: Box<dyn Vendor>,
    router: matchit::Router<usize>,
    ids: vendors::common::ids::Ids,
}

impl Bench {
    fn new(name: &str) -> Bench {
        let vendor = vendors::all().into_iter().find(|v| v.name() == name).unwrap();
        vendor.provision_tenant(TENANT, true, &vendors::common::ids::IdGen::random());
        let mut router = matchit::Router::new();
        for (idx, route) in vendor.routes().iter().enumerate() {
            // Several methods share a path; the first registration wins and `send` checks.
            let _ = router.insert(route.path, idx);
        }
        Bench { ledger: Ledger::new(Config::default()), vendor, router, ids: Default::default() }
    }

    fn ctx<T>(&self, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let clock = |_tenant: TenantId| NOW;
        let server = vendors::common::ids::IdGen::new(7, b"bench", b"");
        let trace = vendors::common::ids::Trace::new(&server, &self.ids);
        f(&Ctx {
            ledger: &self.ledger,
            clock: &clock,
            trace: &trace,
            ids: &self.ids,
            recorder: &vendors::common::persist::Memory,
        })
    }

    fn open(&self, currency: &str) -> Map<String, Value> {
        let spec = AccountSpec {
            currency: Currency::from_code(currency).unwrap(),
            opening_balance: Decimal::new(100_000_000, 2),
            limits: Limits::default(),
            vendor_ids: Map::new(),
        };
        self.ctx(|ctx| self.vendor.open_account(ctx, TENANT, &spec)).unwrap().vendor_ids
    }

    fn send(
        &self,
        method: Method,
        target: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Response {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        let routes = self.vendor.routes();
        let matched = self.router.at(path).unwrap();
        let params = matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let route = routes
            .iter()
            .position(|r| {
                r.method == method
                    && self.router.at(r.path).is_ok_and(|m| *m.value == *matched.value)
            })
            .unwrap();
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let req = Request { method, path: path.to_owned(), query, headers: map, body, params };
        self.ctx(|ctx| self.vendor.handle(ctx, route, &req))
    }

    fn token(&self, method: Method, target: &str, headers: &[(&str, &str)], body: &str) -> String {
        let resp = self.send(method, target, headers, Bytes::copy_from_slice(body.as_bytes()));
        let value: Value = serde_json::from_slice(&resp.body).unwrap();
        value["access_token"].as_str().unwrap().to_owned()
    }
}

/// A request whose body has `{n}` replaced by a counter, so every write is new.
struct Write {
    method: Method,
    target: String,
    headers: Vec<(String, String)>,
    body: (String, String),
}

fn write(method: Method, target: &str, headers: &[(&str, String)], body: Value) -> Write {
    let text = body.to_string();
    let (head, tail) = text.split_once("{n}").unwrap();
    Write {
        method,
        target: target.to_owned(),
        headers: headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        body: (head.to_owned(), tail.to_owned()),
    }
}

fn setup(bench: &Bench, name: &str) -> Write {
    let json_type = ("Content-Type", "application/json".to_owned());
    match name {
        "clowd9" => {
            let ids = bench.open("GBP");
            let token = bench.token(
                Method::POST,
                "/v1/auth",
                &[("Content-Type", "application/json")],
                r#"{"key":"sandbank-clowd9-key","secret":"sandbank-clowd9-secret"}"#,
            );
            write(
                Method::POST,
                "/v1/accounts/balance",
                &[json_type, ("Authorization", format!("Bearer {token}"))],
                json!({"account_id": ids["account_id"], "amount": 100, "direction": "Credit",
                       "reference_id": "bench-{n}"}),
            )
        }
        "firstvision" => {
            let ids = bench.open("MXN");
            let token = bench.token(
                Method::POST,
                "/token",
                &[
                    // base64("sandbank-firstvision-key:sandbank-firstvision-secret")
                    ("Authorization", "Basic c2FuZGJhbmstZmlyc3R2aXNpb24ta2V5OnNhbmRiYW5rLWZpcnN0dmlzaW9uLXNlY3JldA=="),
                    ("apikey", "sandbank-firstvision-key"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                "grant_type=client_credentials",
            );
            write(
                Method::PUT,
                "/account/balance",
                &[
                    json_type,
                    ("apikey", "sandbank-firstvision-key".to_owned()),
                    ("X-ClientID", "00970".to_owned()),
                    ("Authorization", format!("Bearer {token}")),
                ],
                json!({"asmOrganizationNumber": 970, "accountNumber": ids["accountNumber"],
                       "representativeId": "A",
                       "transactionData": {"actionCode": "FUND", "cardNumber": ids["cardNumber"],
                           "cardSequence": 1, "description": "CASH_IN_BENCH",
                           "effectiveDate": "2021-11-20", "otbUpdateIndicator": 0,
                           "planNumber": 1, "planSequence": 1, "referenceNumber": "{n}",
                           "resolutionReferenceNumber": 1, "storeNumber": 1,
                           "transactionAmount": 1}}),
            )
        }
        "amlyze" => {
            let ids = bench.open("EUR");
            write(
                Method::PUT,
                "/amlyze-ws-rest/account-balance",
                &[json_type, ("Authorization", "Bearer sandbank-amlyze-token".to_owned())],
                json!({"communicationNumber": "COM{n}", "requester": "financial_institution",
                       "balanceType": "STATEMENT_BALANCE", "accountExtId": ids["accountExtId"],
                       "businessUnit": "sandbox", "balanceAt": "2023-09-05T08:07:34.605Z",
                       "value": 11_111_111_111_i64, "equivalentValue": 33333}),
            )
        }
        "qolo" => {
            let ids = bench.open("USD");
            let token = bench.token(
                Method::POST,
                "/api/v1/auth/login",
                &[("Content-Type", "application/json")],
                r#"{"login_id":"sandbank-qolo-login","api_key":"sandbank-qolo-key"}"#,
            );
            write(
                Method::POST,
                "/api/v1/accounts/AdjustBalance",
                &[json_type, ("Authorization", format!("Bearer {token}"))],
                json!({"account_guid": ids["account_guid"], "request_code": "LT-CRD_PTNR_LOAD",
                       "amount": 1, "currency": "USD", "client_reference_id": "bench-{n}"}),
            )
        }
        "pcaasa" => {
            let ids = bench.open("USD");
            write(
                Method::POST,
                "/?call=account-balance-adjust-v1",
                &[json_type],
                json!({"sessionUuid": "5a4db4a4-0000-4000-8000-000000000002",
                       "accountUuid": ids["accountUuid"], "amount": "1.00",
                       "tranCode": "CIVSCCAP", "externalTranUuid": "00000000-0000-4000-8000-{n}"}),
            )
        }
        other => panic!("no bench for {other}"),
    }
}

fn writes(c: &mut Criterion) {
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(4));
    for name in ["clowd9", "firstvision", "amlyze", "qolo", "pcaasa"] {
        let bench = Bench::new(name);
        let spec = setup(&bench, name);
        let headers: Vec<(&str, &str)> =
            spec.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut n: u64 = 100_000_000_000;
        group.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                let body = format!("{}{n}{}", spec.body.0, spec.body.1);
                let resp =
                    bench.send(spec.method.clone(), &spec.target, &headers, Bytes::from(body));
                assert!(resp.status.is_success(), "{name}: {} {:?}", resp.status, resp.reason);
                resp
            });
        });
    }
    group.finish();
}

/// The strict JSON check alone on each vendor's body, beside reading the same body into a
/// `serde_json::Value`: what a second serde pass would have cost instead.
fn json_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("json_check");
    group.measurement_time(Duration::from_secs(2));
    for name in ["clowd9", "firstvision", "amlyze", "qolo", "pcaasa"] {
        let spec = setup(&Bench::new(name), name);
        let body = format!("{}100000000001{}", spec.body.0, spec.body.1);
        group.bench_function(format!("check/{name}"), |b| {
            b.iter(|| vendors::common::json::check(std::hint::black_box(body.as_bytes())).unwrap());
        });
        group.bench_function(format!("value/{name}"), |b| {
            b.iter(|| {
                serde_json::from_slice::<Value>(std::hint::black_box(body.as_bytes())).unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, writes, json_check);
criterion_main!(benches);
