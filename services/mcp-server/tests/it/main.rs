//! Integration tests: the real server on a loopback port, driven over real HTTP.

// Helpers are `pub` so every test module of this one binary can use them.
#![allow(unreachable_pub, missing_debug_implementations)]
// A failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod auth_discovery;
mod auth_introspection;
mod auth_jwt;
mod cancellation;
mod client_requests;
mod errors;
mod features;
mod fuzz_regressions;
mod handshake;
mod helpers;
mod limits;
mod listen;
mod metrics;
mod multi_round;
mod oauth;
mod origin;
mod redis_outage;
mod resumption;
mod sessions;
mod shared_state;
mod shutdown;
mod stateless;
mod streams;
mod tasks;
mod tools;
mod traces;
