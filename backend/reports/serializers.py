from rest_framework import serializers

from accounts.serializers import PersonSerializer
from readings.models import Reading
from reports.models import AIAgreement, Report


class ReportSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    amended_by = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "case",
            "author",
            "status",
            "findings",
            "impression",
            "ai_agreement",
            "reading",
            "amends",
            "amendment_reason",
            "amended_by",
            "created_at",
            "updated_at",
            "signed_at",
        ]
        read_only_fields = fields

    def get_amended_by(self, report: Report) -> int | None:
        """The signed correction of this report, if any (draft corrections are not shown)."""
        try:
            amendment = report.amendment
        except Report.DoesNotExist:
            return None
        return amendment.pk if amendment.status == "signed" else None


class ReportWriteSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=20000)
    impression = serializers.CharField(max_length=5000)
    ai_agreement = serializers.ChoiceField(choices=AIAgreement.choices)
    reading = serializers.PrimaryKeyRelatedField(
        queryset=Reading.objects.all(), required=False, allow_null=True, default=None
    )


class ReportUpdateSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=20000, required=False)
    impression = serializers.CharField(max_length=5000, required=False)
    ai_agreement = serializers.ChoiceField(choices=AIAgreement.choices, required=False)
    reading = serializers.PrimaryKeyRelatedField(queryset=Reading.objects.all(), required=False, allow_null=True)


class ReportAmendSerializer(ReportWriteSerializer):
    reason = serializers.CharField(max_length=2000)


class AgreementQuerySerializer(serializers.Serializer):
    signed_after = serializers.DateTimeField(required=False)
    signed_before = serializers.DateTimeField(required=False)

    def validate(self, data):
        after, before = data.get("signed_after"), data.get("signed_before")
        if after and before and after >= before:
            raise serializers.ValidationError({"signed_before": "Must be later than signed_after."})
        return data


class VersionAgreementSerializer(serializers.Serializer):
    model_name = serializers.CharField()
    model_version = serializers.CharField()
    agrees = serializers.IntegerField()
    disagrees = serializers.IntegerField()
    reports = serializers.IntegerField()
    agreement_rate = serializers.FloatField()


class AgreementSerializer(serializers.Serializer):
    reports = serializers.IntegerField()
    no_reading = serializers.IntegerField()
    versions = VersionAgreementSerializer(many=True)
