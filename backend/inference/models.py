from django.conf import settings
from django.db import models


class ActiveModel(models.Model):
    """The version of a model that new server readings use, as chosen by a clinic admin.

    A model with no row here gets one, for its newest valid version, the first time its active
    version is looked up (`activated_by` empty: pinned by the system), so a newer version copied
    in later waits for an admin.
    """

    name = models.CharField(max_length=100, unique=True)
    version = models.CharField(max_length=50)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class ShadowCandidate(models.Model):
    """A period during which an installed, inactive version reads every new case in shadow.

    While it runs (`ended_at` empty), each new server reading of the model also queues a reading
    by this version, stored apart (`Reading.shadow`) and never shown, so that a clinic admin can
    compare it with the active version on the cases doctors sign (backend/shadow).
    """

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    reason = models.TextField(max_length=500)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(max_length=500, blank=True)

    class Meta:
        ordering = ["name", "started_at", "id"]
        constraints = [
            # One running shadow period per version; a version may be put in shadow again later.
            models.UniqueConstraint(
                fields=["name", "version"],
                condition=models.Q(ended_at__isnull=True),
                name="one_running_shadow_per_version",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_by__isnull=False),
                name="shadow_ended_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version} in shadow"
