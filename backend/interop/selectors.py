from audit.services import audit_record
from imaging.models import Image
from imaging.selectors import images_in_use
from reports.models import Report, ReportStatus
from reports.selectors import report_get

FHIR_EXPORT = "report.fhir_export"


def report_for_fhir(*, user, report_id: int) -> tuple[Report, list[Image]]:
    """A report the user may read, with its case's images, for its FHIR export.

    The same rule as reading the report (a patient: her own signed reports; a doctor: his
    patients'; else 404), audited as one `report.fhir_export` event naming the report and patient.
    """
    report = report_get(user=user, report_id=report_id, action=FHIR_EXPORT)
    images = list(images_in_use().filter(case_id=report.case_id).order_by("created_at", "pk"))
    return report, images


def report_for_fhir_on_server(*, report_id: int) -> tuple[Report, list[Image]] | None:
    """The same, for `manage.py export_fhir` run by whoever runs the server: any signed report.

    Audited as a `report.fhir_export` by no user (the command), like the other commands' reads.
    """
    report = Report.objects.select_related("case", "author").filter(pk=report_id, status=ReportStatus.SIGNED).first()
    if report is None or report.case.withdrawn_at is not None:
        return None
    audit_record(
        actor=None, action=FHIR_EXPORT, object_type="report", object_id=report.pk, patient_id=report.case.patient_id
    )
    images = list(images_in_use().filter(case_id=report.case_id).order_by("created_at", "pk"))
    return report, images
