//! `initialize`: version negotiation and the birth of a session.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use rmcp::model::{ErrorData, InitializeRequestParams, InitializeResult};

use super::{McpServer, dispatch::typed_params, jsonrpc, version};
use crate::{
    auth::Principal,
    bus::Signal,
    session::{SessionId, SessionRecord, StoreError},
};

/// Why `initialize` created no session.
#[derive(Debug)]
pub enum InitializeFailure {
    /// The request is wrong: answer with this JSON-RPC error.
    Rejected(ErrorData),
    /// The session store cannot be reached: the client should retry shortly (HTTP 503).
    Unavailable,
}

impl From<ErrorData> for InitializeFailure {
    fn from(error: ErrorData) -> Self {
        Self::Rejected(error)
    }
}

/// A successful handshake: the new session and the serialized `initialize` response.
#[derive(Debug)]
pub struct Initialized {
    /// The stored session.
    pub session: SessionRecord,
    /// The JSON-RPC response to send.
    pub response: Arc<str>,
}

impl McpServer {
    /// Answers `initialize`: negotiates the version, stores a session bound to `principal`.
    ///
    /// `Err` says why no session was created.
    pub async fn initialize(
        &self,
        request: &jsonrpc::RequestMessage,
        principal: &Principal,
    ) -> Result<Initialized, InitializeFailure> {
        let params: InitializeRequestParams = typed_params(request.params.clone())?;
        let protocol_version = version::negotiate(&params.protocol_version);
        let mut attempts = 0;
        let session = loop {
            let record = SessionRecord {
                id: SessionId::generate(),
                protocol_version: protocol_version.clone(),
                owner: principal.owner_key(),
                client_info: params.client_info.clone(),
                client_capabilities: params.capabilities.clone(),
                log_level: None,
                initialized: false,
                standalone_opened: false,
                subscriptions: Default::default(),
                created_at: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            };
            match self.services.sessions.create(record.clone()).await {
                Ok(()) => break record,
                // 128 random bits do not collide in practice; retry once to be exact about it.
                Err(StoreError::Duplicate) if attempts == 0 => attempts += 1,
                Err(StoreError::Unavailable(error)) => {
                    tracing::warn!(%error, "cannot store a new session");
                    return Err(InitializeFailure::Unavailable);
                }
                Err(error) => {
                    tracing::error!(%error, "cannot store a new session");
                    return Err(ErrorData::internal_error("Internal error", None).into());
                }
            }
        };
        let mut result = InitializeResult::new(self.capabilities())
            .with_protocol_version(protocol_version)
            .with_server_info(self.info.clone());
        if let Some(instructions) = &self.instructions {
            result = result.with_instructions(instructions.clone());
        }
        let result = serde_json::to_value(result).map_err(|error| {
            tracing::error!(%error, "cannot serialize the initialize result");
            ErrorData::internal_error("Internal error", None)
        })?;
        metrics::counter!(crate::instruments::SESSIONS_STARTED).increment(1);
        tracing::info!(
            session.id = %session.id,
            protocol.version = %session.protocol_version,
            client.name = %session.client_info.name,
            "session started"
        );
        Ok(Initialized {
            response: jsonrpc::response(&request.id, result),
            session,
        })
    }

    /// Ends a session everywhere: deletes the record (later requests get 404), tells every
    /// replica (its requests stop, its streams close) and drops its event logs.
    pub async fn end_session(&self, id: &SessionId) -> Result<(), StoreError> {
        self.services.sessions.delete(id).await?;
        if let Err(error) = self.services.bus.publish(id, Signal::Closed).await {
            tracing::error!(%error, session.id = %id, "cannot announce the end of a session");
        }
        if let Err(error) = self.services.bus.remove_session(id).await {
            tracing::error!(%error, session.id = %id, "cannot drop a session's event logs");
        }
        tracing::info!(session.id = %id, "session ended");
        Ok(())
    }
}
