//! What the protocol layer knows about one in-flight request, and how the request talks back.

use std::sync::Arc;

use rmcp::model::{ProgressToken, RequestId};
use tokio_util::sync::CancellationToken;

use super::{
    LogLevel, Outbox, Outgoing,
    client::{ClientRequests, PendingRequests},
    notify::Notifier,
    outbox::OutboxClosed,
    version,
};
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
    client_requests: ClientRequests,
    notifier: Notifier,
    sessions: Arc<dyn SessionStore>,
    bus: Arc<dyn EventBus>,
}

/// The parts of a [`RequestContext`] that come from the engine.
#[derive(Debug, Clone)]
pub(super) struct Services {
    pub(super) sessions: Arc<dyn SessionStore>,
    pub(super) bus: Arc<dyn EventBus>,
    pub(super) notifier: Notifier,
    pub(super) client_request_timeout: std::time::Duration,
}

impl RequestContext {
    pub(super) fn new(
        session: SessionRecord,
        principal: Principal,
        request_id: RequestId,
        progress_token: Option<ProgressToken>,
        outbox: Outbox,
        pending: PendingRequests,
        services: &Services,
    ) -> Self {
        Self {
            session,
            principal,
            request_id,
            progress_token,
            cancellation: CancellationToken::new(),
            client_requests: ClientRequests::new(
                pending,
                outbox.clone(),
                services.client_request_timeout,
            ),
            outbox,
            notifier: services.notifier.clone(),
            sessions: services.sessions.clone(),
            bus: services.bus.clone(),
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

    /// Asks the transport to end the HTTP response of this request's stream (SSE polling);
    /// only sessions that can resume POST streams (2025-11-25 on) are asked.
    pub async fn close_stream(&self) {
        if version::primes_streams(&self.session.protocol_version) && self.outbox.streams() {
            let _ = self.outbox.send(Outgoing::CloseStream).await;
        }
    }

    /// Sends requests to the client.
    pub fn client_requests(&self) -> &ClientRequests {
        &self.client_requests
    }

    /// Announces changes.
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
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
