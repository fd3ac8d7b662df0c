"""Where the current request came from, for audit entries written deep inside services."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOrigin:
    ip: str | None = None
    user_agent: str = ""
    method: str = ""
    path: str = ""
    # A UUID per request, also sent back as the X-Request-ID header; "" outside a request.
    request_id: str = ""


# Outside a request (management commands, tasks) entries carry an empty origin.
current_origin: ContextVar[RequestOrigin] = ContextVar("audit_request_origin", default=RequestOrigin())

# Inside a request, the refusals recorded so far: they are written when the answer is known, with
# its status and reason (audit.refusals). None outside a request: refusals are written at once.
held_refusals: ContextVar[list | None] = ContextVar("audit_held_refusals", default=None)
