//! The authorization server's settings, read from environment variables (and `.env`) in one
//! place. `AUTH_PORT` and `ISSUER_URL` keep the original project's names; the rest are
//! `OAUTH_*` (or conventional: `REDIS_URL`). Every check happens here, so a bad value stops the
//! process at start with one line naming the variable.

pub mod raw;
#[cfg(test)]
mod tests;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use service_kit::config::{self, ConfigError, Configuration, positive};
use url::Url;

use crate::{clients::MetadataDocumentSettings, resource::Resources, scope::Scope};

/// How `/authorize` decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizeMode {
    /// Approves at once (the demo default; no user interaction).
    Auto,
    /// Shows a consent page with Approve and Deny.
    Consent,
}

/// The form of access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// Random strings, checked by introspection.
    Opaque,
    /// RFC 9068 JWTs signed with ES256, checked offline against the JWKS.
    Jwt,
}

/// Everything the authorization server needs to start, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Socket to listen on: `BIND_ADDRESS` (default `0.0.0.0`) and `AUTH_PORT` (default 3001).
    pub listen: SocketAddr,
    /// `AUTH_METRICS_PORT`: where `/metrics` is served (same address, its own port); unset,
    /// metrics are not served.
    pub metrics_port: Option<u16>,
    /// `ISSUER_URL`: the issuer identifier, exactly as tokens and metadata carry it (default
    /// `http://localhost:$AUTH_PORT`; a trailing `/` is dropped).
    pub issuer: String,
    /// `AUTHORIZE_MODE`: `auto` (default) or `consent`.
    pub authorize_mode: AuthorizeMode,
    /// `ACCESS_TOKEN_FORMAT`: `opaque` (default) or `jwt`.
    pub token_format: TokenFormat,
    /// `OAUTH_ACCESS_TOKEN_TTL_SECS` (default 3600).
    pub access_token_ttl: Duration,
    /// `OAUTH_CODE_TTL_SECS`: authorization code lifetime (default 300).
    pub code_ttl: Duration,
    /// `OAUTH_REFRESH_TOKEN_TTL_SECS` (default 30 days).
    pub refresh_token_ttl: Duration,
    /// `OAUTH_REFRESH_REUSE_GRACE_SECS` (default 10): for this long after a refresh token was
    /// used, the same client may use it again and gets new tokens instead of having the whole
    /// grant revoked, because clients refresh concurrently (two requests see the same 401).
    /// 0: any second use revokes the grant.
    pub refresh_reuse_grace: Duration,
    /// `OAUTH_CLIENT_AUTH_MAX_FAILURES` (default 10; 0: off) within
    /// `OAUTH_CLIENT_AUTH_LOCKOUT_SECS` (default 60): after that many wrong secrets for one
    /// client, its authentication is refused with 429 until the window ends.
    pub client_auth_max_failures: u32,
    /// The window of `client_auth_max_failures`.
    pub client_auth_lockout: Duration,
    /// `OAUTH_PRESET_CLIENTS`: `client_id:client_secret[,…]`, confidential clients known from
    /// the start (resource servers and service accounts): they may introspect any token and use
    /// client_credentials. No default.
    pub preset_clients: Vec<(String, String)>,
    /// `OAUTH_SCOPES`: the scopes this server knows (default `mcp:tools openid profile email`).
    pub scopes: Scope,
    /// `OAUTH_DEFAULT_SCOPE`: granted when a request names none and the client registered
    /// none (default `mcp:tools`).
    pub default_scope: Scope,
    /// `OAUTH_RESOURCES`: the protected resources tokens may be issued for, comma separated;
    /// the first is the audience of tokens requested without `resource`. `*` accepts any
    /// absolute URI (default `http://localhost:3000/mcp`).
    pub resources: Resources,
    /// `OAUTH_SUBJECT`: the `sub` of tokens issued through `/authorize` (there are no user
    /// accounts; default `demo-user`).
    pub subject: String,
    /// `OAUTH_SIGNING_KEYS`: `kid=/path/to/p256-pkcs8.pem[,…]`; the first signs, all are
    /// published. Unset: a key generated once and kept in the store.
    pub signing_keys: Vec<(String, PathBuf)>,
    /// `REDIS_URL`: keep records in Redis (shared by replicas, kept across restarts); unset
    /// keeps them in this process.
    pub redis_url: Option<String>,
    /// `OAUTH_CIMD_*`: fetching client ID metadata documents.
    pub metadata_documents: MetadataDocumentSettings,
    /// `SHUTDOWN_GRACE_SECS`: how long in-flight requests may run after SIGTERM (default 10).
    pub shutdown_grace: Duration,
}

