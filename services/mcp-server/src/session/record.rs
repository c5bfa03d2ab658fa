//! What a session remembers between requests.

use std::collections::BTreeSet;

use rmcp::model::{ClientCapabilities, Implementation, ProtocolVersion};
use serde::{Deserialize, Serialize};

use super::SessionId;
use crate::protocol::LogLevel;

/// One handshake-era session, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The `Mcp-Session-Id`.
    pub id: SessionId,
    /// The version agreed at `initialize`.
    pub protocol_version: ProtocolVersion,
    /// Who created the session ([`crate::auth::Principal::owner_key`]); other principals get 404.
    pub owner: String,
    /// The client's `clientInfo`.
    pub client_info: Implementation,
    /// The client's declared capabilities.
    pub client_capabilities: ClientCapabilities,
    /// Minimum level of log notifications, once the client called `logging/setLevel`.
    pub log_level: Option<LogLevel>,
    /// Whether `notifications/initialized` arrived.
    pub initialized: bool,
    /// Whether a standalone stream was ever opened. The first one replays what the session
    /// logged before it (a tool may log before the client's `GET` arrives); later ones start
    /// live and resume with `Last-Event-ID`.
    #[serde(default)]
    pub standalone_opened: bool,
    /// Resource URIs the client subscribed to (`resources/subscribe`).
    #[serde(default)]
    pub subscriptions: BTreeSet<String>,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: u64,
}

/// A change to a stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionUpdate {
    /// `logging/setLevel`.
    SetLogLevel(LogLevel),
    /// `notifications/initialized`.
    MarkInitialized,
    /// The first standalone stream opened.
    MarkStandaloneOpened,
    /// `resources/subscribe`.
    Subscribe(String),
    /// `resources/unsubscribe`.
    Unsubscribe(String),
}

impl SessionRecord {
    /// Applies an update in place.
    pub fn apply(&mut self, update: &SessionUpdate) {
        match update {
            SessionUpdate::SetLogLevel(level) => self.log_level = Some(*level),
            SessionUpdate::MarkInitialized => self.initialized = true,
            SessionUpdate::MarkStandaloneOpened => self.standalone_opened = true,
            SessionUpdate::Subscribe(uri) => {
                self.subscriptions.insert(uri.clone());
            }
            SessionUpdate::Unsubscribe(uri) => {
                self.subscriptions.remove(uri);
            }
        }
    }
}
