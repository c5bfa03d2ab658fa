//! What a tool can do while it runs: report progress, log, notice cancellation.

#[expect(
    deprecated,
    reason = "logging is still part of every protocol version we serve"
)]
use rmcp::model::LoggingMessageNotificationParam;
use rmcp::model::{ClientCapabilities, ProgressNotificationParam};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::Principal,
    protocol::{LogLevel, RequestContext, jsonrpc},
    session::SessionId,
};

/// Handed to [`super::Tool::call`]. Sending is best effort: a client that went away does not
/// fail the tool.
#[derive(Debug, Clone)]
pub struct ToolContext {
    request: RequestContext,
}

impl ToolContext {
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

    /// Sends a log message on the request's own stream, if the session's level lets it through.
    pub async fn log(&self, level: LogLevel, data: impl Into<Value>) {
        if let Some(message) = self.log_message(level, data.into()).await
            && self.request.send_on_request_stream(message).await.is_err()
        {
            tracing::debug!("log message not delivered: the request's stream is gone");
        }
    }

    /// Sends a log message on the session's standalone stream (`GET /mcp`), if the session's
    /// level lets it through. Use this for messages not tied to this request's answer.
    pub async fn log_to_session(&self, level: LogLevel, data: impl Into<Value>) {
        if let Some(message) = self.log_message(level, data.into()).await
            && let Err(error) = self.request.send_on_session_stream(message).await
        {
            tracing::warn!(%error, "log message not delivered to the session stream");
        }
    }

    async fn log_message(&self, level: LogLevel, data: Value) -> Option<std::sync::Arc<str>> {
        if !level.passes(self.request.log_level().await) {
            return None;
        }
        #[expect(
            deprecated,
            reason = "logging is still part of every protocol version we serve"
        )]
        let params = LoggingMessageNotificationParam::new(to_rmcp_level(level), data);
        Some(jsonrpc::notification(
            "notifications/message",
            to_value(&params),
        ))
    }

    /// Cancelled when the client cancels the call or the session ends. The call's future is
    /// dropped at that point anyway; the token lets work spawned elsewhere stop too.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.request.cancellation
    }

    /// The session the call belongs to.
    pub fn session_id(&self) -> &SessionId {
        &self.request.session.id
    }

    /// Who called.
    pub fn principal(&self) -> &Principal {
        &self.request.principal
    }

    /// What the client declared it supports.
    pub fn client_capabilities(&self) -> &ClientCapabilities {
        &self.request.session.client_capabilities
    }
}

#[expect(
    deprecated,
    reason = "logging is still part of every protocol version we serve"
)]
fn to_rmcp_level(level: LogLevel) -> rmcp::model::LoggingLevel {
    use rmcp::model::LoggingLevel as L;
    match level {
        LogLevel::Debug => L::Debug,
        LogLevel::Info => L::Info,
        LogLevel::Notice => L::Notice,
        LogLevel::Warning => L::Warning,
        LogLevel::Error => L::Error,
        LogLevel::Critical => L::Critical,
        LogLevel::Alert => L::Alert,
        LogLevel::Emergency => L::Emergency,
    }
}

fn to_value<T: serde::Serialize>(params: &T) -> Value {
    // These parameter types serialize infallibly (plain fields, string keys).
    serde_json::to_value(params).unwrap_or(Value::Null)
}
