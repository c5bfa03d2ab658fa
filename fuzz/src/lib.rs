//! What each fuzz target does with its input: one function per target, which panics on a bug
//! and returns normally otherwise. `fuzz/fuzz_targets/<target>.rs` only calls it.
//!
//! This file knows nothing of libFuzzer: the `mcp-server` integration test `fuzz_regressions`
//! includes it (`#[path]`) and replays the crash inputs and the seeds through the very same
//! functions, so it may only use crates that `mcp-server` depends on.
//!
//! Input formats (see `fuzz/seeds/<target>/` for examples):
//! - `jsonrpc`, `event_id`: the raw bytes.
//! - `request_state`: one byte `n`, an `n`-byte binding, then the sealed text.
//! - `headers`, `http_request`: `name: value` lines, an empty line, then (`http_request`) the
//!   body. A header value `{session}` stands for the id of a session initialized just before.
//! - `jwt`: a JSON object is a claims set, signed with the test key; anything else is the
//!   value of the `Authorization` header.

use std::{
    net::SocketAddr,
    sync::{Arc, LazyLock},
    time::Duration,
};

use axum::{Json, Router, routing::get};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, header};
use http_body_util::BodyExt;
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, JwkSet, KeyAlgorithm},
};
use mcp_server::{
    App, Config,
    auth::Authenticator,
    bus::EventId,
    protocol::{
        jsonrpc::{self, Body, Message, Parsed},
        version,
    },
    sealing::{KeyRing, SealError},
    transport::headers as request_headers,
};
use rmcp::model::{ErrorCode, ErrorData};
use serde_json::{Value, json};
use service_kit::config::Configuration;
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

// ---------------------------------------------------------------------------------------------
// jsonrpc

/// `jsonrpc::parse_body`, then the answer the server would give each message, which must parse
/// back as what it claims to be.
pub fn jsonrpc(data: &[u8]) {
    let body = match jsonrpc::parse_body(data) {
        Ok(body) => body,
        Err(error) => {
            // The whole body is refused, answered with a null id.
            let text = jsonrpc::error_response(None, &error);
            match reparse(&text) {
                Ok(Message::Response(response)) => {
                    assert_eq!(response.id, None, "{text}");
                    assert!(response.outcome.is_err(), "{text}");
                }
                other => panic!("{text} parses back as {other:?}"),
            }
            return;
        }
    };
    let has_requests = body.has_requests();
    let items = match body {
        Body::Single(parsed) => vec![parsed],
        Body::Batch(items) => {
            assert!(!items.is_empty(), "an empty batch is refused as a whole");
            items
        }
    };
    assert_eq!(
        has_requests,
        items
            .iter()
            .any(|parsed| matches!(parsed, Ok(Message::Request(_))))
    );
    for parsed in items {
        answer(parsed);
    }
}

/// A message the server wrote, parsed back as the client's would be.
fn reparse(text: &str) -> Parsed {
    match jsonrpc::parse_body(text.as_bytes()) {
        Ok(Body::Single(parsed)) => parsed,
        other => panic!("{text} does not parse back as one message: {other:?}"),
    }
}

