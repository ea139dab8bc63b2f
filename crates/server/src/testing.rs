//! Test support for this crate's and the conformance runner's tests: a real server on an
//! ephemeral loopback port.

use std::sync::Arc;

use tokio::sync::oneshot;

use crate::{App, Config, Server, ServerError};

/// A running server; dropping it shuts the server down.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The default tenant's admin token.
    pub admin_token: String,
    /// The shared state, for assertions that look inside.
    pub app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
}

/// The admin token every test server uses.
pub const TEST_ADMIN_TOKEN: &str = "sbk_admin_test";

/// Starts a server on `127.0.0.1:0` in the current tokio runtime.
pub async fn spawn() -> Result<TestServer, ServerError> {
    spawn_with(Config::default()).await
}

/// Starts a server with `config` (its listen address is replaced by `127.0.0.1:0`).
pub async fn spawn_with(config: Config) -> Result<TestServer, ServerError> {
    let config = Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        admin_token: Some(
            config.admin_token.clone().unwrap_or_else(|| TEST_ADMIN_TOKEN.to_string()),
        ),
        ..config
    };
    let admin_token = config.admin_token.clone().unwrap_or_default();
    let server = Server::bind(config).await?;
    let base_url = format!("http://{}", server.local_addr()?);
    let app = server.app().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Ok(TestServer { base_url, admin_token, app, stop: Some(stop), task: Some(task) })
}

impl TestServer {
    /// Stops the server and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
