//! Traces end to end: the real binaries export over OTLP to a real receiver on loopback, and a
//! tool call whose messages travel through Redis to another replica stays one trace.

use std::sync::{Arc, Mutex};

use axum::{Json, Router, http::HeaderMap, routing::get};
use serde_json::{Value, json};
use service_kit::testing::{
    OtlpReceiver, PATIENCE, ReceivedSpan, RedisServer, SPAN_KIND_CLIENT as CLIENT,
    SPAN_KIND_SERVER as SERVER, ServerProcess,
};

use crate::helpers::{ACCEPT_BOTH, SseReader, initialize_body};

const MCP_SERVER: &str = env!("CARGO_BIN_EXE_mcp-server");
const STATE_KEYS: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const VERSION: &str = "2025-11-25";

/// The client's own trace, and the spans it would have made: one for its HTTP request, one
/// for the MCP request inside it.
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_HTTP_SPAN: &str = "1111111111111111";
const CLIENT_MCP_SPAN: &str = "2222222222222222";

fn traceparent(trace: &str, span: &str) -> String {
    format!("00-{trace}-{span}-01")
}

fn exporting(otlp: &OtlpReceiver, instance: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint.clone()),
        ("OTEL_BSP_SCHEDULE_DELAY", "50".to_owned()),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            format!("service.instance.id={instance}"),
        ),
    ]
}

fn replica(redis: &RedisServer, otlp: &OtlpReceiver, instance: &str) -> ServerProcess {
    let mut env = exporting(otlp, instance);
    env.extend([
        ("DISABLE_AUTH", "true".to_owned()),
        ("REDIS_URL", redis.url()),
        ("MCP_STATE_KEYS", STATE_KEYS.to_owned()),
    ]);
    ServerProcess::start(MCP_SERVER, &env, "MCP server listening")
}

struct Client {
    http: reqwest::Client,
    session: String,
}

impl Client {
    async fn initialize(replica: &ServerProcess) -> Self {
        let http = reqwest::Client::new();
        let response = http
            .post(replica.url("/mcp"))
            .header("accept", ACCEPT_BOTH)
            .json(&initialize_body(VERSION))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let session = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let client = Self { http, session };
        let initialized = client
            .post(
                replica,
                &json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(initialized.status(), 202);
        client
    }

    fn post(&self, replica: &ServerProcess, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(replica.url("/mcp"))
            .header("accept", ACCEPT_BOTH)
            .header("mcp-session-id", &self.session)
            .header("mcp-protocol-version", VERSION)
            .json(body)
    }

    async fn listen(&self, replica: &ServerProcess) -> SseReader {
        let response = self
            .http
            .get(replica.url("/mcp"))
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &self.session)
            .header("mcp-protocol-version", VERSION)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        SseReader::new(response)
    }
}

fn one<'a>(
    spans: &'a [ReceivedSpan],
    what: &str,
    test: impl Fn(&ReceivedSpan) -> bool,
) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|span| test(span)).collect();
    assert_eq!(found.len(), 1, "exactly one {what}: {found:#?}");
    found[0]
}

