//! [`Context`]: what a tool, prompt or resource handler can do while it serves a request.
//!
//! Report progress and log, ask the client for input (elicitation), for an LLM completion
//! (sampling) or for its roots, notice cancellation, and announce changes to resources and
//! lists. Handlers are written once for both protocol eras: in the handshake era a question
//! becomes a request to the client on the call's stream and the handler waits for the answer;
//! in the stateless era the call ends asking for input and the handler runs again, from the
//! top, when the client retries with the answers. Questions therefore carry a stable key.

use std::sync::Arc;

use rmcp::model::{
    ClientCapabilities, ElicitResult, ElicitationSchema, ProgressNotificationParam, ProtocolVersion,
};
#[expect(
    deprecated,
    reason = "sampling, roots and logging are part of every version we serve"
)]
use rmcp::model::{
    CreateMessageRequestParams, CreateMessageResult, ListRootsResult,
    LoggingMessageNotificationParam,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{
    auth::Principal,
    protocol::{ClientRequestError, ListKind, LogLevel, Peer, RequestContext, jsonrpc, version},
    session::SessionId,
};

/// A client capability a handler can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// `sampling`.
    Sampling,
    /// `elicitation` in form mode (an empty `elicitation: {}` declares it).
    ElicitationForm,
    /// `elicitation.url`.
    ElicitationUrl,
    /// `roots`.
    Roots,
}

impl Capability {
    fn name(self) -> &'static str {
        match self {
            Self::Sampling => "sampling",
            Self::ElicitationForm | Self::ElicitationUrl => "elicitation",
            Self::Roots => "roots",
        }
    }

    fn declared_in(self, capabilities: &ClientCapabilities) -> bool {
        let elicitation = capabilities.elicitation.as_ref();
        match self {
            Self::Sampling => capabilities.sampling.is_some(),
            Self::ElicitationForm => {
                elicitation.is_some_and(|e| e.form.is_some() || e.url.is_none())
            }
            Self::ElicitationUrl => elicitation.is_some_and(|e| e.url.is_some()),
            Self::Roots => capabilities.roots.is_some(),
        }
    }
}

/// Handed to every handler call. Notifications are best effort: a client that went away does
/// not fail the handler.
#[derive(Debug, Clone)]
pub struct Context {
    request: RequestContext,
}

impl Context {
    pub(crate) fn new(request: RequestContext) -> Self {
        Self { request }
    }

