//! Span export over OTLP, configured by the standard OpenTelemetry variables.
//!
//! Export is on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
//! unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The exporter itself reads the
//! rest of its variables (`…_HEADERS`, `…_TIMEOUT`, `…_COMPRESSION`), the SDK reads the
//! sampler (`OTEL_TRACES_SAMPLER`, `…_ARG`) and the batch settings (`OTEL_BSP_*`), and the
//! resource comes from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`. Protocols:
//! `http/protobuf` (the default) and `http/json`; `grpc` is refused at start with a clear message.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::{KeyValue, trace::TracerProvider as _};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    trace::{SdkTracer, SdkTracerProvider},
};
use serde::Deserialize;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

use crate::config::{ConfigError, parse_flag};

/// Set once spans are exported by this process.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether this process exports spans: code that would do work only for traces (serializing
/// trace context into messages) asks first.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The variables that decide whether and how spans leave the process. Strings, parsed here,
/// so a bad value gets a message naming its variable.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TraceSettings {
    /// `OTEL_SDK_DISABLED`: `true` turns every signal off.
    #[serde(default)]
    pub otel_sdk_disabled: Option<String>,
    /// `OTEL_TRACES_EXPORTER`: `otlp` (default) or `none`.
    #[serde(default)]
    pub otel_traces_exporter: Option<String>,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`/v1/traces` is appended).
    #[serde(default)]
    pub otel_exporter_otlp_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full URL for spans (wins over the base URL).
    #[serde(default)]
    pub otel_exporter_otlp_traces_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`.
    #[serde(default)]
    pub otel_exporter_otlp_protocol: Option<String>,
    /// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` (wins over the generic one).
    #[serde(default)]
    pub otel_exporter_otlp_traces_protocol: Option<String>,
    /// `OTEL_SERVICE_NAME`: overrides the service's own name.
    #[serde(default)]
    pub otel_service_name: Option<String>,
}

fn set(value: Option<&String>) -> Option<&str> {
    value
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

impl TraceSettings {
    /// The protocol to export with, or `None` when export is off.
    pub fn protocol(&self) -> Result<Option<Protocol>, ConfigError> {
        if let Some(disabled) = set(self.otel_sdk_disabled.as_ref())
            && parse_flag("OTEL_SDK_DISABLED", disabled)?
        {
            return Ok(None);
        }
        match set(self.otel_traces_exporter.as_ref()) {
            None | Some("otlp") => {}
            Some("none") => return Ok(None),
            Some(other) => {
                return Err(ConfigError::new(format!(
                    "OTEL_TRACES_EXPORTER must be otlp or none (got {other:?})"
                )));
            }
        }
        let endpoint = set(self.otel_exporter_otlp_traces_endpoint.as_ref())
            .or(set(self.otel_exporter_otlp_endpoint.as_ref()));
        if endpoint.is_none() {
            return Ok(None);
        }
        let (name, protocol) = match set(self.otel_exporter_otlp_traces_protocol.as_ref()) {
            Some(protocol) => ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", Some(protocol)),
            None => (
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                set(self.otel_exporter_otlp_protocol.as_ref()),
            ),
        };
        match protocol {
            None | Some("http/protobuf") => Ok(Some(Protocol::HttpBinary)),
            Some("http/json") => Ok(Some(Protocol::HttpJson)),
            Some("grpc") => Err(ConfigError::new(format!(
                "{name}=grpc is not supported: use http/protobuf (a collector's port 4318)"
            ))),
            Some(other) => Err(ConfigError::new(format!(
                "{name} must be http/protobuf or http/json (got {other:?})"
            ))),
        }
    }
}

/// A running span exporter.
#[derive(Debug)]
pub struct Exporting {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Exporting {
    /// Starts exporting if `settings` ask for it; `service` and `version` describe the process
    /// unless `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` say otherwise.
    pub fn start(
        settings: &TraceSettings,
        service: &'static str,
        version: &'static str,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(protocol) = settings.protocol()? else {
            return Ok(None);
        };
        let exporter = SpanExporter::builder()
            .with_http()
            .with_protocol(protocol)
            .build()
            .map_err(|error| {
                ConfigError::new(format!("the OTLP trace exporter cannot start: {error}"))
            })?;
        // The environment's detectors run first; our defaults fill what they left unset.
        let mut resource = Resource::builder();
        if set(settings.otel_service_name.as_ref()).is_none() {
            resource = resource.with_service_name(service);
        }
        let resource = resource
            .with_attribute(KeyValue::new("service.version", version))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        let tracer = provider.tracer(service);
        opentelemetry::global::set_tracer_provider(provider.clone());
        EXPORTING.store(true, Ordering::Relaxed);
        Ok(Some(Self { provider, tracer }))
    }

    /// The layer turning `tracing` spans into exported spans.
    pub fn layer<S>(&self) -> OpenTelemetryLayer<S, SdkTracer>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer()
            .with_tracer(self.tracer.clone())
            .with_tracked_inactivity(false)
    }

    /// Exports what is queued and stops.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "spans may have been lost at exit");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> TraceSettings {
        crate::config::from_pairs(pairs.iter().copied()).expect("settings")
    }

    #[test]
    fn export_is_off_without_an_endpoint_or_when_disabled() {
        assert!(settings(&[]).protocol().expect("valid").is_none());
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        assert!(
            settings(&[endpoint, ("OTEL_SDK_DISABLED", "true")])
                .protocol()
                .expect("valid")
                .is_none()
        );
        assert!(
            settings(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")])
                .protocol()
                .expect("valid")
                .is_none()
        );
        assert_eq!(
            settings(&[endpoint]).protocol().expect("valid"),
            Some(Protocol::HttpBinary)
        );
        assert_eq!(
            settings(&[
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c/v1/traces"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ])
            .protocol()
            .expect("valid"),
            Some(Protocol::HttpJson)
        );
    }

    #[test]
    fn unsupported_values_are_refused_by_name() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        let grpc = settings(&[endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
            .protocol()
            .expect_err("grpc is refused")
            .to_string();
        assert!(grpc.contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc"), "{grpc}");
        let exporter = settings(&[endpoint, ("OTEL_TRACES_EXPORTER", "zipkin")])
            .protocol()
            .expect_err("zipkin is refused")
            .to_string();
        assert!(exporter.contains("OTEL_TRACES_EXPORTER"), "{exporter}");
        let flag = settings(&[endpoint, ("OTEL_SDK_DISABLED", "yes")])
            .protocol()
            .expect_err("a bad flag is refused")
            .to_string();
        assert!(flag.contains("OTEL_SDK_DISABLED"), "{flag}");
    }
}
