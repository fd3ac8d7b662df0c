"""The sign-in limits and the audit log count the real client address, not X-Forwarded-For."""

from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic_factories import PASSWORD


def wrong_login(address: str, forwarded: str, username: str = "alice") -> int:
    body = {"username": username, "password": "wrong"}
    return (
        APIClient()
        .post("/api/v1/auth/login/", body, format="json", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forwarded)
        .status_code
    )


def test_a_made_up_forwarded_address_does_not_escape_the_limit(alice, charlie, settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    # A new user name each time, so that only the per-address limit can stop them.
    statuses = [wrong_login("203.0.113.5", f"198.51.100.{n}", f"nobody{n}") for n in range(5)]
    assert statuses == [400, 400, 400, 429, 429]


def test_admin_sign_in_counts_the_real_address_too(admin, settings):
    settings.LOGIN_THROTTLE_RATE = "2/min"
    statuses = [
        Client()
        .post(
            "/admin/login/",
            {"username": f"nobody{n}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.6",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        .status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


def test_behind_our_proxy_the_address_it_saw_is_counted(alice, settings):
    settings.NUM_PROXIES = 1
    settings.LOGIN_THROTTLE_RATE = "2/min"
    # The proxy (10.0.0.1) appends the address it saw; what the client wrote before it is ignored.
    statuses = [wrong_login("10.0.0.1", f"1.2.3.{n}, 203.0.113.7", f"nobody{n}") for n in range(3)]
    assert statuses == [400, 400, 429]
    assert wrong_login("10.0.0.1", "203.0.113.8", "nobody9") == 400  # another client behind the same proxy
    assert set(AuditEvent.objects.values_list("ip_address", flat=True)) == {"203.0.113.7", "203.0.113.8"}


def test_the_audit_log_ignores_forwarded_for_without_a_proxy(alice):
    APIClient().post(
        "/api/v1/auth/login/",
        {"username": "alice", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert AuditEvent.objects.get(action="auth.login").ip_address == "203.0.113.9"


def test_bodies_that_are_not_objects_are_refused_with_400(alice):
    client = APIClient()
    for path in ("/api/v1/auth/login/", "/api/v1/auth/token/", "/api/v1/auth/register/",
                 "/api/v1/auth/password-reset/", "/api/v1/auth/password-reset/confirm/",
                 "/api/v1/auth/invitations/accept/"):
        for body in ("1", "[]", '"x"', "null", '["username"]'):
            response = client.post(path, body, content_type="application/json")
            assert response.status_code == 400, (path, body, response.status_code)
            assert response.json()["error"]["code"] == "invalid"
