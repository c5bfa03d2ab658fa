//! The tasks extension (stateless era): a call answered with a task handle, polled with
//! `tasks/get`, asked questions answered with `tasks/update`, stopped with `tasks/cancel`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

fn with_tasks() -> Value {
    json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}})
}

async fn conformance_app(extra: &[(&str, &str)]) -> TestApp {
    let mut settings = vec![("MCP_FEATURE_PACKS", "conformance")];
    settings.extend_from_slice(extra);
    spawn_app_with(&settings).await
}

/// Calls `tool` declaring the extension; returns the task id of the handle it answers with.
async fn start(app: &TestApp, tool: &str, arguments: Value) -> String {
    let created = app
        .stateless_ok(
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
            with_tasks(),
        )
        .await;
    assert_eq!(created["resultType"], "task", "{created}");
    for absent in ["result", "error", "inputRequests", "requestState", "task"] {
        assert!(created.get(absent).is_none(), "{absent} in {created}");
    }
    assert!(created["ttlMs"].as_u64().unwrap() > 0);
    created["taskId"].as_str().unwrap().to_owned()
}

async fn task_call(app: &TestApp, method: &str, params: Value) -> Value {
    app.stateless_ok(method, params, with_tasks()).await
}

async fn get(app: &TestApp, task: &str) -> Value {
    let got = task_call(app, "tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["resultType"], "complete");
    assert_eq!(got["taskId"], task);
    assert!(got.get("requestState").is_none());
    got
}

/// Polls until the task's status is one of `statuses`.
async fn wait_for(app: &TestApp, task: &str, statuses: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let got = get(app, task).await;
        if statuses.contains(&got["status"].as_str().unwrap()) {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "task stuck at {got}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_task_runs_to_completion_and_keeps_its_result() {
    let app = conformance_app(&[]).await;
    let task = start(&app, "slow_compute", json!({"seconds": 1, "label": "sum"})).await;
    let working = get(&app, &task).await;
    assert_eq!(working["status"], "working");
    assert!(working.get("result").is_none());
    let done = wait_for(&app, &task, &["completed", "failed", "cancelled"]).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["content"][0]["text"], "Computed sum in 1s");
    assert!(done["createdAt"].as_str().unwrap() <= done["lastUpdatedAt"].as_str().unwrap());
}

#[tokio::test]
async fn without_the_extension_an_optional_task_runs_directly_and_a_required_one_refuses() {
    let app = conformance_app(&[]).await;
    let direct = app
        .stateless_ok(
            "tools/call",
            json!({"name": "slow_compute", "arguments": {"seconds": 0, "label": "now"}}),
            json!({}),
        )
        .await;
    assert_eq!(direct["resultType"], "complete");
    assert_eq!(direct["content"][0]["text"], "Computed now in 0s");
    let (status, refused) = app
        .stateless(
            "tools/call",
            json!({"name": "failing_job", "arguments": {}}),
            json!({}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(refused["error"]["code"], -32021);
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    let (_, gated) = app
        .stateless("tasks/get", json!({"taskId": "anything"}), json!({}))
        .await;
    assert_eq!(gated["error"]["code"], -32021);
}

#[tokio::test]
async fn tool_errors_complete_and_protocol_errors_fail() {
    let app = conformance_app(&[]).await;
    let failing = start(&app, "failing_job", json!({})).await;
    let protocol = start(&app, "protocol_error_job", json!({})).await;
    let done = wait_for(&app, &failing, &["completed", "failed"]).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["isError"], true);
    let failed = wait_for(&app, &protocol, &["completed", "failed"]).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], -32603);
    assert!(failed.get("result").is_none());
    assert!(failed["statusMessage"].is_string());
}

#[tokio::test]
async fn a_task_asks_and_goes_on_with_the_answer() {
    let app = conformance_app(&[]).await;
    let task = start(&app, "confirm_delete", json!({"filename": "a.txt"})).await;
    let asking = wait_for(&app, &task, &["input_required"]).await;
    let question = &asking["inputRequests"]["confirm"];
    assert_eq!(question["method"], "elicitation/create");
    assert_eq!(question["params"]["message"], "Delete a.txt?");

    let ignored = json!({"taskId": task, "inputResponses": {"unknown": {"x": 1}}});
    let ack = task_call(&app, "tasks/update", ignored).await;
    assert_eq!(ack, json!({"resultType": "complete"}));
    assert_eq!(get(&app, &task).await["status"], "input_required");

    let answer = json!({"action": "accept", "content": {"confirm": true}});
    let update = json!({"taskId": task, "inputResponses": {"confirm": answer}});
    task_call(&app, "tasks/update", update).await;
    let done = wait_for(&app, &task, &["completed", "failed", "cancelled"]).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["content"][0]["text"], "Deleted a.txt");
}

