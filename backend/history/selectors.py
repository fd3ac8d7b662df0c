"""A patient's history: one timeline across all their cases."""

from dataclasses import asdict, dataclass
from datetime import datetime

from accounts.models import Role, User
from cases.selectors import cases_in_use
from imaging.selectors import images_in_use
from readings.models import ReadingStatus
from readings.selectors import readings_in_use
from reports.models import Report, ReportStatus


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    case_id: int
    object_type: str
    object_id: int
    summary: str


def patient_history(*, patient: User, viewer: User) -> list[dict]:
    """Newest first. Patients see signed reports only, like everywhere else; withdrawn cases and
    images (and their readings) are left out, as everywhere."""
    entries: list[HistoryEntry] = []
    for case in cases_in_use().filter(patient=patient):
        entries.append(HistoryEntry(case.created_at, "case_opened", case.pk, "case", case.pk, case.title))
        if case.submitted_at:
            entries.append(HistoryEntry(case.submitted_at, "case_submitted", case.pk, "case", case.pk, case.title))
    for image in images_in_use().filter(case__patient=patient):
        summary = " ".join(filter(None, [image.kind.upper(), image.modality, image.body_part])) or image.kind
        entries.append(HistoryEntry(image.created_at, "image_uploaded", image.case_id, "image", image.pk, summary))
    for reading in readings_in_use().filter(case__patient=patient, status=ReadingStatus.SUCCEEDED):
        summary = f"{reading.label} ({reading.model_name} {reading.model_version}, {reading.runs_on})"
        entries.append(
            HistoryEntry(reading.completed_at, "ai_reading", reading.case_id, "reading", reading.pk, summary)
        )
    # A refused image is no reading: its own kind, with the reason instead of a label.
    for reading in readings_in_use().filter(case__patient=patient, status=ReadingStatus.REFUSED):
        summary = f"{reading.refusal} ({reading.model_name} {reading.model_version}, {reading.runs_on})"
        entries.append(
            HistoryEntry(reading.completed_at, "ai_refused", reading.case_id, "reading", reading.pk, summary)
        )
    reports = Report.objects.filter(case__patient=patient, case__withdrawn_at__isnull=True)
    if viewer.role == Role.PATIENT:
        reports = reports.filter(status=ReportStatus.SIGNED)
    for report in reports:
        kind = "report_amended" if report.amends_id else "report_signed"
        if report.status == ReportStatus.DRAFT:
            kind = "report_drafted"
        at = report.signed_at or report.created_at
        entries.append(HistoryEntry(at, kind, report.case_id, "report", report.pk, report.impression[:200]))
    entries.sort(key=lambda entry: (entry.at, entry.object_type, entry.object_id), reverse=True)
    return [asdict(entry) for entry in entries]
