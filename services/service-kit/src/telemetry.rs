//! Logging set-up: one [`init`] for processes and one [`init_for_test`] for tests.
//!
//! The filter comes from `RUST_LOG` (default `info`), the format from `LOG_FORMAT` (`text`, the
//! default, or `json` for log collectors). Events carry a readable message plus dotted fields
//! (`session.id`, `http.status`), so both people and queries can read them.

use serde::Deserialize;
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

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

/// Installs the global subscriber for a service process.
pub fn init(config: &TelemetryConfig) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(&config.rust_log)
        .map_err(|error| ConfigError::new(format!("RUST_LOG is not a valid filter: {error}")))?;
    let registry = tracing_subscriber::registry().with(filter);
    let installed = match config.log_format {
        LogFormat::Text => registry.with(fmt::layer().with_target(true)).try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
    };
    installed.map_err(|error| ConfigError::new(format!("logging already initialised: {error}")))
}

/// Installs a subscriber that writes through the test harness (captured per test); calling it
/// more than once is harmless.
pub fn init_for_test() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_test_writer())
        .try_init();
}