#[tokio::test]
async fn two_questions_at_once_are_answered_one_by_one() {
    let app = conformance_app(&[]).await;
    let task = start(&app, "multi_input", json!({})).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let asking = loop {
        let got = get(&app, &task).await;
        if got["inputRequests"]
            .as_object()
            .is_some_and(|r| r.len() == 2)
        {
            break got;
        }
        assert!(tokio::time::Instant::now() < deadline, "{got}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let keys: Vec<String> = asking["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let answer =
        |name: &str| json!({"action": "accept", "content": {"name": name, "confirm": true}});
    let first = json!({"taskId": task, "inputResponses": {keys[0].clone(): answer("one")}});
    task_call(&app, "tasks/update", first).await;
    let half = get(&app, &task).await;
    assert_eq!(half["status"], "input_required");
    assert_eq!(
        half["inputRequests"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        [&keys[1]]
    );
    let second = json!({"taskId": task, "inputResponses": {keys[1].clone(): answer("two")}});
    task_call(&app, "tasks/update", second).await;
    let done = wait_for(&app, &task, &["completed", "failed", "cancelled"]).await;
    assert_eq!(done["result"]["content"][0]["text"], "Received one and two");
}

#[tokio::test]
async fn cancelling_stops_a_task_once_and_for_all() {
    let app = conformance_app(&[]).await;
    let task = start(&app, "slow_compute", json!({"seconds": 60})).await;
    let ack = task_call(&app, "tasks/cancel", json!({"taskId": task})).await;
    assert_eq!(ack, json!({"resultType": "complete"}));
    let cancelled = wait_for(&app, &task, &["cancelled", "completed", "failed"]).await;
    assert_eq!(cancelled["status"], "cancelled");
    let again = task_call(&app, "tasks/cancel", json!({"taskId": task})).await;
    assert_eq!(
        again,
        json!({"resultType": "complete"}),
        "cancel is idempotent"
    );
    assert_eq!(get(&app, &task).await["status"], "cancelled");
}

#[tokio::test]
async fn a_question_before_the_task_is_settled_by_multi_round_input() {
    let app = conformance_app(&[]).await;
    let first = app
        .stateless_ok(
            "tools/call",
            json!({"name": "test_tool_with_task", "arguments": {}}),
            with_tasks(),
        )
        .await;
    assert_eq!(first["resultType"], "input_required");
    assert!(first.get("taskId").is_none());
    let mut params = json!({
        "name": "test_tool_with_task",
        "arguments": {},
        "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Alice"}}},
    });
    if let Some(state) = first.get("requestState") {
        params["requestState"] = state.clone();
    }
    let created = app.stateless_ok("tools/call", params, with_tasks()).await;
    assert_eq!(created["resultType"], "task", "{created}");
    assert!(created.get("requestState").is_none());
    let task = created["taskId"].as_str().unwrap();
    let done = wait_for(&app, task, &["completed", "failed", "cancelled"]).await;
    assert_eq!(done["result"]["content"][0]["text"], "Hello, Alice!");
}

#[tokio::test]
async fn unknown_and_expired_tasks_are_invalid_params() {
    let app = conformance_app(&[("MCP_TASK_TTL_SECS", "1")]).await;
    let (_, unknown) = app
        .stateless("tasks/get", json!({"taskId": "no-such-task"}), with_tasks())
        .await;
    assert_eq!(unknown["error"]["code"], -32602);
    let task = start(&app, "slow_compute", json!({"seconds": 0})).await;
    wait_for(&app, &task, &["completed"]).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (_, expired) = app
        .stateless("tasks/get", json!({"taskId": task}), with_tasks())
        .await;
    assert_eq!(expired["error"]["code"], -32602);
}

#[tokio::test]
async fn sessions_have_no_task_methods() {
    let app = conformance_app(&[]).await;
    let session = app.initialize("2025-11-25").await;
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/get", "params": {"taskId": "x"}});
    let (answer, _) = app.call(&session, body).await;
    assert_eq!(answer["error"]["code"], -32601);
    let direct = app
        .call_tool(
            &session,
            4,
            "slow_compute",
            json!({"seconds": 0, "label": "s"}),
        )
        .await;
    assert_eq!(direct["result"]["content"][0]["text"], "Computed s in 0s");
}
