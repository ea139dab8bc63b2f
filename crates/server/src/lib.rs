//! The mock server: hyper + tokio, every vendor's routes on one port, tenants with virtual
//! clocks, the admin API, and the request journal.
//!
//! The server holds no business rules and no vendor path literals: it asks each vendor for its
//! route table and mounts it. It owns what is I/O: sockets, timeouts, body-size limits, the
//! real and virtual clocks, graceful shutdown.

#![warn(clippy::unwrap_used, clippy::expect_used)] // a request must never panic the server

pub mod admin;
pub mod checkpoints;
pub mod clock;
pub mod faults;
mod fixtures;
mod index;
pub mod journal;
mod metrics;
mod restore;
mod router;
mod service;
pub mod store;
pub mod tenants;
pub mod testing;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ledger::{Ledger, TenantId};
use serde_json::{Map, Value};
use vendors::common::ids::{IdGen, random_seed};
use vendors::{Response, Vendor};

use crate::tenants::{DEFAULT_TENANT, Tenant, Tenants};

pub use crate::restore::{CheckReport, check};
pub use crate::service::Server;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`127.0.0.1:4700` by default; port 0 picks a free one).
    pub listen: SocketAddr,
    /// The default tenant's admin token (also the operator's); random when `None`.
    pub admin_token: Option<String>,
    /// Serve only these vendors' routes (names as [`vendor_names`] gives them); every vendor
    /// when empty.
    pub only_vendors: Vec<String>,
    /// How long a client may take to send its request headers.
    pub header_read_timeout: Duration,
    /// How long a client may take to send its request body.
    pub body_read_timeout: Duration,
    /// The ledger's sizes.
    pub ledger: ledger::Config,
    /// The default tenant's id seed (`serve --seed`); random when `None`. Also seeds trace ids.
    /// A store keeps the seed it was created with.
    pub seed: Option<u64>,
    /// Where state is kept (`serve --data`): in memory when `None`.
    pub data: Option<std::path::PathBuf>,
    /// How a store's commits are synced (`serve --sync`).
    pub sync: store::Sync,
    /// Rows stored after which the ledger's next checkpoint is taken (`serve
    /// --checkpoint-every`): fewer replay faster at a start, at the cost of more writing.
    pub checkpoint_every: u64,
    /// Fault rules for the default tenant, made before the first request (`serve --faults`).
    pub faults: Option<std::path::PathBuf>,
    /// Tenants, accounts, clocks and fault rules made before the first request (`serve
    /// --fixtures`); see `specs/fixtures.schema.json`.
    pub fixtures: Option<std::path::PathBuf>,
    /// `GET /metrics` answers only the operator's admin token (`serve
    /// --metrics-require-token`); open to anyone who reaches the port otherwise.
    pub metrics_require_token: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 4700)),
            admin_token: None,
            only_vendors: Vec::new(),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            ledger: ledger::Config::default(),
            seed: None,
            data: None,
            sync: store::Sync::Full,
            checkpoint_every: checkpoints::EVERY_ROWS,
            faults: None,
            fixtures: None,
            metrics_require_token: false,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// No vendor has that name.
    #[error("unknown vendor {name:?} (known: {known})")]
    UnknownVendor {
        /// The name asked for.
        name: String,
        /// Every vendor's name, comma-separated.
        known: String,
    },
    /// Something already listens on the port: another sandbank or another program.
    #[error("port {} is already in use on {} (another sandbank or another program listens there)", .0.port(), .0.ip())]
    AddrInUse(SocketAddr),
    /// Two routes collide.
    #[error("route table conflict at {path}: {detail}")]
    RouteConflict {
        /// The path.
        path: String,
        /// What matchit said.
        detail: String,
    },
    /// The store could not be opened or read back.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The store opened but its records did not fold back into a state.
    #[error("the store {path} does not restore: {detail}")]
    Restore {
        /// The database file.
        path: std::path::PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A `--faults` file could not be read, or one of its rules is refused.
    #[error("fault rules {path}: {detail}")]
    Faults {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, naming the rule and its field.
        detail: String,
    },
    /// A `--fixtures` file could not be read, or something in it is refused (the message
    /// names the file, the line and the field).
    #[error("{0}")]
    Fixtures(String),
    /// The socket could not be bound or served.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Everything a request handler needs, shared by all connections.
pub struct App {
    /// The ledger of every tenant.
    pub ledger: Ledger,
    /// The vendors served.
    pub vendors: Vec<Box<dyn Vendor>>,
    /// Every tenant.
    pub tenants: Tenants,
    pub(crate) router: matchit::Router<router::Endpoint>,
    pub(crate) config: Config,
    /// `GET /`'s answer, rendered once: the vendors served, the admin API, the specs.
    pub(crate) index: bytes::Bytes,
    /// Runs admin account openings one at a time: a vendor checks its identifiers are free,
    /// then opens and indexes the account, and two openings racing on one identifier must not
    /// both pass the check. Openings are rare, so one lock costs nothing.
    pub(crate) opening: std::sync::Mutex<()>,
    /// Every tenant's id generator.
    pub(crate) ids: vendors::common::ids::Ids,
    /// Trace ids, drawn before the tenant is known: seeded from the default tenant's seed.
    pub(crate) trace_ids: IdGen,
    /// Keys every tenant's secret stream along with its seed: the operator's admin token, so
    /// knowing a seed does not let anyone predict a tenant's credentials. A store keeps the
    /// first one, so credentials stay the same across restarts.
    server_secret: String,
    /// The durable store, when there is one (`--data`).
    pub(crate) store: Option<store::Store>,
    /// Where vendors record their state: the store, or nowhere.
    recorder: Box<dyn vendors::common::persist::Recorder>,
    /// Fault rules in every tenant: while zero, no request looks at any.
    pub(crate) faults_live: Arc<std::sync::atomic::AtomicUsize>,
    /// Set once the server is stopping: a request a fault holds is let go.
    pub(crate) stopping: tokio::sync::watch::Sender<bool>,
    /// `GET /metrics`'s registry and the request path's handles.
    pub(crate) metrics: metrics::Metrics,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).finish_non_exhaustive()
    }
}

