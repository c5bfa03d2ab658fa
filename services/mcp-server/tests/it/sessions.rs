//! Session ids on requests: required, known, live; DELETE; idle expiry.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

fn tools_list() -> serde_json::Value {
    json!({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}})
}

#[tokio::test]
async fn a_missing_session_id_is_400_with_a_json_rpc_body() {
    let app = spawn_app().await;
    let response = app.post(None, &tools_list()).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["jsonrpc"], "2.0");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Mcp-Session-Id")
    );
}

#[tokio::test]
async fn unknown_and_malformed_session_ids_are_404() {
    let app = spawn_app().await;
    for id in ["0123456789abcdef0123456789abcdef", "not-a-session", ""] {
        let session = Session {
            id: id.to_owned(),
            version: "2025-03-26".to_owned(),
        };
        let response = app
            .post(Some(&session), &tools_list())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{id:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], -32001);
    }
}

#[tokio::test]
async fn delete_ends_the_session_everywhere() {
    let app = spawn_app().await;
    let session = app.initialize("2025-11-25").await;
    let response = app.delete(&session).await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        app.post(Some(&session), &tools_list())
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(app.delete(&session).await.status(), 404);
    let get = app
        .client
        .get(&app.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session.id)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 404);
}

#[tokio::test]
async fn delete_and_get_need_a_session_id() {
    let app = spawn_app().await;
    assert_eq!(
        app.client.delete(&app.url).send().await.unwrap().status(),
        400
    );
    let get = app
        .client
        .get(&app.url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 400);
}

#[tokio::test]
async fn idle_sessions_expire_and_use_keeps_them_alive() {
    let app = spawn_app_with(&[("MCP_SESSION_IDLE_TTL_SECS", "2")]).await;
    let idle = app.initialize("2025-06-18").await;
    let busy = app.initialize("2025-06-18").await;
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            app.post(Some(&busy), &tools_list())
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    assert_eq!(
        app.post(Some(&idle), &tools_list())
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.post(Some(&busy), &tools_list())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn notifications_and_responses_get_202() {
    let app = spawn_app().await;
    let session = app.initialize("2025-06-18").await;
    for body in [
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"}),
        json!({"jsonrpc":"2.0","method":"notifications/unknown","params":{"x":1}}),
        json!({"jsonrpc":"2.0","id":"srv-1","result":{}}),
        json!({"jsonrpc":"2.0","id":"srv-2","error":{"code":-1,"message":"no"}}),
    ] {
        let response = app.post(Some(&session), &body).send().await.unwrap();
        assert_eq!(response.status(), 202, "{body}");
        assert!(response.text().await.unwrap().is_empty());
    }
}
