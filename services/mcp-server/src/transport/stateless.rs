//! `POST /mcp` in the stateless era (2026-07-28): every request stands alone, declares itself
//! in `_meta`, and repeats its method and target in headers.
//!
//! Checks, in the order the revision implies: `_meta` present and well-formed (400, -32602),
//! `MCP-Protocol-Version` equal to `_meta`'s (400, -32020), a version this server serves
//! (400, -32022), `Mcp-Method`/`Mcp-Name` (400, -32020), a method of this era (404, -32601),
//! a tool's `Mcp-Param-*` headers (400, -32020), `Accept` (406). Each refusal echoes the id.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    ClientCapabilities, ErrorCode, ErrorData, Implementation, ProtocolVersion, RequestId,
};
use serde_json::{Map, Value, json};

use super::{
    AppState, TransportError,
    headers::{self, Accepts},
    reply::{self, Pending, Target},
    routing_headers::{self, Mismatch},
};
use crate::{
    auth::Principal,
    protocol::{
        LogLevel, RequestMeta,
        jsonrpc::{Body, Message, RequestMessage},
        version,
    },
};

/// The `_meta` keys of the stateless era.
const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

/// Methods of the stateless era.
const METHODS: [&str; 13] = [
    "server/discover",
    "subscriptions/listen",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
];

/// Whether a POST belongs to the stateless era: its message declares itself in `_meta`, or
/// (outside a session) its `MCP-Protocol-Version` names no handshake-era version. A request
/// carrying `Mcp-Session-Id` without such `_meta` belongs to its session.
pub(super) fn is_stateless(headers: &HeaderMap, body: &Body) -> bool {
    let params = match body {
        Body::Single(Ok(Message::Request(request))) => request.params.as_ref(),
        Body::Single(Ok(Message::Notification(notification))) => notification.params.as_ref(),
        _ => None,
    };
    let declares = params
        .and_then(|params| params.get("_meta"))
        .and_then(Value::as_object)
        .is_some_and(|meta| {
            meta.contains_key(PROTOCOL_VERSION) || meta.contains_key(CLIENT_CAPABILITIES)
        });
    if declares {
        return true;
    }
    if headers.contains_key(headers::SESSION_ID) {
        return false;
    }
    headers
        .get(headers::PROTOCOL_VERSION)
        .is_some_and(|value| !version::is_handshake(value.to_str().unwrap_or("")))
}

/// Handles a stateless-era POST.
pub(super) async fn post(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    body: Body,
    accepts: Accepts,
) -> Result<Response, TransportError> {
    let message = match body {
        Body::Single(message) => message,
        Body::Batch(_) => {
            let error = ErrorData::invalid_request(
                "Invalid Request: batches are not part of protocol version 2026-07-28",
                None,
            );
            return Err(rejected(StatusCode::BAD_REQUEST, None, error));
        }
    };
    let request = match message {
        Err(invalid) => {
            return Err(rejected(
                StatusCode::BAD_REQUEST,
                invalid.id,
                *invalid.error,
            ));
        }
        Ok(Message::Notification(notification)) => {
            routing_headers::check_routing(
                &headers,
                &notification.method,
                notification.params.as_ref(),
            )
            .map_err(|mismatch| header_mismatch(None, mismatch))?;
            // The stateless era has no notifications for the server to act on: a cancellation
            // is the client closing the request's stream.
            return Ok(StatusCode::ACCEPTED.into_response());
        }
        Ok(Message::Response(_)) => return Ok(StatusCode::ACCEPTED.into_response()),
        Ok(Message::Request(request)) => request,
    };
    let meta = check(&state, &headers, &request)?;
    if !accepts.json && !accepts.sse {
        return Err(TransportError::NotAcceptable(
            "Accept must include application/json or text/event-stream",
        ));
    }
    let target = Target::Stateless(meta);
    let pending = Pending::ready(Vec::new(), false, accepts).start(
        &state,
        &target,
        &principal,
        vec![request],
    );
    reply::respond(&state, &target, accepts, pending, false).await
}

