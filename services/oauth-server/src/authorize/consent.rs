//! The consent page (`AUTHORIZE_MODE=consent`): names the client, where it will send the user
//! back, and the scopes, with Approve and Deny. No JavaScript. The pending request is kept in
//! the store (any replica can take the answer); the form is protected against cross-site
//! posting by a per-request token, a `SameSite=Strict` cookie that binds the request to the
//! browser that saw the page, and a Fetch Metadata / Origin check. Each page answers once.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{AuthorizationRequest, CONSENT_TTL, approve, error_page, error_redirect};
use crate::{
    AppState,
    error::{ErrorCode, OAuthError},
    params::Params,
    pkce::CodeChallenge,
    scope::Scope,
    secret,
    store::{Key, Kind, Use},
};

/// A request waiting for the user's answer.
#[derive(Debug, Serialize, Deserialize)]
struct PendingConsent {
    client_id: String,
    redirect_uri: String,
    redirect_uri_given: bool,
    state: Option<String>,
    scope: Scope,
    challenge: CodeChallenge,
    resource: Option<String>,
    /// The token the form must carry.
    csrf: String,
    /// SHA-256 of the cookie value given to the browser that saw the page.
    browser: String,
}

fn cookie_name(request_id: &str) -> String {
    format!("oauth_consent_{request_id}")
}