impl Configuration for Config {
    type Raw = raw::RawConfig;

    fn from_raw(raw: raw::RawConfig) -> Result<Self, ConfigError> {
        let issuer = issuer(raw.issuer_url.as_deref(), raw.auth_port)?;
        let authorize_mode = match raw.authorize_mode.as_deref().map(str::trim) {
            None | Some("" | "auto") => AuthorizeMode::Auto,
            Some("consent") => AuthorizeMode::Consent,
            Some(other) => {
                return Err(ConfigError::new(format!(
                    "AUTHORIZE_MODE must be auto or consent (got {other:?})"
                )));
            }
        };
        let token_format = match raw.access_token_format.as_deref().map(str::trim) {
            None | Some("" | "opaque") => TokenFormat::Opaque,
            Some("jwt") => TokenFormat::Jwt,
            Some(other) => {
                return Err(ConfigError::new(format!(
                    "ACCESS_TOKEN_FORMAT must be opaque or jwt (got {other:?})"
                )));
            }
        };
        positive(
            "OAUTH_ACCESS_TOKEN_TTL_SECS",
            raw.oauth_access_token_ttl_secs,
        )?;
        positive("OAUTH_CODE_TTL_SECS", raw.oauth_code_ttl_secs)?;
        positive(
            "OAUTH_REFRESH_TOKEN_TTL_SECS",
            raw.oauth_refresh_token_ttl_secs,
        )?;
        positive("OAUTH_CIMD_TIMEOUT_SECS", raw.oauth_cimd_timeout_secs)?;
        positive("OAUTH_CIMD_MAX_BYTES", raw.oauth_cimd_max_bytes)?;
        let preset_clients = preset_clients(raw.oauth_preset_clients.as_deref().unwrap_or(""))?;
        let scopes = scope_setting(
            "OAUTH_SCOPES",
            raw.oauth_scopes
                .as_deref()
                .unwrap_or("mcp:tools openid profile email"),
        )?;
        let default_scope = scope_setting(
            "OAUTH_DEFAULT_SCOPE",
            raw.oauth_default_scope.as_deref().unwrap_or("mcp:tools"),
        )?;
        if !default_scope.is_subset(&scopes) {
            return Err(ConfigError::new(format!(
                "OAUTH_DEFAULT_SCOPE ({default_scope}) must be part of OAUTH_SCOPES ({scopes})"
            )));
        }
        let resources = Resources::parse(
            raw.oauth_resources
                .as_deref()
                .unwrap_or("http://localhost:3000/mcp"),
        )
        .map_err(ConfigError::new)?;
        let subject = raw
            .oauth_subject
            .filter(|subject| !subject.trim().is_empty())
            .unwrap_or_else(|| "demo-user".to_owned());
        let signing_keys = signing_keys(raw.oauth_signing_keys.as_deref().unwrap_or(""))?;
        let allow_private = config::parse_flag(
            "OAUTH_CIMD_ALLOW_PRIVATE",
            raw.oauth_cimd_allow_private.as_deref().unwrap_or(""),
        )?;
        Ok(Self {
            listen: SocketAddr::new(raw.bind_address, raw.auth_port),
            metrics_port: raw.auth_metrics_port,
            issuer,
            authorize_mode,
            token_format,
            access_token_ttl: Duration::from_secs(raw.oauth_access_token_ttl_secs),
            code_ttl: Duration::from_secs(raw.oauth_code_ttl_secs),
            refresh_token_ttl: Duration::from_secs(raw.oauth_refresh_token_ttl_secs),
            refresh_reuse_grace: Duration::from_secs(raw.oauth_refresh_reuse_grace_secs),
            client_auth_max_failures: raw.oauth_client_auth_max_failures,
            client_auth_lockout: Duration::from_secs(raw.oauth_client_auth_lockout_secs),
            preset_clients,
            scopes,
            default_scope,
            resources,
            subject,
            signing_keys,
            redis_url: raw.redis_url.filter(|url| !url.trim().is_empty()),
            metadata_documents: MetadataDocumentSettings {
                allow_private,
                timeout: Duration::from_secs(raw.oauth_cimd_timeout_secs),
                max_bytes: raw.oauth_cimd_max_bytes as usize,
                cache_ttl: Duration::from_secs(raw.oauth_cimd_cache_secs),
            },
            shutdown_grace: Duration::from_secs(raw.shutdown_grace_secs),
        })
    }
}

