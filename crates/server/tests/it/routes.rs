//! The server's one route table: every vendor route in the registry reaches its vendor's
//! operation, and the admin API's table answers a wrong method as the vendors' do.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::Sandbox;

/// A concrete path for a route pattern: each `{param}` (or `{*rest}`) filled with `x`.
fn concrete(pattern: &str) -> String {
    let mut path = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        path.push('x');
        rest = rest[open..].split_once('}').map_or("", |(_, after)| after);
    }
    path.push_str(rest);
    path
}

#[tokio::test]
async fn every_route_of_every_registered_vendor_reaches_that_vendors_operation() {
    let sb = Sandbox::start().await;
    let mut sent = Vec::new();
    for vendor in &sb.server.app.vendors {
        for route in vendor.routes() {
            let path = concrete(route.path);
            let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
            let resp = sb.client.request(method, sb.url(&path)).body("{}").send().await.unwrap();
            let reason = resp
                .headers()
                .get("x-sandbank-reason")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            assert!(!reason.starts_with("route:"), "{} {path}: {reason}", route.method);
            assert_ne!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{} {path}", route.method);
            sent.push((vendor.name(), route.operation, route.method.to_string(), path));
        }
    }
    assert_eq!(
        sb.server.app.vendors.iter().map(|v| v.name()).collect::<Vec<_>>(),
        server::vendor_names(),
        "every registered vendor is served by default"
    );
    // The journal names the vendor and the operation each request reached.
    let journal = sb.journal().await;
    for (vendor, operation, method, path) in sent {
        let entry = journal
            .iter()
            .find(|e| e["method"] == method.as_str() && e["path"] == path.as_str())
            .unwrap_or_else(|| panic!("{method} {path} not journaled"));
        assert_eq!(entry["vendor"], vendor, "{method} {path}");
        assert_eq!(entry["operation"], operation, "{method} {path}");
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_admin_path_is_405_naming_the_allowed_methods() {
    let sb = Sandbox::start().await;
    let cases = [
        (Method::DELETE, "/__admin/accounts", "GET, POST"),
        (Method::PUT, "/__admin/accounts/x", "GET, PATCH"),
        (Method::POST, "/__admin/accounts/x/entries", "GET"),
        (Method::GET, "/__admin/tenants/x", "DELETE"),
        (Method::PATCH, "/__admin/tenants/", "GET, POST"),
        (Method::DELETE, "/__admin/clock", "GET, POST"),
        (Method::GET, "/__admin/reset", "POST"),
        (Method::POST, "/__admin/requests", "GET"),
    ];
    for (method, path, allow) in cases {
        let resp = sb.admin(method.clone(), path, None).await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let allowed = resp.headers().get("allow").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(allowed.as_deref(), Some(allow), "{method} {path}");
        let json: Value = resp.json().await.unwrap();
        assert_eq!(json["error"], "method_not_allowed", "{method} {path}");
    }
    // The liveness route answers without a token, its 405 too.
    let resp = sb.client.post(sb.url("/__admin/health")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers().get("allow").unwrap(), "GET");
    // Anything else needs the token first: without one, a wrong method is a 401, no `Allow`.
    let resp = sb.client.delete(sb.url("/__admin/clock")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get("allow").is_none());
    // An unknown admin path is the admin API's own 404, not a 405.
    let resp = sb.admin(Method::GET, "/__admin/nothing", None).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.headers().get("allow").is_none());
    // The refused calls changed nothing: the clock was not reset, no tenant was deleted.
    let tenants: Value =
        sb.admin(Method::GET, "/__admin/tenants", None).await.json().await.unwrap();
    assert_eq!(tenants["tenants"].as_array().map(Vec::len), Some(1), "{tenants}");
}
