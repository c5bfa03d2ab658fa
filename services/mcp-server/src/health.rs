//! `/healthz` (the process is alive) and `/readyz` (it can serve: backends reachable, not
//! draining). Outside authentication and the Origin/Host checks, for orchestrator probes.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::protocol::McpServer;

#[derive(Debug, Clone)]
struct Health {
    server: Arc<McpServer>,
    shutdown: CancellationToken,
}

/// The health routes.
pub fn router(server: Arc<McpServer>, shutdown: CancellationToken) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/readyz", get(ready))
        .with_state(Health { server, shutdown })
}

async fn ready(State(health): State<Health>) -> Response {
    if health.shutdown.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        )
            .into_response();
    }
    let mut failing = Vec::new();
    if let Err(error) = health.server.sessions().check().await {
        tracing::warn!(%error, "readiness: session store failing");
        failing.push("sessions");
    }
    if let Err(error) = health.server.bus().check().await {
        tracing::warn!(%error, "readiness: event bus failing");
        failing.push("event_bus");
    }
    if failing.is_empty() {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "failing": failing })),
        )
            .into_response()
    }
}
