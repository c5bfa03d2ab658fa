//! Resources, prompts and completion, change notifications, and SSE polling, with the
//! conformance pack switched on.

use std::time::Duration;

use mcp_server::protocol::ListKind;
use serde_json::{Value, json};

use crate::helpers::*;

const CONFORMANCE: (&str, &str) = ("MCP_FEATURE_PACKS", "conformance");

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":method,"params":params})
}

async fn pack_session(app: &TestApp) -> Session {
    app.initialize("2025-11-25").await
}

#[tokio::test]
async fn capabilities_follow_what_is_registered() {
    let plain = spawn_app().await;
    let body: Value = plain
        .post(None, &initialize_body("2025-11-25"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let capabilities = &body["result"]["capabilities"];
    assert!(capabilities.get("resources").is_none() && capabilities.get("prompts").is_none());
    assert!(capabilities.get("completions").is_none());

    let app = spawn_app_with(&[CONFORMANCE]).await;
    let body: Value = app
        .post(None, &initialize_body("2025-11-25"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let capabilities = &body["result"]["capabilities"];
    assert_eq!(
        capabilities["resources"],
        json!({"subscribe": true, "listChanged": true})
    );
    assert_eq!(capabilities["prompts"], json!({"listChanged": true}));
    assert_eq!(capabilities["tools"], json!({"listChanged": true}));
    assert_eq!(capabilities["completions"], json!({}));
    assert_eq!(capabilities["logging"], json!({}));
}

#[tokio::test]
async fn resources_are_listed_and_read() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let (list, _) = app
        .call(&session, request(1, "resources/list", json!({})))
        .await;
    let uris: Vec<&str> = list["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "test://static-text",
            "test://static-binary",
            "test://watched-resource"
        ]
    );
    for resource in list["result"]["resources"].as_array().unwrap() {
        assert!(
            resource["name"].is_string() && resource["description"].is_string(),
            "{resource}"
        );
    }
    let (templates, _) = app
        .call(&session, request(2, "resources/templates/list", json!({})))
        .await;
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["uriTemplate"],
        "test://template/{id}/data"
    );

    let (text, _) = app
        .call(
            &session,
            request(3, "resources/read", json!({"uri": "test://static-text"})),
        )
        .await;
    assert_eq!(
        text["result"]["contents"],
        json!([{"uri": "test://static-text", "mimeType": "text/plain", "text": "This is the content of the static text resource."}])
    );
    let (binary, _) = app
        .call(
            &session,
            request(4, "resources/read", json!({"uri": "test://static-binary"})),
        )
        .await;
    assert_eq!(binary["result"]["contents"][0]["mimeType"], "image/png");
    assert!(
        binary["result"]["contents"][0]["blob"]
            .as_str()
            .unwrap()
            .starts_with("iVBOR")
    );
    let (templated, _) = app
        .call(
            &session,
            request(
                5,
                "resources/read",
                json!({"uri": "test://template/123/data"}),
            ),
        )
        .await;
    let contents = &templated["result"]["contents"][0];
    assert_eq!(contents["uri"], "test://template/123/data");
    let data: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        data,
        json!({"id": "123", "templateTest": true, "data": "Data for ID: 123"})
    );
}

#[tokio::test]
async fn unknown_resources_are_32002_with_the_uri() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    for uri in [
        "test://nope",
        "test://template/1/2/data",
        "test://template//data",
    ] {
        let (answer, _) = app
            .call(&session, request(1, "resources/read", json!({"uri": uri})))
            .await;
        assert_eq!(answer["error"]["code"], -32002, "{uri}");
        assert_eq!(answer["error"]["data"]["uri"], uri);
    }
    let (answer, _) = app
        .call(&session, request(2, "resources/read", json!({})))
        .await;
    assert_eq!(answer["error"]["code"], -32602);
}

