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
