//! The router: every endpoint, CORS for the ones browsers call (metadata, JWKS, registration,
//! token, revocation), a small body limit, and JSON for unknown paths.

use axum::{
    Json, Router,
    extract::DefaultBodyLimit,
    http::{Method, StatusCode, header},
    response::IntoResponse,
    routing::{get, post},
};
use serde_json::json;
use tower_http::cors::CorsLayer;

use crate::{
    AppState, authorize, health, introspect::introspect, metadata, register::register,
    revoke::revoke, token::token,
};

/// Largest request body (forms and registration documents are small).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route of the server.
pub fn router(app: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(std::time::Duration::from_secs(3600));
    let public = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::metadata),
        )
        .route("/.well-known/openid-configuration", get(metadata::metadata))
        .route("/.well-known/jwks.json", get(metadata::jwks))
        .route("/register", post(register))
        .route("/token", post(token))
        .route("/revoke", post(revoke))
        .layer(cors);
    let mut router = Router::new()
        .merge(public)
        .route(
            "/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/authorize/decision", post(authorize::decide))
        .route("/introspect", post(introspect))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    // RFC 8414 §3: an issuer with a path has its metadata under the well-known prefix + path.
    if let Some(path) = issuer_path(&app.settings.issuer) {
        router = router.route(
            &format!("/.well-known/oauth-authorization-server{path}"),
            get(metadata::metadata),
        );
    }
    router
        .fallback(|| async {
            (StatusCode::NOT_FOUND, Json(json!({ "error": "not_found" }))).into_response()
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(
            service_kit::http_telemetry::observe,
        ))
        .with_state(app)
}

fn issuer_path(issuer: &str) -> Option<String> {
    let url = url::Url::parse(issuer).ok()?;
    let path = url.path().trim_end_matches('/');
    (!path.is_empty()).then(|| path.to_owned())
}
