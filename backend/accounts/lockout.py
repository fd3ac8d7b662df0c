"""Account lockout: repeated failed sign-ins lock a username for a time that doubles each time.

Counted by username (lower-cased), whatever the address, in the database so that every web
process sees the same count. A lockout ends by itself or when a clinic admin lifts it.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import SignInLockout, User
from audit.services import audit_record


def lockout_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return (
        f"Too many failed sign-ins for this username. Try again in {minutes} minute{'s' if minutes > 1 else ''}, "
        "or ask your clinic to unlock your account."
    )


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def lockout_seconds_left(*, username: str) -> int:
    """Seconds until `username` may try again; 0 when it is not locked."""
    lockout = SignInLockout.objects.filter(username=_key(username), locked_until__isnull=False).first()
    if lockout is None:
        return 0
    return max(0, int((lockout.locked_until - timezone.now()).total_seconds() + 0.999))


@transaction.atomic
def sign_in_failed(*, username: str) -> None:
    """Count a failure; every SIGN_IN_LOCKOUT_FAILURES-th in a row locks the name, longer each time."""
    lockout, _ = SignInLockout.objects.select_for_update().get_or_create(username=_key(username))
    lockout.failures += 1
    lockouts, remainder = divmod(lockout.failures, settings.SIGN_IN_LOCKOUT_FAILURES)
    if remainder == 0:
        seconds = min(settings.SIGN_IN_LOCKOUT_SECONDS * 2 ** (lockouts - 1), settings.SIGN_IN_LOCKOUT_MAX_SECONDS)
        lockout.locked_until = timezone.now() + timedelta(seconds=seconds)
        audit_record(
            actor=None,
            action="auth.lockout",
            object_type="user",
            allowed=False,
            detail={"username": lockout.username, "failures": lockout.failures, "seconds": seconds},
        )
    lockout.save()


def sign_in_succeeded(*, username: str) -> None:
    SignInLockout.objects.filter(username=_key(username)).delete()


@transaction.atomic
def lockout_lift(*, user: User, lifted_by: User) -> None:
    """A clinic admin lets the account sign in again (and starts its count afresh)."""
    SignInLockout.objects.filter(username=_key(user.username)).delete()
    audit_record(
        actor=lifted_by,
        action="user.unlock",
        object_type="user",
        object_id=user.pk,
        patient_id=user.pk if user.is_patient else None,
    )
