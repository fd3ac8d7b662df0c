from rest_framework import serializers

from accounts.selectors import care_team
from accounts.serializers import PatientSerializer
from cases.models import Case, ExamType


class CaseSerializer(serializers.ModelSerializer):
    patient = PatientSerializer(read_only=True)
    care_team = serializers.SerializerMethodField(
        help_text="Who has the case: the names of the patient's doctors now. Empty: nobody yet, "
        "so a sent case waits in the practice's queue (PRACTICE_QUEUE)."
    )

    # The exam type's name ("Breast ultrasound"): pages show it without a copy of the vocabulary.
    exam_type_label = serializers.CharField(source="get_exam_type_display", read_only=True)
    class Meta:
        model = Case
        fields = [
            "id",
            "patient",
            "title",
            "description",
            "exam_type",
            "exam_type_label",
            "status",
            "ai_flagged",
            "created_at",
            "updated_at",
            "submitted_at",
            "reported_at",
            "care_team",
        ]
        read_only_fields = fields

    def get_care_team(self, case: Case) -> list[str]:
        return care_team(case.patient)


class CaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)
    exam_type = serializers.ChoiceField(choices=ExamType.choices, required=False, default="chest_xray")
    # Doctors and admins open cases for a patient; a patient's own cases are always theirs.
    # A plain id: whether it names a patient at all is checked against the caller's own patients, so
    # an unknown id and someone else's patient get the same answer.
    patient = serializers.IntegerField(required=False, min_value=1)


class CaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    exam_type = serializers.ChoiceField(
        choices=ExamType.choices,
        required=False,
        help_text="Changes only while the case is a draft with no images (else 409 exam_type_locked).",
    )
