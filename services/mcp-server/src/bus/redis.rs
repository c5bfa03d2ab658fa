//! The event bus on Redis, shared by every replica.
//!
//! Each stream's log is a Redis stream whose entry ids are `0-<position>`, with a small hash
//! beside it (head position, finished flag), both capped and expiring. The log is the truth:
//! a reader first listens for wake-ups on its session's channel, then reads the log after its
//! position, and reads again whenever a wake-up (or, as a safety net for wake-ups lost while
//! the pub/sub connection was down, a short timer) says there may be more; a small event rides
//! in its wake-up, and a reader that is caught up takes it from there ([`reader`]). So
//! replay-then-live has no gap and no duplicate, whichever replica appended. Signals and server events are plain
//! pub/sub messages, through this replica's one subscriber connection ([`Fanout`]).

mod reader;

use std::{sync::Arc, sync::LazyLock, time::Duration};

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use redis::{Script, Value};
use service_kit::redis::RedisConnection;
use tokio::sync::{OnceCell, broadcast};

use self::reader::{EVERY_STREAM, Reader};

use super::{
    BusError, EventBus, Lagged, LoggedEvent, Position, ServerEvent, Signal, StreamKey,
    Subscription, lossy,
};
use crate::{
    session::SessionId,
    shared_state::{
        fanout::{Backlog, Fanout, Listener},
        keys,
        records::millis,
    },
};

/// Server events kept for a slow local listener (the same as the memory bus).
const SERVER_EVENT_BACKLOG: usize = 1024;
/// Events read from Redis at a time.
const READ_BATCH: usize = 256;

/// Bounds on what the Redis bus keeps.
#[derive(Debug, Clone, Copy)]
pub struct RedisBusLimits {
    /// Events kept per stream; older ones are dropped.
    pub events_per_stream: usize,
    /// How long a finished stream stays resumable.
    pub finished_retention: Duration,
    /// How long a stream nobody writes to or reads is kept (at least the session idle TTL).
    pub idle_retention: Duration,
}

/// KEYS: log, meta, session's log set. ARGV: data, max length, ttl ms, stream name, append
/// time (µs since the epoch).
static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local position = redis.call('HINCRBY', KEYS[2], 'head', 1)
redis.call('HDEL', KEYS[2], 'finished')
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '0-' .. position, 'd', ARGV[1], 't', ARGV[5])
redis.call('SADD', KEYS[3], ARGV[4])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return position
",
    )
});

/// KEYS: log, meta, session's log set. ARGV: retention ms, set ttl ms, stream name.
static FINISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('HSETNX', KEYS[2], 'head', 0)
redis.call('HSET', KEYS[2], 'finished', 1)
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
",
    )
});

/// KEYS: meta, session's log set. ARGV: ttl ms, stream name. Creates the log if needed and
/// returns its head.
static OPEN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HSETNX', KEYS[1], 'head', 0) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return tonumber(redis.call('HGET', KEYS[1], 'head'))
",
    )
});

/// KEYS: log, meta. Returns nil if the log does not exist, else {head, oldest kept - 1}.
static BOUNDS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
local head = tonumber(redis.call('HGET', KEYS[2], 'head'))
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #first == 0 then return {head, head} end
local position = tonumber(string.match(first[1][1], '-(%d+)$'))
return {head, position - 1}
",
    )
});

/// KEYS: log, meta. ARGV: after, count, ttl ms. Returns nil if the log does not exist, else
/// {finished (0/1), entries}; an unfinished log's TTL restarts (someone is reading it).
static READ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
local entries = redis.call('XRANGE', KEYS[1], '(0-' .. ARGV[1], '+', 'COUNT', ARGV[2])
local finished = redis.call('HEXISTS', KEYS[2], 'finished')
if finished == 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
end
return {finished, entries}
",
    )
});

/// A [`EventBus`] on Redis (a single server or a cluster).
#[derive(Debug, Clone)]
pub struct RedisBus {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    connection: RedisConnection,
    fanout: Fanout,
    limits: RedisBusLimits,
    /// Server events for this replica's listeners, relayed from its one subscription to them.
    server_events: OnceCell<broadcast::Sender<ServerEvent>>,
}

