//! Two servers sharing one real Redis, in one process: a session made on one is served by the
//! other, and a Redis that goes away is a 503 with a retry hint and readiness false.

use serde_json::json;
use service_kit::testing::RedisServer;

use crate::helpers::{TestApp, spawn_app_with};

const STATE_KEYS: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

async fn replica(redis_url: &str) -> TestApp {
    spawn_app_with(&[("REDIS_URL", redis_url), ("MCP_STATE_KEYS", STATE_KEYS)]).await
}

#[tokio::test]
async fn a_session_made_on_one_replica_is_served_by_another() {
    let redis = RedisServer::start();
    let (one, two) = (replica(&redis.url()).await, replica(&redis.url()).await);
    let session = one.initialize("2025-11-25").await;
    let answer = two
        .call_tool(&session, 2, "greet", json!({"name": "Bo"}))
        .await;
    assert_eq!(answer["result"]["content"][0]["text"], "Hello, Bo!");
    let deleted = two
        .client
        .delete(&two.url)
        .header("mcp-session-id", &session.id)
        .header("mcp-protocol-version", &session.version)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    let gone = one.post(Some(&session), &list).send().await.unwrap();
    assert_eq!(gone.status(), 404, "ended on every replica");
}

#[tokio::test]
async fn without_redis_requests_get_503_with_a_retry_hint_and_readiness_fails() {
    let redis = RedisServer::start();
    let app = replica(&redis.url()).await;
    let ready = app.url.replace("/mcp", "/readyz");
    assert_eq!(app.client.get(&ready).send().await.unwrap().status(), 200);
    drop(redis);
    let body = crate::helpers::initialize_body("2025-11-25");
    let response = app.post(None, &body).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let error: serde_json::Value = response.json().await.unwrap();
    assert!(
        !error.to_string().to_lowercase().contains("redis"),
        "no internal detail: {error}"
    );
    assert_eq!(app.client.get(&ready).send().await.unwrap().status(), 503);
}

#[tokio::test]
async fn sharing_state_without_shared_sealing_keys_is_refused_at_start() {
    let redis = RedisServer::start();
    let pairs = [
        ("DISABLE_AUTH", "true".to_owned()),
        ("PORT", "0".to_owned()),
        ("REDIS_URL", redis.url()),
    ];
    let config =
        <mcp_server::Config as service_kit::config::Configuration>::from_pairs(pairs).unwrap();
    let error = mcp_server::App::build(config, tokio_util::sync::CancellationToken::new())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("MCP_STATE_KEYS"), "{error}");
}
