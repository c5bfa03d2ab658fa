//! Process plumbing shared by every service in the workspace: typed configuration from the
//! environment, telemetry set-up (logs, traces, per-request HTTP telemetry), the shutdown signal, the HTTP serve loop, Redis connections and the
//! TLS provider for outbound HTTPS.
//!
//! Nothing here knows about MCP or OAuth; the services depend on this crate, never the reverse.

pub mod config;
pub mod http_telemetry;
pub mod metric_handles;
pub mod metrics;
pub mod redis;
pub mod serve;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;