    /// Reports progress on the request's own stream, if the client asked for progress
    /// (`_meta.progressToken`); otherwise does nothing. `progress` must grow with each call.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) {
        let Some(token) = self.request.progress_token.clone() else {
            return;
        };
        let mut params = ProgressNotificationParam::new(token, progress);
        params.total = total;
        params.message = message;
        let message = jsonrpc::notification("notifications/progress", to_value(&params));
        if self.request.send_on_request_stream(message).await.is_err() {
            tracing::debug!("progress not delivered: the request's stream is gone");
        }
    }

    /// Sends a log message on the request's own stream, if the level in force lets it through
    /// (stateless era: only when the request set `logLevel`).
    pub async fn log(&self, level: LogLevel, data: impl Into<Value>) {
        if let Some(message) = self.log_message(level, data.into()).await
            && self.request.send_on_request_stream(message).await.is_err()
        {
            tracing::debug!("log message not delivered: the request's stream is gone");
        }
    }

    /// Sends a log message on the session's standalone stream (`GET /mcp`), if the session's
    /// level lets it through. Use this for messages not tied to this request's answer. In the
    /// stateless era, which has no such stream, this is [`Context::log`].
    pub async fn log_to_session(&self, level: LogLevel, data: impl Into<Value>) {
        if let Some(message) = self.log_message(level, data.into()).await
            && let Err(error) = self.request.send_on_session_stream(message).await
        {
            tracing::warn!(%error, "log message not delivered to the session stream");
        }
    }

    async fn log_message(&self, level: LogLevel, data: Value) -> Option<Arc<str>> {
        if !self.request.may_log() || !level.passes(self.request.log_level().await) {
            return None;
        }
        #[expect(
            deprecated,
            reason = "logging is part of every protocol version we serve"
        )]
        let params = LoggingMessageNotificationParam::new(level.into(), data);
        Some(jsonrpc::notification(
            "notifications/message",
            to_value(&params),
        ))
    }

    /// Fails unless the client declared `capability`. In the stateless era the whole request
    /// then fails with -32021 (missing required client capability).
    pub fn require(&self, capability: Capability) -> Result<(), ClientRequestError> {
        if capability.declared_in(self.client_capabilities()) {
            return Ok(());
        }
        self.request.require(capability.name());
        Err(ClientRequestError::CapabilityMissing(match capability {
            Capability::ElicitationForm => "elicitation (form mode)",
            Capability::ElicitationUrl => "elicitation (URL mode)",
            other => other.name(),
        }))
    }

    /// Whether the client declared `capability` (for handlers that adapt instead of failing).
    pub fn supports(&self, capability: Capability) -> bool {
        capability.declared_in(self.client_capabilities())
    }

    /// Asks the user, through the client, to fill in a form (elicitation in form mode). `key`
    /// names the question; it must be the same every time the handler runs.
    pub async fn elicit(
        &self,
        key: &str,
        message: impl Into<String>,
        schema: ElicitationSchema,
    ) -> Result<ElicitResult, ClientRequestError> {
        self.require(Capability::ElicitationForm)?;
        let mut params = json!({ "message": message.into(), "requestedSchema": schema });
        // `mode` exists from 2025-11-25 on; older clients know only forms and no `mode`.
        if version::has_elicitation_modes(self.protocol_version()) {
            params["mode"] = json!("form");
        }
        let answer: ElicitResult = self.ask(key, "elicitation/create", params).await?;
        if answer
            .content
            .as_ref()
            .is_some_and(|content| !content.is_object())
        {
            self.request.reject_answer(key, "content must be an object");
            return Err(ClientRequestError::Malformed(
                "content must be an object".to_owned(),
            ));
        }
        Ok(answer)
    }

    /// Asks the user, through the client, to visit `url` (elicitation in URL mode), for
    /// interactions that must not pass through the client (credentials, payments).
    pub async fn elicit_url(
        &self,
        key: &str,
        message: impl Into<String>,
        url: impl Into<String>,
        elicitation_id: impl Into<String>,
    ) -> Result<ElicitResult, ClientRequestError> {
        self.require(Capability::ElicitationUrl)?;
        let params = json!({
            "mode": "url",
            "message": message.into(),
            "url": url.into(),
            "elicitationId": elicitation_id.into(),
        });
        self.ask(key, "elicitation/create", params).await
    }

    /// Tells the client that the out-of-band interaction of a URL-mode elicitation finished
    /// (`notifications/elicitation/complete`), so it can retry what waited for it. Sessions
    /// only: in the stateless era the client's retry is the signal.
    pub async fn notify_elicitation_complete(&self, elicitation_id: &str) {
        if self.request.peer.is_stateless() {
            return;
        }
        let params = json!({ "elicitationId": elicitation_id });
        let notice = jsonrpc::notification("notifications/elicitation/complete", params);
        if self.request.send_on_request_stream(notice).await.is_err() {
            tracing::debug!("elicitation completion not delivered: the request's stream is gone");
        }
    }

    /// Asks the client's LLM for a completion (sampling).
    #[expect(
        deprecated,
        reason = "sampling is part of every protocol version we serve"
    )]
    pub async fn create_message(
        &self,
        key: &str,
        params: CreateMessageRequestParams,
    ) -> Result<CreateMessageResult, ClientRequestError> {
        self.require(Capability::Sampling)?;
        self.ask(key, "sampling/createMessage", to_value(&params))
            .await
    }

    /// Asks the client for its roots (the directories or URIs it lets the server work in).
    #[expect(
        deprecated,
        reason = "roots are part of every protocol version we serve"
    )]
    pub async fn list_roots(&self, key: &str) -> Result<ListRootsResult, ClientRequestError> {
        self.require(Capability::Roots)?;
        self.ask(key, "roots/list", json!({})).await
    }

    async fn ask<T: DeserializeOwned>(
        &self,
        key: &str,
        method: &str,
        params: Value,
    ) -> Result<T, ClientRequestError> {
        let answer = self.request.ask(key, method, params).await?;
        serde_json::from_value(answer).map_err(|error| {
            self.request.reject_answer(key, &error.to_string());
            ClientRequestError::Malformed(error.to_string())
        })
    }

    /// Ends the HTTP response that carries this request's stream, with a `retry` hint; the
    /// client reconnects with `Last-Event-ID` and receives the rest (SSE polling, for
    /// 2025-11-25 sessions; a no-op for older ones and for the stateless era).
    pub async fn close_stream(&self) {
        self.request.close_stream().await;
    }

    /// Turns the call into a task, for a tool registered with [`crate::tools::TaskSupport`]
    /// `Optional` or `Required` and a client that declared the tasks extension on the request:
    /// the client gets the task handle at once and polls `tasks/get`; the call runs on, its
    /// questions ([`Context::elicit`] and the like) become the task's input requests, and its
    /// result becomes the task's. In every other case this does nothing and the call answers
    /// as usual. Call it before long work, after any question that should be settled first.
    pub async fn run_as_task(&self) {
        self.request.run_as_task().await;
    }

    /// The id of the task the call runs as, once it became one.
    pub fn task_id(&self) -> Option<String> {
        self.request.task_id()
    }

    /// Tells the clients subscribed to `uri` that the resource changed.
    pub async fn notify_resource_updated(&self, uri: &str) {
        if let Err(error) = self.request.notifier().resource_updated(uri).await {
            tracing::warn!(%error, uri, "resource change not announced");
        }
    }

    /// Tells the connected clients that a list (tools, resources, prompts) changed.
    pub async fn notify_list_changed(&self, kind: ListKind) {
        if let Err(error) = self.request.notifier().list_changed(kind).await {
            tracing::warn!(%error, ?kind, "list change not announced");
        }
    }

    /// Cancelled when the client cancels the call or the session ends. The call's future is
    /// dropped at that point anyway; the token lets work spawned elsewhere stop too.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.request.cancellation
    }

    /// The session the call belongs to (handshake era).
    pub fn session_id(&self) -> Option<&SessionId> {
        self.request.peer.session().map(|session| &session.id)
    }

    /// The protocol version of the request.
    pub fn protocol_version(&self) -> &ProtocolVersion {
        self.request.peer.protocol_version()
    }

    /// Who called.
    pub fn principal(&self) -> &Principal {
        &self.request.principal
    }

    /// What the client declared it supports (for its session, or for this request).
    pub fn client_capabilities(&self) -> &ClientCapabilities {
        self.request.peer.client_capabilities()
    }

    /// Whether the request is from the stateless era.
    pub fn is_stateless(&self) -> bool {
        matches!(self.request.peer, Peer::Stateless(_))
    }
}

fn to_value<T: serde::Serialize>(params: &T) -> Value {
    // These parameter types serialize infallibly (plain fields, string keys).
    serde_json::to_value(params).unwrap_or(Value::Null)
}
