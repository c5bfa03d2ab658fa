#!/usr/bin/env python3
"""Our server and its peers under the same load, one after another in one run.

For each target: start it pinned to CPU 0, open a session (or none, for the stateless era),
warm up, then `wrk` pinned to CPU 1 sends `tools/call greet` on 32 connections for --seconds;
every answer is checked (status 200 and "Hello, Bo!"). Prints req/s, p50, p99, errors, server
CPU per request, resident memory, memory per idle session (and in Redis, where sessions live
there), then the ratios of ours to the peers and the targets they are held to. Every target
runs --rounds times, interleaved; the best round of each counts and the spread is shown.

Usage: bench/run.py [--seconds 10] [--rounds 3] [--only name,name] [--sessions 2000]
Needs: release binaries (cargo build --release), bench/peers built (see bench/README.md),
wrk, redis-server, taskset.
"""

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
PEERS = os.path.join(ROOT, "bench", "peers")
# The TypeScript peer runs on the machine's Node (20 here, as the peers were measured on).
NODE = shutil.which("node") or "node"
TICKS = os.sysconf("SC_CLK_TCK")
SESSION_VERSION = "2025-11-25"
STATELESS_VERSION = "2026-07-28"
STATE_KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
PRESET_SECRET = "bench-secret-0123456789abcdef"
ACCEPT = "application/json, text/event-stream"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port, process, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Process:
    """A server process pinned to one CPU, with its CPU time and memory readable."""

    def __init__(self, argv, env, port, cpu="0"):
        self.port = port
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        full_env.update(env)
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["taskset", "-c", cpu] + argv, env=full_env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        wait_port(port, self.process)

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def post(port, body, headers, path="/mcp"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read().decode()
    connection.close()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), data


def handshake(port, extra_headers):
    """initialize + notifications/initialized; returns the session id."""
    headers = {"Content-Type": "application/json", "Accept": ACCEPT, **extra_headers}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": SESSION_VERSION, "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
    status, answer_headers, data = post(port, body, headers)
    if status != 200 or "mcp-session-id" not in answer_headers:
        raise RuntimeError(f"initialize failed: {status} {data[:200]}")
    session = answer_headers["mcp-session-id"]
    headers.update({"Mcp-Session-Id": session, "Mcp-Protocol-Version": SESSION_VERSION})
    post(port, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), headers)
    return session


def session_call(port, auth=None):
    headers = {"Content-Type": "application/json", "Accept": ACCEPT}
    if auth:
        headers["Authorization"] = auth
    session = handshake(port, headers)
    headers.update({"Mcp-Session-Id": session, "Mcp-Protocol-Version": SESSION_VERSION})
    body = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "greet", "arguments": {"name": "Bo"}}}
    return headers, json.dumps(body)


def stateless_call(port):
    headers = {"Content-Type": "application/json", "Accept": ACCEPT, "Mcp-Protocol-Version": STATELESS_VERSION,
               "Mcp-Method": "tools/call", "Mcp-Name": "greet"}
    body = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "greet", "arguments": {"name": "Bo"}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"}}}}
    return headers, json.dumps(body)


def wrk(port, headers, body, seconds, connections=32):
    env = dict(os.environ, BODY=body, EXPECT="Hello, Bo!",
               HEADERS="\n".join(f"{k}: {v}" for k, v in headers.items()))
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", os.path.join(ROOT, "bench", "call.lua"), f"http://127.0.0.1:{port}/mcp"],
        env=env, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    return {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}


def redis_used_memory(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "memory"], capture_output=True, text=True).stdout
    return int(re.search(r"used_memory:(\d+)", out).group(1))


