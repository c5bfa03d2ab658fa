//! Feeds request headers (`name: value` lines) to the readers of
//! `mcp_server::transport::headers` (`Accept`, `Content-Type`, `MCP-Protocol-Version`,
//! `Mcp-Session-Id`, `Last-Event-ID`): never a panic, and what they accept is consistent.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_fuzz::headers(data));
