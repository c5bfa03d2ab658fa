//! Per-client limits over real HTTP: over the rate or the concurrency limit, 429 with
//! `Retry-After` and a JSON-RPC error; within them, normal answers.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::spawn_app_with;

fn list(id: i64) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/list"})
}

async fn assert_too_many(response: reqwest::Response, message: &str) {
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], -32000);
    let text = error["error"]["message"].as_str().unwrap();
    assert!(text.contains(message), "{text}");
}

#[tokio::test]
async fn over_the_rate_a_client_gets_429_with_a_retry_hint_then_is_served_again() {
    let app = spawn_app_with(&[
        ("MCP_RATE_LIMIT_PER_SECOND", "1"),
        ("MCP_RATE_LIMIT_BURST", "4"),
    ])
    .await;
    // The handshake (initialize, then notifications/initialized) takes two of the burst.
    let session = app.initialize("2025-11-25").await;
    for id in 2..4 {
        let answer = app.post(Some(&session), &list(id)).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    let refused = app.post(Some(&session), &list(4)).send().await.unwrap();
    assert_too_many(refused, "request rate").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = app.post(Some(&session), &list(5)).send().await.unwrap();
    assert_eq!(again.status(), 200, "the bucket refilled");
}

#[tokio::test]
async fn a_client_with_too_many_requests_in_progress_gets_429_until_one_ends() {
    let app = spawn_app_with(&[("MCP_CONCURRENCY_LIMIT", "1")]).await;
    let session = app.initialize("2025-11-25").await;
    let count = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":2}}});
    let running = app.post(Some(&session), &count).send();
    let running = tokio::spawn(async move { running.await.unwrap().text().await.unwrap() });
    // The count takes about two seconds; meanwhile the client's one slot is taken.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = app.post(Some(&session), &list(3)).send().await.unwrap();
    assert_too_many(refused, "too many requests in progress").await;
    // A standalone stream is not counted (open_stream asserts its 200).
    let _stream = app.open_stream(&session, None).await;
    let counted = running.await.unwrap();
    assert!(
        counted.contains("Counted to 2") || counted.contains("\"result\""),
        "{counted}"
    );
    let served = app.post(Some(&session), &list(4)).send().await.unwrap();
    assert_eq!(
        served.status(),
        200,
        "the slot is free once the answer was sent"
    );
}
