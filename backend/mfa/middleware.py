"""Until a doctor or admin has entered a code in this session, the API answers her 403.

Runs after Django's AuthenticationMiddleware and django-otp's OTPMiddleware, on every DRF view
of the API. Open to a half-signed-in session: the views anyone may call (sign-in, CSRF, health,
schema: they show nothing a stranger could not get), who am I, signing out and the two-factor
endpoints themselves. API tokens are issued only with a code (`mfa.services`), so a request
without a session user is not this middleware's business.
"""

from django.http import JsonResponse
from rest_framework import status
from rest_framework.permissions import AllowAny

from config.error_shape import error_body
from config.errors import audit_forbidden
from mfa.selectors import SecondFactor, second_factor_status

OPEN_TO_HALF_SIGNED_IN = {"auth-me", "auth-logout", "mfa-enrolment", "mfa-enrolment-confirm", "mfa-verify"}

REFUSALS = {
    SecondFactor.CODE_REQUIRED: ("second_factor_required", "Enter the code from your authenticator app to continue."),
    SecondFactor.ENROLMENT_REQUIRED: (
        "second_factor_enrolment_required",
        "Set up two-factor sign-in with an authenticator app to continue.",
    ),
}


def _public(view_func) -> bool:
    permissions = view_func.initkwargs.get("permission_classes", view_func.cls.permission_classes)
    return bool(permissions) and all(permission is AllowAny for permission in permissions)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "cls", None) is None or not request.path.startswith("/api/"):
            return None  # not an API view (the Django admin checks the second factor itself)
        if _public(view_func) or request.resolver_match.url_name in OPEN_TO_HALF_SIGNED_IN:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        needed = second_factor_status(user=user, verified=False)
        if needed not in REFUSALS:
            return None
        code, message = REFUSALS[needed]
        # Every 403 is audited, as the exception handler does for the views' own refusals.
        audit_forbidden(user=user, view_name=view_func.cls.__name__, view_kwargs=view_kwargs, reason=code)
        body = error_body(code=code, message=message, details={"second_factor": needed.value})
        return JsonResponse(body, status=status.HTTP_403_FORBIDDEN)
