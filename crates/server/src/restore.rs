//! Opening a store: its records folded back into the server's state before the first request,
//! and `sandbank check`, the same fold done offline with the ledger's `verify()` after it.
//!
//! Order: the ledger first (all its events, by sequence, through `Ledger::replay`, which
//! re-executes each and checks it ends as recorded), then the default tenant provisioned
//! again, then every admin change and vendor record in the order stored. Provisioning is
//! deterministic given a tenant's seed and the store's server secret, so a tenant's
//! credentials come back without being stored twice. Last, every id stream moves on to a range
//! this life has to itself, so no id drawn before a restart is drawn again.

use std::path::Path;
use std::sync::Arc;

use ledger::{Journal, Ledger, TenantId};

use crate::store::{AdminRecord, Loaded, Record, Store};
use crate::tenants::DEFAULT_TENANT;
use crate::{App, Config, ServerError};

/// Each life of a store draws its ids from `restarts << LIFE_BITS` on.
const LIFE_BITS: u32 = 40;

/// Opens the store in `dir` and rebuilds `app` from it; `seed` and the operator token are this
/// start's choices, kept when the store is new.
pub(crate) fn open(mut app: App, dir: &Path, seed: u64) -> Result<App, ServerError> {
    let defaults = [
        ("seed", seed.to_string()),
        ("server_secret", app.server_secret.clone()),
        ("created_at_micros", crate::clock::system_now().as_unix_micros().to_string()),
    ];
    let (store, loaded) = Store::open(dir, app.config.sync, &defaults)?;
    if let Some(asked) = app.config.seed
        && loaded.meta.get("seed") != Some(asked.to_string().as_str())
    {
        tracing::warn!(asked, "the store keeps the seed it was made with; --seed is ignored");
    }
    fold(&mut app, loaded, Some(store.journal()), || all_records(dir))
        .map_err(|detail| ServerError::Restore { path: store.path().to_owned(), detail })?;
    app.recorder = Box::new(store.recorder());
    app.store = Some(store);
    Ok(app)
}

/// Every record of the store in `dir`, ledger events included.
fn all_records(dir: &Path) -> Result<Vec<Record>, String> {
    Store::read_all(dir).map_err(|e| e.to_string())
}

/// The ledger as of `loaded`: its newest checkpoint with the ledger events after it, or every
/// ledger event when there is no checkpoint or it cannot be loaded (another ledger config, an
/// older layout): `all` reads them.
fn ledger_of(
    config: ledger::Config,
    loaded: &mut Loaded,
    journal: Option<Arc<dyn Journal>>,
    all: impl FnOnce() -> Result<Vec<Record>, String>,
) -> Result<Ledger, String> {
    let tail = ledger_events(&mut loaded.records);
    if let Some(checkpoint) = &loaded.checkpoint {
        match Ledger::from_checkpoint(config, &checkpoint.data, journal.clone()) {
            Ok(base) => return Ledger::replay_onto(base, tail).map_err(|e| e.to_string()),
            Err(err) => tracing::warn!(
                seq = checkpoint.seq,
                error = %err,
                "the store's checkpoint does not load; replaying every event instead"
            ),
        }
    }
    let events = match &loaded.checkpoint {
        None => tail,
        Some(_) => ledger_events(&mut all()?),
    };
    Ledger::replay(config, events, journal).map_err(|e| e.to_string())
}

/// Takes the ledger events out of `records`, leaving the admin changes and vendor records.
fn ledger_events(records: &mut Vec<Record>) -> Vec<ledger::Event> {
    let (events, others): (Vec<Record>, Vec<Record>) =
        std::mem::take(records).into_iter().partition(|r| matches!(r, Record::Ledger(_)));
    *records = others;
    events
        .into_iter()
        .filter_map(|r| match r {
            Record::Ledger(event) => Some(event),
            Record::Vendor { .. } | Record::Admin(_) => None,
        })
        .collect()
}

/// Rebuilds `app` (fresh, in memory) from a store's records; `journal` receives the ledger's
/// changes after the fold; `all` reads every record when the checkpoint cannot be used.
fn fold(
    app: &mut App,
    mut loaded: Loaded,
    journal: Option<Arc<dyn Journal>>,
    all: impl FnOnce() -> Result<Vec<Record>, String>,
) -> Result<(), String> {
    let meta = &loaded.meta;
    let seed = meta.get("seed").and_then(|s| s.parse().ok()).ok_or("the store has no seed")?;
    let secret = meta.get("server_secret").ok_or("the store has no server secret")?.to_owned();
    // A store made with a random operator token keeps it, so the token survives restarts.
    let admin_token = app.config.admin_token.clone().unwrap_or_else(|| secret.clone());
    let restarts: u64 = meta.get("restarts").and_then(|r| r.parse().ok()).unwrap_or(0);
    // Provisioned again at every start, the default tenant was created once, with the store.
    let created_at = meta
        .get("created_at_micros")
        .and_then(|micros| micros.parse().ok())
        .map_or_else(crate::clock::system_now, ledger::Timestamp::from_unix_micros);
    app.server_secret = secret;
    app.trace_ids = vendors::common::ids::IdGen::new(seed, b"trace ids", b"");
    app.ledger = ledger_of(app.config.ledger, &mut loaded, journal, all)?;
    app.provision_tenant_at(DEFAULT_TENANT, admin_token, true, seed, created_at);
    for record in loaded.records {
        apply(app, record)?;
    }
    let from = restarts << LIFE_BITS;
    for tenant in app.tenants.all() {
        app.ids.of(tenant.id).skip_to(from);
    }
    app.trace_ids.skip_to(from);
    Ok(())
}

