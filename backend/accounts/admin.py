from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, CareRelationship, Role, User
from audit.admin import AuditedModelAdmin
from audit.services import audit_record


def _patient_id(user: User) -> int | None:
    return user.pk if user.role == Role.PATIENT else None


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    audit_object_type = "user"
    # Who may do what: a change to any of these is recorded with its old and new value.
    audit_values_of = ("role", "is_staff", "is_superuser", "is_active")
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Role", {"fields": ["role"]}),
        ("Patient", {"fields": ["date_of_birth", "sex"], "description": "Shown to her doctors beside her images."}),
        # Hers alone to change, in the portal (PUT /auth/research-consent/), where it is audited.
        ("Research use", {"fields": ["research_consent", "research_consent_changed_at"]}),
    )
    readonly_fields = ["research_consent", "research_consent_changed_at"]
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ["email", "role"]}),)

    def audit_patient_id(self, user) -> int | None:
        return _patient_id(user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            audit_record(
                actor=request.user,
                action="user.admin_password_change",
                object_type="user",
                object_id=id,
                patient_id=_patient_id(user),
            )
        return response


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
class ApiTokenAdmin(AuditedModelAdmin):
    audit_object_type = "api_token"
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["user", "name", "key_hash", "prefix", "created_at", "expires_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def audit_patient_id(self, token) -> int | None:
        return _patient_id(token.user)
