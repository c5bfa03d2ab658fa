"""The Python SDK client in `mode="legacy"`: the 2025-11-25 `initialize` handshake and a session."""

import json

import pytest
from mcp import MCPDeprecationWarning

from fake_user import FakeUser
from wire import connect, texts

pytestmark = pytest.mark.anyio


async def test_initializes_a_session_and_calls_greet(server_url):
    async with connect(server_url, mode="legacy") as (client, wire):
        assert client.protocol_version == "2025-11-25"
        assert client.server_info.name == "mcp-server"
        assert client.session.initialize_result is not None and client.session.discover_result is None
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"greet", "count", "slow_compute", "test_input_required_result_elicitation"} <= tools
        result = await client.call_tool("greet", {"name": "Elin"})
        assert texts(result) == ["Hello, Elin!"] and not result.is_error
    assert wire.methods()[:2] == ["initialize", "notifications/initialized"]
    assert "server/discover" not in wire.methods()
    session_ids = {post.headers.get("mcp-session-id") for post in wire.posts[1:]}
    assert len(session_ids) == 1 and None not in session_ids, "every request after initialize carries the session"


async def test_reads_resources_and_gets_prompts(server_url):
    async with connect(server_url, mode="legacy") as (client, _):
        uris = {str(resource.uri) for resource in (await client.list_resources()).resources}
        assert "test://static-text" in uris
        read = await client.read_resource("test://static-text")
        assert [(str(c.uri), c.text) for c in read.contents] == [
            ("test://static-text", "This is the content of the static text resource.")
        ]
        templated = await client.read_resource("test://template/42/data")
        assert json.loads(templated.contents[0].text) == {"id": "42", "templateTest": True, "data": "Data for ID: 42"}
        prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}
        assert {"test_simple_prompt", "test_prompt_with_arguments"} <= prompts
        simple = await client.get_prompt("test_simple_prompt")
        assert [m.content.text for m in simple.messages] == ["This is a simple prompt for testing."]
        with_args = await client.get_prompt("test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
        assert with_args.messages[0].content.text == "Prompt with arguments: arg1='a', arg2='b'"


async def test_elicitation_is_a_server_request_answered_by_the_callback(server_url):
    user = FakeUser()
    async with connect(server_url, mode="legacy", **user.options()) as (client, wire):
        result = await client.call_tool("test_input_required_result_elicitation", {})
    assert texts(result) == ["Hello, Ada!"]
    assert [e.message for e in user.elicitations] == ["What is your name?"]
    assert list(user.elicitations[0].requested_schema["properties"]) == ["name"]
    # A real elicitation/create request arrived on the call's stream and was answered with a POSTed response.
    assert [r.body["result"] for r in wire.responses()] == [{"action": "accept", "content": {"name": "Ada"}}]
    assert len(wire.calls("tools/call")) == 1


async def test_sampling_is_a_server_request_answered_by_the_callback(server_url):
    user = FakeUser()
    async with connect(server_url, mode="legacy", **user.options()) as (client, wire):
        result = await client.call_tool("test_sampling", {"prompt": "Capital of France?"})
    assert texts(result) == ["LLM response: Paris"]
    assert [m.content.text for m in user.samplings[0].messages] == ["Capital of France?"]
    assert wire.responses()[0].body["result"]["model"] == "e2e-fake-model"


async def test_progress_notifications_reach_the_progress_callback(server_url):
    updates = []

    async def on_progress(progress, total, message):
        updates.append((progress, total, message))

    async with connect(server_url, mode="legacy") as (client, _):
        result = await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
    assert texts(result) == ["Progress reported: 0, 50 and 100 of 100"]
    assert updates == [(p, 100, f"Completed step {p} of 100") for p in (0, 50, 100)]


async def test_log_messages_reach_the_logging_callback_and_set_level_filters_them(server_url):
    user = FakeUser()
    async with connect(server_url, mode="legacy", **user.options()) as (client, _):
        await client.call_tool("test_tool_with_logging", {})
        assert [(log.level, log.data) for log in user.logs] == [
            ("info", "Tool execution started"),
            ("info", "Tool processing data"),
            ("info", "Tool execution completed"),
        ]
        with pytest.warns(MCPDeprecationWarning):
            await client.set_logging_level("error")
        await client.call_tool("test_tool_with_logging", {})
    assert len(user.logs) == 3, "info messages are filtered out at level error"


async def test_a_failing_tool_is_a_tool_error(server_url):
    async with connect(server_url, mode="legacy") as (client, _):
        result = await client.call_tool("test_error_handling", {})
    assert result.is_error
    assert texts(result) == ["This tool intentionally returns an error for testing"]