#[tokio::test]
async fn subscribers_hear_about_updates_until_they_unsubscribe() {
    // A resource that changes only when announced here (the watched one also changes on a
    // clock, whose announcements would race with the unsubscription).
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let watcher = pack_session(&app).await;
    let bystander = pack_session(&app).await;
    let mut watcher_stream = app.open_stream(&watcher, None).await;
    let mut bystander_stream = app.open_stream(&bystander, None).await;
    let (answer, _) = app
        .call(
            &watcher,
            request(
                1,
                "resources/subscribe",
                json!({"uri": "test://static-text"}),
            ),
        )
        .await;
    assert_eq!(answer["result"], json!({}));

    app.engine
        .notifier()
        .resource_updated("test://static-text")
        .await
        .unwrap();
    let update = watcher_stream.next_message().await.unwrap();
    assert_eq!(
        update,
        json!({"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"test://static-text"}})
    );
    assert!(
        !bystander_stream
            .ends_without_message(Duration::from_millis(300))
            .await,
        "not subscribed"
    );

    let (answer, _) = app
        .call(
            &watcher,
            request(
                2,
                "resources/unsubscribe",
                json!({"uri": "test://static-text"}),
            ),
        )
        .await;
    assert_eq!(answer["result"], json!({}));
    app.engine
        .notifier()
        .resource_updated("test://static-text")
        .await
        .unwrap();
    assert!(
        !watcher_stream
            .ends_without_message(Duration::from_millis(300))
            .await,
        "unsubscribed"
    );
}

#[tokio::test]
async fn the_watched_resource_changes_and_announces_it() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let read = || {
        app.call(
            &session,
            request(
                1,
                "resources/read",
                json!({"uri": "test://watched-resource"}),
            ),
        )
    };
    let before = read().await.0["result"]["contents"][0]["text"].clone();
    let mut stream = app.open_stream(&session, None).await;
    app.call(
        &session,
        request(
            2,
            "resources/subscribe",
            json!({"uri": "test://watched-resource"}),
        ),
    )
    .await;
    let update = tokio::time::timeout(Duration::from_secs(8), stream.next_message())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(update["method"], "notifications/resources/updated");
    let after = read().await.0["result"]["contents"][0]["text"].clone();
    assert_ne!(before, after, "the content moved on");
}

#[tokio::test]
async fn list_changes_reach_every_open_standalone_stream() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let one = pack_session(&app).await;
    let two = pack_session(&app).await;
    let mut first = app.open_stream(&one, None).await;
    let mut second = app.open_stream(&two, None).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    for (kind, method) in [
        (ListKind::Tools, "notifications/tools/list_changed"),
        (ListKind::Prompts, "notifications/prompts/list_changed"),
        (ListKind::Resources, "notifications/resources/list_changed"),
    ] {
        app.engine.notifier().list_changed(kind).await.unwrap();
        for stream in [&mut first, &mut second] {
            let (id, message) = stream.next_message_with_id().await.unwrap();
            assert_eq!(message["method"], method);
            assert!(
                id.starts_with("g."),
                "resumable like any standalone event: {id}"
            );
        }
    }
}

#[tokio::test]
async fn prompts_are_listed_and_filled_in() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let (list, _) = app
        .call(&session, request(1, "prompts/list", json!({})))
        .await;
    let names: Vec<&str> = list["result"]["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "test_simple_prompt",
            "test_prompt_with_arguments",
            "test_prompt_with_embedded_resource",
            "test_prompt_with_image",
            "test_input_required_result_prompt"
        ]
    );
    assert_eq!(
        list["result"]["prompts"][1]["arguments"][0],
        json!({"name": "arg1", "description": "First test argument", "required": true})
    );

    let (simple, _) = app
        .call(
            &session,
            request(2, "prompts/get", json!({"name": "test_simple_prompt"})),
        )
        .await;
    assert_eq!(
        simple["result"]["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "This is a simple prompt for testing."}}])
    );
    let args = json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "hello", "arg2": "world"}});
    let (with_args, _) = app.call(&session, request(3, "prompts/get", args)).await;
    assert_eq!(
        with_args["result"]["messages"][0]["content"]["text"],
        "Prompt with arguments: arg1='hello', arg2='world'"
    );
    let embedded = json!({"name": "test_prompt_with_embedded_resource", "arguments": {"resourceUri": "test://x"}});
    let (embedded, _) = app
        .call(&session, request(4, "prompts/get", embedded))
        .await;
    assert_eq!(
        embedded["result"]["messages"][0]["content"]["type"],
        "resource"
    );
    assert_eq!(
        embedded["result"]["messages"][0]["content"]["resource"]["uri"],
        "test://x"
    );
    let (image, _) = app
        .call(
            &session,
            request(5, "prompts/get", json!({"name": "test_prompt_with_image"})),
        )
        .await;
    assert_eq!(
        image["result"]["messages"][0]["content"]["mimeType"],
        "image/png"
    );
}

