//! Who is calling: the OAuth 2.1 resource server in front of `/mcp`.
//!
//! Every `/mcp` request needs `Authorization: Bearer <token>`. The token is checked by
//! introspection (RFC 7662, answers cached per token) or as an RFC 9068 JWT against the
//! issuer's JWKS, must be meant for this server (its audience), and must carry the required
//! scopes. The caller becomes a [`Principal`] in the request extensions; sessions and tasks
//! remember theirs ([`Principal::owner_key`]) and answer 404 to anyone else. Refusals follow
//! RFC 6750 and RFC 9728 (see [`challenge`]); tokens are never passed on to anyone.

mod bearer;
pub mod challenge;
mod introspection;
mod jwks;
mod jwt;
pub mod metadata;

use std::{collections::BTreeSet, sync::Arc};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use self::{challenge::Challenge, introspection::Introspector, jwt::JwtVerifier};
use crate::config::{AuthConfig, Config};

/// The caller of a request, as established by authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's subject (`sub`), if any.
    pub subject: Option<String>,
    /// The OAuth client the token was issued to, if known.
    pub client_id: Option<String>,
    /// Granted scopes.
    pub scopes: BTreeSet<String>,
}

impl Principal {
    /// The caller when authentication is switched off (`DISABLE_AUTH=true`).
    pub fn anonymous() -> Self {
        Self {
            subject: None,
            client_id: None,
            scopes: BTreeSet::new(),
        }
    }

    /// A stable key for "the same caller": subject and client together, unambiguous for any
    /// strings (JSON array encoding).
    pub fn owner_key(&self) -> String {
        serde_json::json!([self.subject, self.client_id]).to_string()
    }
}

/// Why a request is not let through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No bearer token.
    #[error("a bearer token is required")]
    Missing,
    /// The `Authorization` header is malformed.
    #[error("{0}")]
    Malformed(&'static str),
    /// The token is not valid here (expired, revoked, for another audience...).
    #[error("{0}")]
    Invalid(String),
    /// The token lacks a required scope.
    #[error("the token lacks the required scope")]
    InsufficientScope,
    /// The authorization server (or the JWKS) cannot be reached: try again later.
    #[error("the authorization server cannot be reached")]
    Unavailable,
}

impl AuthError {
    /// The refusal, as a metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed(_) => "malformed",
            Self::Invalid(_) => "invalid",
            Self::InsufficientScope => "insufficient_scope",
            Self::Unavailable => "unavailable",
        }
    }
}

/// How tokens are checked.
#[derive(Debug)]
enum TokenCheck {
    /// `DISABLE_AUTH=true`: every request acts as [`Principal::anonymous`].
    Anonymous,
    Introspection(Introspector),
    Jwt(JwtVerifier),
}

/// Authentication of `/mcp` requests, built once from the configuration.
#[derive(Debug)]
pub struct Authenticator {
    check: TokenCheck,
    required_scopes: Vec<String>,
    challenge: Challenge,
}

impl Authenticator {
    /// No authentication: every request is anonymous.
    pub fn disabled() -> Self {
        Self {
            check: TokenCheck::Anonymous,
            required_scopes: Vec::new(),
            challenge: Challenge::default(),
        }
    }

    /// Builds the authenticator for `config`.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let resource = config.public_url.as_str().to_owned();
        let check = match &config.auth {
            AuthConfig::Disabled => {
                tracing::warn!(
                    "DISABLE_AUTH is set: /mcp is served WITHOUT authentication to anyone who can reach it"
                );
                return Ok(Self::disabled());
            }
            AuthConfig::Introspection(settings) => {
                TokenCheck::Introspection(Introspector::new(settings, resource)?)
            }
            AuthConfig::Jwt(settings) => TokenCheck::Jwt(JwtVerifier::new(settings, resource)?),
        };
        Ok(Self {
            check,
            required_scopes: config.required_scopes.clone(),
            challenge: Challenge::new(&config.public_url, &config.required_scopes),
        })
    }

    /// The mode, as a metric label: `disabled`, `introspection` or `jwt`.
    pub fn mode(&self) -> &'static str {
        match self.check {
            TokenCheck::Anonymous => "disabled",
            TokenCheck::Introspection(_) => "introspection",
            TokenCheck::Jwt(_) => "jwt",
        }
    }

    /// Whether requests are authenticated at all.
    pub fn enabled(&self) -> bool {
        !matches!(self.check, TokenCheck::Anonymous)
    }

    /// The principal behind a request's headers.
    pub async fn principal(&self, headers: &axum::http::HeaderMap) -> Result<Principal, AuthError> {
        let token = match &self.check {
            TokenCheck::Anonymous => return Ok(Principal::anonymous()),
            _ => bearer::token(headers)?,
        };
        // The checks' futures are boxed: they are kilobytes, and would otherwise make every
        // request's middleware future (moved and boxed by axum) that large, anonymous or not.
        let principal = match &self.check {
            TokenCheck::Anonymous => Principal::anonymous(),
            TokenCheck::Introspection(introspector) => Box::pin(introspector.check(token)).await?,
            TokenCheck::Jwt(verifier) => Box::pin(verifier.check(token)).await?,
        };
        if self
            .required_scopes
            .iter()
            .any(|scope| !principal.scopes.contains(scope))
        {
            return Err(AuthError::InsufficientScope);
        }
        Ok(principal)
    }
}

/// Middleware for `/mcp`: establishes the request's [`Principal`], or refuses the request.
pub async fn authenticate(
    State(authenticator): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    let mode = authenticator.mode();
    match authenticator.principal(request.headers()).await {
        Ok(principal) => {
            let outcome = if authenticator.enabled() {
                "ok"
            } else {
                "anonymous"
            };
            crate::instruments::auth(mode, outcome);
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(error) => {
            crate::instruments::auth(mode, error.label());
            tracing::info!(%error, "request refused by authentication");
            authenticator.challenge.refuse(&error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_keys_do_not_collide_on_separators() {
        let a = Principal {
            subject: Some("a\",\"b".into()),
            client_id: None,
            scopes: BTreeSet::new(),
        };
        let b = Principal {
            subject: Some("a".into()),
            client_id: Some("b".into()),
            scopes: BTreeSet::new(),
        };
        assert_ne!(a.owner_key(), b.owner_key());
        assert_eq!(Principal::anonymous().owner_key(), "[null,null]");
    }
}
