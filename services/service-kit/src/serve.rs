//! The HTTP serve loop shared by the services.
//!
//! [`serve`] takes its listener and shutdown token as parameters, so tests bind `127.0.0.1:0` and
//! stop the server themselves.
//!
//! Connections are HTTP/1.1, served by hyper directly rather than through `axum::serve`: one
//! protocol means a smaller future per connection (the automatic HTTP/1-or-2 connection type is
//! sized for HTTP/2's state), which is most of what an idle SSE stream costs, and the loop can set
//! what `axum::serve` does not expose: a bound on request headers and a deadline to receive them.
//! Clients reach the pods through a balancer or ingress that speaks HTTP/1.1 to them anyway.
//! Each request carries its connection's peer address as axum's `ConnectInfo<SocketAddr>`.
//! Accepted connections get `TCP_NODELAY`: without it, small SSE writes on a kept-alive
//! connection wait for the peer's delayed ACK (~40 ms each).

use std::{io, time::Duration};

use axum::{Router, extract::ConnectInfo, http::Request};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// The most a request head (request line and headers) may take; more gets `431`.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long a client has to send a complete request head once it starts one (or to start the
/// next one on a kept-alive connection), so idle or trickling connections cannot pile up.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` is cancelled, then drains.
///
/// Draining stops accepting new connections and waits for in-flight requests (and the SSE
/// streams, which end themselves when they see the same token) for at most `grace`; whatever is
/// still open then is dropped with a warning.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    grace: Duration,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES);
    let connections = GracefulShutdown::new();

    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    pause_after_accept_error(error).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        // The client's address, for handlers that tell anonymous callers apart.
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let service = TowerToHyperService::new(service);
        let connection = connections.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);

    match tokio::time::timeout(grace, connections.shutdown()).await {
        Ok(()) => tracing::info!("drained; all connections closed"),
        Err(_) => tracing::warn!(
            grace_secs = grace.as_secs_f64(),
            "grace period over; closing the connections still open"
        ),
    }
    Ok(())
}

/// Errors from `accept` that concern one connection are skipped at once; the others (out of file
/// descriptors, out of memory) would fail again immediately, so the loop waits a second.
async fn pause_after_accept_error(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn started() -> (
        std::net::SocketAddr,
        CancellationToken,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let router = Router::new().route("/", get(|| async { "ok" }));
        let stop = shutdown.clone();
        let server = tokio::spawn(async move {
            serve(listener, router, stop, Duration::from_secs(5))
                .await
                .unwrap();
        });
        (address, shutdown, server)
    }

    async fn exchange(address: std::net::SocketAddr, request: &[u8]) -> String {
        let mut tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        tcp.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn requests_are_served_and_a_head_over_the_bound_gets_431() {
        let (address, shutdown, server) = started().await;
        let answer = exchange(
            address,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");

        let padding = "a".repeat(MAX_HEAD_BYTES);
        let request = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\n\r\n");
        let answer = exchange(address, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

        shutdown.cancel();
        server.await.unwrap();
    }

    #[tokio::test]
    async fn shutdown_waits_for_a_request_in_flight_then_stops_accepting() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let router = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let stop = shutdown.clone();
        let server = tokio::spawn(serve(listener, router, stop, Duration::from_secs(5)));
        let in_flight = tokio::spawn(exchange(address, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
        tokio::time::sleep(Duration::from_millis(100)).await;
        shutdown.cancel();
        let answer = in_flight.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
        server.await.unwrap().unwrap();
        assert!(tokio::net::TcpStream::connect(address).await.is_err());
    }
}
