//! Task records kept in this process.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use async_trait::async_trait;

use super::{TaskChange, TaskRecord, TaskStore, now_ms};
use crate::session::StoreError;

/// An in-process [`TaskStore`].
#[derive(Debug, Default)]
pub struct MemoryTaskStore {
    tasks: Mutex<HashMap<String, TaskRecord>>,
}

impl MemoryTaskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets tasks past their TTL; returns how many.
    pub fn purge_expired(&self) -> usize {
        let now = now_ms();
        let mut tasks = self.lock();
        let before = tasks.len();
        tasks.retain(|_, task| !task.expired(now));
        before - tasks.len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, TaskRecord>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl TaskStore for MemoryTaskStore {
    async fn create(&self, record: TaskRecord) -> Result<(), StoreError> {
        let mut tasks = self.lock();
        if tasks.contains_key(&record.id) {
            return Err(StoreError::Duplicate);
        }
        tasks.insert(record.id.clone(), record);
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        Ok(self
            .lock()
            .get(id)
            .filter(|task| !task.expired(now_ms()))
            .cloned())
    }

    async fn update(&self, id: &str, change: TaskChange) -> Result<Option<TaskRecord>, StoreError> {
        let mut tasks = self.lock();
        let Some(task) = tasks.get_mut(id).filter(|task| !task.expired(now_ms())) else {
            return Ok(None);
        };
        task.apply(&change);
        Ok(Some(task.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_meets_the_contract() {
        super::super::contract::suite(MemoryTaskStore::new).await;
    }
}
