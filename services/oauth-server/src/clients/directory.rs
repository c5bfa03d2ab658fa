//! Finding a client by id: presets from configuration first, then metadata documents (an
//! https `client_id`), then registered clients in the store.

use std::{collections::HashMap, sync::Arc};

use super::{
    AuthMethod, Client, GrantType, MetadataDocumentError, MetadataDocuments, Origin,
    metadata_document::is_document_url,
};
use crate::{
    error::{ErrorCode, OAuthError},
    secret,
    store::{Key, Kind, Store},
};

/// Why a client could not be found.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// No such client.
    #[error("unknown client_id")]
    Unknown,
    /// Its metadata document cannot be used.
    #[error(transparent)]
    Document(#[from] MetadataDocumentError),
    /// The store failed.
    #[error("the client store failed")]
    Store,
}

impl LookupError {
    /// The error for a request that must authenticate the client (token, introspection,
    /// revocation): unknown clients are `invalid_client`.
    pub fn into_client_error(self) -> OAuthError {
        match self {
            Self::Unknown => OAuthError::new(ErrorCode::InvalidClient, "unknown client_id"),
            Self::Document(error) => OAuthError::new(ErrorCode::InvalidClient, error.to_string()),
            Self::Store => OAuthError::unavailable(),
        }
    }
}

/// Every client this server knows.
#[derive(Debug, Clone)]
pub struct Directory {
    store: Store,
    presets: Arc<HashMap<String, Client>>,
    documents: MetadataDocuments,
}

impl Directory {
    /// A directory over `store`, with the configured preset clients.
    pub fn new(store: Store, presets: &[(String, String)], documents: MetadataDocuments) -> Self {
        let presets = presets
            .iter()
            .map(|(id, secret)| {
                let client = Client {
                    client_id: id.clone(),
                    secret_hash: Some(secret::digest(secret)),
                    redirect_uris: Vec::new(),
                    grant_types: vec![GrantType::ClientCredentials],
                    auth_method: AuthMethod::ClientSecretBasic,
                    scope: None,
                    client_name: Some(id.clone()),
                    extra: serde_json::Map::new(),
                    issued_at: 0,
                    origin: Origin::Preset,
                };
                (id.clone(), client)
            })
            .collect();
        Self {
            store,
            presets: Arc::new(presets),
            documents,
        }
    }

    /// The client `client_id`.
    pub async fn find(&self, client_id: &str) -> Result<Client, LookupError> {
        if let Some(client) = self.presets.get(client_id) {
            return Ok(client.clone());
        }
        if is_document_url(client_id) {
            return Ok(self.documents.client(client_id).await?);
        }
        let found: Option<Client> = self
            .store
            .get(&Key::new(Kind::Client, client_id))
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot read a client");
                LookupError::Store
            })?;
        found.ok_or(LookupError::Unknown)
    }

    /// Stores a newly registered client.
    pub async fn add(&self, client: &Client) -> Result<(), OAuthError> {
        let stored = self
            .store
            .insert(
                &Key::new(Kind::Client, client.client_id.clone()),
                client,
                None,
            )
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot store a client");
                OAuthError::unavailable()
            })?;
        if !stored {
            tracing::error!("a fresh client id collided with a stored one");
            return Err(OAuthError::server_error());
        }
        Ok(())
    }
}
