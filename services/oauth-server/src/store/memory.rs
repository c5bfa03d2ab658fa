//! [`Records`] in this process: a map guarded by a mutex, with lazy expiry and a purge for the
//! janitor.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use async_trait::async_trait;
use tokio::time::Instant;

use super::{Consumed, Key, Records, StoreError};

#[derive(Debug)]
struct Entry {
    value: String,
    /// When it was first consumed (milliseconds since the Unix epoch).
    used_at: Option<u64>,
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|expires| now < expires)
    }
}

/// Records kept in memory; lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryRecords {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl MemoryRecords {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops expired records; returns how many.
    pub fn purge_expired(&self) -> usize {
        let now = Instant::now();
        let mut entries = self.lock();
        let before = entries.len();
        entries.retain(|_, entry| entry.live(now));
        before - entries.len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live entry under `key`, dropping it if expired.
    fn live<'a>(entries: &'a mut HashMap<Key, Entry>, key: &Key) -> Option<&'a mut Entry> {
        let now = Instant::now();
        if entries.get(key).is_some_and(|entry| !entry.live(now)) {
            entries.remove(key);
        }
        entries.get_mut(key)
    }
}

fn entry(value: &str, ttl: Option<Duration>) -> Entry {
    Entry {
        value: value.to_owned(),
        used_at: None,
        expires: ttl.map(|ttl| Instant::now() + ttl),
    }
}

#[async_trait]
impl Records for MemoryRecords {
    async fn put(&self, key: &Key, value: &str, ttl: Option<Duration>) -> Result<(), StoreError> {
        self.lock().insert(key.clone(), entry(value, ttl));
        Ok(())
    }

    async fn insert(
        &self,
        key: &Key,
        value: &str,
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let mut entries = self.lock();
        if Self::live(&mut entries, key).is_some() {
            return Ok(false);
        }
        entries.insert(key.clone(), entry(value, ttl));
        Ok(true)
    }

    async fn get(&self, key: &Key) -> Result<Option<String>, StoreError> {
        Ok(Self::live(&mut self.lock(), key).map(|entry| entry.value.clone()))
    }

    async fn remove(&self, key: &Key) -> Result<bool, StoreError> {
        let mut entries = self.lock();
        let live = Self::live(&mut entries, key).is_some();
        entries.remove(key);
        Ok(live)
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        let mut entries = self.lock();
        Ok(match Self::live(&mut entries, key) {
            None => Consumed::Missing,
            Some(Entry {
                value,
                used_at: Some(at),
                ..
            }) => Consumed::Again(value.clone(), *at),
            Some(entry) => {
                entry.used_at = Some(super::now_ms());
                Consumed::First(entry.value.clone())
            }
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_meets_the_contract() {
        crate::store::contract::run(&MemoryRecords::new()).await;
    }

    #[tokio::test(start_paused = true)]
    async fn purge_drops_only_expired_records() {
        let records = MemoryRecords::new();
        let short = Key::new(crate::store::Kind::Code, "short");
        let long = Key::new(crate::store::Kind::Code, "long");
        records
            .put(&short, "a", Some(Duration::from_secs(1)))
            .await
            .unwrap();
        records.put(&long, "b", None).await.unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(records.purge_expired(), 1);
        assert_eq!(records.get(&long).await.unwrap().as_deref(), Some("b"));
    }
}
