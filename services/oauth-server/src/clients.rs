//! Clients: what the server knows about each one, where that comes from (dynamic registration,
//! presets from configuration, or a client ID metadata document), and how a client proves who
//! it is at the token, introspection and revocation endpoints.

mod authenticate;
mod directory;
mod metadata_document;
mod registration;
mod throttle;

use serde::{Deserialize, Serialize};

pub use self::{
    authenticate::{ClientCredentials, authenticate},
    directory::{Directory, LookupError},
    metadata_document::{MetadataDocumentError, MetadataDocumentSettings, MetadataDocuments},
    registration::{RegistrationRequest, register},
    throttle::FailedAuthentications,
};
use crate::{redirect_uri::RedirectUri, scope::Scope, secret};

/// How a client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client: no secret, `client_id` in the body.
    None,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// HTTP Basic with the form-encoded id and secret.
    ClientSecretBasic,
}

impl AuthMethod {
    /// The method's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// The grants a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// Authorization code with PKCE.
    AuthorizationCode,
    /// Refresh token (rotated on every use).
    RefreshToken,
    /// Client credentials (confidential clients only).
    ClientCredentials,
}

impl GrantType {
    /// The grant's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }

    /// The grant named `name`, if supported.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::AuthorizationCode,
            Self::RefreshToken,
            Self::ClientCredentials,
        ]
        .into_iter()
        .find(|grant| grant.as_str() == name)
    }
}

/// Where a client's record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Dynamic client registration (RFC 7591).
    Registered,
    /// `OAUTH_PRESET_CLIENTS`: a resource server or service account; may introspect any token.
    Preset,
    /// A client ID metadata document fetched from its `client_id` URL.
    MetadataDocument,
}

/// A client as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// The client id.
    pub client_id: String,
    /// SHA-256 (hex) of the secret of a confidential client.
    pub secret_hash: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grants it may use.
    pub grant_types: Vec<GrantType>,
    /// How it authenticates.
    pub auth_method: AuthMethod,
    /// The scope it may ask for (`None`: any supported scope).
    pub scope: Option<Scope>,
    /// A name to show on the consent page.
    pub client_name: Option<String>,
    /// Other registered metadata, returned as registered.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Seconds since the Unix epoch when the id was issued.
    pub issued_at: u64,
    /// Where the record comes from.
    pub origin: Origin,
}

impl Client {
    /// Whether the client may use `grant`.
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Whether the client has a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret_hash.is_some()
    }

    /// The registered URI `requested` designates (exact match, any port on loopback).
    pub fn redirect_uri(&self, requested: &str) -> Option<RedirectUri> {
        self.redirect_uris
            .iter()
            .filter_map(|uri| RedirectUri::parse(uri).ok())
            .find(|uri| uri.matches(requested))
    }

    /// Whether `secret` is the client's secret (constant time).
    pub fn secret_matches(&self, given: &str) -> bool {
        self.secret_hash
            .as_ref()
            .is_some_and(|hash| secret::same(hash, &secret::digest(given)))
    }
}
