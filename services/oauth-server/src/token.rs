//! The token endpoint (`POST /token`): authenticates the client as it registered, then runs
//! the grant: `authorization_code` (single use, PKCE, same redirect URI, resource rules of
//! RFC 8707), `refresh_token` (rotated on every use; reuse revokes the grant) or
//! `client_credentials` (confidential clients). Answers are never cached.

mod grants;

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
    clients::{Client, ClientCredentials, authenticate},
    error::{ErrorCode, OAuthError},
    instruments,
    params::Params,
    tokens::{Grant, IssuedAccess},
};

/// `POST /token`.
pub async fn token(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut grant_type = "other";
    match run(&app, &headers, &body, &mut grant_type).await {
        Ok(response) => {
            instruments::token_request(grant_type, "issued");
            response
        }
        Err(error) => {
            instruments::token_request(grant_type, error.code.as_str());
            tracing::info!(oauth.error = error.code.as_str(), reason = %error.description, "token request refused");
            error.into_response()
        }
    }
}

/// Runs the request; `grant_label` learns the grant type as soon as it is read.
async fn run(
    app: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    grant_label: &mut &'static str,
) -> Result<Response, OAuthError> {
    let params = Params::from_form(headers, body)?;
    *grant_label = instruments::grant_label(params.one("grant_type").ok().flatten());
    let client = authenticated_client(app, headers, &params).await?;
    let grant_type = params.required("grant_type")?;
    match grant_type {
        "authorization_code" => grants::authorization_code(app, &client, &params).await,
        "refresh_token" => grants::refresh_token(app, &client, &params).await,
        "client_credentials" => grants::client_credentials(app, &client, &params).await,
        other => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!(
                "grant_type {other:?} is not supported (authorization_code, refresh_token, client_credentials)"
            ),
        )),
    }
}

/// The client the request authenticates as (public clients just name themselves).
pub(crate) async fn authenticated_client(
    app: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Client, OAuthError> {
    let credentials = ClientCredentials::from_request(
        headers,
        params.one("client_id")?,
        params.one("client_secret")?,
    )?
    .ok_or_else(|| {
        OAuthError::new(
            ErrorCode::InvalidClient,
            "client authentication is required: send client_id (and client_secret, in the body or with HTTP Basic, as registered)",
        )
    })?;
    let client = app
        .clients
        .find(&credentials.client_id)
        .await
        .map_err(|error| error.into_client_error())?;
    let throttle = &app.failed_authentications;
    throttle.check(&credentials.client_id)?;
    authenticate(&credentials, &client).inspect_err(|_| throttle.failed(&credentials.client_id))?;
    Ok(client)
}

/// The successful answer: the access token, and a refresh token when one was issued.
fn issued(grant: &Grant, access: IssuedAccess, refresh: Option<String>) -> Response {
    let mut body = json!({
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": access.expires_in,
        "scope": grant.scope.to_string(),
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
