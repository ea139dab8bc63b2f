//! Calibration for `bench/run.py --baseline`: a bare hyper + serde_json server that parses each
//! JSON body and answers a small JSON object, with no state. It is the floor the issue's
//! targets were set against; measuring it beside sandbank on the same machine at the same
//! moment separates the VM's speed from ours.
//!
//! `cargo run --release -p server --example bare_hyper -- 127.0.0.1:4799`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

async fn answer(req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let (status, out) = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => (
            200,
            serde_json::json!({ "ok": true, "fields": value.as_object().map_or(0, |o| o.len()) }),
        ),
        Err(err) => (400, serde_json::json!({ "error": err.to_string() })),
    };
    let mut response = hyper::Response::new(Full::new(Bytes::from(out.to_string())));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    response
        .headers_mut()
        .insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:4799".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
