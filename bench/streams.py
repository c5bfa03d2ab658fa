#!/usr/bin/env python3
"""Many open SSE streams on one replica: memory per stream, and that every stream opens and
stays open.

Creates --streams sessions on a fresh release `mcp-server` (in memory, or on a private Redis
with --redis), opens each session's standalone GET stream and holds them all, then reads the
server's resident memory: the growth from half the streams open to all of them, per stream. Every stream must answer 200 with text/event-stream and stay open until the end.

Usage: bench/streams.py [--streams 10000] [--redis] [--hold 10]
"""

import argparse
import asyncio
import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark's process helpers)

INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": run.SESSION_VERSION, "capabilities": {}, "clientInfo": {"name": "streams", "version": "1"}}})


async def request(port, raw):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    return reader, writer


async def new_session(port):
    body = INITIALIZE.encode()
    head = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    reader, writer = await request(port, head.encode() + body)
    answer = (await reader.read()).decode()
    writer.close()
    for line in answer.split("\r\n"):
        if line.lower().startswith("mcp-session-id:"):
            return line.split(":", 1)[1].strip()
    raise RuntimeError(f"no session: {answer[:200]}")


async def open_stream(port, session):
    head = (f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
            f"Mcp-Session-Id: {session}\r\nMcp-Protocol-Version: {run.SESSION_VERSION}\r\n\r\n")
    reader, writer = await request(port, head.encode())
    status = await reader.readline()
    headers = b""
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        headers += line
    if b" 200 " not in status or b"text/event-stream" not in headers.lower():
        raise RuntimeError(f"stream refused: {status!r}")
    return reader, writer


async def in_batches(make, count, batch=500):
    results = []
    for start in range(0, count, batch):
        results += await asyncio.gather(*(make() for _ in range(min(batch, count - start))))
    return results


async def main_async(args, server):
    port = server.port
    sessions = await in_batches(lambda: new_session(port), args.streams)
    await asyncio.sleep(1)
    rss = {"sessions": server.rss_kib()}
    half = len(sessions) // 2
    streams = []
    for group in (sessions[:half], sessions[half:]):
        for start in range(0, len(group), 500):
            streams += await asyncio.gather(*(open_stream(port, s) for s in group[start:start + 500]))
        if len(streams) == half:
            await asyncio.sleep(1)
            rss["half"] = server.rss_kib()
    await asyncio.sleep(args.hold)
    rss["all"] = server.rss_kib()
    still_open = sum(1 for reader, _ in streams if not reader.at_eof())
    for _, writer in streams:
        writer.close()
    return rss, still_open


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=10000)
    parser.add_argument("--hold", type=int, default=10)
    parser.add_argument("--redis", action="store_true")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.streams + 100:
        sys.exit(f"streams: the open-file limit ({hard}) is too low for {args.streams} streams")
    port = run.free_port()
    redis = run.Redis() if args.redis else None
    env = {"DISABLE_AUTH": "true"}
    if redis:
        env.update({"REDIS_URL": redis.url, "MCP_STATE_KEYS": run.STATE_KEYS})
    server = run.ours(port, env)
    try:
        rss, still_open = asyncio.run(main_async(args, server))
    finally:
        server.stop()
        if redis:
            redis.stop()
    # The marginal cost: the second half of the streams against the first, so what the process
    # kept from creating the sessions (allocator caches, freed connection buffers) cancels out.
    half = args.streams // 2
    per_stream = (rss["all"] - rss["half"]) / (args.streams - half)
    print(f"streams opened and held {args.hold} s: {still_open}/{args.streams} still open")
    print(f"server RSS: {rss['sessions'] / 1024:.1f} MiB with {args.streams} sessions, "
          f"{rss['half'] / 1024:.1f} MiB with {half} streams open, {rss['all'] / 1024:.1f} MiB with all: "
          f"{per_stream:.2f} KiB per stream ({(rss['all'] - rss['sessions']) / args.streams:.2f} KiB "
          f"counted from the sessions alone)")
    print(f"{'met ' if per_stream <= 16 else 'MISS'} <= 16 KiB per open stream ({per_stream:.2f})")
    print(f"{'met ' if still_open == args.streams else 'MISS'} every stream open, no errors")


if __name__ == "__main__":
    main()
