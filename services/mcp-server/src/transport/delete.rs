//! `DELETE /mcp`: the client ends its session.

use axum::{
    Extension,
    extract::State,
    http::{HeaderMap, StatusCode},
};

use super::{AppState, TransportError, headers, session};
use crate::auth::Principal;

/// Handles `DELETE /mcp`: removes the session everywhere, stops its requests and closes its
/// streams. Later requests with the id get 404.
pub(super) async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
) -> Result<StatusCode, TransportError> {
    headers::protocol_version(&headers)?;
    let session = session::resolve(&state, &headers, &principal).await?;
    state
        .server
        .end_session(&session.id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "cannot end a session");
            TransportError::Unavailable
        })?;
    crate::instruments::session_ended(session.protocol_version.as_str(), session.created_at);
    Ok(StatusCode::NO_CONTENT)
}