fn answer(parsed: Parsed) {
    match parsed {
        Err(invalid) => {
            let code = jsonrpc::code_of(&invalid.error);
            assert!(
                code == ErrorCode::INVALID_REQUEST.0 || code == ErrorCode::INVALID_PARAMS.0,
                "an invalid message is refused with -32600 or -32602, not {code}"
            );
            let text = jsonrpc::error_response(invalid.id.as_ref(), &invalid.error);
            match reparse(&text) {
                Ok(Message::Response(response)) => {
                    assert_eq!(response.id, invalid.id, "{text}");
                    assert!(response.outcome.is_err(), "{text}");
                }
                other => panic!("{text} parses back as {other:?}"),
            }
        }
        Ok(Message::Request(request)) => {
            let result = json!({ "method": request.method, "params": request.params });
            let text = jsonrpc::response(&request.id, result);
            match reparse(&text) {
                Ok(Message::Response(response)) => {
                    assert_eq!(response.id.as_ref(), Some(&request.id), "{text}");
                    assert!(response.outcome.is_ok(), "{text}");
                }
                other => panic!("{text} parses back as {other:?}"),
            }
            let error = ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {}", request.method),
                Some(json!({ "method": request.method })),
            );
            let text = jsonrpc::error_response(Some(&request.id), &error);
            match reparse(&text) {
                Ok(Message::Response(response)) => {
                    assert_eq!(response.id.as_ref(), Some(&request.id), "{text}");
                    assert!(response.outcome.is_err(), "{text}");
                }
                other => panic!("{text} parses back as {other:?}"),
            }
        }
        Ok(Message::Notification(notification)) => {
            let params = notification
                .params
                .clone()
                .map_or_else(|| json!({}), Value::Object);
            let text = jsonrpc::notification(&notification.method, params);
            match reparse(&text) {
                Ok(Message::Notification(again)) => {
                    assert_eq!(again.method, notification.method, "{text}");
                }
                other => panic!("{text} parses back as {other:?}"),
            }
        }
        Ok(Message::Response(response)) => {
            if let (Some(id), Ok(result)) = (&response.id, &response.outcome) {
                let text = jsonrpc::response(id, result.clone());
                match reparse(&text) {
                    Ok(Message::Response(again)) => {
                        assert_eq!(again.id.as_ref(), Some(id), "{text}");
                        assert!(again.outcome.is_ok(), "{text}");
                    }
                    other => panic!("{text} parses back as {other:?}"),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// event_id

/// `EventId::parse` (what `Last-Event-ID` goes through); an id it accepts is written back in a
/// form that parses to the same id.
pub fn event_id(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(id) = EventId::parse(&text) {
        let written = id.to_string();
        assert_eq!(EventId::parse(&written), Some(id), "{text:?} -> {written}");
    }
}

// ---------------------------------------------------------------------------------------------
// request_state

/// The key ring of the `request_state` target (a test key, nothing secret).
pub const STATE_KEYS: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

static STATE_RING: LazyLock<KeyRing> =
    LazyLock::new(|| KeyRing::parse(STATE_KEYS).expect("the fuzz key ring parses"));

/// Splits a `request_state` input into its binding and its text.
pub fn request_state_parts(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&length, rest)) => rest.split_at(usize::from(length).min(rest.len())),
        None => (&[], &[]),
    }
}

/// `KeyRing::open` on arbitrary text; and any JSON value sealed by the ring opens to the same
/// value under the same binding, and under no other.
pub fn request_state(data: &[u8]) {
    let ring = &*STATE_RING;
    let (binding, text) = request_state_parts(data);
    let text = String::from_utf8_lossy(text);
    let _ = ring.open::<Value>(&text, binding);
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        let sealed = ring.seal(&value, binding, Duration::from_secs(3600));
        let opened: Result<Value, SealError> = ring.open(&sealed, binding);
        // Exactly the value: floats included, since serde_json reads back the floats it writes
        // (`float_roundtrip`; without it, 1.1111111111111107e94 came back 1 ULP off, the input
        // kept in tests/fuzz_regressions/request_state/).
        assert_eq!(opened.as_ref(), Ok(&value), "sealed as {sealed}");
        let mut elsewhere = binding.to_vec();
        elsewhere.push(b'\n');
        assert_eq!(
            ring.open::<Value>(&sealed, &elsewhere),
            Err(SealError::Forged),
            "a sealed value opens under another binding"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// headers

/// The `name: value` lines at the start of `data` (up to an empty line or the end) that make a
/// valid header, in order, and what follows the empty line.
pub fn header_lines(data: &[u8]) -> (Vec<(HeaderName, HeaderValue)>, &[u8]) {
    let mut pairs = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (line, after) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &[][..]),
        };
        rest = after;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = line[colon + 1..].trim_ascii_start();
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(line[..colon].trim_ascii()),
            HeaderValue::from_bytes(value),
        ) {
            pairs.push((name, value));
        }
    }
    (pairs, rest)
}

