from django.contrib import admin

from audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from cases.models import Case


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    audit_object_type = "case"
    list_display = ["id", "title", "patient", "status", "ai_flagged", "created_at", "submitted_at", "reported_at"]
    list_filter = ["status", "ai_flagged"]
    search_fields = ["title", "patient__username", "patient__last_name"]
    raw_id_fields = ["patient", "created_by"]

    def audit_patient_id(self, case) -> int:
        return case.patient_id
