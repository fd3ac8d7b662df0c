from django.contrib import admin

from audit.admin import AuditedModelAdmin
from cases.models import Case


@admin.register(Case)
class CaseAdmin(AuditedModelAdmin):
    audit_object_type = "case"
    list_display = ["id", "title", "patient", "status", "ai_flagged", "created_at", "submitted_at", "reported_at"]
    list_filter = ["status", "ai_flagged"]
    search_fields = ["title", "patient__username", "patient__last_name"]
    raw_id_fields = ["patient", "created_by"]
    # The workflow moves cases through their states; the admin must not skip steps.
    readonly_fields = ["status", "ai_flagged", "created_at", "updated_at", "submitted_at", "reported_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def audit_patient_id(self, case) -> int:
        return case.patient_id
