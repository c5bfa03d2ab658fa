//! Dynamic client registration (RFC 7591) over HTTP.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_seed_registration_gets_an_id_and_a_secret() {
    let app = spawn_as().await;
    let response = app
        .register_raw(&json!({
            "client_name": "cli",
            "redirect_uris": ["https://oauth.pstmn.io/v1/callback"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
            "scope": "mcp:tools",
        }))
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert!(body["client_id"].as_str().unwrap().len() >= 32);
    assert!(body["client_secret"].as_str().unwrap().len() >= 32);
    assert_eq!(body["client_secret_expires_at"], 0);
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(
        body["redirect_uris"],
        json!(["https://oauth.pstmn.io/v1/callback"])
    );
    assert_eq!(body["scope"], "mcp:tools");
}

#[tokio::test]
async fn bad_metadata_is_refused() {
    let app = spawn_as().await;
    for (metadata, error) in [
        (json!({"client_name": "x"}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["http://attacker.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "scope": "admin"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (json!([1, 2]), "invalid_client_metadata"),
    ] {
        let response = app.register_raw(&metadata).await;
        assert_eq!(oauth_error(response, 400).await, error, "{metadata}");
    }
    let not_json = app
        .http
        .post(app.url("/register"))
        .header("content-type", "text/plain")
        .body("redirect_uris=x")
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(not_json, 400).await, "invalid_request");
}
