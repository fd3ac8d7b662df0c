from django.conf import settings
from django.db import models


class RunsOn(models.TextChoices):
    BROWSER = "browser", "Browser"
    SERVER = "server", "Server"


class ReadingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # The image is not what the model reads (its input gate or the DICOM header said so):
    # there is no reading, only the reason. Never a finding, never flagged.
    REFUSED = "refused", "Refused"


class ShownReadingManager(models.Manager):
    """Readings people may be shown: every reading but the shadow readings of candidate versions.

    It is `Reading`'s default manager, so `Reading.objects`, `case.readings` and `image.readings`
    never hold a shadow reading, whoever asks and whatever the view.
    """

    def get_queryset(self):
        return super().get_queryset().filter(shadow=False)


class Reading(models.Model):
    """One AI reading of one image: which model said what, where it ran and how fast."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="readings")
    image = models.ForeignKey("imaging.Image", on_delete=models.PROTECT, related_name="readings")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    model_name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=50)
    runs_on = models.CharField(max_length=8, choices=RunsOn.choices)
    # e.g. "wasm", "webgl", "cpu", "gpu": the engine that ran the graph.
    backend = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=ReadingStatus.choices, default=ReadingStatus.PENDING)
    # Label name -> probability, as the model's metadata names the labels.
    probabilities = models.JSONField(default=dict, blank=True)
    label = models.CharField(max_length=100, blank=True)
    # Probability of the finding (the positive class) and the threshold the model ships with.
    score = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    # Where the model looked: rows of values in [0, 1], coarse enough to keep in the row.
    heatmap = models.JSONField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Why the image was refused (status "refused"), as the model package words it.
    refusal = models.TextField(blank=True)
    # The input gate's score in [0, 1]: how much the image looks like what the model was trained
    # on. Null for packages without a gate and for files the DICOM header refused.
    input_score = models.FloatField(null=True, blank=True)
    # A server reading that re-runs a browser reading points at it; once done it records the
    # largest difference between the two readings' probabilities and whether that exceeds
    # the tolerance (INFERENCE_VERIFY_TOLERANCE), in which case the case is flagged.
    verifies = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="verification"
    )
    max_difference = models.FloatField(null=True, blank=True)
    disagrees = models.BooleanField(default=False)
    # A reading by a candidate version in shadow (backend/shadow): stored to compare the candidate
    # with the active version, never shown to a patient or a doctor, never flags or moves a case.
    shadow = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ShownReadingManager()
    # Shadow readings too: for the workers that run them and the comparison that reads them, only.
    all_objects = models.Manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=1),
                name="reading_score_is_probability",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__isnull=True) | models.Q(threshold__gte=0, threshold__lte=1),
                name="reading_threshold_is_probability",
            ),
            models.CheckConstraint(
                condition=models.Q(input_score__isnull=True) | models.Q(input_score__gte=0, input_score__lte=1),
                name="reading_input_score_is_probability",
            ),
            # A refused image has no reading: nothing in the row may read as a finding.
            models.CheckConstraint(
                condition=~models.Q(status="refused")
                | models.Q(label="", score__isnull=True, flagged=False, heatmap__isnull=True),
                name="reading_refused_is_no_finding",
            ),
        ]

    def __str__(self) -> str:
        return f"Reading {self.pk} of image {self.image_id} by {self.model_name}@{self.model_version} ({self.status})"
