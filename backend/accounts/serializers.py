from rest_framework import serializers

from accounts.models import ApiToken, CareRelationship, Role, User


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


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class UserCreateSerializer(RegisterSerializer):
    role = serializers.ChoiceField(choices=[Role.DOCTOR, Role.ADMIN])


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
