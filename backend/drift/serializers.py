from rest_framework import serializers


class DriftQuerySerializer(serializers.Serializer):
    model = serializers.CharField(max_length=100, required=False, help_text="one model; every model when left out")
    version = serializers.CharField(max_length=50, required=False, help_text="one version of it")


class DriftCheckSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=["score", "intensity", "size", "refusals", "agreement"])
    level = serializers.ChoiceField(choices=["ok", "warn", "breach", "too_few", "no_reference"])
    value = serializers.FloatField(allow_null=True, help_text="PSI, or a share for refusals and agreement")
    p_value = serializers.FloatField(allow_null=True)
    warn_at = serializers.FloatField()
    breach_at = serializers.FloatField()
    sample = serializers.IntegerField(help_text="readings (reports for agreement) the verdict rests on")
    says = serializers.CharField()


class DriftWeekSerializer(serializers.Serializer):
    model_name = serializers.CharField()
    model_version = serializers.CharField()
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W48")
    starts = serializers.DateField(help_text="its Monday")
    readings = serializers.IntegerField()
    refused = serializers.IntegerField()
    refusal_rate = serializers.FloatField(allow_null=True)
    width_median = serializers.FloatField(allow_null=True)
    height_median = serializers.FloatField(allow_null=True)
    intensity_mean = serializers.FloatField(allow_null=True)
    modalities = serializers.DictField(child=serializers.IntegerField())
    reports = serializers.IntegerField()
    agrees = serializers.IntegerField()
    agreement = serializers.FloatField(allow_null=True)
    checks = DriftCheckSerializer(many=True)
    breaches = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())

    def to_representation(self, instance):
        return super().to_representation(instance.as_dict())


class VersionReferenceSerializer(serializers.Serializer):
    model = serializers.CharField()
    version = serializers.CharField()
    active = serializers.BooleanField()
    installed = serializers.BooleanField()
    reference_split = serializers.CharField(allow_null=True)
    reference_images = serializers.IntegerField(allow_null=True)


class DriftReportSerializer(serializers.Serializer):
    model = serializers.CharField(allow_null=True)
    thresholds = serializers.DictField(child=serializers.FloatField())
    versions = VersionReferenceSerializer(many=True)
    weeks = DriftWeekSerializer(many=True)
