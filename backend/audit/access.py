"""Selecting patient data on behalf of a user, with the read written to the audit log.

Selectors call these two and nothing else audits a read: `audited_get` for one object (404 when
the user may not see it), `audited_list` for the objects a list actually shows.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from accounts.models import User
from accounts.visibility import can_see_patient
from audit.services import audit_record
from config.errors import NotFoundError

M = TypeVar("M", bound=Model)

# What a list view shows of a selector's visible queryset: its filters and its page.
Page = Callable[[QuerySet], Iterable]


def audited_get(
    *,
    user: User,
    queryset: QuerySet[M],
    pk: int,
    object_type: str,
    action: str,
    patient_id_of: Callable[[M], int | None],
    visible: Callable[[M], bool] = lambda obj: True,
    is_write: bool = False,
    shown: bool = True,
) -> M:
    """Return the object if `user` may see it, else raise NotFoundError (404, never 403).

    Reads are written to the audit log either way. For writes (`is_write`) only a denial is
    written here: the service that performs an allowed write records it, with its details.
    An object that only opens the way to what the request shows (`shown=False`: the case whose
    images are listed) is not a read either: the list's event names it. `visible` narrows access
    further (e.g. patients do not see draft reports).
    """
    obj = queryset.filter(pk=pk).first()
    patient_id = patient_id_of(obj) if obj is not None else None
    allowed = obj is not None and can_see_patient(user=user, patient_id=patient_id) and visible(obj)
    if not allowed or (shown and not is_write):
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


def audited_list(
    *,
    user: User,
    objects: Iterable[M],
    object_type: str,
    action: str,
    patient_id_of: Callable[[M], int | None],
    detail: dict[str, Any] | None = None,
    patient_id: int | None = None,
) -> list[M]:
    """Return `objects` (what the user is shown, already narrowed to what they may see), audited.

    One entry per patient shown, naming the patient and the ids of that patient's objects in
    `detail["ids"]`, so that filtering the log by patient finds list reads too. A list that
    shows nothing is still recorded, once: with `patient_id` when the list belongs to one
    patient (a case's images), else without a patient.
    """
    shown = list(objects)
    ids_by_patient: dict[int | None, list[Any]] = {}
    for obj in shown:
        ids_by_patient.setdefault(patient_id_of(obj), []).append(obj.pk)
    for patient_id, ids in (ids_by_patient or {patient_id: []}).items():
        audit_record(
            actor=user,
            action=action,
            object_type=object_type,
            patient_id=patient_id,
            detail={**(detail or {}), "ids": ids},
        )
    return shown
