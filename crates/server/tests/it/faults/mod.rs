//! Fault rules over real HTTP: every action in both phases on every vendor (`actions.rs`), the
//! rules' admin API, their matching, schedules and tenancy (`rules.rs`), and a rule asked for
//! by one request's header (`named.rs`).
//!
//! This file holds what they share: a raw loopback client that reports how a connection ended
//! (a fault may cut an answer, reset the connection, or never answer), and rule shortcuts.

mod actions;
mod kept;
mod named;
mod rules;
mod target;

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::common::{Reply, Sandbox};

/// How a raw exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The server closed the connection (FIN).
    Closed,
    /// The connection was reset (RST).
    Reset,
    /// The client gave up waiting.
    GaveUp,
}

/// What came back on one connection.
#[derive(Debug)]
pub(crate) struct Raw {
    pub(crate) bytes: Vec<u8>,
    pub(crate) ending: Ending,
    pub(crate) elapsed: Duration,
}

impl Raw {
    /// The status, if a status line came.
    pub(crate) fn status(&self) -> Option<u16> {
        let text = String::from_utf8_lossy(&self.bytes);
        text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    }

    fn split(&self) -> Option<(String, &[u8])> {
        let at = self.bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
        Some((String::from_utf8_lossy(&self.bytes[..at]).to_lowercase(), &self.bytes[at + 4..]))
    }

    /// A header's value (name in lower case).
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.split()?;
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_string())
        })
    }

    /// The body bytes that came.
    pub(crate) fn body(&self) -> &[u8] {
        self.split().map_or(&[], |(_, body)| body)
    }

    /// The body as JSON, if it is.
    pub(crate) fn json(&self) -> Option<Value> {
        serde_json::from_slice(self.body()).ok()
    }

    /// The promised length.
    pub(crate) fn content_length(&self) -> Option<usize> {
        self.header("content-length")?.parse().ok()
    }
}

/// Sends `request` on a fresh connection and reads until the server closes or resets it, or
/// `patience` passes (then the client gives up and closes its side).
pub(crate) async fn raw(sb: &Sandbox, request: &[u8], patience: Duration) -> Raw {
    raw_at(&sb.server.base_url, request, patience).await
}

/// [`raw`] to a server by its base URL.
pub(crate) async fn raw_at(base_url: &str, request: &[u8], patience: Duration) -> Raw {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base_url.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0_u8; 8192];
    let ending = loop {
        match tokio::time::timeout_at((started + patience).into(), stream.read(&mut buf)).await {
            Err(_) => break Ending::GaveUp,
            Ok(Ok(0)) => break Ending::Closed,
            Ok(Ok(n)) => bytes.extend_from_slice(&buf[..n]),
            Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionReset => {
                break Ending::Reset;
            }
            Ok(Err(err)) => panic!("read failed: {err}"),
        }
    };
    Raw { bytes, ending, elapsed: started.elapsed() }
}

/// Makes a rule of the default tenant, which must be accepted; the rule as shown.
pub(crate) async fn rule(sb: &Sandbox, spec: Value) -> Value {
    let reply =
        Reply::read(sb.admin(Method::POST, "/__admin/faults", Some(spec.clone())).await).await;
    assert_eq!(reply.status, 201, "{spec} -> {reply:#?}");
    reply.body
}

/// A rule as listed now (its counts).
pub(crate) async fn shown(sb: &Sandbox, id: &str) -> Value {
    Reply::read(sb.admin(Method::GET, &format!("/__admin/faults/{id}"), None).await).await.body
}

/// The journal's newest entry for a vendor request.
pub(crate) async fn last_vendor_entry(sb: &Sandbox) -> Value {
    sb.journal()
        .await
        .into_iter()
        .find(|e| !e["vendor"].is_null())
        .expect("a vendor request was journaled")
}
