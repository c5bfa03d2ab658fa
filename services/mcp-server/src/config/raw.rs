//! The environment as `envy` sees it: one field per variable, defaults applied, nothing checked.

use std::net::{IpAddr, Ipv4Addr};

use serde::Deserialize;
use url::Url;

#[derive(Debug, Deserialize)]
/// The variables as read, before any check ([`super::Config`] is the checked form).
pub struct RawConfig {
    #[serde(default = "default_port")]
    pub(super) port: u16,
    #[serde(default = "default_bind_address")]
    pub(super) bind_address: IpAddr,
    pub(super) disable_auth: Option<String>,
    pub(super) auth_token_mode: Option<String>,
    pub(super) oauth_server_url: Option<Url>,
    pub(super) oauth_introspect_url: Option<Url>,
    pub(super) jwt_issuer: Option<String>,
    pub(super) jwt_audience: Option<String>,
    pub(super) jwt_jwks_url: Option<Url>,
    pub(super) oauth_client_id: Option<String>,
    pub(super) oauth_client_secret: Option<String>,
    pub(super) mcp_required_scopes: Option<String>,
    #[serde(default = "default_introspection_cache_secs")]
    pub(super) mcp_introspection_cache_secs: u64,
    #[serde(default = "default_introspection_negative_cache_secs")]
    pub(super) mcp_introspection_negative_cache_secs: u64,
    pub(super) jwt_algorithms: Option<String>,
    pub(super) jwt_token_types: Option<String>,
    #[serde(default = "default_jwt_leeway_secs")]
    pub(super) jwt_leeway_secs: u64,
    #[serde(default = "default_jwks_refresh_min_secs")]
    pub(super) jwt_jwks_refresh_min_secs: u64,
    #[serde(default = "default_jwt_cache_secs")]
    pub(super) jwt_cache_secs: u64,
    pub(super) redis_url: Option<String>,
    pub(super) mcp_public_url: Option<Url>,
    pub(super) metrics_port: Option<u16>,
    pub(super) mcp_feature_packs: Option<String>,
    pub(super) mcp_allowed_origins: Option<String>,
    pub(super) mcp_allowed_hosts: Option<String>,
    #[serde(default = "default_max_body_bytes")]
    pub(super) mcp_max_body_bytes: u64,
    #[serde(default = "default_session_idle_ttl_secs")]
    pub(super) mcp_session_idle_ttl_secs: u64,
    #[serde(default = "default_session_cache_ms")]
    pub(super) mcp_session_cache_ms: u64,
    #[serde(default = "default_sse_keepalive_secs")]
    pub(super) mcp_sse_keepalive_secs: u64,
    #[serde(default = "default_sse_retry_ms")]
    pub(super) mcp_sse_retry_ms: u64,
    #[serde(default = "default_event_log_capacity")]
    pub(super) mcp_event_log_capacity: u64,
    #[serde(default = "default_stream_retention_secs")]
    pub(super) mcp_stream_retention_secs: u64,
    #[serde(default = "default_client_request_timeout_secs")]
    pub(super) mcp_client_request_timeout_secs: u64,
    pub(super) mcp_state_keys: Option<String>,
    #[serde(default = "default_request_state_ttl_secs")]
    pub(super) mcp_request_state_ttl_secs: u64,
    #[serde(default = "default_task_ttl_secs")]
    pub(super) mcp_task_ttl_secs: u64,
    #[serde(default = "default_task_poll_interval_ms")]
    pub(super) mcp_task_poll_interval_ms: u64,
    pub(super) mcp_instructions: Option<String>,
    #[serde(default)]
    pub(super) mcp_rate_limit_per_second: u32,
    pub(super) mcp_rate_limit_burst: Option<u32>,
    #[serde(default)]
    pub(super) mcp_concurrency_limit: u32,
    #[serde(default = "default_shutdown_grace_secs")]
    pub(super) shutdown_grace_secs: u64,
}

fn default_port() -> u16 {
    3000
}
fn default_bind_address() -> IpAddr {
    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
}
fn default_max_body_bytes() -> u64 {
    4 * 1024 * 1024
}
fn default_session_idle_ttl_secs() -> u64 {
    3600
}
fn default_sse_keepalive_secs() -> u64 {
    15
}
fn default_session_cache_ms() -> u64 {
    1000
}
fn default_sse_retry_ms() -> u64 {
    1000
}
fn default_event_log_capacity() -> u64 {
    1024
}
fn default_stream_retention_secs() -> u64 {
    300
}
fn default_client_request_timeout_secs() -> u64 {
    300
}
fn default_request_state_ttl_secs() -> u64 {
    600
}
fn default_task_ttl_secs() -> u64 {
    3600
}
fn default_task_poll_interval_ms() -> u64 {
    1000
}
fn default_introspection_cache_secs() -> u64 {
    60
}
fn default_introspection_negative_cache_secs() -> u64 {
    10
}
fn default_jwt_leeway_secs() -> u64 {
    30
}
fn default_jwt_cache_secs() -> u64 {
    60
}

fn default_jwks_refresh_min_secs() -> u64 {
    10
}
fn default_shutdown_grace_secs() -> u64 {
    25
}