fn unavailable(error: redis::RedisError) -> BusError {
    tracing::warn!(kind = ?error.kind(), "Redis command failed");
    metrics::counter!(crate::instruments::REDIS_ERRORS, "backend" => "bus").increment(1);
    BusError::Unavailable("Redis command failed".into())
}

/// One read of a log: `None` if it does not exist.
type Read = Option<(bool, Vec<LoggedEvent>)>;

impl RedisBus {
    /// A bus on `connection`, with `fanout` for this replica's pub/sub.
    pub(crate) fn new(connection: RedisConnection, fanout: Fanout, limits: RedisBusLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                connection,
                fanout,
                limits,
                server_events: OnceCell::new(),
            }),
        }
    }

    /// Connects to `url` (one subscriber connection for this replica besides `connection`).
    pub async fn connect(
        url: &str,
        connection: RedisConnection,
        limits: RedisBusLimits,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> redis::RedisResult<Self> {
        let fanout = Fanout::start(url, connection.clone(), shutdown).await?;
        Ok(Self::new(connection, fanout, limits))
    }

    /// This replica's pub/sub, for the stores that announce their changes on it.
    pub(crate) fn fanout(&self) -> Fanout {
        self.inner.fanout.clone()
    }

    fn reader(&self, key: &StreamKey, after: Position, wake: Listener) -> Subscription {
        let lagged = Lagged::default();
        let reader = Reader::new(
            Arc::clone(&self.inner),
            key.clone(),
            after,
            wake,
            lagged.clone(),
        );
        Subscription {
            after,
            events: futures::stream::unfold(reader, Reader::next).boxed(),
            lagged,
        }
    }

    async fn listen_wakes(&self, session: &SessionId) -> Result<Listener, BusError> {
        self.inner
            .fanout
            .listen(keys::wake_channel(session), Backlog::Wakes)
            .await
            .map_err(unavailable)
    }

    async fn listen_json<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        channel: String,
    ) -> Result<BoxStream<'static, T>, BusError> {
        let listener = self
            .inner
            .fanout
            .listen(channel, Backlog::Messages)
            .await
            .map_err(unavailable)?;
        Ok(listener
            .filter_map(|payload| async move {
                serde_json::from_str(&payload)
                    .inspect_err(|error| tracing::warn!(%error, "unreadable bus message dropped"))
                    .ok()
            })
            .boxed())
    }

    async fn publish_json<T: serde::Serialize + Sync>(
        &self,
        kind: &'static str,
        channel: &str,
        message: &T,
    ) -> Result<(), BusError> {
        metrics::counter!(crate::instruments::BUS_PUBLISHED, "kind" => kind).increment(1);
        let payload =
            serde_json::to_string(message).map_err(|e| BusError::Unavailable(e.to_string()))?;
        self.inner
            .fanout
            .publish(channel, &payload)
            .await
            .map_err(unavailable)
    }
}

/// Hands every server event `heard` to this replica's listeners, for as long as the pub/sub task
/// runs.
async fn relay(mut heard: BoxStream<'static, ServerEvent>, events: broadcast::Sender<ServerEvent>) {
    while let Some(event) = heard.next().await {
        // An error only means nobody listens right now.
        let _ = events.send(event);
    }
}

impl Inner {
    fn connection(&self) -> RedisConnection {
        self.connection.clone()
    }

    async fn read(&self, key: &StreamKey, after: Position) -> Result<Read, BusError> {
        let answer: Value = READ
            .key(keys::log(key))
            .key(keys::log_meta(key))
            .arg(after)
            .arg(READ_BATCH)
            .arg(millis(self.limits.idle_retention))
            .invoke_async(&mut self.connection())
            .await
            .map_err(unavailable)?;
        parse_read(answer)
    }
}

