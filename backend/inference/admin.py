from django import forms
from django.contrib import admin

from inference.models import ActiveModel
from inference.registry import packages_discover


class ActiveModelForm(forms.ModelForm):
    """Offers only versions that are installed and passed their checks."""

    class Meta:
        model = ActiveModel
        fields = ["name", "version"]

    def clean(self):
        cleaned = super().clean()
        installed = {(p.name, p.version) for p in packages_discover()}
        if (cleaned.get("name"), cleaned.get("version")) not in installed:
            choices = ", ".join(f"{n} {v}" for n, v in sorted(installed)) or "none"
            raise forms.ValidationError(
                f"No valid package with that name and version is installed (installed: {choices})."
            )
        return cleaned


@admin.register(ActiveModel)
class ActiveModelAdmin(admin.ModelAdmin):
    form = ActiveModelForm
    list_display = ["name", "version", "activated_by", "activated_at"]
    readonly_fields = ["activated_by", "activated_at"]

    def save_model(self, request, obj, form, change) -> None:
        obj.activated_by = request.user
        super().save_model(request, obj, form, change)
