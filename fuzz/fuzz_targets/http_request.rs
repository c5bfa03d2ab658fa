//! Feeds `POST /mcp` requests (a few MCP headers and the body) to the whole router of an
//! in-memory server with authentication off: no panic, no 500, no hang.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_fuzz::http_request(data));
