from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class ShadowStartSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=50)
    reason = serializers.CharField(max_length=500, help_text="Why this version reads in shadow; kept in the audit log.")


class ShadowReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why; kept in the audit log.")


class ShadowCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.CharField()
    reason = serializers.CharField()
    started_by = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    active_version = serializers.SerializerMethodField()

    def get_started_by(self, candidate) -> str:
        person = candidate.started_by
        return person.get_full_name() or person.username

    def get_active_version(self, candidate) -> str | None:
        """The version it is compared with (context "active": name -> version)."""
        return self.context.get("active", {}).get(candidate.name)


class ProportionSerializer(serializers.Serializer):
    """hits of total, the rate and its 95% Wilson interval (null rate and interval when total is 0)."""

    hits = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    low = serializers.SerializerMethodField()
    high = serializers.SerializerMethodField()

    def get_low(self, proportion) -> float | None:
        return proportion.interval[0] if proportion.interval else None

    def get_high(self, proportion) -> float | None:
        return proportion.interval[1] if proportion.interval else None


class VersionScoreSerializer(serializers.Serializer):
    version = serializers.CharField()
    read = serializers.IntegerField()
    refused = serializers.IntegerField()
    agreement = ProportionSerializer()
    sensitivity = ProportionSerializer(allow_null=True)
    specificity = ProportionSerializer(allow_null=True)


class ComparedReadingSerializer(serializers.Serializer):
    reading = serializers.IntegerField(source="pk")
    label = serializers.SerializerMethodField()
    score = serializers.FloatField(allow_null=True)

    def get_label(self, reading) -> str:
        return "refused" if reading.status == "refused" else reading.label


class DisagreementSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    image = serializers.IntegerField(source="image_id")
    report = serializers.IntegerField(source="report.pk")
    doctor_label = serializers.CharField()
    active = ComparedReadingSerializer()
    candidate = ComparedReadingSerializer()


class ComparisonSerializer(serializers.Serializer):
    model_name = serializers.CharField()
    candidate_version = serializers.CharField()
    active_version = serializers.CharField()
    label_names = serializers.ListField(child=serializers.CharField())
    positive_label = serializers.CharField(allow_null=True)
    compared = serializers.SerializerMethodField()
    left_out = serializers.DictField(child=serializers.IntegerField())
    active = VersionScoreSerializer()
    candidate = VersionScoreSerializer()
    disagreements = DisagreementSerializer(many=True)

    @extend_schema_field(serializers.IntegerField())
    def get_compared(self, comparison) -> int:
        """Images both versions read (or refused) on cases with a doctor's label."""
        return len(comparison.images)
