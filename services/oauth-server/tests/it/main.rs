//! Integration tests: the real authorization server on a loopback port, driven over real HTTP.

// Helpers are `pub` so every test module of this one binary can use them.
#![allow(unreachable_pub, missing_debug_implementations)]
// A failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod authorize;
mod client_auth;
mod consent;
mod helpers;
mod introspection;
mod metadata;
mod metadata_documents;
mod metrics;
mod redis;
mod refresh;
mod registration;
mod token;
mod traces;
