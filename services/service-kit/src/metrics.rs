//! Prometheus metrics for a process: one recorder (the `metrics` facade's global one), rendered
//! at `GET /metrics` on a port of its own, away from the ingress.
//!
//! Durations are histograms in seconds with the buckets of the OpenTelemetry MCP semantic
//! conventions; services describe their metrics and register them at zero when they start, so
//! dashboards and alerts have series before the first event of their kind.

use std::sync::OnceLock;

use axum::{Router, http::header, response::IntoResponse, routing::get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Buckets (seconds) of `mcp.server.operation.duration` and `mcp.server.session.duration` in
/// the MCP semantic conventions, also used for HTTP durations.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Buckets (seconds) for operations that take well under a millisecond on a healthy network:
/// database commands (`db_client_*`) and delivery lags (`*_lag_seconds`).
pub const FAST_BUCKETS: [f64; 14] = [
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Whether [`recorder`] has installed the process's recorder.
pub fn installed() -> bool {
    HANDLE.get().is_some()
}

/// Installs the process's recorder (once; later calls return the same handle).
///
/// # Panics
///
/// If another recorder was installed by other means first.
pub fn recorder() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            // The most specific matcher wins: prefixes before suffixes, and `_lag_seconds`
            // sorts before `_seconds`.
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Prefix("db_client_".into()), &FAST_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Suffix("_lag_seconds".into()),
                        &FAST_BUCKETS,
                    )
                })
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Suffix("_seconds".into()),
                        &DURATION_BUCKETS,
                    )
                })
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            spawn_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds histogram samples into their buckets every [`UPKEEP_INTERVAL`], on a thread of its
/// own (the recorder may be installed before, or outside, any runtime). The recorder keeps
/// every sample until then, so without this a process nobody scrapes would grow by a few
/// dozen bytes per request for ever.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the metrics upkeep thread; histograms are folded only when scraped");
    }
}

/// Binds the metrics listener on `ip:port`.
pub async fn bind(ip: std::net::IpAddr, port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let address = std::net::SocketAddr::new(ip, port);
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {address} for metrics: {error}"))
}

/// Serves [`router`] on `listener` in the background until `shutdown`.
pub fn spawn(listener: tokio::net::TcpListener, shutdown: tokio_util::sync::CancellationToken) {
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "metrics at /metrics");
    }
    tokio::spawn(async move {
        let serve =
            axum::serve(listener, router()).with_graceful_shutdown(shutdown.cancelled_owned());
        if let Err(error) = serve.await {
            tracing::error!(%error, "the metrics listener failed");
        }
    });
}

/// `GET /metrics` in the Prometheus text format.
pub fn router() -> Router {
    let handle = recorder();
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    )
}
