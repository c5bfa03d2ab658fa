//! Writes the seed corpora `fuzz/seeds/<target>/`: small valid inputs, some of which need the
//! fuzz keys (a sealed request state, a signed ES256 JWT). Run from `fuzz/` with
//! `cargo run --example make_seeds`; it rewrites every seed it knows and leaves others alone.

use std::{fs, path::Path, time::Duration};

use mcp_fuzz::{JWT_AUDIENCE, JWT_ISSUER, STATE_KEYS, jwt_sign};
use mcp_server::{
    bus::{EventId, StreamId},
    sealing::KeyRing,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Expiry of the seeds' JWT and sealed states: 2100-01-01, so the seeds stay valid.
const FAR_FUTURE: u64 = 4_102_444_800;

fn write(target: &str, name: &str, bytes: impl AsRef<[u8]>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    fs::create_dir_all(&dir).expect("the seed directory can be created");
    fs::write(dir.join(name), bytes).expect("the seed can be written");
}

/// `name: value` lines, an empty line, and the body (the `headers`/`http_request` format).
fn request(headers: &[(&str, &str)], body: &Value) -> String {
    let mut text = String::new();
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push('\n');
    text.push_str(&body.to_string());
    text
}

/// The binding the server gives a stateless-era tool call's request state (anonymous caller):
/// method, tool name, owner key, SHA-256 of the canonical arguments.
fn binding(tool: &str, canonical_arguments: &str) -> Vec<u8> {
    let mut binding = format!("tools/call\n{tool}\n[null,null]\n").into_bytes();
    binding.extend(Sha256::digest(canonical_arguments.as_bytes()));
    binding
}

/// A `request_state` input: binding length, binding, text.
fn prefixed(binding: &[u8], text: &str) -> Vec<u8> {
    let length = u8::try_from(binding.len()).expect("bindings of seeds are short");
    let mut bytes = vec![length];
    bytes.extend_from_slice(binding);
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn stateless(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { "elicitation": {}, "sampling": {} },
        "io.modelcontextprotocol/clientInfo": { "name": "seed", "version": "1.0.0" },
    });
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

fn main() {
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": { "elicitation": {}, "sampling": {}, "roots": { "listChanged": true } },
            "clientInfo": { "name": "seed", "version": "1.0.0" },
        },
    });
    let greet = json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": { "name": "greet", "arguments": { "name": "Ada" } },
    });
    let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });

    // jsonrpc: POST bodies.
    write("jsonrpc", "initialize.json", initialize.to_string());
    write("jsonrpc", "tools_call.json", greet.to_string());
    write("jsonrpc", "notification.json", initialized.to_string());
    write(
        "jsonrpc",
        "responses.json",
        json!([
            { "jsonrpc": "2.0", "id": "srv-1", "result": { "action": "accept", "content": { "name": "Ada" } } },
            { "jsonrpc": "2.0", "id": 7, "error": { "code": -32601, "message": "no sampling" } },
        ])
        .to_string(),
    );
    write(
        "jsonrpc",
        "batch_with_invalid.json",
        r#"[{"jsonrpc":"2.0","id":3,"method":"tools/list"},{"jsonrpc":"1.0","id":null,"method":5},{"jsonrpc":"2.0","id":4,"method":"ping","params":[1]},7]"#,
    );

    // event_id: ids as the server writes them.
    write("event_id", "standalone.txt", "g.0");
    write(
        "event_id",
        "request.txt",
        EventId {
            stream: StreamId::Request(0x5f3a_09c2_7d14_e8b6),
            position: 12,
        }
        .to_string(),
    );

    // request_state: a state the server would seal between two rounds of a tool call, other
    // JSON (sealed and opened by the target), and a value sealed under an unknown key.
    let ring = KeyRing::parse(STATE_KEYS).expect("the fuzz key ring parses");
    let far = Duration::from_secs(FAR_FUTURE - now());
    let ask_name = "test_input_required_result_elicitation";
    let carried = json!({ "answers": {}, "asked": ["user_name"], "round": 1 });
    let state_binding = binding(ask_name, "{}");
    let sealed = ring.seal(&carried, &state_binding, far);
    write(
        "request_state",
        "carried_state.bin",
        prefixed(&state_binding, &sealed),
    );
    write(
        "request_state",
        "json.bin",
        prefixed(
            b"prompts/get\nsummary\n[\"u\",\"c\"]\n",
            r#"{"a":[1,-2,2.5,"\u00e9",null,true],"b":{}}"#,
        ),
    );
    write(
        "request_state",
        "unknown_key.bin",
        prefixed(
            b"",
            "v1.k2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
    );

    // headers: what clients send.
    write(
        "headers",
        "session.txt",
        request(
            &[
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
                ("mcp-protocol-version", "2025-11-25"),
                ("mcp-session-id", "3b0d5e0c-7a4f-4c2e-9c61-0f8e2b7d9a10"),
                ("last-event-id", "g.3"),
            ],
            &json!(null),
        ),
    );
    write(
        "headers",
        "negotiation.txt",
        request(
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("accept", "text/event-stream;q=0, application/*;q=0.5"),
                ("accept", "*/*"),
                ("mcp-protocol-version", "2026-07-28"),
                ("last-event-id", "5f3a09c27d14e8b6.12"),
            ],
            &json!(null),
        ),
    );

    // jwt: a token the verifier accepts, claims for the target to sign, and refusals.
    let claims = json!({
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": "user-1",
        "client_id": "app-1",
        "scope": "mcp:tools profile",
        "iat": 1_767_225_600,
        "exp": FAR_FUTURE,
    });
    write(
        "jwt",
        "valid_token.txt",
        format!("Bearer {}", jwt_sign(&claims)),
    );
    write(
        "jwt",
        "claims.json",
        json!({
            "iss": JWT_ISSUER,
            "aud": [JWT_AUDIENCE, "other"],
            "sub": "user-2",
            "azp": "app-2",
            "scp": ["mcp:tools", "mcp:resources"],
            "nbf": 1_767_225_600,
            "exp": FAR_FUTURE,
        })
        .to_string(),
    );
    write("jwt", "other_scheme.txt", "Basic dXNlcjpwYXNzd29yZA==");
    write(
        "jwt",
        "not_signed.txt",
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.",
    );

    // http_request: POSTs in a session ({session}) and in the stateless era.
    let json_both = [
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
    ];
    let in_session = [
        json_both[0],
        json_both[1],
        ("mcp-session-id", "{session}"),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    write(
        "http_request",
        "initialize.txt",
        request(&json_both, &initialize),
    );
    write(
        "http_request",
        "session_tools_call.txt",
        request(&in_session, &greet),
    );
    write(
        "http_request",
        "session_tools_list.txt",
        request(
            &in_session,
            &json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": { "cursor": null } }),
        ),
    );
    write(
        "http_request",
        "session_elicitation.txt",
        request(
            &in_session,
            &json!({
                "jsonrpc": "2.0", "id": 4, "method": "tools/call",
                "params": { "name": "test_elicitation", "arguments": { "message": "Name?" }, "_meta": { "progressToken": 9 } },
            }),
        ),
    );
    write(
        "http_request",
        "session_answer.txt",
        request(
            &[
                in_session[0],
                in_session[1],
                in_session[2],
                in_session[3],
                ("last-event-id", "g.1"),
            ],
            &json!({ "jsonrpc": "2.0", "id": "srv-1", "result": { "action": "decline" } }),
        ),
    );
    let stateless_headers = |method: &'static str, name: Option<&'static str>| {
        let mut headers = vec![
            json_both[0],
            json_both[1],
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", method),
        ];
        headers.extend(name.map(|name| ("mcp-name", name)));
        headers
    };
    write(
        "http_request",
        "stateless_discover.txt",
        request(
            &stateless_headers("server/discover", None),
            &stateless(5, "server/discover", json!({})),
        ),
    );
    write(
        "http_request",
        "stateless_tools_call.txt",
        request(
            &stateless_headers("tools/call", Some("greet")),
            &stateless(
                6,
                "tools/call",
                json!({ "name": "greet", "arguments": { "name": "Ada" } }),
            ),
        ),
    );
    let mut header_param = stateless_headers("tools/call", Some("test_header_param"));
    header_param.push(("mcp-param-region", "=?base64?ZXUtd2VzdA==?="));
    write(
        "http_request",
        "stateless_header_param.txt",
        request(
            &header_param,
            &stateless(
                7,
                "tools/call",
                json!({ "name": "test_header_param", "arguments": { "region": "eu-west" } }),
            ),
        ),
    );
    write(
        "http_request",
        "stateless_request_state.txt",
        request(
            &stateless_headers("tools/call", Some(ask_name)),
            &stateless(
                8,
                "tools/call",
                json!({
                    "name": ask_name,
                    "arguments": {},
                    "inputResponses": { "user_name": { "action": "accept", "content": { "name": "Ada" } } },
                    "requestState": sealed,
                }),
            ),
        ),
    );
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