#[tokio::test]
async fn bad_prompt_requests_are_32602() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    for params in [
        json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "only one"}}),
        json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": 1, "arg2": "x"}}),
        json!({"name": "no_such_prompt"}),
        json!({}),
    ] {
        let (answer, _) = app
            .call(&session, request(1, "prompts/get", params.clone()))
            .await;
        assert_eq!(answer["error"]["code"], -32602, "{params}");
    }
    let (answer, _) = app
        .call(
            &session,
            request(
                1,
                "prompts/get",
                json!({"name": "test_prompt_with_arguments"}),
            ),
        )
        .await;
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("arg1, arg2"),
        "{answer}"
    );
}

#[tokio::test]
async fn completion_suggests_prompt_arguments_and_template_variables() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let prompt = json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"}, "argument": {"name": "arg1", "value": "pa"}});
    let (answer, _) = app
        .call(&session, request(1, "completion/complete", prompt))
        .await;
    assert_eq!(
        answer["result"]["completion"],
        json!({"values": ["paris", "park", "party"], "total": 3, "hasMore": false})
    );
    let template = json!({"ref": {"type": "ref/resource", "uri": "test://template/{id}/data"}, "argument": {"name": "id", "value": "1"}});
    let (answer, _) = app
        .call(&session, request(2, "completion/complete", template))
        .await;
    assert_eq!(
        answer["result"]["completion"]["values"],
        json!(["100", "123"])
    );
    let nothing = json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"}, "argument": {"name": "arg1", "value": "zzz"}});
    let (answer, _) = app
        .call(&session, request(3, "completion/complete", nothing))
        .await;
    assert_eq!(answer["result"]["completion"]["values"], json!([]));
    for bad in [
        json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "a", "value": ""}}),
        json!({"ref": {"type": "ref/resource", "uri": "test://nope/{x}"}, "argument": {"name": "x", "value": ""}}),
        json!({"ref": {"type": "ref/other"}, "argument": {"name": "x", "value": ""}}),
    ] {
        let (answer, _) = app
            .call(&session, request(4, "completion/complete", bad.clone()))
            .await;
        assert_eq!(answer["error"]["code"], -32602, "{bad}");
    }
}

#[tokio::test]
async fn the_conformance_tools_return_every_kind_of_content() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let image = app
        .call_tool(&session, 1, "test_image_content", json!({}))
        .await;
    assert_eq!(image["result"]["content"][0]["type"], "image");
    let audio = app
        .call_tool(&session, 2, "test_audio_content", json!({}))
        .await;
    assert_eq!(audio["result"]["content"][0]["mimeType"], "audio/wav");
    let mixed = app
        .call_tool(&session, 3, "test_multiple_content_types", json!({}))
        .await;
    let kinds: Vec<&str> = mixed["result"]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "image", "resource"]);
    let error = app
        .call_tool(&session, 4, "test_error_handling", json!({}))
        .await;
    assert_eq!(error["result"]["isError"], true);
    assert!(
        error.get("error").is_none(),
        "a tool failure is not a protocol error"
    );
}

#[tokio::test]
async fn json_schema_2020_12_input_schemas_pass_through_unchanged() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let (list, _) = app
        .call(&session, request(1, "tools/list", json!({})))
        .await;
    let tool = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "json_schema_2020_12_tool")
        .unwrap();
    let schema = &tool["inputSchema"];
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$defs"]["address"]["$anchor"], "addressDef");
    assert_eq!(schema["properties"]["address"]["$ref"], "#/$defs/address");
    assert_eq!(schema["else"], json!({"required": ["email"]}));
    assert_eq!(schema["additionalProperties"], false);
    let keys: Vec<&String> = schema.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "$schema",
            "type",
            "$defs",
            "properties",
            "allOf",
            "if",
            "then",
            "else",
            "additionalProperties"
        ]
    );
}

#[tokio::test]
async fn logging_and_progress_tools_stream_on_their_own_response() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = pack_session(&app).await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{}}});
    let (_, before) = app.call(&session, body).await;
    assert_eq!(
        log_lines(&before),
        [
            "Tool execution started",
            "Tool processing data",
            "Tool execution completed"
        ]
    );
    let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_tool_with_progress","arguments":{},"_meta":{"progressToken":"p"}}});
    let (_, before) = app.call(&session, body).await;
    let progress: Vec<f64> = before
        .iter()
        .filter_map(|m| m["params"]["progress"].as_f64())
        .collect();
    assert_eq!(progress, [0.0, 50.0, 100.0]);
}

