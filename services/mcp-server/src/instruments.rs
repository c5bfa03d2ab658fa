//! The MCP server's metrics: their names (Prometheus style, after the OpenTelemetry MCP and HTTP
//! semantic conventions; kept here as constants because the conventions are experimental),
//! descriptions, and registration at zero at start.

use std::time::Instant;

use metrics::{
    Counter, Gauge, Histogram, Unit, counter, describe_counter, describe_gauge, describe_histogram,
    gauge, histogram,
};
use service_kit::metric_handles::Handles;

/// `mcp.server.operation.duration`: one MCP request, by `mcp_method_name` and `error_type`.
pub const OPERATION_DURATION: &str = "mcp_server_operation_duration_seconds";
/// `mcp.server.session.duration`: sessions that ended (DELETE, or expiry when in memory), by
/// `mcp_protocol_version`.
pub const SESSION_DURATION: &str = "mcp_server_session_duration_seconds";
/// SSE responses open on this replica.
pub const OPEN_STREAMS: &str = "mcp_server_sse_streams_open";
/// SSE responses that ended, by `reason`: `completed` (all answered), `reconnect` (told to
/// resume elsewhere: shutdown or polling), `replaced` (a newer stream or the session's end),
/// `session_gone` (expired while open), `client_gone` (the client or a proxy cut it), `lagged`
/// (the client read so slowly that the log dropped events it had not sent; it resumes).
pub const STREAMS_CLOSED: &str = "mcp_server_sse_streams_closed_total";
/// Logged events written to client streams on this replica.
pub const EVENTS_DELIVERED: &str = "mcp_server_bus_events_delivered_total";
/// Time from an event's append (on any replica) to its delivery here: live fan-out latency,
/// or a replay's age.
pub const DELIVERY_LAG: &str = "mcp_server_bus_delivery_lag_seconds";
/// Sessions held by this process's memory store, counted every ten seconds (not exported with
/// Redis, where sessions belong to no replica).
pub const SESSIONS_ACTIVE: &str = "mcp_server_sessions_active";
/// Sessions started on this replica (handshake era).
pub const SESSIONS_STARTED: &str = "mcp_server_sessions_started_total";
/// `tools/call` requests running on this replica.
pub const TOOL_CALLS_IN_FLIGHT: &str = "mcp_server_tool_calls_in_flight";
/// Authentication outcomes, by `mode` and `outcome`.
pub const AUTH_REQUESTS: &str = "mcp_server_auth_requests_total";
/// Introspection cache lookups, by `result` (`hit`, `miss`).
pub const INTROSPECTION_CACHE: &str = "mcp_server_introspection_cache_lookups_total";
/// Lookups of Redis-backed sessions in this replica's recent copies, by `result` (`hit`,
/// `miss`).
pub const SESSION_CACHE: &str = "mcp_server_session_cache_lookups_total";
/// JWKS fetches, by `outcome` (`ok`, `error`).
pub const JWKS_FETCHES: &str = "mcp_server_jwks_fetches_total";
/// Redis commands that failed (connection lost, timeout, refused), by `backend` (`store`,
/// `bus`).
pub const REDIS_ERRORS: &str = "mcp_server_redis_errors_total";
/// Messages published on the shared bus, by `kind` (`wake`, `signal`, `task_signal`,
/// `server_event`).
pub const BUS_PUBLISHED: &str = "mcp_server_bus_messages_published_total";
/// Counter: `/mcp` requests refused with 429, by the limit they hit (`rate`, `concurrency`).
pub const LIMITED: &str = "mcp_server_requests_limited_total";

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

