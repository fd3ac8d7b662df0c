from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import filters, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import ApiToken, CareRelationship, Role, User
from accounts.permissions import IsClinicAdmin, IsDoctorOrAdmin, IsPatient, LinksDoctorsAndPatients
from accounts.lockout import lockout_lift, lockout_message, lockout_seconds_left
from accounts.serializers import (
    ApiTokenSerializer,
    CareRelationshipCreateSerializer,
    CareRelationshipSerializer,
    CredentialsSerializer,
    DoctorChoiceSerializer,
    InvitationAcceptSerializer,
    InviteSerializer,
    MessageSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    PersonSerializer,
    PracticeDoctorsSerializer,
    RegisterSerializer,
    RegistrationAnswerSerializer,
    ResearchConsentSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from accounts.throttles import LoginIPThrottle, LoginUsernameThrottle
from audit.services import audit_record
from audit.views import AuditedListView
from config.errors import ApplicationError
from mfa.api import me_data
from mfa.serializers import MeSerializer
from mfa.services import token_second_factor_check


def _check_credentials(request, data: dict):
    user = authenticate(request, username=data["username"], password=data["password"])
    if user is None:
        audit_record(
            actor=None,
            action="auth.login",
            object_type="user",
            allowed=False,
            detail={"username": data["username"][:150]},
        )
        locked_for = lockout_seconds_left(username=data["username"])
        if locked_for:
            raise ApplicationError(lockout_message(locked_for), code="account_locked", status_code=status.HTTP_403_FORBIDDEN)
        raise ApplicationError("Wrong username or password.", code="invalid_credentials")
    return user


class CsrfView(APIView):
    """Sets the CSRF cookie the web app sends back on session-authenticated writes."""

    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("CsrfToken", {"csrf_token": serializers.CharField()}))
    def get(self, request):
        return Response({"csrf_token": get_token(request)})


