//! Requests from the server to the client (elicitation, sampling, roots) made by tools: the
//! answer path, and every way it can go wrong.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const CONFORMANCE: (&str, &str) = ("MCP_FEATURE_PACKS", "conformance");

fn all_capabilities() -> Value {
    json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}, "roots": {"listChanged": true}})
}

fn result_text(answer: &Value) -> String {
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Reads until the response; returns it and the messages before it.
async fn finish(stream: &mut SseReader) -> (Value, Vec<Value>) {
    let mut before = Vec::new();
    while let Some(message) = stream.next_message().await {
        if message.get("result").is_some() || message.get("error").is_some() {
            return (message, before);
        }
        before.push(message);
    }
    panic!("the stream ended without a response; saw {before:?}");
}

#[tokio::test]
async fn an_elicitation_answered_by_the_client_reaches_the_tool() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(
            &session,
            1,
            "test_elicitation",
            json!({"message": "Who are you?"}),
        )
        .await;
    let request = stream.next_message().await.unwrap();
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["params"]["mode"], "form");
    assert_eq!(request["params"]["message"], "Who are you?");
    let schema = &request["params"]["requestedSchema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["username", "email"]));
    assert!(request["id"].as_str().unwrap().starts_with("srv-"));

    let content = json!({"username": "ada", "email": "ada@example.com"});
    let posted = app
        .answer(
            &session,
            &request["id"],
            Ok(json!({"action": "accept", "content": content})),
        )
        .await;
    assert_eq!(posted.status(), 202);
    let (answer, _) = finish(&mut stream).await;
    assert_eq!(answer["id"], 1);
    assert_eq!(
        result_text(&answer),
        r#"User response: action=accept, content={"username":"ada","email":"ada@example.com"}"#
    );
}

#[tokio::test]
async fn older_sessions_get_elicitations_without_a_mode() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app
        .initialize_with("2025-06-18", json!({"elicitation": {}}))
        .await;
    let mut stream = app
        .start_tool(&session, 1, "test_elicitation", json!({"message": "?"}))
        .await;
    let request = stream.next_message().await.unwrap();
    assert!(request["params"].get("mode").is_none(), "{request}");
    app.answer(&session, &request["id"], Ok(json!({"action": "decline"})))
        .await;
    let (answer, _) = finish(&mut stream).await;
    assert_eq!(
        result_text(&answer),
        "User response: action=decline, content=null"
    );
}

#[tokio::test]
async fn elicitation_schemas_carry_defaults_and_every_enum_form() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 1, "test_elicitation_sep1034_defaults", json!({}))
        .await;
    let request = stream.next_message().await.unwrap();
    let properties = &request["params"]["requestedSchema"]["properties"];
    assert_eq!(properties["name"]["default"], "John Doe");
    assert_eq!(properties["age"], json!({"type": "integer", "default": 30}));
    assert_eq!(properties["score"]["default"], 95.5);
    assert_eq!(
        properties["status"]["enum"],
        json!(["active", "inactive", "pending"])
    );
    assert_eq!(properties["status"]["default"], "active");
    assert_eq!(properties["verified"]["default"], true);
    app.answer(&session, &request["id"], Ok(json!({"action": "cancel"})))
        .await;
    finish(&mut stream).await;

    let mut stream = app
        .start_tool(&session, 2, "test_elicitation_sep1330_enums", json!({}))
        .await;
    let request = stream.next_message().await.unwrap();
    let properties = &request["params"]["requestedSchema"]["properties"];
    assert_eq!(
        properties["untitledSingle"]["enum"],
        json!(["option1", "option2", "option3"])
    );
    assert_eq!(
        properties["titledSingle"]["oneOf"][0],
        json!({"const": "value1", "title": "First Option"})
    );
    assert_eq!(properties["legacyEnum"]["enumNames"][2], "Option Three");
    assert_eq!(properties["untitledMulti"]["type"], "array");
    assert_eq!(properties["untitledMulti"]["items"]["enum"][1], "option2");
    assert_eq!(
        properties["titledMulti"]["items"]["anyOf"][1],
        json!({"const": "value2", "title": "Second Choice"})
    );
    app.answer(
        &session,
        &request["id"],
        Ok(json!({"action": "accept", "content": {"untitledMulti": ["option1"]}})),
    )
    .await;
    let (answer, _) = finish(&mut stream).await;
    assert!(result_text(&answer).starts_with("Elicitation completed: action=accept"));
}

#[tokio::test]
async fn sampling_and_roots_round_trip() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 1, "test_sampling", json!({"prompt": "Say hi"}))
        .await;
    let request = stream.next_message().await.unwrap();
    assert_eq!(request["method"], "sampling/createMessage");
    assert_eq!(request["params"]["maxTokens"], 100);
    assert_eq!(request["params"]["messages"][0]["role"], "user");
    assert_eq!(
        request["params"]["messages"][0]["content"]["text"],
        "Say hi"
    );
    let reply = json!({"role": "assistant", "content": {"type": "text", "text": "hi!"}, "model": "m", "stopReason": "endTurn"});
    app.answer(&session, &request["id"], Ok(reply)).await;
    let (answer, _) = finish(&mut stream).await;
    assert_eq!(result_text(&answer), "LLM response: hi!");

    let mut stream = app
        .start_tool(&session, 2, "test_list_roots", json!({}))
        .await;
    let request = stream.next_message().await.unwrap();
    assert_eq!(request["method"], "roots/list");
    app.answer(
        &session,
        &request["id"],
        Ok(json!({"roots": [{"uri": "file:///work", "name": "work"}]})),
    )
    .await;
    let (answer, _) = finish(&mut stream).await;
    assert_eq!(result_text(&answer), r#"Roots: ["file:///work"]"#);
}

