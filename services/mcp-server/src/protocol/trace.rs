//! The span each MCP request runs in, after the OpenTelemetry MCP semantic conventions, and
//! the W3C trace context a request's `_meta` carries (`traceparent`, `tracestate`): the
//! remote parent of that span, so a client's trace continues through the server.
//!
//! The conventions are experimental, so their names are kept here as they appear in spans.

mod carry;

use opentelemetry::{
    propagation::{Extractor, TextMapPropagator},
    trace::TraceContextExt,
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use rmcp::model::{ErrorData, RequestId};
use serde_json::{Map, Value};
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub(crate) use self::carry::{delivered, stamp};
use super::Peer;

/// `_meta` read as a carrier of trace context fields.
struct MetaCarrier<'a>(&'a Map<String, Value>);

impl Extractor for MetaCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// The remote trace context named by the request's `_meta`, if it names a valid one.
pub(super) fn remote_parent(params: Option<&Map<String, Value>>) -> Option<opentelemetry::Context> {
    let meta = params?.get("_meta")?.as_object()?;
    let context = TraceContextPropagator::new().extract(&MetaCarrier(meta));
    context.span().span_context().is_valid().then_some(context)
}

/// Makes the request's trace context (if any) the parent of `span`, instead of the HTTP
/// request it arrived in. Takes effect when spans are exported; otherwise does nothing.
pub(super) fn adopt_parent(span: &tracing::Span, params: Option<&Map<String, Value>>) {
    if let Some(parent) = remote_parent(params)
        && let Err(error) = span.set_parent(parent)
    {
        tracing::debug!(%error, "trace context not adopted");
    }
}

/// A string parameter of the request, if present.
fn param<'a>(params: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a str> {
    params?.get(name)?.as_str()
}

/// The server span of one request: named `{mcp.method.name} {target}` (the tool or prompt,
/// when there is one), with the conventions' attributes, parented by `_meta.traceparent`
/// when the request carries one.
pub(super) fn request_span(
    method: &str,
    id: &RequestId,
    params: Option<&Map<String, Value>>,
    peer: &Peer,
) -> tracing::Span {
    let tool = (method == "tools/call")
        .then(|| param(params, "name"))
        .flatten();
    let prompt = (method == "prompts/get")
        .then(|| param(params, "name"))
        .flatten();
    let resource = matches!(
        method,
        "resources/read" | "resources/subscribe" | "resources/unsubscribe"
    )
    .then(|| param(params, "uri"))
    .flatten();
    let name = match tool.or(prompt) {
        Some(target) => format!("{method} {target}"),
        None => method.to_owned(),
    };
    let span = tracing::info_span!(
        "mcp.request",
        otel.name = %name,
        otel.kind = "server",
        otel.status_code = Empty,
        mcp.method.name = %method,
        mcp.protocol.version = %peer.protocol_version(),
        mcp.session.id = Empty,
        jsonrpc.request.id = %id,
        gen_ai.operation.name = Empty,
        gen_ai.tool.name = Empty,
        gen_ai.prompt.name = Empty,
        mcp.resource.uri = Empty,
        error.type = Empty,
        rpc.response.status_code = Empty,
        network.transport = "tcp",
        network.protocol.name = "http",
    );
    if let Some(session) = peer.session() {
        span.record("mcp.session.id", tracing::field::display(&session.id));
    }
    if let Some(tool) = tool {
        span.record("gen_ai.operation.name", "execute_tool");
        span.record("gen_ai.tool.name", tool);
    }
    if let Some(prompt) = prompt {
        span.record("gen_ai.prompt.name", prompt);
    }
    if let Some(uri) = resource {
        span.record("mcp.resource.uri", uri);
    }
    adopt_parent(&span, params);
    span
}

/// Records how the current request ended on its span: a JSON-RPC error's code, or
/// `tool_error` for a tool result flagged `isError` (a failure the protocol reports as success).
pub(super) fn record_outcome(outcome: &Result<Value, ErrorData>) {
    let span = tracing::Span::current();
    match outcome {
        Err(error) => {
            let code = error.code.0.to_string();
            span.record("otel.status_code", "error");
            span.record("error.type", code.as_str());
            span.record("rpc.response.status_code", code.as_str());
        }
        Ok(result) if result.get("isError").and_then(Value::as_bool) == Some(true) => {
            span.record("otel.status_code", "error");
            span.record("error.type", "tool_error");
        }
        Ok(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
    use serde_json::json;

    use super::*;

    fn params(meta: Value) -> Map<String, Value> {
        json!({ "_meta": meta })
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_valid_traceparent_becomes_the_remote_parent() {
        let given = params(json!({
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "tracestate": "vendor=value",
        }));
        let parent = remote_parent(Some(&given)).expect("a parent");
        let span = parent.span();
        let context = span.span_context();
        assert_eq!(
            context.trace_id(),
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap_or(TraceId::INVALID)
        );
        assert_eq!(
            context.span_id(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap_or(SpanId::INVALID)
        );
        assert_eq!(context.trace_flags(), TraceFlags::SAMPLED);
        assert!(context.is_remote());
        assert_eq!(context.trace_state().get("vendor"), Some("value"));
    }

    #[test]
    fn missing_or_malformed_trace_context_is_ignored() {
        assert!(remote_parent(None).is_none());
        assert!(remote_parent(Some(&params(json!({})))).is_none());
        for bad in [
            "garbage",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        ] {
            let given = params(json!({ "traceparent": bad }));
            assert!(remote_parent(Some(&given)).is_none(), "{bad}");
        }
        assert!(remote_parent(Some(&params(json!({"traceparent": 7})))).is_none());
    }
}
