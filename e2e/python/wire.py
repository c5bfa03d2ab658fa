"""Connects the SDK's `Client` over real HTTP while recording every JSON-RPC message it POSTs."""

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def texts(result) -> list[str]:
    """The texts of a tool result's content blocks."""
    return [block.text for block in result.content]


@dataclass
class Post:
    """One POST the client sent: its headers (lower-case names) and JSON body."""

    headers: dict[str, str]
    body: Any

    @property
    def method(self) -> str | None:
        return self.body.get("method") if isinstance(self.body, dict) else None

    @property
    def params(self) -> dict[str, Any]:
        return (self.body.get("params") or {}) if isinstance(self.body, dict) else {}


@dataclass
class Wire:
    """What the client put on the wire, in order."""

    posts: list[Post] = field(default_factory=list)

    def methods(self) -> list[str | None]:
        return [post.method for post in self.posts]

    def calls(self, method: str, name: str | None = None) -> list[Post]:
        """The requests of `method` (for `tools/call` and `prompts/get`, only those naming `name`)."""
        return [p for p in self.posts if p.method == method and (name is None or p.params.get("name") == name)]

    def responses(self) -> list[Post]:
        """JSON-RPC responses the client sent back (answers to server-to-client requests)."""
        return [p for p in self.posts if isinstance(p.body, dict) and "method" not in p.body and "id" in p.body]


class LegacyOnly(httpx2.AsyncBaseTransport):
    """Makes the real server look like a 2025-11-25-only one: `server/discover` is refused as such servers do."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            if isinstance(body, dict) and body.get("method") == "server/discover":
                error = {"code": -32000, "message": "Bad Request: Server not initialized"}
                return httpx2.Response(400, json={"jsonrpc": "2.0", "id": body.get("id"), "error": error})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def connect(url: str, *, legacy_only_server: bool = False, **options: Any):
    """Yields `(client, wire)`: an entered SDK `Client(url, **options)` and the record of its POSTs."""
    wire = Wire()

    async def record(request: httpx2.Request) -> None:
        if request.method == "POST":
            wire.posts.append(Post({k.lower(): v for k, v in request.headers.items()}, json.loads(request.content)))

    # The SDK's own defaults: 30 s, and 300 s to read (response streams stay open).
    http = httpx2.AsyncClient(
        timeout=httpx2.Timeout(30, read=300),
        transport=LegacyOnly() if legacy_only_server else None,
        event_hooks={"request": [record]},
    )
    async with http:
        async with Client(streamable_http_client(url, http_client=http), **options) as client:
            yield client, wire
