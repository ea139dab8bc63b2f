//! What the store keeps: one row per change, and how a change becomes a row and back.
//!
//! A ledger event is stored in the ledger's own binary encoding (`ledger::encode`), with its
//! kind, tenant, sequence number and time beside it in plain columns so a user can query them.
//! A vendor's record and an admin change are JSON text, readable in the `sqlite3` shell.

use std::borrow::Cow;

use ledger::{Change, Event, TenantId};
use serde::{Deserialize, Serialize};

/// One stored change.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A ledger event, folded back by `Ledger::replay`.
    Ledger(Event),
    /// A vendor's own record, folded back by its `Vendor::restore`.
    Vendor {
        /// Its tenant.
        tenant: TenantId,
        /// The vendor's name.
        vendor: String,
        /// The vendor's encoding of the change.
        data: Vec<u8>,
    },
    /// A change the admin API (or start-up) made.
    Admin(AdminRecord),
}

/// Changes outside the ledger and the vendors: tenants and their clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum AdminRecord {
    /// A tenant was created; provisioning it again from `seed` gives the same credentials.
    TenantCreated {
        /// Its id.
        tenant: uuid::Uuid,
        /// Its admin token.
        admin_token: String,
        /// Its id generator's seed.
        seed: u64,
        /// Whether it has the documented well-known credentials (the default tenant).
        well_known: bool,
        /// When it was created (real time, microseconds since the epoch).
        created_at_micros: i64,
    },
    /// A tenant's vendor-side state was erased (`POST /__admin/reset`).
    TenantReset {
        /// The tenant.
        tenant: uuid::Uuid,
    },
    /// A tenant was deleted.
    TenantRemoved {
        /// The tenant.
        tenant: uuid::Uuid,
    },
    /// A tenant's clock was set: shifted from real time, or frozen at an instant.
    ClockSet {
        /// The tenant.
        tenant: uuid::Uuid,
        /// Microseconds added to real time while running.
        offset_micros: i64,
        /// The instant it is frozen at, if frozen.
        frozen_at_micros: Option<i64>,
    },
    /// A fault rule was made (its counts start again at zero on every start).
    FaultAdded {
        /// The tenant.
        tenant: uuid::Uuid,
        /// The rule's id.
        id: String,
        /// The rule as given, JSON text.
        rule: String,
    },
    /// A fault rule was deleted.
    FaultRemoved {
        /// The tenant.
        tenant: uuid::Uuid,
        /// The rule's id.
        id: String,
    },
    /// Every fault rule of a tenant was deleted.
    FaultsCleared {
        /// The tenant.
        tenant: uuid::Uuid,
    },
}

/// A row on its way to the writer.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) ticket: u64,
    pub(crate) body: Body,
}

/// What a row writes.
#[derive(Debug)]
pub(crate) enum Body {
    /// A row of the `events` table.
    Event {
        source: Cow<'static, str>,
        tenant: Option<TenantId>,
        kind: Cow<'static, str>,
        seq: Option<u64>,
        at_micros: Option<i64>,
        data: Data,
    },
    /// One of the store's settings.
    Meta { key: &'static str, value: String },
}

/// An event's payload: the ledger's binary encoding, or JSON text.
#[derive(Debug)]
pub(crate) enum Data {
    Binary(Vec<u8>),
    Text(String),
}

/// The `source` column's value for ledger events and admin changes (a vendor's is its name).
pub(crate) const LEDGER: &str = "ledger";
pub(crate) const ADMIN: &str = "admin";

impl Row {
    fn new(body: Body) -> Row {
        Row { ticket: 0, body }
    }

    pub(crate) fn with_ticket(mut self, ticket: u64) -> Row {
        self.ticket = ticket;
        self
    }

    pub(crate) fn meta(key: &'static str, value: String) -> Row {
        Row::new(Body::Meta { key, value })
    }

    pub(crate) fn ledger(event: &Event) -> Row {
        let mut data = Vec::with_capacity(128);
        ledger::encode(event, &mut data);
        Row::new(Body::Event {
            source: Cow::Borrowed(LEDGER),
            tenant: tenant_of(&event.change),
            kind: Cow::Borrowed(kind_of(&event.change)),
            seq: Some(event.seq),
            at_micros: Some(event.at.as_unix_micros()),
            data: Data::Binary(data),
        })
    }

    pub(crate) fn vendor(
        tenant: TenantId,
        vendor: impl Into<Cow<'static, str>>,
        record: Vec<u8>,
    ) -> Row {
        // Vendors record JSON (`persist::record`); kept as text so the shell shows it.
        let data = match String::from_utf8(record) {
            Ok(text) => Data::Text(text),
            Err(err) => Data::Binary(err.into_bytes()),
        };
        let kind = kind_of_json(&data);
        Row::new(Body::Event {
            source: vendor.into(),
            tenant: Some(tenant),
            kind,
            seq: None,
            at_micros: None,
            data,
        })
    }

