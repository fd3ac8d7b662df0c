from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.permissions import IsClinicAdmin
from mfa import services
from mfa.selectors import request_verified, second_factor_status
from mfa.serializers import CodeSerializer, EnrolmentSerializer, MeSerializer, RecoveryCodesSerializer


def _code(request) -> str:
    serializer = CodeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["code"]


def me_data(request) -> dict:
    """The answer of `GET /auth/me/` (and of a verified code): the user and what her session still needs."""
    second_factor = second_factor_status(user=request.user, verified=request_verified(request))
    return MeSerializer(request.user, context={"second_factor": second_factor.value}).data


class EnrolmentStartView(APIView):
    """Start setting up an authenticator app: scan the QR code or type the secret, then confirm a code."""

    @extend_schema(request=None, responses={201: EnrolmentSerializer})
    def post(self, request):
        enrolment = services.enrolment_start(user=request.user)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class EnrolmentConfirmView(APIView):
    """The app's first code confirms it; the answer holds the recovery codes, shown only this once."""

    @extend_schema(request=CodeSerializer, responses=RecoveryCodesSerializer)
    def post(self, request):
        codes = services.enrolment_confirm(request=request, code=_code(request))
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)


class VerifyView(APIView):
    """A code (or a recovery code) completes this session's sign-in."""

    @extend_schema(request=CodeSerializer, responses=MeSerializer)
    def post(self, request):
        services.second_factor_verify(request=request, code=_code(request))
        return Response(me_data(request))


class SecondFactorResetView(APIView):
    """A clinic admin removes someone's authenticator and recovery codes (a lost phone, say)."""

    permission_classes = [IsClinicAdmin]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, user_id: int):
        user = account_selectors.user_get(user=request.user, user_id=user_id, action="mfa.reset", is_write=True)
        services.second_factor_reset(user=user, reset_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
