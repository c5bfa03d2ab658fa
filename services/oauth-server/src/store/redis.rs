//! [`Records`] on Redis (one server or a cluster): each record is a hash `oauth:<kind>:<id>`
//! with its value in field `v` and, once used, a field `used`; expiry is Redis's own. Every
//! operation touches one key, so records spread freely over cluster slots. Raw Redis errors
//! are not logged (they may quote stored values); callers see a generic [`StoreError`].

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use service_kit::redis::RedisConnection;

use super::{Consumed, Key, Records, StoreError};

/// Records in Redis, shared by every replica and kept across restarts.
#[derive(Debug, Clone)]
pub struct RedisRecords {
    connection: RedisConnection,
}

/// Stores a value, replacing the record (and its `used` mark); ARGV: value, ttl ms (0: none),
/// only-if-absent flag. Returns 1 if stored.
const PUT: &str = r"
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
";

/// Marks a record used; returns false if there is none, else {first use ? 1 : 0, value}.
const CONSUME: &str = r"
local value = redis.call('HGET', KEYS[1], 'v')
if not value then return false end
local first = redis.call('HSETNX', KEYS[1], 'used', ARGV[1])
return {first, value, tonumber(redis.call('HGET', KEYS[1], 'used'))}
";

impl RedisRecords {
    /// Records over `connection`.
    pub fn new(connection: RedisConnection) -> Self {
        Self { connection }
    }

    fn key(key: &Key) -> String {
        format!("oauth:{key}")
    }

    async fn store(
        &self,
        key: &Key,
        value: &str,
        ttl: Option<Duration>,
        only_if_absent: bool,
    ) -> Result<bool, StoreError> {
        let ttl_ms = ttl.map_or(0, |ttl| ttl.as_millis().max(1) as u64);
        let stored: i64 = Script::new(PUT)
            .key(Self::key(key))
            .arg(value)
            .arg(ttl_ms)
            .arg(if only_if_absent { "1" } else { "0" })
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(failure)?;
        Ok(stored == 1)
    }
}

fn failure(error: redis::RedisError) -> StoreError {
    // The kind is enough to act on; the full text may quote stored values.
    tracing::warn!(redis.error_kind = ?error.kind(), "a Redis command failed");
    StoreError(format!("Redis command failed ({:?})", error.kind()))
}

#[async_trait]
impl Records for RedisRecords {
    async fn put(&self, key: &Key, value: &str, ttl: Option<Duration>) -> Result<(), StoreError> {
        self.store(key, value, ttl, false).await.map(|_| ())
    }

    async fn insert(
        &self,
        key: &Key,
        value: &str,
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        self.store(key, value, ttl, true).await
    }

    async fn get(&self, key: &Key) -> Result<Option<String>, StoreError> {
        redis::cmd("HGET")
            .arg(Self::key(key))
            .arg("v")
            .query_async(&mut self.connection.clone())
            .await
            .map_err(failure)
    }

    async fn remove(&self, key: &Key) -> Result<bool, StoreError> {
        let removed: i64 = redis::cmd("DEL")
            .arg(Self::key(key))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(failure)?;
        Ok(removed > 0)
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        let outcome: Option<(i64, String, u64)> = Script::new(CONSUME)
            .key(Self::key(key))
            .arg(super::now_ms())
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(failure)?;
        Ok(match outcome {
            None => Consumed::Missing,
            Some((1, value, _)) => Consumed::First(value),
            Some((_, value, first_used_ms)) => Consumed::Again(value, first_used_ms),
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        service_kit::redis::ping(&self.connection)
            .await
            .map_err(failure)
    }
}

#[cfg(test)]
mod tests {
    use service_kit::testing::RedisServer;

    use super::*;

    #[tokio::test]
    async fn the_redis_store_meets_the_contract() {
        let server = RedisServer::start();
        let connection = service_kit::redis::connect(&server.url()).await.unwrap();
        crate::store::contract::run(&RedisRecords::new(connection)).await;
    }

    #[tokio::test]
    async fn records_survive_a_new_connection() {
        let server = RedisServer::start();
        let key = Key::new(super::super::Kind::Client, "persistent");
        let first = RedisRecords::new(service_kit::redis::connect(&server.url()).await.unwrap());
        first.put(&key, "kept", None).await.unwrap();
        drop(first);
        let second = RedisRecords::new(service_kit::redis::connect(&server.url()).await.unwrap());
        assert_eq!(second.get(&key).await.unwrap().as_deref(), Some("kept"));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error_not_a_hang() {
        let connection = service_kit::redis::connect("redis://127.0.0.1:1/")
            .await
            .unwrap();
        let records = RedisRecords::new(connection);
        assert!(records.ping().await.is_err());
        assert!(
            records
                .get(&Key::new(super::super::Kind::Code, "x"))
                .await
                .is_err()
        );
    }
}
