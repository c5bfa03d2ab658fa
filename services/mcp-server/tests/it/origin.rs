//! DNS-rebinding protection, CORS and the health endpoints around them.

use crate::helpers::*;

#[tokio::test]
async fn foreign_hosts_and_origins_are_403() {
    let app = spawn_app().await;
    let attempts = [
        ("evil.example.com", None),
        ("evil.example.com:3000", Some("http://evil.example.com")),
        (
            &*format!("localhost:{}", app.addr.port()),
            Some("http://evil.example.com"),
        ),
        (&*format!("localhost:{}", app.addr.port()), Some("null")),
    ];
    for (host, origin) in attempts {
        let mut request = app
            .post(None, &initialize_body("2025-11-25"))
            .header("host", host);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{host} {origin:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Forbidden")
        );
    }
}

#[tokio::test]
async fn loopback_hosts_and_origins_are_accepted() {
    let app = spawn_app().await;
    let port = app.addr.port();
    for (host, origin) in [
        (
            format!("localhost:{port}"),
            format!("http://localhost:{port}"),
        ),
        (
            format!("127.0.0.1:{port}"),
            "http://127.0.0.1:5173".to_owned(),
        ),
        (format!("[::1]:{port}"), "https://localhost".to_owned()),
    ] {
        let response = app
            .post(None, &initialize_body("2025-11-25"))
            .header("host", &host)
            .header("origin", &origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{host} {origin}");
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            origin.as_str()
        );
    }
}

#[tokio::test]
async fn configured_public_url_and_origins_are_accepted() {
    let app = spawn_app_with(&[
        ("MCP_PUBLIC_URL", "https://mcp.example.com/mcp"),
        ("MCP_ALLOWED_ORIGINS", "https://app.example.com"),
    ])
    .await;
    let response = app
        .post(None, &initialize_body("2025-11-25"))
        .header("host", "mcp.example.com")
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = app
        .post(None, &initialize_body("2025-11-25"))
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        403,
        "explicit origins replace the loopback defaults"
    );
}

#[tokio::test]
async fn preflight_is_answered_without_auth_and_allows_the_mcp_headers() {
    let app = spawn_app().await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, &app.url)
        .header("origin", "http://localhost:6274")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://localhost:6274"
    );
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "authorization",
        "mcp-session-id",
        "mcp-protocol-version",
        "last-event-id",
        "content-type",
    ] {
        assert!(allowed.contains(header), "{header} missing from {allowed}");
    }
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    for method in ["GET", "POST", "DELETE"] {
        assert!(methods.contains(method), "{method} missing from {methods}");
    }
}

#[tokio::test]
async fn browser_clients_can_read_the_session_id() {
    let app = spawn_app().await;
    let response = app
        .post(None, &initialize_body("2025-11-25"))
        .header("origin", "http://localhost:6274")
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("mcp-session-id"), "{exposed}");
}

#[tokio::test]
async fn health_endpoints_ignore_host_checks_and_need_no_session() {
    let app = spawn_app().await;
    let base = format!("http://127.0.0.1:{}", app.addr.port());
    for path in ["/healthz", "/readyz"] {
        let response = app
            .client
            .get(format!("{base}{path}"))
            .header("host", "10.1.2.3:3000")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["status"].is_string());
    }
    let unknown = app.client.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}
