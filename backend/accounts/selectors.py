from django.db.models import Prefetch, QuerySet

from accounts.models import ApiToken, CareRelationship, Role, User
from accounts.visibility import patients_visible_to
from audit.access import Page, audited_get, audited_list
from audit.services import audit_record
from config.errors import NotFoundError


def _patient_id_of_account(account: User) -> int | None:
    return account.pk if account.role == Role.PATIENT else None


def patient_list(*, user: User, page: Page = list) -> list[User]:
    """The patients `user` may see (a doctor's, or all for an admin), as shown, audited."""
    patients = patients_visible_to(user).order_by("last_name", "first_name", "username")
    return audited_list(
        user=user,
        objects=page(patients),
        object_type="patient",
        action="patient.list",
        patient_id_of=lambda patient: patient.pk,
    )


def user_list(*, user: User, page: Page = list) -> list[User]:
    """Every account, for clinic admins; patients' accounts are their data, so the read is audited."""
    return audited_list(
        user=user,
        objects=page(User.objects.order_by("username")),
        object_type="user",
        action="user.list",
        patient_id_of=_patient_id_of_account,
    )


def patient_get(*, user: User, patient_id: int, action: str) -> User:
    """A patient's account, if `user` may see her (404 otherwise), audited as `action`."""
    return audited_get(
        user=user,
        queryset=User.objects.filter(role=Role.PATIENT),
        pk=patient_id,
        object_type="patient",
        action=action,
        patient_id_of=lambda patient: patient.pk,
    )


def user_get(*, user: User, user_id: int, action: str = "user.read", is_write: bool = False) -> User:
    return audited_get(
        user=user,
        queryset=User.objects.all(),
        pk=user_id,
        object_type="user",
        action=action,
        patient_id_of=_patient_id_of_account,
        is_write=is_write,
    )


def care_relationships_visible_to(user: User) -> QuerySet[CareRelationship]:
    relationships = CareRelationship.objects.select_related("doctor", "patient")
    if user.role == Role.ADMIN:
        return relationships
    if user.role == Role.DOCTOR:
        # Only current care: a doctor whose care ended no longer sees that patient, not even the link.
        return relationships.filter(doctor=user, ended_at__isnull=True)
    # A patient keeps the history of who cared for her.
    return relationships.filter(patient=user)


def care_relationship_list(*, user: User, page: Page = list) -> list[CareRelationship]:
    return audited_list(
        user=user,
        objects=page(care_relationships_visible_to(user)),
        object_type="care_relationship",
        action="care.list",
        patient_id_of=lambda relationship: relationship.patient_id,
    )


def care_relationship_get(*, user: User, relationship_id: int, action: str, is_write: bool = False) -> CareRelationship:
    return audited_get(
        user=user,
        queryset=care_relationships_visible_to(user),
        pk=relationship_id,
        object_type="care_relationship",
        action=action,
        patient_id_of=lambda relationship: relationship.patient_id,
        is_write=is_write,
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The caller's own tokens, newest first; nobody lists another person's."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get(*, user: User, token_id: int) -> ApiToken:
    token = api_token_list(user=user).filter(pk=token_id).first()
    if token is None:
        # Someone else's token, or none: the same 404, and the attempt is recorded like any refusal.
        audit_record(actor=user, action="auth.token_revoke", object_type="api_token", object_id=token_id, allowed=False)
        raise NotFoundError("token")
    return token


def doctor_list() -> QuerySet[User]:
    """The practice's active doctors (one installation is one practice), by name."""
    return User.objects.filter(role=Role.DOCTOR, is_active=True).order_by("last_name", "first_name", "username")


def display_name(user: User) -> str:
    """How a person is named to others: the full name, else the username."""
    return user.get_full_name() or user.username


def active_care() -> QuerySet[CareRelationship]:
    """Care going on now: not ended, by a doctor whose account is active."""
    return CareRelationship.objects.filter(ended_at__isnull=True, doctor__is_active=True)


def has_a_doctor(*, patient_id: int) -> bool:
    return active_care().filter(patient_id=patient_id).exists()


def care_team_prefetch(patient_path: str) -> Prefetch:
    """Prefetches the active care of the patients at `patient_path` (e.g. "patient"), for care_team()."""
    links = active_care().select_related("doctor").order_by("started_at", "id")
    return Prefetch(f"{patient_path}__doctor_links", queryset=links, to_attr="active_care")


def care_team(patient: User) -> list[str]:
    """The names of the patient's doctors now, oldest link first; prefetched by care_team_prefetch."""
    links = getattr(patient, "active_care", None)
    if links is None:
        links = active_care().filter(patient=patient).select_related("doctor").order_by("started_at", "id")
    return [display_name(link.doctor) for link in links]
