//! The MCP server's settings, read from environment variables (and `.env`) in one place.
//!
//! Variable names from the original project (`PORT`, `DISABLE_AUTH`, `AUTH_TOKEN_MODE`,
//! `OAUTH_SERVER_URL`, `OAUTH_INTROSPECT_URL`, `JWT_*`) keep their meaning and defaults; the rest
//! are prefixed `MCP_` (or are conventional: `REDIS_URL`, `METRICS_PORT`). `from_env` (of
//! [`Configuration`]) is for processes, `from_pairs` for tests. Every check happens here, so a
//! bad value stops the process at start with one line naming the variable.

mod allow_list;
mod auth;
pub mod raw;

use std::{net::SocketAddr, num::NonZeroU32, time::Duration};

use service_kit::config::{self, ConfigError, Configuration, positive};
use url::Url;

pub use self::{
    allow_list::{HostAllowList, OriginAllowList},
    auth::{AuthConfig, IntrospectionConfig, JwtConfig},
};
use crate::{packs::FeaturePack, sealing::KeyRing, transport::LimitSettings};

/// Everything the MCP server needs to start, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Socket to listen on: `BIND_ADDRESS` (default `0.0.0.0`) and `PORT` (default 3000).
    pub listen: SocketAddr,
    /// How requests are authenticated (`DISABLE_AUTH`, `AUTH_TOKEN_MODE`, `OAUTH_*`, `JWT_*`).
    pub auth: AuthConfig,
    /// `MCP_REQUIRED_SCOPES`: scopes every `/mcp` request's token must carry (default
    /// `mcp:tools`; empty: none).
    pub required_scopes: Vec<String>,
    /// `REDIS_URL`: shared state for many replicas; unset keeps all state in this process.
    pub redis_url: Option<String>,
    /// `MCP_PUBLIC_URL`: the external URL of the MCP endpoint, as clients reach it (default
    /// `http://localhost:$PORT/mcp`). Used for metadata, the token audience and the allow-lists.
    pub public_url: Url,
    /// `METRICS_PORT`: port of the Prometheus `/metrics` listener (unset: no metrics listener).
    pub metrics_port: Option<u16>,
    /// `MCP_FEATURE_PACKS`: optional tool packs to switch on, comma separated.
    pub feature_packs: Vec<FeaturePack>,
    /// `MCP_ALLOWED_ORIGINS`: browser origins allowed to call `/mcp` (403 otherwise).
    pub allowed_origins: OriginAllowList,
    /// `MCP_ALLOWED_HOSTS`: `Host` header names accepted on `/mcp` (403 otherwise).
    pub allowed_hosts: HostAllowList,
    /// `MCP_MAX_BODY_BYTES`: largest accepted POST body (default 4 MiB; larger gets 413).
    pub max_body_bytes: usize,
    /// `MCP_SESSION_IDLE_TTL_SECS`: a session unused this long is ended (default 3600).
    pub session_idle_ttl: Duration,
    /// `MCP_SESSION_CACHE_MS`: with Redis, how long a replica may answer from its own copy of a
    /// session record it read, while no other replica announced a change to it (default 1000;
    /// 0 reads Redis on every request). Never more than half the idle TTL.
    pub session_cache: Duration,
    /// `MCP_SSE_KEEPALIVE_SECS`: quiet time after which an SSE stream gets a comment line, and
    /// after which a POST still waiting for its JSON answer switches to SSE (default 15).
    pub sse_keepalive: Duration,
    /// `MCP_SSE_RETRY_MS`: the `retry` hint sent to clients for reconnecting (default 1000).
    pub sse_retry: Duration,
    /// `MCP_EVENT_LOG_CAPACITY`: events kept per SSE stream for `Last-Event-ID` replay (default 1024).
    pub event_log_capacity: usize,
    /// `MCP_STREAM_RETENTION_SECS`: how long a finished request stream stays resumable (default 300).
    pub stream_retention: Duration,
    /// `MCP_CLIENT_REQUEST_TIMEOUT_SECS`: how long a request to the client (sampling,
    /// elicitation, roots) waits for its answer (default 300).
    pub client_request_timeout: Duration,
    /// `MCP_STATE_KEYS`: keys sealing stateless-era `requestState`, `kid:base64-32-bytes`,
    /// comma separated; the first seals, all open. Unset: a random key per process (one
    /// replica only).
    pub state_keys: Option<KeyRing>,
    /// `MCP_REQUEST_STATE_TTL_SECS`: how long a `requestState` stays valid (default 600).
    pub request_state_ttl: Duration,
    /// `MCP_TASK_TTL_SECS`: how long a task (stateless era, tasks extension) stays readable
    /// after its creation (default 3600).
    pub task_ttl: Duration,
    /// `MCP_TASK_POLL_INTERVAL_MS`: how often clients are told to poll a task (default 1000).
    pub task_poll_interval: Duration,
    /// `MCP_INSTRUCTIONS`: optional instructions returned by `initialize`.
    pub instructions: Option<String>,
    /// `MCP_RATE_LIMIT_PER_SECOND` (0, the default: off) and `MCP_RATE_LIMIT_BURST` (default:
    /// one second's worth) per client, and `MCP_CONCURRENCY_LIMIT`: requests per client being
    /// processed at once (0, the default: off). Over either: 429 with `Retry-After`.
    pub limits: LimitSettings,
    /// `SHUTDOWN_GRACE_SECS`: how long in-flight requests may run after SIGTERM (default 25).
    pub shutdown_grace: Duration,
}

