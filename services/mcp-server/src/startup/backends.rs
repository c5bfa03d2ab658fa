//! Where shared state lives: in this process (the default), or in Redis when `REDIS_URL` is
//! set, so that any replica can serve any request.

use std::sync::Arc;

use anyhow::{Context, bail};
use tokio_util::sync::CancellationToken;

use crate::{
    bus::{EventBus, MemoryBus, MemoryBusLimits, RedisBus, RedisBusLimits},
    config::Config,
    session::{MemorySessionStore, RedisSessionStore, SessionStore},
    tasks::{MemoryTaskStore, RedisTaskStore, TaskStore},
};

/// The stores and the bus, behind their traits.
pub(super) struct Backends {
    pub(super) sessions: Arc<dyn SessionStore>,
    pub(super) tasks: Arc<dyn TaskStore>,
    pub(super) bus: Arc<dyn EventBus>,
    /// The in-process stores, which need a janitor (Redis expires records by itself).
    pub(super) memory: Option<MemoryStores>,
}

/// The in-process stores, for the janitor.
pub(super) struct MemoryStores {
    pub(super) sessions: Arc<MemorySessionStore>,
    pub(super) tasks: Arc<MemoryTaskStore>,
    pub(super) bus: MemoryBus,
}

/// Builds the backends `config` asks for. Redis is reached lazily: a server that is down at
/// start makes requests fail with 503 (and readiness false) until it answers. `stopped` ends
/// the pub/sub connection: it must outlive the drain, because requests still running then
/// listen to their sessions' signals through it.
pub(super) async fn build(
    config: &Config,
    stopped: &CancellationToken,
) -> anyhow::Result<Backends> {
    let Some(url) = config.redis_url.as_deref() else {
        let sessions = Arc::new(MemorySessionStore::new(config.session_idle_ttl));
        let tasks = Arc::new(MemoryTaskStore::new());
        let bus = MemoryBus::new(MemoryBusLimits {
            events_per_stream: config.event_log_capacity,
            finished_retention: config.stream_retention,
        });
        return Ok(Backends {
            sessions: sessions.clone(),
            tasks: tasks.clone(),
            bus: Arc::new(bus.clone()),
            memory: Some(MemoryStores {
                sessions,
                tasks,
                bus,
            }),
        });
    };
    if config.state_keys.is_none() {
        bail!(
            "REDIS_URL is set, so replicas share state, but MCP_STATE_KEYS is not: every replica must seal requestState with the same keys (see README, Configuration)"
        );
    }
    let connection = service_kit::redis::connect(url)
        .await
        .context("REDIS_URL cannot be used")?;
    let limits = RedisBusLimits {
        events_per_stream: config.event_log_capacity,
        finished_retention: config.stream_retention,
        idle_retention: config.session_idle_ttl.max(config.stream_retention),
    };
    let bus = RedisBus::connect(url, connection.clone(), limits, stopped.clone())
        .await
        .context("cannot open the Redis pub/sub connection")?;
    tracing::info!(
        "shared state in Redis: sessions, streams, tasks and signals are shared by every replica"
    );
    Ok(Backends {
        sessions: Arc::new(
            RedisSessionStore::new(connection.clone(), config.session_idle_ttl)
                .sharing(&bus, config.session_cache),
        ),
        tasks: Arc::new(RedisTaskStore::new(connection)),
        bus: Arc::new(bus),
        memory: None,
    })
}
