//! The environment as `envy` sees it: one field per variable, defaults applied, nothing checked.

use std::net::{IpAddr, Ipv4Addr};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
/// The variables as read, before any check ([`super::Config`] is the checked form).
pub struct RawConfig {
    #[serde(default = "default_port")]
    pub(super) auth_port: u16,
    #[serde(default = "default_bind_address")]
    pub(super) bind_address: IpAddr,
    pub(super) issuer_url: Option<String>,
    pub(super) authorize_mode: Option<String>,
    pub(super) access_token_format: Option<String>,
    #[serde(default = "default_access_ttl")]
    pub(super) oauth_access_token_ttl_secs: u64,
    #[serde(default = "default_code_ttl")]
    pub(super) oauth_code_ttl_secs: u64,
    #[serde(default = "default_refresh_ttl")]
    pub(super) oauth_refresh_token_ttl_secs: u64,
    #[serde(default = "default_refresh_reuse_grace")]
    pub(super) oauth_refresh_reuse_grace_secs: u64,
    #[serde(default = "default_client_auth_max_failures")]
    pub(super) oauth_client_auth_max_failures: u32,
    #[serde(default = "default_client_auth_lockout")]
    pub(super) oauth_client_auth_lockout_secs: u64,
    pub(super) oauth_preset_clients: Option<String>,
    pub(super) oauth_scopes: Option<String>,
    pub(super) oauth_default_scope: Option<String>,
    pub(super) oauth_resources: Option<String>,
    pub(super) oauth_subject: Option<String>,
    pub(super) oauth_signing_keys: Option<String>,
    pub(super) redis_url: Option<String>,
    pub(super) oauth_cimd_allow_private: Option<String>,
    #[serde(default = "default_cimd_timeout")]
    pub(super) oauth_cimd_timeout_secs: u64,
    #[serde(default = "default_cimd_max_bytes")]
    pub(super) oauth_cimd_max_bytes: u64,
    #[serde(default = "default_cimd_cache")]
    pub(super) oauth_cimd_cache_secs: u64,
    pub(super) auth_metrics_port: Option<u16>,
    #[serde(default = "default_shutdown_grace_secs")]
    pub(super) shutdown_grace_secs: u64,
}

fn default_port() -> u16 {
    3001
}
fn default_bind_address() -> IpAddr {
    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
}
fn default_access_ttl() -> u64 {
    3600
}
fn default_code_ttl() -> u64 {
    300
}
fn default_client_auth_max_failures() -> u32 {
    10
}
fn default_client_auth_lockout() -> u64 {
    60
}
fn default_refresh_reuse_grace() -> u64 {
    10
}
fn default_refresh_ttl() -> u64 {
    30 * 24 * 3600
}
fn default_cimd_timeout() -> u64 {
    5
}
fn default_cimd_max_bytes() -> u64 {
    5 * 1024
}
fn default_cimd_cache() -> u64 {
    300
}
fn default_shutdown_grace_secs() -> u64 {
    10
}
