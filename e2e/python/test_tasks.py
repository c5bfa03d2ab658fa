"""Tasks (2026-07-28 `io.modelcontextprotocol/tasks`) through the SDK's extension API, against the real server."""

import time

import pytest
from mcp import MCPError
from mcp_types.jsonrpc import MISSING_REQUIRED_CLIENT_CAPABILITY

from fake_user import FakeUser
from tasks_ext import TASKS_EXTENSION, CancelTask, CreateTaskResult, GetTask, Tasks, task_request
from wire import connect, texts

pytestmark = pytest.mark.anyio


async def test_slow_compute_becomes_a_task_polled_to_completion(server_url):
    tasks = Tasks()
    async with connect(server_url, mode="auto", extensions=[tasks]) as (client, wire):
        assert TASKS_EXTENSION in client.server_capabilities.extensions
        started = time.monotonic()
        result = await client.call_tool("slow_compute", {"seconds": 1, "label": "pi"})
        elapsed = time.monotonic() - started
    assert texts(result) == ["Computed pi in 1s"] and not result.is_error
    assert elapsed >= 1
    [created] = tasks.created
    assert created.status == "working" and created.poll_interval_ms == 100
    assert tasks.statuses[-1] == "completed" and set(tasks.statuses[:-1]) == {"working"}
    call = wire.calls("tools/call", "slow_compute")[0]
    assert TASKS_EXTENSION in call.params["_meta"]["io.modelcontextprotocol/clientCapabilities"]["extensions"]
    polls = wire.calls("tasks/get")
    assert len(polls) == len(tasks.statuses)
    assert {post.headers["mcp-name"] for post in polls} == {created.task_id}


async def test_a_running_task_asks_and_gets_its_answer_through_tasks_update(server_url):
    tasks, user = Tasks(), FakeUser()
    async with connect(server_url, mode="auto", extensions=[tasks], **user.options()) as (client, wire):
        result = await client.call_tool("confirm_delete", {"filename": "a.txt"})
    assert texts(result) == ["Deleted a.txt"]
    assert [e.message for e in user.elicitations] == ["Delete a.txt?"]
    assert "input_required" in tasks.statuses and tasks.statuses[-1] == "completed"
    [update] = wire.calls("tasks/update")
    assert update.params["taskId"] == tasks.created[0].task_id
    assert update.params["inputResponses"] == {"confirm": {"action": "accept", "content": {"confirm": True}}}


async def test_a_tool_error_inside_a_task_is_its_result(server_url):
    tasks = Tasks()
    async with connect(server_url, mode="auto", extensions=[tasks]) as (client, _):
        result = await client.call_tool("failing_job", {})
    assert result.is_error
    assert texts(result) == ["The job failed: the input was rejected"]
    assert tasks.statuses[-1] == "completed"


async def test_a_task_can_be_cancelled(server_url):
    async with connect(server_url, mode="auto", extensions=[Tasks()]) as (client, _):
        session = client.session
        created = await session.call_tool("slow_compute", {"seconds": 30}, allow_claimed=True)
        assert isinstance(created, CreateTaskResult) and created.status == "working"
        await task_request(session, CancelTask, created.task_id)
        task = await task_request(session, GetTask, created.task_id)
    assert task["status"] == "cancelled"
    assert "result" not in task


async def test_without_the_extension_calls_run_inline_or_are_refused(server_url):
    async with connect(server_url, mode="auto") as (client, wire):
        result = await client.call_tool("slow_compute", {"seconds": 0})
        assert texts(result) == ["Computed the computation in 0s"]
        with pytest.raises(MCPError) as refused:
            await client.call_tool("failing_job", {})
    assert refused.value.code == MISSING_REQUIRED_CLIENT_CAPABILITY
    assert wire.calls("tasks/get") == []
