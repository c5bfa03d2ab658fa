//! `POST /mcp`: messages from the client.
//!
//! Order of checks: media type (415), body size (413), JSON (400/-32700); a stateless-era
//! message goes to [`stateless`]; then the protocol version header (400), either the handshake (`initialize`, no session needed) or the session
//! (400/404), batches only where the session's version has them, and `Accept` (406) when a
//! response body will be sent.

use axum::{
    Extension,
    body::{Body, to_bytes},
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use rmcp::model::ErrorData;

use super::{
    AppState, TransportError,
    error::json_body,
    headers::{self, Accepts},
    reply::{self, Pending, Target},
    session, stateless,
};
use crate::{
    auth::Principal,
    protocol::{
        InitializeFailure,
        jsonrpc::{self, Body as Payload, Message, RequestMessage},
        version,
    },
};

/// Handles `POST /mcp`.
pub(super) async fn post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, TransportError> {
    headers::require_json(&headers)?;
    let limit = state.settings.max_body_bytes;
    let too_large = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64);
    if too_large {
        return Err(TransportError::PayloadTooLarge(limit));
    }
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| TransportError::PayloadTooLarge(limit))?;
    let payload = jsonrpc::parse_body(&bytes).map_err(|error| TransportError::Rejected {
        status: StatusCode::BAD_REQUEST,
        id: None,
        error: Box::new(error),
    })?;
    let accepts = Accepts::from_headers(&headers);
    if stateless::is_stateless(&headers, &payload) {
        // Boxed, like `initialize` below: both are large futures that would otherwise make
        // every POST's future (moved and boxed on its way through axum) as large.
        return Box::pin(stateless::post(state, principal, headers, payload, accepts)).await;
    }
    headers::protocol_version(&headers)?;

    if let Payload::Single(Ok(Message::Request(request))) = &payload
        && request.method == "initialize"
    {
        return Box::pin(initialize(&state, &principal, accepts, request)).await;
    }
    if let Payload::Single(Err(invalid)) = payload {
        return Err(TransportError::Rejected {
            status: StatusCode::BAD_REQUEST,
            id: invalid.id,
            error: invalid.error,
        });
    }

    let session = session::resolve(&state, &headers, &principal).await?;
    let (messages, batch) = match payload {
        Payload::Single(message) => (vec![message], false),
        Payload::Batch(_) if !version::allows_batches(&session.protocol_version) => {
            let message = format!(
                "Invalid Request: batches are not supported in protocol version {}",
                session.protocol_version
            );
            return Err(TransportError::Rejected {
                status: StatusCode::BAD_REQUEST,
                id: None,
                error: Box::new(ErrorData::invalid_request(message, None)),
            });
        }
        Payload::Batch(items) => (items, true),
    };

    let mut requests: Vec<RequestMessage> = Vec::new();
    let mut answered = Vec::new();
    for message in messages {
        match message {
            Ok(Message::Request(request)) if request.method == "initialize" => {
                let error = ErrorData::invalid_request(
                    "Invalid Request: initialize must be sent alone, without Mcp-Session-Id",
                    None,
                );
                answered.push(jsonrpc::error_response(Some(&request.id), &error));
            }
            Ok(Message::Request(request)) => requests.push(request),
            Ok(Message::Notification(notification)) => {
                state
                    .server
                    .handle_notification(&session, notification)
                    .await
                    .map_err(|error| {
                        tracing::error!(%error, "cannot process a notification");
                        TransportError::Unavailable
                    })?;
            }
            Ok(Message::Response(response)) => {
                state
                    .server
                    .handle_response(&session, response)
                    .await
                    .map_err(|error| {
                        tracing::error!(%error, "cannot pass on a client response");
                        TransportError::Unavailable
                    })?;
            }
            Err(invalid) => {
                answered.push(jsonrpc::error_response(invalid.id.as_ref(), &invalid.error))
            }
        }
    }

    if requests.is_empty() && answered.is_empty() {
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    if requests.is_empty() {
        // Nothing to run: only refusals (a batch of invalid entries). JSON-RPC answers in kind.
        return Ok(json_body(
            StatusCode::BAD_REQUEST,
            format!("[{}]", answered.join(",")),
        ));
    }
    if !accepts.json && !accepts.sse {
        return Err(TransportError::NotAcceptable(
            "Accept must include application/json or text/event-stream",
        ));
    }
    let target = Target::Session(session);
    let pending =
        Pending::ready(answered, batch, accepts).start(&state, &target, &principal, requests);
    reply::respond(&state, &target, accepts, pending, false).await
}

/// The handshake: a new session, answered as JSON (or SSE for a client that only takes SSE).
async fn initialize(
    state: &AppState,
    principal: &Principal,
    accepts: Accepts,
    request: &RequestMessage,
) -> Result<Response, TransportError> {
    if !accepts.json && !accepts.sse {
        return Err(TransportError::NotAcceptable(
            "Accept must include application/json or text/event-stream",
        ));
    }
    match state.server.initialize(request, principal).await {
        Ok(initialized) => {
            let pending = Pending::ready(vec![initialized.response], false, accepts);
            reply::respond(
                state,
                &Target::Session(initialized.session),
                accepts,
                pending,
                true,
            )
            .await
        }
        Err(InitializeFailure::Rejected(error)) => Ok(json_body(
            StatusCode::OK,
            jsonrpc::error_response(Some(&request.id), &error).to_string(),
        )),
        Err(InitializeFailure::Unavailable) => Err(TransportError::Unavailable),
    }
}
