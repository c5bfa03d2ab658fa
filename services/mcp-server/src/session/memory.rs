//! Sessions kept in this process: the default when no shared store is configured.

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::{SessionId, SessionRecord, SessionStore, SessionUpdate, StoreError};

/// An in-process [`SessionStore`] with sliding idle expiry.
#[derive(Debug)]
pub struct MemorySessionStore {
    idle_ttl: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<SessionId, Entry>,
    /// Resource URI → sessions subscribed to it; kept in step with the records.
    subscribers: HashMap<String, HashSet<SessionId>>,
}

#[derive(Debug)]
struct Entry {
    record: SessionRecord,
    expires_at: Instant,
}

impl State {
    fn remove(&mut self, id: &SessionId) -> Option<Entry> {
        let entry = self.entries.remove(id)?;
        for uri in &entry.record.subscriptions {
            self.unindex(uri, id);
        }
        Some(entry)
    }

    fn unindex(&mut self, uri: &str, id: &SessionId) {
        if let Some(sessions) = self.subscribers.get_mut(uri) {
            sessions.remove(id);
            if sessions.is_empty() {
                self.subscribers.remove(uri);
            }
        }
    }
}

impl MemorySessionStore {
    /// A store whose sessions end after `idle_ttl` without use.
    pub fn new(idle_ttl: Duration) -> Self {
        Self {
            idle_ttl,
            state: Mutex::new(State::default()),
        }
    }

    /// Removes expired sessions and returns their records, so their streams can be released
    /// and their duration measured.
    pub fn purge_expired(&self) -> Vec<SessionRecord> {
        let now = Instant::now();
        let mut state = self.lock();
        let expired: Vec<SessionId> = state
            .entries
            .iter()
            .filter(|(_, entry)| entry.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        expired
            .iter()
            .filter_map(|id| state.remove(id))
            .map(|entry| entry.record)
            .collect()
    }

    /// How many sessions the store holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the maps consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the live entry for `id`, restarting its idle timer.
    fn with_live<T>(
        &self,
        id: &SessionId,
        f: impl FnOnce(&mut State, &SessionId) -> T,
    ) -> Option<T> {
        let now = Instant::now();
        let mut state = self.lock();
        match state.entries.get_mut(id) {
            Some(entry) if entry.expires_at > now => {
                entry.expires_at = now + self.idle_ttl;
                Some(f(&mut state, id))
            }
            Some(_) => {
                state.remove(id);
                None
            }
            None => None,
        }
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.entries.contains_key(&record.id) {
            return Err(StoreError::Duplicate);
        }
        for uri in &record.subscriptions {
            state
                .subscribers
                .entry(uri.clone())
                .or_default()
                .insert(record.id.clone());
        }
        let expires_at = Instant::now() + self.idle_ttl;
        state
            .entries
            .insert(record.id.clone(), Entry { record, expires_at });
        Ok(())
    }

    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.with_live(id, |state, id| state.entries[id].record.clone()))
    }

    async fn touch(&self, id: &SessionId) -> Result<bool, StoreError> {
        Ok(self.with_live(id, |_, _| ()).is_some())
    }

    async fn update(&self, id: &SessionId, update: SessionUpdate) -> Result<bool, StoreError> {
        let applied = self.with_live(id, |state, id| {
            match &update {
                SessionUpdate::Subscribe(uri) => {
                    state
                        .subscribers
                        .entry(uri.clone())
                        .or_default()
                        .insert(id.clone());
                }
                SessionUpdate::Unsubscribe(uri) => state.unindex(uri, id),
                _ => {}
            }
            if let Some(entry) = state.entries.get_mut(id) {
                entry.record.apply(&update);
            }
        });
        Ok(applied.is_some())
    }

    async fn subscribers(&self, uri: &str) -> Result<Vec<SessionId>, StoreError> {
        let now = Instant::now();
        let state = self.lock();
        let live = |id: &&SessionId| {
            state
                .entries
                .get(*id)
                .is_some_and(|entry| entry.expires_at > now)
        };
        Ok(state
            .subscribers
            .get(uri)
            .map_or_else(Vec::new, |ids| ids.iter().filter(live).cloned().collect()))
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
        let record = crate::session::contract::record();
        store.create(record.clone()).await.unwrap();
        store
            .update(&record.id, SessionUpdate::Subscribe("test://a".into()))
            .await
            .unwrap();
        assert!(store.purge_expired().is_empty());
        tokio::time::sleep(Duration::from_millis(80)).await;
        let purged: Vec<SessionId> = store
            .purge_expired()
            .into_iter()
            .map(|record| record.id)
            .collect();
        assert_eq!(purged, vec![record.id]);
        assert!(store.purge_expired().is_empty());
        assert!(
            store.lock().subscribers.is_empty(),
            "the index forgets purged sessions"
        );
    }
}
