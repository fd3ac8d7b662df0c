from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import Role, User
from audit.access import audited_get
from cases.models import Case
from cases.selectors import case_contents_list
from inference.registry import version_key
from reports.models import AIAgreement, Report, ReportStatus


def reports_of_case(*, case: Case, user: User) -> QuerySet[Report]:
    reports = Report.objects.filter(case=case).select_related("author")
    if user.role == Role.PATIENT:
        # Patients see a report once a doctor has signed it.
        reports = reports.filter(status=ReportStatus.SIGNED)
    return reports


def report_list(*, user: User, case_id: int) -> list[Report]:
    return case_contents_list(
        user=user, case_id=case_id, object_type="report", contents=lambda case: reports_of_case(case=case, user=user)
    )


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


def reports_in_force() -> QuerySet[Report]:
    """Signed reports that no signed amendment has replaced.

    An amendment takes over from the report it corrects once it is signed; until then the
    original stands. So each chain of corrections counts once, by its latest signed report.
    """
    return Report.objects.filter(status=ReportStatus.SIGNED).exclude(amendment__status=ReportStatus.SIGNED)


@dataclass(frozen=True)
class VersionAgreement:
    model_name: str
    model_version: str
    agrees: int
    disagrees: int

    @property
    def reports(self) -> int:
        return self.agrees + self.disagrees

    @property
    def agreement_rate(self) -> float:
        return self.agrees / self.reports


@dataclass(frozen=True)
class Agreement:
    versions: list[VersionAgreement]
    no_reading: int  # reports in force that cite no AI reading

    @property
    def reports(self) -> int:
        return sum(version.reports for version in self.versions) + self.no_reading


def ai_agreement_by_model_version(
    *, signed_after: datetime | None = None, signed_before: datetime | None = None
) -> Agreement:
    """How often the reports in force agree with the AI reading they cite, per model version.

    The dates bound when the report in force was signed (after: inclusive, before: exclusive).
    """
    reports = reports_in_force()
    if signed_after is not None:
        reports = reports.filter(signed_at__gte=signed_after)
    if signed_before is not None:
        reports = reports.filter(signed_at__lt=signed_before)
    rows = (
        reports.exclude(ai_agreement=AIAgreement.NO_READING)
        .values("reading__model_name", "reading__model_version")
        .annotate(
            agrees=Count("id", filter=Q(ai_agreement=AIAgreement.AGREES)),
            disagrees=Count("id", filter=Q(ai_agreement=AIAgreement.DISAGREES)),
        )
    )
    versions = [
        VersionAgreement(
            model_name=row["reading__model_name"],
            model_version=row["reading__model_version"],
            agrees=row["agrees"],
            disagrees=row["disagrees"],
        )
        for row in rows
    ]
    versions.sort(key=lambda v: (v.model_name, version_key(v.model_version)))
    return Agreement(versions=versions, no_reading=reports.filter(ai_agreement=AIAgreement.NO_READING).count())
