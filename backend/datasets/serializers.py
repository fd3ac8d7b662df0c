from rest_framework import serializers

from cases.models import ExamType


class DatasetExportRequestSerializer(serializers.Serializer):
    # The cases' own choices, so that the API description names one exam type enumeration.
    exam_type = serializers.ChoiceField(choices=ExamType.choices, default="chest_xray")
    model_name = serializers.CharField(
        max_length=100, required=False, allow_null=True, default=None,
        help_text="The model whose label names and channels the dataset takes; default: the exam type's active model.",
    )
    signed_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Only reports signed on that day (UTC) or before."
    )
    name = serializers.CharField(max_length=100, required=False, allow_null=True, default=None,
                                 help_text="Default: the model's name.")


class DatasetSerializer(serializers.Serializer):
    """An exported dataset in counts: no example, no hash, no patient."""

    name = serializers.CharField()
    version = serializers.CharField()
    exam_type = serializers.CharField()
    model_name = serializers.CharField()
    label_names = serializers.ListField(child=serializers.CharField())
    examples = serializers.IntegerField()
    splits = serializers.DictField(child=serializers.IntegerField())
    labels = serializers.DictField(child=serializers.IntegerField())
    excluded = serializers.DictField(child=serializers.IntegerField(), help_text="Reports or images left out, by reason.")
