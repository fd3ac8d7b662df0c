from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from audit.access import audited_get
from history.selectors import patient_history
from history.serializers import HistoryEntrySerializer


class PatientHistoryView(APIView):
    """Everything that happened across a patient's cases, newest first."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    def get(self, request, patient_id: int):
        patient = audited_get(
            user=request.user,
            queryset=User.objects.filter(role=Role.PATIENT),
            pk=patient_id,
            object_type="patient",
            action="patient.history",
            patient_id_of=lambda patient: patient.pk,
        )
        entries = patient_history(patient=patient, viewer=request.user)
        return Response(HistoryEntrySerializer(entries, many=True).data)
