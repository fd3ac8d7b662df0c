import hashlib

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    DOCTOR = "doctor", "Doctor"
    ADMIN = "admin", "Admin"


class UserManager(BaseUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes a clinic admin, not a patient with superpowers.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"


class User(AbstractUser):
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    # A patient's age and sex, shown to her doctors beside her images; both optional.
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)
    # Whether the patient lets her reviewed cases be used, de-identified, to train and test
    # models (backend/datasets). Off until she turns it on; every change is audited.
    research_consent = models.BooleanField(default=False)
    research_consent_changed_at = models.DateTimeField(null=True, blank=True)
    # Bumped by "log out everywhere": part of the session hash, so every session dies with it.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        constraints = [
            # "Alice" and "alice" must not become two accounts.
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ignoring_case"),
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_doctor(self) -> bool:
        return self.role == Role.DOCTOR

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN

    def save(self, *args, **kwargs) -> None:
        password_changed = self._password is not None  # set by set_password() until saved
        super().save(*args, **kwargs)
        if password_changed:
            # A new password must lock out whoever had the old one, tokens included; sessions
            # already end with it, since the password is part of the session hash.
            ApiToken.objects.filter(user=self).delete()

    def _get_session_auth_hash(self, secret=None) -> str:
        key_salt = "accounts.User.session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username} ({self.role})"


class CareRelationship(models.Model):
    """A doctor caring for a patient. Ending it keeps the row, so past care stays provable."""

    doctor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="patient_links")
    patient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="doctor_links")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "patient"],
                condition=Q(ended_at__isnull=True),
                name="one_active_care_relationship_per_pair",
            ),
        ]
        ordering = ["-started_at"]

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def __str__(self) -> str:
        return f"{self.doctor} cares for {self.patient}"


class ApiToken(models.Model):
    """A bearer token for integrations. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.user}"


class SignInLockout(models.Model):
    """Failed sign-ins in a row for one username, whether or not an account has that name.

    Keyed by the name typed, not by an account, so that a lockout tells nothing about which
    usernames exist.
    """

    username = models.CharField(max_length=150, unique=True)  # lower-cased
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures} failures, locked until {self.locked_until}"
