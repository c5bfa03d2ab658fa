//! Micro-benchmarks of the per-request steps that do not touch the network: reading a JSON-RPC
//! body, writing a response, sealing and opening `requestState`, and checking a JWT's ES256
//! signature against the SHA-256 lookup that replaces it for a token already verified.
//!
//! `cargo bench -p mcp-server --bench micro`

use std::{hint::black_box, time::Duration};

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use mcp_server::{protocol::jsonrpc, sealing::KeyRing};
use p256::{
    SecretKey,
    pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding},
};
use rmcp::model::RequestId;
use serde_json::json;
use sha2::{Digest, Sha256};

const CALL: &[u8] = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Bo"}}}"#;

fn json_rpc(c: &mut Criterion) {
    c.bench_function("jsonrpc: parse a tools/call body", |b| {
        b.iter(|| jsonrpc::parse_body(black_box(CALL)))
    });
    let id = RequestId::Number(2);
    c.bench_function("jsonrpc: write a tools/call response", |b| {
        b.iter(|| {
            jsonrpc::response(
                black_box(&id),
                json!({"content": [{"type": "text", "text": "Hello, Bo!"}]}),
            )
        })
    });
}

fn sealing(c: &mut Criterion) {
    let keys = KeyRing::parse("k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").expect("keys");
    let state = json!({"round": 1, "answers": {"name": "Bo"}});
    let sealed = keys.seal(&state, b"binding", Duration::from_secs(600));
    c.bench_function("sealing: seal a requestState", |b| {
        b.iter(|| keys.seal(black_box(&state), b"binding", Duration::from_secs(600)))
    });
    c.bench_function("sealing: open a requestState", |b| {
        b.iter(|| keys.open::<serde_json::Value>(black_box(&sealed), b"binding"))
    });
}

fn jwt(c: &mut Criterion) {
    let secret = SecretKey::from_slice(&rand::random::<[u8; 32]>()).expect("a key");
    let encoding = EncodingKey::from_ec_der(secret.to_pkcs8_der().expect("der").as_bytes());
    let public = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("pem");
    let decoding = DecodingKey::from_ec_pem(public.as_bytes()).expect("decoding key");
    let claims =
        json!({"iss": "https://as", "aud": "https://mcp/mcp", "sub": "u", "exp": 4_000_000_000u64});
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &encoding).expect("token");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&["https://as"]);
    validation.set_audience(&["https://mcp/mcp"]);
    c.bench_function("jwt: verify an ES256 token", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &decoding, &validation)
        })
    });
    c.bench_function(
        "jwt: SHA-256 of a token (the verified-token cache key)",
        |b| b.iter(|| -> [u8; 32] { Sha256::digest(black_box(token.as_bytes())).into() }),
    );
}

criterion_group!(benches, json_rpc, sealing, jwt);
criterion_main!(benches);
