//! firstvision: placeholder until the vendor module lands; serves no route.

use http::StatusCode;
use ledger::TenantId;

use crate::{AccountSpec, Ctx, OpenedAccount, Refusal, Request, Response, Route, Vendor};

struct Placeholder;

/// This vendor.
pub fn vendor() -> Box<dyn Vendor> {
    Box::new(Placeholder)
}

impl Vendor for Placeholder {
    fn name(&self) -> &'static str {
        "firstvision"
    }

    fn routes(&self) -> &'static [Route] {
        &[]
    }

    fn handle(&self, _ctx: &Ctx<'_>, _operation: &'static str, _req: &Request) -> Response {
        Response::empty(StatusCode::NOT_IMPLEMENTED)
    }

    fn refuse(&self, _refusal: Refusal, _req: &Request) -> Response {
        Response::empty(StatusCode::NOT_IMPLEMENTED)
    }

    fn provision_tenant(&self, _tenant: TenantId, _well_known: bool) -> serde_json::Value {
        serde_json::Value::Null
    }

    fn open_account(
        &self,
        _ctx: &Ctx<'_>,
        _tenant: TenantId,
        _spec: &AccountSpec,
    ) -> Result<OpenedAccount, String> {
        Err("firstvision is not implemented yet".into())
    }

    fn reset_tenant(&self, _tenant: TenantId) {}
}
