"""Ends a web session that has not been used for SESSION_IDLE_TIMEOUT seconds."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from audit.services import audit_record

LAST_SEEN = "accounts.last_seen"


class IdleSessionTimeoutMiddleware:
    """A computer left signed in, in a clinic's waiting room say, signs itself out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                audit_record(
                    actor=user,
                    action="auth.session_idle_timeout",
                    object_type="user",
                    object_id=user.pk,
                    detail={"idle_seconds": int(now - last_seen)},
                )
                logout(request)
            # Writing the session on every request would turn each read into a write.
            elif LAST_SEEN not in request.session or now - last_seen >= min(60, settings.SESSION_IDLE_TIMEOUT / 10):
                request.session[LAST_SEEN] = now
        return self.get_response(request)
