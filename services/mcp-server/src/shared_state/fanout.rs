//! Pub/sub for one replica over ONE subscriber connection: local listeners ask for a channel,
//! the first one subscribes it, the last one to leave unsubscribes it, and every message that
//! arrives is handed to the channel's local listeners. A single task owns the subscriber
//! connection, so subscribes, unsubscribes and deliveries never race.
//!
//! Delivery is at most once: a listener that falls behind loses the oldest messages, and
//! messages published while the connection is down are lost (the library resubscribes after
//! reconnecting). Callers that must not miss anything (stream readers) treat a message only as
//! a wake-up and read the truth from Redis.

use std::{
    collections::HashMap,
    pin::Pin,
    task::{Context, Poll},
};

use futures::Stream;
use redis::{PushInfo, PushKind, Value};
use service_kit::redis::{RedisConnection, Subscriber};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};
use tokio_util::sync::CancellationToken;

/// Messages kept per channel for a slow local listener. Every open stream has channels, so this
/// is paid per stream (a slot is about 50 bytes); wake-ups lost to a slower listener are caught
/// by its next read, at most two seconds later.
const LISTENER_BACKLOG: usize = 64;

enum Command {
    Listen {
        channel: String,
        reply: oneshot::Sender<redis::RedisResult<broadcast::Receiver<String>>>,
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
    messages: Option<BroadcastStream<String>>,
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
    type Item = String;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<String>> {
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
        let (pushes_tx, pushes) = mpsc::unbounded_channel();
        let subscriber = Subscriber::connect(url, pushes_tx).await?;
        let (commands, commands_rx) = mpsc::unbounded_channel();
        tokio::spawn(run(subscriber.clone(), commands_rx, pushes, shutdown));
        Ok(Self {
            commands,
            publisher,
            subscriber,
        })
    }

    /// Listens to `channel` (subscribing it on this replica's connection if needed).
    pub(crate) async fn listen(&self, channel: String) -> redis::RedisResult<Listener> {
        let (reply, answer) = oneshot::channel();
        let gone = || redis::RedisError::from(std::io::Error::other("the pub/sub task stopped"));
        self.commands
            .send(Command::Listen {
                channel: channel.clone(),
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

/// The task owning the subscriber connection.
async fn run(
    mut subscriber: Subscriber,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut pushes: mpsc::UnboundedReceiver<PushInfo>,
    shutdown: CancellationToken,
) {
    let mut channels: HashMap<String, broadcast::Sender<String>> = HashMap::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            command = commands.recv() => match command {
                None => return,
                Some(Command::Listen { channel, reply }) => {
                    if let Some(sender) = channels.get(&channel) {
                        let _ = reply.send(Ok(sender.subscribe()));
                        continue;
                    }
                    match subscriber.subscribe(&channel).await {
                        Ok(()) => {
                            let (sender, receiver) = broadcast::channel(LISTENER_BACKLOG);
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
                        channels.remove(&channel);
                        if let Err(error) = subscriber.unsubscribe(&channel).await {
                            tracing::warn!(%error, %channel, "cannot unsubscribe");
                        }
                    }
                }
            },
            push = pushes.recv() => match push {
                None => return,
                Some(push) => deliver(&channels, push),
            },
        }
    }
}

fn deliver(channels: &HashMap<String, broadcast::Sender<String>>, push: PushInfo) {
    match push.kind {
        PushKind::Message | PushKind::SMessage => {
            let text = |value: Option<&Value>| match value {
                Some(Value::BulkString(bytes)) => String::from_utf8(bytes.clone()).ok(),
                Some(Value::SimpleString(text)) => Some(text.clone()),
                _ => None,
            };
            let (Some(channel), Some(payload)) = (text(push.data.first()), text(push.data.get(1)))
            else {
                return;
            };
            if let Some(sender) = channels.get(&channel) {
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
