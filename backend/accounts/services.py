import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework import status

from accounts.models import ApiToken, CareRelationship, Role, User
from audit.services import audit_record
from config.errors import ApplicationError


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(
            "The password is too weak.", code="weak_password", details={"password": list(exc.messages)}
        ) from None


def _ensure_unique(*, username: str, email: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("That username is taken.", code="username_taken", status_code=status.HTTP_409_CONFLICT)
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            "That email is already registered.", code="email_taken", status_code=status.HTTP_409_CONFLICT
        )


def _new_user(*, username: str, email: str, role: str, first_name: str, last_name: str) -> User:
    _ensure_unique(username=username, email=email)
    return User(
        username=username,
        email=User.objects.normalize_email(email),
        role=role,
        first_name=first_name,
        last_name=last_name,
        # Clinic admins manage the site through the Django admin.
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )


def _save_new_user(user: User) -> None:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups raced past the checks above; the database kept the first.
        raise ApplicationError(
            "That username or email is already registered.",
            code="account_exists",
            status_code=status.HTTP_409_CONFLICT,
        ) from None


@transaction.atomic
def patient_register(*, username: str, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    if not settings.PATIENT_SELF_REGISTRATION:
        raise ApplicationError(
            "Self-registration is closed; ask your clinic for an invitation.",
            code="registration_closed",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    user = _new_user(username=username, email=email, role=Role.PATIENT, first_name=first_name, last_name=last_name)
    _validate_password(password, user)
    user.set_password(password)
    _save_new_user(user)
    audit_record(actor=user, action="user.register", object_type="user", object_id=user.pk, patient_id=user.pk)
    return user


@transaction.atomic
def user_create(
    *,
    created_by: User,
    username: str,
    email: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a doctor or an admin account (patients register or are invited)."""
    if role not in (Role.DOCTOR, Role.ADMIN):
        raise ApplicationError("Only doctor and admin accounts are created here; invite patients.", code="invalid_role")
    user = _new_user(username=username, email=email, role=role, first_name=first_name, last_name=last_name)
    _validate_password(password, user)
    user.set_password(password)
    _save_new_user(user)
    audit_record(actor=created_by, action="user.create", object_type="user", object_id=user.pk, detail={"role": role})
    return user


@transaction.atomic
def patient_invite(*, invited_by: User, username: str, email: str, first_name: str = "", last_name: str = "") -> User:
    """Create a patient without a password and email them a link to choose one."""
    user = _new_user(username=username, email=email, role=Role.PATIENT, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    _save_new_user(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{settings.PUBLIC_BASE_URL}/invitation/?uid={uid}&token={token}"
    audit_record(actor=invited_by, action="user.invite", object_type="user", object_id=user.pk, patient_id=user.pk)
    transaction.on_commit(
        lambda: send_mail(
            "Your patient portal invitation",
            f"Hello {first_name or username},\n\nYour clinic has invited you to the patient portal. "
            f"Choose your password here:\n\n{link}\n\nYour username is {username}.",
            None,
            [user.email],
        )
    )
    return user


@transaction.atomic
def invitation_accept(*, uid: str, token: str, password: str) -> User:
    invalid = ApplicationError("The invitation link is invalid or has expired.", code="invalid_invitation")
    try:
        user = User.objects.select_for_update().get(pk=int(force_str(urlsafe_base64_decode(uid))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise invalid from None
    # The token is bound to the password hash, so it stops working once a password is set.
    if not user.is_active or not default_token_generator.check_token(user, token):
        raise invalid
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="user.accept_invitation", object_type="user", object_id=user.pk, patient_id=user.pk)
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    changed_by: User,
    is_active: bool | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    changes = {}
    for field, value in (("is_active", is_active), ("first_name", first_name), ("last_name", last_name)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changes[field] = value
    if changes.get("is_active") is False and user.pk == changed_by.pk:
        raise ApplicationError("You cannot deactivate your own account.", code="cannot_deactivate_self")
    user.save()
    if changes.get("is_active") is False:
        logout_everywhere(user=user, requested_by=changed_by)
    audit_record(
        actor=changed_by,
        action="user.update",
        object_type="user",
        object_id=user.pk,
        patient_id=user.pk if user.role == Role.PATIENT else None,
        detail=changes,
    )
    return user


@transaction.atomic
def logout_everywhere(*, user: User, requested_by: User | None = None) -> None:
    """End every session and revoke every API token of `user` (at their or an admin's request)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    ApiToken.objects.filter(user=user).delete()
    audit_record(actor=requested_by or user, action="auth.logout_everywhere", object_type="user", object_id=user.pk)


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Return the token and its key; the key is not stored and cannot be shown again."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_record(actor=user, action="auth.token_create", object_type="api_token", object_id=token.pk)
    return token, key


@transaction.atomic
def care_relationship_create(*, created_by: User, doctor: User, patient: User) -> CareRelationship:
    if doctor.role != Role.DOCTOR:
        raise ApplicationError("The doctor account does not have the doctor role.", code="not_a_doctor")
    if patient.role != Role.PATIENT:
        raise ApplicationError("The patient account does not have the patient role.", code="not_a_patient")
    if CareRelationship.objects.filter(doctor=doctor, patient_id=patient.pk, ended_at__isnull=True).exists():
        raise ApplicationError(
            "This doctor already cares for this patient.", code="already_linked", status_code=status.HTTP_409_CONFLICT
        )
    relationship = CareRelationship.objects.create(doctor=doctor, patient_id=patient.pk, created_by=created_by)
    audit_record(
        actor=created_by,
        action="care.create",
        object_type="care_relationship",
        object_id=relationship.pk,
        patient_id=patient.pk,
        detail={"doctor": doctor.pk},
    )
    return relationship


@transaction.atomic
def care_relationship_end(*, ended_by: User, relationship: CareRelationship) -> CareRelationship:
    if relationship.ended_at is None:
        relationship.ended_at = timezone.now()
        relationship.save(update_fields=["ended_at"])
    audit_record(
        actor=ended_by,
        action="care.end",
        object_type="care_relationship",
        object_id=relationship.pk,
        patient_id=relationship.patient_id,
        detail={"doctor": relationship.doctor_id},
    )
    return relationship
