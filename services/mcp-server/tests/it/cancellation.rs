//! `notifications/cancelled` and session end stop running requests.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

fn cancel(id: serde_json::Value) -> serde_json::Value {
    json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":id,"reason":"changed my mind"}})
}

#[tokio::test]
async fn cancelling_a_request_waiting_for_json_ends_its_post_with_202() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, None).await;
    let started = Instant::now();
    let long = app
        .post(
            Some(&session),
            &json!({"jsonrpc":"2.0","id":"slow","method":"tools/call",
        "params":{"name":"count","arguments":{"number":30}}}),
        )
        .send();
    let canceller = async {
        assert_eq!(
            stream.next_message().await.unwrap()["params"]["data"],
            "Counted to 1"
        );
        let response = app
            .post(Some(&session), &cancel(json!("slow")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
    };
    let (response, ()) = tokio::join!(long, canceller);
    let response = response.unwrap();
    assert_eq!(
        response.status(),
        202,
        "a cancelled request gets no JSON-RPC response"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // The tool stopped: no more counting on the standalone stream.
    assert!(
        !stream
            .ends_without_message(Duration::from_millis(2500))
            .await
    );
}

#[tokio::test]
async fn cancelling_a_streaming_request_ends_its_stream_without_a_response() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let response = app
        .post(
            Some(&session),
            &json!({"jsonrpc":"2.0","id":5,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":30},"_meta":{"progressToken":"t"}}}),
        )
        .send()
        .await
        .unwrap();
    let mut reader = SseReader::new(response);
    assert_eq!(
        reader.next_message().await.unwrap()["params"]["progress"],
        1.0
    );
    assert_eq!(
        app.post(Some(&session), &cancel(json!(5)))
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    assert!(reader.ends_without_message(PATIENCE).await);
}

#[tokio::test]
async fn cancelling_an_unknown_request_is_harmless() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    assert_eq!(
        app.post(Some(&session), &cancel(json!(999)))
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    let malformed =
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":{"x":1}}});
    assert_eq!(
        app.post(Some(&session), &malformed)
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    let answer = app
        .call_tool(&session, 999, "greet", json!({"name":"still here"}))
        .await;
    assert_eq!(answer["result"]["content"][0]["text"], "Hello, still here!");
}

#[tokio::test]
async fn cancellation_only_touches_the_named_request() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let keep = app.call_tool(&session, 1, "count", json!({"number":2}));
    let drop_it = app
        .post(
            Some(&session),
            &json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":30}}}),
        )
        .send();
    let cancel_later = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.post(Some(&session), &cancel(json!(2)))
            .send()
            .await
            .unwrap()
    };
    let (kept, dropped, _) = tokio::join!(keep, drop_it, cancel_later);
    assert_eq!(kept["result"]["content"][0]["text"], "Counting to 2");
    assert_eq!(dropped.unwrap().status(), 202);
}

#[tokio::test]
async fn ending_the_session_stops_its_requests() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let response = app
        .post(
            Some(&session),
            &json!({"jsonrpc":"2.0","id":5,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":30},"_meta":{"progressToken":"t"}}}),
        )
        .send()
        .await
        .unwrap();
    let mut reader = SseReader::new(response);
    assert!(reader.next_message().await.is_some());
    assert_eq!(app.delete(&session).await.status(), 204);
    assert!(reader.ends_without_message(PATIENCE).await);
}

#[tokio::test]
async fn a_client_that_leaves_before_any_answer_cancels_its_request() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, None).await;
    let request = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("mcp-session-id", &session.id)
        .body(
            json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
                "params":{"name":"count","arguments":{"number":30}}})
            .to_string(),
        )
        .send();
    // Give up on the answer once counting has started.
    let gave_up = tokio::time::timeout(Duration::from_millis(1500), request).await;
    assert!(gave_up.is_err(), "a 30 s count cannot have answered yet");
    let mut seen = Vec::new();
    while let Ok(Some(message)) =
        tokio::time::timeout(Duration::from_millis(2500), stream.next_message()).await
    {
        seen.push(message);
    }
    assert!(
        seen.len() <= 3,
        "counting stopped soon after the client left: {seen:?}"
    );
}
