from django.contrib import admin

from audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from readings.models import Reading


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    audit_object_type = "reading"
    list_display = [
        "id",
        "case",
        "image",
        "model_name",
        "model_version",
        "runs_on",
        "status",
        "label",
        "score",
        "input_score",
        "flagged",
        "disagrees",
    ]
    list_filter = ["runs_on", "status", "flagged", "disagrees", "model_name"]
    readonly_fields = [f.name for f in Reading._meta.fields]

    def audit_patient_id(self, reading) -> int:
        return reading.case.patient_id
