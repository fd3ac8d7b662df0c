"""The practice's queue: GET /cases/queue/ and POST /cases/<id>/take/, for doctors, while PRACTICE_QUEUE is on."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsDoctor
from audit.views import AuditedListView
from cases import queue
from cases.models import Case
from cases.serializers import CaseSerializer


class QueueIsOn(BasePermission):
    """Without PRACTICE_QUEUE the queue answers 404 to everyone signed in (the doctor's page asks so)."""

    def has_permission(self, request, view) -> bool:
        queue.queue_check_on(user=request.user)
        return True


class QueuedCaseSerializer(serializers.ModelSerializer):
    """What a doctor needs to decide to take a case, and no more."""

    exam_type_label = serializers.CharField(source="get_exam_type_display")
    patient_first_name = serializers.CharField(source="patient.first_name")
    patient_age = serializers.SerializerMethodField(help_text="In years, when the patient gave her date of birth.")

    class Meta:
        model = Case
        fields = ["id", "title", "exam_type", "exam_type_label", "submitted_at", "ai_flagged", "patient_first_name", "patient_age"]
        read_only_fields = fields

    def get_patient_age(self, case: Case) -> int | None:
        return queue.patient_age(case)


class QueueListView(AuditedListView):
    """Sent cases of patients with no doctor yet, oldest first."""

    permission_classes = [IsAuthenticated, QueueIsOn, IsDoctor]
    model = Case
    serializer_class = QueuedCaseSerializer
    filter_backends = []

    def select(self, page):
        return queue.queue_list(user=self.request.user, page=page)


class CaseTakeView(APIView):
    """A doctor takes a queued case: she becomes the patient's doctor; 409 if someone took it first."""

    permission_classes = [IsAuthenticated, QueueIsOn, IsDoctor]

    @extend_schema(request=None, responses=CaseSerializer)
    def post(self, request, case_id: int):
        case = queue.case_take(case_id=case_id, doctor=request.user)
        return Response(CaseSerializer(case).data)
