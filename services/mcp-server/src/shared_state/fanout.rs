//! Pub/sub for one replica over ONE subscriber connection: local listeners ask for a channel, the
//! first one subscribes it, and every message that arrives is handed to the channel's local
//! listeners. A channel nobody listens to any more stays subscribed for [`LINGER`] before it is
//! unsubscribed: every request of a session listens to the session's signals while it runs, so a
//! busy session would otherwise cost a SUBSCRIBE and an UNSUBSCRIBE per request. A single task owns
//! the subscriber connection, so subscribes, unsubscribes and deliveries never race.
//!
//! Delivery is at most once: a listener that falls behind loses the newest messages (a listener of
//! wake-ups is then handed an empty message, meaning "anything may have changed"), and messages
//! published while the connection is down are lost (the library resubscribes after reconnecting).
//! Each listener has its own bounded queue ([`inbox`]), allocated message by message: an idle
//! listener holds no buffer, which matters because every open stream listens to two channels.
//! Callers that must not miss anything (stream readers) treat a message only as a wake-up and read
//! the truth from Redis. A [`Watch`] answers, without waiting, whether anything at all arrived on
//! a channel (or the connection was lost) since it began: what a local copy of a record needs to
//! know it is still current.

mod inbox;

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use futures::Stream;
use redis::{PushInfo, PushKind, Value};
use service_kit::redis::{RedisConnection, Subscriber};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use self::inbox::{Inbox, Outbox, Received, inbox};

/// How many messages a slow local listener may have waiting before it misses some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backlog {
    /// Wake-ups: each only says "read again", so a few suffice; a listener that misses some is
    /// handed an empty message instead.
    Wakes = 8,
    /// Messages that each mean something (signals): enough for a burst to one session.
    Messages = 32,
}

/// How long a channel without listeners stays subscribed, in case a listener comes back.
const LINGER: Duration = Duration::from_secs(10);

enum Command {
    Listen {
        channel: String,
        backlog: Backlog,
        /// Whether to subscribe a channel this replica does not listen to yet, or answer `None`.
        subscribe: bool,
        reply: oneshot::Sender<redis::RedisResult<Option<Inbox>>>,
    },
    Release {
        channel: String,
    },
}

/// This replica's pub/sub.
#[derive(Debug, Clone)]
pub(crate) struct Fanout {
    commands: mpsc::UnboundedSender<Command>,
    publisher: RedisConnection,
    subscriber: Subscriber,
    /// How many times the subscriber connection was lost so far.
    disconnections: Arc<AtomicU64>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

/// Gives a channel back to the task when a local listener of it goes away. Declared after the
/// listener's receiver in every struct holding one, so the receiver is dropped first and the
/// task sees the channel's true listener count.
struct Release {
    channel: String,
    commands: mpsc::UnboundedSender<Command>,
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Release {
            channel: std::mem::take(&mut self.channel),
        });
    }
}

/// The messages of one channel for one local listener; dropping it releases the channel.
pub(crate) struct Listener {
    inbox: Inbox,
    backlog: Backlog,
    release: Release,
}

