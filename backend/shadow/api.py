from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsClinicAdmin
from inference import selectors as inference_selectors
from inference import services as inference_services
from inference.serializers import ModelPackageSerializer
from shadow import selectors, services
from shadow.serializers import (
    ComparisonSerializer,
    ShadowCandidateSerializer,
    ShadowReasonSerializer,
    ShadowStartSerializer,
)


def _active_versions() -> dict[str, str]:
    return {package.name: package.version for package in inference_selectors.models_active()}


def _reason(request) -> str:
    serializer = ShadowReasonSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["reason"]


class ShadowCandidateListView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(responses=ShadowCandidateSerializer(many=True))
    def get(self, request):
        """The candidate versions reading in shadow now, each with the active version it is compared with."""
        candidates = inference_selectors.shadow_candidates()
        return Response(ShadowCandidateSerializer(candidates, many=True, context={"active": _active_versions()}).data)


class ShadowStartView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(request=ShadowStartSerializer, responses={201: ShadowCandidateSerializer})
    def post(self, request, name: str):
        """Put an installed, inactive version in shadow: it also reads every new case, apart and unseen."""
        serializer = ShadowStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        candidate = inference_services.shadow_start(name=name, actor=request.user, **serializer.validated_data)
        data = ShadowCandidateSerializer(candidate, context={"active": _active_versions()}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ShadowStopView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(request=ShadowReasonSerializer, responses={204: None})
    def post(self, request, name: str, version: str):
        """End a version's shadow period, saying why: new cases are no longer read by it."""
        inference_services.shadow_stop(name=name, version=version, actor=request.user, reason=_reason(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShadowComparisonView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(responses=ComparisonSerializer)
    def get(self, request, name: str, version: str):
        """The candidate against the active version on the shadow cases doctors signed (audited)."""
        comparison = selectors.shadow_comparison_read(user=request.user, name=name, version=version)
        return Response(ComparisonSerializer(comparison).data)


class ShadowPromoteView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(request=ShadowReasonSerializer, responses=ModelPackageSerializer)
    def post(self, request, name: str, version: str):
        """Make the candidate the active version, saying why; its shadow period ends."""
        package = services.shadow_promote(name=name, version=version, actor=request.user, reason=_reason(request))
        return Response(ModelPackageSerializer(package, context={"active": {package.name: package.version}}).data)
