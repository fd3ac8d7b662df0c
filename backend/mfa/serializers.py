from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import UserSerializer
from mfa.selectors import SecondFactor


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="6 digits from the authenticator app, or a recovery code")


class EnrolmentSerializer(serializers.Serializer):
    otpauth_uri = serializers.CharField()
    secret = serializers.CharField(help_text="base32, for typing into the app instead of scanning")
    qr_svg = serializers.CharField(help_text="the otpauth URI as an SVG QR code")


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(child=serializers.CharField(), help_text="each signs in once; shown once")


class MeSerializer(UserSerializer):
    """The signed-in user, and what this session still needs before the API answers it."""

    second_factor = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "second_factor"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SecondFactor.choices))
    def get_second_factor(self, user) -> str:
        return self.context["second_factor"]
