//! `subscriptions/listen` (stateless era): the acknowledgement, only the notifications asked
//! for, and the end of the stream when the server shuts down.

use mcp_server::protocol::ListKind;
use serde_json::json;

use crate::helpers::*;

async fn listen(app: &TestApp, notifications: serde_json::Value) -> SseReader {
    let body = stateless_body(
        42,
        "subscriptions/listen",
        json!({ "notifications": notifications }),
        json!({}),
    );
    let response = app.post_stateless(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    SseReader::new(response)
}

#[tokio::test]
async fn a_listener_gets_what_it_asked_for_tagged_with_its_subscription() {
    let app = spawn_app_with(&[("MCP_FEATURE_PACKS", "conformance")]).await;
    let mut stream = listen(
        &app,
        json!({"toolsListChanged": true, "resourceSubscriptions": ["test://static-text"], "unknownKind": true}),
    )
    .await;
    let ack = stream.next_message().await.unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true, "resourceSubscriptions": ["test://static-text"]})
    );
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        42
    );

    let notifier = app.engine.notifier();
    notifier.list_changed(ListKind::Prompts).await.unwrap();
    notifier.resource_updated("test://other").await.unwrap();
    notifier.list_changed(ListKind::Tools).await.unwrap();
    let next = stream.next_message().await.unwrap();
    assert_eq!(
        next["method"], "notifications/tools/list_changed",
        "changes not asked for are not passed on"
    );
    assert_eq!(
        next["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        42
    );
    notifier
        .resource_updated("test://static-text")
        .await
        .unwrap();
    let updated = stream.next_message().await.unwrap();
    assert_eq!(updated["method"], "notifications/resources/updated");
    assert_eq!(updated["params"]["uri"], "test://static-text");
}

#[tokio::test]
async fn a_change_made_by_another_request_reaches_the_listener() {
    let app = spawn_app_with(&[("MCP_FEATURE_PACKS", "conformance")]).await;
    let mut stream = listen(&app, json!({"toolsListChanged": true})).await;
    stream.next_message().await.unwrap();
    let changed = app
        .stateless_ok(
            "tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
            json!({}),
        )
        .await;
    assert_eq!(changed["resultType"], "complete");
    let next = stream.next_message().await.unwrap();
    assert_eq!(next["method"], "notifications/tools/list_changed");
}

#[tokio::test]
async fn shutting_down_ends_the_listen_request_with_a_result() {
    let app = spawn_app().await;
    let mut stream = listen(&app, json!({"toolsListChanged": true})).await;
    stream.next_message().await.unwrap();
    app.shutdown.cancel();
    let end = stream.next_message().await.unwrap();
    assert_eq!(end["id"], 42);
    assert_eq!(end["result"]["resultType"], "complete");
    assert_eq!(
        end["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        42
    );
}
