//! `spawn_app` and typed helpers over a running server.

use std::{net::SocketAddr, time::Duration};

use futures::StreamExt;
use mcp_server::{App, Config};
use serde_json::{Value, json};
use service_kit::config::Configuration;
use tokio_util::sync::CancellationToken;

pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";
/// Generous bound for anything that should happen "now"; never a speed assertion.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub engine: std::sync::Arc<mcp_server::protocol::McpServer>,
    pub addr: SocketAddr,
    pub url: String,
    /// `/metrics`, when `METRICS_PORT` was given.
    pub metrics_url: Option<String>,
    pub client: reqwest::Client,
    pub shutdown: CancellationToken,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    service_kit::telemetry::init_for_test();
    service_kit::tls::install_crypto_provider();
    let mut pairs = vec![
        ("DISABLE_AUTH", "true"),
        ("PORT", "0"),
        ("BIND_ADDRESS", "127.0.0.1"),
    ];
    for (name, value) in extra {
        pairs.retain(|(known, _)| known != name);
        pairs.push((name, value));
    }
    let config = Config::from_pairs(pairs).expect("test configuration is valid");
    let shutdown = CancellationToken::new();
    let app = App::build(config, shutdown.clone())
        .await
        .expect("the app builds");
    let addr = app.local_addr().unwrap();
    let metrics_url = app
        .metrics_addr()
        .map(|metrics| format!("http://127.0.0.1:{}/metrics", metrics.port()));
    let engine = app.server();
    let server = tokio::spawn(app.run());
    TestApp {
        engine,
        addr,
        url: format!("http://127.0.0.1:{}/mcp", addr.port()),
        metrics_url,
        client: reqwest::Client::new(),
        shutdown,
        server,
    }
}

/// A session as the client sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub version: String,
}

impl TestApp {
    /// A POST with the headers a well-behaved client sends.
    pub fn post(&self, session: Option<&Session>, body: &Value) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", ACCEPT_BOTH)
            .body(body.to_string());
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", &session.id)
                .header("mcp-protocol-version", &session.version);
        }
        request
    }

    pub async fn initialize(&self, version: &str) -> Session {
        self.initialize_with(version, json!({})).await
    }

    /// Initializes declaring `capabilities` for the client.
    pub async fn initialize_with(&self, version: &str, capabilities: Value) -> Session {
        let mut body = initialize_body(version);
        body["params"]["capabilities"] = capabilities;
        let response = self.post(None, &body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let id = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        let version = body["result"]["protocolVersion"]
            .as_str()
            .unwrap()
            .to_owned();
        let session = Session { id, version };
        let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert_eq!(
            self.post(Some(&session), &initialized)
                .send()
                .await
                .unwrap()
                .status(),
            202
        );
        session
    }

    /// Sends a request and returns its JSON-RPC response, whether it came as JSON or SSE,
    /// together with every other message that came before it on the same response.
    pub async fn call(&self, session: &Session, body: Value) -> (Value, Vec<Value>) {
        let response = self.post(Some(session), &body).send().await.unwrap();
        assert_eq!(response.status(), 200, "{body}");
        read_answer(response).await
    }

    pub async fn call_tool(
        &self,
        session: &Session,
        id: i64,
        name: &str,
        arguments: Value,
    ) -> Value {
        let body = json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":name,"arguments":arguments}});
        self.call(session, body).await.0
    }

    /// Opens `GET /mcp`.
    pub async fn open_stream(&self, session: &Session, last_event_id: Option<&str>) -> SseReader {
        let mut request = self
            .client
            .get(&self.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &session.id)
            .header("mcp-protocol-version", &session.version);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        SseReader::new(response)
    }

    /// Starts a tool call and returns its SSE stream (the call must stream: it asks the client
    /// something or reports progress).
    pub async fn start_tool(
        &self,
        session: &Session,
        id: i64,
        name: &str,
        arguments: Value,
    ) -> SseReader {
        let body = json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":name,"arguments":arguments}});
        let response = self.post(Some(session), &body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        SseReader::new(response)
    }

    /// Answers a server request with `result` (or `error`), as a client would.
    pub async fn answer(
        &self,
        session: &Session,
        id: &Value,
        outcome: Result<Value, Value>,
    ) -> reqwest::Response {
        let body = match outcome {
            Ok(result) => json!({"jsonrpc":"2.0","id":id,"result":result}),
            Err(error) => json!({"jsonrpc":"2.0","id":id,"error":error}),
        };
        self.post(Some(session), &body).send().await.unwrap()
    }

    pub async fn delete(&self, session: &Session) -> reqwest::Response {
        self.client
            .delete(&self.url)
            .header("mcp-session-id", &session.id)
            .send()
            .await
            .unwrap()
    }
}

pub fn initialize_body(version: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "it", "version": "1.0.0"}
        }
    })
}

/// Reads a POST's answer: a JSON body, or an SSE stream up to (and including) the response.
pub async fn read_answer(response: reqwest::Response) -> (Value, Vec<Value>) {
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    if content_type.starts_with("application/json") {
        return (response.json().await.unwrap(), Vec::new());
    }
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut reader = SseReader::new(response);
    let mut before = Vec::new();
    loop {
        let message = reader
            .next_message()
            .await
            .expect("the stream carries a response");
        if message.get("id").is_some()
            && (message.get("result").is_some() || message.get("error").is_some())
        {
            return (message, before);
        }
        before.push(message);
    }
}

