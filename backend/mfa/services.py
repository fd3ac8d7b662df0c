"""Two-factor sign-in: setting up an authenticator app, checking codes, recovery codes, resets.

The devices are django-otp's: a TOTPDevice for the authenticator app (unconfirmed until its
first code is entered) and a StaticDevice holding the single-use recovery codes. A session is
verified once `django_otp.login` has stored the device that accepted a code in it.
"""

import base64
import math
from dataclasses import dataclass

import django_otp
import segno
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import status

from accounts.models import Role
from audit.services import audit_record
from config.errors import ApplicationError
from mfa.selectors import authenticator_get, recovery_codes_get, second_factor_required

RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class Enrolment:
    otpauth_uri: str
    secret: str  # base32, for typing into the app by hand
    qr_svg: str  # the URI as an inline SVG QR code


def _patient_id(user) -> int | None:
    return user.pk if user.role == Role.PATIENT else None


def _audit(*, user, action: str, allowed: bool = True, **detail) -> None:
    """An event of `user`'s own second factor, done by her."""
    audit_record(
        actor=user,
        action=action,
        object_type="user",
        object_id=user.pk,
        patient_id=_patient_id(user),
        allowed=allowed,
        detail=detail,
    )


def _is_authenticator_code(code: str) -> bool:
    """Authenticator codes are 6 digits; recovery codes are 8 letters and digits."""
    return len(code) == 6 and code.isdigit()


def _check_code(*, user, device, code: str, purpose: str):
    """`device` accepts `code`, or the refusal is audited and raised.

    The device row is locked while it checks, so one code cannot be accepted twice at once;
    django-otp refuses a code of a time step already used (replay) and, after each wrong code,
    refuses every code for 1, 2, 4, 8... seconds. The refusal is recorded after the check has
    committed, so neither the failure count nor the audit event is rolled back.
    """
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        accepted = allowed and device.verify_token(code)
    if accepted:
        return device
    _audit(user=user, action="mfa.verify", allowed=False, purpose=purpose,
           reason="wrong_code" if allowed else "too_many_attempts")
    if not allowed:
        locked_until = (why or {}).get("locked_until", timezone.now())
        wait = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        raise ApplicationError(
            f"Too many wrong codes. Wait {wait} seconds, then enter the current code.",
            code="too_many_attempts",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            details={"retry_after": wait},
        )
    raise ApplicationError(
        "That code is not right. Enter the current 6-digit code from your authenticator app, or a recovery code.",
        code="invalid_code",
    )


def _device_for_code(*, user, code: str):
    """The device that checks `code`: the authenticator for 6 digits, else the recovery codes."""
    authenticator = authenticator_get(user)
    if authenticator is None:
        raise ApplicationError(
            "Two-factor sign-in is not set up for this account yet.",
            code="second_factor_enrolment_required",
            status_code=status.HTTP_409_CONFLICT,
        )
    if _is_authenticator_code(code):
        return authenticator
    return recovery_codes_get(user) or authenticator


def _verified(request, device) -> None:
    """Mark this session verified by `device`, under a new session key: a key that leaked
    between the password and the code is not the one that ends up verified."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _normalised(code: str) -> str:
    return "".join(code.split()).lower()


def enrolment_start(*, user) -> Enrolment:
    """A new, unconfirmed authenticator for `user`, replacing one she started and did not confirm."""
    if authenticator_get(user) is not None:
        raise ApplicationError(
            "Two-factor sign-in is already set up. A clinic administrator can reset it.",
            code="already_enrolled",
            status_code=status.HTTP_409_CONFLICT,
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        _audit(user=user, action="mfa.enrol_start")
    uri = device.config_url
    return Enrolment(
        otpauth_uri=uri,
        secret=base64.b32encode(device.bin_key).decode(),
        qr_svg=segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app"),
    )


def enrolment_confirm(*, request, code: str) -> list[str]:
    """The first code from the new authenticator confirms it and verifies this session.

    Returns the recovery codes, shown this once: each signs in once instead of a code.
    """
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise ApplicationError(
            "Start setting up two-factor sign-in first.",
            code="enrolment_not_started",
            status_code=status.HTTP_409_CONFLICT,
        )
    device = _check_code(user=user, device=device, code=_normalised(code), purpose="enrolment")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name="Recovery codes")
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=token) for token in codes)
        _audit(user=user, action="mfa.enrol")
    _verified(request, device)
    return codes


def second_factor_verify(*, request, code: str) -> None:
    """A code from the authenticator, or an unused recovery code, verifies this session."""
    user = request.user
    code = _normalised(code)
    device = _check_code(user=user, device=_device_for_code(user=user, code=code), code=code, purpose="sign_in")
    _verified(request, device)
    if isinstance(device, StaticDevice):
        _audit(user=user, action="mfa.recovery_code_used", codes_left=device.token_set.count())
    else:
        _audit(user=user, action="mfa.verify")


def token_second_factor_check(*, user, code: str) -> None:
    """An API token skips the second factor on every call, so it is issued only with a code."""
    if authenticator_get(user) is None:
        if not second_factor_required(user):
            return
        raise ApplicationError(
            "Set up two-factor sign-in in the web app before asking for an API token.",
            code="second_factor_enrolment_required",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    code = _normalised(code or "")
    if not code:
        raise ApplicationError(
            "This account signs in with a second factor: add the current code from the authenticator app as `code`.",
            code="second_factor_required",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    device = _check_code(user=user, device=_device_for_code(user=user, code=code), code=code, purpose="api_token")
    _audit(user=user, action="mfa.recovery_code_used" if isinstance(device, StaticDevice) else "mfa.verify",
           purpose="api_token")


@transaction.atomic
def second_factor_reset(*, user, reset_by) -> None:
    """Remove `user`'s authenticator and recovery codes (a lost phone): she sets up a new one
    at her next sign-in, and sessions verified with the old one are no longer verified.
    `reset_by` is the clinic admin, or None for `manage.py mfa_reset` on the server."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=reset_by,
        action="mfa.reset",
        object_type="user",
        object_id=user.pk,
        patient_id=_patient_id(user),
        detail={} if reset_by else {"by": "manage.py mfa_reset"},
    )
