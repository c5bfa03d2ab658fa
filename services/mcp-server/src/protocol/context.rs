//! What the protocol layer knows about one in-flight request, and how the request talks back.

use std::sync::Arc;

use rmcp::model::{ProgressToken, RequestId};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{
    ClientRequestError, LogLevel, Outbox, Outgoing, Peer,
    client::{ClientRequests, PendingRequests},
    inputs::InputRound,
    notify::Notifier,
    outbox::OutboxClosed,
    tasks::TaskRun,
    version,
};
use crate::{
    auth::Principal,
    bus::{BusError, EventBus, StreamKey},
    session::SessionStore,
};

/// The context of one in-flight request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Who sent it: the session (handshake era) or the request's own declarations.
    pub peer: Peer,
    /// Who sent it, as authenticated.
    pub principal: Principal,
    /// Its JSON-RPC id.
    pub request_id: RequestId,
    /// `_meta.progressToken`, when the client asked for progress.
    pub progress_token: Option<ProgressToken>,
    /// Cancelled when the client cancels the request or the session ends.
    pub cancellation: CancellationToken,
    outbox: Outbox,
    client_requests: ClientRequests,
    inputs: Option<Arc<InputRound>>,
    /// The task side of a task-capable tool call (stateless era, extension declared).
    pub(super) task: Option<Arc<TaskRun>>,
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

/// The request-specific parts of a [`RequestContext`].
#[derive(Debug)]
pub(super) struct Incoming {
    pub(super) peer: Peer,
    pub(super) principal: Principal,
    pub(super) request_id: RequestId,
    pub(super) progress_token: Option<ProgressToken>,
    /// The input round, for stateless requests that may ask the client for input.
    pub(super) inputs: Option<Arc<InputRound>>,
}

impl RequestContext {
    pub(super) fn new(
        incoming: Incoming,
        outbox: Outbox,
        pending: PendingRequests,
        services: &Services,
    ) -> Self {
        Self {
            peer: incoming.peer,
            principal: incoming.principal,
            request_id: incoming.request_id,
            progress_token: incoming.progress_token,
            cancellation: CancellationToken::new(),
            client_requests: ClientRequests::new(
                pending,
                outbox.clone(),
                services.client_request_timeout,
            ),
            outbox,
            inputs: incoming.inputs,
            task: None,
            notifier: services.notifier.clone(),
            sessions: services.sessions.clone(),
            bus: services.bus.clone(),
        }
    }

    /// Sends a message on this request's own stream, before its response.
    pub async fn send_on_request_stream(&self, message: Arc<str>) -> Result<(), OutboxClosed> {
        self.outbox.send(Outgoing::Message(message)).await
    }

    /// Appends a message to the session's standalone stream (the client's `GET /mcp`); in the
    /// stateless era, where there is none, sends it on the request's own stream.
    pub async fn send_on_session_stream(&self, message: Arc<str>) -> Result<(), BusError> {
        match self.peer.session() {
            Some(session) => self
                .bus
                .append(&StreamKey::standalone(session.id.clone()), message)
                .await
                .map(|_| ()),
            None => {
                let _ = self.send_on_request_stream(message).await;
                Ok(())
            }
        }
    }

    /// Asks the transport to end the HTTP response of this request's stream (SSE polling);
    /// only sessions that can resume POST streams (2025-11-25 on) are asked.
    pub async fn close_stream(&self) {
        if let Peer::Session(session) = &self.peer
            && version::primes_streams(&session.protocol_version)
            && self.outbox.streams()
        {
            let _ = self.outbox.send(Outgoing::CloseStream).await;
        }
    }

    /// Asks the client for something: a real request on the request's stream in the handshake
    /// era; in the stateless era the answer from this round's inputs, or a recorded question.
    pub async fn ask(
        &self,
        key: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, ClientRequestError> {
        if let Some(task) = self.task.as_ref().filter(|task| task.task_id().is_some()) {
            let request = serde_json::json!({ "method": method, "params": params });
            return task.ask(key, request).await;
        }
        match &self.inputs {
            None => self.client_requests.send(method, params).await,
            Some(round) => {
                let request = serde_json::json!({ "method": method, "params": params });
                round
                    .answer_or_ask(key, request)
                    .cloned()
                    .ok_or(ClientRequestError::InputRequired)
            }
        }
    }

    /// Turns a task-capable tool call into a task when the client declared the extension
    /// (stateless era): the client gets the task handle now and the call runs on. Otherwise
    /// does nothing and the call stays an ordinary one.
    pub async fn run_as_task(&self) {
        if let Some(task) = &self.task {
            task.detach().await;
        }
    }

    /// The id of the task this call runs as, if it became one.
    pub fn task_id(&self) -> Option<String> {
        self.task.as_ref().and_then(|task| task.task_id())
    }

    /// Marks the answer for `key` unusable (stateless era: the request fails with -32602).
    pub fn reject_answer(&self, key: &str, why: &str) {
        if let Some(round) = &self.inputs {
            round.reject_answer(key, why);
        }
    }

    /// Notes that the request needs `capability`, which the client did not declare (stateless
    /// era: the request fails with -32021).
    pub fn require(&self, capability: &'static str) {
        if let Some(round) = &self.inputs {
            round.require(capability);
        }
    }

    /// Announces changes.
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// The log level in force now: the session's (it may change while the request runs) or
    /// the request's own `logLevel` (no level: no log messages).
    pub async fn log_level(&self) -> Option<LogLevel> {
        let session = match &self.peer {
            Peer::Stateless(meta) => return meta.log_level,
            Peer::Session(session) => session,
        };
        match self.sessions.load(&session.id).await {
            Ok(Some(record)) => record.log_level,
            Ok(None) => session.log_level,
            Err(error) => {
                tracing::warn!(%error, "cannot read the session's log level; using the one at request start");
                session.log_level
            }
        }
    }

    /// Whether log messages may be sent at all: always in a session (filtered by its level),
    /// only with an explicit `logLevel` in the stateless era.
    pub fn may_log(&self) -> bool {
        match &self.peer {
            Peer::Session(_) => true,
            Peer::Stateless(meta) => meta.log_level.is_some(),
        }
    }
}
