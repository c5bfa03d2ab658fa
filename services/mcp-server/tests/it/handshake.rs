//! `initialize`: version negotiation, session ids, capabilities.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_supported_version_is_echoed() {
    let app = spawn_app().await;
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let session = app.initialize(version).await;
        assert_eq!(session.version, version);
    }
}

#[tokio::test]
async fn an_unknown_version_gets_the_latest() {
    let app = spawn_app().await;
    for version in ["2099-01-01", "1.0", "2026-07-28"] {
        let response = app
            .post(None, &initialize_body(version))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["result"]["protocolVersion"], "2025-11-25", "{version}");
    }
}

#[tokio::test]
async fn initialize_returns_a_fresh_visible_ascii_session_id_and_capabilities() {
    let app = spawn_app().await;
    let response = app
        .post(None, &initialize_body("2025-03-26"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let id = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 1);
    assert_eq!(body["result"]["serverInfo"]["name"], "mcp-server");
    assert!(body["result"]["capabilities"]["tools"].is_object());
    assert!(body["result"]["capabilities"]["logging"].is_object());
    let other = app
        .post(None, &initialize_body("2025-03-26"))
        .send()
        .await
        .unwrap();
    assert_ne!(other.headers()["mcp-session-id"].to_str().unwrap(), id);
}

#[tokio::test]
async fn initialize_with_bad_params_is_invalid_params_without_a_session() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-06-18"}});
    let response = app.post(None, &body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("mcp-session-id").is_none());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["id"], "i");
    assert_eq!(body["error"]["code"], -32602);
}

#[tokio::test]
async fn instructions_come_from_configuration() {
    let app = spawn_app_with(&[("MCP_INSTRUCTIONS", "Call greet first.")]).await;
    let response = app
        .post(None, &initialize_body("2025-06-18"))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["result"]["instructions"], "Call greet first.");
}

#[tokio::test]
async fn a_client_that_only_accepts_sse_gets_initialize_as_a_stream() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .body(initialize_body("2025-11-25").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("mcp-session-id"));
    let (answer, _) = read_answer(response).await;
    assert_eq!(answer["result"]["protocolVersion"], "2025-11-25");
}

#[tokio::test]
async fn ping_answers_with_an_empty_result() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let (answer, _) = app
        .call(&session, json!({"jsonrpc":"2.0","id":"p","method":"ping"}))
        .await;
    assert_eq!(answer, json!({"jsonrpc":"2.0","id":"p","result":{}}));
}

#[tokio::test]
async fn a_second_initialize_inside_a_batch_is_refused() {
    let app = spawn_app().await;
    let session = app.initialize("2025-03-26").await;
    let batch = json!([initialize_body("2025-03-26"), {"jsonrpc":"2.0","id":2,"method":"ping"}]);
    let response = app.post(Some(&session), &batch).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let answers: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(answers.len(), 2);
    let refused = answers.iter().find(|a| a["id"] == 1).unwrap();
    assert_eq!(refused["error"]["code"], -32600);
    let pong = answers.iter().find(|a| a["id"] == 2).unwrap();
    assert_eq!(pong["result"], json!({}));
}
