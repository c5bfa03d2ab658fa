//! Sessions in Redis, shared by every replica: one versioned record per session with a sliding
//! TTL (Redis expires idle sessions by itself), and a set per subscribed resource URI. With the
//! replica's pub/sub at hand, every change to a record is announced on the session's signal
//! channel, and recent reads are kept ([`RecentRecords`]) until such an announcement.

use std::time::Duration;

use async_trait::async_trait;
use futures::future::join_all;
use service_kit::redis::RedisConnection;

use super::{
    SessionId, SessionRecord, SessionStore, SessionUpdate, StoreError, recent::RecentRecords,
};
use crate::{
    bus::{EventBus, RedisBus, Signal},
    shared_state::{
        keys,
        records::{Records, unavailable},
    },
};

/// A [`SessionStore`] on Redis (a single server or a cluster).
#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    records: Records,
    idle_ttl: Duration,
    /// Where changes are announced, once [`RedisSessionStore::sharing`] was called.
    bus: Option<RedisBus>,
    recent: Option<RecentRecords>,
}

impl RedisSessionStore {
    /// A store on `connection` whose sessions end after `idle_ttl` without use.
    pub fn new(connection: RedisConnection, idle_ttl: Duration) -> Self {
        Self {
            records: Records::new(connection),
            idle_ttl,
            bus: None,
            recent: None,
        }
    }

    /// Announces every change on `bus` and, unless `cache_for` is zero, answers `load` from a
    /// copy read less than `cache_for` ago that no announcement has voided.
    pub(crate) fn sharing(mut self, bus: &RedisBus, cache_for: Duration) -> Self {
        if !cache_for.is_zero() {
            self.recent = Some(RecentRecords::new(bus.fanout(), cache_for));
        }
        self.bus = Some(bus.clone());
        self
    }

    /// Tells this replica's copies, then every replica, that session `id`'s record changed.
    async fn announce_change(&self, id: &SessionId) {
        if let Some(recent) = &self.recent {
            recent.forget(id);
        }
        let Some(bus) = &self.bus else {
            return;
        };
        if let Err(error) = bus.publish(id, Signal::RecordChanged).await {
            // The change is stored; other replicas' copies lapse on their own soon.
            tracing::warn!(%error, session.id = %id, "cannot announce a session change");
        }
    }

    async fn read(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        self.records
            .load(&keys::session(id), Some(self.idle_ttl))
            .await
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
        let Some(recent) = &self.recent else {
            return self.read(id).await;
        };
        if let Some(record) = recent.get(id) {
            return Ok(Some(record));
        }
        let ticket = recent.before_read(id).await;
        let record = self.read(id).await?;
        if let (Some(ticket), Some(record)) = (ticket, &record) {
            recent.keep(ticket, record);
        }
        Ok(record)
    }

    async fn touch(&self, id: &SessionId) -> Result<bool, StoreError> {
        self.records.touch(&keys::session(id), self.idle_ttl).await
    }

