//! Streamable HTTP: `POST`, `GET` and `DELETE` on `/mcp`, SSE framing, and the header, origin
//! and session checks around them.
//!
//! This module adapts HTTP to [`crate::protocol`]: it never decides MCP semantics, and the
//! protocol never builds HTTP responses.

mod cors;
mod delete;
mod error;
mod get;
mod guard;
pub mod headers;
mod limits;
mod post;
mod reply;
mod routing_headers;
mod session;
mod sse;
mod stateless;
mod watch;

use std::{sync::Arc, time::Duration};

use axum::{Router, middleware, routing};
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

pub use self::{
    error::TransportError,
    limits::{ClientLimits, LimitSettings},
};
use crate::{
    auth::Authenticator,
    config::{Config, HostAllowList, OriginAllowList},
    protocol::McpServer,
};

/// The transport settings taken from [`Config`].
#[derive(Debug, Clone)]
pub struct TransportSettings {
    /// Largest POST body.
    pub max_body_bytes: usize,
    /// Keep-alive interval of SSE streams, and how long a POST waits before switching to SSE.
    pub sse_keepalive: Duration,
    /// `retry` hint for reconnecting clients.
    pub sse_retry: Duration,
    /// Accepted `Origin` values.
    pub allowed_origins: OriginAllowList,
    /// Accepted `Host` values.
    pub allowed_hosts: HostAllowList,
    /// Per-client rate and concurrency limits.
    pub limits: LimitSettings,
}

impl TransportSettings {
    /// Picks the transport's settings out of the configuration.
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_body_bytes: config.max_body_bytes,
            sse_keepalive: config.sse_keepalive,
            sse_retry: config.sse_retry,
            allowed_origins: config.allowed_origins.clone(),
            allowed_hosts: config.allowed_hosts.clone(),
            limits: config.limits,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The MCP engine.
    pub server: Arc<McpServer>,
    /// Transport settings.
    pub settings: Arc<TransportSettings>,
    /// Cancelled when the process is stopping. Shared behind an `Arc`: the state is cloned for
    /// every request, and cloning a token itself takes a lock on the token's tree.
    pub shutdown: Arc<CancellationToken>,
}

/// The `/mcp` routes with their middleware, outermost first: CORS (answers preflights before
/// anything else), panic catcher, Origin/Host check, authentication, per-client limits (when
/// configured).
pub fn router(state: AppState, authenticator: Arc<Authenticator>) -> Router {
    let authenticate = middleware::from_fn_with_state(authenticator, crate::auth::authenticate);
    let limit = state.settings.limits.any().then(|| {
        let limits = Arc::new(ClientLimits::new(state.settings.limits));
        middleware::from_fn_with_state(limits, limits::enforce)
    });
    let mcp = routing::post(post::post)
        .get(get::get)
        .delete(delete::delete);
    // Anything under /mcp is authenticated too, and then not found.
    let below = routing::any(|| async {
        error::json_body(
            axum::http::StatusCode::NOT_FOUND,
            r#"{"error":"not_found"}"#.to_owned(),
        )
    });
    Router::new()
        .route("/mcp", mcp)
        .route("/mcp/{*rest}", below)
        .route_layer(
            ServiceBuilder::new()
                .layer(cors::layer(state.settings.allowed_origins.clone()))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    guard::check_origin_and_host,
                ))
                .layer(authenticate)
                .option_layer(limit),
        )
        .with_state(state)
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    error::json_body(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}}"#
            .to_owned(),
    )
}

#[cfg(test)]
mod tests;
