from django import forms
from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from inference.models import ActiveModel, ShadowCandidate
from inference.registry import packages_discover
from inference.services import model_activate


class ActiveModelForm(forms.ModelForm):
    """Offers only versions that are installed and passed their checks, and asks why."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this version? Kept in the audit log with your name, as on the admin page.",
    )

    class Meta:
        model = ActiveModel
        fields = ["name", "version"]

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name", self.instance.name)  # read-only, so not in the form, once the row exists
        installed = {(p.name, p.version) for p in packages_discover()}
        if (name, cleaned.get("version")) not in installed:
            choices = ", ".join(f"{n} {v}" for n, v in sorted(installed)) or "none"
            raise forms.ValidationError(
                f"No valid package with that name and version is installed (installed: {choices})."
            )
        return cleaned


@admin.register(ActiveModel)
class ActiveModelAdmin(admin.ModelAdmin):
    """Activating here is the same action as on the admin page: `model_activate`, with a reason.

    Rows are never deleted here: without its row a model would be pinned again to its newest
    version on the next reading, a change of version no admin chose.
    """

    form = ActiveModelForm
    list_display = ["name", "version", "activated_by", "activated_at"]
    readonly_fields = ["activated_by", "activated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A row is one model: changing its name would activate another model and leave this one.
        return [*self.readonly_fields, "name"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        model_activate(name=obj.name, version=obj.version, actor=request.user, reason=form.cleaned_data["reason"])
        saved = ActiveModel.objects.get(name=obj.name)
        obj.pk, obj.activated_by, obj.activated_at = saved.pk, saved.activated_by, saved.activated_at


@admin.register(ShadowCandidate)
class ShadowCandidateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The history of shadow periods, to read: they start, stop and end in promotion on the admin
    page or through the API, where each change asks why and is audited."""

    list_display = ["name", "version", "started_by", "started_at", "ended_by", "ended_at"]
    list_filter = ["name"]
