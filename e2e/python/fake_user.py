"""A scripted user and LLM behind the client's elicitation, sampling, roots and logging callbacks."""

from typing import Any

import mcp_types as types

ANSWERS: dict[str, Any] = {"name": "Ada", "color": "blue", "context": "testing", "confirm": True, "ok": True}


class FakeUser:
    """Answers every form field it knows from `ANSWERS`, samples "Paris", and records what it was asked."""

    def __init__(self) -> None:
        self.elicitations: list[types.ElicitRequestParams] = []
        self.samplings: list[types.CreateMessageRequestParams] = []
        self.logs: list[types.LoggingMessageNotificationParams] = []

    async def elicit(self, _context, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.elicitations.append(params)
        fields = params.requested_schema["properties"]
        return types.ElicitResult(action="accept", content={name: ANSWERS[name] for name in fields})

    async def sample(self, _context, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        self.samplings.append(params)
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text="Paris"), model="e2e-fake-model"
        )

    async def roots(self, _context) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri="file:///tmp/e2e", name="e2e")])

    async def log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append(params)

    def options(self) -> dict[str, Any]:
        """`Client(...)` keyword arguments wiring all four callbacks."""
        return {
            "elicitation_callback": self.elicit,
            "sampling_callback": self.sample,
            "list_roots_callback": self.roots,
            "logging_callback": self.log,
        }
