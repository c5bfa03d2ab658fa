//! Logging and tracing set-up: one [`init`] for processes and one [`init_for_test`] for tests.
//!
//! Logs: the filter comes from `RUST_LOG` (default `info`), the format from `LOG_FORMAT`
//! (`text`, the default, or `json` for log collectors). Events carry a readable message plus
//! dotted fields (`session.id`, `http.response.status_code`), so both people and queries can
//! read them.
//!
//! Traces: exported over OTLP when the standard variables name an endpoint
//! (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), off otherwise; see
//! [`traces`]. W3C trace context is read from and written to HTTP headers by [`propagation`].

pub mod propagation;
pub mod traces;

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_subscriber::{
    EnvFilter, Layer, Registry, fmt, layer::SubscriberExt, util::SubscriberInitExt,
};

use crate::config::ConfigError;

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per event.
    Json,
}

/// Telemetry settings, read from the environment by every service.
#[derive(Debug, Clone, Deserialize)]
pub struct TelemetryConfig {
    /// `LOG_FORMAT`: `text` (default) or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// `RUST_LOG`: an `EnvFilter` directive such as `info,mcp_server=debug` (default `info`).
    #[serde(default = "default_filter")]
    pub rust_log: String,
    /// The OpenTelemetry variables that decide whether traces are exported.
    #[serde(flatten)]
    pub traces: traces::TraceSettings,
}

fn default_filter() -> String {
    "info".to_owned()
}

impl TelemetryConfig {
    /// Reads the telemetry variables (and `.env`).
    pub fn from_env() -> Result<Self, ConfigError> {
        crate::config::from_env()
    }
}

/// What [`init`] installed; [`Telemetry::shutdown`] exports the spans still queued.
#[derive(Debug)]
#[must_use = "shut telemetry down at exit, or queued spans are lost"]
pub struct Telemetry {
    traces: Option<traces::Exporting>,
}

impl Telemetry {
    /// Flushes and stops the trace exporter (blocking for at most its export timeout).
    pub fn shutdown(self) {
        if let Some(traces) = self.traces {
            traces.shutdown();
        }
    }
}

/// Installs the global subscriber (logs, and traces when configured) for the process of
/// `service` (its default `service.name`) at `version`.
pub fn init(
    config: &TelemetryConfig,
    service: &'static str,
    version: &'static str,
) -> Result<Telemetry, ConfigError> {
    let filter = EnvFilter::try_new(&config.rust_log)
        .map_err(|error| ConfigError::new(format!("RUST_LOG is not a valid filter: {error}")))?;
    propagation::install();
    let exporting = traces::Exporting::start(&config.traces, service, version)?;
    let otel = exporting.as_ref().map(traces::Exporting::layer);
    let logs: Box<dyn Layer<Registry> + Send + Sync> = match config.log_format {
        LogFormat::Text => Box::new(
            fmt::layer()
                .with_target(true)
                .with_ansi(std::io::stdout().is_terminal()),
        ),
        LogFormat::Json => Box::new(
            fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false),
        ),
    };
    tracing_subscriber::registry()
        .with(logs)
        .with(otel)
        .with(filter)
        .try_init()
        .map_err(|error| ConfigError::new(format!("logging already initialised: {error}")))?;
    Ok(Telemetry { traces: exporting })
}

/// Installs a subscriber that writes through the test harness (captured per test); calling it
/// more than once is harmless.
pub fn init_for_test() {
    propagation::install();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_test_writer())
        .try_init();
}
