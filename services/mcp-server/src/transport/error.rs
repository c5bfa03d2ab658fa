//! Transport-level refusals: each maps to one HTTP status and a JSON-RPC error body.
//!
//! Bodies are always JSON (`{"jsonrpc":"2.0","id":...,"error":{...}}`), never HTML, and a 5xx
//! never carries an internal message: the cause is logged where it happened.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rmcp::model::{ErrorCode, ErrorData, RequestId};

use crate::protocol::jsonrpc;

/// JSON-RPC code for transport errors that have no code of their own (as other SDKs use).
const SERVER_ERROR: ErrorCode = ErrorCode(-32000);
/// JSON-RPC code for an unknown or ended session.
const SESSION_NOT_FOUND: ErrorCode = ErrorCode(-32001);

/// Why a request to `/mcp` was refused before reaching MCP semantics.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// 403: the `Origin` or `Host` header is not allowed.
    Forbidden(&'static str),
    /// 406: the `Accept` header allows nothing the server would send.
    NotAcceptable(&'static str),
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 413: the body is larger than the limit.
    PayloadTooLarge(usize),
    /// 400: no `Mcp-Session-Id` on a request that needs one.
    MissingSession,
    /// 404: the session does not exist, ended, or belongs to someone else.
    SessionNotFound,
    /// 400: `MCP-Protocol-Version` names a version this server does not speak.
    UnsupportedProtocolVersion(String),
    /// 400: `Last-Event-ID` is not an id this server could have sent.
    BadLastEventId,
    /// The message was rejected with this JSON-RPC error and HTTP status (usually 400).
    Rejected {
        /// The HTTP status.
        status: StatusCode,
        /// The request id, when it could be read.
        id: Option<RequestId>,
        /// The error.
        error: Box<ErrorData>,
    },
    /// 503: a backend is unavailable or the server is shutting down.
    Unavailable,
    /// 429: the client is over one of its limits; it may retry after this many seconds.
    TooManyRequests {
        /// What the client is over.
        reason: &'static str,
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
}

impl TransportError {
    fn status_and_error(&self) -> (StatusCode, ErrorData) {
        let error = |code, message: String| ErrorData::new(code, message, None);
        match self {
            Self::Forbidden(what) => (
                StatusCode::FORBIDDEN,
                error(SERVER_ERROR, format!("Forbidden: {what}")),
            ),
            Self::NotAcceptable(what) => (
                StatusCode::NOT_ACCEPTABLE,
                error(SERVER_ERROR, format!("Not Acceptable: {what}")),
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                error(
                    SERVER_ERROR,
                    "Unsupported Media Type: Content-Type must be application/json".into(),
                ),
            ),
            Self::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                error(
                    SERVER_ERROR,
                    format!("Payload Too Large: the limit is {limit} bytes"),
                ),
            ),
            Self::MissingSession => (
                StatusCode::BAD_REQUEST,
                error(
                    SERVER_ERROR,
                    "Bad Request: Mcp-Session-Id header is required".into(),
                ),
            ),
            Self::SessionNotFound => (
                StatusCode::NOT_FOUND,
                error(SESSION_NOT_FOUND, "Session not found".into()),
            ),
            Self::UnsupportedProtocolVersion(raw) => (
                StatusCode::BAD_REQUEST,
                error(
                    SERVER_ERROR,
                    format!(
                        "Bad Request: unsupported MCP-Protocol-Version {raw:?} (supported: {})",
                        crate::protocol::version::HANDSHAKE_VERSIONS
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            ),
            Self::BadLastEventId => (
                StatusCode::BAD_REQUEST,
                error(
                    SERVER_ERROR,
                    "Bad Request: Last-Event-ID was not issued by this server".into(),
                ),
            ),
            Self::Rejected { status, error, .. } => (*status, (**error).clone()),
            Self::TooManyRequests { reason, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                error(SERVER_ERROR, format!("Too Many Requests: {reason}")),
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                error(
                    SERVER_ERROR,
                    "Service Unavailable: try again shortly".into(),
                ),
            ),
        }
    }
}

impl IntoResponse for TransportError {
    fn into_response(self) -> Response {
        let (status, error) = self.status_and_error();
        let id = match &self {
            Self::Rejected { id, .. } => id.as_ref(),
            _ => None,
        };
        let mut response = json_body(status, jsonrpc::error_response(id, &error).to_string());
        let retry_after = match &self {
            Self::Unavailable => Some(1),
            Self::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON response with the given status and body.
pub(super) fn json_body(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
