from django.conf import settings
from django.db import models


class ImageKind(models.TextChoices):
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    DICOM = "dicom", "DICOM"


class Image(models.Model):
    """An accepted upload. Files are content-addressed by SHA-256, so identical bytes are stored once."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="images")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ImageKind.choices)
    content_type = models.CharField(max_length=64)
    original_filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    frames = models.PositiveIntegerField(default=1)
    modality = models.CharField(max_length=16, blank=True)
    body_part = models.CharField(max_length=64, blank=True)
    study_date = models.DateField(null=True, blank=True)
    # Mean and standard deviation of the decoded grey levels (0-255) the models read, kept at
    # upload for the drift watch (backend/drift); empty for images stored before it.
    intensity_mean = models.FloatField(null=True, blank=True)
    intensity_std = models.FloatField(null=True, blank=True)
    original = models.FileField(max_length=200)
    preview = models.FileField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # An image the patient withdrew before review: hidden from the case, kept (and audited) for the record.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="image_once_per_case")]

    def __str__(self) -> str:
        return f"Image {self.pk} ({self.kind}) of case {self.case_id}"
