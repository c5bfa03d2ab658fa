#!/usr/bin/env bash
# Real scrapes of the MCP server's /metrics (after a handshake, tool calls, a refused request
# and a DELETE) and of the authorization server's (after token requests) checked by promtool; the alert rules checked by promtool; and every metric the
# dashboards and alerts the chart ships (charts/mcp-stack/files/) name present in the scrapes.
# Prints "ok - ..." / "not ok - ..." per check and "# pass N" / "# fail N".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/tap.sh"
binary=${MCP_SERVER_BIN:-$here/../target/debug/mcp-server}
as_binary=${OAUTH_SERVER_BIN:-$here/../target/debug/oauth-server}
promtool=${PROMTOOL:?PROMTOOL must name the promtool binary}
work=$(mktemp -d)
server_pid=""
as_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$as_pid" ] && kill "$as_pid" 2>/dev/null && wait "$as_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
metrics_port=$(free_port)
DISABLE_AUTH=true PORT=$port METRICS_PORT=$metrics_port BIND_ADDRESS=127.0.0.1 RUST_LOG=warn "$binary" >/dev/null 2>&1 &
server_pid=$!
as_port=$(free_port)
as_metrics_port=$(free_port)
AUTH_PORT=$as_port AUTH_METRICS_PORT=$as_metrics_port BIND_ADDRESS=127.0.0.1 RUST_LOG=warn "$as_binary" >/dev/null 2>&1 &
as_pid=$!
for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$as_port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done

mcp() { # mcp <session or -> <json>
  local session_header=()
  [ "$1" != - ] && session_header=(-H "Mcp-Session-Id: $1" -H "Mcp-Protocol-Version: 2025-11-25")
  curl -sS -i -X POST "http://127.0.0.1:$port/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' "${session_header[@]}" -d "$2"
}
session=$(mcp - '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"metrics","version":"1"}}}' |
  grep -i '^mcp-session-id:' | awk '{print $2}' | tr -d '\r')
mcp "$session" '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
mcp "$session" '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"greet","arguments":{"name":"M"}}}' >/dev/null
mcp "$session" '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope","arguments":{}}}' >/dev/null
mcp bad-session '{"jsonrpc":"2.0","id":4,"method":"tools/list"}' >/dev/null
curl -sS -o /dev/null -X DELETE "http://127.0.0.1:$port/mcp" -H "Mcp-Session-Id: $session" -H 'Mcp-Protocol-Version: 2025-11-25'
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/scrape"
curl -sS -o /dev/null -X POST "http://127.0.0.1:$as_port/token" -d grant_type=password
curl -sS -o /dev/null -X POST "http://127.0.0.1:$as_port/token" -d grant_type=client_credentials
curl -fsS "http://127.0.0.1:$as_metrics_port/metrics" >"$work/as-scrape"

check "/metrics answers on its own port" test -s "$work/scrape"
check "promtool check metrics finds nothing to fix" bash -c "'$promtool' check metrics <'$work/scrape' >'$work/lint' 2>&1 && ! test -s '$work/lint'"
check "/mcp does not serve /metrics" bash -c "! curl -fsS 'http://127.0.0.1:$port/metrics' >/dev/null 2>&1"
check "the authorization server's /metrics answers on its own port" test -s "$work/as-scrape"
check "promtool check metrics finds nothing to fix in the authorization server's" bash -c "'$promtool' check metrics <'$work/as-scrape' >'$work/as-lint' 2>&1 && ! test -s '$work/as-lint'"
check "the authorization server does not serve /metrics on its main port" bash -c "! curl -fsS 'http://127.0.0.1:$as_port/metrics' >/dev/null 2>&1"
for series in \
  'mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",error_type=""} 1' \
  'mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",error_type="-32602"} 1' \
  'mcp_server_sessions_started_total 1' \
  'http_server_request_duration_seconds_count{http_request_method="POST",http_route="/mcp",http_response_status_code="404"} 1' \
  'mcp_server_sse_streams_open 0' \
  'mcp_server_tool_calls_in_flight 0' \
  'mcp_server_jwks_fetches_total{outcome="error"} 0' \
  'mcp_server_session_duration_seconds_count{mcp_protocol_version="2025-11-25"} 1' \
  'mcp_server_sse_streams_closed_total{reason="client_gone"} 0'; do
  check "the scrape has: $series" grep -qF "$series" "$work/scrape"
done
for series in \
  'oauth_server_token_requests_total{grant_type="other",outcome="invalid_client"} 1' \
  'oauth_server_token_requests_total{grant_type="client_credentials",outcome="invalid_client"} 1' \
  'http_server_request_duration_seconds_count{http_request_method="POST",http_route="/token",http_response_status_code="401"} 2'; do
  check "the authorization server's scrape has: $series" grep -qF "$series" "$work/as-scrape"
done

# The alert rules and dashboards the chart ships.
observability="$here/../charts/mcp-stack/files"
check "promtool check rules charts/mcp-stack/files/alerts.yaml" "$promtool" check rules "$observability/alerts.yaml"
for dashboard in "$observability"/dashboards/*.json; do
  check "$(basename "$dashboard") is JSON with a Prometheus datasource variable" python3 -c '
import json, sys
board = json.load(open(sys.argv[1]))
variables = [v for v in board["templating"]["list"] if v["type"] == "datasource" and v["query"] == "prometheus"]
assert variables and board["panels"]
assert all(t["expr"] for p in board["panels"] for t in p["targets"])
' "$dashboard"
done
# Every metric a dashboard or an alert names exists in the real scrape.
cat "$work/scrape" "$work/as-scrape" >"$work/both"
python3 - "$work/both" "$observability/alerts.yaml" "$observability"/dashboards/*.json >"$work/names" <<'PY'
import re, sys
scrape = open(sys.argv[1]).read()
exported = set(re.findall(r"^# TYPE (\S+) ", scrape, re.M))
for path in sys.argv[2:]:
    for name in sorted(set(re.findall(r"\b((?:mcp_server|http_server|oauth_server|db_client)_[a-z0-9_]+)", open(path).read()))):
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        print(("ok" if base in exported else "missing"), path.rsplit("/", 1)[-1], name)
PY
while read -r verdict file name; do
  check "$file: $name is in the scrape" test "$verdict" = ok
done <"$work/names"
check "the dashboards and alerts name metrics at all" test -s "$work/names"

[ "$fail" -eq 0 ] || cat "$work/lint" 2>/dev/null
report
