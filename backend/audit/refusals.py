"""Refused requests in the audit log: each 4xx answer is recorded with its status and reason.

The reason is read from the answer's own error body (`{"error": {"code", "message", "details"}}`,
config/error_shape.py), so that views, permission classes, throttles and middleware need no
auditing code of their own. Only the code, the message and the names of the fields a validation
error names are kept: never a request body, a password, a token or a field's rejected value.
"""

import json
import logging
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from audit.services import audit_event

logger = logging.getLogger(__name__)

# Paths whose refusals are recorded: the API, and the Django admin's sign-in (its limits and lockout).
AUDITED_PREFIXES = ("/api/", "/admin/login/")
MAX_BODY_READ = 64 * 1024
MAX_MESSAGE = 500
MAX_FIELDS = 20


def is_refusal(request: HttpRequest, response: HttpResponse | None) -> bool:
    return response is not None and 400 <= response.status_code < 500 and request.path.startswith(AUDITED_PREFIXES)


def refusal_reason(response: HttpResponse) -> dict[str, Any]:
    """{"status", "code", "message"} and, for a validation error, "fields": the names it refused."""
    reason: dict[str, Any] = {"status": response.status_code, "code": "", "message": response.reason_phrase}
    content = b"" if response.streaming else response.content[:MAX_BODY_READ]
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        try:
            error = json.loads(content).get("error")
        except (ValueError, AttributeError):
            error = None
        if isinstance(error, dict):
            reason["code"] = str(error.get("code", ""))[:64]
            reason["message"] = str(error.get("message", ""))[:MAX_MESSAGE]
            fields = (error.get("details") or {}).get("fields") if isinstance(error.get("details"), dict) else None
            if isinstance(fields, dict):
                reason["fields"] = sorted(str(name)[:64] for name in fields)[:MAX_FIELDS]
    elif content and len(content) <= MAX_MESSAGE and not content.lstrip().startswith(b"<"):
        # The admin sign-in's refusals are one plain sentence (not a page).
        reason["message"] = content.decode("utf-8", "replace")
    return reason


def refusals_write(request: HttpRequest, response: HttpResponse | None, held: list[AuditEvent]) -> None:
    """Write the refusals the request recorded, with the answer's reason; or one of its own.

    A refused answer with no refusal recorded by the code that refused it (a throttle, a failed
    authentication, a validation error, an unknown endpoint) gets one `request.refused` event.
    """
    reason = refusal_reason(response) if is_refusal(request, response) else None
    events = list(held)
    if reason is not None:
        for event in events:
            event.detail = {**event.detail, **reason}
        if not events:
            match = getattr(request, "resolver_match", None)
            kwargs = match.kwargs if match else {}
            user = getattr(request, "user", None)
            events.append(
                audit_event(
                    actor=user,
                    action="request.refused",
                    object_type="endpoint",
                    object_id=next(iter(kwargs.values()), ""),
                    allowed=False,
                    detail={**({"view": match.view_name} if match and match.view_name else {}), **reason},
                )
            )
    for event in events:
        try:
            event.save()
        except DatabaseError:
            # The answer is a refusal already; a database that cannot take its record must not
            # turn it into a server error. The log line keeps what the table could not.
            logger.exception("audit event not written: %s %s %s", event.action, event.path, event.detail)
