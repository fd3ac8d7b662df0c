from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import Role, User
from accounts.selectors import has_a_doctor
from audit.services import audit_record
from cases.models import Case, CaseStatus
from config.errors import ApplicationError

# Each state and the states it may move to. Reported cases reopen only through amendments,
# which do not change the state.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.DRAFT: {CaseStatus.SUBMITTED},
    CaseStatus.SUBMITTED: {CaseStatus.AI_READ, CaseStatus.IN_REVIEW},
    CaseStatus.AI_READ: {CaseStatus.IN_REVIEW},
    CaseStatus.IN_REVIEW: {CaseStatus.REPORTED},
    CaseStatus.REPORTED: set(),
}


def case_transition(*, case: Case, to: str, actor: User | None) -> Case:
    """Move `case` to state `to`, refusing moves the workflow does not allow (409)."""
    if to not in TRANSITIONS[case.status]:
        raise ApplicationError(
            f"A {case.get_status_display().lower()} case cannot become {CaseStatus(to).label.lower()}.",
            code="invalid_transition",
            status_code=status.HTTP_409_CONFLICT,
            details={"from": case.status, "to": to},
        )
    previous = case.status
    case.status = to
    now = timezone.now()
    if to == CaseStatus.SUBMITTED:
        case.submitted_at = now
    if to == CaseStatus.REPORTED:
        case.reported_at = now
    case.save(update_fields=["status", "submitted_at", "reported_at", "updated_at"])
    audit_record(
        actor=actor,
        action="case.transition",
        object_type="case",
        object_id=case.pk,
        patient_id=case.patient_id,
        detail={"from": previous, "to": to},
    )
    return case


@transaction.atomic
def case_create(
    *, created_by: User, patient: User, title: str, description: str = "", exam_type: str = "chest_xray"
) -> Case:
    if patient.role != Role.PATIENT:
        raise ApplicationError("Cases belong to patients.", code="not_a_patient")
    case = Case.objects.create(
        patient=patient, created_by=created_by, title=title, description=description, exam_type=exam_type
    )
    audit_record(actor=created_by, action="case.create", object_type="case", object_id=case.pk, patient_id=patient.pk)
    return case


@transaction.atomic
def case_update(
    *,
    case: Case,
    changed_by: User,
    title: str | None = None,
    description: str | None = None,
    exam_type: str | None = None,
) -> Case:
    """Edit a draft case; its exam type changes only while it holds no images (each was read as that type)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.DRAFT:
        raise ApplicationError(
            "Only draft cases can be edited.", code="case_not_editable", status_code=status.HTTP_409_CONFLICT
        )
    changes = {}
    if title is not None:
        case.title = changes["title"] = title
    if description is not None:
        case.description = changes["description"] = description
    if exam_type is not None and exam_type != case.exam_type:
        if case.images.filter(withdrawn_at__isnull=True).exists():
            raise ApplicationError(
                f"This case already holds {case.get_exam_type_display()} images, so its exam type cannot change. "
                "Open a new case for the other exam type.",
                code="exam_type_locked",
                status_code=status.HTTP_409_CONFLICT,
                details={"exam_type": case.exam_type},
            )
        case.exam_type = changes["exam_type"] = exam_type
    case.save()
    audit_record(
        actor=changed_by,
        action="case.update",
        object_type="case",
        object_id=case.pk,
        patient_id=case.patient_id,
        detail={"fields": sorted(changes)},
    )
    return case


@transaction.atomic
def case_submit(*, case: Case, submitted_by: User) -> Case:
    """Hand a draft case to the patient's doctors, or to the practice's queue when she has none.

    It must hold at least one image. Without the queue (PRACTICE_QUEUE) a case cannot go to no one.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.images.filter(withdrawn_at__isnull=True).exists():
        raise ApplicationError("Add at least one image before submitting.", code="case_has_no_images")
    if not settings.PRACTICE_QUEUE and not has_a_doctor(patient_id=case.patient_id):
        raise ApplicationError(
            "Choose your doctor before sending your case.", code="no_doctor", status_code=status.HTTP_409_CONFLICT
        )
    case_transition(case=case, to=CaseStatus.SUBMITTED, actor=submitted_by)
    # A reading attached while drafting already counts.
    if case.readings.filter(status="succeeded").exists():
        case_transition(case=case, to=CaseStatus.AI_READ, actor=submitted_by)
    return case


def case_withdraw(*, case: Case, withdrawn_by: User) -> Case:
    """Withdraw a draft case: hidden from every list and view from now on, kept in the database.

    Not atomic itself: a refusal reaches the audit log too, as `case.withdraw` with its reason.
    """
    try:
        return _case_withdraw(case=case, withdrawn_by=withdrawn_by)
    except ApplicationError as exc:
        audit_record(
            actor=withdrawn_by,
            action="case.withdraw",
            object_type="case",
            object_id=case.pk,
            patient_id=case.patient_id,
            allowed=False,
            detail={"refused": exc.code},
        )
        raise


@transaction.atomic
def _case_withdraw(*, case: Case, withdrawn_by: User) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.withdrawn_at is not None:
        raise ApplicationError(
            "This case was withdrawn already.", code="already_withdrawn", status_code=status.HTTP_409_CONFLICT
        )
    # Once sent, the care team may already be looking at it: it stays, and so does its record.
    if case.status != CaseStatus.DRAFT:
        raise ApplicationError(
            "Only a draft case can be withdrawn. This one was sent to your doctor already.",
            code="case_not_withdrawable",
            status_code=status.HTTP_409_CONFLICT,
            details={"status": case.status},
        )
    case.withdrawn_at = timezone.now()
    case.save(update_fields=["withdrawn_at", "updated_at"])
    audit_record(
        actor=withdrawn_by,
        action="case.withdraw",
        object_type="case",
        object_id=case.pk,
        patient_id=case.patient_id,
        detail={"status": case.status},
    )
    return case
