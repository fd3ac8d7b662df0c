"""Where the current request came from, for audit entries written deep inside services."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOrigin:
    ip: str | None = None
    user_agent: str = ""
    method: str = ""
    path: str = ""


# Outside a request (management commands, tasks) entries carry an empty origin.
current_origin: ContextVar[RequestOrigin] = ContextVar("audit_request_origin", default=RequestOrigin())
