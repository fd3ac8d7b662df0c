from django.contrib import admin

from audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from reports.models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    audit_object_type = "report"
    list_display = ["id", "case", "author", "status", "ai_agreement", "amends", "signed_at"]
    list_filter = ["status", "ai_agreement"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def audit_patient_id(self, report) -> int:
        return report.case.patient_id
