from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _CredentialThrottle(SimpleRateThrottle):
    """Rate read from settings at request time so deployments (and tests) can change it."""

    def get_rate(self) -> str:
        return settings.LOGIN_THROTTLE_RATE


class LoginIPThrottle(_CredentialThrottle):
    scope = "login-ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(_CredentialThrottle):
    """Slows password guessing against one account from many addresses."""

    scope = "login-username"

    def get_cache_key(self, request, view) -> str | None:
        username = str(request.data.get("username", "")).strip().lower() if hasattr(request, "data") else ""
        if not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username}
