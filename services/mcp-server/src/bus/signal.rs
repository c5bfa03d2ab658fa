//! Signals: small control messages about one session, published to whichever replicas serve it.

use rmcp::model::RequestId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::StreamId;

/// A change that concerns every client of the server, not one session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServerEvent {
    /// The list of tools changed.
    ToolsListChanged,
    /// The list of resources (or resource templates) changed.
    ResourcesListChanged,
    /// The list of prompts changed.
    PromptsListChanged,
    /// The content of one resource changed.
    ResourceUpdated {
        /// The resource's URI.
        uri: String,
    },
}

/// A control message for everyone serving a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// The client cancelled the request with this id (`notifications/cancelled`); every
    /// in-flight request of the session with that id stops.
    Cancel {
        /// The id the client gave the request.
        request_id: RequestId,
    },
    /// The session ended (DELETE or expiry): its streams close, its requests stop.
    Closed,
    /// The session's stored record changed or was deleted: replicas drop their copies of it.
    RecordChanged,
    /// A new standalone GET stream opened; older ones for this session close.
    StandaloneClaimed {
        /// Identifies the stream that claimed it, so it does not close itself.
        claim: u64,
    },
    /// The client answered a request the server sent it (sampling, elicitation, roots); the
    /// request task waiting for it resumes, on whichever replica it runs.
    ClientResponse {
        /// The id the server gave its request.
        request_id: RequestId,
        /// `Ok(result)` or `Err(error object)`, as the client sent them.
        outcome: Result<Value, Value>,
    },
    /// A task was cancelled: the replica running it stops it.
    TaskCancelled,
    /// The client answered one of a task's input requests (`tasks/update`).
    TaskInput {
        /// The input request's key.
        key: String,
        /// The answer, as sent.
        answer: Value,
    },
    /// The HTTP response carrying this stream should end now with a `retry` hint; the client
    /// reconnects with `Last-Event-ID` and the stream goes on (SSE polling).
    CloseStream {
        /// Which of the session's streams.
        stream: StreamId,
    },
}