/// Folds one admin change or vendor record back.
fn apply(app: &App, record: Record) -> Result<(), String> {
    match record {
        Record::Ledger(_) => Ok(()),
        Record::Vendor { tenant, vendor, data } => {
            // A vendor not served this time keeps its records on disk for a later start.
            match app.vendors.iter().find(|v| v.name() == vendor) {
                Some(v) => v.restore(tenant, &data),
                None => Ok(()),
            }
        }
        Record::Admin(change) => apply_admin(app, change),
    }
}

fn apply_admin(app: &App, change: AdminRecord) -> Result<(), String> {
    let tenant = TenantId(change.tenant());
    match change {
        AdminRecord::TenantCreated { admin_token, seed, well_known, created_at_micros, .. } => {
            if app.tenants.get(tenant).is_some() {
                return Err(format!("tenant {tenant} is created twice"));
            }
            let created_at = ledger::Timestamp::from_unix_micros(created_at_micros);
            app.provision_tenant_at(tenant, admin_token, well_known, seed, created_at);
        }
        AdminRecord::TenantReset { .. } => {
            for vendor in &app.vendors {
                vendor.reset_tenant(tenant);
            }
            app.tenants.with(tenant, |t| {
                t.clock.reset();
                t.faults.clear();
            });
        }
        AdminRecord::TenantRemoved { .. } => {
            for vendor in &app.vendors {
                vendor.remove_tenant(tenant);
            }
            app.ids.remove(tenant);
            app.tenants.remove(tenant);
        }
        AdminRecord::FaultAdded { id, rule, .. } => {
            let tenant = app
                .tenants
                .get(tenant)
                .ok_or(format!("a fault rule of unknown tenant {tenant}"))?;
            crate::admin::faults::restore(app, &tenant, id, &rule);
        }
        AdminRecord::FaultRemoved { id, .. } => {
            app.tenants.with(tenant, |t| t.faults.remove(&id));
        }
        AdminRecord::FaultsCleared { .. } => {
            app.tenants.with(tenant, |t| t.faults.clear());
        }
        AdminRecord::ClockSet { offset_micros, frozen_at_micros, .. } => {
            let found =
                app.tenants.with(tenant, |t| t.clock.restore(offset_micros, frozen_at_micros));
            if found.is_none() {
                return Err(format!("a clock change of unknown tenant {tenant}"));
            }
        }
    }
    Ok(())
}

/// What `sandbank check` found in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// The database file.
    pub path: std::path::PathBuf,
    /// The store's format version.
    pub format_version: u32,
    /// How many times the store was opened by a server.
    pub restarts: u64,
    /// Stored rows: ledger events, admin changes, vendor records.
    pub events: usize,
    /// Ledger events among them.
    pub ledger_events: usize,
    /// Committed transfers among those.
    pub transfers: usize,
    /// The newest checkpoint's sequence number and when it was taken (µs since the epoch).
    pub checkpoint: Option<(u64, i64)>,
    /// Why the checkpoints' database could not be read, if it could not.
    pub checkpoint_problem: Option<String>,
    /// Tenants after the fold, the default one included.
    pub tenants: usize,
    /// Accounts of those tenants.
    pub accounts: usize,
    /// What `verify()` found wrong; empty when the store is consistent.
    pub violations: Vec<String>,
}

/// Opens the store in `dir` offline (refused while a server holds it), folds every record back
/// exactly as a start would, and runs the ledger's `verify()`. `Err` when the store cannot be
/// opened or does not fold back; violations are in the report.
pub fn check(dir: &Path) -> Result<CheckReport, ServerError> {
    let (loaded, path) = Store::read(dir)?;
    let failed = |detail: String| ServerError::Restore { path: path.clone(), detail };
    let mut all = Store::read_all(dir)?;
    let n_events = all.len();
    let n_ledger = all.iter().filter(|r| matches!(r, Record::Ledger(_))).count();
    let transfers = all
        .iter()
        .filter(|r| {
            matches!(r, Record::Ledger(e) if matches!(e.change, ledger::Change::TransferCommitted(_)))
        })
        .count();
    let restarts = loaded.meta.get("restarts").and_then(|r| r.parse().ok()).unwrap_or(0);
    let checkpoint = loaded.checkpoint.as_ref().map(|c| (c.seq, c.taken_at_micros));
    let checkpoint_problem = loaded.checkpoint_problem.clone();
    let mut app = App::new(Config::default())?;
    app.tenants.remove(DEFAULT_TENANT);
    app.ids.remove(DEFAULT_TENANT);
    fold(&mut app, loaded, None, || all_records(dir)).map_err(failed)?;
    let now = crate::clock::system_now();
    let tenants = app.tenants.all();
    let accounts = tenants.iter().map(|t| app.ledger.accounts(now, t.id).len()).sum();
    let mut violations = app.ledger.verify(now).err().map(|v| v.0).unwrap_or_default();
    if let Some((seq, _)) = checkpoint {
        // A second opinion: the whole history, replayed from nothing, must give the same ledger.
        let full = Ledger::replay(app.config.ledger, ledger_events(&mut all), None)
            .map_err(|e| failed(e.to_string()))?;
        if full.snapshot(now) != app.ledger.snapshot(now) {
            violations.push(format!(
                "the checkpoint at sequence {seq} with the events after it and the whole event \
                 history replayed give different ledgers"
            ));
        }
    }
    Ok(CheckReport {
        path,
        format_version: crate::store::FORMAT_VERSION,
        restarts,
        events: n_events,
        ledger_events: n_ledger,
        transfers,
        checkpoint,
        checkpoint_problem,
        tenants: tenants.len(),
        accounts,
        violations,
    })
}
