//! Pub/sub for one replica over ONE subscriber connection: local listeners ask for a channel, the
//! first one subscribes it, and every message that arrives is handed to the channel's local
//! listeners. A channel nobody listens to any more stays subscribed for [`LINGER`] before it is
//! unsubscribed: every request of a session listens to the session's signals while it runs, so a
//! busy session would otherwise cost a SUBSCRIBE and an UNSUBSCRIBE per request. A single task owns
//! the subscriber connection, so subscribes, unsubscribes and deliveries never race.
//!
//! Delivery is at most once: a listener that falls behind loses the oldest messages, and messages
//! published while the connection is down are lost (the library resubscribes after reconnecting).
//! Callers that must not miss anything (stream readers) treat a message only as a wake-up and read
//! the truth from Redis.

use std::{
    collections::HashMap,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use futures::Stream;
use redis::{PushInfo, PushKind, Value};
use service_kit::redis::{RedisConnection, Subscriber};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};
use tokio_util::sync::CancellationToken;

/// How many messages a channel keeps for a slow local listener. Every open stream listens to
/// channels, so this is paid per stream (a slot holds an `Arc<str>`, about 40 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Backlog {
    /// Wake-ups: a listener that falls behind still receives the newest ones, and each only says
    /// "read again", so a few suffice.
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
        reply: oneshot::Sender<redis::RedisResult<broadcast::Receiver<Arc<str>>>>,
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
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

/// The messages of one channel for one local listener; dropping it releases the channel.
pub(crate) struct Listener {
    /// `None` only while dropping (the receiver goes before the channel is released).
    messages: Option<BroadcastStream<Arc<str>>>,
    channel: String,
    commands: mpsc::UnboundedSender<Command>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.messages = None;
        let _ = self.commands.send(Command::Release {
            channel: std::mem::take(&mut self.channel),
        });
    }
}

impl Stream for Listener {
    type Item = Arc<str>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Arc<str>>> {
        loop {
            let Some(messages) = self.messages.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(messages).poll_next(cx) {
                Poll::Ready(Some(Ok(message))) => return Poll::Ready(Some(message)),
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(missed)))) => {
                    tracing::warn!(
                        channel = %self.channel,
                        missed,
                        "a pub/sub listener fell behind; some of its messages were dropped"
                    );
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
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
        tokio::spawn(run(
            subscriber.clone(),
            commands_rx,
            pushes,
            shutdown,
            linger,
        ));
        Ok(Self {
            commands,
            publisher,
            subscriber,
        })
    }

    /// Listens to `channel` (subscribing it on this replica's connection if needed). The first
    /// listener of a channel on this replica sets its backlog.
    pub(crate) async fn listen(
        &self,
        channel: String,
        backlog: Backlog,
    ) -> redis::RedisResult<Listener> {
        let (reply, answer) = oneshot::channel();
        let gone = || redis::RedisError::from(std::io::Error::other("the pub/sub task stopped"));
        self.commands
            .send(Command::Listen {
                channel: channel.clone(),
                backlog,
                reply,
            })
            .map_err(|_| gone())?;
        let receiver = answer.await.map_err(|_| gone())??;
        Ok(Listener {
            messages: Some(BroadcastStream::new(receiver)),
            channel,
            commands: self.commands.clone(),
        })
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

/// The task owning the subscriber connection. Channels left without listeners are
/// unsubscribed once they have been idle for `linger`.
async fn run(
    mut subscriber: Subscriber,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut pushes: mpsc::UnboundedReceiver<PushInfo>,
    shutdown: CancellationToken,
    linger: Duration,
) {
    let mut channels: HashMap<String, broadcast::Sender<Arc<str>>> = HashMap::new();
    // Channels whose last listener left, and when.
    let mut idle: HashMap<String, Instant> = HashMap::new();
    let mut sweep = tokio::time::interval(linger / 2);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            command = commands.recv() => match command {
                None => return,
                Some(Command::Listen { channel, backlog, reply }) => {
                    if let Some(sender) = channels.get(&channel) {
                        idle.remove(&channel);
                        let _ = reply.send(Ok(sender.subscribe()));
                        continue;
                    }
                    match subscriber.subscribe(&channel).await {
                        Ok(()) => {
                            let (sender, receiver) = broadcast::channel(backlog as usize);
                            channels.insert(channel, sender);
                            let _ = reply.send(Ok(receiver));
                        }
                        Err(error) => {
                            let _ = reply.send(Err(error));
                        }
                    }
                }
                Some(Command::Release { channel }) => {
                    if channels.get(&channel).is_some_and(|sender| sender.receiver_count() == 0) {
                        idle.insert(channel, Instant::now());
                    }
                }
            },
            push = pushes.recv() => match push {
                None => return,
                Some(push) => deliver(&channels, push),
            },
            _ = sweep.tick() => {
                let expired: Vec<String> = idle
                    .iter()
                    .filter(|(_, since)| since.elapsed() >= linger)
                    .map(|(channel, _)| channel.clone())
                    .collect();
                for channel in expired {
                    idle.remove(&channel);
                    if channels.get(&channel).is_some_and(|sender| sender.receiver_count() == 0) {
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

fn deliver(channels: &HashMap<String, broadcast::Sender<Arc<str>>>, push: PushInfo) {
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
            if let Some(sender) = channels.get(&*channel) {
                // An error only means every local listener left in the meantime.
                let _ = sender.send(payload);
            }
        }
        PushKind::Disconnection => {
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
}
