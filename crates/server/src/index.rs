//! `GET /`: what this server serves (each vendor's base path and routes, the admin API, the
//! URLs of the specs it serves), for a person or a script that finds a sandbank and wants to
//! know what it is. Rendered once at start-up from the vendors' own route tables.

use bytes::Bytes;
use serde_json::{Value, json};
use vendors::Vendor;

use crate::admin::specs;

/// Where the admin API is mounted; the server owns this prefix.
pub(crate) const ADMIN_BASE_PATH: &str = "/__admin";

/// The index of `vendors` (those served) as JSON bytes.
pub(crate) fn render(vendors: &[Box<dyn Vendor>]) -> Bytes {
    let served: Vec<Value> = vendors.iter().map(|vendor| describe(&**vendor)).collect();
    let index = json!({
        "service": "sandbank",
        "vendors": served,
        "admin": {
            "base_path": ADMIN_BASE_PATH,
            "health": format!("{ADMIN_BASE_PATH}/health"),
            "spec": specs::path_of("admin.yaml"),
            "dashboard": format!("{ADMIN_BASE_PATH}/ui"),
        },
        "metrics": "/metrics",
        // Every file of the repository's specs/, served by this binary.
        "specs": specs::paths(),
    });
    Bytes::from(index.to_string())
}

fn describe(vendor: &dyn Vendor) -> Value {
    let routes: Vec<Value> = vendor
        .routes()
        .iter()
        .map(|route| {
            json!({ "method": route.method.as_str(), "path": route.path, "operation": route.operation })
        })
        .collect();
    json!({
        "name": vendor.name(),
        "base_path": base_path(vendor.routes().iter().map(|route| route.path)),
        "spec": specs::path_of(&format!("{}.yaml", vendor.name())),
        "routes": routes,
    })
}

/// The literal path segments every one of `paths` starts with (`/v1` for `/v1/auth` and
/// `/v1/accounts/{account_id}`); `/` when they share none. A parameter segment ends the prefix.
fn base_path<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for path in paths {
        let segments = path.split('/').filter(|s| !s.is_empty()).take_while(|s| !s.contains('{'));
        common = Some(match common {
            None => segments.collect(),
            Some(prefix) => prefix
                .into_iter()
                .zip(segments)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    format!("/{}", common.unwrap_or_default().join("/"))
}