const CLOSE_REASONS: [&str; 6] = [
    "completed",
    "lagged",
    "reconnect",
    "replaced",
    "session_gone",
    "client_gone",
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
    service_kit::http_telemetry::describe();
    describe_histogram!(
        SESSION_DURATION,
        Unit::Seconds,
        "Duration of sessions that ended, from initialize to their end"
    );
    describe_gauge!(OPEN_STREAMS, "SSE responses currently open on this replica");
    describe_counter!(STREAMS_CLOSED, "SSE responses that ended, by reason");
    describe_counter!(
        EVENTS_DELIVERED,
        "Logged events written to client streams on this replica"
    );
    describe_histogram!(
        DELIVERY_LAG,
        Unit::Seconds,
        "Time from an event's append to its delivery on a client stream"
    );
    service_kit::redis::describe_metrics();
    for reason in CLOSE_REASONS {
        counter!(STREAMS_CLOSED, "reason" => reason).absolute(0);
    }
    counter!(EVENTS_DELIVERED).absolute(0);
    let _ = histogram!(DELIVERY_LAG);
    describe_counter!(SESSIONS_STARTED, "Sessions started on this replica");
    describe_gauge!(
        SESSIONS_ACTIVE,
        "Sessions held in memory by this process (memory backend only)"
    );
    describe_gauge!(
        TOOL_CALLS_IN_FLIGHT,
        "tools/call requests running on this replica"
    );
    describe_counter!(AUTH_REQUESTS, "Authentication outcomes of /mcp requests");
    describe_counter!(INTROSPECTION_CACHE, "Introspection cache lookups");
    describe_counter!(
        SESSION_CACHE,
        "Lookups of Redis-backed sessions in this replica's recent copies"
    );
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
        counter!(SESSION_CACHE, "result" => result).absolute(0);
    }
    for outcome in ["ok", "error"] {
        counter!(JWKS_FETCHES, "outcome" => outcome).absolute(0);
    }
    describe_counter!(LIMITED, "/mcp requests refused with 429, by limit");
    for limit in ["rate", "concurrency"] {
        counter!(LIMITED, "limit" => limit).absolute(0);
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
    static HANDLES: Handles<(&'static str, Option<i32>), Histogram> = Handles::new();
    let method = method_label(method);
    HANDLES
        .get(
            |(known_method, known_code)| *known_code == error_code && *known_method == method,
            || {
                let error_type = error_code.map_or_else(String::new, |code| code.to_string());
                let histogram = histogram!(OPERATION_DURATION, "mcp_method_name" => method, "error_type" => error_type);
                ((method, error_code), histogram)
            },
        )
        .record(started.elapsed().as_secs_f64());
}

/// Counts a gauge up while alive.
#[derive(Debug)]
pub struct Live(Gauge);

impl Live {
    /// One more of `gauge`, until dropped.
    pub fn of(name: &'static str) -> Self {
        static HANDLES: Handles<&'static str, Gauge> = Handles::new();
        let gauge = HANDLES.get(|known| *known == name, || (name, gauge!(name)));
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// Records `outcome` of authenticating a request in `mode`.
pub fn auth(mode: &'static str, outcome: &'static str) {
    static HANDLES: Handles<(&'static str, &'static str), Counter> = Handles::new();
    HANDLES
        .get(
            |known| *known == (mode, outcome),
            || {
                let counter = counter!(AUTH_REQUESTS, "mode" => mode, "outcome" => outcome);
                ((mode, outcome), counter)
            },
        )
        .increment(1);
}

/// Counts a request refused by `limit` (`rate` or `concurrency`).
pub fn limited(limit: &'static str) {
    counter!(LIMITED, "limit" => limit).increment(1);
}

/// Counts a lookup in a cache: `metric` is [`INTROSPECTION_CACHE`] or [`SESSION_CACHE`], `hit`
/// says whether it was found.
pub fn cache_lookup(metric: &'static str, hit: bool) {
    static HANDLES: Handles<(&'static str, bool), Counter> = Handles::new();
    HANDLES
        .get(
            |known| *known == (metric, hit),
            || {
                let result = if hit { "hit" } else { "miss" };
                ((metric, hit), counter!(metric, "result" => result))
            },
        )
        .increment(1);
}

/// Records the end of a session created at `created_at` (seconds since the epoch).
pub fn session_ended(protocol_version: &str, created_at: u64) {
    let now = crate::bus::now_us() / 1_000_000;
    histogram!(SESSION_DURATION, "mcp_protocol_version" => protocol_version.to_owned())
        .record(now.saturating_sub(created_at) as f64);
}

/// Records one logged event written to a client stream, appended at `appended_us`.
pub fn delivered(appended_us: u64) {
    counter!(EVENTS_DELIVERED).increment(1);
    if appended_us > 0 {
        let lag = crate::bus::now_us().saturating_sub(appended_us);
        histogram!(DELIVERY_LAG).record(lag as f64 / 1_000_000.0);
    }
}

/// One open SSE response: counted in [`OPEN_STREAMS`] while alive, and in [`STREAMS_CLOSED`]
/// with its reason when dropped (`client_gone` unless told otherwise).
#[derive(Debug)]
pub struct OpenStream {
    reason: &'static str,
}

impl OpenStream {
    /// A stream that just opened.
    pub fn opened() -> Self {
        gauge!(OPEN_STREAMS).increment(1.0);
        Self {
            reason: "client_gone",
        }
    }

    /// Why the stream is ending (one of the documented reasons).
    pub fn ending(&mut self, reason: &'static str) {
        self.reason = reason;
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(OPEN_STREAMS).decrement(1.0);
        counter!(STREAMS_CLOSED, "reason" => self.reason).increment(1);
    }
}
