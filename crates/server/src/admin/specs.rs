//! `GET /__admin/specs/{file}`: the specs shipped with this build (every file of the
//! repository's `specs/`, embedded at compile time), so a partner's tooling can fetch the
//! OpenAPI document of exactly the server it talks to.
//!
//! Open, like `/__admin/health`: a spec is public documentation (it is in the repository),
//! says nothing about any tenant, and code generators and API browsers fetch it without an
//! `Authorization` header.

use http::StatusCode;
use include_dir::{Dir, include_dir};
use vendors::{Request, Response};

use crate::index::ADMIN_BASE_PATH;

/// The repository's `specs/` folder as it was when this binary was built (`build.rs` reruns
/// the build when a file is added or removed).
static SHIPPED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../specs");

/// The URL path of every shipped spec file, sorted by name.
pub(crate) fn paths() -> Vec<String> {
    let mut names: Vec<&str> =
        SHIPPED.files().filter_map(|file| file.path().to_str()).collect::<Vec<_>>();
    names.sort_unstable();
    names.into_iter().map(path_of).collect()
}

/// Where the spec file `name` (e.g. `clowd9.yaml`) is served.
pub(crate) fn path_of(name: &str) -> String {
    format!("{ADMIN_BASE_PATH}/specs/{name}")
}

/// One spec file, as it is in the repository, or the admin API's 404.
pub(super) fn get(req: &Request) -> Response {
    let name = req.param("file").unwrap_or_default();
    // Only a file directly in `specs/`: a name with a separator is no file this serves.
    let file = (!name.contains('/')).then(|| SHIPPED.get_file(name)).flatten();
    let Some(file) = file else {
        return super::error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no spec {name}; the index at / lists them"),
        );
    };
    Response::json_bytes(StatusCode::OK, file.contents())
        .with_header("content-type", content_type(name))
}

/// RFC 9512 registers `application/yaml`; the JSON Schemas are JSON.
fn content_type(name: &str) -> &'static str {
    if name.ends_with(".json") { "application/json" } else { "application/yaml" }
}
