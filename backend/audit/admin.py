from django.contrib import admin

from audit.models import AuditEvent
from audit.services import audit_record


class ReadOnlyAdmin:
    """Shown in the Django admin, never changed there: clinical records change only through the
    workflow (uploads through validation, reports by signing), and the audit log never changes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin pages over patient data write to the audit log, as the API does."""

    audit_object_type = ""

    def audit_patient_id(self, obj) -> int | None:
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                actor=request.user, action=f"{self.audit_object_type}.admin_list", object_type=self.audit_object_type
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            audit_record(
                actor=request.user,
                action=f"{self.audit_object_type}.admin_read",
                object_type=self.audit_object_type,
                object_id=object_id,
                patient_id=self.audit_patient_id(obj) if obj is not None else None,
            )
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"{self.audit_object_type}.admin_{'update' if change else 'create'}",
            object_type=self.audit_object_type,
            object_id=obj.pk,
            patient_id=self.audit_patient_id(obj),
            detail={"fields": sorted(form.changed_data)},
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "patient_id",
        "allowed",
        "ip_address",
    ]
    list_filter = ["allowed", "action", "object_type", "actor_role"]
    search_fields = ["actor_username", "object_id", "action"]
    date_hierarchy = "created_at"
