#!/usr/bin/env bash
# The original README's curl walkthrough (initialize -> GET SSE -> tools/list -> greet -> count),
# run as written against the real binary, with every response checked. Auth is off here
# (DISABLE_AUTH=true), so the walkthrough's Authorization header is sent but not needed.
#
# Prints "ok - ..." / "not ok - ..." per check and a final "# pass N" / "# fail N".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/tap.sh"
binary=${MCP_SERVER_BIN:-$here/../target/debug/mcp-server}
work=$(mktemp -d)
server_pid=""
stream_pid=""

cleanup() {
  [ -n "$stream_pid" ] && kill "$stream_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
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

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://localhost:$port
ACCESS_TOKEN=walkthrough-token
DISABLE_AUTH=true PORT=$port RUST_LOG=warn "$binary" &
server_pid=$!
for _ in $(seq 1 200); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.05
done
check "the server answers /healthz" curl -fsS "$BASE/healthz"

# Step: initialize.
curl -i -X POST $BASE/mcp \
-H "Content-Type: application/json" \
-H "Accept: application/json, text/event-stream" \
-H "Authorization: Bearer ACCESS_TOKEN" \
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
