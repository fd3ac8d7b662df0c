from typing import Any

from audit.models import AuditEvent
from audit.origin import current_origin


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
    """Append one entry to the audit log, stamped with the current request's origin."""
    origin = current_origin.get()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
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
        detail=detail or {},
    )
