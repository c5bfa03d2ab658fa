//! MCP semantics, independent of HTTP: the handshake, method dispatch, cancellation and the
//! messages a request sends before its response.
//!
//! The transport hands this module parsed JSON-RPC messages plus the session and principal they
//! belong to; it gets back serialized JSON-RPC messages through an [`Outbox`]. This module never
//! builds HTTP responses and never decides between JSON and SSE.

mod context;
mod dispatch;
pub mod jsonrpc;
mod lifecycle;
mod logging;
mod outbox;
pub mod version;

use std::sync::Arc;

use rmcp::model::Implementation;

pub use self::{
    context::RequestContext,
    lifecycle::Initialized,
    logging::LogLevel,
    outbox::{Outbox, Outgoing},
};
use crate::{bus::EventBus, session::SessionStore, tools::ToolRegistry};

/// The MCP server engine: what every replica runs, with its state behind traits.
#[derive(Debug)]
pub struct McpServer {
    tools: ToolRegistry,
    info: Implementation,
    instructions: Option<String>,
    sessions: Arc<dyn SessionStore>,
    bus: Arc<dyn EventBus>,
}

impl McpServer {
    /// Assembles the engine.
    pub fn new(
        tools: ToolRegistry,
        instructions: Option<String>,
        sessions: Arc<dyn SessionStore>,
        bus: Arc<dyn EventBus>,
    ) -> Self {
        let info = Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .with_title("MCP Server");
        Self {
            tools,
            info,
            instructions,
            sessions,
            bus,
        }
    }

    /// The session store this engine uses.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.sessions
    }

    /// The event bus this engine uses.
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }
}
