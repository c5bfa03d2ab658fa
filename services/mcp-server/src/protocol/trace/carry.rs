//! Trace context carried by the messages a request sends its client (`params._meta`), so the
//! trace goes on wherever the message travels: through the event log in Redis to the replica
//! that holds the client's stream, and on to the client.
//!
//! Only while spans are exported; otherwise messages are left exactly as they were built.

use opentelemetry::{
    propagation::{Injector, TextMapPropagator},
    trace::TraceContextExt,
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use serde_json::{Map, Value};
use service_kit::telemetry::traces;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::remote_parent;

/// `_meta` written as a carrier of trace context fields (existing fields are kept).
struct MetaInjector<'a>(&'a mut Map<String, Value>);

impl Injector for MetaInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.entry(key).or_insert(Value::String(value));
    }
}

/// Writes the current span's trace context into `params._meta` (a message about to leave
/// the request that produced it).
pub(crate) fn stamp(params: &mut Value) {
    if !traces::exporting() {
        return;
    }
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return;
    }
    let Some(params) = params.as_object_mut() else {
        return;
    };
    let meta = params
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        TraceContextPropagator::new().inject_context(&context, &mut MetaInjector(meta));
    }
}

/// Records that `message` (a logged event) was written to a client's stream: a short client
/// span named after its method, child of the span that produced it, on whichever replica
/// delivers it. Messages without trace context (or with export off) record nothing.
pub(crate) fn delivered(message: &str, session: Option<&dyn std::fmt::Display>) {
    if !traces::exporting() || !message.contains("traceparent") {
        return;
    }
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(message) else {
        return;
    };
    let params = message.get("params").and_then(Value::as_object);
    let Some(parent) = remote_parent(params) else {
        return;
    };
    let method = message
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("message");
    let span = tracing::info_span!(
        "mcp.deliver",
        otel.name = %method,
        otel.kind = "client",
        mcp.method.name = %method,
        mcp.session.id = tracing::field::Empty,
        jsonrpc.request.id = tracing::field::Empty,
        network.transport = "tcp",
        network.protocol.name = "http",
    );
    if let Some(session) = session {
        span.record("mcp.session.id", tracing::field::display(session));
    }
    if let Some(id) = message.get("id") {
        span.record("jsonrpc.request.id", tracing::field::display(id));
    }
    let _ = span.set_parent(parent);
}
