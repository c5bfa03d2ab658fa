//! With Redis: records survive a restart and are shared by replicas.

use serde_json::Value;
use service_kit::testing::RedisServer;

use crate::helpers::*;

/// One issuer for both runs, as a deployment behind a fixed URL has.
const ISSUER: &str = "http://as.example.test";

#[tokio::test]
async fn tokens_and_clients_survive_a_restart() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (client, tokens) = {
        let app = spawn_as_with(&[
            ("REDIS_URL", &url),
            ("ACCESS_TOKEN_FORMAT", "jwt"),
            ("ISSUER_URL", ISSUER),
        ])
        .await;
        public_tokens(&app, &["authorization_code", "refresh_token"], &[]).await
    };
    let app = spawn_as_with(&[
        ("REDIS_URL", &url),
        ("ACCESS_TOKEN_FORMAT", "jwt"),
        ("ISSUER_URL", ISSUER),
    ])
    .await;
    assert_eq!(
        app.introspect(tokens["access_token"].as_str().unwrap())
            .await["active"],
        true
    );
    let refreshed = app
        .token_as(
            &client,
            "none",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(
        refreshed.status(),
        200,
        "the client and its refresh token are still known"
    );
}

#[tokio::test]
async fn replicas_share_codes_and_detect_replays_together() {
    let redis = RedisServer::start();
    let url = redis.url();
    let a = spawn_as_with(&[("REDIS_URL", &url)]).await;
    let b = spawn_as_with(&[("REDIS_URL", &url)]).await;
    let client = a.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let code = a.code(&client, &pkce, &[]).await;
    let on_b = b.exchange(&client, &code, &pkce).await;
    assert_eq!(on_b.status(), 200);
    let tokens: Value = on_b.json().await.unwrap();
    let replay_on_a = a.exchange(&client, &code, &pkce).await;
    assert_eq!(oauth_error(replay_on_a, 400).await, "invalid_grant");
    assert_eq!(
        b.introspect(tokens["access_token"].as_str().unwrap()).await["active"],
        false
    );
}

#[tokio::test]
async fn readiness_follows_the_store() {
    let redis = RedisServer::start();
    let app = spawn_as_with(&[("REDIS_URL", &redis.url())]).await;
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    drop(redis);
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