impl App {
    /// Builds the vendors, the router and the default tenant; with `config.data`, opens the
    /// store and folds its records back first; then makes what `config.fixtures` and
    /// `config.faults` describe.
    pub fn new(mut config: Config) -> Result<App, ServerError> {
        let fixtures = config.fixtures.as_deref().map(fixtures::load).transpose();
        let fixtures = fixtures.map_err(ServerError::Fixtures)?;
        if let Some(loaded) = &fixtures {
            // The file's operator token and seed stand in for flags not given.
            config.admin_token = config.admin_token.or_else(|| loaded.admin_token());
            config.seed = config.seed.or_else(|| loaded.seed());
        }
        let vendors = select_vendors(&config.only_vendors)?;
        let seed = config.seed.unwrap_or_else(random_seed);
        let admin_token = config
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("sbk_admin_{}", uuid::Uuid::new_v4().simple()));
        let router = router::build(&vendors)?;
        let index = index::render(&vendors);
        let metrics = metrics::Metrics::new(&vendors);
        let app = App {
            ledger: Ledger::new(config.ledger),
            vendors,
            tenants: Tenants::new(),
            router,
            config: config.clone(),
            index,
            opening: std::sync::Mutex::new(()),
            ids: vendors::common::ids::Ids::default(),
            trace_ids: IdGen::new(seed, b"trace ids", b""),
            server_secret: admin_token.clone(),
            store: None,
            recorder: Box::new(vendors::common::persist::Memory),
            faults_live: Arc::default(),
            stopping: tokio::sync::watch::Sender::new(false),
            metrics,
        };
        let mut app = match &config.data {
            None => {
                app.provision_tenant(DEFAULT_TENANT, admin_token, true, seed);
                app
            }
            Some(dir) => restore::open(app, dir, seed)?,
        };
        if let Some(loaded) = &fixtures {
            fixtures::apply(&app, loaded).map_err(ServerError::Fixtures)?;
        }
        if let Some(store) = &app.store {
            app.metrics.register_store(store);
        }
        if let Some(path) = &config.faults {
            admin::faults::load_file(&app, path)
                .map_err(|detail| ServerError::Faults { path: path.clone(), detail })?;
        }
        Ok(app)
    }

    /// Creates a tenant with credentials for every vendor served, its ids drawn from `seed`.
    pub fn provision_tenant(
        &self,
        id: TenantId,
        admin_token: String,
        well_known: bool,
        seed: u64,
    ) -> Arc<Tenant> {
        self.provision_tenant_at(id, admin_token, well_known, seed, clock::system_now())
    }

    /// [`App::provision_tenant`] with its creation time given (a tenant restored from a store).
    pub(crate) fn provision_tenant_at(
        &self,
        id: TenantId,
        admin_token: String,
        well_known: bool,
        seed: u64,
        created_at: ledger::Timestamp,
    ) -> Arc<Tenant> {
        let generator = IdGen::new(seed, id.0.as_bytes(), self.server_secret.as_bytes());
        let ids = self.ids.insert(id, generator);
        let mut credentials = Map::new();
        for vendor in &self.vendors {
            let vendor_credentials = vendor.provision_tenant(id, well_known, &ids);
            credentials.insert(vendor.name().to_string(), vendor_credentials);
        }
        self.tenants.insert(Tenant {
            id,
            seed,
            admin_token,
            credentials,
            clock: clock::Clock::new(),
            journal: journal::RequestJournal::default(),
            faults: faults::TenantFaults::new(self.faults_live.clone()),
            created_at,
        })
    }

    /// Where vendors record their state changes: nothing is kept in memory mode.
    pub(crate) fn recorder(&self) -> &dyn vendors::common::persist::Recorder {
        &*self.recorder
    }

    /// Takes a checkpoint of the ledger into the store now (a server takes them by itself in
    /// the background and at a graceful stop); whether one was taken (not without a store, or
    /// when nothing changed since the last).
    pub fn checkpoint(&self) -> bool {
        checkpoints::take(self, &mut Vec::new())
    }

    /// Stores an admin change before it is applied; in memory mode, nothing to do. `Err` is
    /// the admin API's 503: the change must not be applied.
    pub(crate) fn record(&self, change: store::AdminRecord) -> Result<(), Box<Response>> {
        match &self.store {
            None => Ok(()),
            Some(store) => store.append(&store::Record::Admin(change)).map_err(|unstored| {
                Box::new(
                    crate::admin::refuse(vendors::Refusal::Unavailable).with_reason(unstored.0),
                )
            }),
        }
    }

    /// The default tenant (created at start-up).
    pub fn default_tenant(&self) -> Option<Arc<Tenant>> {
        self.tenants.get(DEFAULT_TENANT)
    }

    /// What `sandbank serve` prints at start-up: the base URL, the admin token and every
    /// vendor's default credentials.
    pub fn banner(&self, base_url: &str) -> String {
        let mut out = format!("sandbank listening on {base_url}\n");
        match &self.store {
            None => {
                out.push_str("state: in memory (gone when the server stops; --data DIR keeps it)\n")
            }
            Some(store) => out.push_str(&format!(
                "state: {} ({})\n",
                store.path().display(),
                match store.sync() {
                    store::Sync::Full => "every change synced to disk before it is acknowledged",
                    store::Sync::Off =>
                        "--sync off: survives a crash of sandbank, not of the machine",
                }
            )),
        }
        if let Some(tenant) = self.default_tenant() {
            out.push_str(&format!("default tenant {} (seed {})\n", tenant.id, tenant.seed));
            out.push_str(&format!(
                "admin token (Authorization: Bearer …): {}\n",
                tenant.admin_token
            ));
            for vendor in &self.vendors {
                let creds = tenant.credentials.get(vendor.name()).cloned().unwrap_or(Value::Null);
                out.push_str(&format!("  {:<12} {}\n", vendor.name(), creds));
            }
        }
        // The admin API's line stays last: scripts read the banner up to it.
        out.push_str(&format!(
            "specs: {base_url}/__admin/specs/{{name}}.yaml (listed at {base_url}/)\n"
        ));
        out.push_str(&format!("metrics: {base_url}/metrics (Prometheus)\n"));
        out.push_str(&format!("dashboard: {base_url}/__admin/ui (sign in with the admin token)\n"));
        out.push_str(&format!(
            "admin API: {base_url}/__admin/health (spec: {base_url}{})\n",
            admin::specs::path_of("admin.yaml")
        ));
        out
    }
}

/// Every vendor's name, in the order the server mounts them: the valid values of
/// [`Config::only_vendors`] and of `sandbank serve --vendor`.
pub fn vendor_names() -> Vec<&'static str> {
    vendors::NAMES.to_vec()
}

/// Every vendor's name as a sentence's list: `a, b or c`.
pub(crate) fn vendor_choices() -> String {
    match vendors::NAMES.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The vendors to serve: all of them, or those `only` names (in the server's own order).
fn select_vendors(only: &[String]) -> Result<Vec<Box<dyn Vendor>>, ServerError> {
    let mut served = vendors::all();
    if only.is_empty() {
        return Ok(served);
    }
    if let Some(unknown) = only.iter().find(|name| !vendors::NAMES.contains(&name.as_str())) {
        let known = vendors::NAMES.join(", ");
        return Err(ServerError::UnknownVendor { name: unknown.clone(), known });
    }
    served.retain(|v| only.iter().any(|name| name == v.name()));
    Ok(served)
}
