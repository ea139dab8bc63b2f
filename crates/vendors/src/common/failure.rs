//! The one failure type every vendor answers with: what went wrong in the vendor's own terms
//! (its error catalogue entry), the one-line rule that fired, and the tenant once known; and
//! [`Render`], the trait a vendor's error type implements to draw itself in the vendor's shape.
//!
//! A handler returns `Result<Response, Failure<VendorError>>`; the reason travels with the error
//! from where it was found (parse, auth, ledger) to the answer, where [`Failure::into_response`]
//! renders it and attaches the reason (`X-Sandbank-Reason`, the journal) and the tenant.

use ledger::TenantId;

use crate::Response;

/// A refused request: the vendor's error, why, and whose request it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<E> {
    /// What the client is told, as an entry of the vendor's error catalogue.
    pub error: E,
    /// The rule that fired, in one line: which field, which limit, which auth check.
    pub reason: String,
    /// The tenant the request was authenticated as, once known.
    pub tenant: Option<TenantId>,
}

/// A vendor's error type: draws one of its errors in the vendor's exact shape (status, headers,
/// body). `Scene` is what else the vendor's error body shows besides the error: the request
/// path, a trace id, fields echoed from the request; `()` for a vendor whose errors show none.
pub trait Render {
    /// What the body shows besides the error.
    type Scene<'a>;

    /// Status, headers and body exactly as the vendor sends this error.
    fn render(&self, scene: Self::Scene<'_>) -> Response;
}

impl<E> Failure<E> {
    /// `error`, because of `reason`.
    pub fn new(error: E, reason: impl Into<String>) -> Failure<E> {
        Failure { error, reason: reason.into(), tenant: None }
    }

    /// The same failure, attributed to `tenant`.
    #[must_use]
    pub fn for_tenant(mut self, tenant: TenantId) -> Failure<E> {
        self.tenant = Some(tenant);
        self
    }

    /// `error`, a catalogue entry a fault rule named, drawn for `tenant` when known.
    pub fn catalogued(error: E, name: &str, tenant: Option<TenantId>) -> Failure<E> {
        Failure { error, reason: format!("fault rule: catalogue entry {name}"), tenant }
    }

    /// The same failure with a more precise reason (what the client sees is unchanged).
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Failure<E> {
        self.reason = reason.into();
        self
    }

    /// The ledger's refusal `err` as this vendor's error, with `reason` (usually
    /// [`super::explain::refusal`]'s sentence).
    pub fn ledger(err: &ledger::Error, reason: impl Into<String>) -> Failure<E>
    where
        E: for<'a> From<&'a ledger::Error>,
    {
        Failure::new(E::from(err), reason)
    }
}

impl<E: Render> Failure<E> {
    /// The answer the client gets, with the reason and the tenant attached.
    pub fn into_response(self, scene: E::Scene<'_>) -> Response {
        let resp = self.error.render(scene).with_reason(self.reason);
        match self.tenant {
            Some(tenant) => resp.with_tenant(tenant),
            None => resp,
        }
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    #[derive(Debug)]
    struct Teapot;

    impl Render for Teapot {
        type Scene<'a> = &'a str;

        fn render(&self, path: &str) -> Response {
            Response::json_bytes(StatusCode::IM_A_TEAPOT, format!(r#"{{"path":"{path}"}}"#))
        }
    }

    #[test]
    fn a_failure_renders_in_its_vendors_shape_with_its_reason_and_tenant() {
        let tenant = TenantId(uuid::Uuid::from_u128(7));
        let resp =
            Failure::new(Teapot, "first").with_reason("field x: too long").for_tenant(tenant);
        let resp = resp.into_response("/brew");
        assert_eq!(resp.status, StatusCode::IM_A_TEAPOT);
        assert_eq!(&resp.body[..], br#"{"path":"/brew"}"#);
        assert_eq!(resp.reason.as_deref(), Some("field x: too long"));
        assert_eq!(resp.tenant, Some(tenant));
        assert_eq!(Failure::new(Teapot, "r").into_response("/").tenant, None);
    }
}
