//! Sessions in Redis, shared by every replica: one versioned record per session with a sliding
//! TTL (Redis expires idle sessions by itself), and a set per subscribed resource URI.

use std::time::Duration;

use async_trait::async_trait;
use futures::future::join_all;
use service_kit::redis::RedisConnection;

use super::{SessionId, SessionRecord, SessionStore, SessionUpdate, StoreError};
use crate::shared_state::{
    keys,
    records::{Records, unavailable},
};

/// A [`SessionStore`] on Redis (a single server or a cluster).
#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    records: Records,
    idle_ttl: Duration,
}

impl RedisSessionStore {
    /// A store on `connection` whose sessions end after `idle_ttl` without use.
    pub fn new(connection: RedisConnection, idle_ttl: Duration) -> Self {
        Self {
            records: Records::new(connection),
            idle_ttl,
        }
    }

    async fn index(&self, command: &str, uri: &str, id: &SessionId) -> Result<(), StoreError> {
        let key = keys::subscribers(uri);
        let mut connection = self.records.connection();
        let mut pipeline = redis::pipe();
        pipeline.cmd(command).arg(&key).arg(id.as_str()).ignore();
        if command == "SADD" {
            // The index outlives no subscriber by much: each subscribe extends it.
            pipeline
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(u64::try_from(self.idle_ttl.as_millis() * 2).unwrap_or(u64::MAX))
                .ignore();
        }
        pipeline
            .query_async::<()>(&mut connection)
            .await
            .map_err(unavailable)
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: SessionRecord) -> Result<(), StoreError> {
        let key = keys::session(&record.id);
        if !self.records.create(&key, &record, self.idle_ttl).await? {
            return Err(StoreError::Duplicate);
        }
        for uri in &record.subscriptions {
            self.index("SADD", uri, &record.id).await?;
        }
        Ok(())
    }

    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        self.records
            .load(&keys::session(id), Some(self.idle_ttl))
            .await
    }

    async fn touch(&self, id: &SessionId) -> Result<bool, StoreError> {
        self.records.touch(&keys::session(id), self.idle_ttl).await
    }

    async fn update(&self, id: &SessionId, update: SessionUpdate) -> Result<bool, StoreError> {
        let applied = self
            .records
            .update(
                &keys::session(id),
                Some(self.idle_ttl),
                |record: &mut SessionRecord| {
                    let before = record.clone();
                    record.apply(&update);
                    *record != before
                },
            )
            .await?;
        if applied.is_none() {
            return Ok(false);
        }
        match &update {
            SessionUpdate::Subscribe(uri) => self.index("SADD", uri, id).await?,
            SessionUpdate::Unsubscribe(uri) => self.index("SREM", uri, id).await?,
            _ => {}
        }
        Ok(true)
    }

    async fn subscribers(&self, uri: &str) -> Result<Vec<SessionId>, StoreError> {
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(keys::subscribers(uri))
            .query_async(&mut self.records.connection())
            .await
            .map_err(unavailable)?;
        let ids: Vec<SessionId> = members
            .into_iter()
            .filter_map(|m| SessionId::parse(&m))
            .collect();
        // A member whose session ended (or no longer subscribes) is dropped from the answer,
        // and from the set.
        let checks = ids.iter().map(|id| async move {
            let record: Option<SessionRecord> = self.records.load(&keys::session(id), None).await?;
            Ok::<_, StoreError>(record.is_some_and(|record| record.subscriptions.contains(uri)))
        });
        let mut live = Vec::new();
        for (id, subscribed) in ids.iter().zip(join_all(checks).await) {
            if subscribed? {
                live.push(id.clone());
            } else {
                self.index("SREM", uri, id).await?;
            }
        }
        Ok(live)
    }

    async fn delete(&self, id: &SessionId) -> Result<bool, StoreError> {
        let record: Option<SessionRecord> = self.records.load(&keys::session(id), None).await?;
        let existed = self.records.delete(&keys::session(id)).await?;
        for uri in record.iter().flat_map(|record| &record.subscriptions) {
            self.index("SREM", uri, id).await?;
        }
        Ok(existed)
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.records.check().await
    }
}

#[cfg(test)]
mod tests {
    use service_kit::testing::{RedisCluster, RedisServer};

    use super::*;

    async fn suite(url: &str) {
        let connection = service_kit::redis::connect(url).await.unwrap();
        crate::session::contract::suite(|ttl| RedisSessionStore::new(connection.clone(), ttl))
            .await;
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
