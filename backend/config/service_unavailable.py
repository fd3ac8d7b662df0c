"""A database that cannot be reached answers 503 with Retry-After, in the one error shape.

Not a 500 (nothing is wrong with the request or the code) and never Django's HTML traceback: a
client, or a load balancer, should wait a little and try again. PostgreSQL's connect_timeout
(DATABASE_CONNECT_TIMEOUT) bounds how long finding that out takes.

Django turns an exception into a 500 response inside each middleware layer, so an outer
middleware sees only the 500. Django also announces each such exception (got_request_exception,
with the request); the middleware keeps the database errors on the request and answers 503
instead, wherever the error was raised: a view, the session or the authentication middleware.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status

from config.error_shape import error_body

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def service_unavailable() -> JsonResponse:
    body = error_body(
        code="service_unavailable", message="The service is briefly unavailable. Please try again shortly."
    )
    response = JsonResponse(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _remember_database_error(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request.database_error = error


class DatabaseUnavailableMiddleware:
    """Outside every middleware that reads the database: its 500s for a database error become 503."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        got_request_exception.connect(_remember_database_error, dispatch_uid="config.service_unavailable")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, "database_error", None)
        if error is None:
            return response
        logger.error("database unavailable: %s %s: %s", request.method, request.path, error)
        return service_unavailable()
