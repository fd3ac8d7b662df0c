"""POST /api/v1/auth/password-reset/ and /confirm/: a single-use, expiring link by e-mail."""

import re
import time

from django.core import mail
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import api_token_create
from audit.models import AuditEvent
from clinic_factories import PASSWORD

NEW_PASSWORD = "Orchard-lantern-morning-5"


def ask_for_link(email: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return APIClient().post("/api/v1/auth/password-reset/", {"email": email}, format="json")


def link_in_last_mail() -> tuple[str, str, str]:
    link = re.search(r"http\S+", mail.outbox[-1].body).group(0)
    uid, token = re.search(r"#uid=([\w-]+)&token=([\w-]+)$", link).groups()
    return link, uid, token


def confirm(uid: str, token: str, password: str = NEW_PASSWORD):
    return APIClient().post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "password": password}, format="json"
    )


def test_a_patient_resets_her_password_by_the_e_mailed_link(alice, django_capture_on_commit_callbacks):
    response = ask_for_link("ALICE@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert mail.outbox[-1].to == ["alice@example.org"]
    link, uid, token = link_in_last_mail()
    assert link.startswith("http://localhost:8000/static/web/reset.html#")  # after '#': never sent to a server
    assert confirm(uid, token).status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=alice).exists()


def test_the_same_answer_whether_or_not_the_address_is_registered(alice, django_capture_on_commit_callbacks):
    known = ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    unknown = ask_for_link("nobody@example.org", django_capture_on_commit_callbacks)
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert len(mail.outbox) == 1


def test_the_link_works_once(alice, django_capture_on_commit_callbacks):
    ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    _, uid, token = link_in_last_mail()
    assert confirm(uid, token).status_code == 200
    response = confirm(uid, token, "Another-orchard-morning-6")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_link"


def test_the_link_expires(alice, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_LINK_SECONDS = 1
    ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    _, uid, token = link_in_last_mail()
    time.sleep(2.1)
    assert confirm(uid, token).json()["error"]["code"] == "invalid_reset_link"
    assert User.objects.get(pk=alice.pk).check_password(PASSWORD)


def test_an_invitation_token_is_no_reset_token(admin, django_capture_on_commit_callbacks):
    from clinic_factories import client_for

    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post("/api/v1/invitations/", {"username": "frank", "email": "frank@example.org"}, format="json")
    _, uid, token = link_in_last_mail()
    assert confirm(uid, token).status_code == 400


def test_a_weak_password_keeps_the_link(alice, django_capture_on_commit_callbacks):
    ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    _, uid, token = link_in_last_mail()
    assert confirm(uid, token, "alice").json()["error"]["code"] == "weak_password"
    assert confirm(uid, token).status_code == 200


def test_a_reset_ends_every_session_and_token(alice, django_capture_on_commit_callbacks):
    laptop = APIClient()
    assert laptop.post("/api/v1/auth/login/", {"username": "alice", "password": PASSWORD}, format="json").status_code == 200
    _, key = api_token_create(user=alice, name="old integration")
    ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    _, uid, token = link_in_last_mail()
    assert confirm(uid, token).status_code == 200
    assert laptop.get("/api/v1/auth/me/").status_code == 401
    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert integration.get("/api/v1/auth/me/").status_code == 401
    assert not ApiToken.objects.filter(user=alice).exists()


def test_a_reset_lifts_a_lockout(alice, django_capture_on_commit_callbacks):
    for _ in range(5):
        APIClient().post("/api/v1/auth/login/", {"username": "alice", "password": "wrong"}, format="json")
    ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    _, uid, token = link_in_last_mail()
    confirm(uid, token)
    response = APIClient().post("/api/v1/auth/login/", {"username": "alice", "password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200


def test_no_log_line_holds_a_link_or_its_token(alice, admin, caplog, django_capture_on_commit_callbacks):
    from clinic_factories import client_for

    caplog.set_level("DEBUG")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post("/api/v1/invitations/", {"username": "frank", "email": "frank@example.org"}, format="json")
    invitation = link_in_last_mail()
    ask_for_link("alice@example.org", django_capture_on_commit_callbacks)
    reset = link_in_last_mail()
    confirm(reset[1], "wrong-token")  # a refusal is logged as a 4xx warning
    confirm(reset[1], reset[2])
    for link, uid, token in (invitation, reset):
        assert token not in caplog.text and link not in caplog.text
