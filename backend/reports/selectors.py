from django.db.models import QuerySet

from accounts.models import Role, User
from audit.access import audited_get
from cases.models import Case
from reports.models import Report, ReportStatus


def reports_of_case(*, case: Case, user: User) -> QuerySet[Report]:
    reports = Report.objects.filter(case=case).select_related("author")
    if user.role == Role.PATIENT:
        # Patients see a report once a doctor has signed it.
        reports = reports.filter(status=ReportStatus.SIGNED)
    return reports


def report_get(*, user: User, report_id: int, action: str = "report.read", is_write: bool = False) -> Report:
    return audited_get(
        user=user,
        queryset=Report.objects.select_related("case", "author"),
        pk=report_id,
        object_type="report",
        action=action,
        patient_id_of=lambda report: report.case.patient_id,
        visible=lambda report: user.role != Role.PATIENT or report.status == ReportStatus.SIGNED,
        is_write=is_write,
    )
