//! The authorization endpoint (`/authorize`, GET and POST): checking the request, then either
//! approving at once (auto mode, as the original demo did) or asking on a consent page, and
//! answering the client by redirect with a single-use code bound to the client, the redirect
//! URI, the PKCE challenge, the scope and the resource.
//!
//! Errors go back to the client by redirect (with `state` and `iss`) only once the client and
//! its redirect URI are known to match; before that they are shown to the user.

mod consent;
mod request;

use std::time::Duration;

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use url::Url;

pub use self::consent::decide;
pub(crate) use self::request::granted_scope;
use self::request::{AuthorizationRequest, Refusal};
use crate::{
    AppState,
    config::AuthorizeMode,
    error::{ErrorCode, OAuthError},
    params::Params,
    pkce::CodeChallenge,
    secret,
    store::{Key, Kind},
    tokens::Grant,
};

/// An authorization code as stored (keyed by the code's SHA-256).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeRecord {
    /// The redirect URI of the authorization request, exactly as sent (or the registered one
    /// when the request named none).
    pub redirect_uri: String,
    /// Whether the request named it (then the token request must repeat it).
    pub redirect_uri_given: bool,
    /// The PKCE challenge.
    pub challenge: CodeChallenge,
    /// What the tokens will allow.
    pub grant: Grant,
}

/// `GET /authorize`.
pub async fn authorize_get(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    authorize(app, headers, params).await
}

/// `POST /authorize` (the same request, form-encoded).
pub async fn authorize_post(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match Params::from_form(&headers, &body) {
        Ok(params) => authorize(app, headers, params).await,
        Err(error) => error_page(&headers, &error),
    }
}

async fn authorize(app: AppState, headers: HeaderMap, params: Params) -> Response {
    let request = match request::check(&app, &params).await {
        Ok(request) => request,
        Err(Refusal::Page(error)) => return error_page(&headers, &error),
        Err(Refusal::Redirect {
            redirect_uri,
            state,
            error,
        }) => return error_redirect(&app, &redirect_uri, state.as_deref(), &error),
    };
    match app.settings.authorize_mode {
        AuthorizeMode::Auto => approve(&app, &request).await,
        AuthorizeMode::Consent if request.prompt_none => error_redirect(
            &app,
            &request.redirect_uri,
            request.state.as_deref(),
            &OAuthError::new(
                ErrorCode::ConsentRequired,
                "consent is required and prompt=none forbids asking",
            ),
        ),
        AuthorizeMode::Consent => consent::ask(&app, &headers, request).await,
    }
}

/// Issues a code for `request` and redirects back to the client.
async fn approve(app: &AppState, request: &AuthorizationRequest) -> Response {
    let code = secret::generate();
    let record = CodeRecord {
        redirect_uri: request.redirect_uri.clone(),
        redirect_uri_given: request.redirect_uri_given,
        challenge: request.challenge.clone(),
        grant: Grant {
            id: secret::generate(),
            client_id: request.client.client_id.clone(),
            subject: app.settings.subject.clone(),
            scope: request.scope.clone(),
            audience: request.resource.clone(),
        },
    };
    let key = Key::new(Kind::Code, secret::digest(&code));
    if let Err(error) = app
        .store
        .put(&key, &record, Some(app.settings.code_ttl))
        .await
    {
        tracing::error!(%error, "cannot store an authorization code");
        return error_redirect(
            app,
            &request.redirect_uri,
            request.state.as_deref(),
            &OAuthError::unavailable(),
        );
    }
    tracing::info!(client.id = %request.client.client_id, scope = %request.scope, "authorization code issued");
    let mut answer = vec![("code", code.as_str())];
    if let Some(state) = &request.state {
        answer.push(("state", state));
    }
    answer.push(("iss", &app.settings.issuer));
    redirect(&request.redirect_uri, &answer)
}

/// Sends `error` back to the client (RFC 6749 §4.1.2.1, with `iss` per RFC 9207).
fn error_redirect(
    app: &AppState,
    redirect_uri: &str,
    state: Option<&str>,
    error: &OAuthError,
) -> Response {
    let mut answer = vec![
        ("error", error.code.as_str()),
        ("error_description", error.description.as_ref()),
    ];
    if let Some(state) = state {
        answer.push(("state", state));
    }
    answer.push(("iss", &app.settings.issuer));
    redirect(redirect_uri, &answer)
}

/// A 302 to `uri` with `pairs` added to its query.
fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let location = match Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let mut response = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(&location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// An error that cannot go back to the client: HTML for browsers, JSON otherwise.
fn error_page(headers: &HeaderMap, error: &OAuthError) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if !wants_html {
        return error.clone().into_response();
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization error</title></head>\
         <body><main><h1>This authorization request cannot be completed</h1><p><strong>{}</strong>: {}</p>\
         <p>The application that sent you here is misconfigured; nothing was shared with it.</p></main></body></html>",
        html_escape::encode_text(error.code.as_str()),
        html_escape::encode_text(&error.description),
    );
    let mut response = (StatusCode::BAD_REQUEST, Html(page)).into_response();
    consent::harden(response.headers_mut());
    response
}

/// How long a consent page stays answerable.
const CONSENT_TTL: Duration = Duration::from_secs(600);
