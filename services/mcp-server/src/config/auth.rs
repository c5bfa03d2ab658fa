//! How the MCP server authenticates requests, from the original project's variables.

use service_kit::config::{ConfigError, parse_flag};
use url::Url;

use super::raw::RawConfig;

/// Token validation mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthConfig {
    /// `DISABLE_AUTH=true` (or `1`): every request is served as the anonymous principal.
    Disabled,
    /// `AUTH_TOKEN_MODE=introspection` (default): opaque tokens checked with RFC 7662 at
    /// `OAUTH_INTROSPECT_URL` (default `$OAUTH_SERVER_URL/introspect`).
    Introspection {
        /// `OAUTH_SERVER_URL` (default `http://localhost:3001`).
        server_url: Url,
        /// `OAUTH_INTROSPECT_URL`.
        introspect_url: Url,
    },
    /// `AUTH_TOKEN_MODE=jwt`: RFC 9068 JWT access tokens checked against a JWKS.
    Jwt {
        /// `OAUTH_SERVER_URL` (default `http://localhost:3001`).
        server_url: Url,
        /// `JWT_ISSUER`: the expected `iss` (required).
        issuer: String,
        /// `JWT_AUDIENCE`: the expected `aud`, when the IdP sets one.
        audience: Option<String>,
        /// `JWT_JWKS_URL` (default `$JWT_ISSUER/.well-known/jwks.json`).
        jwks_url: Url,
    },
}

impl AuthConfig {
    pub(super) fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        if parse_flag("DISABLE_AUTH", raw.disable_auth.as_deref().unwrap_or(""))? {
            return Ok(Self::Disabled);
        }
        let server_url = match &raw.oauth_server_url {
            Some(url) => url.clone(),
            None => {
                Url::parse("http://localhost:3001").map_err(|e| ConfigError::new(e.to_string()))?
            }
        };
        let mode = raw
            .auth_token_mode
            .as_deref()
            .unwrap_or("introspection")
            .trim();
        match mode.to_ascii_lowercase().as_str() {
            "" | "introspection" => {
                let introspect_url = match &raw.oauth_introspect_url {
                    Some(url) => url.clone(),
                    None => join(&server_url, "introspect", "OAUTH_SERVER_URL")?,
                };
                Ok(Self::Introspection {
                    server_url,
                    introspect_url,
                })
            }
            "jwt" => {
                let issuer = raw
                    .jwt_issuer
                    .clone()
                    .filter(|issuer| !issuer.trim().is_empty())
                    .ok_or_else(|| {
                        ConfigError::new("JWT_ISSUER is required when AUTH_TOKEN_MODE=jwt")
                    })?;
                let jwks_url = match &raw.jwt_jwks_url {
                    Some(url) => url.clone(),
                    None => {
                        let base = Url::parse(&issuer).map_err(|e| {
                            ConfigError::new(format!(
                                "JWT_ISSUER must be a URL to derive JWT_JWKS_URL: {e}"
                            ))
                        })?;
                        join(&base, ".well-known/jwks.json", "JWT_ISSUER")?
                    }
                };
                let audience = raw
                    .jwt_audience
                    .clone()
                    .filter(|aud| !aud.trim().is_empty());
                Ok(Self::Jwt {
                    server_url,
                    issuer,
                    audience,
                    jwks_url,
                })
            }
            other => Err(ConfigError::new(format!(
                "AUTH_TOKEN_MODE must be introspection or jwt (got {other:?})"
            ))),
        }
    }
}

/// Appends `path` to `base` as a child path, keeping any path `base` already has
/// (`https://idp/tenant` + `introspect` = `https://idp/tenant/introspect`).
fn join(base: &Url, path: &str, name: &str) -> Result<Url, ConfigError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path)
        .map_err(|e| ConfigError::new(format!("{name} cannot be extended with /{path}: {e}")))
}
