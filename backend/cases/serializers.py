from rest_framework import serializers

from accounts.models import Role, User
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
    patient = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.PATIENT), required=False)


class CaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
