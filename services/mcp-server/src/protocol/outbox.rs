//! The channel through which a running request sends messages towards its client.
//!
//! The transport reads the other end and decides how they travel (one JSON body, or an SSE
//! stream). A bounded channel: a request that produces faster than its client reads waits.

use std::sync::Arc;

use tokio::sync::mpsc;

/// How many messages may wait between a request and its transport.
const CAPACITY: usize = 64;

/// What a running request produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A notification (or server-to-client request) that belongs to the request's stream.
    Message(Arc<str>),
    /// The response that completes one request.
    Final(Arc<str>),
    /// One request ended without a response (it was cancelled).
    Dropped,
    /// The request asks for its SSE response to end now with a `retry` hint (SSE polling);
    /// the client resumes the stream with `Last-Event-ID`.
    CloseStream,
}

/// The sending side, shared by every request of one POST.
#[derive(Debug, Clone)]
pub struct Outbox {
    sender: mpsc::Sender<Outgoing>,
    streams: bool,
}

/// The transport stopped listening (the client went away before anything could reach it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("nobody is reading this request's messages any more")]
pub struct OutboxClosed;

impl Outbox {
    /// A new outbox and the receiver the transport reads. `streams` says whether messages sent
    /// before the response can reach the client at all (it accepts `text/event-stream`).
    pub fn channel(streams: bool) -> (Self, mpsc::Receiver<Outgoing>) {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        (Self { sender, streams }, receiver)
    }

    /// Whether messages before the response can reach the client.
    pub fn streams(&self) -> bool {
        self.streams
    }

    /// Queues a message, waiting while the queue is full.
    pub async fn send(&self, item: Outgoing) -> Result<(), OutboxClosed> {
        self.sender.send(item).await.map_err(|_| OutboxClosed)
    }

    /// Queues a message if there is room right now; drops it otherwise.
    pub fn try_send(&self, item: Outgoing) {
        let _ = self.sender.try_send(item);
    }
}
