from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsClinicAdmin
from drift.selectors import drift_report_get
from drift.serializers import DriftQuerySerializer, DriftReportSerializer


class DriftView(APIView):
    """The drift watch of one model (`?model=`) or of every model, per version and ISO week, for clinic admins."""

    permission_classes = [IsClinicAdmin]

    @extend_schema(parameters=[DriftQuerySerializer], responses=DriftReportSerializer)
    def get(self, request):
        query = DriftQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = drift_report_get(
            user=request.user,
            model_name=query.validated_data.get("model"),
            model_version=query.validated_data.get("version"),
        )
        return Response(DriftReportSerializer(report).data)
