//! The MCP server's metrics: their names (Prometheus style, after the OpenTelemetry MCP and HTTP
//! semantic conventions; kept here as constants because the conventions are experimental),
//! descriptions, and registration at zero at start.

use std::time::Instant;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

/// `mcp.server.operation.duration`: one MCP request, by `mcp_method_name` and `error_type`.
pub const OPERATION_DURATION: &str = "mcp_server_operation_duration_seconds";
/// `http.server.request.duration`, by method, route and status code.
pub const HTTP_DURATION: &str = "http_server_request_duration_seconds";
/// SSE responses open on this replica.
pub const OPEN_STREAMS: &str = "mcp_server_sse_streams_open";
/// Sessions started on this replica (handshake era).
pub const SESSIONS_STARTED: &str = "mcp_server_sessions_started_total";
/// `tools/call` requests running on this replica.
pub const TOOL_CALLS_IN_FLIGHT: &str = "mcp_server_tool_calls_in_flight";
/// Authentication outcomes, by `mode` and `outcome`.
pub const AUTH_REQUESTS: &str = "mcp_server_auth_requests_total";
/// Introspection cache lookups, by `result` (`hit`, `miss`).
pub const INTROSPECTION_CACHE: &str = "mcp_server_introspection_cache_lookups_total";
/// JWKS fetches, by `outcome` (`ok`, `error`).
pub const JWKS_FETCHES: &str = "mcp_server_jwks_fetches_total";
/// Redis commands that failed (connection lost, timeout, refused), by `backend` (`store`,
/// `bus`).
pub const REDIS_ERRORS: &str = "mcp_server_redis_errors_total";
/// Messages published on the shared bus, by `kind` (`wake`, `signal`, `task_signal`,
/// `server_event`).
pub const BUS_PUBLISHED: &str = "mcp_server_bus_messages_published_total";

/// The MCP methods measured by name; anything else is `other` (bounded label values).
const METHODS: [&str; 20] = [
    "ping",
    "initialize",
    "logging/setLevel",
    "server/discover",
    "subscriptions/listen",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "notifications/cancelled",
    "notifications/initialized",
];

const AUTH_OUTCOMES: [&str; 7] = [
    "ok",
    "anonymous",
    "missing",
    "malformed",
    "invalid",
    "insufficient_scope",
    "unavailable",
];

/// Describes every metric and registers its series at zero.
pub fn register() {
    describe_histogram!(
        OPERATION_DURATION,
        Unit::Seconds,
        "Duration of MCP requests handled by the server"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Duration of HTTP requests, until the response head"
    );
    describe_gauge!(OPEN_STREAMS, "SSE responses currently open on this replica");
    describe_counter!(SESSIONS_STARTED, "Sessions started on this replica");
    describe_gauge!(
        TOOL_CALLS_IN_FLIGHT,
        "tools/call requests running on this replica"
    );
    describe_counter!(AUTH_REQUESTS, "Authentication outcomes of /mcp requests");
    describe_counter!(INTROSPECTION_CACHE, "Introspection cache lookups");
    describe_counter!(JWKS_FETCHES, "JWKS fetches");
    describe_counter!(BUS_PUBLISHED, "Messages published on the shared event bus");
    describe_counter!(REDIS_ERRORS, "Redis commands that failed");
    for backend in ["store", "bus"] {
        counter!(REDIS_ERRORS, "backend" => backend).absolute(0);
    }
    gauge!(OPEN_STREAMS).set(0.0);
    gauge!(TOOL_CALLS_IN_FLIGHT).set(0.0);
    counter!(SESSIONS_STARTED).absolute(0);
    for mode in ["disabled", "introspection", "jwt"] {
        for outcome in AUTH_OUTCOMES {
            counter!(AUTH_REQUESTS, "mode" => mode, "outcome" => outcome).absolute(0);
        }
    }
    for result in ["hit", "miss"] {
        counter!(INTROSPECTION_CACHE, "result" => result).absolute(0);
    }
    for outcome in ["ok", "error"] {
        counter!(JWKS_FETCHES, "outcome" => outcome).absolute(0);
    }
    for kind in ["wake", "signal", "task_signal", "server_event"] {
        counter!(BUS_PUBLISHED, "kind" => kind).absolute(0);
    }
    for method in ["initialize", "tools/list", "tools/call"] {
        let _ = histogram!(OPERATION_DURATION, "mcp_method_name" => method, "error_type" => "");
    }
}

/// The bounded label value for `method`.
pub fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("other")
}

/// Records one MCP request of `method` that started at `started`, failed with `error_code`.
pub fn operation(method: &str, started: Instant, error_code: Option<i32>) {
    let error_type = error_code.map_or_else(String::new, |code| code.to_string());
    histogram!(OPERATION_DURATION, "mcp_method_name" => method_label(method), "error_type" => error_type)
        .record(started.elapsed().as_secs_f64());
}

/// Counts a gauge up while alive.
#[derive(Debug)]
pub struct Live(&'static str);

impl Live {
    /// One more of `gauge`, until dropped.
    pub fn of(name: &'static str) -> Self {
        gauge!(name).increment(1.0);
        Self(name)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// Records `outcome` of authenticating a request in `mode`.
pub fn auth(mode: &'static str, outcome: &'static str) {
    counter!(AUTH_REQUESTS, "mode" => mode, "outcome" => outcome).increment(1);
}

/// The route of `path`, as a bounded label value.
fn route_label(path: &str) -> &'static str {
    match path {
        "/mcp" => "/mcp",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        _ if path.starts_with("/mcp/") => "/mcp/{*rest}",
        _ if path.starts_with("/.well-known/oauth-protected-resource") => {
            "/.well-known/oauth-protected-resource"
        }
        "/.well-known/oauth-authorization-server" => "/.well-known/oauth-authorization-server",
        _ => "other",
    }
}

/// Axum middleware: the HTTP request duration, by method, matched route and status.
pub async fn http(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = route_label(request.uri().path());
    let response = next.run(request).await;
    histogram!(
        HTTP_DURATION,
        "http_request_method" => method,
        "http_route" => route,
        "http_response_status_code" => response.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    response
}
