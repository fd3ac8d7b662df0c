"""The practice's shared queue (PRACTICE_QUEUE): sent cases of patients who have no doctor yet.

Any doctor of the practice sees them, with only what she needs to decide to take one, and taking
one makes her the patient's doctor. One installation is one practice.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from rest_framework import status

from accounts.ages import age_in_years
from accounts.models import User
from accounts.selectors import active_care
from accounts.services import care_relationship_create
from audit.access import Page, audited_list
from audit.services import audit_record
from cases.models import Case, CaseStatus
from config.errors import ApplicationError, NotFoundError

# Sent and waiting for a doctor: a case moves on to "in review" only when a doctor writes its report.
WAITING = (CaseStatus.SUBMITTED, CaseStatus.AI_READ)


def queue_check_on(*, user: User) -> None:
    """Without the queue its endpoints do not exist: 404, recorded like any refusal."""
    if not settings.PRACTICE_QUEUE:
        audit_record(actor=user, action="queue.read", object_type="queue", allowed=False, detail={"reason": "queue_off"})
        raise ApplicationError(
            "This practice has no shared queue: every patient chooses her doctor.",
            code="not_found",
            status_code=status.HTTP_404_NOT_FOUND,
        )


def _sent_cases() -> QuerySet[Case]:
    return Case.objects.filter(status__in=WAITING, withdrawn_at__isnull=True).select_related("patient")


def queued_cases() -> QuerySet[Case]:
    """Sent, not withdrawn cases of patients with no doctor now, oldest first."""
    has_a_doctor = Exists(active_care().filter(patient_id=OuterRef("patient_id")))
    return _sent_cases().filter(~has_a_doctor).order_by("submitted_at", "id")


def queue_list(*, user: User, page: Page = list) -> list[Case]:
    """What a doctor is shown of the queue, audited (one event per patient shown)."""
    return audited_list(
        user=user,
        objects=page(queued_cases()),
        object_type="case",
        action="case.queue_list",
        patient_id_of=lambda case: case.patient_id,
    )


def patient_age(case: Case) -> int | None:
    """The patient's age today in whole years, if she gave her date of birth."""
    born = case.patient.date_of_birth
    return None if born is None else age_in_years(born, timezone.localdate())


@transaction.atomic
def case_take(*, case_id: int, doctor: User) -> Case:
    """The doctor takes a queued case: she becomes the patient's doctor, so the case (and any other
    case of hers) leaves the queue for her worklist. A case someone took already answers 409."""
    case = _sent_cases().filter(pk=case_id).first()
    if case is None:
        # Never sent, withdrawn, already in review, or no such case: nothing to take.
        audit_record(actor=doctor, action="case.take", object_type="case", object_id=case_id, allowed=False)
        raise NotFoundError("case")
    # Two doctors taking at once: the patient's row orders them, and the second finds the first's care.
    User.objects.select_for_update().filter(pk=case.patient_id).first()
    taken_by = active_care().filter(patient_id=case.patient_id).select_related("doctor").first()
    if taken_by is not None:
        audit_record(
            actor=doctor,
            action="case.take",
            object_type="case",
            object_id=case.pk,
            patient_id=case.patient_id,
            allowed=False,
            detail={"reason": "already_taken"},
        )
        mine = taken_by.doctor_id == doctor.pk
        raise ApplicationError(
            "You have taken this case already: it is on your worklist."
            if mine
            else "Another doctor has taken this case already.",
            code="already_taken",
            status_code=status.HTTP_409_CONFLICT,
        )
    care_relationship_create(created_by=doctor, doctor=doctor, patient=case.patient)
    audit_record(actor=doctor, action="case.take", object_type="case", object_id=case.pk, patient_id=case.patient_id)
    return case
