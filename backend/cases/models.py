from django.conf import settings
from django.db import models

from training.exam_types import EXAM_TYPES


# Exam types as choices: chest_xray, breast_ultrasound, retina_photo (training/exam_types.py).
ExamType = models.TextChoices("ExamType", [(key, (key, label)) for key, label in EXAM_TYPES.items()])


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # the patient is still adding images
    SUBMITTED = "submitted", "Submitted"  # waiting for an AI reading or a doctor
    AI_READ = "ai_read", "AI read"  # at least one AI reading succeeded
    IN_REVIEW = "in_review", "In review"  # a doctor is writing a report
    REPORTED = "reported", "Reported"  # a signed report exists


class Case(models.Model):
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    # Chooses the model that reads the case's images, in the browser and on the server.
    exam_type = models.CharField(max_length=32, choices=ExamType.choices, default="chest_xray")
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT, db_index=True)
    # Set from the latest successful AI reading; doctors' worklists show flagged cases first.
    ai_flagged = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    # A draft the patient withdrew: hidden from every list, kept (and audited) for the record.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ai_flagged", "-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"])]

    def __str__(self) -> str:
        return f"Case {self.pk}: {self.title}"
