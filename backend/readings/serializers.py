from rest_framework import serializers

from imaging.models import Image
from readings.models import Reading


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = [
            "id",
            "case",
            "image",
            "model_name",
            "model_version",
            "runs_on",
            "backend",
            "status",
            "probabilities",
            "label",
            "score",
            "threshold",
            "flagged",
            "heatmap",
            "latency_ms",
            "error",
            "verifies",
            "verification",
            "max_difference",
            "disagrees",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields


class BrowserReadingSerializer(serializers.Serializer):
    """A reading computed in the user's browser, attached to the case by the user."""

    image = serializers.PrimaryKeyRelatedField(queryset=Image.objects.all())
    model_name = serializers.CharField(max_length=100)
    model_version = serializers.CharField(max_length=50)
    backend = serializers.CharField(max_length=32, required=False, default="")
    probabilities = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1), allow_empty=False)
    label = serializers.CharField(max_length=100)
    # Null for multi-class models, which have no positive class.
    score = serializers.FloatField(min_value=0, max_value=1, allow_null=True)
    threshold = serializers.FloatField(min_value=0, max_value=1, allow_null=True)
    heatmap = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(min_value=0, max_value=1)),
        required=False,
        allow_null=True,
        default=None,
    )
    latency_ms = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)
