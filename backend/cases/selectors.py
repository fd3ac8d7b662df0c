from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import patients_visible_to
from audit.access import audited_get
from cases.models import Case


def cases_visible_to(user: User) -> QuerySet[Case]:
    return Case.objects.filter(patient__in=patients_visible_to(user)).select_related("patient")


def case_get(*, user: User, case_id: int, action: str = "case.read", is_write: bool = False) -> Case:
    return audited_get(
        user=user,
        queryset=Case.objects.select_related("patient"),
        pk=case_id,
        object_type="case",
        action=action,
        patient_id_of=lambda case: case.patient_id,
        is_write=is_write,
    )
