from django.contrib import admin

from audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from imaging.models import Image


@admin.register(Image)
class ImageAdmin(ReadOnlyAdmin, AuditedModelAdmin):
    audit_object_type = "image"
    list_display = ["id", "case", "kind", "modality", "body_part", "width", "height", "size_bytes", "created_at"]
    list_filter = ["kind", "modality"]
    # File fields would render links to a public media URL, which does not exist.
    exclude = ["original", "preview"]
    readonly_fields = [f.name for f in Image._meta.fields if f.name not in ("original", "preview")]

    def audit_patient_id(self, image) -> int:
        return image.case.patient_id
