//! The MCP server with authentication on, in front of the real demo authorization server
//! (in this process, on its own loopback port), and tokens obtained from it.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{body::Bytes, extract::State, http::HeaderMap, response::IntoResponse, routing::post};
use serde_json::{Value, json};
use service_kit::config::Configuration;
use tokio_util::sync::CancellationToken;

use crate::helpers::{Session, TestApp, read_answer, spawn_app_with};

/// What the MCP server calls itself (its resource identifier); tokens are issued for it.
pub const RESOURCE: &str = "http://localhost:3000/mcp";
/// The MCP server's own credentials at the authorization server (for introspection).
pub const RS_ID: &str = "mcp-server";
pub const RS_SECRET: &str = "resource-server-secret";
/// Two callers with client_credentials grants: their tokens are two different principals.
pub const ALICE: (&str, &str) = ("alice-app", "alice-secret-0123456789");
pub const BOB: (&str, &str) = ("bob-app", "bob-secret-0123456789");

/// A running authorization server.
pub struct TestAs {
    pub base: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
}

impl Drop for TestAs {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A free loopback port (released before use).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The demo authorization server, knowing the MCP server and both callers, issuing tokens
/// for [`RESOURCE`] (and `http://other.example/mcp`), plus `extra` settings.
pub async fn spawn_as(extra: &[(&str, &str)]) -> TestAs {
    service_kit::telemetry::init_for_test();
    service_kit::tls::install_crypto_provider();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let presets = [(RS_ID, RS_SECRET), ALICE, BOB]
        .map(|(id, secret)| format!("{id}:{secret}"))
        .join(",");
    let mut pairs: Vec<(String, String)> = vec![
        ("AUTH_PORT".into(), port.to_string()),
        ("BIND_ADDRESS".into(), "127.0.0.1".into()),
        ("ISSUER_URL".into(), base.clone()),
        ("OAUTH_PRESET_CLIENTS".into(), presets),
        (
            "OAUTH_RESOURCES".into(),
            format!("{RESOURCE},http://other.example/mcp"),
        ),
    ];
    pairs.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let config = oauth_server::Config::from_pairs(pairs).expect("AS test configuration");
    let shutdown = CancellationToken::new();
    let app = oauth_server::App::build(config, shutdown.clone())
        .await
        .expect("the AS builds");
    tokio::spawn(app.run());
    TestAs {
        base,
        http: reqwest::Client::new(),
        shutdown,
    }
}

impl TestAs {
    /// A client_credentials token of `client` for `scope` and `resource`.
    pub async fn token(&self, client: (&str, &str), scope: &str, resource: &str) -> String {
        let response = self
            .http
            .post(format!("{}/token", self.base))
            .basic_auth(client.0, Some(client.1))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", scope),
                ("resource", resource),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Alice's token for the MCP server with `mcp:tools`.
    pub async fn alice(&self) -> String {
        self.token(ALICE, "mcp:tools", RESOURCE).await
    }

    pub async fn revoke(&self, client: (&str, &str), token: &str) {
        let response = self
            .http
            .post(format!("{}/revoke", self.base))
            .basic_auth(client.0, Some(client.1))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// The MCP server in introspection mode against `introspect_base` (the AS, or a proxy of it),
/// plus `extra` settings.
pub async fn spawn_protected(
    authorization_server: &str,
    introspect_base: &str,
    extra: &[(&str, &str)],
) -> TestApp {
    let introspect = format!("{introspect_base}/introspect");
    let mut pairs = vec![
        ("DISABLE_AUTH", "false"),
        ("MCP_PUBLIC_URL", RESOURCE),
        ("OAUTH_SERVER_URL", authorization_server),
        ("OAUTH_INTROSPECT_URL", introspect.as_str()),
        ("OAUTH_CLIENT_ID", RS_ID),
        ("OAUTH_CLIENT_SECRET", RS_SECRET),
    ];
    pairs.extend_from_slice(extra);
    spawn_app_with(&pairs).await
}

/// Serves `app` on a free loopback port until the returned token is cancelled; returns its base
/// URL.
pub async fn serve(app: axum::Router) -> (String, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
    });
    (base, shutdown)
}

/// A pass-through proxy of the AS's `/introspect` that counts the calls it forwards.
pub struct CountingProxy {
    pub base: String,
    pub calls: Arc<AtomicUsize>,
    shutdown: CancellationToken,
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl CountingProxy {
    pub fn count(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Upstream {
    url: String,
    http: reqwest::Client,
    calls: Arc<AtomicUsize>,
}

async fn forward(
    State(upstream): State<Upstream>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    upstream.calls.fetch_add(1, Ordering::SeqCst);
    let mut request = upstream.http.post(&upstream.url).body(body);
    for name in ["authorization", "content-type", "accept"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap())
}

pub async fn counting_proxy(authorization_server: &TestAs) -> CountingProxy {
    let calls = Arc::new(AtomicUsize::new(0));
    let upstream = Upstream {
        url: format!("{}/introspect", authorization_server.base),
        http: reqwest::Client::new(),
        calls: Arc::clone(&calls),
    };
    let app = axum::Router::new()
        .route("/introspect", post(forward))
        .with_state(upstream);
    let (base, shutdown) = serve(app).await;
    CountingProxy {
        base,
        calls,
        shutdown,
    }
}

/// Requests to the MCP server carrying a bearer token.
impl TestApp {
    pub fn post_as(
        &self,
        token: &str,
        session: Option<&Session>,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        self.post(session, body).bearer_auth(token)
    }

    /// Initializes a 2025-11-25 session as the holder of `token`.
    pub async fn initialize_as(&self, token: &str) -> Session {
        let body = crate::helpers::initialize_body("2025-11-25");
        let response = self.post_as(token, None, &body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let id = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let session = Session {
            id,
            version: "2025-11-25".to_owned(),
        };
        let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        let response = self
            .post_as(token, Some(&session), &initialized)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        session
    }

    /// Calls greet in `session` as the holder of `token`; returns the tool's text.
    pub async fn greet_as(&self, token: &str, session: &Session, name: &str) -> String {
        let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
            "params":{"name":"greet","arguments":{"name":name}}});
        let response = self
            .post_as(token, Some(session), &body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let (answer, _) = read_answer(response).await;
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_owned()
    }

    /// `POST /mcp` of a `tools/list` with `authorization` as the header value
    /// (or none).
    pub async fn list_tools_with(&self, authorization: Option<&str>) -> reqwest::Response {
        let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}});
        let mut request = self.post(None, &body);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send().await.unwrap()
    }
}

/// The `WWW-Authenticate` header of `response`.
pub fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}