/// `{finished, [[id, [field, value, …]], …]}` from the READ script.
fn parse_read(answer: Value) -> Result<Read, BusError> {
    let corrupt = || BusError::Unavailable("unexpected answer from Redis".into());
    let Value::Array(parts) = answer else {
        return match answer {
            Value::Nil => Ok(None),
            _ => Err(corrupt()),
        };
    };
    let [Value::Int(finished), Value::Array(entries)] = parts.as_slice() else {
        return Err(corrupt());
    };
    let mut events = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Array(entry) = entry else {
            return Err(corrupt());
        };
        let [id, Value::Array(fields)] = entry.as_slice() else {
            return Err(corrupt());
        };
        let id: String = redis::from_redis_value_ref(id).map_err(|_| corrupt())?;
        let position = id
            .strip_prefix("0-")
            .and_then(|n| n.parse::<Position>().ok())
            .ok_or_else(corrupt)?;
        // `d` (the message), then `t` (the append time; absent in entries of older versions).
        let (data, time) = match fields.as_slice() {
            [_, data] => (data, None),
            [_, data, _, time] => (data, Some(time)),
            _ => return Err(corrupt()),
        };
        let data: String = redis::from_redis_value_ref(data).map_err(|_| corrupt())?;
        let appended_us = match time {
            Some(time) => redis::from_redis_value_ref(time).map_err(|_| corrupt())?,
            None => 0,
        };
        events.push(LoggedEvent {
            position,
            data: Arc::from(data),
            appended_us,
        });
    }
    Ok(Some((*finished == 1, events)))
}

#[async_trait]
impl EventBus for RedisBus {
    async fn append(&self, key: &StreamKey, data: Arc<str>) -> Result<Position, BusError> {
        let inner = &self.inner;
        let stream = key.stream.to_string();
        let appended_us = super::now_us();
        let position: Position = APPEND
            .key(keys::log(key))
            .key(keys::log_meta(key))
            .key(keys::session_logs(&key.session))
            .arg(data.as_ref())
            .arg(inner.limits.events_per_stream.max(1))
            .arg(millis(inner.limits.idle_retention))
            .arg(&stream)
            .arg(appended_us)
            .invoke_async(&mut inner.connection())
            .await
            .map_err(unavailable)?;
        // Only a wake-up: readers that miss it find the event on their next read.
        metrics::counter!(crate::instruments::BUS_PUBLISHED, "kind" => "wake").increment(1);
        let event = LoggedEvent {
            position,
            data,
            appended_us,
        };
        if let Err(error) = inner
            .fanout
            .publish(
                &keys::wake_channel(&key.session),
                &reader::wake_up(&stream, &event),
            )
            .await
        {
            tracing::warn!(kind = ?error.kind(), "cannot publish a wake-up");
        }
        Ok(position)
    }

    async fn finish(&self, key: &StreamKey) -> Result<(), BusError> {
        let inner = &self.inner;
        let stream = key.stream.to_string();
        let _: i64 = FINISH
            .key(keys::log(key))
            .key(keys::log_meta(key))
            .key(keys::session_logs(&key.session))
            .arg(millis(inner.limits.finished_retention))
            .arg(millis(inner.limits.idle_retention))
            .arg(&stream)
            .invoke_async(&mut inner.connection())
            .await
            .map_err(unavailable)?;
        let _ = inner
            .fanout
            .publish(&keys::wake_channel(&key.session), &stream)
            .await;
        Ok(())
    }

    async fn subscribe(&self, key: &StreamKey) -> Result<Subscription, BusError> {
        let wake = self.listen_wakes(&key.session).await?;
        let head: Position = OPEN
            .key(keys::log_meta(key))
            .key(keys::session_logs(&key.session))
            .arg(millis(self.inner.limits.idle_retention))
            .arg(key.stream.to_string())
            .invoke_async(&mut self.inner.connection())
            .await
            .map_err(unavailable)?;
        Ok(self.reader(key, head, wake))
    }

