//! Running a request inside a session: method routing, cancellation, answers from the client;
//! and acting on the client's notifications and responses.

use std::pin::pin;

use futures::{Stream, StreamExt};
use rmcp::model::{
    CancelledNotificationParam, ErrorCode, ErrorData, ProgressToken, RequestId, ServerResult,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tracing::Instrument;

use super::{
    McpServer, Outbox, Outgoing, Peer, PendingRequests, RequestContext, compat,
    context::Incoming,
    era,
    jsonrpc::{self, NotificationMessage, RequestMessage, ResponseMessage},
    trace,
};
use crate::{
    auth::Principal,
    bus::Signal,
    instruments,
    session::{SessionRecord, SessionUpdate},
};

/// A notification or response could not be acted on because a backend is down.
#[derive(Debug, thiserror::Error)]
#[error("the message could not be processed: {0}")]
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
        let signals = match self.services.bus.signals(&session.id).await {
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
        let pending = PendingRequests::default();
        let peer = Peer::Session(session);
        let span = trace::request_span(&method, &id, params.as_ref(), &peer);
        let incoming = Incoming {
            peer,
            principal,
            request_id: id.clone(),
            progress_token: progress_token(params.as_ref()),
            inputs: None,
        };
        let context =
            RequestContext::new(incoming, outbox.clone(), pending.clone(), &self.services);
        let work = self
            .handle_request(&context, &method, params)
            .instrument(span);
        let outcome = tokio::select! {
            result = work => Some(result),
            () = watch_signals(signals, &id, &pending) => None,
        };
        let item = match outcome {
            Some(result) => answer(&id, &method, result),
            None => {
                context.cancellation.cancel();
                tracing::info!(mcp.method = %method, jsonrpc.id = %id, "request cancelled");
                Outgoing::Dropped
            }
        };
        // The transport may already be gone (client disconnected); nothing left to do then.
        let _ = outbox.send(item).await;
    }

    /// Routes a request to its method, for either era, and shapes the result for it; measured
    /// as `mcp.server.operation.duration`.
    pub(super) async fn handle_request(
        &self,
        context: &RequestContext,
        method: &str,
        params: Option<Map<String, Value>>,
    ) -> Result<Value, ErrorData> {
        let started = std::time::Instant::now();
        let _running = (method == "tools/call")
            .then(|| instruments::Live::of(instruments::TOOL_CALLS_IN_FLIGHT));
        let outcome = self.route_request(context, method, params).await;
        trace::record_outcome(&outcome);
        instruments::operation(
            method,
            started,
            outcome.as_ref().err().map(|error| error.code.0),
        );
        outcome
    }

    async fn route_request(
        &self,
        context: &RequestContext,
        method: &str,
        params: Option<Map<String, Value>>,
    ) -> Result<Value, ErrorData> {
        let stateless = context.peer.is_stateless();
        if !era::offers(stateless, method) {
            return Err(method_not_found(method));
        }
        let capabilities = self.capabilities();
        let offered = |capability: bool| {
            if capability {
                Ok(())
            } else {
                Err(method_not_found(method))
            }
        };
        let mut result = match method {
            "ping" => ServerResult::empty(()),
            "logging/setLevel" => self.set_level(context, params).await?,
            "server/discover" => return Ok(self.discover()),
            "subscriptions/listen" => return self.listen(context, params).await,
            "tasks/get" | "tasks/update" | "tasks/cancel" => {
                offered(self.features.tools.any_tasks())?;
                return self.task_method(context, method, params).await;
            }
            "tools/list" => {
                offered(capabilities.tools.is_some())?;
                self.list_tools(params)?
            }
            "tools/call" => {
                offered(capabilities.tools.is_some())?;
                self.call_tool(context, params).await?
            }
            "resources/list" => {
                offered(capabilities.resources.is_some())?;
                self.list_resources(context, params).await?
            }
            "resources/templates/list" => {
                offered(capabilities.resources.is_some())?;
                self.list_resource_templates(params)?
            }
            "resources/read" => {
                offered(capabilities.resources.is_some())?;
                self.read_resource(context, params).await?
            }
            "resources/subscribe" | "resources/unsubscribe" => {
                offered(capabilities.resources.is_some())?;
                self.change_subscription(context, method == "resources/subscribe", params)
                    .await?
            }
            "prompts/list" => {
                offered(capabilities.prompts.is_some())?;
                self.list_prompts(params)?
            }
            "prompts/get" => {
                offered(capabilities.prompts.is_some())?;
                self.get_prompt(context, params).await?
            }
            "completion/complete" => {
                offered(capabilities.completions.is_some())?;
                self.complete(context, params).await?
            }
            "initialize" => {
                return Err(ErrorData::invalid_request(
                    "initialize must be the only message of a POST without Mcp-Session-Id",
                    None,
                ));
            }
            _ => return Err(method_not_found(method)),
        };
        if !stateless {
            // Handshake-era peers predate `resultType` and non-object structured output.
            result.strip_result_type_for_legacy_peer();
            result.strip_non_object_output_for_legacy_peer();
        }
        let mut result = serde_json::to_value(result).map_err(|error| {
            tracing::error!(%error, "cannot serialize a result");
            ErrorData::internal_error("Internal error", None)
        })?;
        if !stateless {
            compat::shape_result(method, context.peer.protocol_version(), &mut result);
        }
        Ok(result)
    }

    /// Acts on a notification from the client. Unknown notifications are ignored, as JSON-RPC
    /// requires; only a backend failure is reported.
    pub async fn handle_notification(
        &self,
        session: &SessionRecord,
        notification: NotificationMessage,
    ) -> Result<(), NotificationFailed> {
        let failed = |error: &dyn std::fmt::Display| NotificationFailed(error.to_string());
        match notification.method.as_str() {
            "notifications/initialized" => {
                self.services
                    .sessions
                    .update(&session.id, SessionUpdate::MarkInitialized)
                    .await
                    .map_err(|e| failed(&e))?;
            }
            "notifications/cancelled" => {
                let Ok(params) = typed_params::<CancelledNotificationParam>(notification.params)
                else {
                    tracing::debug!("ignoring a malformed cancellation");
                    return Ok(());
                };
                if let Some(request_id) = params.request_id {
                    tracing::debug!(jsonrpc.id = %request_id, reason = ?params.reason, "client cancelled a request");
                    self.services
                        .bus
                        .publish(&session.id, Signal::Cancel { request_id })
                        .await
                        .map_err(|e| failed(&e))?;
                }
            }
            other => tracing::debug!(mcp.method = other, "notification ignored"),
        }
        Ok(())
    }

    /// Routes the client's answer to a request the server sent, to whichever replica waits
    /// for it.
    pub async fn handle_response(
        &self,
        session: &SessionRecord,
        response: ResponseMessage,
    ) -> Result<(), NotificationFailed> {
        let Some(request_id) = response.id else {
            tracing::warn!(session.id = %session.id, error = ?response.outcome, "the client reported an error about an unreadable server request");
            return Ok(());
        };
        let signal = Signal::ClientResponse {
            request_id,
            outcome: response.outcome,
        };
        self.services
            .bus
            .publish(&session.id, signal)
            .await
            .map_err(|error| NotificationFailed(error.to_string()))
    }
}

