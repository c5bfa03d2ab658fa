//! Building the server from its configuration: the store (memory or Redis), the keys, the
//! client directory, the router, and a janitor for the memory store.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    AppState, Config, Settings,
    clients::{Directory, FailedAuthentications, MetadataDocuments},
    keys::KeySet,
    routes,
    store::{MemoryRecords, Records, RedisRecords, Store},
    tokens::Tokens,
};

/// A built server, ready to run.
#[derive(Debug)]
pub struct App {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    router: Router,
    shutdown: CancellationToken,
    grace: Duration,
}

impl App {
    /// Builds the server from `config`; `shutdown` stops it.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        // The recorder exists in every process; `/metrics` is served only on AUTH_METRICS_PORT.
        service_kit::metrics::recorder();
        crate::instruments::register();
        let metrics_listener = match config.metrics_port {
            Some(port) => Some(service_kit::metrics::bind(config.listen.ip(), port).await?),
            None => None,
        };
        let records: Arc<dyn Records> = match &config.redis_url {
            Some(url) => {
                let connection = service_kit::redis::connect(url)
                    .await
                    .context("REDIS_URL: cannot connect")?;
                Arc::new(RedisRecords::new(connection))
            }
            None => {
                let memory = Arc::new(MemoryRecords::new());
                spawn_janitor(Arc::clone(&memory), shutdown.clone());
                memory
            }
        };
        let store = Store::new(records);
        let keys = match KeySet::from_files(&config.signing_keys)? {
            Some(keys) => keys,
            None => KeySet::load_or_generate(&store)
                .await
                .context("cannot load or create the signing key")?,
        };
        let documents = MetadataDocuments::new(config.metadata_documents.clone())
            .context("cannot build the HTTP client for client metadata documents")?;
        let keys = Arc::new(keys);
        let tokens = Tokens::new(
            store.clone(),
            config.issuer.clone(),
            config.token_format,
            Arc::clone(&keys),
            config.access_token_ttl,
            config.refresh_token_ttl,
            config.refresh_reuse_grace,
        );
        let app = AppState {
            settings: Arc::new(Settings {
                issuer: config.issuer.clone(),
                scopes: config.scopes.clone(),
                default_scope: config.default_scope.clone(),
                resources: config.resources.clone(),
                subject: config.subject.clone(),
                authorize_mode: config.authorize_mode,
                code_ttl: config.code_ttl,
            }),
            clients: Directory::new(store.clone(), &config.preset_clients, documents),
            tokens,
            store,
            keys,
            failed_authentications: FailedAuthentications::new(
                config.client_auth_max_failures,
                config.client_auth_lockout,
            ),
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self {
            listener,
            metrics_listener,
            router: routes::router(app),
            shutdown,
            grace: config.shutdown_grace,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address `/metrics` is served on, when `AUTH_METRICS_PORT` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until the shutdown token is cancelled, then drains for at most the grace period.
    pub async fn run(self) -> std::io::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "authorization server listening");
        if let Some(listener) = self.metrics_listener {
            service_kit::metrics::spawn(listener, self.shutdown.clone());
        }
        service_kit::serve::serve(self.listener, self.router, self.shutdown, self.grace).await
    }
}

/// Drops expired records from the memory store every minute until shutdown.
fn spawn_janitor(records: Arc<MemoryRecords>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    let dropped = records.purge_expired();
                    if dropped > 0 {
                        tracing::debug!(records = dropped, "expired records dropped");
                    }
                }
            }
        }
    });
}
