//! `serve`'s logs on stderr: one line per request (the server's `sandbank::request` events)
//! plus start-up and trouble, as text for a person or as JSON objects for a log pipeline.

use anyhow::Context;
use tracing_subscriber::EnvFilter;

/// `serve --log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One compact line per event: `… INFO sandbank::request: tenant=… method=POST path=/v1/…`.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target` and the event's fields at the
    /// top level (tracing-subscriber's JSON formatter, flattened).
    Json,
}

/// Installs the process's subscriber: `filter` as `SANDBANK_LOG` reads, in `format`.
pub(crate) fn init(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter).context("invalid --log filter")?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .compact()
            .try_init(),
        // Flattened, so a request's fields sit beside `timestamp` instead of under `fields`;
        // no spans: the server opens none, and their lists would only add noise.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|err| anyhow::anyhow!("installing the logger: {err}"))
}
