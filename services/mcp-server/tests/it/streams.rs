//! SSE streams: priming, keep-alive, headers, takeover, concurrent POSTs.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

fn progress_count(id: i64, number: u32) -> serde_json::Value {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":number},"_meta":{"progressToken":id}}})
}

#[tokio::test]
async fn streams_carry_the_no_buffering_headers() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let stream = app.open_stream(&session, None).await;
    assert_eq!(stream.headers["content-type"], "text/event-stream");
    assert_eq!(stream.headers["cache-control"], "no-cache");
    assert_eq!(stream.headers["x-accel-buffering"], "no");
    let post = app
        .post(Some(&session), &progress_count(1, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(post.headers()["x-accel-buffering"], "no");
    assert_eq!(post.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn sessions_on_2025_11_25_get_a_priming_event_with_a_retry_hint() {
    let app = spawn_app_with(&[("MCP_SSE_RETRY_MS", "2500")]).await;
    let session = app.initialize("2025-11-25").await;
    let response = app
        .post(Some(&session), &progress_count(1, 1))
        .send()
        .await
        .unwrap();
    let mut reader = SseReader::new(response);
    let priming = reader.next_block().await.unwrap();
    assert_eq!(priming.data.as_deref(), Some(""));
    assert_eq!(priming.retry, Some(2500));
    let priming_id = priming.id.unwrap();
    let (first_id, _) = reader.next_message_with_id().await.unwrap();
    assert_eq!(
        priming_id.split('.').next(),
        first_id.split('.').next(),
        "same stream"
    );

    let mut get = app.open_stream(&session, None).await;
    let priming = get.next_block().await.unwrap();
    assert_eq!(
        (priming.data.as_deref(), priming.retry),
        (Some(""), Some(2500))
    );
    assert!(priming.id.unwrap().starts_with("g."));
}

#[tokio::test]
async fn older_sessions_get_no_priming_event() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let response = app
        .post(Some(&session), &progress_count(1, 1))
        .send()
        .await
        .unwrap();
    let mut reader = SseReader::new(response);
    let opening = reader.next_block().await.unwrap();
    assert_eq!(opening.comment.as_deref(), Some("stream open"));
    assert_eq!(opening.data, None, "a comment, not a priming event");
    let first = reader.next_block().await.unwrap();
    assert!(first.json().is_some(), "then a message: {first:?}");
    assert!(first.id.is_some());
}

#[tokio::test]
async fn quiet_streams_get_keep_alive_comments() {
    let app = spawn_app_with(&[("MCP_SSE_KEEPALIVE_SECS", "1")]).await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, None).await;
    let opening = stream.next_block().await.unwrap();
    assert_eq!(opening.comment.as_deref(), Some("stream open"));
    let block = tokio::time::timeout(Duration::from_secs(5), stream.next_block())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.comment.as_deref(), Some("keep-alive"));
}

#[tokio::test]
async fn a_long_request_switches_to_sse_so_keep_alives_can_flow() {
    let app = spawn_app_with(&[("MCP_SSE_KEEPALIVE_SECS", "1")]).await;
    let session = app.initialize("2025-06-18").await;
    let response = app
        .post(
            Some(&session),
            &json!({"jsonrpc":"2.0","id":8,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":3}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut reader = SseReader::new(response);
    let mut saw_keepalive = false;
    loop {
        let block = reader.next_block().await.unwrap();
        saw_keepalive |= block.comment.as_deref() == Some("keep-alive");
        if let Some(message) = block.json() {
            assert_eq!(message["id"], 8);
            assert_eq!(message["result"]["content"][0]["text"], "Counting to 3");
            break;
        }
    }
    assert!(saw_keepalive);
}

#[tokio::test]
async fn a_new_standalone_stream_replaces_the_previous_one() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let mut first = app.open_stream(&session, None).await;
    let mut second = app.open_stream(&session, None).await;
    assert!(
        first.ends_without_message(PATIENCE).await,
        "the older stream closes"
    );
    app.call_tool(&session, 1, "count", json!({"number":1}))
        .await;
    assert_eq!(
        second.next_message().await.unwrap()["params"]["data"],
        "Counted to 1"
    );
}

#[tokio::test]
async fn delete_closes_the_session_streams() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let mut stream = app.open_stream(&session, None).await;
    assert_eq!(app.delete(&session).await.status(), 204);
    assert!(stream.ends_without_message(PATIENCE).await);
}

#[tokio::test]
async fn every_post_gets_its_own_answer_even_with_a_reused_id() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let slow = app.call_tool(&session, 7, "count", json!({"number":2}));
    let fast = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.call_tool(&session, 7, "greet", json!({"name":"twin"}))
            .await
    };
    let many = futures::future::join_all((0..20).map(|i| {
        let name = format!("n{i}");
        let app = &app;
        let session = &session;
        async move {
            (
                name.clone(),
                app.call_tool(session, 7, "greet", json!({"name": name}))
                    .await,
            )
        }
    }));
    let (slow, fast, many) = tokio::join!(slow, fast, many);
    assert_eq!(slow["result"]["content"][0]["text"], "Counting to 2");
    assert_eq!(fast["result"]["content"][0]["text"], "Hello, twin!");
    for (name, answer) in many {
        assert_eq!(
            answer["result"]["content"][0]["text"],
            format!("Hello, {name}!")
        );
    }
}

#[tokio::test]
async fn stream_headers_arrive_before_the_first_event_on_every_version() {
    let app = spawn_app().await;
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let session = app.initialize(version).await;
        let get = app
            .client
            .get(&app.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &session.id)
            .send();
        let response = tokio::time::timeout(std::time::Duration::from_secs(2), get).await;
        assert!(
            response.is_ok(),
            "{version}: the response head must not wait for an event"
        );
    }
}
