"""Whose patient data a user may see: the one rule behind every list and every object read."""

from django.db.models import QuerySet

from accounts.models import CareRelationship, Role, User


def patients_visible_to(user: User) -> QuerySet[User]:
    """The patients whose data `user` may see: themselves, those under their care, or all."""
    patients = User.objects.filter(role=Role.PATIENT)
    if user.role == Role.ADMIN:
        return patients
    if user.role == Role.DOCTOR:
        return patients.filter(doctor_links__doctor=user, doctor_links__ended_at__isnull=True).distinct()
    if user.role == Role.PATIENT:
        return patients.filter(pk=user.pk)
    return patients.none()


def can_see_patient(*, user: User, patient_id: int | None) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.PATIENT:
        return user.pk == patient_id
    if user.role == Role.DOCTOR:
        return CareRelationship.objects.filter(doctor=user, patient_id=patient_id, ended_at__isnull=True).exists()
    return False