    async fn resume(
        &self,
        key: &StreamKey,
        after: Position,
    ) -> Result<Option<Subscription>, BusError> {
        let wake = self.listen_wakes(&key.session).await?;
        let bounds: Option<(Position, Position)> = BOUNDS
            .key(keys::log(key))
            .key(keys::log_meta(key))
            .invoke_async(&mut self.inner.connection())
            .await
            .map_err(unavailable)?;
        let Some((head, oldest_kept)) = bounds else {
            return Ok(None);
        };
        Ok(Some(self.reader(key, after.clamp(oldest_kept, head), wake)))
    }

    async fn publish(&self, session: &SessionId, signal: Signal) -> Result<(), BusError> {
        self.publish_json("signal", &keys::signal_channel(session), &signal)
            .await
    }

    async fn signals(&self, session: &SessionId) -> Result<BoxStream<'static, Signal>, BusError> {
        self.listen_json(keys::signal_channel(session)).await
    }

    async fn publish_task(&self, task: &str, signal: Signal) -> Result<(), BusError> {
        self.publish_json("task_signal", &keys::task_channel(task), &signal)
            .await
    }

    async fn task_signals(&self, task: &str) -> Result<BoxStream<'static, Signal>, BusError> {
        self.listen_json(keys::task_channel(task)).await
    }

    async fn publish_server_event(&self, event: ServerEvent) -> Result<(), BusError> {
        self.publish_json("server_event", keys::SERVER_EVENTS, &event)
            .await
    }

    async fn server_events(&self) -> Result<BoxStream<'static, ServerEvent>, BusError> {
        // Every standalone stream listens to these: one subscription per replica, shared
        // through a local broadcast, rather than a pub/sub listener (and its queue) per stream.
        let events = self
            .inner
            .server_events
            .get_or_try_init(|| async {
                let heard = self.listen_json(keys::SERVER_EVENTS.to_owned()).await?;
                let (events, _) = broadcast::channel(SERVER_EVENT_BACKLOG);
                tokio::spawn(relay(heard, events.clone()));
                Ok::<_, BusError>(events)
            })
            .await?;
        Ok(lossy(events.subscribe()))
    }

    async fn remove_session(&self, session: &SessionId) -> Result<(), BusError> {
        let set = keys::session_logs(session);
        let mut connection = self.inner.connection();
        let streams: Vec<String> = redis::cmd("SMEMBERS")
            .arg(&set)
            .query_async(&mut connection)
            .await
            .map_err(unavailable)?;
        // Every key of the session shares its hash slot, so one DEL removes them all.
        let mut delete = redis::cmd("DEL");
        delete.arg(&set);
        for stream in &streams {
            delete.arg(format!("{}:{stream}", keys::session_log_prefix(session)));
            delete.arg(format!("{}:{stream}", keys::session_meta_prefix(session)));
        }
        let _: i64 = delete
            .query_async(&mut connection)
            .await
            .map_err(unavailable)?;
        let _ = self
            .inner
            .fanout
            .publish(&keys::wake_channel(session), EVERY_STREAM)
            .await;
        Ok(())
    }

    async fn check(&self) -> Result<(), BusError> {
        service_kit::redis::ping(&self.inner.connection)
            .await
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use service_kit::testing::{RedisCluster, RedisServer};
    use tokio_util::sync::CancellationToken;

    use super::*;

    #[tokio::test]
    async fn the_redis_bus_meets_the_contract() {
        suite(&RedisServer::start().url()).await;
    }

    #[tokio::test]
    async fn the_redis_bus_meets_the_contract_on_a_cluster() {
        suite(&RedisCluster::start().url()).await;
    }

    async fn suite(url: &str) {
        let url = url.to_owned();
        let connection = service_kit::redis::connect(&url).await.unwrap();
        let shutdown = CancellationToken::new();
        let fanout = Fanout::start(&url, connection.clone(), shutdown.clone())
            .await
            .unwrap();
        crate::bus::contract::suite(|events_per_stream| {
            RedisBus::new(
                connection.clone(),
                fanout.clone(),
                RedisBusLimits {
                    events_per_stream,
                    finished_retention: Duration::from_secs(60),
                    idle_retention: Duration::from_secs(600),
                },
            )
        })
        .await;
        shutdown.cancel();
    }

    /// A bus on `url` with its own connections, until `shutdown`.
    async fn bus_on(url: &str, shutdown: &CancellationToken) -> RedisBus {
        let limits = RedisBusLimits {
            events_per_stream: 100,
            finished_retention: Duration::from_secs(60),
            idle_retention: Duration::from_secs(600),
        };
        let connection = service_kit::redis::connect(url).await.unwrap();
        RedisBus::connect(url, connection, limits, shutdown.clone())
            .await
            .unwrap()
    }

    /// A caught-up reader takes the next event from its wake-up: this one was never logged, so
    /// only the wake-up can have delivered it. A wake-up for an event already delivered is
    /// ignored.
    #[tokio::test]
    async fn a_caught_up_reader_takes_the_next_event_from_its_wake_up() {
        let server = RedisServer::start();
        let url = server.url();
        let shutdown = CancellationToken::new();
        let connection = service_kit::redis::connect(&url).await.unwrap();
        let bus = bus_on(&url, &shutdown).await;
        let key = StreamKey::standalone(SessionId::generate());
        let mut reader = bus.subscribe(&key).await.unwrap();
        let quiet = tokio::time::timeout(Duration::from_millis(300), reader.events.next()).await;
        assert!(quiet.is_err(), "nothing logged yet");

        let carried = LoggedEvent::appended_now(1, Arc::from("{\"carried\":true}"));
        let payload = reader::wake_up(&key.stream.to_string(), &carried);
        for _ in 0..2 {
            let _: i64 = redis::cmd("PUBLISH")
                .arg(keys::wake_channel(&key.session))
                .arg(&payload)
                .query_async(&mut connection.clone())
                .await
                .unwrap();
        }
        let delivered = tokio::time::timeout(Duration::from_secs(10), reader.events.next())
            .await
            .unwrap();
        assert_eq!(delivered, Some(carried));
        let again = tokio::time::timeout(Duration::from_millis(300), reader.events.next()).await;
        assert!(again.is_err(), "delivered once");
        shutdown.cancel();
    }

    /// Every client connection is cut (as a Redis failover or a network blip would): the
    /// connections come back by themselves, a reader that was waiting still gets what is
    /// appended afterwards, and signals reach listeners again once they are resubscribed.
    #[tokio::test]
    async fn cut_connections_are_remade_and_resubscribed() {
        let server = RedisServer::start();
        let url = server.url();
        let shutdown = CancellationToken::new();
        let bus = bus_on(&url, &shutdown).await;
        let session = SessionId::generate();
        let key = StreamKey::standalone(session.clone());
        let mut reader = bus.subscribe(&key).await.unwrap();
        let mut signals = bus.signals(&session).await.unwrap();

        let mut admin = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        for kind in ["pubsub", "normal"] {
            let _: i64 = redis::cmd("CLIENT")
                .arg(&["KILL", "TYPE", kind, "SKIPME", "yes"][..])
                .query_async(&mut admin)
                .await
                .unwrap();
        }

        // The first command after the cut may fail; the connection is remade for the next.
        let mut appended = None;
        for _ in 0..50 {
            if let Ok(position) = bus.append(&key, Arc::from("after the cut")).await {
                appended = Some(position);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(appended, Some(1));
        let event = tokio::time::timeout(Duration::from_secs(10), reader.events.next())
            .await
            .expect("the waiting reader catches up")
            .unwrap();
        assert_eq!(event.data.as_ref(), "after the cut");

        let received = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let _ = bus.publish(&session, Signal::Closed).await;
                if let Ok(Some(signal)) =
                    tokio::time::timeout(Duration::from_millis(200), signals.next()).await
                {
                    return signal;
                }
            }
        })
        .await
        .expect("signals flow again after resubscription");
        assert_eq!(received, Signal::Closed);
        shutdown.cancel();
    }
}