/// One SSE event or comment, as sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub data: Option<String>,
    pub retry: Option<u64>,
    pub comment: Option<String>,
}

impl SseEvent {
    pub fn json(&self) -> Option<Value> {
        self.data
            .as_deref()
            .filter(|data| !data.is_empty())
            .map(|data| serde_json::from_str(data).unwrap())
    }
}

/// A minimal SSE parser that also reports comments, empty-data events and bare `retry` fields.
pub struct SseReader {
    pub headers: reqwest::header::HeaderMap,
    bytes: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        let headers = response.headers().clone();
        Self {
            headers,
            bytes: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next block (event, comment or retry field); `None` when the stream ended.
    pub async fn next_block(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                for line in block.lines() {
                    if let Some(comment) = line.strip_prefix(':') {
                        event.comment = Some(comment.trim().to_owned());
                    } else if let Some((field, value)) = line.split_once(':') {
                        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
                        match field {
                            "id" => event.id = Some(value),
                            "retry" => event.retry = value.parse().ok(),
                            "data" => {
                                event.data = Some(match event.data.take() {
                                    Some(previous) => format!("{previous}\n{value}"),
                                    None => value,
                                })
                            }
                            _ => {}
                        }
                    }
                }
                return Some(event);
            }
            let chunk = tokio::time::timeout(PATIENCE, self.bytes.next())
                .await
                .expect("stream stalled")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.ok()?).unwrap());
        }
    }

    /// The next event carrying a message (skips comments and priming events), with its id.
    pub async fn next_message_with_id(&mut self) -> Option<(String, Value)> {
        loop {
            let block = self.next_block().await?;
            if let Some(message) = block.json() {
                return Some((block.id.expect("every message event has an id"), message));
            }
        }
    }

    /// The next event carrying a message, whether or not it has an id (stateless-era
    /// streams are not resumable, so their events have none).
    pub async fn next_message(&mut self) -> Option<Value> {
        loop {
            if let Some(message) = self.next_block().await?.json() {
                return Some(message);
            }
        }
    }

    /// Whether the stream ends within `wait` without carrying another message.
    pub async fn ends_without_message(&mut self, wait: Duration) -> bool {
        match tokio::time::timeout(wait, self.next_message()).await {
            Ok(None) => true,
            Ok(Some(message)) => panic!("unexpected message: {message}"),
            Err(_) => false,
        }
    }
}

/// The `data` of log notifications among `messages`.
pub fn log_lines(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .map(|m| m["params"]["data"].as_str().unwrap().to_owned())
        .collect()
}

/// The stateless era's protocol version.
pub const STATELESS: &str = "2026-07-28";

/// A stateless-era request: `params` plus the `_meta` every such request carries.
pub fn stateless_body(id: i64, method: &str, params: Value, capabilities: Value) -> Value {
    let mut params = if params.is_null() { json!({}) } else { params };
    let meta = params
        .as_object_mut()
        .unwrap()
        .entry("_meta")
        .or_insert_with(|| json!({}));
    meta["io.modelcontextprotocol/protocolVersion"] = json!(STATELESS);
    meta["io.modelcontextprotocol/clientCapabilities"] = capabilities;
    meta["io.modelcontextprotocol/clientInfo"] = json!({"name": "it", "version": "1.0.0"});
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

impl TestApp {
    /// A stateless-era POST of `body` with the routing headers a well-behaved client derives
    /// from it (`Mcp-Method`, and `Mcp-Name` where the method has one).
    pub fn post_stateless(&self, body: &Value) -> reqwest::RequestBuilder {
        let method = body["method"].as_str().unwrap_or_default();
        let params = &body["params"];
        let name = match method {
            "tools/call" | "prompts/get" => params["name"].as_str(),
            "resources/read" => params["uri"].as_str(),
            "tasks/get" | "tasks/update" | "tasks/cancel" => params["taskId"].as_str(),
            _ => None,
        };
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", ACCEPT_BOTH)
            .header("mcp-protocol-version", STATELESS)
            .header("mcp-method", method)
            .body(body.to_string());
        if let Some(name) = name {
            request = request.header("mcp-name", name);
        }
        request
    }

    /// Sends `body` like [`TestApp::post_stateless`], with some headers replaced.
    pub async fn send_stateless_with(
        &self,
        body: &Value,
        replaced: &[(&'static str, &str)],
    ) -> reqwest::Response {
        let mut request = self.post_stateless(body).build().unwrap();
        for &(name, value) in replaced {
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        self.client.execute(request).await.unwrap()
    }

    /// Sends a stateless-era request and returns the HTTP status and the JSON-RPC response.
    pub async fn stateless(
        &self,
        method: &str,
        params: Value,
        capabilities: Value,
    ) -> (u16, Value) {
        let body = stateless_body(7, method, params, capabilities);
        let response = self.post_stateless(&body).send().await.unwrap();
        let status = response.status().as_u16();
        (status, read_answer(response).await.0)
    }

    /// The result of a stateless-era request that must succeed.
    pub async fn stateless_ok(&self, method: &str, params: Value, capabilities: Value) -> Value {
        let (status, answer) = self.stateless(method, params, capabilities).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.get("error").is_none(), "{answer}");
        answer["result"].clone()
    }
}