/// Runs every check a request must pass before it runs, and returns its declarations.
fn check(
    state: &AppState,
    headers: &HeaderMap,
    request: &RequestMessage,
) -> Result<RequestMeta, TransportError> {
    let id = Some(request.id.clone());
    let params = request.params.as_ref();
    let meta =
        parse_meta(params).map_err(|error| rejected(StatusCode::BAD_REQUEST, id.clone(), error))?;
    let header_version = headers
        .get(headers::PROTOCOL_VERSION)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    if header_version != Some(meta.protocol_version.as_str()) {
        let mismatch = Mismatch("MCP-Protocol-Version header does not match _meta".to_owned());
        return Err(header_mismatch(id, mismatch));
    }
    if meta.protocol_version != version::STATELESS_VERSION {
        let error = ErrorData::unsupported_protocol_version(
            meta.protocol_version.clone(),
            std::slice::from_ref(&version::STATELESS_VERSION),
        );
        return Err(rejected(StatusCode::BAD_REQUEST, id, error));
    }
    routing_headers::check_routing(headers, &request.method, params)
        .map_err(|mismatch| header_mismatch(id.clone(), mismatch))?;
    if !METHODS.contains(&request.method.as_str()) {
        let error = ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {}", request.method),
            None,
        );
        return Err(rejected(StatusCode::NOT_FOUND, id, error));
    }
    if request.method == "tools/call" {
        let name = params
            .and_then(|params| params.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let arguments = params
            .and_then(|params| params.get("arguments"))
            .and_then(Value::as_object);
        routing_headers::check_params(headers, &state.server.header_params(name), arguments)
            .map_err(|mismatch| header_mismatch(id, mismatch))?;
    }
    Ok(meta)
}

/// Reads the request's `_meta`: protocol version and client capabilities are required, client
/// info and log level optional; anything malformed is -32602.
fn parse_meta(params: Option<&Map<String, Value>>) -> Result<RequestMeta, ErrorData> {
    let invalid = |what: &str| ErrorData::invalid_params(format!("Invalid params: {what}"), None);
    let meta = params
        .and_then(|params| params.get("_meta"))
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("_meta is required"))?;
    let protocol_version = meta
        .get(PROTOCOL_VERSION)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("_meta.io.modelcontextprotocol/protocolVersion is required"))?;
    let client_capabilities: ClientCapabilities = meta
        .get(CLIENT_CAPABILITIES)
        .ok_or_else(|| invalid("_meta.io.modelcontextprotocol/clientCapabilities is required"))
        .and_then(|value| {
            serde_json::from_value(value.clone())
                .map_err(|error| invalid(&format!("clientCapabilities: {error}")))
        })?;
    let client_info: Option<Implementation> = meta
        .get(CLIENT_INFO)
        .map(|value| {
            serde_json::from_value(value.clone())
                .map_err(|error| invalid(&format!("clientInfo: {error}")))
        })
        .transpose()?;
    let log_level: Option<LogLevel> = meta
        .get(LOG_LEVEL)
        .map(|value| {
            serde_json::from_value(value.clone())
                .map_err(|error| invalid(&format!("logLevel: {error}")))
        })
        .transpose()?;
    let protocol_version: ProtocolVersion = serde_json::from_value(json!(protocol_version))
        .map_err(|error| invalid(&format!("protocolVersion: {error}")))?;
    Ok(RequestMeta {
        protocol_version,
        client_capabilities,
        client_info,
        log_level,
    })
}

fn rejected(status: StatusCode, id: Option<RequestId>, error: ErrorData) -> TransportError {
    TransportError::Rejected {
        status,
        id,
        error: Box::new(error),
    }
}

fn header_mismatch(id: Option<RequestId>, mismatch: Mismatch) -> TransportError {
    rejected(
        StatusCode::BAD_REQUEST,
        id,
        ErrorData::header_mismatch(mismatch.0, None),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(value: Value) -> Result<RequestMeta, ErrorData> {
        let params = json!({ "_meta": value });
        parse_meta(params.as_object())
    }

    #[test]
    fn meta_needs_a_version_and_capabilities() {
        let ok = meta(json!({PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}})).unwrap();
        assert_eq!(ok.protocol_version, ProtocolVersion::V_2026_07_28);
        assert!(ok.client_info.is_none() && ok.log_level.is_none());
        for broken in [
            json!({CLIENT_CAPABILITIES: {}}),
            json!({PROTOCOL_VERSION: "2026-07-28"}),
            json!({PROTOCOL_VERSION: 7, CLIENT_CAPABILITIES: {}}),
            json!({PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: []}),
            json!({PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}, LOG_LEVEL: "loud"}),
        ] {
            assert_eq!(
                meta(broken.clone()).unwrap_err().code,
                ErrorCode::INVALID_PARAMS,
                "{broken}"
            );
        }
        assert!(parse_meta(None).is_err());
        let full = meta(
            json!({PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {"sampling": {}},
            CLIENT_INFO: {"name": "c", "version": "1"}, LOG_LEVEL: "debug"}),
        )
        .unwrap();
        assert!(full.client_capabilities.sampling.is_some());
        assert_eq!(full.log_level, Some(LogLevel::Debug));
    }
}
