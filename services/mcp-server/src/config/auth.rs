//! How the MCP server authenticates requests, from the original project's variables
//! (`DISABLE_AUTH`, `AUTH_TOKEN_MODE`, `OAUTH_*`, `JWT_*`) and a few of its own.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use service_kit::config::{ConfigError, parse_flag, split_list};
use url::Url;

use super::raw::RawConfig;

/// Token validation.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthConfig {
    /// `DISABLE_AUTH=true` (or `1`): every request is served as the anonymous principal.
    Disabled,
    /// `AUTH_TOKEN_MODE=introspection` (default): tokens checked with RFC 7662.
    Introspection(IntrospectionConfig),
    /// `AUTH_TOKEN_MODE=jwt`: RFC 9068 JWT access tokens checked against a JWKS.
    Jwt(JwtConfig),
}

/// Introspection mode.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrospectionConfig {
    /// `OAUTH_SERVER_URL` (default `http://localhost:3001`): the authorization server.
    pub server_url: Url,
    /// `OAUTH_INTROSPECT_URL` (default `$OAUTH_SERVER_URL/introspect`).
    pub introspect_url: Url,
    /// `OAUTH_CLIENT_ID`: this server's client id at the authorization server (required).
    pub client_id: String,
    /// `OAUTH_CLIENT_SECRET`: its secret (required).
    pub client_secret: String,
    /// `MCP_INTROSPECTION_CACHE_SECS`: longest a positive answer is reused (default 60; never
    /// beyond the token's `exp`). It bounds how long a revoked token keeps working; 0 asks
    /// the authorization server on every request.
    pub cache_ttl: Duration,
    /// `MCP_INTROSPECTION_NEGATIVE_CACHE_SECS`: how long "inactive" is reused (default 10).
    pub negative_ttl: Duration,
}

/// JWT mode.
#[derive(Debug, Clone, PartialEq)]
pub struct JwtConfig {
    /// `JWT_ISSUER`: the expected `iss`, exactly (required).
    pub issuer: String,
    /// `JWT_AUDIENCE`: an accepted `aud` besides this server's resource URL.
    pub audience: Option<String>,
    /// `JWT_JWKS_URL` (default `$JWT_ISSUER/.well-known/jwks.json`).
    pub jwks_url: Url,
    /// `JWT_ALGORITHMS`: accepted signature algorithms (default every asymmetric one; HMAC and
    /// `none` are never accepted).
    pub algorithms: Vec<Algorithm>,
    /// `JWT_TOKEN_TYPES`: accepted `typ` headers (default `at+jwt`, `application/at+jwt`;
    /// `*` accepts any, for identity providers that do not follow RFC 9068 there).
    pub token_types: Option<Vec<String>>,
    /// `JWT_LEEWAY_SECS`: clock skew allowed on `exp` and `nbf` (default 30).
    pub leeway: Duration,
    /// `JWT_JWKS_REFRESH_MIN_SECS`: least time between two JWKS fetches triggered by unknown
    /// key ids (default 10).
    pub jwks_refresh_min: Duration,
    /// `JWT_CACHE_SECS`: how long a verified token is remembered (never past its `exp`), so
    /// its signature is checked once, not on every request; zero verifies every time.
    pub cache_ttl: Duration,
}

const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

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
            "" | "introspection" => introspection(raw, server_url).map(Self::Introspection),
            "jwt" => jwt(raw).map(Self::Jwt),
            other => Err(ConfigError::new(format!(
                "AUTH_TOKEN_MODE must be introspection or jwt (got {other:?})"
            ))),
        }
    }

    /// The authorization server clients should use (for protected resource metadata).
    pub fn authorization_server(&self) -> Option<String> {
        match self {
            Self::Disabled => None,
            Self::Introspection(config) => {
                Some(config.server_url.as_str().trim_end_matches('/').to_owned())
            }
            Self::Jwt(config) => Some(config.issuer.clone()),
        }
    }
}

fn introspection(raw: &RawConfig, server_url: Url) -> Result<IntrospectionConfig, ConfigError> {
    let introspect_url = match &raw.oauth_introspect_url {
        Some(url) => url.clone(),
        None => join(&server_url, "introspect", "OAUTH_SERVER_URL")?,
    };
    let nonempty = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
    let (Some(client_id), Some(client_secret)) = (
        nonempty(&raw.oauth_client_id),
        nonempty(&raw.oauth_client_secret),
    ) else {
        return Err(ConfigError::new(
            "AUTH_TOKEN_MODE=introspection needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET (the authorization server authenticates introspection callers, RFC 7662); or set AUTH_TOKEN_MODE=jwt, or DISABLE_AUTH=true to serve without authentication",
        ));
    };
    Ok(IntrospectionConfig {
        server_url,
        introspect_url,
        client_id,
        client_secret,
        cache_ttl: Duration::from_secs(raw.mcp_introspection_cache_secs),
        negative_ttl: Duration::from_secs(raw.mcp_introspection_negative_cache_secs),
    })
}

fn jwt(raw: &RawConfig) -> Result<JwtConfig, ConfigError> {
    let issuer = raw
        .jwt_issuer
        .clone()
        .filter(|issuer| !issuer.trim().is_empty())
        .ok_or_else(|| ConfigError::new("JWT_ISSUER is required when AUTH_TOKEN_MODE=jwt"))?;
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
    let algorithms = match raw.jwt_algorithms.as_deref() {
        None => ASYMMETRIC.to_vec(),
        Some(list) => split_list(list)
            .iter()
            .map(|name| {
                ASYMMETRIC
                    .into_iter()
                    .find(|algorithm| format!("{algorithm:?}") == *name)
                    .ok_or_else(|| {
                        ConfigError::new(format!(
                            "JWT_ALGORITHMS: {name:?} is not an accepted algorithm (asymmetric only: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)"
                        ))
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    if algorithms.is_empty() {
        return Err(ConfigError::new(
            "JWT_ALGORITHMS must name at least one algorithm",
        ));
    }
    let token_types = match raw.jwt_token_types.as_deref().map(str::trim) {
        None | Some("") => Some(vec!["at+jwt".to_owned(), "application/at+jwt".to_owned()]),
        Some("*") => None,
        Some(list) => Some(
            split_list(list)
                .iter()
                .map(|t| t.to_ascii_lowercase())
                .collect(),
        ),
    };
    Ok(JwtConfig {
        issuer,
        audience: raw
            .jwt_audience
            .clone()
            .filter(|aud| !aud.trim().is_empty()),
        jwks_url,
        algorithms,
        token_types,
        leeway: Duration::from_secs(raw.jwt_leeway_secs),
        jwks_refresh_min: Duration::from_secs(raw.jwt_jwks_refresh_min_secs),
        cache_ttl: Duration::from_secs(raw.jwt_cache_secs),
    })
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
