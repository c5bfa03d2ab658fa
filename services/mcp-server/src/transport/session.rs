//! Finding the session a request names, for the caller making it.

use axum::http::HeaderMap;

use super::{AppState, TransportError, headers};
use crate::{
    auth::Principal,
    session::{SessionId, SessionRecord},
};

/// Loads the session named by `Mcp-Session-Id`.
///
/// 400 without the header; 404 if the id is malformed, unknown, ended, or the session belongs
/// to another principal (indistinguishable on purpose); 503 if the store is down.
pub(super) async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    principal: &Principal,
) -> Result<SessionRecord, TransportError> {
    let raw = headers::session_id(headers).ok_or(TransportError::MissingSession)?;
    let id = SessionId::parse(raw).ok_or(TransportError::SessionNotFound)?;
    match state.server.sessions().load(&id).await {
        Ok(Some(session)) if session.owner == principal.owner_key() => Ok(session),
        Ok(Some(_)) => {
            tracing::warn!(session.id = %id, "a principal asked for another principal's session");
            Err(TransportError::SessionNotFound)
        }
        Ok(None) => Err(TransportError::SessionNotFound),
        Err(error) => {
            tracing::error!(%error, "cannot load a session");
            Err(TransportError::Unavailable)
        }
    }
}
