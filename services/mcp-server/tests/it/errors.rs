//! Every refusal: its HTTP status, its JSON-RPC code, and a JSON body.

use serde_json::{Value, json};

use crate::helpers::*;

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "status {status}"
    );
    (status, response.json().await.unwrap())
}

/// POSTs `body` as it is (not necessarily JSON) on `session`.
async fn post_raw(
    app: &TestApp,
    session: &Session,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT_BOTH)
        .header("mcp-session-id", &session.id)
        .header("mcp-protocol-version", &session.version)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_parse_error_as_json() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    for body in ["{\"jsonrpc\":", "", "not json", "{\"a\":1"] {
        let response = post_raw(&app, &session, body).await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, 400);
        assert_eq!(error["error"]["code"], -32700, "{body:?}");
        assert_eq!(error["id"], Value::Null);
    }
}

#[tokio::test]
async fn invalid_requests_are_32600_and_echo_the_id() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let cases = [
        (json!({"jsonrpc":"1.0","id":5,"method":"ping"}), json!(5)),
        (json!({"id":"x","method":"ping"}), json!("x")),
        (json!({"jsonrpc":"2.0","id":6,"method":7}), json!(6)),
        (
            json!({"jsonrpc":"2.0","id":null,"method":"ping"}),
            Value::Null,
        ),
        (json!(42), Value::Null),
        (json!([]), Value::Null),
    ];
    for (body, id) in cases {
        let (status, error) = error_of(app.post(Some(&session), &body).send().await.unwrap()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["error"]["code"], -32600, "{body}");
        assert_eq!(error["id"], id, "{body}");
    }
}

#[tokio::test]
async fn unknown_methods_are_32601_answered_normally() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    for method in ["does/not/exist", "resources/list", "prompts/list"] {
        let (answer, _) = app
            .call(&session, json!({"jsonrpc":"2.0","id":9,"method":method}))
            .await;
        assert_eq!(answer["error"]["code"], -32601, "{method}");
        assert_eq!(answer["id"], 9);
    }
}

#[tokio::test]
async fn bad_params_are_32602() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let cases = [
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}}),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}}),
        json!({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"verbose"}}),
        json!({"jsonrpc":"2.0","id":1,"method":"logging/setLevel"}),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"never-issued"}}),
    ];
    for body in cases {
        let (answer, _) = app.call(&session, body.clone()).await;
        assert_eq!(answer["error"]["code"], -32602, "{body}");
    }
    let (status, error) = error_of(
        app.post(
            Some(&session),
            &json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (400, json!(-32602))
    );
}

#[tokio::test]
async fn content_type_must_be_json() {
    let app = spawn_app().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .client
            .post(&app.url)
            .header("accept", ACCEPT_BOTH)
            .body(initialize_body("2025-06-18").to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, error) = error_of(request.send().await.unwrap()).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Content-Type")
        );
    }
}

#[tokio::test]
async fn accept_must_allow_what_is_sent() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"}).to_string();
    for accept in [
        "text/html",
        "application/xml",
        "application/json;q=0, text/event-stream;q=0",
    ] {
        let response = app
            .client
            .post(&app.url)
            .header("content-type", "application/json")
            .header("accept", accept)
            .header("mcp-session-id", &session.id)
            .body(ping.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(response).await.0, 406, "{accept}");
    }
    let response = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "text/html")
        .body(initialize_body("2025-06-18").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.0, 406);
    let get = app
        .client
        .get(&app.url)
        .header("accept", "application/json")
        .header("mcp-session-id", &session.id)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(get).await.0, 406);
}

