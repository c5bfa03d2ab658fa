//! Test support shared by the services' test suites: real collaborators on loopback, never
//! mocks. A private Redis (or cluster), an OTLP trace receiver, a service binary run as its
//! own process, and `/metrics` scrapes.

mod otlp;
mod process;
mod redis;
mod scrape;

use std::time::Duration;

pub use self::{
    otlp::{OtlpReceiver, ReceivedSpan, SPAN_KIND_CLIENT, SPAN_KIND_SERVER},
    process::ServerProcess,
    redis::{RedisCluster, RedisServer},
    scrape::{scrape, series_value},
};

/// How long a test waits for something that should happen "now"; never a speed assertion.
pub const PATIENCE: Duration = Duration::from_secs(10);
