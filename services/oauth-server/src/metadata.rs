//! Authorization server metadata (RFC 8414), also served as OpenID discovery, and the JWKS.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::AppState;

/// The metadata document: every endpoint, grant, method and scope this server supports.
pub fn document(app: &AppState) -> Value {
    let issuer = &app.settings.issuer;
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "scopes_supported": app.settings.scopes.tokens().collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
    })
}

/// `GET /.well-known/oauth-authorization-server` (and the OpenID discovery path).
pub async fn metadata(State(app): State<AppState>) -> Response {
    Json(document(&app)).into_response()
}

/// `GET /.well-known/jwks.json`: the public signing keys.
pub async fn jwks(State(app): State<AppState>) -> Response {
    Json(app.keys.jwks()).into_response()
}
