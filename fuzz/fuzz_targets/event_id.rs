//! Feeds arbitrary text to `mcp_server::bus::EventId::parse` (the `Last-Event-ID` / SSE `id:`
//! parser): never a panic, and an accepted id is written back as an id that parses the same.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_fuzz::event_id(data));