#[tokio::test]
async fn a_json_only_client_gets_json_even_for_streaming_tools() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    let body = json!({"jsonrpc":"2.0","id":4,"method":"tools/call",
        "params":{"name":"count","arguments":{"number":1},"_meta":{"progressToken":"t"}}});
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
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["result"]["content"][0]["text"], "Counting to 1");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app_with(&[("MCP_MAX_BODY_BYTES", "1024")]).await;
    let session = app.initialize("2025-06-18").await;
    let big = json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
        "params":{"name":"greet","arguments":{"name":"x".repeat(2000)}}});
    let (status, error) = error_of(app.post(Some(&session), &big).send().await.unwrap()).await;
    assert_eq!(status, 413);
    assert!(error["error"]["message"].as_str().unwrap().contains("1024"));
    // Without Content-Length (chunked), the limit still holds.
    let chunks = futures::stream::iter(vec![Ok::<_, std::io::Error>(big.to_string())]);
    let response = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT_BOTH)
        .header("mcp-session-id", &session.id)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.0, 413);
}

#[tokio::test]
async fn the_protocol_version_header_must_be_supported() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    for version in ["garbage", "2099-01-01", "2026-07-28x"] {
        let response = app
            .post(None, &json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
            .header("mcp-session-id", &session.id)
            .header("mcp-protocol-version", version)
            .send()
            .await
            .unwrap();
        let (status, error) = error_of(response).await;
        assert_eq!(status, 400, "{version}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("MCP-Protocol-Version")
        );
    }
    // Any supported version is accepted, even one other than the session's.
    for version in ["2025-03-26", "2025-11-25"] {
        let response = app
            .post(None, &json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
            .header("mcp-session-id", &session.id)
            .header("mcp-protocol-version", version)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{version}");
    }
    // Absent header: the negotiated version applies.
    let response = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT_BOTH)
        .header("mcp-session-id", &session.id)
        .body(json!({"jsonrpc":"2.0","id":1,"method":"ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn batches_are_for_2025_03_26_sessions_only() {
    let app = spawn_app().await;
    let old = app.initialize("2025-03-26").await;
    let batch = json!([
        {"jsonrpc":"2.0","id":1,"method":"ping"},
        {"jsonrpc":"2.0","method":"notifications/initialized"},
        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"greet","arguments":{"name":"B"}}},
        {"jsonrpc":"1.0","id":3,"method":"ping"}
    ]);
    let response = app.post(Some(&old), &batch).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let answers: Vec<Value> = response.json().await.unwrap();
    assert_eq!(answers.len(), 3);
    let by_id = |id: i64| answers.iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(by_id(1)["result"], json!({}));
    assert_eq!(by_id(2)["result"]["content"][0]["text"], "Hello, B!");
    assert_eq!(by_id(3)["error"]["code"], -32600);

    let only_notifications = json!([{"jsonrpc":"2.0","method":"notifications/initialized"}]);
    assert_eq!(
        app.post(Some(&old), &only_notifications)
            .send()
            .await
            .unwrap()
            .status(),
        202
    );

    for version in ["2024-11-05", "2025-06-18", "2025-11-25"] {
        let session = app.initialize(version).await;
        let (status, error) =
            error_of(app.post(Some(&session), &batch).send().await.unwrap()).await;
        assert_eq!(status, 400, "{version}");
        assert_eq!(error["error"]["code"], -32600);
    }
}

#[tokio::test]
async fn unsupported_http_methods_are_405() {
    let app = spawn_app().await;
    let response = app.client.put(&app.url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert!(response.headers().contains_key("allow"));
}

#[tokio::test]
async fn a_malformed_last_event_id_is_400() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let response = app
        .client
        .get(&app.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session.id)
        .header("last-event-id", "../../etc/passwd")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.0, 400);
}

#[tokio::test]
async fn deeply_nested_json_is_a_parse_error_not_a_crash() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let deep = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    for body in [
        deep(200_000),
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"greet","arguments":{{"name":{}}}}}}}"#,
            deep(10_000)
        ),
    ] {
        let response = post_raw(&app, &session, body).await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, 400);
        assert_eq!(error["error"]["code"], -32700);
    }
    let answer = app
        .call_tool(&session, 2, "greet", json!({"name": "Bo"}))
        .await;
    assert_eq!(
        answer["result"]["content"][0]["text"], "Hello, Bo!",
        "still serving"
    );
}
