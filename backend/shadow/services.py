"""Promoting a candidate from shadow to active."""

from django.db import transaction

from accounts.models import User
from inference.registry import ModelPackage
from inference.services import model_activate
from shadow.selectors import shadow_packages_get


@transaction.atomic
def shadow_promote(*, name: str, version: str, actor: User, reason: str) -> ModelPackage:
    """Make the candidate `version`, in shadow now, the active version of model `name`.

    Audited as `model.activate` with the reason and, since an active version reads every case
    itself, `model.shadow_stop`. The version it replaces may then be put in shadow in turn.
    404 `not_in_shadow` for a version that is not in shadow: promotion is from the comparison.
    """
    shadow_packages_get(name, version)  # in shadow now, and a valid package
    return model_activate(name=name, version=version, actor=actor, reason=reason)
