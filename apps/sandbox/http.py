"""The request/response types sandbox handlers use. Handlers are plain functions
`handler(request: SandboxRequest) -> SandboxResponse`, registered by route name (apps/sessionm/routes.py,
apps/braze/routes.py); apps/sandbox/server.py matches paths, checks auth, injects faults and dispatches."""

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SandboxRequest:
    upstream: str  # "sessionm-core" | "sessionm-connect" | "sessionm-pos" | "braze"
    route: str  # route name from the vendor's route table
    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    json: Any = None  # parsed body, or None when empty

    def arg(self, name: str, default=None):
        """First value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class SandboxResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, separators=(",", ":"), default=str).encode("utf-8")


def ok(body: Any, status: int = 200, headers: dict | None = None) -> SandboxResponse:
    return SandboxResponse(status=status, body=body, headers=headers or {})
