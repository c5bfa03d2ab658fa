//! Multi-round-trip input (stateless era): `input_required` results, answers on the retry, and
//! the sealed `requestState` that any replica sharing the keys can open, and nothing else can.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const KEYS_A: &str = "a:YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";
const KEYS_B: &str = "b:YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmI=";
const ASK_NAME: &str = "test_input_required_result_elicitation";
const MULTI_ROUND: &str = "test_input_required_result_multi_round";

async fn app_with_keys(keys: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut settings = vec![
        ("MCP_FEATURE_PACKS", "conformance"),
        ("MCP_STATE_KEYS", keys),
    ];
    settings.extend_from_slice(extra);
    spawn_app_with(&settings).await
}

fn elicitation() -> Value {
    json!({"elicitation": {}})
}

fn accept(content: Value) -> Value {
    json!({"action": "accept", "content": content})
}

/// Calls `tool`, optionally with answers and a state from an earlier round.
async fn call(
    app: &TestApp,
    tool: &str,
    responses: Option<Value>,
    state: Option<&Value>,
) -> (u16, Value) {
    let mut params = json!({"name": tool, "arguments": {}});
    if let Some(responses) = responses {
        params["inputResponses"] = responses;
    }
    if let Some(state) = state {
        params["requestState"] = state.clone();
    }
    app.stateless("tools/call", params, elicitation()).await
}

#[tokio::test]
async fn a_question_ends_the_round_and_the_retry_carries_the_answer() {
    let app = app_with_keys(KEYS_A, &[]).await;
    let (status, first) = call(&app, ASK_NAME, None, None).await;
    assert_eq!(status, 200);
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required");
    let question = &result["inputRequests"]["user_name"];
    assert_eq!(question["method"], "elicitation/create");
    assert_eq!(question["params"]["mode"], "form");
    assert_eq!(
        question["params"]["requestedSchema"]["properties"]["name"]["type"],
        "string"
    );
    let answers = json!({"user_name": accept(json!({"name": "Alice"}))});
    let (status, second) = call(&app, ASK_NAME, Some(answers), result.get("requestState")).await;
    assert_eq!(status, 200);
    assert_eq!(second["result"]["resultType"], "complete");
    assert_eq!(second["result"]["content"][0]["text"], "Hello, Alice!");
}

/// Runs the multi-round tool to its second question; returns that round's result.
async fn second_round(app: &TestApp) -> Value {
    let (_, first) = call(app, MULTI_ROUND, None, None).await;
    let first = &first["result"];
    assert_eq!(first["resultType"], "input_required", "{first}");
    let key = first["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let answers = json!({ key: accept(json!({"name": "Alice", "confirm": true})) });
    let (_, second) = call(app, MULTI_ROUND, Some(answers), first.get("requestState")).await;
    second["result"].clone()
}

#[tokio::test]
async fn state_sealed_by_one_replica_opens_on_another_with_the_same_keys() {
    let (a, b) = (
        app_with_keys(KEYS_A, &[]).await,
        app_with_keys(KEYS_A, &[]).await,
    );
    let round = second_round(&a).await;
    assert_eq!(round["resultType"], "input_required", "{round}");
    let state = round["requestState"].clone();
    assert!(state.is_string());
    let answers = answer_all(&round);
    let (status, done) = call(&b, MULTI_ROUND, Some(answers), Some(&state)).await;
    assert_eq!(status, 200);
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
}

fn answer_all(round: &Value) -> Value {
    let answers: serde_json::Map<String, Value> = round["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .map(|key| {
            (
                key.clone(),
                accept(json!({"name": "Alice", "confirm": true})),
            )
        })
        .collect();
    Value::Object(answers)
}

#[tokio::test]
async fn a_replica_with_other_keys_refuses_the_state() {
    let (a, b) = (
        app_with_keys(KEYS_A, &[]).await,
        app_with_keys(KEYS_B, &[]).await,
    );
    let round = second_round(&a).await;
    let (status, refused) = call(
        &b,
        MULTI_ROUND,
        Some(answer_all(&round)),
        round.get("requestState"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(refused["error"]["code"], -32602);
    assert_eq!(refused["error"]["message"], "Invalid requestState");
}

#[tokio::test]
async fn a_rotated_key_ring_still_opens_states_of_the_old_key() {
    let old = app_with_keys(KEYS_A, &[]).await;
    let rotated = app_with_keys(&format!("{KEYS_B},{KEYS_A}"), &[]).await;
    let round = second_round(&old).await;
    let (_, done) = call(
        &rotated,
        MULTI_ROUND,
        Some(answer_all(&round)),
        round.get("requestState"),
    )
    .await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let app = app_with_keys(KEYS_A, &[]).await;
    let round = second_round(&app).await;
    let sealed = round["requestState"].as_str().unwrap();
    let mut bytes = sealed.as_bytes().to_vec();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let tampered = json!(String::from_utf8(bytes).unwrap());
    let (_, refused) = call(&app, MULTI_ROUND, Some(answer_all(&round)), Some(&tampered)).await;
    assert_eq!(refused["error"]["code"], -32602);
}

#[tokio::test]
async fn a_state_is_bound_to_its_tool_and_arguments() {
    let app = app_with_keys(KEYS_A, &[]).await;
    let round = second_round(&app).await;
    let state = round["requestState"].clone();
    let (_, other_tool) = call(&app, ASK_NAME, Some(answer_all(&round)), Some(&state)).await;
    assert_eq!(other_tool["error"]["code"], -32602);
    let params = json!({
        "name": MULTI_ROUND,
        "arguments": {"extra": 1},
        "inputResponses": answer_all(&round),
        "requestState": state,
    });
    let (_, other_arguments) = app.stateless("tools/call", params, elicitation()).await;
    assert_eq!(other_arguments["error"]["code"], -32602);
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let app = app_with_keys(KEYS_A, &[("MCP_REQUEST_STATE_TTL_SECS", "1")]).await;
    let round = second_round(&app).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (_, refused) = call(
        &app,
        MULTI_ROUND,
        Some(answer_all(&round)),
        round.get("requestState"),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32602);
}

#[tokio::test]
async fn a_malformed_answer_is_invalid_params() {
    let app = app_with_keys(KEYS_A, &[]).await;
    let answers = json!({"user_name": {"action": "accept", "content": "not an object"}});
    let (_, refused) = call(&app, ASK_NAME, Some(answers), None).await;
    assert_eq!(refused["error"]["code"], -32602);
    let (_, refused) = call(&app, ASK_NAME, Some(json!("not a map")), None).await;
    assert_eq!(refused["error"]["code"], -32602);
}

#[tokio::test]
async fn a_question_the_client_cannot_answer_is_a_missing_capability() {
    let app = app_with_keys(KEYS_A, &[]).await;
    let params = json!({"name": ASK_NAME, "arguments": {}});
    let (status, refused) = app.stateless("tools/call", params, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(refused["error"]["code"], -32021);
    assert!(
        refused["error"]["data"]["requiredCapabilities"]
            .get("elicitation")
            .is_some(),
        "{refused}"
    );
}
