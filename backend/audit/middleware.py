import logging
import uuid

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from audit.origin import RequestOrigin, current_origin, held_refusals
from audit.refusals import refusals_write

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one rule for the audit log and the sign-in limits.

    With NUM_PROXIES = 0 only the connection's address counts. Behind N proxies of ours, each
    appends the address it saw to X-Forwarded-For, so the client is the N-th from the right;
    anything further left was written by the client and proves nothing.
    """
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if settings.NUM_PROXIES and forwarded:
        return forwarded[-min(settings.NUM_PROXIES, len(forwarded))]
    return request.META.get("REMOTE_ADDR") or None


class RequestOriginMiddleware:
    """Stamps the request's origin and id on its audit events, and records its refusal.

    Every answer carries the request's id in `X-Request-ID`, the id its audit events share. Any
    4xx answer of the API is recorded as refused, with its status and reason (audit.refusals).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = RequestOrigin(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            method=request.method or "",
            # PostgreSQL stores no NUL character; the path is kept for the log, not parsed.
            path=request.path.replace("\x00", "")[:300],
            request_id=str(uuid.uuid4()),
        )
        held: list = []
        origin_token = current_origin.set(origin)
        held_token = held_refusals.set(held)
        response = None
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = origin.request_id
            return response
        finally:
            held_refusals.reset(held_token)
            try:
                refusals_write(request, response, held)
            except DatabaseError:
                logger.exception("refusal of %s %s not written to the audit log", origin.method, origin.path)
            finally:
                current_origin.reset(origin_token)
