//! CORS for browser-based MCP clients: preflights are answered before authentication, and the
//! MCP headers are allowed and exposed.

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::OriginAllowList;

/// Request headers a browser client may send.
const ALLOWED_HEADERS: [&str; 8] = [
    "content-type",
    "accept",
    "authorization",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
    "mcp-method",
    "mcp-name",
];

/// Response headers a browser client may read.
const EXPOSED_HEADERS: [&str; 3] = ["mcp-session-id", "mcp-protocol-version", "www-authenticate"];

/// The CORS layer for `/mcp`, allowing exactly the origins of `allowed`.
pub(super) fn layer(allowed: OriginAllowList) -> CorsLayer {
    let origins = AllowOrigin::predicate(move |origin: &HeaderValue, _| {
        origin.to_str().is_ok_and(|origin| allowed.allows(origin))
    });
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers(
            ALLOWED_HEADERS
                .map(HeaderName::from_static)
                .into_iter()
                .chain([header::CACHE_CONTROL])
                .collect::<Vec<_>>(),
        )
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(600))
}