/// The request header readers of `transport::headers`, on headers made of the input.
pub fn headers(data: &[u8]) {
    let (pairs, _) = header_lines(data);
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(name, value);
    }
    let accepts = request_headers::Accepts::from_headers(&map);
    if !map.contains_key(header::ACCEPT) {
        assert!(
            accepts.json && accepts.sse,
            "no Accept header allows anything"
        );
    }
    let _ = request_headers::require_json(&map);
    if let Ok(Some(version)) = request_headers::protocol_version(&map) {
        assert!(version::is_handshake(version.as_str()), "{version:?}");
    }
    let _ = request_headers::session_id(&map);
    if let Ok(Some(id)) = request_headers::last_event_id(&map) {
        assert_eq!(EventId::parse(&id.to_string()), Some(id));
    }
    for value in map.values() {
        if let Ok(text) = value.to_str() {
            let parsed = version::parse_header(text);
            assert_eq!(parsed.is_some(), version::is_handshake(text), "{text:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// jwt

/// Its key id in the JWKS.
pub const JWT_KID: &str = "fuzz-1";
/// The `iss` the verifier expects.
pub const JWT_ISSUER: &str = "https://issuer.fuzz.example";
/// The server's resource URL: the `aud` the verifier expects.
pub const JWT_AUDIENCE: &str = "https://mcp.fuzz.example/mcp";

/// The test issuer's ES256 signing key: a fixed scalar, so that JWTs signed once (the seeds)
/// verify in every later run. It protects nothing.
pub fn jwt_signing_key() -> EncodingKey {
    use p256::pkcs8::EncodePrivateKey;
    let secret = p256::SecretKey::from_slice(&[7; 32]).expect("a valid P-256 scalar");
    let der = secret.to_pkcs8_der().expect("a PKCS#8 encoding");
    EncodingKey::from_ec_der(der.as_bytes())
}

/// Signs `claims` as the test issuer would: ES256, `typ: at+jwt`, `kid` of the JWKS.
pub fn jwt_sign(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some(JWT_KID.to_owned());
    jsonwebtoken::encode(&header, claims, &jwt_signing_key()).expect("claims sign")
}

struct JwtHarness {
    runtime: Runtime,
    authenticator: Authenticator,
}

static JWT: LazyLock<JwtHarness> = LazyLock::new(|| {
    service_kit::tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut public = Jwk::from_encoding_key(&jwt_signing_key(), Algorithm::ES256)
        .expect("the test key has a public JWK");
    public.common.key_id = Some(JWT_KID.to_owned());
    public.common.key_algorithm = Some(KeyAlgorithm::ES256);
    let keys = Arc::new(JwkSet { keys: vec![public] });
    // The issuer's JWKS, served on loopback by this runtime (it runs while a check runs).
    let jwks_addr: SocketAddr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let app = Router::new().route(
            "/jwks.json",
            get(move || {
                let keys = Arc::clone(&keys);
                async move { Json((*keys).clone()) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    let jwks_url = format!("http://{jwks_addr}/jwks.json");
    let config = Config::from_pairs([
        ("AUTH_TOKEN_MODE", "jwt"),
        ("JWT_ISSUER", JWT_ISSUER),
        ("JWT_JWKS_URL", jwks_url.as_str()),
        ("MCP_PUBLIC_URL", JWT_AUDIENCE),
        ("PORT", "0"),
        ("BIND_ADDRESS", "127.0.0.1"),
    ])
    .expect("the fuzz JWT configuration is valid");
    let authenticator = Authenticator::from_config(&config).expect("the authenticator builds");
    JwtHarness {
        runtime,
        authenticator,
    }
});

/// The resource server's token check (`Authenticator::principal` in JWT mode: bearer header,
/// JWT header, key lookup in the issuer's JWKS, signature, claims), on an `Authorization` value
/// from the input or on claims from the input signed with the issuer's key.
pub fn jwt(data: &[u8]) {
    let value = if data.first() == Some(&b'{') {
        let Ok(claims @ Value::Object(_)) = serde_json::from_slice::<Value>(data) else {
            return;
        };
        format!("Bearer {}", jwt_sign(&claims)).into_bytes()
    } else {
        data.to_vec()
    };
    let Ok(value) = HeaderValue::from_bytes(&value) else {
        return;
    };
    let mut map = HeaderMap::new();
    map.insert(header::AUTHORIZATION, value);
    let harness = &*JWT;
    let _ = harness
        .runtime
        .block_on(harness.authenticator.principal(&map));
}

// ---------------------------------------------------------------------------------------------
// http_request

/// Headers of an `http_request` input that are sent; other lines are ignored (`Host` is always
/// `localhost`, and framing headers would only break the regression test's real connection).
pub fn is_fuzzed_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "accept"
            | "content-type"
            | "origin"
            | "last-event-id"
            | "mcp-session-id"
            | "mcp-protocol-version"
            | "mcp-method"
            | "mcp-name"
    ) || name.as_str().starts_with("mcp-param-")
}

/// A header value standing for the id of a session initialized for the input.
pub const SESSION_PLACEHOLDER: &[u8] = b"{session}";

/// What the harness needs from a response (whose body the sender reads, boundedly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// `Mcp-Session-Id`, if any.
    pub session: Option<String>,
}

/// Most of a response body a sender reads.
pub const MAX_BODY_READ: usize = 64 * 1024;

fn mcp_post(headers: &[(HeaderName, HeaderValue)], body: Vec<u8>) -> Request<Bytes> {
    let mut request = Request::new(Bytes::from(body));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = http::Uri::from_static("/mcp");
    let map = request.headers_mut();
    map.insert(header::HOST, HeaderValue::from_static("localhost"));
    for (name, value) in headers {
        map.append(name.clone(), value.clone());
    }
    request
}

/// Initializes a session (with every client capability) and returns its id.
async fn initialize_session(send: &impl AsyncFn(Request<Bytes>) -> Answer) -> Option<String> {
    let base = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        ),
    ];
    let initialize = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": version::LATEST_HANDSHAKE.as_str(),
            "capabilities": { "elicitation": {}, "sampling": {}, "roots": { "listChanged": true } },
            "clientInfo": { "name": "mcp-fuzz", "version": "0" },
        },
    });
    let answer = send(mcp_post(&base, initialize.to_string().into_bytes())).await;
    assert_ne!(answer.status, 500, "initialize answered 500");
    let session = answer.session?;
    let mut headers = base.to_vec();
    headers.push((
        HeaderName::from_static("mcp-session-id"),
        HeaderValue::from_str(&session).ok()?,
    ));
    headers.push((
        HeaderName::from_static("mcp-protocol-version"),
        HeaderValue::from_str(version::LATEST_HANDSHAKE.as_str()).ok()?,
    ));
    let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    let answer = send(mcp_post(&headers, initialized.to_string().into_bytes())).await;
    assert_ne!(answer.status, 500, "notifications/initialized answered 500");
    Some(session)
}

