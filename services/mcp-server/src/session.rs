//! Handshake-era sessions: what `initialize` negotiated, kept between requests.
//!
//! A session lives behind the [`SessionStore`] trait so that any replica can serve any request:
//! the memory store keeps records in this process, a shared store keeps them where every
//! replica sees them. Records are bound to the principal that created them and end after an idle
//! period; code above the trait never learns where they are kept.

#[cfg(test)]
pub(crate) mod contract;
mod id;
mod memory;
mod recent;
mod record;
mod redis;

use async_trait::async_trait;

pub use self::{
    id::SessionId,
    memory::MemorySessionStore,
    record::{SessionRecord, SessionUpdate},
    redis::RedisSessionStore,
};

/// The store could not answer; callers answer 503/500 and log, never guess.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend is unreachable or failed.
    #[error("session store unavailable: {0}")]
    Unavailable(String),
    /// A record could not be decoded.
    #[error("session record is corrupt: {0}")]
    Corrupt(String),
    /// `create` was called with an id that already exists.
    #[error("session id already exists")]
    Duplicate,
}

/// Where sessions are kept.
///
/// Every method is atomic on its own record. Expiry is sliding: `load` and `touch` push a
/// session's end to now + the idle TTL; a record past its end is never returned again.
#[async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug + 'static {
    /// Stores a new record. Fails with [`StoreError::Duplicate`] if the id is taken.
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError>;

    /// Returns the live record for `id` and restarts its idle timer, or `None` if it never
    /// existed, was deleted or expired.
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError>;

    /// Restarts the idle timer of a live session (an open stream counts as use). Returns whether
    /// the session is still live.
    async fn touch(&self, id: &SessionId) -> Result<bool, StoreError>;

    /// Applies `update` to a live record. Returns `false` if the session is gone.
    async fn update(&self, id: &SessionId, update: SessionUpdate) -> Result<bool, StoreError>;

    /// The live sessions subscribed to `uri`, in no particular order.
    async fn subscribers(&self, uri: &str) -> Result<Vec<SessionId>, StoreError>;

    /// Removes the record. Returns whether it existed. Later `load`s return `None`.
    async fn delete(&self, id: &SessionId) -> Result<bool, StoreError>;

    /// Cheap liveness probe of the backend, for readiness checks.
    async fn check(&self) -> Result<(), StoreError>;
}
