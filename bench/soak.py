#!/usr/bin/env python3
"""Sustained load on one replica: many sessions, each with its standalone SSE stream open, and
a steady rate of tool calls, for a fixed time; then the errors and the memory trend.

Creates --sessions sessions on a fresh release `mcp-server` (in memory, or on a private Redis
with --redis), opens every session's GET stream and reads it to the end, and meanwhile sends
`tools/call greet` at --rate calls per second, spread over the sessions, on kept-alive
connections; every answer must be 200 with "Hello, <name>!". Every stream must stay open
(keep-alive comments arrive every 5 s) until the end. The server's resident memory is sampled
every second: after the first quarter of the run (warm-up), it must stay flat (the last
samples within --flat-mib of the warm-up's end). A leak of a few dozen bytes per call shows
at these rates: this is how the histogram samples kept until a scrape were found.

Exit status 0 only with 0 errors, the call rate kept (80%), every stream open, and flat
memory. The test command runs a short form (`--seconds 30 --sessions 300 --rate 1500
--flat-mib 1`); the figures in the README are from the full one.

Usage: bench/soak.py [--seconds 60] [--sessions 1000] [--rate 1000] [--redis] [--flat-mib 2]
                     [--env NAME=VALUE ...]
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark's process helpers)
import streams  # noqa: E402  (session and stream helpers)

WORKERS = 16  # kept-alive connections sending the calls


async def read_response(reader):
    """One HTTP/1.1 response: (status, body), body by Content-Length or chunked."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked = None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, body
    return status, await reader.readexactly(length or 0)


class Totals:
    def __init__(self):
        self.calls = 0
        self.errors = 0
        self.first_errors = []
        self.stream_events = 0
        self.streams_closed = 0

    def error(self, what):
        self.errors += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(what)


async def drain(reader, totals, stop):
    """Reads one stream until the end of the run; a stream that ends early is an error."""
    while not stop.is_set():
        try:
            line = await asyncio.wait_for(reader.readline(), 1)
        except asyncio.TimeoutError:
            continue
        if not line:
            totals.streams_closed += 1
            return
        if line.startswith(b"data:") or line.startswith(b":"):
            totals.stream_events += 1


async def caller(port, sessions, worker, rate_per_worker, totals, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    interval = 1 / rate_per_worker
    next_at = time.monotonic()
    n = 0
    while not stop.is_set():
        session = sessions[(worker + n * WORKERS) % len(sessions)]
        name = f"w{worker}n{n}"
        body = json.dumps({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                           "params": {"name": "greet", "arguments": {"name": name}}}).encode()
        head = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Accept: application/json, text/event-stream\r\nMcp-Session-Id: {session}\r\n"
                f"Mcp-Protocol-Version: {run.SESSION_VERSION}\r\nContent-Length: {len(body)}\r\n\r\n")
        try:
            writer.write(head.encode() + body)
            await writer.drain()
            status, answer = await asyncio.wait_for(read_response(reader), 10)
            if status != 200 or f"Hello, {name}!".encode() not in answer:
                totals.error(f"{status} {answer[:120]!r}")
            totals.calls += 1
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            totals.error(repr(error))
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n += 1
        next_at += interval
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    writer.close()


async def main_async(args, server):
    port = server.port
    sessions = await streams.in_batches(lambda: streams.new_session(port), args.sessions)
    held = []
    for start in range(0, len(sessions), 500):
        held += await asyncio.gather(*(streams.open_stream(port, s) for s in sessions[start:start + 500]))
    totals = Totals()
    stop = asyncio.Event()
    readers = [asyncio.create_task(drain(reader, totals, stop)) for reader, _ in held]
    callers = [asyncio.create_task(caller(port, sessions, w, args.rate / WORKERS, totals, stop))
               for w in range(WORKERS)]
    samples = []
    started = time.monotonic()
    while time.monotonic() - started < args.seconds:
        await asyncio.sleep(1)
        samples.append((time.monotonic() - started, server.rss_kib() / 1024))
    stop.set()
    await asyncio.gather(*callers)
    await asyncio.gather(*readers)
    still_open = sum(1 for reader, _ in held if not reader.at_eof())
    for _, writer in held:
        writer.close()
    return totals, samples, still_open, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=1000, help="tool calls per second, in all")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--flat-mib", type=float, default=2.0,
                        help="how much the memory may grow after the warm-up")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra setting for the server (repeatable)")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.sessions + WORKERS + 100:
        sys.exit(f"soak: the open-file limit ({hard}) is too low for {args.sessions} streams")
    port = run.free_port()
    redis = run.Redis() if args.redis else None
    env = {"DISABLE_AUTH": "true", "MCP_SSE_KEEPALIVE_SECS": "5"}
    if redis:
        env.update({"REDIS_URL": redis.url, "MCP_STATE_KEYS": run.STATE_KEYS})
    env.update(setting.split("=", 1) for setting in args.env)
    server = run.ours(port, env)
    try:
        totals, samples, still_open, elapsed = asyncio.run(main_async(args, server))
        alive = server.process.poll() is None
    finally:
        server.stop()
        if redis:
            redis.stop()
    warm = [rss for at, rss in samples if at >= args.seconds / 4]
    baseline, last = warm[0], max(warm[-3:])
    growth = last - baseline
    mode = "Redis" if args.redis else "memory"
    print(f"soak ({mode}): {args.sessions} sessions with their streams open, {elapsed:.0f} s, "
          f"{totals.calls} calls ({totals.calls / elapsed:.0f}/s), {totals.errors} errors, "
          f"{totals.stream_events} stream lines read, {still_open}/{args.sessions} streams open at the end")
    print(f"server RSS: {samples[0][1]:.1f} MiB at 1 s, {baseline:.1f} MiB after warm-up, "
          f"{last:.1f} MiB at the end (growth {growth:+.1f} MiB), peak {max(r for _, r in samples):.1f} MiB")
    trend = "  ".join(f"{at:.0f}s {rss:.1f}" for at, rss in samples[:: max(1, len(samples) // 8)])
    print(f"RSS (MiB) over the run: {trend}")
    for error in totals.first_errors:
        print(f"  error: {error}")
    checks = [
        (totals.errors == 0, f"0 errors ({totals.errors})"),
        (totals.calls >= 0.8 * args.rate * args.seconds, f"the call rate was kept ({totals.calls} calls)"),
        (still_open == args.sessions and totals.streams_closed == 0,
         f"every stream open to the end ({still_open}/{args.sessions})"),
        (growth <= args.flat_mib, f"flat memory after the warm-up ({growth:+.1f} MiB, bound {args.flat_mib})"),
        (alive, "the server still running"),
    ]
    for ok, what in checks:
        print(f"{'met ' if ok else 'MISS'} {what}")
    sys.exit(0 if all(ok for ok, _ in checks) else 1)


if __name__ == "__main__":
    main()