class RegisterView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: RegistrationAnswerSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.patient_register(**serializer.validated_data)
        # One answer whether or not the e-mail had an account, so that sign-up tells nobody who is a patient here.
        answer = {
            "username": serializer.validated_data["username"],
            "email": serializer.validated_data["email"],
            "message": "Thank you. If this e-mail address is new to us, your account is ready: sign in. "
            "If it already has an account, we have e-mailed you how to sign in to it.",
        }
        return Response(RegistrationAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class PasswordResetRequestView(APIView):
    """E-mails a single-use link to choose a new password; the same answer for any address."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=PasswordResetRequestSerializer, responses={202: MessageSerializer})
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(**serializer.validated_data)
        message = "If an account uses this e-mail address, we have sent it a link to choose a new password."
        return Response(MessageSerializer({"message": message}).data, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=PasswordResetConfirmSerializer, responses=UserSerializer)
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.password_reset_confirm(**serializer.validated_data)
        return Response(UserSerializer(user).data)


class LoginView(APIView):
    """Session login for the web app."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]

    @extend_schema(request=CredentialsSerializer, responses=UserSerializer)
    def post(self, request):
        # DRF skips CSRF for anonymous requests; a login form still needs it (login CSRF).
        SessionAuthentication().enforce_csrf(request)
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _check_credentials(request, serializer.validated_data)
        login(request, user)
        audit_record(actor=user, action="auth.login", object_type="user", object_id=user.pk)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            request.auth.delete()
        audit_record(actor=request.user, action="auth.logout", object_type="user", object_id=request.user.pk)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(APIView):
    """Ends every session and revokes every token of the current user."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.logout_everywhere(user=request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenCreateView(APIView):
    """Exchange credentials for an API token (integrations). The key is shown only once."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _check_credentials(request, serializer.validated_data)
        # Doctors and admins (and anyone who turned it on) add their authenticator's code.
        token_second_factor_check(user=user, code=str(request.data.get("code", "")))
        token, key = services.api_token_create(user=user, name=serializer.validated_data["name"])
        body = {"key": key, "prefix": token.prefix, "expires_at": token.expires_at}
        return Response(TokenSerializer(body).data, status=status.HTTP_201_CREATED)


class ApiTokenListView(APIView):
    """The caller's own API tokens (never their keys)."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        return Response(ApiTokenSerializer(selectors.api_token_list(user=request.user), many=True).data)


class ApiTokenRevokeView(APIView):
    """Revokes one of the caller's own tokens; another person's answers 404."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_id: int):
        token = selectors.api_token_get(user=request.user, token_id=token_id)
        services.api_token_revoke(token=token, revoked_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who is signed in, and whether her session still needs the second factor (`second_factor`)."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(me_data(request))


class ResearchConsentView(APIView):
    """The patient's own choice to let her reviewed cases be used, de-identified, for research and model improvement.

    Off until she turns it on. Turning it off leaves her out of the exports made from then on, not
    of those made already. Doctors and admins see it, read-only, with her details.
    """

    permission_classes = [IsPatient]

    @extend_schema(responses=ResearchConsentSerializer)
    def get(self, request):
        return Response(ResearchConsentSerializer(request.user).data)

    @extend_schema(request=ResearchConsentSerializer, responses=ResearchConsentSerializer)
    def put(self, request):
        serializer = ResearchConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.research_consent_set(patient=request.user, consent=serializer.validated_data["research_consent"])
        return Response(ResearchConsentSerializer(user).data)


class InvitationAcceptView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=InvitationAcceptSerializer, responses=UserSerializer)
    def post(self, request):
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.invitation_accept(**serializer.validated_data)
        return Response(UserSerializer(user).data)


class InvitationCreateView(APIView):
    """A clinic admin or a doctor invites a patient, who receives an email to choose a password.

    A doctor's invitee is under that doctor's care from the start.
    """

    permission_classes = [IsDoctorOrAdmin]

    @extend_schema(request=InviteSerializer, responses={201: UserSerializer})
    def post(self, request):
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.patient_invite(invited_by=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserListCreateView(AuditedListView):
    permission_classes = [IsClinicAdmin]
    model = User
    serializer_class = UserSerializer
    filter_backends = [DjangoFilterBackend, filters.SearchFilter]
    filterset_fields = ["role", "is_active"]
    # ?search=: any word of the name, the username or the e-mail address (the admin page's people search).
    search_fields = ["first_name", "last_name", "username", "email"]

    def select(self, page):
        return selectors.user_list(user=self.request.user, page=page)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def post(self, request):
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(created_by=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(responses=UserSerializer)
    def get(self, request, user_id: int):
        user = selectors.user_get(user=request.user, user_id=user_id)
        return Response(UserSerializer(user).data)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def patch(self, request, user_id: int):
        user = selectors.user_get(user=request.user, user_id=user_id, action="user.update", is_write=True)
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=user, changed_by=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data)


class UserUnlockView(APIView):
    """A clinic admin lifts the lockout that failed sign-ins put on an account."""

    permission_classes = [IsClinicAdmin]

    @extend_schema(request=None, responses=UserSerializer)
    def post(self, request, user_id: int):
        user = selectors.user_get(user=request.user, user_id=user_id, action="user.unlock", is_write=True)
        lockout_lift(user=user, lifted_by=request.user)
        return Response(UserSerializer(user).data)


class PatientListView(AuditedListView):
    """A doctor's patients (those under their active care); every patient for an admin."""

    permission_classes = [IsDoctorOrAdmin]
    model = User
    serializer_class = PersonSerializer

    def select(self, page):
        return selectors.patient_list(user=self.request.user, page=page)


class CareRelationshipListCreateView(AuditedListView):
    """Admins see and create every link; doctors see their patients, patients their doctors."""

    permission_classes = [LinksDoctorsAndPatients]
    model = CareRelationship
    serializer_class = CareRelationshipSerializer
    filterset_fields = ["doctor", "patient"]

    def select(self, page):
        return selectors.care_relationship_list(user=self.request.user, page=page)

    @extend_schema(
        request=CareRelationshipCreateSerializer,
        responses={201: CareRelationshipSerializer},
        description="A clinic admin links any patient to a doctor. A patient chooses her own doctor among "
        "GET /doctors/: she sends `doctor` only (or `patient` with her own id); another patient's id answers 403.",
    )
    def post(self, request):
        if request.user.role == Role.PATIENT:
            serializer = DoctorChoiceSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            if serializer.validated_data.get("patient", request.user.pk) != request.user.pk:
                raise ApplicationError(
                    "You can choose a doctor for yourself only.", code="forbidden", status_code=status.HTTP_403_FORBIDDEN
                )
            fields = {"doctor": serializer.validated_data["doctor"], "patient": request.user}
        else:
            serializer = CareRelationshipCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            fields = serializer.validated_data
        relationship = services.care_relationship_create(created_by=request.user, **fields)
        return Response(CareRelationshipSerializer(relationship).data, status=status.HTTP_201_CREATED)


class CareRelationshipEndView(APIView):
    """Ends a care relationship (an admin any, a patient her own). The record is kept so past access stays explainable."""

    permission_classes = [LinksDoctorsAndPatients]

    @extend_schema(request=None, responses=CareRelationshipSerializer)
    def post(self, request, relationship_id: int):
        relationship = selectors.care_relationship_get(
            user=request.user, relationship_id=relationship_id, action="care.end", is_write=True
        )
        relationship = services.care_relationship_end(ended_by=request.user, relationship=relationship)
        return Response(CareRelationshipSerializer(relationship).data)


class DoctorListView(APIView):
    """The practice's doctors, for a patient choosing hers; and whether the practice has a shared queue."""

    @extend_schema(responses=PracticeDoctorsSerializer)
    def get(self, request):
        doctors = [{"id": doctor.pk, "name": selectors.display_name(doctor)} for doctor in selectors.doctor_list()]
        body = {"doctors": doctors, "practice_queue": settings.PRACTICE_QUEUE}
        return Response(PracticeDoctorsSerializer(body).data)
