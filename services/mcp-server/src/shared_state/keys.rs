//! The Redis key and channel layout. Everything about one session carries the hash tag
//! `{<session id>}` and everything about one task `{<task id>}`, so each lives on one cluster
//! slot and the scripts that touch several of its keys work on a cluster.

use sha2::{Digest, Sha256};

use crate::{bus::StreamKey, session::SessionId};

/// Every key and channel starts with this.
const PREFIX: &str = "mcp";

/// A session record.
pub(crate) fn session(id: &SessionId) -> String {
    format!("{PREFIX}:s:{{{id}}}")
}

/// The sessions subscribed to a resource (a set; members may have ended since).
pub(crate) fn subscribers(uri: &str) -> String {
    let digest: String = Sha256::digest(uri.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{PREFIX}:sub:{digest}")
}

/// A task record.
pub(crate) fn task(id: &str) -> String {
    format!("{PREFIX}:t:{{{id}}}")
}

/// The event log of one stream (a Redis stream; entry `0-<n>` is position n).
pub(crate) fn log(key: &StreamKey) -> String {
    format!("{}:{}", session_log_prefix(&key.session), key.stream)
}

/// A log's head position and finished flag (a hash).
pub(crate) fn log_meta(key: &StreamKey) -> String {
    format!("{}:{}", session_meta_prefix(&key.session), key.stream)
}

/// What every log key of `session` starts with (then `:<stream>`).
pub(crate) fn session_log_prefix(session: &SessionId) -> String {
    format!("{PREFIX}:log:{{{session}}}")
}

/// What every log meta key of `session` starts with (then `:<stream>`).
pub(crate) fn session_meta_prefix(session: &SessionId) -> String {
    format!("{PREFIX}:logm:{{{session}}}")
}

/// The names of a session's logs (a set), so they can all be removed together.
pub(crate) fn session_logs(session: &SessionId) -> String {
    format!("{PREFIX}:logs:{{{session}}}")
}

/// Wake-ups for readers of a session's logs: the payload names the stream that grew.
pub(crate) fn wake_channel(session: &SessionId) -> String {
    format!("{PREFIX}:ev:{{{session}}}")
}

/// Signals of a session.
pub(crate) fn signal_channel(session: &SessionId) -> String {
    format!("{PREFIX}:sig:{{{session}}}")
}

/// Signals of a task.
pub(crate) fn task_channel(task: &str) -> String {
    format!("{PREFIX}:tsig:{{{task}}}")
}

/// Server events (list changes, resource updates), for every replica.
pub(crate) const SERVER_EVENTS: &str = "mcp:server-events";
