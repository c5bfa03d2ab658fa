"""The Python SDK client on protocol 2026-07-28: `server/discover`, per-request `_meta`, multi-round-trip input."""

import anyio
import mcp_types as types
import pytest
from mcp.client.subscriptions import ToolsListChanged

from fake_user import FakeUser
from wire import connect, texts

pytestmark = pytest.mark.anyio

VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"


async def test_auto_mode_discovers_the_stateless_era(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, wire):
        assert client.protocol_version == "2026-07-28"
        assert client.session.initialize_result is None
        assert "2026-07-28" in client.session.discover_result.supported_versions
        assert client.server_info.name == "mcp-server"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"greet", "count", "slow_compute"} <= tools
        result = await client.call_tool("greet", {"name": "Elin"})
        assert texts(result) == ["Hello, Elin!"]
    assert wire.methods() == ["server/discover", "tools/list", "tools/call"]
    for post in wire.posts:
        assert "mcp-session-id" not in post.headers, "the stateless era has no sessions"
        assert post.headers["mcp-protocol-version"] == "2026-07-28"
        assert post.headers["mcp-method"] == post.method
        assert post.params["_meta"][VERSION_KEY] == "2026-07-28"
    capabilities = wire.posts[-1].params["_meta"][CAPABILITIES_KEY]
    assert {"elicitation", "sampling"} <= set(capabilities)
    assert wire.posts[-1].headers["mcp-name"] == "greet"


async def test_auto_mode_falls_back_to_the_handshake_when_discover_is_refused(server_url):
    async with connect(server_url, mode="auto", legacy_only_server=True) as (client, wire):
        assert client.protocol_version == "2025-11-25"
        assert client.session.initialize_result is not None
        result = await client.call_tool("greet", {"name": "Elin"})
        assert texts(result) == ["Hello, Elin!"]
    assert wire.methods()[:3] == ["server/discover", "initialize", "notifications/initialized"]


async def test_a_pinned_version_skips_the_probe(server_url):
    async with connect(server_url, mode="2026-07-28") as (client, wire):
        assert client.protocol_version == "2026-07-28"
        result = await client.call_tool("greet", {"name": "Pin"})
        assert texts(result) == ["Hello, Pin!"]
    # No probe, no handshake: the first request is the call (the SDK lists tools afterwards to validate output).
    assert wire.methods()[0] == "tools/call" and "server/discover" not in wire.methods()


async def test_elicitation_through_input_required_and_a_retry(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, wire):
        result = await client.call_tool("test_input_required_result_elicitation", {})
    assert texts(result) == ["Hello, Ada!"]
    assert [e.message for e in user.elicitations] == ["What is your name?"]
    first, retry = wire.calls("tools/call", "test_input_required_result_elicitation")
    assert "inputResponses" not in first.params
    assert retry.params["inputResponses"] == {"user_name": {"action": "accept", "content": {"name": "Ada"}}}
    assert retry.params["requestState"], "the server's requestState is echoed"
    assert wire.responses() == [], "no server-to-client JSON-RPC requests in the stateless era"


async def test_sampling_through_input_required_and_a_retry(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, wire):
        result = await client.call_tool("test_input_required_result_sampling", {})
    assert texts(result) == ["Sampling result: Paris"]
    assert [m.content.text for m in user.samplings[0].messages] == ["What is the capital of France?"]
    _, retry = wire.calls("tools/call", "test_input_required_result_sampling")
    assert retry.params["inputResponses"]["capital_question"]["model"] == "e2e-fake-model"


async def test_two_rounds_carry_the_request_state(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, wire):
        result = await client.call_tool("test_input_required_result_multi_round", {})
    assert texts(result) == ["Multi-round complete for Ada who likes blue"]
    assert [e.message for e in user.elicitations] == ["Step 1: What is your name?", "Step 2: What is your favorite color?"]
    first, second, third = wire.calls("tools/call", "test_input_required_result_multi_round")
    assert "requestState" not in first.params
    assert list(second.params["inputResponses"]) == ["step1"]
    assert list(third.params["inputResponses"]) == ["step2"]
    assert third.params["requestState"], "the second round echoes the server's requestState"


