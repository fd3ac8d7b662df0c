"""POST /api/v1/invitations/ and /auth/invitations/accept/: clinics invite patients."""

import re

from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Role, User
from clinic_factories import client_for


def invite(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            "/api/v1/invitations/",
            {"username": "frank", "email": "frank@example.org", "first_name": "Frank"},
            format="json",
        )
    assert response.status_code == 201, response.content
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)", mail.outbox[-1].body).groups()
    return uid, token


def accept(uid: str, token: str, password: str = "Lantern-harbor-sunrise-8"):
    return APIClient().post(
        "/api/v1/auth/invitations/accept/", {"uid": uid, "token": token, "password": password}, format="json"
    )


def test_invited_patient_gets_an_email_and_no_usable_password(admin, django_capture_on_commit_callbacks):
    invite(admin, django_capture_on_commit_callbacks)
    frank = User.objects.get(username="frank")
    assert frank.role == Role.PATIENT and not frank.has_usable_password()
    assert mail.outbox[-1].to == ["frank@example.org"]


def test_patient_accepts_the_invitation_by_choosing_a_password(admin, django_capture_on_commit_callbacks):
    uid, token = invite(admin, django_capture_on_commit_callbacks)
    assert accept(uid, token).status_code == 200
    assert User.objects.get(username="frank").check_password("Lantern-harbor-sunrise-8")


def test_invitation_link_works_only_once(admin, django_capture_on_commit_callbacks):
    uid, token = invite(admin, django_capture_on_commit_callbacks)
    assert accept(uid, token).status_code == 200
    response = accept(uid, token, "Another-harbor-sunrise-9")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_invitation"


def test_forged_invitation_is_refused(admin, alice):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    response = accept(urlsafe_base64_encode(force_bytes(alice.pk)), "abc-123")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_invitation"


def test_weak_password_does_not_use_up_the_invitation(admin, django_capture_on_commit_callbacks):
    uid, token = invite(admin, django_capture_on_commit_callbacks)
    assert accept(uid, token, "frank").status_code == 400
    assert accept(uid, token).status_code == 200
