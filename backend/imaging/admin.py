from django.contrib import admin

from imaging.models import Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "kind", "modality", "body_part", "width", "height", "size_bytes", "created_at"]
    list_filter = ["kind", "modality"]
    readonly_fields = [f.name for f in Image._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # uploads go through validation in the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
