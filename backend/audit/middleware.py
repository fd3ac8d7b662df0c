from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit.origin import RequestOrigin, current_origin


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
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = RequestOrigin(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            method=request.method or "",
            path=request.path[:300],
        )
        token = current_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)
