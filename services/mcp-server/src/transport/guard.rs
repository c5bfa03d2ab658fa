//! DNS-rebinding protection: `Origin` and `Host` must be on the allow-lists (403 otherwise).
//!
//! Requests without `Origin` (every non-browser client) pass the origin check; `Host` is
//! always checked unless the list is `*`.

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{AppState, TransportError};

/// Middleware for `/mcp`.
pub(super) async fn check_origin_and_host(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    // HTTP/2 carries the host in the URI authority instead of a Host header.
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        })
        .unwrap_or("");
    if !state.settings.allowed_hosts.allows(host) {
        tracing::warn!(http.host = host, "request refused: Host not allowed");
        return TransportError::Forbidden("Host header is not allowed").into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !state.settings.allowed_origins.allows(origin) {
            tracing::warn!(http.origin = origin, "request refused: Origin not allowed");
            return TransportError::Forbidden("Origin is not allowed").into_response();
        }
    }
    next.run(request).await
}
