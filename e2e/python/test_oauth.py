"""The Python SDK's own OAuth client provider doing the whole dance from a 401 against the real
demo authorization server and the MCP server with auth on: protected resource metadata,
authorization server metadata, dynamic registration, PKCE, the code, the token, then the tools."""

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from wire import texts

pytestmark = pytest.mark.anyio

REDIRECT_URI = "http://127.0.0.1:9/callback"


class MemoryStorage:
    """The SDK's TokenStorage protocol, kept in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class HeadlessBrowser:
    """Stands in for the user's browser: opens the authorization URL (the demo AS approves at
    once) and reads the code from the redirect, without following it."""

    def __init__(self) -> None:
        self.visited: list[str] = []
        self.redirect: str | None = None

    async def open(self, authorization_url: str) -> None:
        self.visited.append(authorization_url)
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            response = await http.get(authorization_url)
        assert response.status_code == 302, response.text
        self.redirect = response.headers["location"]

    async def callback(self) -> AuthorizationCodeResult:
        assert self.redirect is not None and self.redirect.startswith(REDIRECT_URI)
        query = {name: values[0] for name, values in parse_qs(urlsplit(self.redirect).query).items()}
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


def provider(mcp_url: str, storage: MemoryStorage, browser: HeadlessBrowser) -> OAuthClientProvider:
    metadata = OAuthClientMetadata(
        client_name="python-sdk-e2e",
        redirect_uris=[REDIRECT_URI],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    return OAuthClientProvider(
        server_url=mcp_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_whole_dance_from_a_401_then_greet_and_count(oauth_stack, mode):
    storage, browser = MemoryStorage(), HeadlessBrowser()
    auth = provider(oauth_stack.mcp_url, storage, browser)
    async with httpx2.AsyncClient(auth=auth, timeout=httpx2.Timeout(30, read=300)) as http:
        async with Client(streamable_http_client(oauth_stack.mcp_url, http_client=http), mode=mode) as client:
            greeting = await client.call_tool("greet", {"name": "Elin"})
            assert texts(greeting) == ["Hello, Elin!"] and not greeting.is_error
            counted = await client.call_tool("count", {"number": 3})
            assert texts(counted) == ["Counting to 3"] and not counted.is_error
    # One authorization, by a client registered on the fly, with PKCE, for this resource.
    assert len(browser.visited) == 1
    query = parse_qs(urlsplit(browser.visited[0]).query)
    assert urlsplit(browser.visited[0]).netloc == urlsplit(oauth_stack.issuer).netloc
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["resource"] == [oauth_stack.mcp_url]
    assert "mcp:tools" in query["scope"][0].split()
    assert storage.client_info is not None and storage.client_info.client_id
    assert storage.tokens is not None and storage.tokens.access_token
    assert "mcp:tools" in (storage.tokens.scope or "").split()


async def test_stored_tokens_are_used_without_a_new_authorization(oauth_stack):
    storage, browser = MemoryStorage(), HeadlessBrowser()
    for _ in range(2):
        auth = provider(oauth_stack.mcp_url, storage, browser)
        async with httpx2.AsyncClient(auth=auth, timeout=30) as http:
            async with Client(streamable_http_client(oauth_stack.mcp_url, http_client=http), mode="legacy") as client:
                assert texts(await client.call_tool("greet", {"name": "again"})) == ["Hello, again!"]
    assert len(browser.visited) == 1


async def test_without_credentials_the_sdk_gets_a_401_it_can_act_on(oauth_stack):
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            oauth_stack.mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'scope="mcp:tools"' in challenge
    assert "resource_metadata=" in challenge
