//! One route table for everything the server answers: every served vendor's routes and the
//! admin API's, in one `matchit` router, so a request is resolved by one lookup to who answers
//! it (a vendor or the admin API) and which of that owner's routes.

use http::Method;
use vendors::Vendor;

use crate::ServerError;
use crate::index::ADMIN_BASE_PATH;

/// Who answers a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The vendor at this index of `App::vendors`.
    Vendor(usize),
    /// The admin API.
    Admin,
    /// `GET /metrics`.
    Metrics,
}

/// What a request resolved to within its owner's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dispatch {
    /// The route at this index of the owner's table serves the request.
    Route(usize),
    /// The path is known but not with this method; the index is one of the path's routes.
    WrongMethod(usize),
    /// No route of the owner serves the path (only the admin API owns a whole prefix).
    NoRoute,
}

/// One method a path serves.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) method: Method,
    /// The index of the route in its owner's table (`Vendor::routes` or `admin::ROUTES`).
    pub(crate) route: usize,
}

/// Everything one path serves: one owner, one or more methods.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) owner: Owner,
    pub(crate) targets: Vec<Target>,
}

impl Endpoint {
    /// The route serving `method` here, if any.
    pub(crate) fn route_for(&self, method: &Method) -> Option<usize> {
        self.targets.iter().find(|t| t.method == *method).map(|t| t.route)
    }

    /// The methods this path serves, as an `Allow` header's value.
    pub(crate) fn allow(&self) -> String {
        let methods: Vec<&str> = self.targets.iter().map(|t| t.method.as_str()).collect();
        methods.join(", ")
    }
}

/// The path to look up: the admin API forgives trailing slashes (`/__admin/accounts/`), the
/// vendors, like the real ones, do not.
pub(crate) fn lookup_path(path: &str) -> &str {
    if path.len() > 1 && path.ends_with('/') && path.starts_with(ADMIN_BASE_PATH) {
        path.trim_end_matches('/')
    } else {
        path
    }
}

/// The one router of `vendors`' routes and the admin API's.
pub(crate) fn build(vendors: &[Box<dyn Vendor>]) -> Result<matchit::Router<Endpoint>, ServerError> {
    let vendor_routes = vendors.iter().enumerate().flat_map(|(idx, vendor)| {
        let routes = vendor.routes().iter().enumerate();
        routes.map(move |(route, r)| (Owner::Vendor(idx), route, &r.method, r.path))
    });
    let admin_routes = crate::admin::ROUTES
        .iter()
        .enumerate()
        .map(|(route, r)| (Owner::Admin, route, &r.method, r.path));
    // Outside the admin prefix, where Prometheus looks; a vendor serving it would conflict.
    let metrics_route = [(Owner::Metrics, 0, &Method::GET, crate::metrics::PATH)];
    // Group by path first: matchit maps a path to one value, and one path may serve several
    // methods.
    let mut by_path: Vec<(&'static str, Endpoint)> = Vec::new();
    for (owner, route, method, path) in vendor_routes.chain(admin_routes).chain(metrics_route) {
        let target = Target { method: method.clone(), route };
        match by_path.iter_mut().find(|(known, _)| *known == path) {
            Some((_, endpoint)) if endpoint.owner == owner => endpoint.targets.push(target),
            Some(_) => {
                return Err(ServerError::RouteConflict {
                    path: path.to_string(),
                    detail: "served by two owners (vendors or the admin API)".into(),
                });
            }
            None => by_path.push((path, Endpoint { owner, targets: vec![target] })),
        }
    }
    let mut router = matchit::Router::new();
    for (path, endpoint) in by_path {
        router.insert(path, endpoint).map_err(|e| ServerError::RouteConflict {
            path: path.to_string(),
            detail: e.to_string(),
        })?;
    }
    Ok(router)
}

#[cfg(test)]
mod tests {
    use crate::index::ADMIN_BASE_PATH;

    /// The index advertises `ADMIN_BASE_PATH` and the edge sends its misses to the admin API:
    /// every admin route must live under it.
    #[test]
    fn every_admin_route_lives_under_the_admin_base_path() {
        for route in &crate::admin::ROUTES {
            assert!(route.path.starts_with(&format!("{ADMIN_BASE_PATH}/")), "{}", route.path);
        }
    }

    /// Every vendor's routes and the admin API's mount side by side without a conflict.
    #[test]
    fn the_whole_registry_and_the_admin_api_mount_in_one_router() {
        assert!(super::build(&vendors::all()).is_ok());
    }
}
