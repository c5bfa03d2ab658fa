//! Signals: small control messages about one session, published to whichever replicas serve it.

use rmcp::model::RequestId;
use serde::{Deserialize, Serialize};

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
    /// A new standalone GET stream opened; older ones for this session close.
    StandaloneClaimed {
        /// Identifies the stream that claimed it, so it does not close itself.
        claim: u64,
    },
}
