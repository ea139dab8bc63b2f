//! The web dashboard at `/__admin/ui`: one HTML page, a stylesheet and a script, embedded in
//! the binary so that running it needs no Node build and no files beside the binary.
//!
//! The page needs no token to load; it asks for the admin token and then calls the admin API
//! itself with it (as a Bearer token, kept in the browser's `sessionStorage`), so the dashboard
//! can see and do exactly what the token can through the API, nothing more.

use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use vendors::{Request, Response};

use super::error;

/// The page's assets: the name under `/__admin/ui/`, the content type, the bytes.
const ASSETS: [(&str, &str, &str); 2] = [
    ("app.js", "text/javascript; charset=utf-8", include_str!("ui/app.js")),
    ("style.css", "text/css; charset=utf-8", include_str!("ui/style.css")),
];

/// The page. Scripts come only from this server (no inline script), so a journal body that
/// looks like HTML can never run as code even if the page's escaping had a hole.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/// `GET /__admin/ui`: the dashboard's page.
pub(super) fn page() -> Response {
    asset_response("text/html; charset=utf-8", include_str!("ui/index.html"))
}

/// `GET /__admin/ui/{asset}`: one of the page's assets, by name.
pub(super) fn asset(req: &Request) -> Response {
    let name = req.param("asset").unwrap_or_default();
    match ASSETS.iter().find(|(asset, _, _)| *asset == name) {
        Some((_, content_type, text)) => asset_response(content_type, text),
        None => error(StatusCode::NOT_FOUND, "not_found", format!("no dashboard asset {name}")),
    }
}

fn asset_response(content_type: &'static str, text: &'static str) -> Response {
    let mut resp = Response::empty(StatusCode::OK);
    resp.body = bytes::Bytes::from_static(text.as_bytes());
    resp.headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A new binary may ship a new page: the browser asks again each time (the assets are small).
    resp.headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp.with_header("content-security-policy", CONTENT_SECURITY_POLICY)
        .with_header("x-content-type-options", "nosniff")
}
