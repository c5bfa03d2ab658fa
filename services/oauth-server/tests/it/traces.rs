//! The authorization server's traces: its binary exports over OTLP to a real receiver on
//! loopback, each endpoint a server span continuing the caller's trace.

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
