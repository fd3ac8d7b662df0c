from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import ChangesClinicalRecords
from accounts.visibility import patients_visible_to
from audit.views import AuditedListView
from cases import selectors, services
from cases.filters import CaseFilter
from cases.models import Case
from cases.serializers import CaseCreateSerializer, CaseSerializer, CaseUpdateSerializer
from config.errors import ApplicationError


class CaseListCreateView(AuditedListView):
    """A patient's own cases, a doctor's worklist (AI-flagged first), or every case for admins."""

    permission_classes = [ChangesClinicalRecords]
    model = Case
    serializer_class = CaseSerializer
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "submitted_at", "updated_at", "ai_flagged"]

    def select(self, page):
        return selectors.case_list(user=self.request.user, page=page)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def post(self, request):
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient_id = serializer.validated_data.get("patient")
        if request.user.role == Role.PATIENT:
            patient = request.user
        else:
            patient = patients_visible_to(request.user).filter(pk=patient_id).first() if patient_id else None
        if patient is None:
            raise ApplicationError(
                "Choose a patient under your care.",
                code="invalid",
                details={"fields": {"patient": ["Not under your care."]}},
            )
        case = services.case_create(
            created_by=request.user,
            patient=patient,
            title=serializer.validated_data["title"],
            description=serializer.validated_data["description"],
            exam_type=serializer.validated_data["exam_type"],
        )
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [ChangesClinicalRecords]

    @extend_schema(responses=CaseSerializer)
    def get(self, request, case_id: int):
        case = selectors.case_get(user=request.user, case_id=case_id)
        return Response(CaseSerializer(case).data)

    @extend_schema(request=CaseUpdateSerializer, responses=CaseSerializer)
    def patch(self, request, case_id: int):
        case = selectors.case_get(user=request.user, case_id=case_id, action="case.update", is_write=True)
        serializer = CaseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_update(case=case, changed_by=request.user, **serializer.validated_data)
        return Response(CaseSerializer(case).data)


class CaseSubmitView(APIView):
    permission_classes = [ChangesClinicalRecords]

    @extend_schema(request=None, responses=CaseSerializer)
    def post(self, request, case_id: int):
        case = selectors.case_get(user=request.user, case_id=case_id, action="case.submit", is_write=True)
        case = services.case_submit(case=case, submitted_by=request.user)
        return Response(CaseSerializer(case).data)


class CaseWithdrawView(APIView):
    """Withdraw a draft case: 204, and from then on it answers 404 and appears in no list."""

    permission_classes = [ChangesClinicalRecords]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, case_id: int):
        case = selectors.case_get(user=request.user, case_id=case_id, action="case.withdraw", is_write=True)
        services.case_withdraw(case=case, withdrawn_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
