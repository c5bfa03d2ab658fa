//! The process-wide shutdown signal.
//!
//! One [`CancellationToken`] stands for "this process is stopping". [`cancel_on_signal`] cancels it
//! on SIGINT or SIGTERM; the serve loop stops accepting connections when it fires, and every
//! long-lived response (SSE streams) selects on a child of it so it can end with a reconnect hint.

use tokio_util::sync::CancellationToken;

/// Resolves when the process receives SIGINT (Ctrl-C) or SIGTERM, and logs which one.
pub async fn signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => tracing::info!(signal = "SIGINT", "shutdown requested"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutdown requested"),
    }
}

/// Spawns a task that cancels `token` when [`signal`] resolves.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        tokio::select! {
            () = signal() => token.cancel(),
            () = token.cancelled() => {}
        }
    });
}
