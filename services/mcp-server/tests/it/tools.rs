//! The seed's tools, exactly: definitions, results, logs, progress.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn tools_list_matches_the_original_definitions() {
    let app = spawn_app().await;
    let session = app.initialize("2025-03-26").await;
    let (answer, _) = app
        .call(
            &session,
            json!({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}),
        )
        .await;
    let tools = answer["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 2);
    let greet = &tools[0];
    assert_eq!(greet["name"], "greet");
    assert_eq!(greet["title"], "Greeting Tool");
    assert_eq!(greet["description"], "Say hello");
    assert_eq!(greet["inputSchema"]["type"], "object");
    assert_eq!(
        greet["inputSchema"]["properties"]["name"],
        json!({"type":"string","description":"Name to greet"})
    );
    assert_eq!(greet["inputSchema"]["required"], json!(["name"]));
    let count = &tools[1];
    assert_eq!(count["name"], "count");
    assert_eq!(count["description"], "A tool that counts to a given number");
    assert_eq!(
        count["inputSchema"]["properties"]["number"],
        json!({"type":"number","description":"Number to count to"})
    );
    assert_eq!(count["inputSchema"]["required"], json!(["number"]));
    assert_eq!(
        count["annotations"],
        json!({"title":"Counting Tool","readOnlyHint":true,"openWorldHint":false})
    );
    assert!(
        answer["result"].get("resultType").is_none(),
        "handshake-era results carry no resultType"
    );
}

#[tokio::test]
async fn greet_says_hello() {
    let app = spawn_app().await;
    let session = app.initialize("2025-03-26").await;
    let answer = app
        .call_tool(&session, 3, "greet", json!({"name":"Elin"}))
        .await;
    assert_eq!(answer["id"], 3);
    assert_eq!(
        answer["result"]["content"],
        json!([{"type":"text","text":"Hello, Elin!"}])
    );
    assert_ne!(answer["result"]["isError"], true);
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_not_protocol_errors() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    for (name, arguments) in [
        ("greet", json!({})),
        ("greet", json!({"name": 5})),
        ("count", json!({"number":"five"})),
    ] {
        let answer = app.call_tool(&session, 1, name, arguments.clone()).await;
        assert_eq!(answer["result"]["isError"], true, "{name} {arguments}");
        let text = answer["result"]["content"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("Invalid arguments for tool {name}")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn count_logs_each_step_to_the_standalone_stream() {
    let app = spawn_app().await;
    let session = app.initialize("2025-03-26").await;
    let mut stream = app.open_stream(&session, None).await;
    let started = std::time::Instant::now();
    let answer = app
        .call_tool(&session, 3, "count", json!({"number":3}))
        .await;
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "one step per second"
    );
    assert_eq!(
        answer["result"]["content"],
        json!([{"type":"text","text":"Counting to 3"}])
    );
    let mut logs = Vec::new();
    for _ in 0..3 {
        logs.push(stream.next_message().await.unwrap());
    }
    assert_eq!(
        log_lines(&logs),
        ["Counted to 1", "Counted to 2", "Counted to 3"]
    );
    for log in &logs {
        assert_eq!(log["params"]["level"], "info");
    }
}

#[tokio::test]
async fn set_level_filters_the_log_messages() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let mut stream = app.open_stream(&session, None).await;
    let (answer, _) = app
        .call(&session, json!({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"warning"}}))
        .await;
    assert_eq!(answer["result"], json!({}));
    app.call_tool(&session, 2, "count", json!({"number":1}))
        .await;
    assert!(
        !stream
            .ends_without_message(Duration::from_millis(1500))
            .await,
        "no info messages pass a warning filter"
    );

    app.call(
        &session,
        json!({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"debug"}}),
    )
    .await;
    app.call_tool(&session, 4, "count", json!({"number":1}))
        .await;
    let message = stream.next_message().await.unwrap();
    assert_eq!(message["params"]["data"], "Counted to 1");
}

#[tokio::test]
async fn count_reports_progress_on_its_own_stream_when_asked() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let body = json!({"jsonrpc":"2.0","id":"c","method":"tools/call",
        "params":{"name":"count","arguments":{"number":2},"_meta":{"progressToken":42}}});
    let response = app.post(Some(&session), &body).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let (answer, before) = read_answer(response).await;
    assert_eq!(answer["result"]["content"][0]["text"], "Counting to 2");
    let progress: Vec<&Value> = before
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .collect();
    assert_eq!(progress.len(), 2);
    assert_eq!(progress[0]["params"]["progressToken"], 42);
    assert_eq!(progress[0]["params"]["progress"], 1.0);
    assert_eq!(progress[1]["params"]["progress"], 2.0);
    assert_eq!(progress[1]["params"]["total"], 2.0);
    assert!(
        log_lines(&before).is_empty(),
        "count's logs go to the standalone stream, not here"
    );
}

#[tokio::test]
async fn count_handles_fractions_zero_and_negatives_like_the_original() {
    let app = spawn_app().await;
    let session = app.initialize("2025-03-26").await;
    for (number, text) in [
        (json!(0), "Counting to 0"),
        (json!(-4), "Counting to -4"),
        (json!(1.5), "Counting to 1.5"),
    ] {
        let answer = app
            .call_tool(&session, 1, "count", json!({"number": number}))
            .await;
        assert_eq!(answer["result"]["content"][0]["text"], text);
    }
}
