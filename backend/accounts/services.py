import datetime
import logging
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import status

from accounts.lockout import sign_in_succeeded
from accounts.links import INVITATION_PAGE, RESET_PAGE, invitation_tokens, link_make, link_user, reset_tokens
from accounts.models import ApiToken, CareRelationship, Role, User
from audit.services import audit_record
from config.errors import ApplicationError

logger = logging.getLogger(__name__)


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(
            "The password is too weak.", code="weak_password", details={"password": list(exc.messages)}
        ) from None


def _ensure_username_free(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("That username is taken.", code="username_taken", status_code=status.HTTP_409_CONFLICT)


def _email_registered(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def _ensure_unique(*, username: str, email: str) -> None:
    _ensure_username_free(username)
    if _email_registered(email):
        raise ApplicationError(
            "That email is already registered.", code="email_taken", status_code=status.HTTP_409_CONFLICT
        )


def _unsaved_user(*, username: str, email: str, role: str, first_name: str, last_name: str) -> User:
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


def _new_user(*, username: str, email: str, role: str, first_name: str, last_name: str) -> User:
    _ensure_unique(username=username, email=email)
    return _unsaved_user(username=username, email=email, role=role, first_name=first_name, last_name=last_name)


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
def patient_register(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    date_of_birth: datetime.date | None = None,
    sex: str = "",
) -> User | None:
    """The new patient, or None when the e-mail already has an account: its owner is e-mailed.

    The caller answers both alike, so that sign-up does not tell who is registered here.
    """
    if not settings.PATIENT_SELF_REGISTRATION:
        raise ApplicationError(
            "Self-registration is closed; ask your clinic for an invitation.",
            code="registration_closed",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    user = _unsaved_user(username=username, email=email, role=Role.PATIENT, first_name=first_name, last_name=last_name)
    user.date_of_birth, user.sex = date_of_birth, sex
    _validate_password(password, user)
    _ensure_username_free(username)
    # Both ways hash the password and send one e-mail, so that neither is quicker to answer.
    user.set_password(password)
    if _email_registered(email):
        _mail_account_exists(email=email)
        audit_record(actor=None, action="user.register", object_type="user", allowed=False, detail={"email_registered": True})
        return None
    _save_new_user(user)
    _mail_on_commit(
        to=user.email,
        subject="Welcome to the patient portal",
        body=f"Hello {first_name or username},\n\nYour patient portal account is ready; your username is {username}. "
        f"Sign in at {settings.PUBLIC_BASE_URL}/.\n\nIf you did not create it, tell your clinic.",
    )
    audit_record(actor=user, action="user.register", object_type="user", object_id=user.pk, patient_id=user.pk)
    return user


def _mail_account_exists(*, email: str) -> None:
    owner = User.objects.get(email__iexact=email)
    link = f"{settings.PUBLIC_BASE_URL}{RESET_PAGE}"
    _mail_on_commit(
        to=owner.email,
        subject="Someone tried to open an account with your e-mail",
        body=f"Hello {owner.first_name or owner.username},\n\nSomeone, perhaps you, tried to create a patient portal "
        f"account with this e-mail address, which already has one (username {owner.username}). No new account "
        f"was made. If you forgot your password, choose a new one here:\n\n{link}\n\n"
        "If it was not you, you can ignore this e-mail.",
    )


def _mail_on_commit(*, to: str, subject: str, body: str) -> None:
    # Sent once the account is saved, never for a transaction that rolled back.
    transaction.on_commit(lambda: _mail_send(to=to, subject=subject, body=body))


def _mail_send(*, to: str, subject: str, body: str) -> None:
    """Send one e-mail; a mail server that cannot be reached is logged, not a 500 after the account
    was saved (the log names the subject only: addresses and links stay out of logs)."""
    try:
        send_mail(subject, body, None, [to])
    except (OSError, smtplib.SMTPException) as exc:
        logger.error("e-mail %r could not be sent: %s", subject, type(exc).__name__)


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
    """Create a patient without a password and email them a link to choose one.

    A doctor who invites a patient becomes her doctor; a clinic admin's invitee chooses hers.
    """
    user = _new_user(username=username, email=email, role=Role.PATIENT, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    _save_new_user(user)
    link = link_make(page=INVITATION_PAGE, user=user, tokens=invitation_tokens)
    audit_record(actor=invited_by, action="user.invite", object_type="user", object_id=user.pk, patient_id=user.pk)
    if invited_by.role == Role.DOCTOR:
        care_relationship_create(created_by=invited_by, doctor=invited_by, patient=user)
    _mail_on_commit(
        to=user.email,
        subject="Your patient portal invitation",
        body=f"Hello {first_name or username},\n\nYour clinic has invited you to the patient portal. "
        f"Choose your password here:\n\n{link}\n\nYour username is {username}.",
    )
    return user


@transaction.atomic
def invitation_accept(*, uid: str, token: str, password: str) -> User:
    # The token is bound to the password hash, so it stops working once a password is set.
    user = link_user(uid=uid, token=token, tokens=invitation_tokens)
    if user is None:
        raise ApplicationError("The invitation link is invalid or has expired.", code="invalid_invitation")
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="user.accept_invitation", object_type="user", object_id=user.pk, patient_id=user.pk)
    return user


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """E-mail a single-use link to choose a new password, if an active account uses `email`.

    The caller answers the same either way, so that the form does not tell who is registered.
    """
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    audit_record(
        actor=None,
        action="auth.password_reset_request",
        object_type="user",
        object_id="" if user is None else user.pk,
        allowed=user is not None,
        patient_id=user.pk if user is not None and user.is_patient else None,
    )
    if user is None:
        return
    link = link_make(page=RESET_PAGE, user=user, tokens=reset_tokens)
    hours = max(1, settings.PASSWORD_RESET_LINK_SECONDS // 3600)
    _mail_on_commit(
        to=user.email,
        subject="Choose a new password",
        body=f"Hello {user.first_name or user.username},\n\nSomeone, perhaps you, asked to reset the password of "
        f"your account (username {user.username}). Choose a new one here:\n\n{link}\n\n"
        f"The link works once, for {hours} hour{'s' if hours > 1 else ''}. If it was not you, ignore this e-mail: "
        "your password stays as it is.",
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, password: str) -> User:
    """Set the new password; every session and API token of the account ends with the old one."""
    user = link_user(uid=uid, token=token, tokens=reset_tokens)
    if user is None:
        raise ApplicationError(
            "The link is invalid, used or expired. Ask for a new one.", code="invalid_reset_link"
        )
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])  # revokes the API tokens (User.save)
    sign_in_succeeded(username=user.username)  # the e-mail proved her; a lockout would only hold her back
    audit_record(
        actor=user,
        action="auth.password_reset",
        object_type="user",
        object_id=user.pk,
        patient_id=user.pk if user.is_patient else None,
    )
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
def research_consent_set(*, patient: User, consent: bool) -> User:
    """The patient turns research use of her reviewed cases on or off.

    Exports made from then on follow it (backend/datasets); datasets exported before stay as they
    were made. Every request is audited, a repeat of the same choice too, so the log shows what she
    was told she had chosen and when.
    """
    if patient.role != Role.PATIENT:
        raise ApplicationError("Only patients give research consent.", code="not_a_patient")
    changed = patient.research_consent != consent
    if changed:
        patient.research_consent = consent
        patient.research_consent_changed_at = timezone.now()
        patient.save(update_fields=["research_consent", "research_consent_changed_at"])
    audit_record(
        actor=patient,
        action="account.research_consent",
        object_type="user",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail={"consent": "on" if consent else "off", "changed": changed},
    )
    return patient


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
def api_token_revoke(*, token: ApiToken, revoked_by: User) -> None:
    audit_record(actor=revoked_by, action="auth.token_revoke", object_type="api_token", object_id=token.pk)
    token.delete()


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