impl Configuration for Config {
    type Raw = raw::RawConfig;

    fn from_raw(raw: raw::RawConfig) -> Result<Self, ConfigError> {
        let listen = SocketAddr::new(raw.bind_address, raw.port);
        let public_url = match raw.mcp_public_url.clone() {
            Some(url) => {
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(ConfigError::new(format!(
                        "MCP_PUBLIC_URL must be an absolute http(s) URL (got {url})"
                    )));
                }
                url
            }
            None => Url::parse(&format!("http://localhost:{}/mcp", raw.port))
                .map_err(|e| ConfigError::new(format!("PORT gives no valid default URL: {e}")))?,
        };
        let auth = AuthConfig::from_raw(&raw)?;
        let limits = limit_settings(&raw)?;
        let required_scopes = config::split_list(
            &raw.mcp_required_scopes
                .as_deref()
                .unwrap_or("mcp:tools")
                .replace(' ', ","),
        );
        let feature_packs = config::split_list(raw.mcp_feature_packs.as_deref().unwrap_or(""))
            .iter()
            .map(|name| FeaturePack::parse(name))
            .collect::<Result<Vec<_>, _>>()?;
        let allowed_origins =
            OriginAllowList::from_setting(raw.mcp_allowed_origins.as_deref(), &public_url)?;
        let allowed_hosts =
            HostAllowList::from_setting(raw.mcp_allowed_hosts.as_deref(), &public_url)?;
        positive("MCP_MAX_BODY_BYTES", raw.mcp_max_body_bytes)?;
        positive("MCP_SESSION_IDLE_TTL_SECS", raw.mcp_session_idle_ttl_secs)?;
        positive("MCP_SSE_KEEPALIVE_SECS", raw.mcp_sse_keepalive_secs)?;
        positive("MCP_EVENT_LOG_CAPACITY", raw.mcp_event_log_capacity)?;
        positive(
            "MCP_CLIENT_REQUEST_TIMEOUT_SECS",
            raw.mcp_client_request_timeout_secs,
        )?;
        positive("MCP_REQUEST_STATE_TTL_SECS", raw.mcp_request_state_ttl_secs)?;
        positive("MCP_TASK_TTL_SECS", raw.mcp_task_ttl_secs)?;
        positive("MCP_TASK_POLL_INTERVAL_MS", raw.mcp_task_poll_interval_ms)?;
        let state_keys = raw
            .mcp_state_keys
            .as_deref()
            .filter(|keys| !keys.trim().is_empty())
            .map(KeyRing::parse)
            .transpose()?;
        Ok(Self {
            listen,
            auth,
            required_scopes,
            redis_url: raw.redis_url.filter(|url| !url.trim().is_empty()),
            public_url,
            metrics_port: raw.metrics_port,
            feature_packs,
            allowed_origins,
            allowed_hosts,
            max_body_bytes: raw.mcp_max_body_bytes as usize,
            session_idle_ttl: Duration::from_secs(raw.mcp_session_idle_ttl_secs),
            session_cache: Duration::from_millis(raw.mcp_session_cache_ms)
                .min(Duration::from_secs(raw.mcp_session_idle_ttl_secs) / 2),
            sse_keepalive: Duration::from_secs(raw.mcp_sse_keepalive_secs),
            sse_retry: Duration::from_millis(raw.mcp_sse_retry_ms),
            event_log_capacity: raw.mcp_event_log_capacity as usize,
            stream_retention: Duration::from_secs(raw.mcp_stream_retention_secs),
            client_request_timeout: Duration::from_secs(raw.mcp_client_request_timeout_secs),
            state_keys,
            request_state_ttl: Duration::from_secs(raw.mcp_request_state_ttl_secs),
            task_ttl: Duration::from_secs(raw.mcp_task_ttl_secs),
            task_poll_interval: Duration::from_millis(raw.mcp_task_poll_interval_ms),
            instructions: raw.mcp_instructions.filter(|text| !text.trim().is_empty()),
            limits,
            shutdown_grace: Duration::from_secs(raw.shutdown_grace_secs),
        })
    }
}

/// The per-client limits: 0 switches one off; a burst needs a rate and cannot be 0.
fn limit_settings(raw: &raw::RawConfig) -> Result<LimitSettings, ConfigError> {
    let rate_per_second = NonZeroU32::new(raw.mcp_rate_limit_per_second);
    let burst = match (raw.mcp_rate_limit_burst, rate_per_second) {
        (Some(_), None) => {
            return Err(ConfigError::new(
                "MCP_RATE_LIMIT_BURST needs MCP_RATE_LIMIT_PER_SECOND",
            ));
        }
        (Some(burst), Some(_)) => NonZeroU32::new(burst)
            .ok_or_else(|| ConfigError::new("MCP_RATE_LIMIT_BURST must be greater than 0"))?,
        (None, rate) => rate.unwrap_or(NonZeroU32::MIN),
    };
    Ok(LimitSettings {
        rate_per_second,
        burst,
        concurrency: NonZeroU32::new(raw.mcp_concurrency_limit),
    })
}

#[cfg(test)]
mod tests;
