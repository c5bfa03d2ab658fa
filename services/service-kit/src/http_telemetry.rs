//! One span, one log line and one duration sample per HTTP request, after the OpenTelemetry
//! HTTP server conventions; every service puts [`observe`] in front of its routes.
//!
//! The span continues the caller's trace (`traceparent`) and carries `trace_id`, so every log
//! line written while the request runs names its trace. The log line never holds the query
//! string or a header: those are where tokens, codes and secrets travel.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    middleware::Next,
    response::Response,
};
use metrics::{Histogram, Unit, describe_histogram, histogram};
use opentelemetry::trace::TraceContextExt;
use tracing::{Instrument, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::{metric_handles::Handles, telemetry::propagation};

/// `http.server.request.duration`, by method, route and status code.
pub const HTTP_DURATION: &str = "http_server_request_duration_seconds";

/// Routes polled by probes: their lines are logged at debug level, not info.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// Describes the HTTP metrics (their series appear with the first request of each kind).
pub fn describe() {
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Duration of HTTP requests, until the response head"
    );
}

/// Sends `request` in a client span (named after its method, after the HTTP client
/// conventions) whose trace context its headers carry, so the server it calls continues the
/// trace.
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    let (client, request) = request.build_split();
    let mut request = request?;
    let method = known_method(request.method()).to_owned();
    let span = tracing::info_span!(
        "http.client",
        otel.name = %method,
        otel.kind = "client",
        otel.status_code = Empty,
        http.request.method = %method,
        url.full = %request.url(),
        http.response.status_code = Empty,
        error.type = Empty,
    );
    request
        .headers_mut()
        .extend(propagation::headers_for(&span));
    let sent = client.execute(request).instrument(span.clone()).await;
    match &sent {
        Ok(response) => {
            let status = response.status().as_u16();
            span.record("http.response.status_code", status);
            if status >= 400 {
                span.record("otel.status_code", "error");
                span.record("error.type", status);
            }
        }
        Err(_) => {
            span.record("otel.status_code", "error");
            span.record("error.type", "transport");
        }
    }
    sent
}

/// Axum middleware (add it with `Router::layer`, so the matched route is known).
pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = known_method(request.method()).to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "http.request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        http.route = %route,
        url.path = %request.uri().path(),
        http.response.status_code = Empty,
        error.type = Empty,
        trace_id = Empty,
    );
    // A span nothing records (logs filtered out, no export) needs no trace context.
    if !span.is_disabled() {
        let parent = propagation::extract(request.headers());
        if parent.has_active_span() {
            // Fails only when spans are not exported; the trace id still follows the caller.
            let _ = span.set_parent(parent.clone());
        }
        span.record("trace_id", propagation::trace_id(&span, &parent));
    }
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    span.record("http.response.status_code", status);
    if status >= 500 {
        span.record("otel.status_code", "error");
        span.record("error.type", status);
    }
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if PROBES.contains(&route.as_str()) {
            tracing::debug!(http.response.status_code = status, duration_ms, "request");
        } else {
            tracing::info!(http.response.status_code = status, duration_ms, "request");
        }
    });
    duration_histogram(&method, &route, status).record(elapsed.as_secs_f64());
    response
}

/// The method as the HTTP conventions record it: any method outside the standard ones is
/// `_OTHER`, so a client inventing methods cannot multiply the series.
fn known_method(method: &Method) -> &str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ];
    if STANDARD.contains(method) {
        method.as_str()
    } else {
        "_OTHER"
    }
}

/// The `http.server.request.duration` histogram of one method, route and status.
fn duration_histogram(method: &str, route: &str, status: u16) -> Histogram {
    static HANDLES: Handles<(String, String, u16), Histogram> = Handles::new();
    HANDLES.get(
        |(known_method, known_route, known_status)| {
            *known_status == status && known_route == route && known_method == method
        },
        || {
            let histogram = histogram!(
                HTTP_DURATION,
                "http_request_method" => method.to_owned(),
                "http_route" => route.to_owned(),
                "http_response_status_code" => status.to_string()
            );
            ((method.to_owned(), route.to_owned(), status), histogram)
        },
    )
}
