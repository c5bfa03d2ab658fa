//! Where the authorization server keeps what it issued: clients, authorization codes, refresh
//! and access tokens, grants, pending consent requests and signing keys.
//!
//! [`Records`] is a small key-value contract (with expiry and an atomic "use once" operation)
//! implemented in memory ([`MemoryRecords`]) and on Redis ([`RedisRecords`]); both pass the same
//! `contract` suite. [`Store`] puts types on top. Secrets never reach the store: codes and
//! tokens are keyed by their SHA-256, client secrets are kept hashed.

#[cfg(test)]
pub(crate) mod contract;
mod memory;
mod redis;

use std::{fmt, sync::Arc, time::Duration};

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};

pub use self::{memory::MemoryRecords, redis::RedisRecords};

/// What kind of record a key names; each kind has its own key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A registered client, by client id.
    Client,
    /// An authorization code, by its hash.
    Code,
    /// A refresh token, by its hash.
    RefreshToken,
    /// An access token, by its hash (opaque) or its `jti` (JWT).
    AccessToken,
    /// A revoked grant (every token issued from one authorization), by grant id.
    RevokedGrant,
    /// An authorization request waiting for the user's consent, by request id.
    Consent,
    /// The signing key set, under one fixed id.
    SigningKeys,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Code => "code",
            Self::RefreshToken => "refresh",
            Self::AccessToken => "access",
            Self::RevokedGrant => "revoked-grant",
            Self::Consent => "consent",
            Self::SigningKeys => "keys",
        }
    }
}

/// The key of one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Its kind.
    pub kind: Kind,
    /// Its id within the kind.
    pub id: String,
}

impl Key {
    /// The key of record `id` of `kind`.
    pub fn new(kind: Kind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.prefix(), self.id)
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The outcome of [`Records::consume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    /// No live record.
    Missing,
    /// The record, used now for the first time.
    First(String),
    /// The record, which had been used before: its value, and when it was first used
    /// (milliseconds since the Unix epoch).
    Again(String, u64),
}

/// The backend failed or could not be reached.
#[derive(Debug, Clone, thiserror::Error)]
#[error("record store: {0}")]
pub struct StoreError(pub String);

/// A key-value store of records with expiry.
///
/// Every operation is atomic on its record. A record past its time to live is gone for every
/// operation. Values are opaque strings.
#[async_trait]
pub trait Records: Send + Sync + fmt::Debug + 'static {
    /// Stores `value` under `key`, replacing any record; it expires after `ttl` (never if
    /// `None`) and starts unused.
    async fn put(&self, key: &Key, value: &str, ttl: Option<Duration>) -> Result<(), StoreError>;

    /// Stores `value` only if `key` has no live record; returns whether it was stored.
    async fn insert(
        &self,
        key: &Key,
        value: &str,
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError>;

    /// The live value under `key`.
    async fn get(&self, key: &Key) -> Result<Option<String>, StoreError>;

    /// Removes the record; returns whether a live one was there.
    async fn remove(&self, key: &Key) -> Result<bool, StoreError>;

    /// Marks the record used, keeping its value and expiry, and says whether this was its
    /// first use. Of any number of concurrent calls on one record, from any process, exactly
    /// one gets [`Consumed::First`].
    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError>;

    /// Whether the backend answers.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Typed access to the records: values are JSON.
#[derive(Debug, Clone)]
pub struct Store {
    records: Arc<dyn Records>,
}

impl Store {
    /// A store over `records`.
    pub fn new(records: Arc<dyn Records>) -> Self {
        Self { records }
    }

    /// Stores `value` under `key` for `ttl`, replacing any record.
    pub async fn put<T: Serialize>(
        &self,
        key: &Key,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        self.records.put(key, &encode(value)?, ttl).await
    }

    /// Stores `value` only if `key` is free; returns whether it was stored.
    pub async fn insert<T: Serialize>(
        &self,
        key: &Key,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        self.records.insert(key, &encode(value)?, ttl).await
    }

    /// The live record under `key`.
    pub async fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, StoreError> {
        self.records
            .get(key)
            .await?
            .map(|text| decode(key, &text))
            .transpose()
    }

    /// Removes the record under `key`; returns whether there was one.
    pub async fn remove(&self, key: &Key) -> Result<bool, StoreError> {
        self.records.remove(key).await
    }

    /// Uses the record under `key` (see [`Records::consume`]).
    pub async fn consume<T: DeserializeOwned>(&self, key: &Key) -> Result<Use<T>, StoreError> {
        Ok(match self.records.consume(key).await? {
            Consumed::Missing => Use::Missing,
            Consumed::First(text) => Use::First(decode(key, &text)?),
            Consumed::Again(text, first_used_ms) => Use::Again(decode(key, &text)?, first_used_ms),
        })
    }

    /// Whether the backend answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.records.ping().await
    }
}

/// A typed [`Consumed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use<T> {
    /// No live record.
    Missing,
    /// First use.
    First(T),
    /// Used before; first used at this time (milliseconds since the Unix epoch).
    Again(T, u64),
}

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError(format!("cannot encode: {error}")))
}

fn decode<T: DeserializeOwned>(key: &Key, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|error| StoreError(format!("record {key} is unreadable: {error}")))
}
