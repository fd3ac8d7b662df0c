from rest_framework import serializers

from imaging.models import Image
from readings.models import Reading


class ReadingSerializer(serializers.ModelSerializer):
    # The server reading that re-runs this browser reading: null for server readings and until queued.
    verification = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

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
            "refusal",
            "input_score",
            "verifies",
            "verification",
            "max_difference",
            "disagrees",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields


# What a reading of an accepted image says; a refused one must carry none of it.
FINDING_FIELDS = ("probabilities", "label", "score", "threshold", "heatmap")


class BrowserReadingSerializer(serializers.Serializer):
    """A reading computed in the user's browser, attached to the case by the user.

    When the model's input gate (or the DICOM header check) refused the image, send
    `input_accepted: false` with `input_score` and, optionally, the `refusal` shown; such a reading
    carries no probabilities, label, score, threshold or heat map.
    """

    image = serializers.PrimaryKeyRelatedField(queryset=Image.objects.all())
    model_name = serializers.CharField(max_length=100)
    model_version = serializers.CharField(max_length=50)
    backend = serializers.CharField(max_length=32, required=False, default="")
    probabilities = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        allow_empty=False,
        allow_null=True,
        required=False,
        help_text="Required when input_accepted is true.",
    )
    label = serializers.CharField(
        max_length=100, allow_null=True, required=False, help_text="Required when input_accepted is true."
    )
    # Null for multi-class models, which have no positive class.
    score = serializers.FloatField(
        min_value=0, max_value=1, allow_null=True, required=False, help_text="Required (or null) when read."
    )
    threshold = serializers.FloatField(
        min_value=0, max_value=1, allow_null=True, required=False, help_text="Required (or null) when read."
    )
    heatmap = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(min_value=0, max_value=1)),
        required=False,
        allow_null=True,
    )
    latency_ms = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)
    input_accepted = serializers.BooleanField(
        required=False,
        default=True,
        help_text="The graph's input_accepted output (packages without a gate: leave out). False: a refused reading.",
    )
    input_score = serializers.FloatField(
        min_value=0,
        max_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The graph's input_check output; null for packages without a gate or files the DICOM header refused.",
    )
    refusal = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What the page showed instead of a reading; defaults to the package's input_check.refusal.",
    )

    def validate(self, data: dict) -> dict:
        # Which fields a reading needs depends on whether the image was read at all.
        if data["input_accepted"]:
            # Score and threshold are null for multi-class models, but must be given.
            problems = {name: "This field is required." for name in ("score", "threshold") if name not in data}
            problems.update(
                {name: "This field is required." for name in ("probabilities", "label") if data.get(name) is None}
            )
            if data["refusal"]:
                problems["refusal"] = "Only a refused reading (input_accepted false) has a refusal."
            data.setdefault("heatmap", None)
        else:
            problems = {
                name: "A refused reading has no finding: leave this field out."
                for name in FINDING_FIELDS
                if data.get(name) is not None
            }
            for name in FINDING_FIELDS:
                data.pop(name, None)
        if problems:
            raise serializers.ValidationError(problems)
        return data


class ServerReadingRequestSerializer(serializers.Serializer):
    image = serializers.PrimaryKeyRelatedField(queryset=Image.objects.all())
    model_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Leave out to read with the active model for the case's exam type; a model of another exam "
        "type is refused (400 wrong_exam_type).",
    )
