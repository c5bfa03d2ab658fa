#!/usr/bin/env bash
# The images' runtime contract, checked without a container engine: what each Dockerfile
# declares (multi-stage, cargo-chef, --locked, distroless on the build image's Debian, numeric
# non-root user, exec-form entrypoint, ports), then the release binary run the way the image
# runs it: as uid 65532, as PID 1 of its own PID namespace, with only the image's environment,
# in a directory it cannot write. Auth is on unless configured otherwise, and SIGTERM drains
# and exits 0 within the grace period.
# Needs RELEASE_DIR (holding the release mcp-server and oauth-server) and root (for the namespace).
# Prints "ok - ..." / "not ok - ..." per check and "# pass N" / "# fail N".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/lib/tap.sh"
release=${RELEASE_DIR:?RELEASE_DIR must name the directory of the release binaries}
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for launcher in "${pids[@]}"; do kill -KILL "$launcher" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

dockerfile_declares() { # dockerfile_declares <Dockerfile> <binary> <ports>
  python3 - "$@" <<'PY'
import json, re, sys
path, binary, ports = sys.argv[1], sys.argv[2], sys.argv[3].split()
lines = [l.strip() for l in open(path) if l.strip() and not l.lstrip().startswith("#")]
stages = [l for l in lines if l.startswith("FROM ")]
assert len(stages) >= 3, "multi-stage"
assert any("cargo chef cook" in l and "--locked" in l for l in lines), "dependency layer with cargo-chef"
assert any(l.startswith("RUN cargo build") and "--release" in l and "--locked" in l for l in lines), "locked release build"
build = next(l for l in stages if l.startswith("FROM rust:"))
runtime = stages[-1]
assert build.split()[1].endswith("-bookworm"), "build on Debian 12 (bookworm)"
assert runtime.split()[1].startswith("gcr.io/distroless/cc-debian12"), "distroless on Debian 12"
user = next(l for l in lines if l.startswith("USER ")).split()[1]
assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user), "numeric non-root user"
entry = next(l for l in lines if l.startswith("ENTRYPOINT "))
assert json.loads(entry[len("ENTRYPOINT "):]) == [f"/usr/local/bin/{binary}"], "exec-form entrypoint"
exposed = next(l for l in lines if l.startswith("EXPOSE ")).split()[1:]
assert exposed == ports, exposed
assert not any("DISABLE_AUTH" in l for l in lines), "auth stays on"
PY
}
check "Dockerfile.mcp: multi-stage, cargo-chef, --locked, distroless Debian 12, numeric user, exec entrypoint" \
  dockerfile_declares "$root/Dockerfile.mcp" mcp-server "3000 9090"
check "Dockerfile.oauth: multi-stage, cargo-chef, --locked, distroless Debian 12, numeric user, exec entrypoint" \
  dockerfile_declares "$root/Dockerfile.oauth" oauth-server "3001 9091"
check ".dockerignore keeps target/ and .git out of the build context" \
  bash -c "grep -qx 'target/' '$root/.dockerignore' && grep -qx '.git/' '$root/.dockerignore'"

# Runs a binary as the image does; sets `outer` (the launcher, to wait for) and `pid` (the
# server, PID 1 inside its namespace).
start_as_image() { # start_as_image <binary> <log> <env...>
  local binary=$1 log=$2
  shift 2
  cp "$release/$binary" "$work/$binary"
  (cd "$work" && exec env -i LOG_FORMAT=json "$@" \
    unshare --pid --fork --kill-child setpriv --reuid=65532 --regid=65532 --clear-groups \
    "$work/$binary" >"$log" 2>&1) &
  outer=$!
  pids+=("$outer")
  local inner=""
  for _ in $(seq 1 100); do
    # `exec` made the subshell unshare itself; its forked child is the server.
    inner=$(pgrep -P "$outer" 2>/dev/null | head -1)
    [ -n "$inner" ] && break
    sleep 0.05
  done
  pid=$inner
}

wait_up() { for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
exits_within() { # exits_within <pid> <seconds>
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null; do [ $SECONDS -ge $deadline ] && return 1; sleep 0.1; done
}

# The started server answers as uid 65532, as PID 1 of its own PID namespace.
runs_as_the_image() { # runs_as_the_image <binary> <port>
  check "$1: serves /healthz as uid 65532, PID 1, with only the image's environment" wait_up "http://127.0.0.1:$2/healthz"
  check "$1: runs as uid 65532" bash -c "[ \"\$(stat -c %u /proc/$pid)\" = 65532 ]"
  check "$1: is PID 1 of its namespace" bash -c "grep -q '^NSpid:.*[[:space:]]1$' /proc/$pid/status"
}

# SIGTERM to the server, PID 1 of its namespace, ends it within the grace period, exit status 0.
stops_on_sigterm() { # stops_on_sigterm <binary>
  kill -TERM "$pid" 2>/dev/null
  check "$1: as PID 1, SIGTERM ends it within the grace period" exits_within "$pid" 6
  wait "$outer"
  local status=$?
  check "$1: and it exits 0" test "$status" -eq 0
}

for binary in mcp-server oauth-server; do
  check "$binary: a release binary exists" test -x "$release/$binary"
done
if [ "$(id -u)" -ne 0 ]; then
  echo "e2e/image-contract.sh: running a binary as uid 65532 in its own PID namespace needs root" >&2
  check "running as the image does (needs root)" false
  report
  exit
fi

# Auth is on by default: without the introspection credentials the MCP server refuses to start.
start_as_image mcp-server "$work/unconfigured.log" PORT="$(free_port)"
wait "$outer"
unconfigured=$?
check "mcp-server: with no auth settings it refuses to start (exit 78), naming OAUTH_CLIENT_ID" \
  bash -c "[ $unconfigured -eq 78 ] && grep -q 'OAUTH_CLIENT_ID' '$work/unconfigured.log'"

port=$(free_port)
metrics=$(free_port)
start_as_image mcp-server "$work/mcp.log" PORT="$port" METRICS_PORT="$metrics" BIND_ADDRESS=127.0.0.1 \
  OAUTH_CLIENT_ID=mcp-server OAUTH_CLIENT_SECRET=contract-secret-0123456789 SHUTDOWN_GRACE_SECS=3
runs_as_the_image mcp-server "$port"
check "mcp-server: /mcp asks for a token (auth on by default)" bash -c \
  "curl -sS -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$port/mcp -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d '{}' | grep -qx 401"
check "mcp-server: /metrics on its own port" bash -c "curl -fsS http://127.0.0.1:$metrics/metrics | grep -q '^# TYPE mcp_server_operation_duration_seconds histogram'"
check "mcp-server: logs JSON lines" bash -c "head -1 '$work/mcp.log' | python3 -c 'import json,sys; json.loads(sys.stdin.read())'"
stops_on_sigterm mcp-server
check "mcp-server: it said it was draining" grep -q '"shutdown requested"' "$work/mcp.log"

port=$(free_port)
start_as_image oauth-server "$work/oauth.log" AUTH_PORT="$port" BIND_ADDRESS=127.0.0.1 SHUTDOWN_GRACE_SECS=3
runs_as_the_image oauth-server "$port"
check "oauth-server: publishes its metadata" bash -c "curl -fsS http://127.0.0.1:$port/.well-known/oauth-authorization-server | grep -q token_endpoint"
stops_on_sigterm oauth-server
report
