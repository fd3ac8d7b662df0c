from collections.abc import Callable

from django.db.models import Model, QuerySet

from accounts.models import User
from accounts.selectors import care_team_prefetch
from accounts.visibility import patients_visible_to
from audit.access import Page, audited_get, audited_list
from cases.models import Case


def cases_in_use() -> QuerySet[Case]:
    """Every case but the withdrawn ones, which stay in the database for the record only."""
    return Case.objects.filter(withdrawn_at__isnull=True)


def cases_visible_to(user: User) -> QuerySet[Case]:
    cases = cases_in_use().filter(patient__in=patients_visible_to(user)).select_related("patient")
    return cases.prefetch_related(care_team_prefetch("patient"))  # CaseSerializer.care_team, one query a page


def case_list(*, user: User, page: Page = list) -> list[Case]:
    """The cases `user` may see, narrowed by `page` (the view's filters and page), audited as shown."""
    return audited_list(
        user=user,
        objects=page(cases_visible_to(user)),
        object_type="case",
        action="case.list",
        patient_id_of=lambda case: case.patient_id,
    )


def case_contents_list(
    *, user: User, case_id: int, object_type: str, contents: Callable[[Case], QuerySet]
) -> list[Model]:
    """What a case holds (its images, readings or reports), for a user who may see the case, audited.

    The request shows the contents, not the case: one event names them and their case, and the
    case itself is recorded only when it is refused.
    """
    case = case_get(user=user, case_id=case_id, shown=False)
    return audited_list(
        user=user,
        objects=contents(case),
        object_type=object_type,
        action=f"{object_type}.list",
        patient_id_of=lambda obj: case.patient_id,
        detail={"case": case.pk},
        patient_id=case.patient_id,
    )


def case_get(
    *, user: User, case_id: int, action: str = "case.read", is_write: bool = False, shown: bool = True
) -> Case:
    return audited_get(
        user=user,
        queryset=cases_in_use().select_related("patient"),
        pk=case_id,
        object_type="case",
        action=action,
        patient_id_of=lambda case: case.patient_id,
        is_write=is_write,
        shown=shown,
    )
