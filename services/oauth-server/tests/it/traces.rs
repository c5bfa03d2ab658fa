//! The authorization server's traces and logs, from its binary: spans exported over OTLP to a
//! real receiver on loopback, each endpoint a server span continuing the caller's trace; JSON
//! log lines that name their trace and never hold a secret.

use service_kit::testing::{OtlpReceiver, SPAN_KIND_SERVER, ServerProcess};

#[tokio::test]
async fn the_authorization_server_traces_its_endpoints_the_same_way() {
    service_kit::tls::install_crypto_provider();
    let otlp = OtlpReceiver::start().await;
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint.clone()),
        ("OTEL_BSP_SCHEDULE_DELAY", "50".to_owned()),
        ("AUTH_PORT", "0".to_owned()),
    ];
    let server = ServerProcess::start(
        env!("CARGO_BIN_EXE_oauth-server"),
        &env,
        "authorization server listening",
    );
    let trace = "6bf92f3577b34da6a3ce929d0e0e4738";
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .header("traceparent", format!("00-{trace}-5555555555555555-01"))
        .form(&[("grant_type", "authorization_code"), ("code", "nope")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    let spans = otlp
        .wait_for("the token endpoint's span", |spans| {
            spans.iter().any(|span| span.trace_id == trace)
        })
        .await;
    let mut in_trace = spans.iter().filter(|span| span.trace_id == trace);
    let token = in_trace.next().expect("a span");
    assert!(in_trace.next().is_none(), "one span: {spans:#?}");
    assert_eq!(token.service, "oauth-server");
    assert_eq!(token.name, "POST /token");
    assert_eq!(token.kind, SPAN_KIND_SERVER);
    assert_eq!(token.parent_span_id, "5555555555555555");
    assert_eq!(
        token.attribute("http.response.status_code"),
        Some(response.status().as_str())
    );
}

#[tokio::test]
async fn request_logs_are_json_lines_with_the_trace_id_and_never_a_secret() {
    service_kit::tls::install_crypto_provider();
    let env = [("AUTH_PORT", "0".to_owned())];
    let server = ServerProcess::start(
        env!("CARGO_BIN_EXE_oauth-server"),
        &env,
        "authorization server listening",
    );
    let http = reqwest::Client::new();
    let registered: serde_json::Value = http
        .post(server.url("/register"))
        .json(&serde_json::json!({
            "client_name": "logged",
            "redirect_uris": ["http://127.0.0.1/callback"],
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, secret) = (
        registered["client_id"].as_str().unwrap(),
        registered["client_secret"].as_str().unwrap(),
    );
    let trace = "7bf92f3577b34da6a3ce929d0e0e4739";
    let issued: serde_json::Value = http
        .post(server.url("/token"))
        .header("traceparent", format!("00-{trace}-6666666666666666-01"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["access_token"].as_str().expect("a token");
    let introspected = http
        .post(server.url("/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(introspected.status(), 200);

    let deadline = std::time::Instant::now() + service_kit::testing::PATIENCE;
    let lines = loop {
        let lines = server.lines();
        let requests = lines
            .iter()
            .filter(|line| line.contains(r#""message":"request""#))
            .count();
        if requests >= 3 || std::time::Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let entries: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let requests: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|entry| entry["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 3, "one line per request: {lines:#?}");
    for request in &requests {
        let id = request["span"]["trace_id"].as_str().expect("a trace id");
        assert_eq!(id.len(), 32, "{request}");
    }
    let token_line = requests
        .iter()
        .find(|request| request["span"]["http.route"] == "/token")
        .expect("the token request's line");
    assert_eq!(token_line["span"]["trace_id"], trace);
    assert_eq!(token_line["http.response.status_code"], 200);
    for secret in [secret, token] {
        assert!(
            lines.iter().all(|line| !line.contains(secret)),
            "a log line holds a secret: {lines:#?}"
        );
    }
}
