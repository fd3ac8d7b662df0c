from django.contrib import admin

from audit.access import audited_list
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
    """Admin pages over patient data and accounts write to the audit log, as the API does."""

    audit_object_type = ""
    # Fields whose old and new values a change records (e.g. a user's role), not only their names.
    audit_values_of: tuple[str, ...] = ()

    def audit_patient_id(self, obj) -> int | None:
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            # One event per patient on the page, so that filtering the log by patient finds it.
            audited_list(
                user=request.user,
                objects=changelist.result_list,
                object_type=self.audit_object_type,
                action=f"{self.audit_object_type}.admin_list",
                patient_id_of=self.audit_patient_id,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            patient_id = self.audit_patient_id(obj) if obj is not None else None
            self._audit(request, "read", object_id=object_id, patient_id=patient_id)
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        detail = {"fields": sorted(form.changed_data)}
        changed_values = {
            name: {"from": form.initial.get(name) if change else None, "to": getattr(obj, name)}
            for name in self.audit_values_of
            if name in form.changed_data
        }
        if changed_values:
            detail["changes"] = changed_values
        verb = "update" if change else "create"
        self._audit(request, verb, object_id=obj.pk, patient_id=self.audit_patient_id(obj), detail=detail)

    def delete_model(self, request, obj) -> None:
        self._audit_delete(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        self._audit_delete(request, list(queryset))
        super().delete_queryset(request, queryset)

    def _audit_delete(self, request, objects) -> None:
        for obj in objects:
            self._audit(request, "delete", object_id=obj.pk, patient_id=self.audit_patient_id(obj))

    def _audit(self, request, verb: str, *, object_id, patient_id: int | None, detail: dict | None = None) -> None:
        audit_record(
            actor=request.user,
            action=f"{self.audit_object_type}.admin_{verb}",
            object_type=self.audit_object_type,
            object_id=object_id,
            patient_id=patient_id,
            detail=detail,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    # Reading the log is recorded too: who looked at which events.
    audit_object_type = "audit_event"
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
        "request_id",
    ]
    list_filter = ["allowed", "action", "object_type", "actor_role"]
    search_fields = ["actor_username", "object_id", "action", "=request_id"]
    date_hierarchy = "created_at"

    def audit_patient_id(self, event) -> None:
        # A read of the log is not a read of the patient's record: one event, naming the ids shown.
        return None