/// The issuer: an http(s) URL without query or fragment, kept as written minus a trailing `/`
/// (RFC 8414 compares issuers as strings).
fn issuer(setting: Option<&str>, port: u16) -> Result<String, ConfigError> {
    let text = match setting.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => text.trim_end_matches('/').to_owned(),
        None => format!("http://localhost:{port}"),
    };
    let url = Url::parse(&text).map_err(|error| {
        ConfigError::new(format!("ISSUER_URL is not a URL ({error}): {text:?}"))
    })?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.has_host()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(ConfigError::new(format!(
            "ISSUER_URL must be an http(s) URL without query or fragment (got {text:?})"
        )));
    }
    Ok(text)
}

fn preset_clients(setting: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut clients: Vec<(String, String)> = Vec::new();
    for item in config::split_list(setting) {
        let (id, secret) = item.split_once(':').ok_or_else(|| {
            ConfigError::new("OAUTH_PRESET_CLIENTS entries are client_id:client_secret")
        })?;
        if id.is_empty() || secret.len() < 16 {
            return Err(ConfigError::new(format!(
                "OAUTH_PRESET_CLIENTS: client {id:?} needs an id and a secret of at least 16 characters"
            )));
        }
        if clients.iter().any(|(known, _)| known == id) {
            return Err(ConfigError::new(format!(
                "OAUTH_PRESET_CLIENTS: client {id:?} is listed twice"
            )));
        }
        clients.push((id.to_owned(), secret.to_owned()));
    }
    Ok(clients)
}

fn scope_setting(name: &str, text: &str) -> Result<Scope, ConfigError> {
    let scope = Scope::parse(text).map_err(|error| ConfigError::new(format!("{name}: {error}")))?;
    if scope.is_empty() {
        return Err(ConfigError::new(format!(
            "{name} must name at least one scope"
        )));
    }
    Ok(scope)
}

fn signing_keys(setting: &str) -> Result<Vec<(String, PathBuf)>, ConfigError> {
    config::split_list(setting)
        .into_iter()
        .map(|item| {
            let (kid, path) = item.split_once('=').ok_or_else(|| {
                ConfigError::new("OAUTH_SIGNING_KEYS entries are kid=/path/to/key.pem")
            })?;
            let kid_ok = !kid.is_empty()
                && kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !kid_ok {
                return Err(ConfigError::new(format!(
                    "OAUTH_SIGNING_KEYS: key id {kid:?} must be letters, digits, '-', '_' or '.'"
                )));
            }
            Ok((kid.to_owned(), PathBuf::from(path)))
        })
        .collect()
}
