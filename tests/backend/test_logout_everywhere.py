"""POST /api/v1/auth/logout-everywhere/: end every session and token of the user."""

from rest_framework.test import APIClient

from audit.models import AuditEvent
from accounts.models import User
from clinic_factories import PASSWORD, enter_second_factor


def signed_in_client(username: str) -> APIClient:
    client = APIClient()
    assert (
        client.post("/api/v1/auth/login/", {"username": username, "password": PASSWORD}, format="json").status_code
        == 200
    )
    enter_second_factor(client, User.objects.get(username=username))
    return client


def test_every_session_and_token_of_the_user_ends(alice, charlie):
    laptop, phone = signed_in_client("alice"), signed_in_client("alice")
    key = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
        .json()["key"]
    )
    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    other_user = signed_in_client("charlie")

    assert phone.post("/api/v1/auth/logout-everywhere/").status_code == 204

    assert laptop.get("/api/v1/auth/me/").status_code == 401
    assert phone.get("/api/v1/auth/me/").status_code == 401
    assert integration.get("/api/v1/auth/me/").status_code == 401
    assert other_user.get("/api/v1/auth/me/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.logout_everywhere", actor=alice).exists()


def test_user_can_sign_in_again_afterwards(alice):
    client = signed_in_client("alice")
    client.post("/api/v1/auth/logout-everywhere/")
    assert signed_in_client("alice").get("/api/v1/auth/me/").status_code == 200


def test_deactivating_a_user_ends_their_sessions(alice, admin):
    session = signed_in_client("alice")
    admin_client = signed_in_client("admin")
    assert admin_client.patch(f"/api/v1/users/{alice.pk}/", {"is_active": False}, format="json").status_code == 200
    assert session.get("/api/v1/auth/me/").status_code == 401


def test_deactivation_is_audited_as_the_admins_doing(alice, admin):
    signed_in_client("admin").patch(f"/api/v1/users/{alice.pk}/", {"is_active": False}, format="json")
    event = AuditEvent.objects.get(action="auth.logout_everywhere")
    assert (event.actor, event.object_id) == (admin, str(alice.pk))
