from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ChangesOwnReport, IsClinicAdmin, WritesReports
from cases.selectors import case_get
from readings.selectors import readings_of_case
from reports import selectors, services
from reports.serializers import (
    AgreementQuerySerializer,
    AgreementSerializer,
    ReportAmendSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
    ReportWriteSerializer,
)


def _validated(serializer_class, request, case):
    serializer = serializer_class(data=request.data)
    # Only readings of this case can be cited.
    serializer.fields["reading"].queryset = readings_of_case(case)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CaseReportsView(APIView):
    permission_classes = [WritesReports]

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request, case_id: int):
        reports = selectors.report_list(user=request.user, case_id=case_id)
        return Response(ReportSerializer(reports, many=True).data)

    @extend_schema(request=ReportWriteSerializer, responses={201: ReportSerializer})
    def post(self, request, case_id: int):
        case = case_get(user=request.user, case_id=case_id, action="report.create", is_write=True)
        self.check_object_permissions(request, case)
        data = _validated(ReportWriteSerializer, request, case)
        report = services.report_create(case=case, author=request.user, **data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailView(APIView):
    permission_classes = [WritesReports, ChangesOwnReport]

    @extend_schema(responses=ReportSerializer)
    def get(self, request, report_id: int):
        report = selectors.report_get(user=request.user, report_id=report_id)
        return Response(ReportSerializer(report).data)

    @extend_schema(request=ReportUpdateSerializer, responses=ReportSerializer)
    def patch(self, request, report_id: int):
        report = selectors.report_get(user=request.user, report_id=report_id, action="report.update", is_write=True)
        self.check_object_permissions(request, report)
        data = _validated(ReportUpdateSerializer, request, report.case)
        report = services.report_update(report=report, editor=request.user, **data)
        return Response(ReportSerializer(report).data)


class ReportSignView(APIView):
    permission_classes = [WritesReports, ChangesOwnReport]

    @extend_schema(request=None, responses=ReportSerializer)
    def post(self, request, report_id: int):
        report = selectors.report_get(user=request.user, report_id=report_id, action="report.sign", is_write=True)
        self.check_object_permissions(request, report)
        report = services.report_sign(report=report, signer=request.user)
        return Response(ReportSerializer(report).data)


class ReportAmendView(APIView):
    """Start a correction of a signed report; it is signed like any report."""

    permission_classes = [WritesReports]

    @extend_schema(request=ReportAmendSerializer, responses={201: ReportSerializer})
    def post(self, request, report_id: int):
        original = selectors.report_get(user=request.user, report_id=report_id, action="report.amend", is_write=True)
        self.check_object_permissions(request, original)
        data = _validated(ReportAmendSerializer, request, original.case)
        amendment = services.report_amend(original=original, author=request.user, **data)
        return Response(ReportSerializer(amendment).data, status=status.HTTP_201_CREATED)


class AgreementView(APIView):
    """How often doctors' reports in force agree with the AI reading they cite, per model version."""

    permission_classes = [IsClinicAdmin]

    @extend_schema(parameters=[AgreementQuerySerializer], responses=AgreementSerializer)
    def get(self, request):
        query = AgreementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        agreement = selectors.ai_agreement_by_model_version(**query.validated_data)
        return Response(AgreementSerializer(agreement).data)