/// Sends the input's `POST /mcp` through `send` (after an `initialize` when it uses
/// [`SESSION_PLACEHOLDER`]); no answer may be a 500 (the panic catcher's answer).
pub async fn http_request_with(data: &[u8], send: impl AsyncFn(Request<Bytes>) -> Answer) {
    let (lines, body) = header_lines(data);
    let mut headers: Vec<(HeaderName, HeaderValue)> = lines
        .into_iter()
        .filter(|(name, _)| is_fuzzed_header(name))
        .collect();
    if headers
        .iter()
        .any(|(_, value)| value.as_bytes() == SESSION_PLACEHOLDER)
    {
        let Some(session) = initialize_session(&send).await else {
            panic!("initialize gave no session");
        };
        let session = HeaderValue::from_str(&session).expect("session ids are visible ASCII");
        for (_, value) in &mut headers {
            if value.as_bytes() == SESSION_PLACEHOLDER {
                *value = session.clone();
            }
        }
    }
    let answer = send(mcp_post(&headers, body.to_vec())).await;
    assert_ne!(answer.status, 500, "the request answered 500");
}

/// Settings of the server `http_request` talks to, besides authentication off and port 0: the
/// conformance pack (tools that elicit, sample, stream, run as tasks, mirror arguments in
/// headers) and the `request_state` key ring, so seeds can carry a state that opens.
pub const HTTP_SERVER_SETTINGS: &[(&str, &str)] = &[
    ("MCP_FEATURE_PACKS", "conformance"),
    ("MCP_STATE_KEYS", STATE_KEYS),
];

struct InMemory {
    runtime: Runtime,
    router: Router,
}

/// The server, built once, on a current-thread runtime whose clock is paused: it jumps ahead
/// whenever every task waits, so SSE keep-alives and timeouts cost no real time.
static IN_MEMORY: LazyLock<InMemory> = LazyLock::new(|| {
    service_kit::tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let mut pairs = vec![
        ("DISABLE_AUTH", "true"),
        ("PORT", "0"),
        ("BIND_ADDRESS", "127.0.0.1"),
    ];
    pairs.extend_from_slice(HTTP_SERVER_SETTINGS);
    let config = Config::from_pairs(pairs).expect("the fuzz configuration is valid");
    let router = runtime.block_on(async {
        App::build(config, CancellationToken::new())
            .await
            .expect("the app builds")
            .router()
    });
    InMemory { runtime, router }
});

/// Sends `request` to the in-memory router and reads at most [`MAX_BODY_READ`] bytes of the
/// body, for at most a minute (of the paused clock).
async fn send_in_memory(router: &Router, request: Request<Bytes>) -> Answer {
    let Ok(response) = router
        .clone()
        .oneshot(request.map(axum::body::Body::from))
        .await;
    let status = response.status().as_u16();
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut body = response.into_body();
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        let mut read = 0;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > MAX_BODY_READ {
                break;
            }
        }
    })
    .await;
    Answer { status, session }
}

/// `POST /mcp` with the input's headers and body, through the whole router in memory.
pub fn http_request(data: &[u8]) {
    let harness = &*IN_MEMORY;
    harness
        .runtime
        .block_on(http_request_with(data, async |request| {
            send_in_memory(&harness.router, request).await
        }));
}
