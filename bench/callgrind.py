#!/usr/bin/env python3
"""Instructions per `tools/call greet`, counted by callgrind: a figure that does not depend on
what else the machine is doing.

Runs each server under `valgrind --tool=callgrind` twice, sending --calls and then 5 x --calls
checked `tools/call greet` requests one after another on one kept-alive connection, and divides
the difference of the two instruction totals by the difference of the call counts, so startup
and the handshake cancel out. User-space instructions only (the kernel's are not counted).

Usage: bench/callgrind.py [--calls 500] [--only name,name]
Needs: release binaries and bench/peers built (bench/run builds both), valgrind.
"""

import argparse
import glob
import http.client
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark's helpers)

SERVERS = {
    "ours (memory, no auth)": (os.path.join(run.RELEASE, "mcp-server"), {"DISABLE_AUTH": "true"}),
    "rmcp": (os.path.join(run.PEERS, "rust", "target", "release", "rmcp-peer"), {}),
    "axum ceiling": (os.path.join(run.PEERS, "rust", "target", "release", "axum-ceiling"), {}),
}


def instructions(binary, extra_env, calls):
    """Total instructions of one callgrind run of `binary` serving `calls` calls."""
    port = run.free_port()
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "callgrind.out")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(port),
               "BIND_ADDRESS": "127.0.0.1", "RUST_LOG": "warn", **extra_env}
        process = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            run.wait_port(port, process)
            headers, body = run.session_call(port)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(calls):
                connection.request("POST", "/mcp", body=body, headers=headers)
                answer = connection.getresponse().read()
                if b"Hello, Bo!" not in answer:
                    raise RuntimeError(f"unexpected answer: {answer[:200]!r}")
        finally:
            process.terminate()
            process.wait()
        total = 0
        for path in glob.glob(out + "*"):
            with open(path) as data:
                for line in data:
                    found = re.match(r"(?:summary|totals): (\d+)", line)
                    if found:
                        total = max(total, int(found.group(1)))
        if total == 0:
            raise RuntimeError("callgrind wrote no totals")
        return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    names = [n for n in SERVERS if not args.only or any(part.strip() in n for part in args.only.split(","))]
    per_call = {}
    for name in names:
        binary, env = SERVERS[name]
        print(f"# {name} ...", file=sys.stderr, flush=True)
        few = instructions(binary, env, args.calls)
        many = instructions(binary, env, 5 * args.calls)
        per_call[name] = (many - few) / (4 * args.calls)
        print(f"{name:28} {per_call[name]:12,.0f} instructions per call")
    ours = per_call.get("ours (memory, no auth)")
    for peer in ("rmcp", "axum ceiling"):
        if ours and peer in per_call:
            print(f"{peer} / ours: {per_call[peer] / ours:.2f}x the instructions")


if __name__ == "__main__":
    main()
