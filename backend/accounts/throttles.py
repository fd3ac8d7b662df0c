from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import SimpleRateThrottle

from accounts.lockout import lockout_message, lockout_seconds_left
from audit.middleware import client_ip


class _CredentialThrottle(SimpleRateThrottle):
    """Rate read from settings at request time so deployments (and tests) can change it."""

    def get_rate(self) -> str:
        return settings.LOGIN_THROTTLE_RATE

    def get_ident(self, request) -> str:
        # The audit log's rule (NUM_PROXIES), so that a made-up X-Forwarded-For changes neither.
        return client_ip(request) or ""


class LoginIPThrottle(_CredentialThrottle):
    scope = "login-ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(_CredentialThrottle):
    """Slows password guessing against one account from many addresses."""

    scope = "login-username"

    def get_cache_key(self, request, view) -> str | None:
        data = getattr(request, "data", None)
        # A body that is not an object has no username; the view's serializer refuses it (400).
        username = str(data.get("username", "")).strip().lower() if isinstance(data, dict) else ""
        if not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username}


def throttled_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Apply the API's login limits and lockout to a plain Django login view (the admin site's)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            request.data = request.POST  # what LoginUsernameThrottle reads
            for throttle in (LoginIPThrottle(), LoginUsernameThrottle()):
                if not throttle.allow_request(request, None):
                    response = HttpResponse("Too many sign-in attempts. Try again later.", status=429)
                    response["Retry-After"] = str(int(throttle.wait() or 60))
                    return response
            locked_for = lockout_seconds_left(username=request.POST.get("username", ""))
            if locked_for:
                return HttpResponse(lockout_message(locked_for), status=403, content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapper
