//! `Last-Event-ID`: replaying exactly what a dropped stream missed, then continuing live.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_standalone_stream_resumes_after_the_last_seen_event() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, None).await;
    let counting = {
        let app = &app;
        let session = session.clone();
        async move {
            app.call_tool(&session, 1, "count", json!({"number":4}))
                .await
        }
    };
    let reader = async {
        let (first_id, first) = stream.next_message_with_id().await.unwrap();
        assert_eq!(first["params"]["data"], "Counted to 1");
        drop(stream); // the connection drops; "Counted to 2" is sent while nobody listens
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mut resumed = app.open_stream(&session, Some(&first_id)).await;
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (id, message) = resumed.next_message_with_id().await.unwrap();
            seen.push((id, message["params"]["data"].as_str().unwrap().to_owned()));
        }
        seen
    };
    let (answer, seen) = tokio::join!(counting, reader);
    assert_eq!(answer["result"]["content"][0]["text"], "Counting to 4");
    let lines: Vec<&str> = seen.iter().map(|(_, line)| line.as_str()).collect();
    assert_eq!(
        lines,
        ["Counted to 2", "Counted to 3", "Counted to 4"],
        "nothing lost, nothing repeated"
    );
    let ids: std::collections::HashSet<_> = seen.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn a_post_stream_resumes_on_get_and_ends_with_the_response() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let body = json!({"jsonrpc":"2.0","id":"long","method":"tools/call",
        "params":{"name":"count","arguments":{"number":3},"_meta":{"progressToken":"p"}}});
    let response = app.post(Some(&session), &body).send().await.unwrap();
    let mut reader = SseReader::new(response);
    let (last_id, first) = reader.next_message_with_id().await.unwrap();
    assert_eq!(first["params"]["progress"], 1.0);
    drop(reader);

    let mut resumed = app.open_stream(&session, Some(&last_id)).await;
    let mut rest = Vec::new();
    while let Some(message) = resumed.next_message().await {
        rest.push(message);
    }
    let progress: Vec<_> = rest
        .iter()
        .filter_map(|m| m["params"]["progress"].as_f64())
        .collect();
    assert_eq!(progress, [2.0, 3.0]);
    let last = rest.last().unwrap();
    assert_eq!(last["id"], "long");
    assert_eq!(last["result"]["content"][0]["text"], "Counting to 3");
}

#[tokio::test]
async fn a_finished_post_stream_replays_its_tail_and_ends() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":1},"_meta":{"progressToken":"p"}}});
    let response = app.post(Some(&session), &body).send().await.unwrap();
    let mut reader = SseReader::new(response);
    let priming_id = reader.next_block().await.unwrap().id.unwrap();
    while reader.next_message().await.is_some() {}

    let mut replay = app.open_stream(&session, Some(&priming_id)).await;
    let mut messages = Vec::new();
    while let Some(message) = replay.next_message().await {
        messages.push(message);
    }
    assert_eq!(messages.len(), 2, "progress then response: {messages:?}");
    assert_eq!(messages[1]["id"], 2);
}

#[tokio::test]
async fn an_unknown_post_stream_ends_at_once() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, Some("0123456789abcdef.4")).await;
    assert!(stream.ends_without_message(PATIENCE).await);
}

#[tokio::test]
async fn streams_of_one_session_are_not_reachable_from_another() {
    let app = spawn_app().await;
    let owner = app.initialize("2025-11-25").await;
    let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":1},"_meta":{"progressToken":"p"}}});
    let response = app.post(Some(&owner), &body).send().await.unwrap();
    let mut reader = SseReader::new(response);
    let priming_id = reader.next_block().await.unwrap().id.unwrap();
    while reader.next_message().await.is_some() {}

    let stranger = app.initialize("2025-11-25").await;
    let mut replay = app.open_stream(&stranger, Some(&priming_id)).await;
    assert!(replay.ends_without_message(PATIENCE).await);
}

#[tokio::test]
async fn the_first_standalone_stream_gets_what_was_logged_before_it_opened() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    app.call_tool(&session, 1, "count", json!({"number":2}))
        .await;
    let mut first = app.open_stream(&session, None).await;
    assert_eq!(
        first.next_message().await.unwrap()["params"]["data"],
        "Counted to 1"
    );
    assert_eq!(
        first.next_message().await.unwrap()["params"]["data"],
        "Counted to 2"
    );
    drop(first);
    let mut later = app.open_stream(&session, None).await;
    assert!(
        !later.ends_without_message(Duration::from_millis(500)).await,
        "later streams start live"
    );
}
