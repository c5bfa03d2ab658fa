//! The stateless era (2026-07-28) on the wire: per-request `_meta`, routing headers, discovery,
//! cache hints, and the statuses of its errors.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn discover_names_versions_capabilities_and_identity() {
    let app = spawn_app().await;
    let result = app
        .stateless_ok("server/discover", json!({}), json!({}))
        .await;
    assert_eq!(result["resultType"], "complete");
    let versions: Vec<&str> = result["supportedVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(versions[0], STATELESS);
    assert!(versions.contains(&"2025-11-25") && versions.contains(&"2024-11-05"));
    assert!(result["capabilities"]["tools"].is_object());
    assert!(
        result["capabilities"].get("extensions").is_none(),
        "no tool runs as a task, so the tasks extension is not offered"
    );
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "mcp-server"
    );
    assert_eq!(result["ttlMs"], 300_000);
    assert_eq!(result["cacheScope"], "public");
}

#[tokio::test]
async fn discover_offers_the_tasks_extension_when_a_tool_can_run_as_a_task() {
    let app = spawn_app_with(&[("MCP_FEATURE_PACKS", "conformance")]).await;
    let result = app
        .stateless_ok("server/discover", json!({}), json!({}))
        .await;
    assert_eq!(
        result["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    assert!(result["capabilities"].get("tasks").is_none());
}

#[tokio::test]
async fn results_carry_their_type_and_listings_their_cache_hints() {
    let app = spawn_app().await;
    let listed = app.stateless_ok("tools/list", json!({}), json!({})).await;
    assert_eq!(listed["resultType"], "complete");
    assert_eq!(listed["cacheScope"], "public");
    assert_eq!(listed["tools"].as_array().unwrap().len(), 2);
    let called = app
        .stateless_ok(
            "tools/call",
            json!({"name": "greet", "arguments": {"name": "Ana"}}),
            json!({}),
        )
        .await;
    assert_eq!(called["resultType"], "complete");
    assert_eq!(called["content"][0]["text"], "Hello, Ana!");
    assert!(
        called.get("cacheScope").is_none(),
        "tool calls are not cacheable"
    );
}

#[tokio::test]
async fn a_request_without_meta_is_invalid() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {}});
    let response = app.post_stateless(&body).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["id"], 4);
    assert_eq!(answer["error"]["code"], -32602);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("_meta")
    );
}

#[tokio::test]
async fn the_version_header_must_match_meta() {
    let app = spawn_app().await;
    let body = stateless_body(5, "tools/list", json!({}), json!({}));
    let response = app
        .send_stateless_with(&body, &[("mcp-protocol-version", "2025-11-25")])
        .await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32020);
}

#[tokio::test]
async fn an_unknown_version_is_refused_with_the_supported_one() {
    let app = spawn_app().await;
    let mut body = stateless_body(5, "tools/list", json!({}), json!({}));
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let response = app
        .send_stateless_with(&body, &[("mcp-protocol-version", "2099-01-01")])
        .await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32022);
    assert_eq!(answer["error"]["data"]["supported"], json!([STATELESS]));
}

#[tokio::test]
async fn routing_headers_must_match_the_body() {
    let app = spawn_app().await;
    let body = stateless_body(
        6,
        "tools/call",
        json!({"name": "greet", "arguments": {"name": "x"}}),
        json!({}),
    );
    for (header, value) in [("mcp-method", "tools/list"), ("mcp-name", "count")] {
        let response = app.send_stateless_with(&body, &[(header, value)]).await;
        assert_eq!(response.status(), 400, "{header}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["code"], -32020, "{header}");
        assert_eq!(answer["id"], 6);
    }
    let bare = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT_BOTH)
        .header("mcp-protocol-version", STATELESS)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 400, "Mcp-Method and Mcp-Name are required");
}

#[tokio::test]
async fn handshake_only_methods_do_not_exist_here() {
    let app = spawn_app().await;
    for method in [
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "tasks/result",
    ] {
        let (status, answer) = app.stateless(method, json!({}), json!({})).await;
        assert_eq!(status, 404, "{method}");
        assert_eq!(answer["error"]["code"], -32601, "{method}");
    }
}

#[tokio::test]
async fn batches_are_refused_and_notifications_accepted() {
    let app = spawn_app().await;
    let request = stateless_body(1, "tools/list", json!({}), json!({}));
    let batch = json!([request.clone(), request]);
    let response = app.post_stateless(&batch).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32600);

    let mut notification = stateless_body(0, "notifications/cancelled", json!({}), json!({}));
    notification.as_object_mut().unwrap().remove("id");
    let response = app.post_stateless(&notification).send().await.unwrap();
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn log_messages_flow_only_when_the_request_asks_for_them() {
    let app = spawn_app().await;
    let call = |level: Option<&str>| {
        let mut params = json!({"name": "count", "arguments": {"number": 1}});
        if let Some(level) = level {
            params["_meta"] = json!({"io.modelcontextprotocol/logLevel": level});
        }
        stateless_body(8, "tools/call", params, json!({}))
    };
    let quiet = app.post_stateless(&call(None)).send().await.unwrap();
    let (answer, before) = read_answer(quiet).await;
    assert_eq!(answer["result"]["resultType"], "complete");
    assert!(log_lines(&before).is_empty(), "{before:?}");

    let chatty = app
        .post_stateless(&call(Some("info")))
        .send()
        .await
        .unwrap();
    let (answer, before) = read_answer(chatty).await;
    assert_eq!(answer["result"]["resultType"], "complete");
    assert_eq!(log_lines(&before), ["Counted to 1"]);
}

#[tokio::test]
async fn a_session_id_does_not_make_a_stateless_request_stateful() {
    let app = spawn_app().await;
    let body = stateless_body(9, "tools/list", json!({}), json!({}));
    let response = app
        .post_stateless(&body)
        .header("mcp-session-id", "not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["result"]["resultType"], "complete");
}
