//! Discovery for OAuth clients: protected resource metadata (RFC 9728) and, for clients of
//! the 2025-03-26 revision, the authorization server's metadata reached from this origin.

use serde_json::Value;

use crate::{
    helpers::spawn_app,
    oauth::{RESOURCE, spawn_as, spawn_protected},
};

#[tokio::test]
async fn protected_resource_metadata_names_the_resource_its_server_and_scopes() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let origin = app.url.trim_end_matches("/mcp").to_owned();
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let response = app
            .client
            .get(format!("{origin}{path}"))
            .header("origin", "https://inspector.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let document: Value = response.json().await.unwrap();
        assert_eq!(document["resource"], RESOURCE, "{path}");
        assert_eq!(
            document["authorization_servers"][0].as_str(),
            Some(authorization_server.base.as_str())
        );
        assert_eq!(document["scopes_supported"][0], "mcp:tools");
        assert_eq!(document["bearer_methods_supported"][0], "header");
    }
}

#[tokio::test]
async fn authorization_server_metadata_at_this_origin_leads_to_the_real_one() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(&authorization_server.base, &authorization_server.base, &[]).await;
    let origin = app.url.trim_end_matches("/mcp").to_owned();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(format!("{origin}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!(
            "{}/.well-known/oauth-authorization-server",
            authorization_server.base
        )
    );
    // Followed, it is the authorization server's own document, with its own endpoints.
    let metadata: Value = reqwest::get(&location).await.unwrap().json().await.unwrap();
    assert_eq!(
        metadata["issuer"].as_str(),
        Some(authorization_server.base.as_str())
    );
    assert_eq!(
        metadata["token_endpoint"],
        format!("{}/token", authorization_server.base)
    );
}

#[tokio::test]
async fn with_authentication_off_there_is_nothing_to_discover() {
    let app = spawn_app().await;
    let origin = app.url.trim_end_matches("/mcp").to_owned();
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = app
            .client
            .get(format!("{origin}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}
