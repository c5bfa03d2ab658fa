//! Feeds arbitrary bytes to `mcp_server::protocol::jsonrpc::parse_body` (a POST body), then
//! writes the answer to every message (`response`, `error_response`, `notification`) and parses
//! it back: never a panic, and every answer is what it claims to be.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_fuzz::jsonrpc(data));
