"""The application's one error type, and its translation to JSON.

Every error answers with the same body:
    {"error": {"code": "...", "message": "...", "details": {...}}}
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.error_shape import error_body


class ApplicationError(Exception):
    """A refusal the user can act on: a bad upload, a forbidden transition, a missing object."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status_code: int = status.HTTP_400_BAD_REQUEST,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.details = details or {}


class NotFoundError(ApplicationError):
    """An object that does not exist or that the user may not see: the two look the same."""

    def __init__(self, what: str = "object") -> None:
        super().__init__(f"{what} not found", code="not_found", status_code=status.HTTP_404_NOT_FOUND)


def error_response(*, code: str, message: str, status_code: int, details: dict | None = None, headers=None) -> Response:
    return Response(error_body(code=code, message=message, details=details), status=status_code, headers=headers)


def audit_forbidden(*, user, view_name: str, view_kwargs: dict, reason: str = "") -> None:
    """A signed-in user was refused an action: that attempt belongs in the audit trail.

    Recorded during the request, it is written when the answer is known, with the answer's status
    and reason added (audit.refusals); other refusals get their event from the audit middleware.
    """
    from audit.services import audit_record  # the audit app depends on this module

    if user is None or not user.is_authenticated:
        return
    audit_record(
        actor=user,
        action="request.forbidden",
        object_type="endpoint",
        object_id=next(iter(view_kwargs.values()), ""),
        allowed=False,
        detail={"view": view_name, **({"reason": reason} if reason else {})},
    )


def _audit_forbidden(context: dict) -> None:
    user = getattr(context.get("request"), "user", None)
    audit_forbidden(user=user, view_name=type(context.get("view")).__name__, view_kwargs=context.get("kwargs") or {})


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        if exc.status_code == status.HTTP_403_FORBIDDEN:
            _audit_forbidden(context)
        return error_response(code=exc.code, message=exc.message, status_code=exc.status_code, details=exc.details)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django answers 500 and logs it
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            code="invalid",
            message="The request was not valid.",
            status_code=response.status_code,
            details={"fields": exc.detail} if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail},
        )
    if response.status_code == status.HTTP_403_FORBIDDEN:
        _audit_forbidden(context)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    detail = getattr(exc, "detail", str(exc))
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return error_response(
        code=code if isinstance(code, str) else "error",
        message=str(detail),
        status_code=response.status_code,
        headers=headers,
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Unknown URLs under /api/ answer JSON like every other API error."""
    if _is_api(request):
        body = error_body(code="not_found", message="No such endpoint.")
        return JsonResponse(body, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        body = error_body(code="server_error", message="Something went wrong on our side.")
        return JsonResponse(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)
