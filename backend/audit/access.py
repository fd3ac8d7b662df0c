"""Fetching one piece of patient data on behalf of a user, with the decision audited."""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet

from accounts.models import User
from accounts.selectors import can_see_patient
from audit.services import audit_record
from config.errors import NotFoundError

M = TypeVar("M", bound=Model)


def audited_get(
    *,
    user: User,
    queryset: QuerySet[M],
    pk: int,
    object_type: str,
    action: str,
    patient_id_of: Callable[[M], int],
    visible: Callable[[M], bool] = lambda obj: True,
    is_write: bool = False,
) -> M:
    """Return the object if `user` may see it, else raise NotFoundError (404, never 403).

    Reads are written to the audit log either way. For writes (`is_write`) only a denial is
    written here: the service that performs an allowed write records it, with its details.
    `visible` narrows access further (e.g. patients do not see draft reports).
    """
    obj = queryset.filter(pk=pk).first()
    patient_id = patient_id_of(obj) if obj is not None else None
    allowed = obj is not None and can_see_patient(user=user, patient_id=patient_id) and visible(obj)
    if not allowed or not is_write:
        audit_record(
            actor=user,
            action=action,
            object_type=object_type,
            object_id=pk,
            patient_id=patient_id,
            allowed=allowed,
        )
    if not allowed:
        raise NotFoundError(object_type)
    return obj
