from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, CareRelationship, User
from audit.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + (("Role", {"fields": ["role"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ["email", "role"]}),)


@admin.register(CareRelationship)
class CareRelationshipAdmin(AuditedModelAdmin):
    audit_object_type = "care_relationship"
    list_display = ["doctor", "patient", "started_at", "ended_at", "created_by"]
    list_filter = ["ended_at"]
    raw_id_fields = ["doctor", "patient", "created_by"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        # End a relationship instead; deleting it would hide why a doctor once had access.
        return False

    def audit_patient_id(self, relationship) -> int:
        return relationship.patient_id


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["user", "name", "key_hash", "prefix", "created_at", "expires_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False
