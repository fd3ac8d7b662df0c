from django.conf import settings
from django.db import models


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class AIAgreement(models.TextChoices):
    AGREES = "agrees", "Agrees with the AI reading"
    DISAGREES = "disagrees", "Disagrees with the AI reading"
    NO_READING = "no_reading", "No AI reading was used"


class ReportIsSigned(Exception):
    pass


class Report(models.Model):
    """A doctor's report on a case. Once signed it never changes; corrections are amendments."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    findings = models.TextField(max_length=20000)
    impression = models.TextField(max_length=5000)
    ai_agreement = models.CharField(max_length=16, choices=AIAgreement.choices)
    reading = models.ForeignKey(
        "readings.Reading", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # The signed report this one corrects; the original stays as it was signed.
    amends = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendment")
    amendment_reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", signed_at__isnull=True)
                | models.Q(status="signed", signed_at__isnull=False),
                name="report_signed_at_matches_status",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None and Report.objects.filter(pk=self.pk, status=ReportStatus.SIGNED).exists():
            raise ReportIsSigned("a signed report cannot be changed; amend it instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == ReportStatus.SIGNED:
            raise ReportIsSigned("a signed report cannot be deleted")
        return super().delete(*args, **kwargs)

    def __str__(self) -> str:
        return f"Report {self.pk} on case {self.case_id} ({self.status})"
