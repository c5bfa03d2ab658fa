//! Token revocation (RFC 7009, `POST /revoke`). A client revokes its own tokens: a refresh
//! token ends its whole grant, an access token only itself. Unknown tokens are answered like
//! revoked ones (200), as the RFC requires.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    AppState,
    error::{ErrorCode, OAuthError},
    params::Params,
    token::authenticated_client,
};

/// `POST /revoke`.
pub async fn revoke(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match run(&app, &headers, &body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

fn not_yours() -> OAuthError {
    OAuthError::new(
        ErrorCode::UnauthorizedClient,
        "the token was issued to another client",
    )
}

async fn run(app: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    let params = Params::from_form(headers, body)?;
    let client = authenticated_client(app, headers, &params).await?;
    let token = params.required("token")?;
    let hint = params.one("token_type_hint")?;
    let refresh_first = hint != Some("access_token");
    for refresh in [refresh_first, !refresh_first] {
        if refresh {
            if let Some(record) = app.tokens.refresh_record(token).await? {
                if record.grant.client_id != client.client_id {
                    return Err(not_yours());
                }
                return app.tokens.revoke_grant(&record.grant.id).await;
            }
        } else if let Some(record) = app.tokens.find_access(token).await? {
            if record.grant.client_id != client.client_id {
                return Err(not_yours());
            }
            tracing::info!(client.id = %client.client_id, "access token revoked");
            return app.tokens.remove_access(token).await;
        }
    }
    Ok(())
}
