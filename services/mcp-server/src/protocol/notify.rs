//! Announcing changes: a resource's content, or the list of tools, resources or prompts.
//!
//! `notifications/resources/updated` goes to the sessions subscribed to the URI, through their
//! standalone stream logs (so a client that reconnects later still gets it). List changes are
//! server events: every open standalone stream, on every replica, passes them to its client.
//! Both are also published as server events for listeners outside sessions.

use std::sync::Arc;

use serde_json::json;

use super::jsonrpc;
use crate::{
    bus::{BusError, EventBus, ServerEvent, StreamKey},
    session::{SessionStore, StoreError},
};

/// Which list changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `tools/list`.
    Tools,
    /// `resources/list` or `resources/templates/list`.
    Resources,
    /// `prompts/list`.
    Prompts,
}

impl ListKind {
    /// The server event announcing this change.
    pub fn event(self) -> ServerEvent {
        match self {
            Self::Tools => ServerEvent::ToolsListChanged,
            Self::Resources => ServerEvent::ResourcesListChanged,
            Self::Prompts => ServerEvent::PromptsListChanged,
        }
    }
}

/// A change could not be announced.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The session store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The event bus failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// The notification a session's standalone stream carries for a server event, if any.
pub fn session_notification(event: &ServerEvent) -> Option<Arc<str>> {
    let method = match event {
        ServerEvent::ToolsListChanged => "notifications/tools/list_changed",
        ServerEvent::ResourcesListChanged => "notifications/resources/list_changed",
        ServerEvent::PromptsListChanged => "notifications/prompts/list_changed",
        // Delivered to the subscribed sessions directly, not through open streams.
        ServerEvent::ResourceUpdated { .. } => return None,
    };
    Some(jsonrpc::notification(method, json!({})))
}

/// Announces changes; cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifier {
    sessions: Arc<dyn SessionStore>,
    bus: Arc<dyn EventBus>,
}

impl Notifier {
    pub(super) fn new(sessions: Arc<dyn SessionStore>, bus: Arc<dyn EventBus>) -> Self {
        Self { sessions, bus }
    }

    /// `notifications/resources/updated` to every session subscribed to `uri`.
    pub async fn resource_updated(&self, uri: &str) -> Result<(), NotifyError> {
        let message =
            jsonrpc::notification("notifications/resources/updated", json!({ "uri": uri }));
        for session in self.sessions.subscribers(uri).await? {
            self.bus
                .append(&StreamKey::standalone(session), message.clone())
                .await?;
        }
        self.bus
            .publish_server_event(ServerEvent::ResourceUpdated {
                uri: uri.to_owned(),
            })
            .await?;
        Ok(())
    }

    /// `notifications/{tools,resources,prompts}/list_changed` to every connected session.
    pub async fn list_changed(&self, kind: ListKind) -> Result<(), NotifyError> {
        Ok(self.bus.publish_server_event(kind.event()).await?)
    }
}