#[tokio::test]
async fn a_client_error_becomes_a_tool_error() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 1, "test_sampling", json!({"prompt": "x"}))
        .await;
    let request = stream.next_message().await.unwrap();
    app.answer(
        &session,
        &request["id"],
        Err(json!({"code": -1, "message": "User rejected sampling request"})),
    )
    .await;
    let (answer, _) = finish(&mut stream).await;
    assert_eq!(answer["result"]["isError"], true);
    assert!(
        result_text(&answer).contains("User rejected sampling request"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_malformed_answer_becomes_a_tool_error() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 1, "test_elicitation", json!({"message": "?"}))
        .await;
    let request = stream.next_message().await.unwrap();
    app.answer(&session, &request["id"], Ok(json!({"action": "shrug"})))
        .await;
    let (answer, _) = finish(&mut stream).await;
    assert_eq!(answer["result"]["isError"], true);
    assert!(result_text(&answer).contains("malformed"), "{answer}");
}

#[tokio::test]
async fn a_client_that_never_answers_times_out_and_a_late_answer_is_ignored() {
    let app = spawn_app_with(&[CONFORMANCE, ("MCP_CLIENT_REQUEST_TIMEOUT_SECS", "1")]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 1, "test_elicitation", json!({"message": "?"}))
        .await;
    let request = stream.next_message().await.unwrap();
    let (answer, before) = finish(&mut stream).await;
    assert_eq!(answer["result"]["isError"], true);
    assert!(
        result_text(&answer).contains("did not answer within 1 s"),
        "{answer}"
    );
    let cancelled = before
        .iter()
        .find(|m| m["method"] == "notifications/cancelled")
        .expect("the client is told");
    assert_eq!(cancelled["params"]["requestId"], request["id"]);

    let late = app
        .answer(&session, &request["id"], Ok(json!({"action": "accept"})))
        .await;
    assert_eq!(late.status(), 202);
    let pong = app
        .call(&session, json!({"jsonrpc":"2.0","id":9,"method":"ping"}))
        .await
        .0;
    assert_eq!(pong["result"], json!({}), "the session is unaffected");
}

#[tokio::test]
async fn cancelling_the_call_while_the_client_is_asked_withdraws_the_question() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 7, "test_elicitation", json!({"message": "?"}))
        .await;
    let request = stream.next_message().await.unwrap();
    let cancel =
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}});
    assert_eq!(
        app.post(Some(&session), &cancel)
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    let withdrawn = stream
        .next_message()
        .await
        .expect("a cancellation of the server's request");
    assert_eq!(withdrawn["method"], "notifications/cancelled");
    assert_eq!(withdrawn["params"]["requestId"], request["id"]);
    assert!(
        stream.ends_without_message(PATIENCE).await,
        "no response to a cancelled call"
    );
}

#[tokio::test]
async fn a_client_without_the_capability_gets_a_clear_tool_error() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize("2025-11-25").await;
    for (tool, arguments, capability) in [
        ("test_elicitation", json!({"message": "?"}), "elicitation"),
        ("test_sampling", json!({"prompt": "?"}), "sampling"),
        ("test_list_roots", json!({}), "roots"),
    ] {
        let answer = app.call_tool(&session, 1, tool, arguments).await;
        assert_eq!(answer["result"]["isError"], true, "{tool}");
        let text = result_text(&answer);
        assert!(
            text.contains(&format!("does not support {capability}")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_json_only_client_cannot_be_asked_anything() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_list_roots","arguments":{}}});
    let response = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("mcp-session-id", &session.id)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["result"]["isError"], true);
    assert!(result_text(&answer).contains("Accept header"), "{answer}");
}

#[tokio::test]
async fn answers_from_another_session_do_not_reach_the_tool() {
    let app = spawn_app_with(&[CONFORMANCE, ("MCP_CLIENT_REQUEST_TIMEOUT_SECS", "2")]).await;
    let session = app.initialize_with("2025-11-25", all_capabilities()).await;
    let stranger = app.initialize_with("2025-11-25", all_capabilities()).await;
    let mut stream = app
        .start_tool(&session, 1, "test_elicitation", json!({"message": "?"}))
        .await;
    let request = stream.next_message().await.unwrap();
    app.answer(
        &stranger,
        &request["id"],
        Ok(json!({"action": "accept", "content": {}})),
    )
    .await;
    let (answer, _) = tokio::time::timeout(Duration::from_secs(10), finish(&mut stream))
        .await
        .unwrap();
    assert!(result_text(&answer).contains("did not answer"), "{answer}");
}
