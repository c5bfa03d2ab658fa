//! Dynamic client registration endpoint (RFC 7591, `POST /register`): open to anyone, as MCP
//! clients expect; the metadata rules are in [`crate::clients::register`].

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    AppState,
    clients::{RegistrationRequest, register as check},
    error::{ErrorCode, OAuthError},
    tokens::now,
};

/// `POST /register`.
pub async fn register(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match run(&app, &headers, &body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn run(app: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(OAuthError::invalid_request(
            "the body must be application/json",
        ));
    }
    let request: RegistrationRequest = serde_json::from_slice(body).map_err(|error| {
        OAuthError::new(
            ErrorCode::InvalidClientMetadata,
            format!("the body must be a JSON object of client metadata ({error})"),
        )
    })?;
    let (client, secret) = check(request, &app.settings.scopes, now())?;
    app.clients.add(&client).await?;
    tracing::info!(client.id = %client.client_id, confidential = secret.is_some(), "client registered");
    let mut response = (
        StatusCode::CREATED,
        Json(client.registration_response(secret.as_deref())),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
