from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_username", "actor_role", "action", "object_type", "object_id", "patient_id", "allowed", "ip_address"]
    list_filter = ["allowed", "action", "object_type", "actor_role"]
    search_fields = ["actor_username", "object_id", "action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
