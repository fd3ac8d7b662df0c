from typing import Any

from audit.models import AuditEvent
from audit.origin import current_origin, held_refusals


def audit_event(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    patient_id: int | None = None,
    allowed: bool = True,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """One entry, stamped with the current request's origin and id, not yet written."""
    origin = current_origin.get()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id)[:64],
        patient_id=patient_id,
        allowed=allowed,
        ip_address=origin.ip,
        user_agent=origin.user_agent,
        method=origin.method,
        path=origin.path,
        request_id=origin.request_id or None,
        detail=detail or {},
    )


def audit_record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    patient_id: int | None = None,
    allowed: bool = True,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry to the audit log, stamped with the current request's origin.

    A refusal (`allowed=False`) recorded during a request is written when the request's answer is
    known, with its status and reason added to `detail` (audit.middleware), and outside the view's
    transaction, so a rollback cannot lose it. Everything else is written at once.
    """
    event = audit_event(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        allowed=allowed,
        detail=detail,
    )
    held = held_refusals.get()
    if not allowed and held is not None:
        held.append(event)
    else:
        event.save()
    return event
