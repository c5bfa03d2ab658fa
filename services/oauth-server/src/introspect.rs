//! Token introspection (RFC 7662, `POST /introspect`). The caller must authenticate as a
//! confidential client: a preset client (a resource server) may introspect any token, any
//! other client only its own. Whatever cannot be shown is simply `{"active": false}`.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{
    AppState,
    clients::Origin,
    error::{ErrorCode, OAuthError},
    params::Params,
    token::authenticated_client,
};

const WHAT_TO_SEND: &str = "introspection needs the caller's credentials: send a confidential client's client_id and client_secret with HTTP Basic (curl -u client_id:client_secret) or as client_id and client_secret form fields";

/// `POST /introspect`.
pub async fn introspect(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match run(&app, &headers, &body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn run(app: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let params = Params::from_form(headers, body)?;
    let caller =
        authenticated_client(app, headers, &params)
            .await
            .map_err(|error| match error.code {
                ErrorCode::InvalidClient
                    if error
                        .description
                        .starts_with("client authentication is required") =>
                {
                    OAuthError::new(ErrorCode::InvalidClient, WHAT_TO_SEND)
                }
                _ => error,
            })?;
    if !caller.is_confidential() {
        return Err(OAuthError::new(ErrorCode::InvalidClient, WHAT_TO_SEND));
    }
    let token = params.required("token")?;
    let record = app.tokens.find_access(token).await?;
    let body = match record {
        Some(record)
            if caller.origin == Origin::Preset || caller.client_id == record.grant.client_id =>
        {
            let mut body = json!({
                "active": true,
                "scope": record.grant.scope.to_string(),
                "client_id": record.grant.client_id,
                "sub": record.grant.subject,
                "iss": app.settings.issuer,
                "exp": record.expires_at,
                "iat": record.issued_at,
                "jti": record.jti,
                "token_type": "Bearer",
            });
            if let Some(audience) = &record.grant.audience {
                body["aud"] = json!(audience);
            }
            body
        }
        _ => json!({ "active": false }),
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
