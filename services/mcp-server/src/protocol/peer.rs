//! Who a request comes from, per protocol era: a handshake-era session, or (stateless era) the
//! declarations the request carries in its own `_meta`.

use rmcp::model::{ClientCapabilities, Implementation, ProtocolVersion};

use super::LogLevel;
use crate::session::SessionRecord;

/// The stateless era's per-request declarations (`_meta` of every request).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMeta {
    /// `io.modelcontextprotocol/protocolVersion`.
    pub protocol_version: ProtocolVersion,
    /// `io.modelcontextprotocol/clientCapabilities`, for this request only.
    pub client_capabilities: ClientCapabilities,
    /// `io.modelcontextprotocol/clientInfo`, if sent.
    pub client_info: Option<Implementation>,
    /// `io.modelcontextprotocol/logLevel`: log messages only when set.
    pub log_level: Option<LogLevel>,
}

/// The other end of a request.
#[derive(Debug, Clone)]
pub enum Peer {
    /// A handshake-era session, as loaded when the request arrived.
    Session(SessionRecord),
    /// A stateless-era request.
    Stateless(RequestMeta),
}

impl Peer {
    /// The protocol version the request speaks.
    pub fn protocol_version(&self) -> &ProtocolVersion {
        match self {
            Self::Session(session) => &session.protocol_version,
            Self::Stateless(meta) => &meta.protocol_version,
        }
    }

    /// What the client declared it supports (for the session, or for this request).
    pub fn client_capabilities(&self) -> &ClientCapabilities {
        match self {
            Self::Session(session) => &session.client_capabilities,
            Self::Stateless(meta) => &meta.client_capabilities,
        }
    }

    /// The session, in the handshake era.
    pub fn session(&self) -> Option<&SessionRecord> {
        match self {
            Self::Session(session) => Some(session),
            Self::Stateless(_) => None,
        }
    }

    /// Whether the request is from the stateless era.
    pub fn is_stateless(&self) -> bool {
        matches!(self, Self::Stateless(_))
    }
}
