"""POST /api/v1/auth/register/: patients sign themselves up."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Role, User


def register(**overrides):
    body = {"username": "erin", "email": "erin@example.org", "password": "Quiet-meadow-river-42", **overrides}
    return APIClient().post("/api/v1/auth/register/", body, format="json")


def test_patient_registers_herself(db):
    response = register(first_name="Erin")
    assert response.status_code == 201, response.content
    user = User.objects.get(username="erin")
    assert user.role == Role.PATIENT and not user.is_staff
    assert user.check_password("Quiet-meadow-river-42")
    assert "password" not in response.json()


def test_nobody_can_register_as_a_doctor(db):
    register(role="doctor")
    assert User.objects.get(username="erin").role == Role.PATIENT


def test_weak_passwords_are_refused_with_reasons(db):
    for password in ("short", "password1234", "123456789012", "erin@example.org"):
        response = register(password=password)
        assert response.status_code == 400, password
        body = response.json()["error"]
        assert body["code"] == "weak_password" and body["details"]["password"]
    assert not User.objects.exists()


def test_taken_username_is_a_conflict(alice):
    response = register(username="alice")
    assert response.status_code == 409 and response.json()["error"]["code"] == "username_taken"


def test_sign_up_answers_alike_whether_or_not_the_email_is_registered(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new = register(username="erin", email="erin@example.org")
        taken = register(username="erin2", email="ALICE@example.org")
    assert new.status_code == taken.status_code == 201
    assert new.json()["message"] == taken.json()["message"]
    assert set(new.json()) == set(taken.json()) == {"username", "email", "message"}
    assert not User.objects.filter(username="erin2").exists()
    # The new patient is welcomed; the owner of the taken address hears of it; the person signing
    # up learns nothing, not even from how long the answer took (one hash and one e-mail each way).
    assert [message.to for message in mail.outbox] == [["erin@example.org"], ["alice@example.org"]]
    assert "alice" in mail.outbox[1].body and "reset.html" in mail.outbox[1].body


def test_a_weak_password_is_refused_before_the_email_is_looked_at(alice):
    assert register(email="alice@example.org", password="short").json()["error"]["code"] == "weak_password"


def test_registration_can_be_closed(db, settings):
    settings.PATIENT_SELF_REGISTRATION = False
    response = register()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "registration_closed"


def test_missing_fields_are_listed(db):
    response = APIClient().post("/api/v1/auth/register/", {"username": "x"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["details"]["fields"]
    assert {"email", "password"} <= set(fields)


def test_database_also_refuses_names_that_differ_only_in_case(alice):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ALICE", "other@example.org", "Some-long-passphrase-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("alice2", "Alice@Example.org", "Some-long-passphrase-1")


def test_a_mail_server_that_cannot_be_reached_does_not_undo_the_answer(db, settings, caplog,
                                                                       django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 2

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = register()

    assert len(callbacks) == 1  # the welcome e-mail was tried
    assert response.status_code == 201, response.content
    assert User.objects.filter(username="erin").exists()
    [failure] = [r for r in caplog.records if r.levelname == "ERROR" and "could not be sent" in r.getMessage()]
    assert "erin@example.org" not in failure.getMessage()