impl Stream for Listener {
    type Item = Arc<str>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Arc<str>>> {
        loop {
            match self.inbox.poll_recv(cx) {
                Poll::Ready(Some(Received::Message(message))) => {
                    return Poll::Ready(Some(message));
                }
                Poll::Ready(Some(Received::Missed)) => {
                    tracing::warn!(
                        channel = %self.release.channel,
                        "a pub/sub listener fell behind; some of its messages were dropped"
                    );
                    if self.backlog == Backlog::Wakes {
                        return Poll::Ready(Some(Arc::from("")));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Tells, without waiting, whether anything happened on one channel since the watch began:
/// a message, or a lost pub/sub connection (which may have lost messages). Dropping it
/// releases the channel.
pub(crate) struct Watch {
    inbox: Inbox,
    connection: u64,
    disconnections: Arc<AtomicU64>,
    _release: Release,
}

impl Watch {
    /// `true` while no message arrived and the connection stayed up since the watch began.
    pub(crate) fn quiet(&mut self) -> bool {
        self.disconnections.load(Ordering::Acquire) == self.connection
            && self.inbox.try_recv().is_none()
    }
}

impl Fanout {
    /// Connects the subscriber connection of `url` and starts the task that owns it, until
    /// `shutdown`.
    pub(crate) async fn start(
        url: &str,
        publisher: RedisConnection,
        shutdown: CancellationToken,
    ) -> redis::RedisResult<Self> {
        Self::start_lingering(url, publisher, shutdown, LINGER).await
    }

    async fn start_lingering(
        url: &str,
        publisher: RedisConnection,
        shutdown: CancellationToken,
        linger: Duration,
    ) -> redis::RedisResult<Self> {
        let (pushes_tx, pushes) = mpsc::unbounded_channel();
        let subscriber = Subscriber::connect(url, pushes_tx).await?;
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let disconnections = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(
            subscriber.clone(),
            commands_rx,
            pushes,
            Arc::clone(&disconnections),
            shutdown,
            linger,
        ));
        Ok(Self {
            commands,
            publisher,
            subscriber,
            disconnections,
        })
    }

    /// Listens to `channel` (subscribing it on this replica's connection if needed), with room
    /// for `backlog` messages waiting.
    pub(crate) async fn listen(
        &self,
        channel: String,
        backlog: Backlog,
    ) -> redis::RedisResult<Listener> {
        let (inbox, release) = self
            .register(channel, backlog, true)
            .await?
            .ok_or_else(task_gone)?;
        Ok(Listener {
            inbox,
            backlog,
            release,
        })
    }

    /// Watches `channel` if this replica listens to it already (`None` otherwise: watching
    /// never costs a subscription). From then on, every message on it, and every loss of the
    /// connection, makes the watch stop being quiet.
    pub(crate) async fn watch(&self, channel: String) -> redis::RedisResult<Option<Watch>> {
        let connection = self.disconnections.load(Ordering::Acquire);
        // One message is enough to tell.
        let registered = self.register(channel, Backlog::Wakes, false).await?;
        Ok(registered.map(|(inbox, release)| Watch {
            inbox,
            connection,
            disconnections: Arc::clone(&self.disconnections),
            _release: release,
        }))
    }

    async fn register(
        &self,
        channel: String,
        backlog: Backlog,
        subscribe: bool,
    ) -> redis::RedisResult<Option<(Inbox, Release)>> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Listen {
                channel: channel.clone(),
                backlog,
                subscribe,
                reply,
            })
            .map_err(|_| task_gone())?;
        let inbox = answer.await.map_err(|_| task_gone())??;
        Ok(inbox.map(|inbox| {
            let release = Release {
                channel,
                commands: self.commands.clone(),
            };
            (inbox, release)
        }))
    }

    /// Publishes `payload` on `channel` to every replica listening.
    pub(crate) async fn publish(&self, channel: &str, payload: &str) -> redis::RedisResult<()> {
        let mut connection = self.publisher.clone();
        self.subscriber
            .publish_command(channel, payload)
            .query_async::<()>(&mut connection)
            .await
    }
}

fn task_gone() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::other("the pub/sub task stopped"))
}

/// The task owning the subscriber connection. Channels left without listeners are
/// unsubscribed once they have been idle for `linger`.
async fn run(
    mut subscriber: Subscriber,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut pushes: mpsc::UnboundedReceiver<PushInfo>,
    disconnections: Arc<AtomicU64>,
    shutdown: CancellationToken,
    linger: Duration,
) {
    let mut channels: HashMap<String, Channel> = HashMap::new();
    // Channels whose last listener left, and when.
    let mut idle: HashMap<String, Instant> = HashMap::new();
    let mut sweep = tokio::time::interval(linger / 2);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            command = commands.recv() => match command {
                None => return,
                Some(Command::Listen { channel, backlog, subscribe, reply }) => {
                    if let Some(known) = channels.get_mut(&channel) {
                        idle.remove(&channel);
                        let _ = reply.send(Ok(Some(known.add(backlog))));
                        continue;
                    }
                    if !subscribe {
                        let _ = reply.send(Ok(None));
                        continue;
                    }
                    match subscriber.subscribe(&channel).await {
                        Ok(()) => {
                            let mut added = Channel::default();
                            let inbox = added.add(backlog);
                            channels.insert(channel, added);
                            let _ = reply.send(Ok(Some(inbox)));
                        }
                        Err(error) => {
                            let _ = reply.send(Err(error));
                        }
                    }
                }
                Some(Command::Release { channel }) => {
                    if channels.get_mut(&channel).is_some_and(Channel::unheard) {
                        idle.insert(channel, Instant::now());
                    }
                }
            },
            push = pushes.recv() => match push {
                None => return,
                Some(push) => deliver(&mut channels, &disconnections, push),
            },
            _ = sweep.tick() => {
                let expired: Vec<String> = idle
                    .iter()
                    .filter(|(_, since)| since.elapsed() >= linger)
                    .map(|(channel, _)| channel.clone())
                    .collect();
                for channel in expired {
                    idle.remove(&channel);
                    if channels.get_mut(&channel).is_some_and(Channel::unheard) {
                        channels.remove(&channel);
                        if let Err(error) = subscriber.unsubscribe(&channel).await {
                            tracing::warn!(%error, %channel, "cannot unsubscribe");
                        }
                    }
                }
            }
        }
    }
}

