//! Method dispatch for requests and notifications inside a session, with cancellation.

use std::pin::pin;

use tracing::Instrument;

use futures::{Stream, StreamExt};
use rmcp::model::{
    CallToolRequestParams, CancelledNotificationParam, ErrorCode, ErrorData, ListToolsResult,
    PaginatedRequestParams, ProgressToken, RequestId, ServerResult,
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use super::{
    LogLevel, McpServer, Outbox, Outgoing, RequestContext,
    jsonrpc::{self, NotificationMessage, RequestMessage, ResponseMessage},
};
use crate::{
    auth::Principal,
    bus::Signal,
    session::{SessionRecord, SessionUpdate},
    tools::{ToolContext, ToolLookup},
};

/// A notification could not be acted on because a backend is down.
#[derive(Debug, thiserror::Error)]
#[error("the notification could not be processed: {0}")]
pub struct NotificationFailed(String);

impl McpServer {
    /// Runs one request of `session` until it answers or is cancelled; its messages, then its
    /// response (or [`Outgoing::Dropped`] if cancelled), go to `outbox`.
    pub async fn run_request(
        &self,
        session: SessionRecord,
        principal: Principal,
        request: RequestMessage,
        outbox: Outbox,
    ) {
        let RequestMessage { id, method, params } = request;
        // Listen before running, so a cancellation sent right after the request is not missed.
        let signals = match self.bus.signals(&session.id).await {
            Ok(signals) => signals,
            Err(error) => {
                tracing::error!(%error, "cannot listen for cancellation");
                let error = ErrorData::internal_error("Internal error", None);
                let _ = outbox
                    .send(Outgoing::Final(jsonrpc::error_response(Some(&id), &error)))
                    .await;
                return;
            }
        };
        let progress_token = progress_token(params.as_ref());
        let context = RequestContext::new(
            session,
            principal,
            id.clone(),
            progress_token,
            outbox.clone(),
            self.sessions.clone(),
            self.bus.clone(),
        );
        let span = tracing::info_span!("mcp.request", mcp.method = %method, jsonrpc.id = %id, session.id = %context.session.id);
        let work = self
            .handle_request(&context, &method, params)
            .instrument(span);
        let outcome = tokio::select! {
            result = work => Some(result),
            () = stopped(signals, &id) => None,
        };
        let item = match outcome {
            Some(Ok(result)) => Outgoing::Final(jsonrpc::response(&id, result)),
            Some(Err(error)) => {
                tracing::debug!(mcp.method = %method, jsonrpc.code = jsonrpc::code_of(&error), "request failed");
                Outgoing::Final(jsonrpc::error_response(Some(&id), &error))
            }
            None => {
                context.cancellation.cancel();
                tracing::info!(mcp.method = %method, jsonrpc.id = %id, "request cancelled");
                Outgoing::Dropped
            }
        };
        // The transport may already be gone (client disconnected); nothing left to do then.
        let _ = outbox.send(item).await;
    }

    async fn handle_request(
        &self,
        context: &RequestContext,
        method: &str,
        params: Option<Map<String, Value>>,
    ) -> Result<Value, ErrorData> {
        let mut result = match method {
            "ping" => ServerResult::empty(()),
            "logging/setLevel" => self.set_level(context, params).await?,
            "tools/list" => self.list_tools(params)?,
            "tools/call" => self.call_tool(context, params).await?,
            "initialize" => {
                return Err(ErrorData::invalid_request(
                    "initialize must be the only message of a POST without Mcp-Session-Id",
                    None,
                ));
            }
            _ => {
                return Err(ErrorData::new(
                    ErrorCode::METHOD_NOT_FOUND,
                    format!("Method not found: {method}"),
                    None,
                ));
            }
        };
        // Handshake-era peers predate `resultType` and non-object structured output.
        result.strip_result_type_for_legacy_peer();
        result.strip_non_object_output_for_legacy_peer();
        serde_json::to_value(result).map_err(|error| {
            tracing::error!(%error, "cannot serialize a result");
            ErrorData::internal_error("Internal error", None)
        })
    }

    async fn set_level(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        #[derive(Deserialize)]
        struct SetLevel {
            level: LogLevel,
        }
        let SetLevel { level } = typed_params(params)?;
        let update = SessionUpdate::SetLogLevel(level);
        match self.sessions.update(&context.session.id, update).await {
            Ok(_) => Ok(ServerResult::empty(())),
            Err(error) => {
                tracing::error!(%error, "cannot store the log level");
                Err(ErrorData::internal_error("Internal error", None))
            }
        }
    }

    fn list_tools(&self, params: Option<Map<String, Value>>) -> Result<ServerResult, ErrorData> {
        let params: Option<PaginatedRequestParams> = params
            .map(|params| typed_params(Some(params)))
            .transpose()?;
        // Every tool fits in one page, so no cursor we could have issued exists.
        if params.and_then(|params| params.cursor).is_some() {
            return Err(ErrorData::invalid_params("Invalid cursor", None));
        }
        Ok(ServerResult::ListToolsResult(
            ListToolsResult::with_all_items(self.tools.definitions()),
        ))
    }

    async fn call_tool(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        let params: CallToolRequestParams = typed_params(params)?;
        let tool_context = ToolContext::new(context.clone());
        match self
            .tools
            .call(&params.name, params.arguments, tool_context)
        {
            ToolLookup::Found(call) => Ok(ServerResult::CallToolResult(call.await)),
            ToolLookup::Unknown => Err(ErrorData::invalid_params(
                format!("Unknown tool: {}", params.name),
                None,
            )),
        }
    }

    /// Acts on a notification from the client. Unknown notifications are ignored, as JSON-RPC
    /// requires; only a backend failure is reported.
    pub async fn handle_notification(
        &self,
        session: &SessionRecord,
        notification: NotificationMessage,
    ) -> Result<(), NotificationFailed> {
        match notification.method.as_str() {
            "notifications/initialized" => {
                self.sessions
                    .update(&session.id, SessionUpdate::MarkInitialized)
                    .await
                    .map_err(|error| NotificationFailed(error.to_string()))?;
            }
            "notifications/cancelled" => {
                let Ok(params) = typed_params::<CancelledNotificationParam>(notification.params)
                else {
                    tracing::debug!("ignoring a malformed cancellation");
                    return Ok(());
                };
                if let Some(request_id) = params.request_id {
                    tracing::debug!(jsonrpc.id = %request_id, reason = ?params.reason, "client cancelled a request");
                    self.bus
                        .publish(&session.id, Signal::Cancel { request_id })
                        .await
                        .map_err(|error| NotificationFailed(error.to_string()))?;
                }
            }
            other => tracing::debug!(mcp.method = other, "notification ignored"),
        }
        Ok(())
    }

    /// Accepts a client's response to a server-to-client request. This server sends none in
    /// the session's current feature set, so responses are only logged.
    pub async fn handle_response(&self, session: &SessionRecord, response: ResponseMessage) {
        tracing::debug!(session.id = %session.id, jsonrpc.id = ?response.id, "unsolicited response ignored");
    }
}

/// Resolves when the request must stop: its cancellation or the end of its session.
async fn stopped(signals: impl Stream<Item = Signal>, id: &RequestId) {
    let mut signals = pin!(signals);
    while let Some(signal) = signals.next().await {
        match signal {
            Signal::Cancel { request_id } if &request_id == id => return,
            Signal::Closed => return,
            _ => {}
        }
    }
    // The signal channel closed: the session was removed.
}

/// `_meta.progressToken` of a request's params, if present and well-formed.
fn progress_token(params: Option<&Map<String, Value>>) -> Option<ProgressToken> {
    let token = params?.get("_meta")?.get("progressToken")?;
    serde_json::from_value(token.clone()).ok()
}

/// Deserializes a method's params (absent params read as `{}`); failures are -32602.
pub(super) fn typed_params<T: DeserializeOwned>(
    params: Option<Map<String, Value>>,
) -> Result<T, ErrorData> {
    serde_json::from_value(Value::Object(params.unwrap_or_default()))
        .map_err(|error| ErrorData::invalid_params(format!("Invalid params: {error}"), None))
}
