//! Process plumbing shared by every service in the workspace: typed configuration from the
//! environment, telemetry set-up, the shutdown signal and the HTTP serve loop.
//!
//! Nothing here knows about MCP or OAuth; the services depend on this crate, never the reverse.

pub mod config;
pub mod serve;
pub mod shutdown;
pub mod telemetry;
