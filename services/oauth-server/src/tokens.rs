//! Issuing and looking up tokens. Every access token, opaque or JWT, has a record (keyed by the
//! opaque token's SHA-256 or the JWT's `jti`), so introspection and revocation treat both
//! alike; refresh tokens belong to a grant (everything issued from one authorization), and
//! revoking the grant ends all of its tokens.

use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::{Deserialize, Serialize};

use crate::{
    config::TokenFormat,
    error::OAuthError,
    keys::KeySet,
    scope::Scope,
    secret,
    store::{Key, Kind, Store, StoreError, Use},
};

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// What a token allows, and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The grant id: shared by every token issued from one authorization.
    pub id: String,
    /// The client the tokens are issued to.
    pub client_id: String,
    /// The resource owner (`sub`).
    pub subject: String,
    /// The granted scope.
    pub scope: Scope,
    /// The resource the tokens are for (`aud`).
    pub audience: Option<String>,
}

/// An access token as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// What it allows.
    pub grant: Grant,
    /// Its unique id (`jti`).
    pub jti: String,
    /// Issue time (seconds since the epoch).
    pub issued_at: u64,
    /// Expiry (seconds since the epoch).
    pub expires_at: u64,
}

/// A refresh token as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// What it allows.
    pub grant: Grant,
    /// Issue time (seconds since the epoch).
    pub issued_at: u64,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct IssuedAccess {
    /// The token.
    pub token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

/// RFC 9068 claims.
#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
    client_id: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    scope: String,
    exp: u64,
    iat: u64,
    jti: String,
}

/// Issues and finds tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    store: Store,
    issuer: String,
    format: TokenFormat,
    keys: Arc<KeySet>,
    access_ttl: Duration,
    refresh_ttl: Duration,
    refresh_reuse_grace: Duration,
}

fn store_failed(error: StoreError) -> OAuthError {
    tracing::error!(%error, "token store failed");
    OAuthError::unavailable()
}

impl Tokens {
    /// Tokens kept in `store`, signed (JWT format) with `keys`.
    pub fn new(
        store: Store,
        issuer: String,
        format: TokenFormat,
        keys: Arc<KeySet>,
        access_ttl: Duration,
        refresh_ttl: Duration,
        refresh_reuse_grace: Duration,
    ) -> Self {
        Self {
            store,
            issuer,
            format,
            keys,
            access_ttl,
            refresh_ttl,
            refresh_reuse_grace,
        }
    }

    /// Issues an access token for `grant`.
    pub async fn issue_access(&self, grant: &Grant) -> Result<IssuedAccess, OAuthError> {
        let issued_at = now();
        let record = AccessRecord {
            grant: grant.clone(),
            jti: secret::generate(),
            issued_at,
            expires_at: issued_at + self.access_ttl.as_secs(),
        };
        let (token, key) = match self.format {
            TokenFormat::Opaque => {
                let token = secret::generate();
                let key = Key::new(Kind::AccessToken, secret::digest(&token));
                (token, key)
            }
            TokenFormat::Jwt => {
                let claims = AccessClaims {
                    iss: self.issuer.clone(),
                    sub: grant.subject.clone(),
                    aud: grant.audience.clone(),
                    client_id: grant.client_id.clone(),
                    scope: grant.scope.to_string(),
                    exp: record.expires_at,
                    iat: issued_at,
                    jti: record.jti.clone(),
                };
                let token = self.keys.sign(&claims).map_err(|error| {
                    tracing::error!(%error, "cannot sign an access token");
                    OAuthError::server_error()
                })?;
                (token, Key::new(Kind::AccessToken, record.jti.clone()))
            }
        };
        self.store
            .put(&key, &record, Some(self.access_ttl))
            .await
            .map_err(store_failed)?;
        Ok(IssuedAccess {
            token,
            expires_in: self.access_ttl.as_secs(),
        })
    }

    /// Issues a refresh token for `grant`.
    pub async fn issue_refresh(&self, grant: &Grant) -> Result<String, OAuthError> {
        let token = secret::generate();
        let record = RefreshRecord {
            grant: grant.clone(),
            issued_at: now(),
        };
        let key = Key::new(Kind::RefreshToken, secret::digest(&token));
        self.store
            .put(&key, &record, Some(self.refresh_ttl))
            .await
            .map_err(store_failed)?;
        Ok(token)
    }

    /// Uses a refresh token (once: a second use is reuse, unless it comes within the reuse
    /// grace of the first, which is then reported as [`Use::First`] again: clients refresh
    /// concurrently when two requests see the same 401).
    pub async fn use_refresh(&self, token: &str) -> Result<Use<RefreshRecord>, OAuthError> {
        let key = Key::new(Kind::RefreshToken, secret::digest(token));
        let grace = u64::try_from(self.refresh_reuse_grace.as_millis()).unwrap_or(u64::MAX);
        Ok(
            match self.store.consume(&key).await.map_err(store_failed)? {
                Use::Again(record, first_used_ms)
                    if crate::store::now_ms() < first_used_ms.saturating_add(grace) =>
                {
                    Use::First(record)
                }
                other => other,
            },
        )
    }

    /// Ends every token of grant `id`.
    pub async fn revoke_grant(&self, id: &str) -> Result<(), OAuthError> {
        tracing::info!(grant.id = id, "grant revoked");
        self.store
            .put(
                &Key::new(Kind::RevokedGrant, id),
                &true,
                Some(self.refresh_ttl),
            )
            .await
            .map_err(store_failed)
    }

    /// Whether grant `id` was revoked.
    pub async fn grant_revoked(&self, id: &str) -> Result<bool, OAuthError> {
        let marker: Option<bool> = self
            .store
            .get(&Key::new(Kind::RevokedGrant, id))
            .await
            .map_err(store_failed)?;
        Ok(marker.is_some())
    }

    /// The key an access token's record is stored under: its `jti` for a JWT this server
    /// signed (and that still verifies), its digest otherwise.
    fn access_key(&self, token: &str) -> Option<Key> {
        if token.split('.').count() != 3 {
            return Some(Key::new(Kind::AccessToken, secret::digest(token)));
        }
        let header = decode_header(token).ok()?;
        let key = self.keys.decoding_key(header.kid.as_deref()?)?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[&self.issuer]);
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss", "jti"]);
        let claims = decode::<AccessClaims>(token, &key, &validation)
            .ok()?
            .claims;
        Some(Key::new(Kind::AccessToken, claims.jti))
    }

    /// The live, unrevoked record of an access token.
    pub async fn find_access(&self, token: &str) -> Result<Option<AccessRecord>, OAuthError> {
        let Some(key) = self.access_key(token) else {
            return Ok(None);
        };
        let record: Option<AccessRecord> = self.store.get(&key).await.map_err(store_failed)?;
        match record {
            Some(record) if record.expires_at > now() => {
                if self.grant_revoked(&record.grant.id).await? {
                    return Ok(None);
                }
                Ok(Some(record))
            }
            _ => Ok(None),
        }
    }

    /// The record of a refresh token (used or not), without using it.
    pub async fn refresh_record(&self, token: &str) -> Result<Option<RefreshRecord>, OAuthError> {
        let key = Key::new(Kind::RefreshToken, secret::digest(token));
        self.store.get(&key).await.map_err(store_failed)
    }

    /// Removes an access token's record.
    pub async fn remove_access(&self, token: &str) -> Result<(), OAuthError> {
        if let Some(key) = self.access_key(token) {
            self.store.remove(&key).await.map_err(store_failed)?;
        }
        Ok(())
    }

    /// The refresh token lifetime (how long a revoked grant must be remembered).
    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }
}
