from rest_framework import serializers

from accounts.serializers import PersonSerializer
from cases.models import Case


class CaseSerializer(serializers.ModelSerializer):
    patient = PersonSerializer(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "patient",
            "title",
            "description",
            "status",
            "ai_flagged",
            "created_at",
            "updated_at",
            "submitted_at",
            "reported_at",
        ]
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)
    # Doctors and admins open cases for a patient; a patient's own cases are always theirs.
    # A plain id: whether it names a patient at all is checked against the caller's own patients, so
    # an unknown id and someone else's patient get the same answer.
    patient = serializers.IntegerField(required=False, min_value=1)


class CaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
