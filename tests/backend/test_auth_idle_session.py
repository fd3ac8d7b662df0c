"""A web session unused for SESSION_IDLE_TIMEOUT seconds ends."""

import time

from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic_factories import PASSWORD


def signed_in() -> APIClient:
    client = APIClient()
    assert client.post("/api/v1/auth/login/", {"username": "alice", "password": PASSWORD}, format="json").status_code == 200
    assert client.get("/api/v1/auth/me/").status_code == 200
    return client


def test_an_idle_session_ends(alice, settings):
    settings.SESSION_IDLE_TIMEOUT = 1
    client = signed_in()
    time.sleep(1.5)
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert client.get("/api/v1/auth/me/").status_code == 401  # ended, not only refused once
    event = AuditEvent.objects.get(action="auth.session_idle_timeout")
    assert event.actor == alice and event.detail["idle_seconds"] >= 1


def test_a_session_in_use_stays(alice, settings):
    settings.SESSION_IDLE_TIMEOUT = 2
    client = signed_in()
    for _ in range(4):
        time.sleep(0.8)
        assert client.get("/api/v1/auth/me/").status_code == 200
