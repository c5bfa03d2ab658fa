//! W3C trace context in a request's `_meta` (`traceparent`, `tracestate`): the remote parent of
//! the span the request runs in, so a client's trace continues through the server.

use opentelemetry::{
    propagation::{Extractor, TextMapPropagator},
    trace::TraceContextExt,
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use serde_json::{Map, Value};
use tracing_opentelemetry::OpenTelemetrySpanExt;

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

/// Makes the request's trace context (if any) the parent of `span`. Takes effect when an
/// OpenTelemetry layer is installed; otherwise does nothing.
pub(super) fn adopt_parent(span: &tracing::Span, params: Option<&Map<String, Value>>) {
    if let Some(parent) = remote_parent(params)
        && let Err(error) = span.set_parent(parent)
    {
        tracing::debug!(%error, "trace context not adopted");
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