/// The local listeners of one subscribed channel.
#[derive(Default)]
struct Channel {
    listeners: Vec<Outbox>,
}

impl Channel {
    fn add(&mut self, backlog: Backlog) -> Inbox {
        let (outbox, inbox) = inbox(backlog as usize);
        self.listeners.push(outbox);
        inbox
    }

    /// Forgets the listeners that left; `true` if none is left.
    fn unheard(&mut self) -> bool {
        self.listeners.retain(|listener| !listener.is_closed());
        self.listeners.is_empty()
    }

    fn send(&self, payload: &Arc<str>) {
        for listener in &self.listeners {
            listener.send(Arc::clone(payload));
        }
    }
}

fn deliver(channels: &mut HashMap<String, Channel>, disconnections: &AtomicU64, push: PushInfo) {
    match push.kind {
        PushKind::Message | PushKind::SMessage => {
            let text = |value: Option<&Value>| match value {
                Some(Value::BulkString(bytes)) => std::str::from_utf8(bytes).ok().map(Arc::from),
                Some(Value::SimpleString(text)) => Some(Arc::from(text.as_str())),
                _ => None,
            };
            let (Some(channel), Some(payload)) = (text(push.data.first()), text(push.data.get(1)))
            else {
                return;
            };
            if let Some(listeners) = channels.get_mut(&*channel) {
                listeners.send(&payload);
            }
        }
        PushKind::Disconnection => {
            disconnections.fetch_add(1, Ordering::AcqRel);
            tracing::warn!("the Redis pub/sub connection was lost; reconnecting and resubscribing");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;
    use service_kit::testing::{PATIENCE, RedisServer};

    use super::*;

    async fn subscribers(connection: &RedisConnection, channel: &str) -> i64 {
        let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut connection.clone())
            .await
            .unwrap();
        counts[0].1
    }

    #[tokio::test]
    async fn a_channel_outlives_its_last_listener_by_the_linger_then_is_unsubscribed() {
        let server = RedisServer::start();
        let connection = service_kit::redis::connect(&server.url()).await.unwrap();
        let shutdown = CancellationToken::new();
        let linger = Duration::from_millis(600);
        let fanout =
            Fanout::start_lingering(&server.url(), connection.clone(), shutdown.clone(), linger)
                .await
                .unwrap();

        let first = fanout.listen("c".into(), Backlog::Messages).await.unwrap();
        assert_eq!(subscribers(&connection, "c").await, 1);
        drop(first);
        tokio::time::sleep(linger / 3).await;
        assert_eq!(
            subscribers(&connection, "c").await,
            1,
            "still subscribed while lingering"
        );

        // A listener coming back within the linger reuses the subscription and hears messages.
        let mut again = fanout.listen("c".into(), Backlog::Messages).await.unwrap();
        fanout.publish("c", "hello").await.unwrap();
        let message = tokio::time::timeout(PATIENCE, again.next()).await.unwrap();
        assert_eq!(message.as_deref(), Some("hello"));
        tokio::time::sleep(linger * 2).await;
        assert_eq!(
            subscribers(&connection, "c").await,
            1,
            "a listener keeps it"
        );

        drop(again);
        let deadline = Instant::now() + PATIENCE;
        while subscribers(&connection, "c").await != 0 {
            assert!(Instant::now() < deadline, "never unsubscribed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_wake_listener_that_misses_messages_is_told_with_an_empty_one() {
        let server = RedisServer::start();
        let connection = service_kit::redis::connect(&server.url()).await.unwrap();
        let shutdown = CancellationToken::new();
        let fanout = Fanout::start(&server.url(), connection, shutdown.clone())
            .await
            .unwrap();
        let mut wakes = fanout.listen("w".into(), Backlog::Wakes).await.unwrap();
        let mut signals = fanout.listen("w".into(), Backlog::Messages).await.unwrap();
        let sent = 20;
        for n in 0..sent {
            fanout.publish("w", &n.to_string()).await.unwrap();
        }
        // The roomier listener hears every message, in order.
        for n in 0..sent {
            let message = tokio::time::timeout(PATIENCE, signals.next())
                .await
                .unwrap();
            assert_eq!(message.as_deref(), Some(n.to_string().as_str()));
        }
        // The other kept what fit, and is told first that it missed the rest.
        let first = tokio::time::timeout(PATIENCE, wakes.next()).await.unwrap();
        assert_eq!(first.as_deref(), Some(""));
        let mut kept = Vec::new();
        while let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(200), wakes.next()).await
        {
            kept.push(message.to_string());
        }
        assert!(!kept.is_empty() && kept.len() < sent, "{kept:?}");
        assert_eq!(kept[0], "0", "the oldest are kept, the newest dropped");
        shutdown.cancel();
    }
}