/// Security headers for every page this server renders.
pub(super) fn harden(headers: &mut HeaderMap) {
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Shows the consent page for `request`.
pub(super) async fn ask(
    app: &AppState,
    headers: &HeaderMap,
    request: AuthorizationRequest,
) -> Response {
    let request_id = secret::generate();
    let browser_nonce = secret::generate();
    let pending = PendingConsent {
        client_id: request.client.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        redirect_uri_given: request.redirect_uri_given,
        state: request.state.clone(),
        scope: request.scope.clone(),
        challenge: request.challenge.clone(),
        resource: request.resource.clone(),
        csrf: secret::generate(),
        browser: secret::digest(&browser_nonce),
    };
    let key = Key::new(Kind::Consent, request_id.clone());
    if let Err(error) = app.store.put(&key, &pending, Some(CONSENT_TTL)).await {
        tracing::error!(%error, "cannot store a pending consent");
        return error_page(headers, &OAuthError::unavailable());
    }
    let client_name = request
        .client
        .client_name
        .clone()
        .unwrap_or_else(|| request.client.client_id.clone());
    let destination = Url::parse(&request.redirect_uri)
        .ok()
        .and_then(|url| {
            url.host_str()
                .map(str::to_owned)
                .or_else(|| Some(format!("{}:", url.scheme())))
        })
        .unwrap_or_default();
    let page = render(
        &client_name,
        &destination,
        &request.scope,
        &request_id,
        &pending.csrf,
    );
    let mut response = Html(page).into_response();
    harden(response.headers_mut());
    let secure = if app.settings.issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={browser_nonce}; Path=/authorize; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        cookie_name(&request_id),
        CONSENT_TTL.as_secs()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn render(
    client_name: &str,
    destination: &str,
    scope: &Scope,
    request_id: &str,
    csrf: &str,
) -> String {
    let text = |value: &str| html_escape::encode_text(value).into_owned();
    let attribute = |value: &str| html_escape::encode_double_quoted_attribute(value).into_owned();
    let scopes: String = scope
        .tokens()
        .map(|token| format!("<li><code>{}</code></li>", text(token)))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow {name} access?</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }}
h1 {{ font-size: 1.4rem; }}
.actions {{ display: flex; gap: 1rem; margin-top: 2rem; }}
button {{ font-size: 1rem; padding: .6rem 1.4rem; border-radius: .4rem; border: 2px solid #1f4fbf; cursor: pointer; }}
button[value=approve] {{ background: #1f4fbf; color: #fff; }}
button[value=deny] {{ background: #fff; color: #1f4fbf; }}
button:focus-visible {{ outline: 3px solid #f5a623; outline-offset: 2px; }}
</style>
</head>
<body>
<main>
<h1>Allow <strong>{name}</strong> to access your account?</h1>
<p>If you approve, you will be sent back to <strong>{destination}</strong>, and the application will be able to:</p>
<ul aria-label="Requested scopes">{scopes}</ul>
<form method="post" action="/authorize/decision">
<input type="hidden" name="request_id" value="{request_id}">
<input type="hidden" name="csrf" value="{csrf}">
<div class="actions">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
</main>
</body>
</html>
"#,
        name = text(client_name),
        destination = text(destination),
        request_id = attribute(request_id),
        csrf = attribute(csrf),
    )
}

/// The value of cookie `name`.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether the POST comes from a page of this server (Fetch Metadata, else `Origin`).
fn same_origin(app: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
    {
        return matches!(site, "same-origin" | "none");
    }
    match headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    {
        None => true,
        Some(origin) => Url::parse(&app.settings.issuer)
            .is_ok_and(|issuer| issuer.origin().ascii_serialization() == origin),
    }
}

fn forbidden(headers: &HeaderMap, why: &'static str) -> Response {
    let mut response = error_page(headers, &OAuthError::invalid_request(why));
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// `POST /authorize/decision`: the user's answer.
pub async fn decide(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match Params::from_form(&headers, &body) {
        Ok(params) => params,
        Err(error) => return error_page(&headers, &error),
    };
    let (Ok(Some(request_id)), Ok(Some(csrf)), Ok(Some(decision))) = (
        params.one("request_id"),
        params.one("csrf"),
        params.one("decision"),
    ) else {
        return error_page(
            &headers,
            &OAuthError::invalid_request("request_id, csrf and decision are required"),
        );
    };
    if !matches!(decision, "approve" | "deny") {
        return error_page(
            &headers,
            &OAuthError::invalid_request("decision must be approve or deny"),
        );
    }
    if !same_origin(&app, &headers) {
        return forbidden(
            &headers,
            "the answer must come from this server's consent page",
        );
    }
    let key = Key::new(Kind::Consent, request_id);
    let pending: PendingConsent = match app.store.get(&key).await {
        Ok(Some(pending)) => pending,
        Ok(None) => {
            return error_page(
                &headers,
                &OAuthError::invalid_request(
                    "this consent request expired or was already answered; start again from the application",
                ),
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot read a pending consent");
            return error_page(&headers, &OAuthError::unavailable());
        }
    };
    let browser_ok = cookie(&headers, &cookie_name(request_id))
        .is_some_and(|nonce| secret::same(&secret::digest(nonce), &pending.browser));
    if !secret::same(csrf, &pending.csrf) || !browser_ok {
        return forbidden(&headers, "the consent form is not valid for this browser");
    }
    match app.store.consume::<PendingConsent>(&key).await {
        Ok(Use::First(_)) => {}
        Ok(_) => {
            return error_page(
                &headers,
                &OAuthError::invalid_request("this consent request was already answered"),
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot use a pending consent");
            return error_page(&headers, &OAuthError::unavailable());
        }
    }
    let _ = app.store.remove(&key).await;
    let mut response = match decision {
        "approve" => match app.clients.find(&pending.client_id).await {
            Ok(client) => {
                let request = AuthorizationRequest {
                    client,
                    redirect_uri: pending.redirect_uri,
                    redirect_uri_given: pending.redirect_uri_given,
                    state: pending.state,
                    scope: pending.scope,
                    challenge: pending.challenge,
                    resource: pending.resource,
                    prompt_none: false,
                };
                approve(&app, &request).await
            }
            Err(_) => error_page(
                &headers,
                &OAuthError::invalid_request("the client no longer exists"),
            ),
        },
        _ => {
            tracing::info!(client.id = %pending.client_id, "authorization denied by the user");
            error_redirect(
                &app,
                &pending.redirect_uri,
                pending.state.as_deref(),
                &OAuthError::new(ErrorCode::AccessDenied, "the user denied the request"),
            )
        }
    };
    let expired = format!(
        "{}=; Path=/authorize; Max-Age=0; HttpOnly; SameSite=Strict",
        cookie_name(request_id)
    );
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
