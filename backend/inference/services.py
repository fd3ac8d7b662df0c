"""Choosing the active version of each model, and the candidate versions that read in shadow."""

import logging

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from inference.models import ActiveModel, ShadowCandidate
from inference.registry import ModelPackage, PackageError, package_get

logger = logging.getLogger(__name__)


@transaction.atomic
def model_activate(*, name: str, version: str, actor: User, reason: str) -> ModelPackage:
    """Make `version` the one new server readings of model `name` use; the audit event keeps who and why."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why this version is activated.", code="reason_required")
    try:
        package = package_get(name, version)
    except PackageError as exc:
        raise ApplicationError(str(exc), code="unknown_model", status_code=status.HTTP_404_NOT_FOUND) from None
    ActiveModel.objects.update_or_create(name=name, defaults={"version": version, "activated_by": actor})
    detail = {"version": version, "reason": reason}
    audit_record(actor=actor, action="model.activate", object_type="model", object_id=name, detail=detail)
    # The active version reads every case itself: its shadow period, if any, ends here.
    if ShadowCandidate.objects.filter(name=name, version=version, ended_at__isnull=True).exists():
        shadow_stop(name=name, version=version, actor=actor, reason=f"activated: {reason}")
    return package


@transaction.atomic
def model_pin(*, name: str, version: str) -> str:
    """Keep `version` active for model `name` unless a version is chosen already; returns the active one.

    A system action, audited without an actor: it makes the version in use on first sight stay in
    use, so that copying a newer package into place waits for an admin to activate it.
    """
    row, created = ActiveModel.objects.get_or_create(name=name, defaults={"version": version})
    if created:
        logger.info("model %s: version %s pinned as active (no version was chosen yet)", name, version)
        audit_record(
            actor=None,
            action="model.activate",
            object_type="model",
            object_id=name,
            detail={"version": version, "pinned": "the newest installed version, as none was chosen yet"},
        )
    return row.version


def _reason_given(reason: str, *, doing: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(f"Say why this version {doing}.", code="reason_required")
    return reason


@transaction.atomic
def shadow_start(*, name: str, version: str, actor: User, reason: str) -> ShadowCandidate:
    """Put an installed, inactive version of model `name` in shadow: it reads every new case apart.

    Refused: an unknown or invalid package (404), the active version, a version of another exam
    type than the active one, or one already in shadow (409).
    """
    from inference.selectors import model_active_get  # selectors call model_pin, in this module

    reason = _reason_given(reason, doing="goes in shadow")
    try:
        package = package_get(name, version)
        active = model_active_get(name)
    except PackageError as exc:
        raise ApplicationError(str(exc), code="unknown_model", status_code=status.HTTP_404_NOT_FOUND) from None
    if package.version == active.version:
        raise ApplicationError(
            f"{name} {version} is the active version: it reads every case already. Put another version in shadow.",
            code="shadow_is_active",
            status_code=status.HTTP_409_CONFLICT,
        )
    if package.exam_type != active.exam_type:
        raise ApplicationError(
            f"{name} {version} reads {package.exam_type_label or 'no named exam type'}, but the active version "
            f"reads {active.exam_type_label or 'no named exam type'}: a shadow reads the same cases as the active one.",
            code="shadow_wrong_exam_type",
            status_code=status.HTTP_409_CONFLICT,
        )
    # Lock the model's shadow rows so that two admins starting the same version at once get one row.
    running = ShadowCandidate.objects.select_for_update().filter(name=name, ended_at__isnull=True)
    if any(candidate.version == version for candidate in running):
        raise ApplicationError(
            f"{name} {version} is in shadow already.", code="already_in_shadow", status_code=status.HTTP_409_CONFLICT
        )
    candidate = ShadowCandidate.objects.create(name=name, version=version, reason=reason, started_by=actor)
    audit_record(
        actor=actor,
        action="model.shadow_start",
        object_type="model",
        object_id=name,
        detail={"version": version, "active": active.version, "reason": reason},
    )
    return candidate


@transaction.atomic
def shadow_stop(*, name: str, version: str, actor: User, reason: str) -> ShadowCandidate:
    """End the shadow period of `version`: new cases are no longer read by it (404 when not in shadow)."""
    reason = _reason_given(reason, doing="leaves shadow")
    candidate = (
        ShadowCandidate.objects.select_for_update().filter(name=name, version=version, ended_at__isnull=True).first()
    )
    if candidate is None:
        raise ApplicationError(
            f"{name} {version} is not in shadow.", code="not_in_shadow", status_code=status.HTTP_404_NOT_FOUND
        )
    candidate.ended_at, candidate.ended_by, candidate.end_reason = timezone.now(), actor, reason
    candidate.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(
        actor=actor,
        action="model.shadow_stop",
        object_type="model",
        object_id=name,
        detail={"version": version, "reason": reason},
    )
    return candidate