class Redis:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(["taskset", "-c", "0", "redis-server", "--port", str(self.port), "--bind",
                                         "127.0.0.1", "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.process)
        self.url = f"redis://127.0.0.1:{self.port}/"

    def stop(self):
        self.process.terminate()
        self.process.wait()


class AuthorizationServer:
    """Our demo authorization server, with a preset client to get tokens for the benchmark."""

    def __init__(self, resource, token_format):
        self.port = free_port()
        self.metrics_port = free_port()
        self.server = Process([os.path.join(RELEASE, "oauth-server")], {
            "AUTH_PORT": str(self.port), "BIND_ADDRESS": "127.0.0.1", "RUST_LOG": "warn",
            "ISSUER_URL": f"http://127.0.0.1:{self.port}",
            "ACCESS_TOKEN_FORMAT": token_format, "OAUTH_PRESET_CLIENTS": f"bench:{PRESET_SECRET}",
            "AUTH_METRICS_PORT": str(self.metrics_port), "OAUTH_RESOURCES": resource}, self.port, cpu="1")
        self.issuer = f"http://127.0.0.1:{self.port}"

    def token(self):
        basic = base64.b64encode(f"bench:{PRESET_SECRET}".encode()).decode()
        status, _, data = post(self.port, "grant_type=client_credentials&scope=mcp%3Atools",
                               {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
                               path="/token")
        if status != 200:
            raise RuntimeError(f"no token: {status} {data}")
        return json.loads(data)["access_token"]

    def introspections(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=5)
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
        return sum(float(m.group(1)) for m in re.finditer(
            r'^http_server_request_duration_seconds_count\{[^}]*http_route="/introspect"[^}]*\} (\S+)$', text, re.M))

    def stop(self):
        self.server.stop()


def ours(port, extra):
    env = {"PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "RUST_LOG": "warn"}
    env.update(extra)
    return Process([os.path.join(RELEASE, "mcp-server")], env, port)


def target_ours_memory(port):
    server = ours(port, {"DISABLE_AUTH": "true"})
    return server, session_call(port), [], lambda: session_headers(port, {})


def target_ours_stateless(port):
    server = ours(port, {"DISABLE_AUTH": "true"})
    return server, stateless_call(port), [], None


def protected(port, mode, token_format, with_redis=True):
    redis = Redis() if with_redis else None
    resource = f"http://127.0.0.1:{port}/mcp"
    issuer = AuthorizationServer(resource, token_format)
    env = {"MCP_STATE_KEYS": STATE_KEYS, "MCP_PUBLIC_URL": resource}
    if redis:
        env["REDIS_URL"] = redis.url
    if mode == "jwt":
        env.update({"AUTH_TOKEN_MODE": "jwt", "JWT_ISSUER": issuer.issuer})
    else:
        env.update({"AUTH_TOKEN_MODE": "introspection", "OAUTH_SERVER_URL": issuer.issuer,
                    "OAUTH_CLIENT_ID": "bench", "OAUTH_CLIENT_SECRET": PRESET_SECRET})
    server = ours(port, env)
    auth = f"Bearer {issuer.token()}"
    call = session_call(port, auth)
    extras = [issuer, redis] if redis else [issuer]
    return server, call, extras, lambda: session_headers(port, {"Authorization": auth}), redis, issuer


def target_ours_redis_no_auth(port):
    redis = Redis()
    server = ours(port, {"DISABLE_AUTH": "true", "REDIS_URL": redis.url, "MCP_STATE_KEYS": STATE_KEYS})
    return server, session_call(port), [redis], lambda: session_headers(port, {}), redis


def session_headers(port, extra):
    return {"Content-Type": "application/json", "Accept": ACCEPT, **extra}


def peer(argv, port, extra_env=None):
    env = {"PORT": str(port)}
    env.update(extra_env or {})
    server = Process(argv, env, port)
    return server, session_call(port), [], lambda: session_headers(port, {})


TARGETS = {
    "ours (memory, no auth)": lambda p: target_ours_memory(p),
    "ours (stateless 2026-07-28)": lambda p: target_ours_stateless(p),
    "ours (JWT + Redis)": lambda p: protected(p, "jwt", "jwt"),
    "ours (introspection + Redis)": lambda p: protected(p, "introspection", "opaque"),
    "ours (JWT, memory)": lambda p: protected(p, "jwt", "jwt", with_redis=False),
    "ours (Redis, no auth)": lambda p: target_ours_redis_no_auth(p),
    "rmcp": lambda p: peer([os.path.join(PEERS, "rust", "target", "release", "rmcp-peer")], p),
    "TypeScript SDK": lambda p: peer([NODE, os.path.join(PEERS, "ts", "server.mjs")], p),
    "axum ceiling": lambda p: peer([os.path.join(PEERS, "rust", "target", "release", "axum-ceiling")], p),
}


def idle_session_cost(server, port, headers_for, count, redis=None):
    """Resident memory (and Redis memory) per idle session: `count` handshakes, before and after."""
    if headers_for is None:
        return None, None
    time.sleep(0.5)
    before = server.rss_kib()
    redis_before = redis_used_memory(redis.port) if redis else None
    for _ in range(count):
        handshake(port, headers_for())
    time.sleep(0.5)
    after = server.rss_kib()
    per_pod = (after - before) / count
    per_redis = (redis_used_memory(redis.port) - redis_before) / 1024 / count if redis else None
    return per_pod, per_redis


def measure(name, seconds, sessions):
    port = free_port()
    started = TARGETS[name](port)
    server, (headers, body), extras, headers_for = started[:4]
    redis = started[4] if len(started) > 4 else None
    issuer = started[5] if len(started) > 5 else None
    try:
        wrk(port, headers, body, 2)  # warm-up
        introspected_before = issuer.introspections() if issuer else None
        cpu_before = server.cpu_seconds()
        result = wrk(port, headers, body, seconds)
        cpu = server.cpu_seconds() - cpu_before
        result["introspections"] = issuer.introspections() - introspected_before if issuer else None
        result["rps"] = result["requests"] / result["seconds"]
        result["cpu_us"] = cpu / max(result["requests"], 1) * 1e6
        result["rss_mib"] = server.rss_kib() / 1024
        result["kib_session"], result["redis_kib_session"] = idle_session_cost(server, port, headers_for, sessions, redis)
        return result
    finally:
        server.stop()
        for extra in extras:
            extra.stop()


def startup_ms(binary, env, port_variable, runs=5):
    """Median time from exec to the first 200 from /healthz."""
    times = []
    for _ in range(runs):
        port = free_port()
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), port_variable: str(port),
                    "BIND_ADDRESS": "127.0.0.1", "RUST_LOG": "warn", **env}
        started = time.perf_counter()
        process = subprocess.Popen([binary], env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.001)
        times.append((time.perf_counter() - started) * 1000)
        process.terminate()
        process.wait()
    return sorted(times)[len(times) // 2]


def fmt(value, pattern, width):
    return "-".rjust(width) if value is None else pattern.format(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--only", default="")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    names = [n for n in TARGETS if not args.only or any(part.strip() in n for part in args.only.split(","))]
    # Every target once per round, rounds one after another, so a burst of load from elsewhere on
    # the machine hits one round of each target rather than all of one; each target's best round
    # is kept (errors from any round still count).
    results, spread, errors_seen = {}, {}, {}
    for round_number in range(1, args.rounds + 1):
        for name in names:
            print(f"# round {round_number}: {name} ...", file=sys.stderr, flush=True)
            try:
                result = measure(name, args.seconds, args.sessions)
            except Exception as error:  # a peer that cannot run is reported, not fatal
                print(f"# {name}: {error}", file=sys.stderr)
                continue
            spread.setdefault(name, []).append(result["rps"])
            errors_seen[name] = errors_seen.get(name, 0) + int(result["bad"] + result["socket_errors"])
            if name not in results or result["rps"] > results[name]["rps"]:
                results[name] = result
    print(f"\n{'target':32} {'req/s':>9} {'rounds':>15} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU µs/req':>11} "
          f"{'RSS MiB':>8} {'KiB/session':>12} {'Redis KiB/s.':>12} {'introspections':>14}")
    for name, r in results.items():
        rounds = f"{min(spread[name]) / 1000:.1f}k-{max(spread[name]) / 1000:.1f}k"
        print(f"{name:32} {r['rps']:9.0f} {rounds:>15} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {errors_seen[name]:7d} "
              f"{r['cpu_us']:11.1f} {r['rss_mib']:8.1f} {fmt(r['kib_session'], '{:12.2f}', 12)} "
              f"{fmt(r['redis_kib_session'], '{:12.2f}', 12)} {fmt(r['introspections'], '{:14.0f}', 14)}")

    def ratio(a, b):
        if a in results and b in results:
            value = results[a]["rps"] / results[b]["rps"]
            print(f"{a} / {b}: {value:.2f}x")
            return value
        return None

    print()
    checks = []
    memory_vs_rmcp = ratio("ours (memory, no auth)", "rmcp")
    memory_vs_ceiling = ratio("ours (memory, no auth)", "axum ceiling")
    ratio("ours (stateless 2026-07-28)", "rmcp")
    jwt_vs_rmcp = ratio("ours (JWT + Redis)", "rmcp")
    jwt_vs_ts = ratio("ours (JWT + Redis)", "TypeScript SDK")
    introspection_vs_jwt = ratio("ours (introspection + Redis)", "ours (JWT + Redis)")
    ratio("rmcp", "TypeScript SDK")
    checks.append(("in memory: >= 2x rmcp", memory_vs_rmcp, lambda v: v >= 2.0))
    checks.append(("in memory: >= 40% of the axum ceiling", memory_vs_ceiling, lambda v: v >= 0.4))
    checks.append(("JWT + Redis: >= 1.0x rmcp in memory", jwt_vs_rmcp, lambda v: v >= 1.0))
    checks.append(("JWT + Redis: >= 10x the TypeScript SDK", jwt_vs_ts, lambda v: v >= 10.0))
    checks.append(("introspection within 10% of JWT", introspection_vs_jwt, lambda v: v >= 0.9))
    for name in ("ours (memory, no auth)", "ours (JWT + Redis)"):
        if name in results:
            checks.append((f"{name}: p99 <= 5 ms", results[name]["p99_ms"], lambda v: v <= 5.0))
    if "ours (JWT + Redis)" in results:
        checks.append(("pod memory per idle session with Redis <= 4 KiB", results["ours (JWT + Redis)"]["kib_session"], lambda v: v <= 4.0))
        checks.append(("Redis memory per session <= 1 KiB", results["ours (JWT + Redis)"]["redis_kib_session"], lambda v: v <= 1.0))
    if "ours (introspection + Redis)" in results:
        checks.append(("one introspection per token (warm cache)", results["ours (introspection + Redis)"]["introspections"], lambda v: v == 0))
    print()
    for binary, env, variable in (("mcp-server", {"DISABLE_AUTH": "true"}, "PORT"), ("oauth-server", {}, "AUTH_PORT")):
        path = os.path.join(RELEASE, binary)
        print(f"{binary}: {os.path.getsize(path) / 2**20:.1f} MiB, ready in {startup_ms(path, env, variable):.1f} ms (median of 5)")
    print()
    for label, value, good in checks:
        if value is None:
            print(f"n/a  {label}")
        else:
            print(f"{'met ' if good(value) else 'MISS'} {label} ({value:.2f})")


if __name__ == "__main__":
    main()
