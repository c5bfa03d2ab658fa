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

/// The real binary, stopped the way Kubernetes stops a pod: SIGTERM while a tool call runs and
/// a stream is open. The call finishes, the stream ends with a retry hint, new connections are
/// refused, and the process exits 0 within its grace period.
#[tokio::test]
async fn sigterm_drains_the_real_process_within_its_grace_period() {
    sigterm_drains(&[]).await;
}

/// The same with sessions in Redis: the running call still hears its session's signals
/// through the pub/sub connection, which lives until the drain is over.
#[tokio::test]
async fn sigterm_drains_the_real_process_with_sessions_in_redis() {
    let redis = service_kit::testing::RedisServer::start();
    sigterm_drains(&[
        ("REDIS_URL", redis.url()),
        (
            "MCP_STATE_KEYS",
            "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_owned(),
        ),
    ])
    .await;
}

async fn sigterm_drains(backend: &[(&str, String)]) {
    service_kit::tls::install_crypto_provider();
    let mut env = vec![
        ("DISABLE_AUTH", "true".to_owned()),
        ("MCP_SSE_RETRY_MS", "750".to_owned()),
        ("SHUTDOWN_GRACE_SECS", "5".to_owned()),
    ];
    env.extend(backend.iter().cloned());
    let mut server = service_kit::testing::ServerProcess::start(
        env!("CARGO_BIN_EXE_mcp-server"),
        &env,
        "MCP server listening",
    );
    let url = server.url("/mcp");
    let client = reqwest::Client::new();
    let post = |session: Option<&str>, body: serde_json::Value| {
        let request = client
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&body);
        match session {
            Some(id) => request.header("mcp-session-id", id),
            None => request,
        }
    };
    let opened = post(None, initialize_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    let accepted = post(Some(&session), initialized).send().await.unwrap();
    assert_eq!(accepted.status(), 202);
    let stream = client
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(stream);
    let count = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":2},"_meta":{"progressToken":"p"}}});
    let mut call = SseReader::new(post(Some(&session), count).send().await.unwrap());
    assert!(call.next_message().await.is_some(), "the call is running");

    server.terminate();
    let mut answer = None;
    while let Some(message) = call.next_message().await {
        answer = Some(message);
    }
    assert_eq!(
        answer.unwrap()["result"]["content"][0]["text"],
        "Counting to 2",
        "the in-flight call finished"
    );
    let mut retry = None;
    while let Some(block) = stream.next_block().await {
        retry = retry.or(block.retry);
    }
    assert_eq!(retry, Some(750), "the stream ends with a retry hint");
    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait_exit(Duration::from_secs(6));
        (status, server)
    })
    .await
    .unwrap();
    let (status, _server) = status;
    assert!(
        status.is_some_and(|status| status.success()),
        "exits 0 within the grace period: {status:?}"
    );
    assert!(
        reqwest::get(&url).await.is_err(),
        "nothing listens any more"
    );
}
