//! MCP semantics, independent of HTTP: the handshake, method dispatch, cancellation, requests
//! to the client, and the messages a request sends before its response.
//!
//! The transport hands this module parsed JSON-RPC messages plus the session and principal they
//! belong to; it gets back serialized JSON-RPC messages through an [`Outbox`]. This module never
//! builds HTTP responses and never decides between JSON and SSE.

mod client;
mod compat;
mod context;
mod dispatch;
mod era;
mod inputs;
pub mod jsonrpc;
mod lifecycle;
mod listen;
mod logging;
mod methods;
mod notify;
mod outbox;
mod peer;
mod stateless;
mod tasks;
pub(crate) mod trace;
pub mod version;

use std::{sync::Arc, time::Duration};

use rmcp::model::Implementation;
use tokio_util::sync::CancellationToken;

use self::context::Services;
pub use self::{
    client::{ClientRequestError, PendingRequests},
    context::RequestContext,
    lifecycle::{InitializeFailure, Initialized},
    logging::LogLevel,
    notify::{ListKind, Notifier, NotifyError, session_notification},
    outbox::{Outbox, Outgoing},
    peer::{Peer, RequestMeta},
};
use crate::{
    bus::EventBus, features::Features, sealing::KeyRing, session::SessionStore, tasks::TaskStore,
};

/// Engine settings taken from the configuration.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// `instructions` for `initialize`.
    pub instructions: Option<String>,
    /// How long a request to the client (sampling, elicitation, roots) may wait for its answer.
    pub client_request_timeout: Duration,
    /// Keys sealing stateless-era `requestState`.
    pub state_keys: KeyRing,
    /// How long a sealed `requestState` stays valid.
    pub state_ttl: Duration,
    /// Cancelled when the process stops: long-lived requests (`subscriptions/listen`) end.
    pub shutdown: CancellationToken,
    /// Where tasks are kept.
    pub task_store: Arc<dyn TaskStore>,
    /// How long a task stays readable after its creation.
    pub task_ttl: Duration,
    /// How often clients should poll a task.
    pub task_poll_interval: Duration,
}

/// Tasks: their store and lifetimes.
#[derive(Debug)]
struct TaskSettings {
    store: Arc<dyn TaskStore>,
    ttl: Duration,
    poll_interval: Duration,
}

/// Sealing of stateless-era request state.
#[derive(Debug)]
struct StateSealing {
    keys: KeyRing,
    ttl: Duration,
}

/// The MCP server engine: what every replica runs, with its state behind traits.
#[derive(Debug)]
pub struct McpServer {
    features: Features,
    info: Implementation,
    instructions: Option<String>,
    services: Services,
    state: StateSealing,
    tasks: TaskSettings,
    shutdown: CancellationToken,
}

impl McpServer {
    /// Assembles the engine. Background jobs of `features` are not started here (see
    /// `startup`).
    pub fn new(
        features: Features,
        settings: EngineSettings,
        sessions: Arc<dyn SessionStore>,
        bus: Arc<dyn EventBus>,
    ) -> Self {
        let info = Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .with_title("MCP Server");
        let notifier = Notifier::new(sessions.clone(), bus.clone());
        let services = Services {
            sessions,
            bus,
            notifier,
            client_request_timeout: settings.client_request_timeout,
        };
        Self {
            features,
            info,
            instructions: settings.instructions,
            services,
            tasks: TaskSettings {
                store: settings.task_store,
                ttl: settings.task_ttl,
                poll_interval: settings.task_poll_interval,
            },
            state: StateSealing {
                keys: settings.state_keys,
                ttl: settings.state_ttl,
            },
            shutdown: settings.shutdown,
        }
    }

    /// The session store this engine uses.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.services.sessions
    }

    /// The event bus this engine uses.
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.services.bus
    }

    /// The arguments of tool `name` that stateless-era calls mirror in `Mcp-Param-*` headers.
    pub fn header_params(&self, name: &str) -> Vec<crate::tools::HeaderParam> {
        self.features.tools.header_params(name).to_vec()
    }

    /// Announces changes of resources and lists to clients.
    pub fn notifier(&self) -> &Notifier {
        &self.services.notifier
    }
}
