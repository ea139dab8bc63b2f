//! Credentials and tokens: reading `Authorization` headers, generating secrets, and a store of
//! issued tokens with their tenant and expiry (Clowd9 and Qolo JWTs, FirstVision access tokens,
//! PCaaSA sessions).

use crossbeam_utils::sync::ShardedLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use ledger::{TenantId, Timestamp};
use sha2::Sha256;

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    // The scheme, "bearer" in any case, ends at the value's first space; looked up in place
    // rather than by searching for that space.
    let (scheme, rest) = (value.get(..BEARER.len())?, value.get(BEARER.len()..)?);
    let token = rest.strip_prefix(' ').filter(|_| scheme.eq_ignore_ascii_case(BEARER))?.trim();
    Some(token).filter(|token| !token.is_empty())
}

const BEARER: &str = "bearer";

/// The user and password of an `Authorization: Basic <base64>` header.
pub fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// A fresh random secret, `prefix` then 32 hex digits.
pub fn random_secret(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// Base64 of HMAC-SHA256(`key`, `message`).
pub fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    STANDARD.encode(hmac_sha256(key, message))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// A compact HS256 JSON Web Token over `claims` (a JSON object's text).
pub fn hs256_jwt(secret: &[u8], claims: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.as_bytes());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// What an issued token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<T> {
    /// Whose it is.
    pub tenant: TenantId,
    /// When it stops working, in the tenant's clock.
    pub expires_at: Timestamp,
    /// Vendor data (token kind, scopes…).
    pub data: T,
}

/// Issued tokens, by token text. Read-mostly, hence the `ShardedLock`.
#[derive(Debug)]
pub struct TokenStore<T> {
    grants: ShardedLock<std::collections::HashMap<String, Grant<T>, TokenTail>>,
}

impl<T> Default for TokenStore<T> {
    fn default() -> TokenStore<T> {
        TokenStore { grants: ShardedLock::new(std::collections::HashMap::default()) }
    }
}

/// How many of a token's last bytes its hash reads.
const TOKEN_TAIL_BYTES: usize = 32;

/// Hashes a token by its last [`TOKEN_TAIL_BYTES`] only: a JWT is hundreds of bytes, hashing
/// all of them cost more than the rest of a token check, and its end (the signature, or a
/// random secret's digits) already tells issued tokens apart. Lookups still compare whole
/// tokens, so two tokens alike at the end only share a bucket.
#[derive(Debug, Clone, Default)]
struct TokenTail(foldhash::fast::RandomState);

impl std::hash::BuildHasher for TokenTail {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

/// [`TokenTail`]'s hasher: every write cut to its last [`TOKEN_TAIL_BYTES`].
struct TailHasher(foldhash::fast::FoldHasher<'static>);

impl std::hash::Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes.get(bytes.len().saturating_sub(TOKEN_TAIL_BYTES)..).unwrap_or(bytes));
    }

    fn write_u8(&mut self, byte: u8) {
        self.0.write_u8(byte);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued (or forgotten).
    Unknown,
    /// Issued, but past its expiry.
    Expired,
}

impl<T: Clone> TokenStore<T> {
    /// Records `token` for `tenant` until `expires_at`.
    pub fn insert(&self, token: String, grant: Grant<T>) {
        let mut grants = self.grants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.insert(token, grant);
    }

    /// The grant behind `token`, checked against the tenant's clock.
    pub fn check(
        &self,
        token: &str,
        clock: impl Fn(TenantId) -> Timestamp,
    ) -> Result<Grant<T>, TokenProblem> {
        let grants = self.grants.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let grant = grants.get(token).ok_or(TokenProblem::Unknown)?;
        if clock(grant.tenant) >= grant.expires_at {
            return Err(TokenProblem::Expired);
        }
        Ok(grant.clone())
    }

    /// Forgets one token.
    pub fn remove(&self, token: &str) {
        let mut grants = self.grants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.remove(token);
    }

    /// Forgets every token of `tenant` (it is being deleted).
    pub fn remove_tenant(&self, tenant: TenantId) {
        let mut grants = self.grants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.retain(|_, grant| grant.tenant != tenant);
    }

    /// Drops tokens that expired before `horizon` of their tenant's clock, keeping memory
    /// bounded under token churn.
    pub fn prune(&self, clock: impl Fn(TenantId) -> Timestamp) {
        let mut grants = self.grants.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.retain(|_, grant| clock(grant.tenant) < grant.expires_at);
    }

    /// How many tokens are held.
    pub fn len(&self) -> usize {
        self.grants.read().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Whether no token is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_headers_parse_and_malformed_ones_do_not() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert("authorization", "Basic dXNlcjpwYXNz".parse().unwrap());
        assert_eq!(basic(&headers), Some(("user".into(), "pass".into())));
        assert_eq!(bearer(&headers), None);
        headers.insert("authorization", "Basic !!!".parse().unwrap());
        assert_eq!(basic(&headers), None);
        headers.insert("authorization", "Bearer ".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }

    /// What `bearer` answered when it split the value at its first space.
    fn bearer_by_splitting(headers: &HeaderMap) -> Option<&str> {
        let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
    }

    proptest::proptest! {
        #[test]
        fn bearer_reads_a_header_as_splitting_it_at_the_first_space_does(
            value in concat!(
                "(bearer|Bearer|BEARER|bEaReR|bearerx|bear|[bBeEaArRx]{0,7})",
                "[ \t]{0,2}[ -~\t\u{80}-\u{ff}]{0,12}",
            ),
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                headers.insert("authorization", value);
            }
            proptest::prop_assert_eq!(bearer(&headers), bearer_by_splitting(&headers));
        }
    }

    /// Tokens hashed by their ends alone are still told apart by their whole text.
    #[test]
    fn tokens_alike_at_the_end_are_different_tokens() {
        let store = TokenStore::default();
        let tail = "s".repeat(TOKEN_TAIL_BYTES);
        let grant = |micros, data| Grant {
            tenant: TenantId(uuid::Uuid::from_u128(1)),
            expires_at: Timestamp::from_unix_micros(micros),
            data,
        };
        store.insert(format!("a.{tail}"), grant(10, 1));
        store.insert(format!("b.{tail}"), grant(20, 2));
        let clock = |_| Timestamp::from_unix_micros(0);
        assert_eq!(store.check(&format!("a.{tail}"), clock).map(|g| g.data), Ok(1));
        assert_eq!(store.check(&format!("b.{tail}"), clock).map(|g| g.data), Ok(2));
        assert_eq!(store.check(&format!("c.{tail}"), clock), Err(TokenProblem::Unknown));
        assert_eq!(store.check(&tail, clock), Err(TokenProblem::Unknown));
        store.remove(&format!("a.{tail}"));
        assert_eq!(store.check(&format!("a.{tail}"), clock), Err(TokenProblem::Unknown));
        assert_eq!(store.check(&format!("b.{tail}"), clock).map(|g| g.data), Ok(2));
    }

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
