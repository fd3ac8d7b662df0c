"""POST /api/v1/auth/login/ and /auth/logout/: session sign-in for the web app."""

from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic_factories import PASSWORD


def login(client: APIClient, username: str, password: str, **extra):
    return client.post("/api/v1/auth/login/", {"username": username, "password": password}, format="json", **extra)


def test_patient_signs_in_and_the_session_works(alice):
    client = APIClient()
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert response.json()["role"] == "patient"
    assert client.get("/api/v1/auth/me/").json()["username"] == "alice"


def test_wrong_password_is_refused_and_audited(alice):
    response = login(APIClient(), "alice", "not-her-password", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    event = AuditEvent.objects.get(action="auth.login")
    # The refusal carries the answer's status and reason, never the password.
    assert event.allowed is False and event.detail == {
        "username": "alice",
        "status": 400,
        "code": "invalid_credentials",
        "message": "Wrong username or password.",
    }
    assert event.ip_address == "203.0.113.9"


def test_deactivated_user_cannot_sign_in(alice):
    alice.is_active = False
    alice.save()
    assert login(APIClient(), "alice", PASSWORD).status_code == 400


def test_repeated_attempts_are_throttled(alice, settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    client = APIClient()
    statuses = [login(client, "alice", "wrong-guess").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert "Retry-After" in response


def test_throttling_follows_the_username_across_addresses(alice, settings):
    settings.LOGIN_THROTTLE_RATE = "2/min"
    for address in ("198.51.100.1", "198.51.100.2"):
        assert login(APIClient(), "alice", "wrong", REMOTE_ADDR=address).status_code == 400
    assert login(APIClient(), "alice", "wrong", REMOTE_ADDR="198.51.100.3").status_code == 429


def test_login_requires_a_csrf_token_from_browsers(alice):
    client = APIClient(enforce_csrf_checks=True)
    assert login(client, "alice", PASSWORD).status_code == 403
    token = client.get("/api/v1/auth/csrf/").json()["csrf_token"]
    assert login(client, "alice", PASSWORD, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_logout_ends_the_session(alice):
    client = APIClient()
    login(client, "alice", PASSWORD)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/auth/me/").status_code == 401


def test_anonymous_caller_gets_401_with_a_json_error(anon_client, db):
    response = anon_client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_admin_site_sign_in_is_throttled_too(admin, settings):
    from django.test import Client

    settings.LOGIN_THROTTLE_RATE = "2/min"
    client = Client()
    statuses = [client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
