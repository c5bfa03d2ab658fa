//! Task records in Redis, shared by every replica: one versioned record per task, expiring
//! when its TTL (counted from creation) has passed.

use std::time::Duration;

use async_trait::async_trait;
use service_kit::redis::RedisConnection;

use super::{TaskChange, TaskRecord, TaskStore, now_ms};
use crate::{
    session::StoreError,
    shared_state::{keys, records::Records},
};

/// A [`TaskStore`] on Redis (a single server or a cluster).
#[derive(Debug, Clone)]
pub struct RedisTaskStore {
    records: Records,
}

impl RedisTaskStore {
    /// A store on `connection`.
    pub fn new(connection: RedisConnection) -> Self {
        Self {
            records: Records::new(connection),
        }
    }
}

/// What is left of `task`'s TTL.
fn remaining(task: &TaskRecord) -> Duration {
    Duration::from_millis(
        task.created_at_ms
            .saturating_add(task.ttl_ms)
            .saturating_sub(now_ms()),
    )
}

#[async_trait]
impl TaskStore for RedisTaskStore {
    async fn create(&self, record: TaskRecord) -> Result<(), StoreError> {
        if self
            .records
            .create(&keys::task(&record.id), &record, remaining(&record))
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate)
        }
    }

    async fn get(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let task: Option<TaskRecord> = self.records.load(&keys::task(id), None).await?;
        Ok(task.filter(|task| !task.expired(now_ms())))
    }

    async fn update(&self, id: &str, change: TaskChange) -> Result<Option<TaskRecord>, StoreError> {
        let updated = self
            .records
            .update(&keys::task(id), None, |task: &mut TaskRecord| {
                task.apply(&change)
            })
            .await?;
        Ok(updated.filter(|task| !task.expired(now_ms())))
    }
}

#[cfg(test)]
mod tests {
    use service_kit::testing::{RedisCluster, RedisServer};

    use super::*;

    async fn suite(url: &str) {
        let connection = service_kit::redis::connect(url).await.unwrap();
        super::super::contract::suite(|| RedisTaskStore::new(connection.clone())).await;
    }

    #[tokio::test]
    async fn the_redis_store_meets_the_contract() {
        suite(&RedisServer::start().url()).await;
    }

    #[tokio::test]
    async fn the_redis_store_meets_the_contract_on_a_cluster() {
        suite(&RedisCluster::start().url()).await;
    }
}
