from django.urls import path

from mfa import api

urlpatterns = [
    path("mfa/enrolment/", api.EnrolmentStartView.as_view(), name="mfa-enrolment"),
    path("mfa/enrolment/confirm/", api.EnrolmentConfirmView.as_view(), name="mfa-enrolment-confirm"),
    path("mfa/verify/", api.VerifyView.as_view(), name="mfa-verify"),
    path("users/<int:user_id>/second-factor/reset/", api.SecondFactorResetView.as_view(), name="mfa-reset"),
]
