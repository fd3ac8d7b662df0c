"""POST /api/v1/auth/register/: patients sign themselves up."""

import pytest
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


def test_taken_username_or_email_is_a_conflict(alice):
    assert register(username="alice").json()["error"]["code"] == "username_taken"
    response = register(email="ALICE@example.org")
    assert response.status_code == 409 and response.json()["error"]["code"] == "email_taken"


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
