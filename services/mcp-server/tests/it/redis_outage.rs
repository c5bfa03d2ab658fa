//! Redis stopped for ten seconds and started again under two replicas: readiness false and
//! 503s with a retry hint while it is down, no panic, then full recovery without restarting
//! the servers, and nothing that was acknowledged before the outage lost (the Redis server
//! writes each command to its append-only file before answering). And a Redis Cluster whose
//! master fails over to its replica: the same, without the servers being told.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use service_kit::testing::{RedisCluster, RedisServer};

use crate::helpers::{Session, SseReader, TestApp, spawn_app_with};

const STATE_KEYS: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const OUTAGE: Duration = Duration::from_secs(10);

async fn replica(redis_url: &str) -> TestApp {
    spawn_app_with(&[("REDIS_URL", redis_url), ("MCP_STATE_KEYS", STATE_KEYS)]).await
}

/// Polls `/readyz` until it answers `status`, for at most `within`.
async fn wait_ready(app: &TestApp, status: u16, within: Duration) {
    let url = app.url.replace("/mcp", "/readyz");
    let deadline = Instant::now() + within;
    loop {
        let answer = app.client.get(&url).send().await.unwrap().status();
        if answer == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz still {answer}, expected {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `count` to `number` with progress on `app`, reading its whole SSE answer: the id of its
/// first event, and every message after it (ending with the result).
async fn logged_count(app: &TestApp, session: &Session, number: u32) -> (String, Vec<Value>) {
    let count = json!({"jsonrpc":"2.0","id":"before","method":"tools/call",
        "params":{"name":"count","arguments":{"number":number},"_meta":{"progressToken":"p"}}});
    let response = app.post(Some(session), &count).send().await.unwrap();
    let mut stream = SseReader::new(response);
    let (first_id, _) = stream.next_message_with_id().await.unwrap();
    let mut acknowledged = Vec::new();
    while let Some(message) = stream.next_message().await {
        acknowledged.push(message);
    }
    assert_eq!(
        acknowledged.last().unwrap()["result"]["content"][0]["text"],
        format!("Counting to {number}")
    );
    (first_id, acknowledged)
}

/// What resuming `session`'s stream after `first_id` on `app` replays, to its end.
async fn replayed(app: &TestApp, session: &Session, first_id: &str) -> Vec<Value> {
    let mut resumed = app.open_stream(session, Some(first_id)).await;
    let mut replayed = Vec::new();
    while let Some(message) = resumed.next_message().await {
        replayed.push(message);
    }
    replayed
}

#[tokio::test]
async fn ten_seconds_without_redis_are_503s_then_everything_recovers_and_nothing_is_lost() {
    let mut redis = RedisServer::start_persistent();
    let (one, two) = (replica(&redis.url()).await, replica(&redis.url()).await);
    let session = one.initialize("2025-11-25").await;
    let (first_id, acknowledged) = logged_count(&one, &session, 2).await;

    let stopped = Instant::now();
    redis.stop();
    wait_ready(&one, 503, Duration::from_secs(10)).await;
    wait_ready(&two, 503, Duration::from_secs(10)).await;
    let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list"});
    for app in [&one, &two] {
        let refused = app.post(Some(&session), &list).send().await.unwrap();
        assert_eq!(refused.status(), 503);
        assert_eq!(refused.headers()["retry-after"], "1");
        let body = refused.text().await.unwrap();
        assert!(
            !body.to_lowercase().contains("redis"),
            "no internal detail: {body}"
        );
        let handshake = crate::helpers::initialize_body("2025-11-25");
        let refused = app.post(None, &handshake).send().await.unwrap();
        assert_eq!(refused.status(), 503, "no session can start either");
    }
    tokio::time::sleep(OUTAGE.saturating_sub(stopped.elapsed())).await;
    assert!(
        !one.server.is_finished() && !two.server.is_finished(),
        "still serving"
    );

    redis.restart();
    wait_ready(&one, 200, Duration::from_secs(20)).await;
    wait_ready(&two, 200, Duration::from_secs(20)).await;
    let answer = two
        .call_tool(&session, 4, "greet", json!({"name": "Bo"}))
        .await;
    assert_eq!(
        answer["result"]["content"][0]["text"], "Hello, Bo!",
        "the session made before the outage is still there"
    );
    assert_eq!(
        replayed(&two, &session, &first_id).await,
        acknowledged,
        "the stream logged before the outage replays whole"
    );
    let fresh = one.initialize("2025-11-25").await;
    let answer = two
        .call_tool(&fresh, 2, "greet", json!({"name": "Al"}))
        .await;
    assert_eq!(answer["result"]["content"][0]["text"], "Hello, Al!");
}

#[tokio::test]
async fn a_cluster_master_failing_over_to_its_replica_loses_nothing_and_needs_no_restart() {
    let mut cluster = RedisCluster::start_with_replicas(1);
    let (one, two) = (replica(&cluster.url()).await, replica(&cluster.url()).await);
    let session = one.initialize("2025-11-25").await;
    let (first_id, acknowledged) = logged_count(&one, &session, 1).await;

    // The master holding this session's keys dies; its replica takes over.
    let id = session.id.clone();
    let (cluster, _killed) = tokio::task::spawn_blocking(move || {
        let killed = cluster.fail_over_master_of(&id);
        (cluster, killed)
    })
    .await
    .unwrap();

    // Until the servers find the new master: 503 with a retry hint, nothing else.
    let deadline = Instant::now() + Duration::from_secs(20);
    let greet = json!({"jsonrpc":"2.0","id":5,"method":"tools/call",
        "params":{"name":"greet","arguments":{"name":"Bo"}}});
    loop {
        let response = two.post(Some(&session), &greet).send().await.unwrap();
        if response.status() == 200 {
            let (answer, _) = crate::helpers::read_answer(response).await;
            assert_eq!(answer["result"]["content"][0]["text"], "Hello, Bo!");
            break;
        }
        assert_eq!(response.status(), 503, "only 503 while failing over");
        assert!(response.headers().contains_key("retry-after"));
        assert!(Instant::now() < deadline, "the session is not served again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        replayed(&one, &session, &first_id).await,
        acknowledged,
        "the stream logged before the failover replays whole"
    );
    wait_ready(&one, 200, Duration::from_secs(20)).await;
    let fresh = two.initialize("2025-11-25").await;
    let answer = one
        .call_tool(&fresh, 2, "greet", json!({"name": "Al"}))
        .await;
    assert_eq!(answer["result"]["content"][0]["text"], "Hello, Al!");
    drop(cluster);
}
