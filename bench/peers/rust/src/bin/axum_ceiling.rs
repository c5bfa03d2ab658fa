//! Benchmark ceiling: a bare axum server whose `POST /mcp` reads the body and answers a fixed
//! `greet` result, with no MCP logic at all. It bounds what any server can do on this machine.

use axum::{
    Router,
    body::Bytes,
    http::{HeaderMap, HeaderValue, header},
    response::IntoResponse,
    routing::post,
};

const ANSWER: &str =
    r#"{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"Hello, Bo!"}]}}"#;
const SESSION_HEADER: &str = "mcp-session-id";

/// Reads the body and answers the fixed result, echoing the session id (or giving a fixed one).
async fn mcp(headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    drop(body);
    let session = headers
        .get(SESSION_HEADER)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("ceiling-session"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::HeaderName::from_static(SESSION_HEADER), session),
        ],
        ANSWER,
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::io::Result<()> {
    bench_peers::serve("axum-ceiling", Router::new().route("/mcp", post(mcp))).await
}