#[tokio::test]
async fn a_tool_can_close_its_stream_and_the_client_resumes_it() {
    let app = spawn_app_with(&[CONFORMANCE, ("MCP_SSE_RETRY_MS", "200")]).await;
    let session = app.initialize("2025-11-25").await;
    let mut stream = app
        .start_tool(&session, 1, "test_reconnection", json!({}))
        .await;
    let priming = stream.next_block().await.unwrap();
    assert_eq!(priming.data.as_deref(), Some(""));
    let mut last_id = priming.id.unwrap();
    let mut retry = None;
    while let Some(block) = stream.next_block().await {
        assert!(
            block.json().is_none(),
            "no response on the closed stream: {block:?}"
        );
        last_id = block.id.unwrap_or(last_id);
        retry = retry.or(block.retry);
    }
    assert_eq!(retry, Some(200), "the stream closed with a retry hint");
    let mut resumed = app.open_stream(&session, Some(&last_id)).await;
    let answer = resumed.next_message().await.unwrap();
    assert_eq!(answer["id"], 1);
    assert!(
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Reconnection test completed")
    );
    assert!(resumed.ends_without_message(PATIENCE).await);

    // Sessions before 2025-11-25 cannot resume a POST's stream, so it is not closed on them.
    let old = app.initialize("2025-06-18").await;
    let answer = app.call_tool(&old, 2, "test_reconnection", json!({})).await;
    assert!(
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Reconnection test completed")
    );
}

#[tokio::test]
async fn rich_results_reach_new_clients_and_unknown_content_kinds_degrade_to_text_for_old_ones() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let new = app.initialize("2025-11-25").await;
    let (list, _) = app.call(&new, request(1, "tools/list", json!({}))).await;
    let tool = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "test_structured_content")
        .unwrap();
    assert_eq!(tool["title"], "Weather Report");
    assert_eq!(tool["icons"][0]["mimeType"], "image/svg+xml");
    assert_eq!(
        tool["outputSchema"]["required"],
        json!(["city", "temperature", "conditions"])
    );
    let weather = app
        .call_tool(&new, 2, "test_structured_content", json!({"city": "Oslo"}))
        .await;
    let structured = json!({"city": "Oslo", "temperature": 22.5, "conditions": "sunny"});
    assert_eq!(weather["result"]["structuredContent"], structured);
    let text: Value =
        serde_json::from_str(weather["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        text, structured,
        "the same data as text for clients that ignore structure"
    );
    let link = app
        .call_tool(&new, 3, "test_resource_link", json!({}))
        .await;
    assert_eq!(link["result"]["content"][1]["type"], "resource_link");
    assert_eq!(link["result"]["content"][1]["uri"], "test://static-text");

    let old = app.initialize("2025-03-26").await;
    let weather = app
        .call_tool(&old, 5, "test_structured_content", json!({"city": "Oslo"}))
        .await;
    assert!(
        weather["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Oslo"),
        "text for clients without structure"
    );
    let link = app
        .call_tool(&old, 6, "test_resource_link", json!({}))
        .await;
    assert_eq!(
        link["result"]["content"][1],
        json!({"type": "text", "text": "Resource link: static-text <test://static-text>"})
    );

    let oldest = app.initialize("2024-11-05").await;
    let audio = app
        .call_tool(&oldest, 7, "test_audio_content", json!({}))
        .await;
    assert_eq!(audio["result"]["content"][0]["type"], "text");
}

#[tokio::test]
async fn url_elicitation_sends_the_user_away_and_reports_completion() {
    let app = spawn_app_with(&[CONFORMANCE]).await;
    let session = app
        .initialize_with("2025-11-25", json!({"elicitation": {"url": {}}}))
        .await;
    let mut stream = app
        .start_tool(&session, 1, "test_url_elicitation", json!({}))
        .await;
    let request = stream.next_message().await.unwrap();
    assert_eq!(request["params"]["mode"], "url");
    let elicitation_id = request["params"]["elicitationId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        request["params"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://example.com/authorize")
    );
    app.answer(&session, &request["id"], Ok(json!({"action": "accept"})))
        .await;
    let complete = stream.next_message().await.unwrap();
    assert_eq!(
        complete,
        json!({"jsonrpc":"2.0","method":"notifications/elicitation/complete","params":{"elicitationId": elicitation_id}})
    );
    let answer = stream.next_message().await.unwrap();
    assert!(
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("URL elicitation finished: action=accept")
    );

    let form_only = app
        .initialize_with("2025-11-25", json!({"elicitation": {"form": {}}}))
        .await;
    let answer = app
        .call_tool(&form_only, 2, "test_url_elicitation", json!({}))
        .await;
    assert_eq!(answer["result"]["isError"], true);
    assert!(
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("URL mode")
    );
}
