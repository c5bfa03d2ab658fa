//! Building the application from its configuration, and running it.
//!
//! [`App::build`] does everything that can fail at start (auth mode, backends, tools, binding
//! the port), so `main` and the tests start the very same server.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::{CancellationToken, DropGuard};

mod backends;

use self::backends::MemoryStores;
use crate::{
    auth::{self, Authenticator},
    config::Config,
    features::Features,
    health, instruments,
    protocol::{EngineSettings, McpServer},
    sealing::KeyRing,
    transport::{self, AppState, TransportSettings},
};

/// A built server, bound to its port, not yet serving.
#[derive(Debug)]
pub struct App {
    server: Arc<McpServer>,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    router: Router,
    shutdown: CancellationToken,
    grace: Duration,
    /// Stops the backends' background connections once the server has drained (or when the
    /// app is dropped without running): requests still running during the drain need them.
    _backends: DropGuard,
}

impl App {
    /// Builds the server from `config`. `shutdown` stops it (and its background tasks).
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let authenticator = Arc::new(Authenticator::from_config(&config)?);
        // The recorder exists in every process (so instruments always work); `/metrics` is
        // served only when METRICS_PORT is set.
        service_kit::metrics::recorder();
        instruments::register();
        let metrics_listener = match config.metrics_port {
            Some(port) => Some(service_kit::metrics::bind(config.listen.ip(), port).await?),
            None => None,
        };
        let mut features = Features::with_defaults(&config.feature_packs)?;
        let background = std::mem::take(&mut features.background);
        let backends_stopped = CancellationToken::new();
        let backends = backends::build(&config, &backends_stopped).await?;
        let state_keys = match &config.state_keys {
            Some(keys) => keys.clone(),
            None => {
                tracing::warn!(
                    "MCP_STATE_KEYS is unset: requestState is sealed with a random key of this process, so only this replica can open it"
                );
                KeyRing::ephemeral()
            }
        };
        let settings = EngineSettings {
            instructions: config.instructions.clone(),
            client_request_timeout: config.client_request_timeout,
            state_keys,
            state_ttl: config.request_state_ttl,
            shutdown: shutdown.clone(),
            task_store: backends.tasks,
            task_ttl: config.task_ttl,
            task_poll_interval: config.task_poll_interval,
        };
        let server = Arc::new(McpServer::new(
            features,
            settings,
            backends.sessions,
            backends.bus,
        ));
        if let Some(stores) = backends.memory {
            spawn_janitor(Arc::clone(&server), stores, shutdown.clone());
        }
        for job in background {
            let job = job(server.notifier().clone());
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = job => {}
                    () = shutdown.cancelled() => {}
                }
            });
        }

        let state = AppState {
            server: Arc::clone(&server),
            settings: Arc::new(TransportSettings::from_config(&config)),
            shutdown: Arc::new(shutdown.clone()),
        };
        let discovery = auth::metadata::router(
            &config.public_url,
            config.auth.authorization_server(),
            &config.required_scopes,
        );
        let router = transport::router(state, authenticator)
            .merge(discovery)
            .merge(health::router(Arc::clone(&server), shutdown.clone()))
            .layer(axum::middleware::from_fn(
                service_kit::http_telemetry::observe,
            ));
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self {
            server,
            listener,
            metrics_listener,
            router,
            shutdown,
            grace: config.shutdown_grace,
            _backends: backends_stopped.drop_guard(),
        })
    }

    /// The engine, for announcing changes from outside a request.
    pub fn server(&self) -> Arc<McpServer> {
        Arc::clone(&self.server)
    }

    /// The HTTP routes with their middleware (`/mcp`, discovery, health), as [`App::run`]
    /// serves them: for driving the server in-process without a connection (the fuzz targets
    /// in `fuzz/` send requests to it with `tower::ServiceExt::oneshot`).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address `/metrics` is served on, when `METRICS_PORT` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until the shutdown token is cancelled, then drains for at most the grace period;
    /// the backends' connections stop after that.
    pub async fn run(self) -> std::io::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "MCP server listening");
        if let Some(listener) = self.metrics_listener {
            service_kit::metrics::spawn(listener, self.shutdown.clone());
        }
        service_kit::serve::serve(self.listener, self.router, self.shutdown, self.grace).await
    }
}

/// Ends idle sessions, forgets finished streams and expired tasks, in the background, until
/// shutdown.
fn spawn_janitor(server: Arc<McpServer>, stores: MemoryStores, shutdown: CancellationToken) {
    let MemoryStores {
        sessions,
        tasks,
        bus,
    } = stores;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(10));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            for session in sessions.purge_expired() {
                let id = session.id;
                tracing::info!(session.id = %id, "session expired");
                instruments::session_ended(session.protocol_version.as_str(), session.created_at);
                // The record is gone already; tell its streams and drop its logs.
                if let Err(error) = server.end_session(&id).await {
                    tracing::warn!(%error, session.id = %id, "cannot finish ending an expired session");
                }
            }
            metrics::gauge!(instruments::SESSIONS_ACTIVE).set(sessions.len() as f64);
            let dropped = bus.purge_finished();
            if dropped > 0 {
                tracing::debug!(streams = dropped, "finished streams forgotten");
            }
            let expired = tasks.purge_expired();
            if expired > 0 {
                tracing::debug!(tasks = expired, "expired tasks forgotten");
            }
        }
    });
}
