//! Feeds an `Authorization` header value, or a claims set signed with the test issuer key, to
//! the JWT-mode `mcp_server::auth::Authenticator` (bearer parsing, JWT header, JWKS key lookup,
//! ES256 signature, claims): never a panic.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_fuzz::jwt(data));
