"""Failed sign-ins lock a username for a growing time; time or a clinic admin unlocks it."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SignInLockout
from audit.models import AuditEvent
from clinic_factories import PASSWORD, client_for


def login(username: str, password: str, path: str = "/api/v1/auth/login/"):
    return APIClient().post(path, {"username": username, "password": password}, format="json")


def fail(times: int, username: str = "alice") -> list[int]:
    return [login(username, "wrong-guess").status_code for _ in range(times)]


def pass_time(username: str, seconds: int) -> None:
    """As if `seconds` had gone by since the lockout started."""
    lockout = SignInLockout.objects.get(username=username)
    lockout.locked_until -= timedelta(seconds=seconds)
    lockout.save()


def test_five_failures_lock_the_account_even_for_the_right_password(alice):
    assert fail(5) == [400, 400, 400, 400, 403]
    response = login("alice", PASSWORD)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "account_locked"
    assert "Try again in 1 minute" in error["message"] and "ask your clinic" in error["message"]
    assert login("alice", PASSWORD, "/api/v1/auth/token/").json()["error"]["code"] == "account_locked"
    event = AuditEvent.objects.get(action="auth.lockout")
    assert event.allowed is False
    # With the answer's status and reason, as every refusal.
    assert event.detail == {"username": "alice", "failures": 5, "seconds": 60,
                            "status": 403, "code": "account_locked", "message": error["message"]}


def test_the_lockout_ends_with_time_and_doubles_each_time(alice, settings):
    settings.SIGN_IN_LOCKOUT_MAX_SECONDS = 150
    fail(5)
    pass_time("alice", 60)
    assert fail(5)[-1] == 403
    assert SignInLockout.objects.get(username="alice").locked_until > timezone.now() + timedelta(seconds=100)
    pass_time("alice", 120)
    fail(5)
    assert [event.detail["seconds"] for event in AuditEvent.objects.filter(action="auth.lockout").order_by("id")] == [60, 120, 150]
    pass_time("alice", 150)
    assert login("alice", PASSWORD).status_code == 200
    assert fail(4) == [400] * 4  # a success starts the count afresh


def test_an_unknown_username_is_locked_alike(db):
    # The same answers as for alice: a lockout tells nobody which usernames exist.
    assert fail(6, "nobody") == [400, 400, 400, 400, 403, 403]


def test_a_clinic_admin_unlocks_the_account(alice, admin):
    fail(5)
    response = client_for(admin).post(f"/api/v1/users/{alice.pk}/unlock/")
    assert response.status_code == 200
    assert login("alice", PASSWORD).status_code == 200
    event = AuditEvent.objects.get(action="user.unlock")
    assert (event.actor, event.object_id, event.patient_id) == (admin, str(alice.pk), alice.pk)


def test_the_admin_sign_in_form_is_locked_too(admin):
    client = Client()
    for _ in range(5):
        assert client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code == 200
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert "Too many failed sign-ins" in response.content.decode()
    # The API's failures count for the admin form as well: it is one lockout per username.
    assert login("admin", PASSWORD).json()["error"]["code"] == "account_locked"
