//! The HTTP serve loop shared by the services.
//!
//! [`serve`] takes its listener and shutdown token as parameters, so tests bind `127.0.0.1:0` and
//! stop the server themselves. Accepted connections get `TCP_NODELAY`: without it, small SSE
//! writes on a kept-alive connection wait for the peer's delayed ACK (~40 ms each).

use std::{net::SocketAddr, time::Duration};

use axum::{Router, serve::ListenerExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

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
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .into_future();
    tokio::pin!(server);

    tokio::select! {
        result = &mut server => result,
        () = shutdown.cancelled() => {
            match tokio::time::timeout(grace, &mut server).await {
                Ok(result) => {
                    tracing::info!("drained; all connections closed");
                    result
                }
                Err(_) => {
                    tracing::warn!(grace_secs = grace.as_secs_f64(), "grace period over; closing the connections still open");
                    Ok(())
                }
            }
        }
    }
}
