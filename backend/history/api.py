from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import patient_get
from history.selectors import patient_history
from history.serializers import HistoryEntrySerializer


class PatientHistoryView(APIView):
    """Everything that happened across a patient's cases, newest first."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    def get(self, request, patient_id: int):
        patient = patient_get(user=request.user, patient_id=patient_id, action="patient.history")
        entries = patient_history(patient=patient, viewer=request.user)
        return Response(HistoryEntrySerializer(entries, many=True).data)
