//! Discovery for OAuth clients: the protected resource metadata (RFC 9728) at
//! `/.well-known/oauth-protected-resource` (and under the resource's path, e.g. `…/mcp`), and,
//! for clients of the 2025-03-26 revision that look for authorization server metadata at this
//! server's origin, a redirect to the configured authorization server's real metadata. With
//! authentication off, neither exists.

use axum::{
    Json, Router,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use tower_http::cors::CorsLayer;
use url::Url;

/// The discovery routes for the resource at `public_url`, protected by `authorization_server`
/// with `scopes`.
pub fn router(public_url: &Url, authorization_server: Option<String>, scopes: &[String]) -> Router {
    let Some(authorization_server) = authorization_server else {
        return Router::new();
    };
    let document = json!({
        "resource": public_url.as_str(),
        "authorization_servers": [authorization_server],
        "scopes_supported": scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "MCP server",
    });
    let metadata = move || {
        let document = document.clone();
        async move {
            let mut response = Json(document).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=300"),
            );
            response
        }
    };
    let as_metadata = as_metadata_url(&authorization_server);
    let redirect = move || {
        let location = as_metadata.clone();
        async move { found(&location) }
    };
    let path = public_url.path().trim_end_matches('/');
    let mut router = Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(metadata.clone()),
        )
        .route("/.well-known/oauth-authorization-server", get(redirect));
    if !path.is_empty() {
        router = router.route(
            &format!("/.well-known/oauth-protected-resource{path}"),
            get(metadata),
        );
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(tower_http::cors::Any)
            .allow_methods([axum::http::Method::GET]),
    )
}

/// RFC 8414 §3: the metadata URL of an issuer (the well-known prefix before its path).
fn as_metadata_url(issuer: &str) -> String {
    match Url::parse(issuer) {
        Ok(url) => format!(
            "{}/.well-known/oauth-authorization-server{}",
            url.origin().ascii_serialization(),
            url.path().trim_end_matches('/')
        ),
        Err(_) => format!("{issuer}/.well-known/oauth-authorization-server"),
    }
}

fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_paths_go_after_the_well_known_prefix() {
        assert_eq!(
            as_metadata_url("http://localhost:3001"),
            "http://localhost:3001/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            as_metadata_url("https://idp.example.com/tenant/"),
            "https://idp.example.com/.well-known/oauth-authorization-server/tenant"
        );
    }
}
