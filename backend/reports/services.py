from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from cases.models import Case, CaseStatus
from cases.services import case_transition
from config.errors import ApplicationError
from readings.models import Reading, ReadingStatus
from reports.models import AIAgreement, Report, ReportStatus

REPORTABLE = {CaseStatus.SUBMITTED, CaseStatus.AI_READ, CaseStatus.IN_REVIEW}


def _require_draft(report: Report) -> None:
    if report.status != ReportStatus.DRAFT:
        raise ApplicationError(
            "A signed report cannot be changed; amend it instead.",
            code="report_signed",
            status_code=status.HTTP_409_CONFLICT,
        )


def _check_reading(*, case: Case, reading: Reading | None, ai_agreement: str) -> None:
    if reading is not None and reading.case_id != case.pk:
        raise ApplicationError("The reading does not belong to this case.", code="reading_not_in_case")
    if ai_agreement != AIAgreement.NO_READING and reading is None:
        raise ApplicationError("Say which AI reading the report agrees or disagrees with.", code="reading_required")
    # Only a finished reading of an accepted image says something to agree or disagree with.
    if ai_agreement != AIAgreement.NO_READING and reading.status != ReadingStatus.SUCCEEDED:
        if reading.status == ReadingStatus.REFUSED:
            message = "The model refused this image, so the reading holds no finding to agree or disagree with."
        else:
            status_name = reading.get_status_display().lower()
            message = f"The reading is {status_name}: it holds no finding to agree or disagree with."
        raise ApplicationError(message, code="reading_has_no_finding", details={"reading": reading.pk})


def _audit(report: Report, actor: User, action: str, **detail) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="report",
        object_id=report.pk,
        patient_id=report.case.patient_id,
        detail={"case": report.case_id, **detail},
    )


@transaction.atomic
def report_create(
    *,
    case: Case,
    author: User,
    findings: str,
    impression: str,
    ai_agreement: str,
    reading: Reading | None = None,
) -> Report:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in REPORTABLE:
        raise ApplicationError(
            f"A {case.get_status_display().lower()} case cannot get a new report"
            + ("; amend the signed report instead." if case.status == CaseStatus.REPORTED else "."),
            code="case_not_reportable",
            status_code=status.HTTP_409_CONFLICT,
        )
    if case.reports.filter(status=ReportStatus.DRAFT).exists():
        raise ApplicationError(
            "This case already has a draft report.", code="draft_exists", status_code=status.HTTP_409_CONFLICT
        )
    _check_reading(case=case, reading=reading, ai_agreement=ai_agreement)
    report = Report.objects.create(
        case=case, author=author, findings=findings, impression=impression, ai_agreement=ai_agreement, reading=reading
    )
    if case.status != CaseStatus.IN_REVIEW:
        case_transition(case=case, to=CaseStatus.IN_REVIEW, actor=author)
    _audit(report, author, "report.create")
    return report


@transaction.atomic
def report_update(
    *,
    report: Report,
    editor: User,
    findings: str | None = None,
    impression: str | None = None,
    ai_agreement: str | None = None,
    reading: Reading | None = None,
) -> Report:
    report = Report.objects.select_for_update().select_related("case").get(pk=report.pk)
    _require_draft(report)
    if findings is not None:
        report.findings = findings
    if impression is not None:
        report.impression = impression
    if ai_agreement is not None:
        report.ai_agreement = ai_agreement
    if reading is not None:
        report.reading = reading
    _check_reading(case=report.case, reading=report.reading, ai_agreement=report.ai_agreement)
    report.save()
    _audit(report, editor, "report.update")
    return report


@transaction.atomic
def report_sign(*, report: Report, signer: User) -> Report:
    report = Report.objects.select_for_update().select_related("case").get(pk=report.pk)
    _require_draft(report)
    report.status = ReportStatus.SIGNED
    report.signed_at = timezone.now()
    report.save()
    if report.amends_id is None:
        case_transition(case=report.case, to=CaseStatus.REPORTED, actor=signer)
    _audit(report, signer, "report.sign", amends=report.amends_id)
    return report


@transaction.atomic
def report_amend(
    *,
    original: Report,
    author: User,
    reason: str,
    findings: str,
    impression: str,
    ai_agreement: str,
    reading: Reading | None = None,
) -> Report:
    """Start a correction of a signed report. The original stays exactly as it was signed."""
    original = Report.objects.select_for_update().select_related("case").get(pk=original.pk)
    if original.status != ReportStatus.SIGNED:
        raise ApplicationError(
            "Only signed reports are amended; edit the draft instead.",
            code="report_not_signed",
            status_code=status.HTTP_409_CONFLICT,
        )
    if Report.objects.filter(amends=original).exists():
        raise ApplicationError(
            "This report already has an amendment; amend the latest version.",
            code="already_amended",
            status_code=status.HTTP_409_CONFLICT,
        )
    if not reason.strip():
        raise ApplicationError("Say why the report is amended.", code="reason_required")
    _check_reading(case=original.case, reading=reading, ai_agreement=ai_agreement)
    amendment = Report.objects.create(
        case=original.case,
        author=author,
        findings=findings,
        impression=impression,
        ai_agreement=ai_agreement,
        reading=reading,
        amends=original,
        amendment_reason=reason,
    )
    _audit(amendment, author, "report.amend", amends=original.pk)
    return amendment
