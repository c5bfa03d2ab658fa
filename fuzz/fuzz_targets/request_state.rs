//! Feeds a binding and arbitrary text to `mcp_server::sealing::KeyRing::open` (a stateless-era
//! `requestState`) under a fixed key ring; text that is JSON is sealed and must open to the same
//! value under its binding only.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_fuzz::request_state(data));
