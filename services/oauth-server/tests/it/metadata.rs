//! Metadata (RFC 8414, OpenID discovery), the JWKS, CORS, health and unknown paths.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn metadata_lists_every_endpoint_and_capability() {
    let app = spawn_as().await;
    let response = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let metadata: Value = response.json().await.unwrap();
    assert_eq!(metadata["issuer"], app.issuer);
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("registration_endpoint", "/register"),
        ("introspection_endpoint", "/introspect"),
        ("revocation_endpoint", "/revoke"),
        ("jwks_uri", "/.well-known/jwks.json"),
    ] {
        assert_eq!(metadata[field], format!("{}{path}", app.issuer), "{field}");
    }
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    assert_eq!(metadata["client_id_metadata_document_supported"], true);
    let scopes = metadata["scopes_supported"].as_array().unwrap();
    assert!(scopes.contains(&serde_json::json!("mcp:tools")));
    for method in ["none", "client_secret_post", "client_secret_basic"] {
        assert!(
            metadata["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(method))
        );
    }
    let openid = app.get_json("/.well-known/openid-configuration").await;
    assert_eq!(openid, metadata);
}

#[tokio::test]
async fn the_jwks_publishes_the_public_signing_key() {
    let app = spawn_as().await;
    let jwks = app.get_json("/.well-known/jwks.json").await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["alg"], "ES256");
    assert!(key["kid"].is_string() && key.get("d").is_none());
}

#[tokio::test]
async fn browsers_may_read_metadata_and_call_the_token_endpoint() {
    let app = spawn_as().await;
    let response = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/token"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn health_and_unknown_paths_answer_json() {
    let app = spawn_as().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let missing = app.http.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}
