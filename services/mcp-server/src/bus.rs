//! The event bus: SSE event logs for resumption, and signals between replicas.
//!
//! Every message the server sends on an SSE stream is first appended to that stream's log,
//! which gives it a position; readers (the HTTP response that carries the stream, or a client
//! that reconnects with `Last-Event-ID`, possibly on another replica) replay the log after a
//! position and then follow it live. Signals (cancellation, session end, stream takeover) are
//! fire-and-forget messages to whoever serves a session right now.
//!
//! Code above the [`EventBus`] trait never knows whether the bus is in this process or shared.

#[cfg(test)]
pub(crate) mod contract;
mod event_id;
mod memory;
mod redis;
mod signal;

use std::sync::Arc;

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

pub use self::{
    event_id::{EventId, StreamId},
    memory::{MemoryBus, MemoryBusLimits},
    redis::{RedisBus, RedisBusLimits},
    signal::{ServerEvent, Signal},
};
use crate::session::SessionId;

/// Position of an event in its stream's log: 1 for the first event, strictly increasing.
/// Position 0 means "before the first event".
pub type Position = u64;

/// Names one SSE stream of one session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamKey {
    /// The session the stream belongs to.
    pub session: SessionId,
    /// Which of the session's streams.
    pub stream: StreamId,
}

impl StreamKey {
    /// The session's standalone (GET) stream.
    pub fn standalone(session: SessionId) -> Self {
        Self {
            session,
            stream: StreamId::Standalone,
        }
    }
}

/// An event as stored in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Where it sits in its stream.
    pub position: Position,
    /// The serialized JSON-RPC message.
    pub data: Arc<str>,
    /// When it was appended, by the appending replica's clock: microseconds since the Unix
    /// epoch (0 when unknown). Readers measure delivery lag with it.
    pub appended_us: u64,
}

impl LoggedEvent {
    /// An event appended now.
    pub fn appended_now(position: Position, data: Arc<str>) -> Self {
        Self {
            position,
            data,
            appended_us: now_us(),
        }
    }
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        })
}

/// A reader of one stream: events after `after`, in order, without gaps or repeats, first
/// those already logged, then live ones.
///
/// The stream of events ends when the log is finished and fully read, when the log is removed
/// (its session ended), or when this reader fell so far behind that the events it needs next
/// were dropped from the capped log; [`Lagged`] tells the last case apart.
pub struct Subscription {
    /// The position just before the first event this reader yields (the resume point a
    /// client would need to receive everything this reader will see).
    pub after: Position,
    /// The events.
    pub events: BoxStream<'static, LoggedEvent>,
    /// Set by the reader when it ends because it fell behind the capped log.
    pub lagged: Lagged,
}

/// Whether a reader ended because the events it needed next had been dropped from the capped
/// log (its client read too slowly): the client should reconnect and resume from what is kept.
#[derive(Debug, Clone, Default)]
pub struct Lagged(Arc<std::sync::atomic::AtomicBool>);

impl Lagged {
    /// Records that the reader fell behind.
    pub fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the reader fell behind.
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("after", &self.after)
            .finish_non_exhaustive()
    }
}

/// The bus could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The backend is unreachable or failed.
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
}

/// Event logs and signals.
#[async_trait]
pub trait EventBus: Send + Sync + std::fmt::Debug + 'static {
    /// Appends `data` to the log of `key` (creating the log if needed) and wakes its readers.
    /// The event is stored before this returns; the returned position is one more than the
    /// previous event's. Appending to a finished log starts it again.
    async fn append(&self, key: &StreamKey, data: Arc<str>) -> Result<Position, BusError>;

    /// Marks the log finished: readers end once they have read its last event, and later
    /// resumes replay what is left and end. The log stays readable for the retention period.
    async fn finish(&self, key: &StreamKey) -> Result<(), BusError>;

    /// Reads `key` from its current end (creating the log if needed): only events appended
    /// from now on.
    async fn subscribe(&self, key: &StreamKey) -> Result<Subscription, BusError>;

    /// Reads `key` after `after`. `None` if the log does not exist (never created, expired or
    /// removed). If the events right after `after` were already dropped from the capped log,
    /// the reader starts at the oldest event still kept.
    async fn resume(
        &self,
        key: &StreamKey,
        after: Position,
    ) -> Result<Option<Subscription>, BusError>;

    /// Sends `signal` to every current listener of `session`, on any replica. Delivery is
    /// at most once; a session nobody listens to drops it.
    async fn publish(&self, session: &SessionId, signal: Signal) -> Result<(), BusError>;

    /// Listens to the signals of `session` published from now on.
    async fn signals(&self, session: &SessionId) -> Result<BoxStream<'static, Signal>, BusError>;

    /// Sends `signal` to whoever runs task `task`, on any replica. At most once.
    async fn publish_task(&self, task: &str, signal: Signal) -> Result<(), BusError>;

    /// Listens to the signals of task `task` published from now on.
    async fn task_signals(&self, task: &str) -> Result<BoxStream<'static, Signal>, BusError>;

    /// Sends `event` to every listener of server events, on every replica. At most once.
    async fn publish_server_event(&self, event: ServerEvent) -> Result<(), BusError>;

    /// Listens to server events published from now on.
    async fn server_events(&self) -> Result<BoxStream<'static, ServerEvent>, BusError>;

    /// Removes every log of `session`; their readers end.
    async fn remove_session(&self, session: &SessionId) -> Result<(), BusError>;

    /// Cheap liveness probe of the backend, for readiness checks.
    async fn check(&self) -> Result<(), BusError>;
}

/// A broadcast receiver as a stream; a listener that falls behind loses the oldest items, with
/// a warning, instead of slowing the senders.
fn lossy<T: Clone + Send + 'static>(receiver: broadcast::Receiver<T>) -> BoxStream<'static, T> {
    BroadcastStream::new(receiver)
        .filter_map(|item| async move {
            if item.is_err() {
                tracing::warn!("a bus listener fell behind; some of its messages were dropped");
            }
            item.ok()
        })
        .boxed()
}
