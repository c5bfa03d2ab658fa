//! Versioned JSON records in Redis: each is a hash `{v: version, r: json}` under one key, and
//! every change is compare-and-set on the version inside a script, so read-modify-write from
//! many replicas never loses an update (a conflicting writer re-reads and tries again).

use std::{sync::LazyLock, time::Duration};

use redis::Script;
use serde::{Serialize, de::DeserializeOwned};
use service_kit::redis::RedisConnection;

use crate::session::StoreError;

/// Attempts at a read-modify-write before giving up (only under heavy contention on one record).
const ATTEMPTS: usize = 16;

/// Creates the record unless the key exists. ARGV: json, ttl in ms.
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', 1, 'r', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
",
    )
});

/// Replaces the json if the version is still ARGV[1]: 1 done, 0 changed meanwhile, -1 gone.
/// ARGV: version, json, ttl in ms (0 keeps the current TTL).
static SWAP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local version = redis.call('HGET', KEYS[1], 'v')
if not version then return -1 end
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(version) + 1, 'r', ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
",
    )
});

/// Access to versioned records on one connection.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    connection: RedisConnection,
}

pub(crate) fn unavailable(error: redis::RedisError) -> StoreError {
    // The error text may quote stored values; it is logged where it happens, not carried.
    tracing::warn!(kind = ?error.kind(), "Redis command failed");
    metrics::counter!(crate::instruments::REDIS_ERRORS, "backend" => "store").increment(1);
    StoreError::Unavailable("Redis command failed".into())
}

/// `duration` in whole milliseconds, at least 1 (Redis refuses a TTL of 0).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl Records {
    pub(crate) fn new(connection: RedisConnection) -> Self {
        Self { connection }
    }

    /// The connection, for commands of the caller's own.
    pub(crate) fn connection(&self) -> RedisConnection {
        self.connection.clone()
    }

    /// Stores `record` under `key` for `ttl`; `false` if the key exists.
    pub(crate) async fn create<T: Serialize>(
        &self,
        key: &str,
        record: &T,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let created: i64 = CREATE
            .key(key)
            .arg(json)
            .arg(millis(ttl))
            .invoke_async(&mut self.connection())
            .await
            .map_err(unavailable)?;
        Ok(created == 1)
    }

    /// The record under `key`, restarting its TTL at `touch` when given.
    pub(crate) async fn load<T: DeserializeOwned>(
        &self,
        key: &str,
        touch: Option<Duration>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .load_versioned(key, touch)
            .await?
            .map(|(_, record)| record))
    }

    async fn load_versioned<T: DeserializeOwned>(
        &self,
        key: &str,
        touch: Option<Duration>,
    ) -> Result<Option<(String, T)>, StoreError> {
        // Plain commands in one round trip rather than a script: a read needs no atomicity (a
        // TTL restarted on a key that just vanished is a no-op), and Redis runs them for a
        // fraction of a script call's cost.
        let mut pipeline = redis::pipe();
        pipeline.cmd("HMGET").arg(key).arg("v").arg("r");
        if let Some(ttl) = touch {
            pipeline.cmd("PEXPIRE").arg(key).arg(millis(ttl)).ignore();
        }
        let (found,): ((Option<String>, Option<String>),) = pipeline
            .query_async(&mut self.connection())
            .await
            .map_err(unavailable)?;
        let found = match found {
            (Some(version), Some(json)) => Some((version, json)),
            _ => None,
        };
        found
            .map(|(version, json)| {
                serde_json::from_str(&json)
                    .map(|record| (version, record))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    /// Applies `change` to the record under `key` (restarting its TTL at `touch` when given)
    /// and returns the record as stored, or `None` if there is none. `change` may run more than
    /// once; returning `false` leaves the record as it was.
    pub(crate) async fn update<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        touch: Option<Duration>,
        mut change: impl FnMut(&mut T) -> bool,
    ) -> Result<Option<T>, StoreError> {
        for _ in 0..ATTEMPTS {
            let Some((version, mut record)) = self.load_versioned::<T>(key, None).await? else {
                return Ok(None);
            };
            if !change(&mut record) {
                if let Some(ttl) = touch {
                    self.touch(key, ttl).await?;
                }
                return Ok(Some(record));
            }
            let json =
                serde_json::to_string(&record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let swapped: i64 = SWAP
                .key(key)
                .arg(version)
                .arg(json)
                .arg(touch.map_or(0, millis))
                .invoke_async(&mut self.connection())
                .await
                .map_err(unavailable)?;
            match swapped {
                1 => return Ok(Some(record)),
                -1 => return Ok(None),
                _ => continue,
            }
        }
        Err(StoreError::Unavailable(
            "too many concurrent changes to one record".into(),
        ))
    }

    /// Restarts the TTL of `key`; `false` if there is no such key.
    pub(crate) async fn touch(&self, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        let touched: i64 = redis::cmd("PEXPIRE")
            .arg(key)
            .arg(millis(ttl))
            .query_async(&mut self.connection())
            .await
            .map_err(unavailable)?;
        Ok(touched == 1)
    }

    /// Removes `key`; whether it existed.
    pub(crate) async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let removed: i64 = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut self.connection())
            .await
            .map_err(unavailable)?;
        Ok(removed == 1)
    }

    /// `PING`.
    pub(crate) async fn check(&self) -> Result<(), StoreError> {
        service_kit::redis::ping(&self.connection)
            .await
            .map_err(unavailable)
    }
}