async def test_several_inputs_at_once(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, wire):
        result = await client.call_tool("test_input_required_result_multiple_inputs", {})
    assert texts(result) == ["Name: Ada; Greeting: Paris; Roots: 1"]
    _, retry = wire.calls("tools/call", "test_input_required_result_multiple_inputs")
    assert set(retry.params["inputResponses"]) == {"user_name", "greeting", "client_roots"}


async def test_a_prompt_that_needs_input(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, wire):
        prompt = await client.get_prompt("test_input_required_result_prompt")
    assert [m.content.text for m in prompt.messages] == ["Prompt with context: testing"]
    assert len(wire.calls("prompts/get", "test_input_required_result_prompt")) == 2


async def test_reads_a_resource_gets_a_prompt_and_completes_an_argument(server_url):
    async with connect(server_url, mode="auto") as (client, wire):
        read = await client.read_resource("test://static-text")
        assert read.contents[0].text == "This is the content of the static text resource."
        prompt = await client.get_prompt("test_prompt_with_arguments", {"arg1": "x", "arg2": "y"})
        assert prompt.messages[0].content.text == "Prompt with arguments: arg1='x', arg2='y'"
        ref = types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
        completion = await client.complete(ref, {"name": "arg1", "value": "pa"})
        assert completion.completion.values == ["paris", "park", "party"]
    assert wire.posts[1].headers["mcp-name"] == "test://static-text"


async def test_progress_and_opted_in_log_messages(server_url):
    user = FakeUser()
    updates = []

    async def on_progress(progress, total, message):
        updates.append((progress, total))

    async with connect(server_url, mode="auto", log_level="info", **user.options()) as (client, wire):
        await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        await client.call_tool("test_tool_with_logging", {})
    assert updates == [(0, 100), (50, 100), (100, 100)]
    assert [log.data for log in user.logs] == ["Tool execution started", "Tool processing data", "Tool execution completed"]
    assert wire.posts[-1].params["_meta"]["io.modelcontextprotocol/logLevel"] == "info"


async def test_no_log_messages_without_the_opt_in(server_url):
    user = FakeUser()
    async with connect(server_url, mode="auto", **user.options()) as (client, _):
        result = await client.call_tool("test_tool_with_logging", {})
    assert texts(result) == ["Tool with logging executed successfully"]
    assert user.logs == []


async def test_header_mismatch_makes_the_sdk_relist_and_resend_with_mcp_param_headers(server_url):
    async with connect(server_url, mode="2026-07-28") as (client, wire):
        # Not listed yet, so the SDK cannot know `region` is mirrored into `Mcp-Param-Region`.
        result = await client.call_tool("test_header_param", {"region": "Zürich"})
    assert texts(result) == ["Region: Zürich"]
    assert wire.methods()[:3] == ["tools/call", "tools/list", "tools/call"]
    refused, resent = wire.calls("tools/call", "test_header_param")
    assert "mcp-param-region" not in refused.headers
    assert resent.headers["mcp-param-region"] == "=?base64?WsO8cmljaA==?="  # non-ASCII travels base64-encoded


async def test_subscriptions_listen_delivers_a_tool_list_change(server_url):
    async with connect(server_url, mode="auto") as (client, wire):
        async with client.listen(tools_list_changed=True, prompts_list_changed=True) as subscription:
            assert subscription.honored.tools_list_changed and subscription.honored.prompts_list_changed
            await client.call_tool("test_trigger_tool_change", {})
            with anyio.fail_after(5):
                async for event in subscription:
                    break
    assert isinstance(event, ToolsListChanged)
    assert wire.calls("subscriptions/listen")
