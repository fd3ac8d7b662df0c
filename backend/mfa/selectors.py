"""What a user's second factor is and what her session still needs: reads, no writes."""

from django.conf import settings
from django.db import models
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class SecondFactor(models.TextChoices):
    """What `GET /auth/me/` says a session needs before the API answers it."""

    VERIFIED = "verified", "A code was entered in this session"
    CODE_REQUIRED = "code_required", "Enter the current code (or a recovery code)"
    ENROLMENT_REQUIRED = "enrolment_required", "Set up an authenticator app first"
    OPTIONAL = "optional", "Not required for this role; can be turned on"


def second_factor_required(user) -> bool:
    return user.role in settings.MFA_REQUIRED_ROLES


def authenticator_get(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if she has set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_get(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user).first()


def second_factor_status(*, user, verified: bool) -> SecondFactor:
    """A user with an authenticator always needs a code, whatever her role; the roles in
    MFA_REQUIRED_ROLES need one even before they have set it up."""
    enrolled = authenticator_get(user) is not None
    if not enrolled and not second_factor_required(user):
        return SecondFactor.OPTIONAL
    if verified:
        return SecondFactor.VERIFIED
    return SecondFactor.CODE_REQUIRED if enrolled else SecondFactor.ENROLMENT_REQUIRED


def request_verified(request) -> bool:
    """Whether this request passed the second factor: a session where a code was entered
    (django-otp's OTPMiddleware), or an API token, which is only issued with a code."""
    if request.auth is not None:
        return True
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())
