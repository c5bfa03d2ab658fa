//! Client ID metadata documents: a URL client id is fetched, checked and used; unreachable,
//! oversized, redirecting, inconsistent or private documents are refused.

use axum::{Json, Router, http::StatusCode, response::IntoResponse, routing::get};
use serde_json::json;

use crate::helpers::*;

/// Serves documents on a loopback port; returns its base URL.
async fn document_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let own = format!("{base}/good.json");
    let router = Router::new()
        .route(
            "/good.json",
            get(move || {
                let own = own.clone();
                async move {
                    Json(json!({
                        "client_id": own,
                        "client_name": "Document Client",
                        "redirect_uris": ["http://127.0.0.1/callback"],
                        "token_endpoint_auth_method": "none",
                    }))
                }
            }),
        )
        .route("/other.json", get(|| async { Json(json!({"client_id": "https://else.example/c.json", "redirect_uris": ["http://127.0.0.1/callback"]})) }))
        .route("/large.json", get(|| async { "x".repeat(20_000) }))
        .route("/moved.json", get(|| async { (StatusCode::FOUND, [("location", "/good.json")]).into_response() }))
        .route("/missing.json", get(|| async { StatusCode::NOT_FOUND }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

fn request_for(client_id: &str, pkce: &Pkce) -> Vec<(String, String)> {
    vec![
        ("response_type".into(), "code".into()),
        ("client_id".into(), client_id.into()),
        ("redirect_uri".into(), "http://127.0.0.1/callback".into()),
        ("state".into(), "s".into()),
        ("code_challenge".into(), pkce.challenge.clone()),
        ("code_challenge_method".into(), "S256".into()),
    ]
}

#[tokio::test]
async fn a_document_client_runs_the_whole_flow() {
    let base = document_server().await;
    let app = spawn_as_with(&[("OAUTH_CIMD_ALLOW_PRIVATE", "true")]).await;
    let client_id = format!("{base}/good.json");
    let pkce = pkce();
    let response = app
        .http
        .get(app.url("/authorize"))
        .query(&request_for(&client_id, &pkce))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let code = query_param(&location(&response), "code").unwrap();
    let tokens = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", pkce.verifier.as_str()),
            ("redirect_uri", "http://127.0.0.1/callback"),
            ("client_id", client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200);
}

#[tokio::test]
async fn bad_documents_are_refused_before_any_redirect() {
    let base = document_server().await;
    let app = spawn_as_with(&[
        ("OAUTH_CIMD_ALLOW_PRIVATE", "true"),
        ("OAUTH_CIMD_MAX_BYTES", "5120"),
    ])
    .await;
    let pkce = pkce();
    for (path, reason) in [
        ("/other.json", "client_id must equal"),
        ("/large.json", "larger than"),
        ("/moved.json", "302"),
        ("/missing.json", "404"),
    ] {
        let response = app
            .http
            .get(app.url("/authorize"))
            .query(&request_for(&format!("{base}{path}"), &pkce))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["error_description"].as_str().unwrap().contains(reason),
            "{path}: {body}"
        );
    }
    let unreachable = app
        .http
        .get(app.url("/authorize"))
        .query(&request_for("http://127.0.0.1:1/client.json", &pkce))
        .send()
        .await
        .unwrap();
    assert_eq!(unreachable.status(), 400);
}

#[tokio::test]
async fn private_addresses_and_plain_http_are_refused_by_default() {
    let base = document_server().await;
    let app = spawn_as().await;
    let pkce = pkce();
    for client_id in [
        format!("{base}/good.json"),
        format!("{}/good.json", base.replace("http://", "https://")),
    ] {
        let response = app
            .http
            .get(app.url("/authorize"))
            .query(&request_for(&client_id, &pkce))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{client_id}");
    }
}
