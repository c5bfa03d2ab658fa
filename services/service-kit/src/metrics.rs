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

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle).
///
/// # Panics
///
/// If another recorder was installed by other means first.
pub fn recorder() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &DURATION_BUCKETS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
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
