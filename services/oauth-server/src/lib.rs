//! A demo OAuth 2.1 authorization server for MCP: no user accounts (every authorization is for
//! one configured subject), but protocol handling as strict as a production server's, because
//! people copy it and test their clients against it.
//!
//! Endpoints: RFC 8414 metadata (and OpenID discovery), the JWKS, dynamic client registration
//! (RFC 7591) and client ID metadata documents, `/authorize` (auto-approve or a consent page;
//! PKCE S256, RFC 8707 resources, RFC 9207 `iss`), `/token` (authorization code, rotated refresh
//! tokens, client credentials), introspection (RFC 7662) and revocation (RFC 7009). Records live
//! in memory or in Redis.

pub mod authorize;
pub mod clients;
pub mod config;
pub mod error;
pub mod health;
pub mod instruments;
pub mod introspect;
pub mod keys;
pub mod metadata;
pub mod params;
pub mod pkce;
pub mod redirect_uri;
pub mod register;
pub mod resource;
pub mod revoke;
pub mod routes;
pub mod scope;
pub mod secret;
pub mod startup;
pub mod store;
pub mod token;
pub mod tokens;

use std::{sync::Arc, time::Duration};

use self::{
    clients::{Directory, FailedAuthentications},
    config::AuthorizeMode,
    keys::KeySet,
    resource::Resources,
    scope::Scope,
    store::Store,
    tokens::Tokens,
};
pub use self::{config::Config, startup::App};

/// Settings the handlers read.
#[derive(Debug)]
pub struct Settings {
    /// The issuer identifier.
    pub issuer: String,
    /// Every scope this server knows.
    pub scopes: Scope,
    /// Granted when nothing else says what to grant.
    pub default_scope: Scope,
    /// The resources tokens may be issued for.
    pub resources: Resources,
    /// The subject of authorizations.
    pub subject: String,
    /// Auto-approve or ask.
    pub authorize_mode: AuthorizeMode,
    /// Authorization code lifetime.
    pub code_ttl: Duration,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Settings.
    pub settings: Arc<Settings>,
    /// Clients.
    pub clients: Directory,
    /// Tokens.
    pub tokens: Tokens,
    /// Records (codes, pending consents).
    pub store: Store,
    /// Signing keys.
    pub keys: Arc<KeySet>,
    /// Failed client authentications, for throttling guesses.
    pub failed_authentications: FailedAuthentications,
}
