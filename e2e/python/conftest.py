"""Starts the real binaries on free loopback ports for the tests, and prints TAP-style totals."""

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
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


@contextmanager
def running(request, name: str, port: int, env: dict[str, str]):
    """Runs the real binary `name` (target/debug, or $MCP_SERVER_BIN / $OAUTH_SERVER_BIN) on
    `port` with `env` until the block ends; its log is printed if any test failed."""
    variable = {"mcp-server": "MCP_SERVER_BIN", "oauth-server": "OAUTH_SERVER_BIN"}[name]
    binary = os.environ.get(variable, str(ROOT / "target/debug" / name))
    env = {"PATH": os.environ.get("PATH", ""), "BIND_ADDRESS": "127.0.0.1", "RUST_LOG": os.environ.get("E2E_SERVER_LOG", "warn"), **env}
    log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)
    child = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child has its own copy of the descriptor
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass  # not listening yet
            if child.poll() is not None:
                raise RuntimeError(f"{name} exited with {child.returncode}: {Path(log.name).read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become healthy")
            time.sleep(0.05)
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        server_log = Path(log.name).read_text()
        if request.session.testsfailed and server_log.strip():
            print(f"\n--- {name} log ---\n{server_log[-4000:]}")
        os.unlink(log.name)


@pytest.fixture(scope="session")
def server_url(request):
    """The `/mcp` endpoint of a server started with the conformance feature pack (like e2e/lib/server.mjs),
    or the one at $MCP_E2E_URL (e.g. a proxy in front of replicas)."""
    if os.environ.get("MCP_E2E_URL"):
        yield os.environ["MCP_E2E_URL"]
        return
    port = free_port()
    env = {
        "PORT": str(port),
        "DISABLE_AUTH": "true",
        "MCP_FEATURE_PACKS": "conformance",
        "MCP_TASK_POLL_INTERVAL_MS": "100",  # tasks are polled quickly, so the stage stays short
    }
    with running(request, "mcp-server", port, env):
        yield f"http://127.0.0.1:{port}/mcp"


@dataclass
class OAuthStack:
    """The demo authorization server and the MCP server introspecting its tokens."""

    issuer: str
    mcp_url: str


@pytest.fixture(scope="session")
def oauth_stack(request):
    """Both servers, auth on, as `scripts/run-stack` runs them (on free ports)."""
    as_port, mcp_port = free_port(), free_port()
    issuer = f"http://localhost:{as_port}"
    mcp_url = f"http://localhost:{mcp_port}/mcp"
    secret = "python-e2e-resource-server-secret"
    as_env = {"AUTH_PORT": str(as_port), "OAUTH_PRESET_CLIENTS": f"mcp-server:{secret}", "OAUTH_RESOURCES": mcp_url}
    mcp_env = {
        "PORT": str(mcp_port),
        "OAUTH_SERVER_URL": issuer,
        "OAUTH_CLIENT_ID": "mcp-server",
        "OAUTH_CLIENT_SECRET": secret,
    }
    with running(request, "oauth-server", as_port, as_env), running(request, "mcp-server", mcp_port, mcp_env):
        yield OAuthStack(issuer=issuer, mcp_url=mcp_url)


def pytest_terminal_summary(terminalreporter):
    """The lines scripts/test counts (count_tap): `# pass N` and `# fail N`."""
    count = lambda *keys: sum(len(terminalreporter.stats.get(key, [])) for key in keys)
    terminalreporter.write_line(f"# pass {count('passed')}")
    terminalreporter.write_line(f"# fail {count('failed', 'error')}")
    terminalreporter.write_line(f"# skip {count('skipped')}")
