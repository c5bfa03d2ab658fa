//! This replica's recent copies of Redis session records, so a busy session costs no Redis round
//! trip per request.
//!
//! A copy stands in for a read only while all of these hold:
//! - it was read from Redis less than `fresh_for` ago, and `fresh_for` is at most half the idle
//!   TTL, so the session is still live in Redis (the read restarted its TTL);
//! - nothing was published on the session's signal channel since just before the read: every
//!   replica that changes or deletes a record publishes there (see `RedisSessionStore`);
//! - the pub/sub connection stayed up meanwhile;
//! - no write to a session record on this replica overlapped the read.
//!
//! So a change made on another replica is seen here as soon as its message arrives, the same
//! moment that replica's requests and streams for the session hear of it, and at the latest
//! after `fresh_for` should a message be lost without the connection dropping.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{SessionId, SessionRecord};
use crate::{
    instruments::{SESSION_CACHE, cache_lookup},
    shared_state::{
        fanout::{Fanout, Watch},
        keys,
    },
};

/// Copies are spread over this many maps, each with its own lock, so that requests of different
/// sessions on a many-core replica do not queue for one lock.
const SHARDS: usize = 16;
/// The shortest pause between two sweeps of expired copies.
const LEAST_SWEEP_INTERVAL: Duration = Duration::from_millis(100);

/// Recent copies of session records, shared by every request on this replica.
#[derive(Debug, Clone)]
pub(crate) struct RecentRecords {
    inner: Arc<Inner>,
}

struct Inner {
    fanout: Fanout,
    fresh_for: Duration,
    copies: [Mutex<HashMap<SessionId, Kept>>; SHARDS],
    /// Writes to records made on this replica so far: a read that overlapped one is not kept.
    writes: AtomicU64,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecentRecords")
            .field("fresh_for", &self.fresh_for)
            .finish_non_exhaustive()
    }
}

struct Kept {
    record: SessionRecord,
    read_at: Instant,
    watch: Watch,
}

/// Taken just before reading a record from Redis; needed to keep what the read returns.
pub(crate) struct Ticket {
    watch: Watch,
    writes: u64,
    read_at: Instant,
}

impl RecentRecords {
    /// Copies trusted for `fresh_for` after their read, watched through `fanout`. A task drops
    /// expired copies until the last handle goes.
    pub(crate) fn new(fanout: Fanout, fresh_for: Duration) -> Self {
        let inner = Arc::new(Inner {
            fanout,
            fresh_for,
            copies: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            writes: AtomicU64::new(0),
        });
        tokio::spawn(sweep(
            Arc::downgrade(&inner),
            fresh_for.max(LEAST_SWEEP_INTERVAL),
        ));
        Self { inner }
    }

    /// The current copy of session `id`, if there is one that can stand in for a read.
    pub(crate) fn get(&self, id: &SessionId) -> Option<SessionRecord> {
        let mut copies = self.inner.shard(id);
        let found = copies.get_mut(id).and_then(|copy| {
            let current = copy.read_at.elapsed() < self.inner.fresh_for && copy.watch.quiet();
            current.then(|| copy.record.clone())
        });
        if found.is_none() {
            copies.remove(id);
        }
        cache_lookup(SESSION_CACHE, found.is_some());
        found
    }

    /// Starts watching session `id`'s signals ahead of a read. `None` (the read goes on, and
    /// is not kept) unless this replica listens to them already, which it does while one of the
    /// session's requests runs here and a while after: so only a session in use gets a copy,
    /// and keeping one costs no subscription of its own.
    pub(crate) async fn before_read(&self, id: &SessionId) -> Option<Ticket> {
        let writes = self.inner.writes.load(Ordering::Acquire);
        let watch = self
            .inner
            .fanout
            .watch(keys::signal_channel(id))
            .await
            .ok()??;
        Some(Ticket {
            watch,
            writes,
            read_at: Instant::now(),
        })
    }

    /// Keeps `record`, read after `ticket` was taken, unless something may have changed it since.
    pub(crate) fn keep(&self, ticket: Ticket, record: &SessionRecord) {
        let Ticket {
            mut watch,
            writes,
            read_at,
        } = ticket;
        let mut copies = self.inner.shard(&record.id);
        if self.inner.writes.load(Ordering::Acquire) != writes || !watch.quiet() {
            return;
        }
        let copy = Kept {
            record: record.clone(),
            read_at,
            watch,
        };
        copies.insert(record.id.clone(), copy);
    }

    /// Drops the copy of session `id` and every read in flight: called after this replica
    /// changed or deleted a record, before it tells the other replicas.
    pub(crate) fn forget(&self, id: &SessionId) {
        let mut copies = self.inner.shard(id);
        self.inner.writes.fetch_add(1, Ordering::AcqRel);
        copies.remove(id);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        (0..SHARDS).map(|n| self.inner.lock(n).len()).sum()
    }
}

impl Inner {
    fn lock(&self, shard: usize) -> MutexGuard<'_, HashMap<SessionId, Kept>> {
        self.copies[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The map holding session `id`'s copy: ids are random hex, so their first digits spread
    /// sessions evenly.
    fn shard(&self, id: &SessionId) -> MutexGuard<'_, HashMap<SessionId, Kept>> {
        let digits = id.as_str().get(..2).unwrap_or_default();
        let shard = usize::from_str_radix(digits, 16).unwrap_or_default() % SHARDS;
        self.lock(shard)
    }
}

/// Every `interval`, drops the copies too old to be used, while the cache lives.
async fn sweep(inner: Weak<Inner>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        for shard in 0..SHARDS {
            inner
                .lock(shard)
                .retain(|_, copy| copy.read_at.elapsed() < inner.fresh_for);
        }
    }
}
