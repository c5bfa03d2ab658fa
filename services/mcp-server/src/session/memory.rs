//! Sessions kept in this process: the default when no shared store is configured.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::{SessionId, SessionRecord, SessionStore, SessionUpdate, StoreError};

/// An in-process [`SessionStore`] with sliding idle expiry.
#[derive(Debug)]
pub struct MemorySessionStore {
    idle_ttl: Duration,
    entries: Mutex<HashMap<SessionId, Entry>>,
}

#[derive(Debug)]
struct Entry {
    record: SessionRecord,
    expires_at: Instant,
}

impl MemorySessionStore {
    /// A store whose sessions end after `idle_ttl` without use.
    pub fn new(idle_ttl: Duration) -> Self {
        Self {
            idle_ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Removes expired sessions and returns their ids, so their streams can be released too.
    pub fn purge_expired(&self) -> Vec<SessionId> {
        let now = Instant::now();
        let mut entries = self.lock();
        let expired: Vec<SessionId> = entries
            .iter()
            .filter(|(_, entry)| entry.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            entries.remove(id);
        }
        expired
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Entry>> {
        // A panic while holding this lock cannot leave an entry half-written, so keep serving.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the live entry for `id`, restarting its idle timer.
    fn with_live<T>(&self, id: &SessionId, f: impl FnOnce(&mut Entry) -> T) -> Option<T> {
        let now = Instant::now();
        let mut entries = self.lock();
        match entries.get_mut(id) {
            Some(entry) if entry.expires_at > now => {
                entry.expires_at = now + self.idle_ttl;
                Some(f(entry))
            }
            Some(_) => {
                entries.remove(id);
                None
            }
            None => None,
        }
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError> {
        let mut entries = self.lock();
        if entries.contains_key(&record.id) {
            return Err(StoreError::Duplicate);
        }
        let expires_at = Instant::now() + self.idle_ttl;
        entries.insert(record.id.clone(), Entry { record, expires_at });
        Ok(())
    }

    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.with_live(id, |entry| entry.record.clone()))
    }

    async fn touch(&self, id: &SessionId) -> Result<bool, StoreError> {
        Ok(self.with_live(id, |_| ()).is_some())
    }

    async fn update(&self, id: &SessionId, update: SessionUpdate) -> Result<bool, StoreError> {
        Ok(self
            .with_live(id, |entry| entry.record.apply(&update))
            .is_some())
    }

    async fn delete(&self, id: &SessionId) -> Result<bool, StoreError> {
        Ok(self.lock().remove(id).is_some())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_meets_the_contract() {
        crate::session::contract::suite(MemorySessionStore::new).await;
    }

    #[tokio::test]
    async fn purge_reports_expired_sessions_once() {
        let store = MemorySessionStore::new(Duration::from_millis(50));
        let record = crate::session::SessionRecord {
            id: SessionId::generate(),
            protocol_version: rmcp::model::ProtocolVersion::V_2025_03_26,
            owner: String::new(),
            client_info: rmcp::model::Implementation::new("t", "1"),
            client_capabilities: Default::default(),
            log_level: None,
            initialized: false,
            standalone_opened: false,
            created_at: 0,
        };
        store.create(record.clone()).await.unwrap();
        assert!(store.purge_expired().is_empty());
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(store.purge_expired(), vec![record.id]);
        assert!(store.purge_expired().is_empty());
    }
}
