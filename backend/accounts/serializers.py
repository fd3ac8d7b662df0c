import datetime

from django.utils import timezone
from rest_framework import serializers

from accounts.ages import age_in_years
from accounts.models import ApiToken, CareRelationship, Role, Sex, User


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "is_active", "date_joined"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """What a user may see of another person (a doctor, a patient in care)."""

    full_name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role"]
        read_only_fields = fields


class PatientSerializer(PersonSerializer):
    """A case's patient as her doctors see her beside the images: her age and sex too."""

    age = serializers.SerializerMethodField(help_text="Completed years today; null when no date of birth is known.")
    sex = serializers.ChoiceField(choices=Sex.choices, read_only=True, allow_blank=True, help_text="Blank when not given.")

    class Meta(PersonSerializer.Meta):
        # research_consent: read-only here; only the patient herself changes it (ResearchConsentSerializer).
        fields = [*PersonSerializer.Meta.fields, "age", "sex", "research_consent"]
        read_only_fields = fields

    def get_age(self, person: User) -> int | None:
        if person.role != Role.PATIENT or person.date_of_birth is None:
            return None
        return age_in_years(person.date_of_birth, timezone.localdate())


class ResearchConsentSerializer(serializers.ModelSerializer):
    """A patient's choice to let her reviewed cases be used, de-identified, for research and model improvement."""

    research_consent = serializers.BooleanField(
        help_text="On: her signed, reviewed cases may enter later de-identified dataset exports. "
        "Off (the default): they are left out of every export made from then on."
    )

    class Meta:
        model = User
        fields = ["research_consent", "research_consent_changed_at"]
        read_only_fields = ["research_consent_changed_at"]


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")
    # Optional: shown to her doctors beside her images.
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True, default="")

    def validate_date_of_birth(self, value: datetime.date | None) -> datetime.date | None:
        if value is not None and not datetime.date(1900, 1, 1) <= value <= timezone.localdate():
            raise serializers.ValidationError("Enter a date of birth between 1900 and today.")
        return value


class UserCreateSerializer(RegisterSerializer):
    role = serializers.ChoiceField(choices=[Role.DOCTOR, Role.ADMIN])
    # Doctors and admins are not patients: no age or sex to give.
    date_of_birth = None
    sex = None


class InviteSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class InvitationAcceptSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class RegistrationAnswerSerializer(serializers.Serializer):
    """The same answer whether or not the e-mail already had an account."""

    username = serializers.CharField()
    email = serializers.EmailField()
    message = serializers.CharField()


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(InvitationAcceptSerializer):
    pass


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the key, which is not stored."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class UserUpdateSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(required=False)
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class TokenRequestSerializer(CredentialsSerializer):
    name = serializers.CharField(max_length=100, required=False, default="")
    # Read by the view's second-factor check; listed here so that the API description shows it.
    code = serializers.CharField(
        max_length=20, required=False, default="",
        help_text="The current 6-digit authenticator code (required for the roles in MFA_REQUIRED_ROLES).",
    )


class TokenSerializer(serializers.Serializer):
    key = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()


class CareRelationshipSerializer(serializers.ModelSerializer):
    doctor = PersonSerializer(read_only=True)
    patient = PersonSerializer(read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = CareRelationship
        fields = ["id", "doctor", "patient", "started_at", "ended_at", "is_active"]
        read_only_fields = fields


class CareRelationshipCreateSerializer(serializers.Serializer):
    doctor = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.DOCTOR))
    patient = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.PATIENT))


class DoctorSerializer(serializers.Serializer):
    """A doctor of the practice as anyone signed in sees her: no e-mail, no username."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class PracticeDoctorsSerializer(serializers.Serializer):
    doctors = DoctorSerializer(many=True)
    practice_queue = serializers.BooleanField(
        help_text="Whether a case of a patient without a doctor may be sent to the practice's shared queue."
    )


class DoctorChoiceSerializer(serializers.Serializer):
    """A patient chooses her doctor; `patient`, if given, must be herself."""

    doctor = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.DOCTOR, is_active=True))
    patient = serializers.IntegerField(required=False, min_value=1)
