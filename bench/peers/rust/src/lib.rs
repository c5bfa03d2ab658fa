//! What both peers share: serving a router on 127.0.0.1:$PORT with TCP_NODELAY, as every server
//! in the comparison does (without it an SSE answer waits 40 ms for a delayed ACK).

/// Serves `app` on 127.0.0.1:$PORT (default 3000) until the process ends.
pub async fn serve(name: &str, app: axum::Router) -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    eprintln!("{name} listening on http://127.0.0.1:{port}/mcp");
    axum::serve(listener, app).await
}
