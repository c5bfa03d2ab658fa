//! `/metrics` on its own port: every series exists from the start, and moves with real traffic.

use serde_json::json;

use crate::{
    helpers::{TestApp, spawn_app_with},
    oauth::{ALICE, RESOURCE, spawn_as, spawn_protected},
};

/// The scrape, as text.
async fn scrape(app: &TestApp) -> String {
    service_kit::testing::scrape(app.metrics_url.as_ref().expect("METRICS_PORT was set")).await
}

use service_kit::testing::series_value as value;

#[tokio::test]
async fn every_series_is_there_before_traffic_and_moves_with_it() {
    let app = spawn_app_with(&[("METRICS_PORT", "0")]).await;
    let before = scrape(&app).await;
    for name in [
        "mcp_server_operation_duration_seconds",
        "mcp_server_sse_streams_open",
        "mcp_server_sessions_started_total",
        "mcp_server_tool_calls_in_flight",
        "mcp_server_auth_requests_total",
        "mcp_server_introspection_cache_lookups_total",
        "mcp_server_jwks_fetches_total",
        "mcp_server_bus_messages_published_total",
        "mcp_server_redis_errors_total",
    ] {
        assert!(
            before.contains(&format!("# TYPE {name} ")),
            "{name} missing:\n{before}"
        );
        assert!(
            before.contains(&format!("# HELP {name} ")),
            "{name} undescribed"
        );
    }
    let calls = r#"mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",error_type=""}"#;
    let unknown = r#"mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",error_type="-32602"}"#;
    let sessions = "mcp_server_sessions_started_total";
    let anonymous = r#"mcp_server_auth_requests_total{mode="disabled",outcome="anonymous"}"#;

    let session = app.initialize("2025-11-25").await;
    app.call_tool(&session, 2, "greet", json!({"name": "M"}))
        .await;
    app.call_tool(&session, 3, "no_such_tool", json!({})).await;
    let after = scrape(&app).await;
    assert!(
        value(&after, calls) >= value(&before, calls) + 1.0,
        "{after}"
    );
    assert!(
        value(&after, unknown) >= value(&before, unknown) + 1.0,
        "{after}"
    );
    assert!(value(&after, sessions) >= value(&before, sessions) + 1.0);
    assert!(value(&after, anonymous) >= value(&before, anonymous) + 3.0);
    let http = r#"http_server_request_duration_seconds_count{http_request_method="POST",http_route="/mcp",http_response_status_code="200"}"#;
    assert!(value(&after, http) >= 3.0, "{after}");
    assert!(after.contains(r#"mcp_server_operation_duration_seconds_bucket{mcp_method_name="tools/call",error_type="",le="0.01"}"#));
}

#[tokio::test]
async fn authentication_outcomes_and_the_introspection_cache_are_counted() {
    let authorization_server = spawn_as(&[]).await;
    let app = spawn_protected(
        &authorization_server.base,
        &authorization_server.base,
        &[("METRICS_PORT", "0")],
    )
    .await;
    let ok = r#"mcp_server_auth_requests_total{mode="introspection",outcome="ok"}"#;
    let missing = r#"mcp_server_auth_requests_total{mode="introspection",outcome="missing"}"#;
    let scope =
        r#"mcp_server_auth_requests_total{mode="introspection",outcome="insufficient_scope"}"#;
    let hits = r#"mcp_server_introspection_cache_lookups_total{result="hit"}"#;
    let before = scrape(&app).await;
    let token = authorization_server.alice().await;
    let narrow = authorization_server.token(ALICE, "profile", RESOURCE).await;
    for _ in 0..3 {
        app.list_tools_with(Some(&format!("Bearer {token}"))).await;
    }
    app.list_tools_with(None).await;
    app.list_tools_with(Some(&format!("Bearer {narrow}"))).await;
    let after = scrape(&app).await;
    assert!(value(&after, ok) >= value(&before, ok) + 3.0, "{after}");
    assert!(value(&after, missing) >= value(&before, missing) + 1.0);
    assert!(value(&after, scope) >= value(&before, scope) + 1.0);
    assert!(value(&after, hits) >= value(&before, hits) + 2.0);
}

#[tokio::test]
async fn sessions_streams_bus_deliveries_and_redis_commands_are_measured() {
    let redis = service_kit::testing::RedisServer::start();
    let redis_url = redis.url();
    let app = spawn_app_with(&[
        ("METRICS_PORT", "0"),
        ("REDIS_URL", &redis_url),
        (
            "MCP_STATE_KEYS",
            "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ),
    ])
    .await;
    let before = scrape(&app).await;
    for name in [
        "mcp_server_sse_streams_closed_total",
        "mcp_server_bus_events_delivered_total",
        "db_client_operation_duration_seconds",
    ] {
        assert!(
            before.contains(&format!("# HELP {name} ")),
            "{name}:\n{before}"
        );
    }
    let durations =
        r#"mcp_server_session_duration_seconds_count{mcp_protocol_version="2025-11-25"}"#;
    let replaced = r#"mcp_server_sse_streams_closed_total{reason="replaced"}"#;
    let delivered = "mcp_server_bus_events_delivered_total";
    let lags = "mcp_server_bus_delivery_lag_seconds_count";
    let scripts = r#"db_client_operation_duration_seconds_count{db_system_name="redis",db_operation_name="EVALSHA"}"#;
    // Session loads: a read and a TTL restart in one round trip.
    let pipelines = r#"db_client_operation_duration_seconds_count{db_system_name="redis",db_operation_name="PIPELINE"}"#;

    let session = app.initialize("2025-11-25").await;
    let mut standalone = app.open_stream(&session, None).await;
    app.call_tool(&session, 2, "count", json!({"number": 1}))
        .await;
    let log = standalone.next_message().await.expect("the count's log");
    assert_eq!(log["method"], "notifications/message");
    assert_eq!(app.delete(&session).await.status(), 204);
    assert!(
        standalone
            .ends_without_message(crate::helpers::PATIENCE)
            .await
    );

    let after = scrape(&app).await;
    for (series, moved_by) in [
        (durations, 1.0),
        (replaced, 1.0),
        (delivered, 1.0),
        (lags, 1.0),
        (scripts, 3.0),
        (pipelines, 2.0),
    ] {
        assert!(
            value(&after, series) >= value(&before, series) + moved_by,
            "{series} did not move by {moved_by}:\n{after}"
        );
    }
    assert!(after.contains(r#"db_client_operation_duration_seconds_bucket{db_system_name="redis",db_operation_name="EVALSHA",le="0.0001"}"#), "fast buckets:\n{after}");
    assert!(
        after.contains(r#"mcp_server_bus_delivery_lag_seconds_bucket{le="0.0002"}"#),
        "fast buckets:\n{after}"
    );
}
