//! Who is calling: the principal a request acts for.
//!
//! The HTTP layer authenticates each `/mcp` request and puts a [`Principal`] into the request
//! extensions; everything below reads it from there. Sessions remember the principal that created
//! them ([`Principal::owner_key`]) and answer 404 to anyone else.

use std::{collections::BTreeSet, sync::Arc};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use crate::config::AuthConfig;

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

/// How requests are authenticated, built once from [`AuthConfig`].
#[derive(Debug)]
pub enum Authenticator {
    /// `DISABLE_AUTH=true`: every request acts as [`Principal::anonymous`].
    Anonymous,
}

/// The configured token validation mode cannot run in this build.
#[derive(Debug, thiserror::Error)]
#[error(
    "AUTH_TOKEN_MODE={0} token validation is not available in this build; set DISABLE_AUTH=true to serve without authentication"
)]
pub struct AuthUnavailable(&'static str);

impl Authenticator {
    /// Builds the authenticator for `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, AuthUnavailable> {
        match config {
            AuthConfig::Disabled => Ok(Self::Anonymous),
            AuthConfig::Introspection { .. } => Err(AuthUnavailable("introspection")),
            AuthConfig::Jwt { .. } => Err(AuthUnavailable("jwt")),
        }
    }
}

/// Middleware for `/mcp`: establishes the request's [`Principal`].
pub async fn authenticate(
    State(authenticator): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    let principal = match &*authenticator {
        Authenticator::Anonymous => Principal::anonymous(),
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
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
