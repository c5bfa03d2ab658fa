"""The `io.modelcontextprotocol/tasks` extension (2026-07-28) written on the SDK's public `ClientExtension` API.

mcp 2.3.0 ships no tasks client, but lets an extension claim the `resultType: "task"` shape of
`tools/call` and resolve it: here by polling `tasks/get`, answering the task's input requests
through the client's own elicitation/sampling callbacks with `tasks/update`, until it ends.
"""

from typing import Any, Literal

import anyio
import mcp_types as types
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp.client.session import ClientRequestContext, ClientSession
from pydantic import TypeAdapter

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"

Raw = TypeAdapter(dict[str, Any])
InputRequest = TypeAdapter(types.InputRequest)


class CreateTaskResult(types.Result):
    """A `tools/call` answered with a task handle."""

    result_type: Literal["task"] = "task"
    task_id: str
    status: str
    poll_interval_ms: int | None = None
    ttl_ms: int | None = None


class TaskParams(types.RequestParams):
    task_id: str
    input_responses: dict[str, Any] | None = None


class GetTask(types.Request[TaskParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    name_param = "taskId"  # the SDK mirrors it into the Mcp-Name header


class UpdateTask(types.Request[TaskParams, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    name_param = "taskId"


class CancelTask(types.Request[TaskParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    name_param = "taskId"


async def task_request(session: ClientSession, request: type[types.Request], task_id: str, **params: Any) -> dict:
    """Sends `tasks/get`, `tasks/update` or `tasks/cancel` and returns the raw result."""
    return await session.send_request(request(params=TaskParams(task_id=task_id, **params)), Raw)


class Tasks(ClientExtension):
    """Declares the extension and resolves task handles; `statuses` records every polled status."""

    identifier = TASKS_EXTENSION

    def __init__(self) -> None:
        self.created: list[CreateTaskResult] = []
        self.statuses: list[str] = []

    def claims(self):
        return [ResultClaim(result_type="task", model=CreateTaskResult, resolve=self.resolve)]

    async def resolve(self, created: CreateTaskResult, ctx: ClaimContext) -> types.CallToolResult:
        self.created.append(created)
        session = ctx.session
        while True:
            await anyio.sleep((created.poll_interval_ms or 100) / 1000)
            task = await task_request(session, GetTask, created.task_id)
            self.statuses.append(task["status"])
            match task["status"]:
                case "completed":
                    return types.CallToolResult.model_validate(task["result"])
                case "failed" | "cancelled":
                    raise RuntimeError(f"task {created.task_id} ended {task['status']}: {task}")
                case "input_required":
                    answers = {}
                    for key, raw in task["inputRequests"].items():
                        context = ClientRequestContext(session=session, request_id=key)
                        answer = await session.dispatch_input_request(context, InputRequest.validate_python(raw))
                        answers[key] = answer.model_dump(by_alias=True, mode="json", exclude_none=True)
                    await task_request(session, UpdateTask, created.task_id, input_responses=answers)