/// Watches the session's signals on behalf of one request: hands client answers to the
/// request's pending calls, and resolves when the request must stop (its cancellation, or the
/// end of the session).
async fn watch_signals(
    signals: impl Stream<Item = Signal>,
    id: &RequestId,
    pending: &PendingRequests,
) {
    let mut signals = pin!(signals);
    while let Some(signal) = signals.next().await {
        match signal {
            Signal::Cancel { request_id } if &request_id == id => return,
            Signal::Closed => return,
            Signal::ClientResponse {
                request_id,
                outcome,
            } => {
                pending.deliver(&request_id, outcome);
            }
            _ => {}
        }
    }
    // The signal channel closed: the session was removed.
}

/// The final message of a request: its result or its error.
pub(super) fn answer(id: &RequestId, method: &str, result: Result<Value, ErrorData>) -> Outgoing {
    match result {
        Ok(result) => Outgoing::Final(jsonrpc::response(id, result)),
        Err(error) => {
            tracing::debug!(mcp.method = %method, jsonrpc.code = jsonrpc::code_of(&error), "request failed");
            Outgoing::Final(jsonrpc::error_response(Some(id), &error))
        }
    }
}

pub(super) fn method_not_found(method: &str) -> ErrorData {
    ErrorData::new(
        ErrorCode::METHOD_NOT_FOUND,
        format!("Method not found: {method}"),
        None,
    )
}

/// `_meta.progressToken` of a request's params, if present and well-formed.
pub(super) fn progress_token(params: Option<&Map<String, Value>>) -> Option<ProgressToken> {
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
