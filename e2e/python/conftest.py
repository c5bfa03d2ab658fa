"""Starts the real `mcp-server` binary on a free loopback port for the tests, and prints TAP-style totals."""

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def server_url(request):
    """The `/mcp` endpoint of a server started with the conformance feature pack (like e2e/lib/server.mjs)."""
    binary = os.environ.get("MCP_SERVER_BIN", str(ROOT / "target/debug/mcp-server"))
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PORT": str(port),
        "BIND_ADDRESS": "127.0.0.1",
        "DISABLE_AUTH": "true",
        "MCP_FEATURE_PACKS": "conformance",
        "MCP_TASK_POLL_INTERVAL_MS": "100",  # tasks are polled quickly, so the stage stays short
        "RUST_LOG": os.environ.get("E2E_SERVER_LOG", "warn"),
    }
    log = tempfile.NamedTemporaryFile(prefix="mcp-server-", suffix=".log", delete=False)
    child = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child has its own copy of the descriptor
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass  # not listening yet
            if child.poll() is not None:
                raise RuntimeError(f"mcp-server exited with {child.returncode}: {Path(log.name).read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("mcp-server did not become healthy")
            time.sleep(0.05)
        yield f"{base}/mcp"
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        server_log = Path(log.name).read_text()
        if request.session.testsfailed and server_log.strip():
            print(f"\n--- mcp-server log ---\n{server_log[-4000:]}")
        os.unlink(log.name)


def pytest_terminal_summary(terminalreporter):
    """The lines scripts/test counts (count_tap): `# pass N` and `# fail N`."""
    count = lambda *keys: sum(len(terminalreporter.stats.get(key, [])) for key in keys)
    terminalreporter.write_line(f"# pass {count('passed')}")
    terminalreporter.write_line(f"# fail {count('failed', 'error')}")
    terminalreporter.write_line(f"# skip {count('skipped')}")