    pub(crate) fn of(record: &Record) -> Row {
        match record {
            Record::Ledger(event) => Row::ledger(event),
            Record::Vendor { tenant, vendor, data } => {
                Row::vendor(*tenant, vendor.clone(), data.clone())
            }
            Record::Admin(change) => {
                // Our own enum of plain fields: encoding cannot fail.
                let text = serde_json::to_string(change).unwrap_or_default();
                Row::new(Body::Event {
                    source: Cow::Borrowed(ADMIN),
                    tenant: Some(TenantId(change.tenant())),
                    kind: Cow::Borrowed(change.kind()),
                    seq: None,
                    at_micros: None,
                    data: Data::Text(text),
                })
            }
        }
    }
}

impl AdminRecord {
    /// The tenant it concerns.
    pub fn tenant(&self) -> uuid::Uuid {
        match self {
            AdminRecord::TenantCreated { tenant, .. }
            | AdminRecord::TenantReset { tenant }
            | AdminRecord::TenantRemoved { tenant }
            | AdminRecord::ClockSet { tenant, .. }
            | AdminRecord::FaultAdded { tenant, .. }
            | AdminRecord::FaultRemoved { tenant, .. }
            | AdminRecord::FaultsCleared { tenant } => *tenant,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AdminRecord::TenantCreated { .. } => "tenant_created",
            AdminRecord::TenantReset { .. } => "tenant_reset",
            AdminRecord::TenantRemoved { .. } => "tenant_removed",
            AdminRecord::ClockSet { .. } => "clock_set",
            AdminRecord::FaultAdded { .. } => "fault_added",
            AdminRecord::FaultRemoved { .. } => "fault_removed",
            AdminRecord::FaultsCleared { .. } => "faults_cleared",
        }
    }
}

/// The `kind` column of a vendor record: its serde variant name (`{"Variant":…}` or
/// `"Variant"`), found without parsing the record, so a user can filter by it.
fn kind_of_json(data: &Data) -> Cow<'static, str> {
    let Data::Text(text) = data else {
        return Cow::Borrowed("record");
    };
    let name = text.strip_prefix("{\"").or_else(|| text.strip_prefix('"'));
    match name.and_then(|rest| rest.split_once('"')) {
        Some((name, _)) if !name.is_empty() && !name.contains('\\') => Cow::Owned(name.to_owned()),
        _ => Cow::Borrowed("record"),
    }
}

/// A ledger change's name in the `kind` column.
fn kind_of(change: &Change) -> &'static str {
    match change {
        Change::AccountOpened { .. } => "account_opened",
        Change::StatusSet { .. } => "status_set",
        Change::LimitsSet { .. } => "limits_set",
        Change::AccountUpdated { .. } => "account_updated",
        Change::TransferCommitted(_) => "transfer_committed",
        Change::TransferRejected { .. } => "transfer_rejected",
        Change::PendingPosted { .. } => "pending_posted",
        Change::PendingVoided { .. } => "pending_voided",
        Change::TenantReset { .. } => "tenant_reset",
    }
}

/// The tenant a ledger change concerns.
fn tenant_of(change: &Change) -> Option<TenantId> {
    Some(match change {
        Change::AccountOpened { account, .. } => account.tenant,
        Change::TransferCommitted(transfer) | Change::TransferRejected { transfer, .. } => {
            transfer.tenant
        }
        Change::StatusSet { tenant, .. }
        | Change::LimitsSet { tenant, .. }
        | Change::AccountUpdated { tenant, .. }
        | Change::PendingPosted { tenant, .. }
        | Change::PendingVoided { tenant, .. }
        | Change::TenantReset { tenant } => *tenant,
    })
}

/// A stored row back as a record: `Err` says what is wrong with it.
pub(crate) fn decode(source: &str, tenant: Option<&str>, data: &[u8]) -> Result<Record, String> {
    match source {
        LEDGER => ledger::decode(data).map(Record::Ledger).map_err(|e| e.to_string()),
        ADMIN => serde_json::from_slice(data).map(Record::Admin).map_err(|e| e.to_string()),
        vendor => {
            let tenant = tenant
                .and_then(|t| uuid::Uuid::parse_str(t).ok())
                .ok_or_else(|| format!("a {vendor} record without a valid tenant"))?;
            Ok(Record::Vendor {
                tenant: TenantId(tenant),
                vendor: vendor.to_string(),
                data: data.to_vec(),
            })
        }
    }
}
