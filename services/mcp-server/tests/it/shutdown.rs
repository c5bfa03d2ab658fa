//! Graceful shutdown: streams end with a reconnect hint, in-flight requests finish.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn shutdown_ends_standalone_streams_with_a_retry_hint_and_finishes_requests() {
    let app = spawn_app_with(&[("MCP_SSE_RETRY_MS", "750")]).await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, None).await;
    let in_flight = app.call_tool(&session, 1, "count", json!({"number":2}));
    let stopper = async {
        // Let the request start, then stop the server.
        assert!(stream.next_message().await.is_some());
        app.shutdown.cancel();
        let mut retry = None;
        while let Some(block) = stream.next_block().await {
            retry = retry.or(block.retry);
        }
        retry
    };
    let (answer, retry) = tokio::join!(in_flight, stopper);
    assert_eq!(retry, Some(750), "the stream ends with a retry hint");
    assert_eq!(
        answer["result"]["content"][0]["text"], "Counting to 2",
        "the in-flight request finished"
    );
    let mut app = app;
    let served = tokio::time::timeout(Duration::from_secs(10), &mut app.server)
        .await
        .expect("the server stops after draining");
    assert!(served.unwrap().is_ok());
}