    async fn update(&self, id: &SessionId, update: SessionUpdate) -> Result<bool, StoreError> {
        let mut changed = false;
        let applied = self
            .records
            .update(
                &keys::session(id),
                Some(self.idle_ttl),
                |record: &mut SessionRecord| {
                    let before = record.clone();
                    record.apply(&update);
                    changed = *record != before;
                    changed
                },
            )
            .await?;
        if applied.is_none() {
            return Ok(false);
        }
        if changed {
            self.announce_change(id).await;
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
        self.announce_change(id).await;
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
    use std::time::Instant;

    use service_kit::testing::{PATIENCE, RedisCluster, RedisServer};
    use tokio_util::sync::{CancellationToken, DropGuard};

    use super::*;
    use crate::{
        bus::RedisBusLimits,
        protocol::LogLevel,
        session::contract::record,
        shared_state::fanout::{Backlog, Fanout, Listener},
    };

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

    /// One replica's view: a store sharing through its own pub/sub connection.
    struct Replica {
        store: RedisSessionStore,
        fanout: Fanout,
        _stop: DropGuard,
    }

    async fn replica(url: &str, cache_for: Duration) -> Replica {
        let connection = service_kit::redis::connect(url).await.unwrap();
        let stop = CancellationToken::new();
        let limits = RedisBusLimits {
            events_per_stream: 100,
            finished_retention: Duration::from_secs(60),
            idle_retention: Duration::from_secs(600),
        };
        let bus = RedisBus::connect(url, connection.clone(), limits, stop.clone())
            .await
            .unwrap();
        let store =
            RedisSessionStore::new(connection, Duration::from_secs(60)).sharing(&bus, cache_for);
        Replica {
            store,
            fanout: bus.fanout(),
            _stop: stop.drop_guard(),
        }
    }

    impl Replica {
        /// A new session, in use here: stored, with a request listening to its signals.
        async fn busy_session(&self) -> (SessionRecord, Listener) {
            let session = record();
            self.store.create(session.clone()).await.unwrap();
            let request = self.use_session(&session.id).await;
            (session, request)
        }

        /// What a running request of the session does: listen to its signals.
        async fn use_session(&self, id: &SessionId) -> Listener {
            self.fanout
                .listen(keys::signal_channel(id), Backlog::Messages)
                .await
                .unwrap()
        }

        fn copies(&self) -> usize {
            self.store.recent.as_ref().map_or(0, RecentRecords::len)
        }
    }

    /// Changes the stored record behind every replica's back: no announcement.
    async fn rewrite_silently(url: &str, record: &SessionRecord) {
        let mut connection = service_kit::redis::connect(url).await.unwrap();
        let json = serde_json::to_string(record).unwrap();
        let _: () = redis::cmd("HSET")
            .arg(keys::session(&record.id))
            .arg("r")
            .arg(json)
            .query_async(&mut connection)
            .await
            .unwrap();
    }

    /// Loads `id` on `replica` until `done` holds for the answer, or fails after PATIENCE.
    async fn eventually(
        replica: &Replica,
        id: &SessionId,
        done: impl Fn(&Option<SessionRecord>) -> bool,
    ) -> Duration {
        let started = Instant::now();
        loop {
            if done(&replica.store.load(id).await.unwrap()) {
                return started.elapsed();
            }
            assert!(started.elapsed() < PATIENCE, "the copy was never dropped");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn warned(record: &SessionRecord) -> SessionRecord {
        let mut changed = record.clone();
        changed.apply(&SessionUpdate::SetLogLevel(LogLevel::Warning));
        changed
    }

    #[tokio::test]
    async fn a_session_in_use_is_answered_from_its_copy_until_the_copy_lapses() {
        let server = RedisServer::start();
        let cache_for = Duration::from_millis(800);
        let a = replica(&server.url(), cache_for).await;

        let (busy, _request) = a.busy_session().await;
        let read_at = Instant::now();
        assert_eq!(a.store.load(&busy.id).await.unwrap(), Some(busy.clone()));
        rewrite_silently(&server.url(), &warned(&busy)).await;
        assert_eq!(
            a.store.load(&busy.id).await.unwrap(),
            Some(busy.clone()),
            "a copy stands in for the read"
        );
        let waited = eventually(&a, &busy.id, |found| {
            found.as_ref().is_some_and(|r| r.log_level.is_some())
        })
        .await;
        assert!(read_at.elapsed() >= cache_for, "lapsed after {waited:?}");

        // A session nobody uses here is read every time, and no copy is kept.
        let idle = record();
        a.store.create(idle.clone()).await.unwrap();
        assert_eq!(a.store.load(&idle.id).await.unwrap(), Some(idle.clone()));
        rewrite_silently(&server.url(), &warned(&idle)).await;
        assert_eq!(a.store.load(&idle.id).await.unwrap(), Some(warned(&idle)));
    }

    #[tokio::test]
    async fn a_change_or_an_end_on_another_replica_voids_the_copy_at_once() {
        changes_elsewhere_void_copies(&RedisServer::start().url()).await;
    }

    #[tokio::test]
    async fn a_change_or_an_end_on_another_replica_voids_the_copy_on_a_cluster() {
        changes_elsewhere_void_copies(&RedisCluster::start().url()).await;
    }

    async fn changes_elsewhere_void_copies(url: &str) {
        // Far longer than the test: only the announcements can explain what it sees.
        let cache_for = Duration::from_secs(3600);
        let a = replica(url, cache_for).await;
        let b = replica(url, cache_for).await;

        let session = record();
        b.store.create(session.clone()).await.unwrap();
        let _request = a.use_session(&session.id).await;
        assert_eq!(
            a.store.load(&session.id).await.unwrap(),
            Some(session.clone())
        );
        assert_eq!(a.copies(), 1);

        assert!(
            b.store
                .update(&session.id, SessionUpdate::SetLogLevel(LogLevel::Warning))
                .await
                .unwrap()
        );
        eventually(&a, &session.id, |found| {
            found.as_ref() == Some(&warned(&session))
        })
        .await;

        // A change made here is seen here at once.
        assert!(
            a.store
                .update(&session.id, SessionUpdate::MarkInitialized)
                .await
                .unwrap()
        );
        let initialized = a.store.load(&session.id).await.unwrap().unwrap();
        assert!(initialized.initialized);

        assert!(b.store.delete(&session.id).await.unwrap());
        eventually(&a, &session.id, Option::is_none).await;
    }

    #[tokio::test]
    async fn a_lost_pubsub_connection_voids_every_copy() {
        let server = RedisServer::start();
        let a = replica(&server.url(), Duration::from_secs(3600)).await;
        let (session, _request) = a.busy_session().await;
        a.store.load(&session.id).await.unwrap();
        rewrite_silently(&server.url(), &warned(&session)).await;
        assert_eq!(
            a.store.load(&session.id).await.unwrap(),
            Some(session.clone())
        );

        // Messages published while it was down are lost, so no copy can be trusted after it.
        let mut admin = service_kit::redis::connect(&server.url()).await.unwrap();
        let killed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(&mut admin)
            .await
            .unwrap();
        assert_eq!(killed, 1);
        eventually(&a, &session.id, |found| {
            found.as_ref() == Some(&warned(&session))
        })
        .await;
    }

    #[tokio::test]
    async fn copies_too_old_to_use_are_swept() {
        let server = RedisServer::start();
        let a = replica(&server.url(), Duration::from_millis(200)).await;
        let (session, request) = a.busy_session().await;
        a.store.load(&session.id).await.unwrap();
        assert_eq!(a.copies(), 1);
        drop(request);
        let started = Instant::now();
        while a.copies() != 0 {
            assert!(started.elapsed() < PATIENCE, "never swept");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn with_copies_off_every_load_reads_redis() {
        let server = RedisServer::start();
        let a = replica(&server.url(), Duration::ZERO).await;
        let (session, _request) = a.busy_session().await;
        a.store.load(&session.id).await.unwrap();
        rewrite_silently(&server.url(), &warned(&session)).await;
        assert_eq!(
            a.store.load(&session.id).await.unwrap(),
            Some(warned(&session))
        );
    }
}
