#!/usr/bin/env python3
"""Across replicas: how long an event takes from its append on replica A to its delivery on a
stream held by replica B (through Redis), and how long a client waits to resume its stream on
another replica after the one holding it is killed.

Two release `mcp-server` replicas share a private redis-server. --sessions sessions are made on
A; each opens its standalone GET stream on B; then every session calls `count` (--events steps,
one log message a second, appended by A to the session's standalone stream) on A at once. B's
`mcp_server_bus_delivery_lag_seconds` histogram (append on A -> written to the stream on B, one
clock) gives p50 and p99. Then B is killed and every client resumes with Last-Event-ID on A;
the time from the reconnect to the resumed stream's first bytes gives p50 and p99.

Usage: bench/fanout.py [--sessions 200] [--events 5]
"""

import argparse
import asyncio
import http.client
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": run.SESSION_VERSION, "capabilities": {}, "clientInfo": {"name": "fanout", "version": "1"}}})


async def exchange(port, head, body=b""):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + body)
    await writer.drain()
    return reader, writer


def post_head(port, session, body):
    extra = f"Mcp-Session-Id: {session}\r\nMcp-Protocol-Version: {run.SESSION_VERSION}\r\n" if session else ""
    return (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\n{extra}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")


async def new_session(port):
    body = INITIALIZE.encode()
    reader, writer = await exchange(port, post_head(port, None, body), body)
    answer = (await reader.read()).decode()
    writer.close()
    session = re.search(r"(?im)^mcp-session-id:\s*(\S+)", answer).group(1)
    note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode()
    reader, writer = await exchange(port, post_head(port, session, note), note)
    await reader.read()
    writer.close()
    return session


async def open_stream(port, session, last_event_id=None):
    resume = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
    head = (f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
            f"Mcp-Session-Id: {session}\r\nMcp-Protocol-Version: {run.SESSION_VERSION}\r\n{resume}\r\n")
    reader, writer = await exchange(port, head)
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"stream refused: {status!r}")
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def follow(reader, stream_state, wanted):
    """Reads SSE events (chunked) and records the last event id, until `wanted` messages."""
    seen = 0
    while seen < wanted:
        line = await reader.readline()
        if not line:
            return seen
        text = line.decode(errors="replace").strip()
        if text.startswith("id:"):
            stream_state["last"] = text[3:].strip()
        elif text.startswith("data:") and "notifications/message" in text:
            seen += 1
    return seen


async def call_count(port, session, events):
    body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": {"name": "count", "arguments": {"number": events}}}).encode()
    reader, writer = await exchange(port, post_head(port, session, body), body)
    answer = await reader.read()
    writer.close()
    return b"Counting to" in answer


def histogram(port, name):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    buckets = [(float(m.group(1)), float(m.group(2))) for m in re.finditer(
        rf'^{name}_bucket{{le="([^"+]+)"}} (\S+)$', text, re.M)]
    return sorted(buckets)


def quantile(buckets, before, q):
    """histogram_quantile over the difference of two scrapes (linear within a bucket)."""
    counts = [(le, count - dict(before).get(le, 0.0)) for le, count in buckets]
    total = counts[-1][1] if counts else 0
    if total <= 0:
        return None, 0
    rank = q * total
    previous_le, previous_count = 0.0, 0.0
    for le, count in counts:
        if count >= rank:
            span = count - previous_count
            fraction = (rank - previous_count) / span if span else 1.0
            return previous_le + (le - previous_le) * fraction, int(total)
        previous_le, previous_count = le, count
    return counts[-1][0], int(total)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def scenario(args, a, b):
    sessions = []
    for start in range(0, args.sessions, 100):
        sessions += await asyncio.gather(*(new_session(a.port) for _ in range(min(100, args.sessions - start))))
    streams = await asyncio.gather(*(open_stream(b.port, s) for s in sessions))
    states = [{"last": None} for _ in sessions]
    before = histogram(b.metrics_port, "mcp_server_bus_delivery_lag_seconds")
    followers = [asyncio.create_task(follow(r, st, args.events)) for (r, _), st in zip(streams, states)]
    calls = await asyncio.gather(*(call_count(a.port, s, args.events) for s in sessions))
    received = await asyncio.wait_for(asyncio.gather(*followers), 30)
    after = histogram(b.metrics_port, "mcp_server_bus_delivery_lag_seconds")
    lag = {q: quantile(after, before, q) for q in (0.5, 0.99)}

    # B dies; every client resumes on A from the last event it saw.
    os.kill(b.process.pid, signal.SIGKILL)
    b.process.wait()
    for _, writer in streams:
        writer.close()
    waits = []

    async def resume(session, state):
        started = time.perf_counter()
        reader, writer = await open_stream(a.port, session, state["last"])
        await reader.readline()  # the first chunk of the resumed stream
        waits.append(time.perf_counter() - started)
        writer.close()

    await asyncio.gather(*(resume(s, st) for s, st in zip(sessions, states)))
    return calls, received, lag, waits


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args()
    redis = run.Redis()
    replicas = []
    try:
        for _ in range(2):
            port, metrics = run.free_port(), run.free_port()
            replica = run.ours(port, {"DISABLE_AUTH": "true", "REDIS_URL": redis.url,
                                      "MCP_STATE_KEYS": run.STATE_KEYS, "METRICS_PORT": str(metrics)})
            replica.metrics_port = metrics
            replicas.append(replica)
        a, b = replicas
        calls, received, lag, waits = asyncio.run(scenario(args, a, b))
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.stop()
        redis.stop()
    expected = args.sessions * args.events
    delivered = sum(received)
    (p50, count), (p99, _) = lag[0.5], lag[0.99]
    print(f"calls answered: {sum(calls)}/{args.sessions}; log events delivered on B: {delivered}/{expected}")
    print(f"append on A -> delivered on B ({count} events): p50 {p50 * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms")
    print(f"resume on A after B was killed ({len(waits)} streams): p50 {percentile(waits, 0.5) * 1000:.2f} ms, "
          f"p99 {percentile(waits, 0.99) * 1000:.2f} ms")
    print(f"{'met ' if p99 <= 0.002 else 'MISS'} cross-replica delivery p99 <= 2 ms ({p99 * 1000:.3f})")
    print(f"{'met ' if delivered == expected else 'MISS'} every event delivered once")


if __name__ == "__main__":
    main()
