//! Router tests without a socket: state set up directly, requests through `oneshot`.

use std::{sync::Arc, time::Duration};

use axum::{
    body::{Body, to_bytes},
    http::{Request, StatusCode},
};
use rmcp::model::{ClientCapabilities, Implementation, ProtocolVersion};
use service_kit::config::Configuration;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::{AppState, TransportSettings, router};
use crate::{
    auth::{Authenticator, Principal},
    bus::{MemoryBus, MemoryBusLimits},
    config::Config,
    features::Features,
    health,
    protocol::{EngineSettings, McpServer},
    session::{MemorySessionStore, SessionId, SessionRecord},
};

fn state(shutdown: CancellationToken) -> AppState {
    let config = Config::from_pairs([("DISABLE_AUTH", "true")]).unwrap();
    let bus = MemoryBus::new(MemoryBusLimits {
        events_per_stream: 16,
        finished_retention: Duration::from_secs(60),
    });
    let settings = EngineSettings {
        instructions: None,
        client_request_timeout: Duration::from_secs(5),
        state_keys: crate::sealing::KeyRing::ephemeral(),
        state_ttl: Duration::from_secs(60),
        shutdown: CancellationToken::new(),
        task_store: Arc::new(crate::tasks::MemoryTaskStore::new()),
        task_ttl: Duration::from_secs(60),
        task_poll_interval: Duration::from_secs(1),
    };
    let server = McpServer::new(
        Features::with_defaults(&[]).unwrap(),
        settings,
        Arc::new(MemorySessionStore::new(Duration::from_secs(60))),
        Arc::new(bus),
    );
    AppState {
        server: Arc::new(server),
        settings: Arc::new(TransportSettings::from_config(&config)),
        shutdown: Arc::new(shutdown),
    }
}

#[tokio::test]
async fn another_principals_session_is_not_found() {
    let state = state(CancellationToken::new());
    let someone_else = Principal {
        subject: Some("mallory".into()),
        client_id: Some("x".into()),
        scopes: Default::default(),
    };
    let session = SessionRecord {
        id: SessionId::generate(),
        protocol_version: ProtocolVersion::V_2025_06_18,
        owner: someone_else.owner_key(),
        client_info: Implementation::new("t", "1"),
        client_capabilities: ClientCapabilities::default(),
        log_level: None,
        initialized: true,
        standalone_opened: false,
        subscriptions: Default::default(),
        created_at: 0,
    };
    state
        .server
        .sessions()
        .create(session.clone())
        .await
        .unwrap();
    let app = router(state, Arc::new(Authenticator::disabled()));
    let request = Request::post("/mcp")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session.id.as_str())
        .body(Body::from(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn readiness_fails_while_draining() {
    let shutdown = CancellationToken::new();
    let state = state(shutdown.clone());
    let probe = || Request::get("/readyz").body(Body::empty()).unwrap();
    let app = health::router(state.server.clone(), shutdown.clone());
    assert_eq!(
        app.clone().oneshot(probe()).await.unwrap().status(),
        StatusCode::OK
    );
    shutdown.cancel();
    let response = app.clone().oneshot(probe()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = to_bytes(response.into_body(), 1024).await.unwrap();
    assert_eq!(&body[..], br#"{"status":"draining"}"#);
    let live = app
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        live.status(),
        StatusCode::OK,
        "liveness does not depend on draining"
    );
}