#[tokio::test]
async fn a_tool_call_whose_messages_reach_another_replica_through_redis_is_one_trace() {
    service_kit::tls::install_crypto_provider();
    let otlp = OtlpReceiver::start().await;
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis, &otlp, "a"), replica(&redis, &otlp, "b"));
    let client = Client::initialize(&a).await;
    // The session's standalone stream is served by B; `count` logs to it while running on A.
    let mut standalone = client.listen(&b).await;
    let call = json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{
        "name": "count",
        "arguments": {"number": 2},
        "_meta": {"progressToken": "p-1", "traceparent": traceparent(TRACE, CLIENT_MCP_SPAN)},
    }});
    let response = client
        .post(&a, &call)
        .header("traceparent", traceparent(TRACE, CLIENT_HTTP_SPAN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut own_stream = SseReader::new(response);
    let mut progress = 0;
    loop {
        let message = tokio::time::timeout(PATIENCE, own_stream.next_message())
            .await
            .expect("the call answers")
            .expect("the stream carries the answer");
        if message["id"] == 7 {
            assert_eq!(message["result"]["content"][0]["text"], "Counting to 2");
            break;
        }
        assert_eq!(message["method"], "notifications/progress");
        progress += 1;
    }
    assert_eq!(progress, 2);
    for _ in 0..2 {
        let message = tokio::time::timeout(PATIENCE, standalone.next_message())
            .await
            .expect("B delivers the logs")
            .expect("the stream stays open");
        assert_eq!(message["method"], "notifications/message");
        // The client gets the trace context too, so its own trace goes on.
        let carried = message["params"]["_meta"]["traceparent"].as_str().unwrap();
        assert!(carried.starts_with(&format!("00-{TRACE}-")), "{carried}");
    }

    let spans = otlp
        .wait_for("the call's spans from both replicas", |spans| {
            let delivered_on_b = spans
                .iter()
                .filter(|span| span.instance == "b" && span.name == "notifications/message")
                .count();
            let delivered_on_a = spans
                .iter()
                .filter(|span| span.instance == "a" && span.name == "notifications/progress")
                .count();
            delivered_on_b == 2
                && delivered_on_a == 2
                && spans.iter().any(|span| span.name == "tools/call count")
                && spans
                    .iter()
                    .any(|span| span.name == "POST /mcp" && span.trace_id == TRACE)
        })
        .await;
    let in_trace: Vec<ReceivedSpan> = spans
        .into_iter()
        .filter(|span| span.trace_id == TRACE)
        .collect();
    let http = one(&in_trace, "HTTP span", |span| span.name == "POST /mcp");
    assert_eq!(http.instance, "a");
    assert_eq!(http.kind, SERVER);
    assert_eq!(http.parent_span_id, CLIENT_HTTP_SPAN);
    assert_eq!(http.attribute("http.request.method"), Some("POST"));
    assert_eq!(http.attribute("http.route"), Some("/mcp"));
    assert_eq!(http.attribute("http.response.status_code"), Some("200"));

    let call = one(&in_trace, "tool call span", |span| {
        span.name == "tools/call count"
    });
    assert_eq!((call.instance.as_str(), call.kind), ("a", SERVER));
    assert_eq!(call.service, "mcp-server");
    assert_eq!(
        call.parent_span_id, CLIENT_MCP_SPAN,
        "the MCP span continues the context in _meta"
    );
    for (key, value) in [
        ("mcp.method.name", "tools/call"),
        ("gen_ai.tool.name", "count"),
        ("gen_ai.operation.name", "execute_tool"),
        ("mcp.session.id", client.session.as_str()),
        ("mcp.protocol.version", VERSION),
        ("jsonrpc.request.id", "7"),
        ("network.transport", "tcp"),
        ("network.protocol.name", "http"),
    ] {
        assert_eq!(call.attribute(key), Some(value), "{key} on {call:#?}");
    }
    assert_eq!(call.attribute("error.type"), None);

    let delivered: Vec<&ReceivedSpan> = in_trace
        .iter()
        .filter(|span| span.name.starts_with("notifications/"))
        .collect();
    assert_eq!(delivered.len(), 4, "{delivered:#?}");
    for span in &delivered {
        assert_eq!(span.kind, CLIENT);
        assert_eq!(
            span.parent_span_id, call.span_id,
            "child of the call: {span:#?}"
        );
        assert_eq!(
            span.attribute("mcp.session.id"),
            Some(client.session.as_str())
        );
        assert_eq!(span.attribute("mcp.method.name"), Some(span.name.as_str()));
    }
    let on_b = delivered.iter().filter(|span| span.instance == "b").count();
    assert_eq!(
        on_b, 2,
        "the logs were delivered by the replica holding the stream"
    );
}

#[tokio::test]
async fn request_spans_follow_their_http_request_and_record_errors() {
    service_kit::tls::install_crypto_provider();
    let otlp = OtlpReceiver::start().await;
    let redis = RedisServer::start();
    let a = replica(&redis, &otlp, "a");
    let client = Client::initialize(&a).await;
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let list = json!({"jsonrpc":"2.0","id":1,"method":"tools/list"});
    let missing =
        json!({"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"no-such-prompt"}});
    for body in [list, missing] {
        let response = client
            .post(&a, &body)
            .header("traceparent", traceparent(trace, "3333333333333333"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let spans = otlp
        .wait_for("both requests' spans", |spans| {
            spans.iter().filter(|span| span.trace_id == trace).count() >= 4
        })
        .await;
    let in_trace: Vec<ReceivedSpan> = spans
        .into_iter()
        .filter(|span| span.trace_id == trace)
        .collect();
    let list = one(&in_trace, "tools/list span", |span| {
        span.name == "tools/list"
    });
    let list_http = one(&in_trace, "its HTTP span", |span| {
        span.span_id == list.parent_span_id
    });
    assert_eq!(
        list_http.name, "POST /mcp",
        "without _meta the HTTP request is the parent"
    );
    assert_eq!(list_http.parent_span_id, "3333333333333333");
    assert_eq!(list.status, 0);

    let failed = one(&in_trace, "prompts/get span", |span| {
        span.name == "prompts/get no-such-prompt"
    });
    assert_eq!(
        failed.attribute("gen_ai.prompt.name"),
        Some("no-such-prompt")
    );
    assert_eq!(failed.status, 2, "an error status: {failed:#?}");
    let code = failed.attribute("error.type").expect("error.type");
    assert_eq!(failed.attribute("rpc.response.status_code"), Some(code));
    assert!(code.starts_with('-'), "a JSON-RPC code: {code}");
}

#[derive(Clone, Default)]
struct SeenHeaders(Arc<Mutex<Vec<String>>>);

#[tokio::test]
async fn outgoing_jwks_fetches_carry_the_trace_of_the_request_that_needed_them() {
    service_kit::tls::install_crypto_provider();
    let otlp = OtlpReceiver::start().await;
    let seen = SeenHeaders::default();
    let kept = seen.clone();
    let issuer = Router::new().route(
        "/jwks.json",
        get(move |headers: HeaderMap| {
            let kept = kept.clone();
            async move {
                if let Some(parent) = headers.get("traceparent") {
                    kept.0
                        .lock()
                        .unwrap()
                        .push(parent.to_str().unwrap().to_owned());
                }
                Json(json!({"keys": []}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = tokio::spawn(async move { axum::serve(listener, issuer).await });
    let mut env = exporting(&otlp, "jwt");
    env.extend([
        ("AUTH_TOKEN_MODE", "jwt".to_owned()),
        ("JWT_ISSUER", base.clone()),
        ("JWT_JWKS_URL", format!("{base}/jwks.json")),
        ("MCP_PUBLIC_URL", "http://mcp.test/mcp".to_owned()),
        ("JWT_JWKS_REFRESH_MIN_SECS", "1".to_owned()),
    ]);
    let server = ServerProcess::start(MCP_SERVER, &env, "MCP server listening");
    // Well formed, signed by a key the issuer does not publish: the server must look it up.
    let token = "eyJhbGciOiJFUzI1NiIsImtpZCI6InVua25vd24iLCJ0eXAiOiJhdCtqd3QifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    let trace = "5bf92f3577b34da6a3ce929d0e0e4737";
    let response = reqwest::Client::new()
        .post(server.url("/mcp"))
        .header("accept", ACCEPT_BOTH)
        .header("authorization", format!("Bearer {token}"))
        .header("traceparent", traceparent(trace, "4444444444444444"))
        .json(&initialize_body(VERSION))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let spans = otlp
        .wait_for("the JWKS fetch span", |spans| {
            spans
                .iter()
                .any(|span| span.trace_id == trace && span.kind == CLIENT)
        })
        .await;
    let fetch = one(&spans, "JWKS fetch", |span| {
        span.trace_id == trace && span.kind == CLIENT
    });
    assert_eq!(fetch.name, "GET");
    assert_eq!(fetch.attribute("http.response.status_code"), Some("200"));
    let sent = seen.0.lock().unwrap().clone();
    assert!(
        sent.contains(&traceparent(trace, &fetch.span_id)),
        "the fetch carried its own span as parent: {sent:?}"
    );
    assert_logged_once_without_secrets(&server, trace, token);
    serving.abort();
}

/// The request of `trace` has exactly one `request` line naming its trace; no line holds
/// `secret`; every line is JSON.
fn assert_logged_once_without_secrets(server: &ServerProcess, trace: &str, secret: &str) {
    let lines = server.lines();
    let entries: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let requests: Vec<&Value> = entries
        .iter()
        .filter(|entry| entry["message"] == "request" && entry["span"]["trace_id"] == trace)
        .collect();
    assert_eq!(requests.len(), 1, "one line for the request: {lines:#?}");
    assert_eq!(requests[0]["span"]["http.route"], "/mcp");
    assert_eq!(requests[0]["http.response.status_code"], 401);
    let secret_part = &secret[secret.len() - 12..];
    assert!(
        lines.iter().all(|line| !line.contains(secret_part)),
        "a log line holds the token: {lines:#?}"
    );
}
