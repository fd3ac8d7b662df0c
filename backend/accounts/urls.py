from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/csrf/", api.CsrfView.as_view(), name="auth-csrf"),
    path("auth/register/", api.RegisterView.as_view(), name="auth-register"),
    path("auth/login/", api.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-everywhere/", api.LogoutEverywhereView.as_view(), name="auth-logout-everywhere"),
    path("auth/token/", api.TokenCreateView.as_view(), name="auth-token"),
    path("auth/me/", api.MeView.as_view(), name="auth-me"),
    path("auth/research-consent/", api.ResearchConsentView.as_view(), name="auth-research-consent"),
    path("auth/tokens/", api.ApiTokenListView.as_view(), name="auth-token-list"),
    path("auth/tokens/<int:token_id>/", api.ApiTokenRevokeView.as_view(), name="auth-token-revoke"),
    path("auth/password-reset/", api.PasswordResetRequestView.as_view(), name="password-reset"),
    path("auth/password-reset/confirm/", api.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("auth/invitations/accept/", api.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("invitations/", api.InvitationCreateView.as_view(), name="invitation-create"),
    path("users/", api.UserListCreateView.as_view(), name="user-list"),
    path("users/<int:user_id>/", api.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:user_id>/unlock/", api.UserUnlockView.as_view(), name="user-unlock"),
    path("patients/", api.PatientListView.as_view(), name="patient-list"),
    path("doctors/", api.DoctorListView.as_view(), name="doctor-list"),
    path("care-relationships/", api.CareRelationshipListCreateView.as_view(), name="care-list"),
    path("care-relationships/<int:relationship_id>/end/", api.CareRelationshipEndView.as_view(), name="care-end"),
]
