//! W3C trace context (`traceparent`, `tracestate`) in HTTP headers: read from requests, written
//! into the requests a service makes, so a trace goes on through every hop.
//!
//! Works whether or not spans are exported: without export, spans have no OpenTelemetry
//! context and nothing is injected, but an incoming `traceparent` still names the trace a
//! request's log lines belong to.

use opentelemetry::{
    Context,
    propagation::TextMapPropagator,
    trace::{TraceContextExt, TraceId},
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Makes W3C trace context the process's propagator (idempotent).
pub fn install() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
}

/// The trace context `headers` carry (an empty context when they carry none or a bad one).
pub fn extract(headers: &http::HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&HeaderExtractor(headers))
}

/// Headers carrying `span`'s trace context, for the outgoing request it describes (empty when
/// spans are not exported).
pub fn headers_for(span: &tracing::Span) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    let context = span.context();
    if context.span().span_context().is_valid() {
        TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(&mut headers));
    }
    headers
}

/// The trace `span` belongs to, as 32 hex digits: its exported trace when spans are exported,
/// else the caller's trace from `parent`, else a fresh random id (so log lines of one request
/// can still be grouped).
pub fn trace_id(span: &tracing::Span, parent: &Context) -> String {
    let own = span.context().span().span_context().trace_id();
    let id = if own != TraceId::INVALID {
        own
    } else {
        let remote = parent.span().span_context().trace_id();
        if remote != TraceId::INVALID {
            remote
        } else {
            TraceId::from(rand::random::<u128>())
        }
    };
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_trace_names_the_request_when_spans_are_not_exported() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        );
        let parent = extract(&headers);
        assert_eq!(
            trace_id(&tracing::Span::none(), &parent),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        let fresh = trace_id(&tracing::Span::none(), &Context::new());
        assert_eq!(fresh.len(), 32);
        assert_ne!(fresh, "0".repeat(32));
        assert_ne!(fresh, trace_id(&tracing::Span::none(), &Context::new()));
        assert!(headers_for(&tracing::Span::current()).is_empty());
    }
}
