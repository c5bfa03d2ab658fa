//! What a request handler knows about the request it serves, and how it talks back.

use std::sync::Arc;

use rmcp::model::{ProgressToken, RequestId};
use tokio_util::sync::CancellationToken;

use super::{LogLevel, Outbox, Outgoing, outbox::OutboxClosed};
use crate::{
    auth::Principal,
    bus::{BusError, EventBus, StreamKey},
    session::{SessionRecord, SessionStore},
};

/// The context of one in-flight request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The session the request belongs to, as loaded when it arrived.
    pub session: SessionRecord,
    /// Who sent it.
    pub principal: Principal,
    /// Its JSON-RPC id.
    pub request_id: RequestId,
    /// `_meta.progressToken`, when the client asked for progress.
    pub progress_token: Option<ProgressToken>,
    /// Cancelled when the client cancels the request or the session ends.
    pub cancellation: CancellationToken,
    outbox: Outbox,
    sessions: Arc<dyn SessionStore>,
    bus: Arc<dyn EventBus>,
}

impl RequestContext {
    pub(super) fn new(
        session: SessionRecord,
        principal: Principal,
        request_id: RequestId,
        progress_token: Option<ProgressToken>,
        outbox: Outbox,
        sessions: Arc<dyn SessionStore>,
        bus: Arc<dyn EventBus>,
    ) -> Self {
        Self {
            session,
            principal,
            request_id,
            progress_token,
            cancellation: CancellationToken::new(),
            outbox,
            sessions,
            bus,
        }
    }

    /// Sends a message on this request's own stream, before its response.
    pub async fn send_on_request_stream(&self, message: Arc<str>) -> Result<(), OutboxClosed> {
        self.outbox.send(Outgoing::Message(message)).await
    }

    /// Appends a message to the session's standalone stream (the client's `GET /mcp`).
    pub async fn send_on_session_stream(&self, message: Arc<str>) -> Result<(), BusError> {
        self.bus
            .append(&StreamKey::standalone(self.session.id.clone()), message)
            .await
            .map(|_| ())
    }

    /// The session's log level now (it may change while the request runs).
    pub async fn log_level(&self) -> Option<LogLevel> {
        match self.sessions.load(&self.session.id).await {
            Ok(Some(record)) => record.log_level,
            Ok(None) => self.session.log_level,
            Err(error) => {
                tracing::warn!(%error, "cannot read the session's log level; using the one at request start");
                self.session.log_level
            }
        }
    }
}
