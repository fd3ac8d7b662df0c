"""Choosing the active version of each model."""

import logging

from django.db import transaction
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from inference.models import ActiveModel
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
